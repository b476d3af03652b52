//! Maps of open files (`&File`, `BorrowedFd`) rather than paths: the file
//! position is not moved, the map outlives the `File`, and `'w+'` on a
//! descriptor extends but never truncates (as numpy does with file objects).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::path::Path;

use crate::support::{file_with, pattern, patterned_file, private, snapshot, u32_at};
use mmarray_std::{Error, Ix1, Ix2, Mode, Options};

fn open_rw(path: &Path) -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap()
}

const MODES: [Mode; 4] = [Mode::Read, Mode::ReadWrite, Mode::Write, Mode::CopyOnWrite];

#[test]
fn mapping_leaves_the_file_position_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 100);
    for mode in MODES {
        for pos in [0u64, 7, 100, 150] {
            let mut file = open_rw(&path);
            file.seek(SeekFrom::Start(pos)).unwrap();
            {
                // Through &File, with an inferred shape where the mode allows.
                let mut o = Options::<u8, Ix1>::new();
                o.offset(4);
                if mode == Mode::Write {
                    o.shape([96]);
                }
                let m = private!(o.map(&file, mode)).unwrap();
                // Element 0 is byte 4 of the file, not of the position.
                assert_eq!(m.as_slice(), &bytes[4..], "mode {mode} position {pos}");
            }
            assert_eq!(file.stream_position().unwrap(), pos, "mode {mode}");
            {
                // Through a BorrowedFd, with a shape past the end in writable modes.
                let n = if mode.writes_file() { 120 } else { 50 };
                let m =
                    private!(Options::<u8, Ix1>::new().shape([n]).map(file.as_fd(), mode)).unwrap();
                assert_eq!(m.len(), n);
            }
            assert_eq!(file.stream_position().unwrap(), pos, "mode {mode}");
            // Reading continues from the position.
            let mut rest = Vec::new();
            file.read_to_end(&mut rest).unwrap();
            let now = std::fs::read(&path).unwrap();
            let from = usize::try_from(pos).unwrap().min(now.len());
            assert_eq!(rest, &now[from..]);
            // Put the file back for the next round.
            std::fs::write(&path, &bytes).unwrap();
        }
    }
}

#[test]
fn the_map_outlives_the_file_it_was_made_from() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 64);

    let file = open_rw(&path);
    let mut rw = private!(
        Options::<u32, Ix2>::new()
            .shape([4, 4])
            .map_read_write(&file)
    )
    .unwrap();
    let reader = File::open(&path).unwrap();
    let ro = private!(Options::<u8, Ix1>::new().map_read(reader.as_fd())).unwrap();
    drop(file);
    drop(reader);

    assert_eq!(ro.as_slice(), &bytes[..]);
    rw[[3, 3]] = 0x0BAD_CAFE;
    rw.flush().unwrap();
    assert_eq!(ro.as_slice()[60..64], 0x0BAD_CAFEu32.to_ne_bytes());
    rw.close().unwrap();
    let mut want = bytes;
    want[60..64].copy_from_slice(&0x0BAD_CAFEu32.to_ne_bytes());
    assert_eq!(snapshot(&path).bytes, want);

    // A copy-on-write map of a closed descriptor keeps reading the file.
    let c = {
        let f = File::open(&path).unwrap();
        private!(Options::<u32, Ix1>::new().map_copy_on_write(&f)).unwrap()
    };
    assert_eq!(c[[15]], 0x0BAD_CAFE);
    assert_eq!(c[[0]], u32_at(&want, 0));
}

#[test]
fn write_mode_on_a_descriptor_keeps_the_files_bytes_and_only_extends() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = pattern(100);

    // A shorter array: nothing is truncated, nothing is zeroed.
    let path = file_with(dir.path(), "a.dat", &bytes);
    let file = open_rw(&path);
    let m = private!(
        Options::<u8, Ix1>::new()
            .offset(10)
            .shape([20])
            .map(&file, Mode::Write)
    )
    .unwrap();
    assert_eq!(m.as_slice(), &bytes[10..30]);
    assert_eq!(m.mode(), Mode::Write);
    drop(m);
    assert_eq!(snapshot(&path).bytes, bytes);

    // A longer array: the old bytes stay, the rest is zeros, the length is offset + nbytes.
    let mut m = private!(
        Options::<u32, Ix1>::new()
            .offset(80)
            .shape([30])
            .map(file.as_fd(), Mode::Write)
    )
    .unwrap();
    assert_eq!(m[[0]], u32_at(&bytes, 80));
    assert_eq!(m[[4]], u32_at(&bytes, 96));
    assert!(m.as_slice()[5..].iter().all(|&x| x == 0));
    m.try_as_mut_slice().unwrap()[29] = 77;
    m.close().unwrap();
    let s = snapshot(&path);
    assert_eq!(s.len, 80 + 120);
    assert_eq!(&s.bytes[..100], &bytes[..]);
    assert!(s.bytes[100..196].iter().all(|&b| b == 0));
    assert_eq!(u32_at(&s.bytes, 196), 77);
}

#[test]
fn writes_through_a_descriptor_map_are_seen_by_the_descriptor() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 16);
    let mut file = open_rw(&path);
    let mut m = private!(Options::<u8, Ix1>::new().map_read_write(&file)).unwrap();
    m.as_mut_slice().fill(3);
    let mut got = Vec::new();
    file.read_to_end(&mut got).unwrap();
    assert_eq!(got, [3; 16]);
    drop(m);
    // And writes through the descriptor are seen by a new map.
    file.seek(SeekFrom::Start(0)).unwrap();
    file.write_all(&[9; 4]).unwrap();
    let m = private!(Options::<u8, Ix1>::new().map_read(&file)).unwrap();
    assert_eq!(&m.as_slice()[..5], &[9, 9, 9, 9, 3]);
}

/// A map made from a descriptor has no path: its errors say "the file" and name none.
#[test]
fn errors_of_a_descriptor_map_name_no_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.bin");
    std::fs::write(&path, [0u8; 64]).unwrap();
    let file = File::open(&path).unwrap();
    let e = private!(Options::<u8, Ix1>::new().shape([100]).map_read(&file)).unwrap_err();
    assert!(matches!(e, Error::PastEnd { path: None, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "the array ends at byte 100 but the file has 64 bytes, and mode 'r' cannot extend it; \
         give a smaller shape or offset, or open in mode 'r+'"
    );
    let e = private!(Options::<u32, Ix1>::new().offset(2).map_read(&file)).unwrap_err();
    assert!(matches!(e, Error::Layout { path: None, .. }), "{e:?}");
    assert!(e.to_string().starts_with("offset 2 is not"), "{e}");
    // The same by path names it.
    let e = private!(Options::<u8, Ix1>::new().shape([100]).open_read(&path)).unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("but {} has 64 bytes", path.display())),
        "{e}"
    );
}
