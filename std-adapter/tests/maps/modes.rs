//! numpy.memmap's four modes against real files: what each reads, where its
//! writes go, how it treats missing, short and existing files, and the mode
//! names and file names a map reports.

use std::fs::File;
use std::io::ErrorKind;

use crate::support::{
    file_with, pattern, patterned_file, private, snapshot, u16_at, u32_at, u64_of,
};
use mmarray_std::{Error, Ix1, Ix2, IxDyn, MODE_NAMES, Memmap, Mode, Options, ReadWrite};

#[test]
fn read_mode_values_equal_the_files_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 2 * 24);

    let m = private!(Options::<u16, Ix1>::new().open_read(&path)).unwrap();
    assert_eq!(m.shape(), &[24]);
    assert_eq!(m.len(), 24);
    assert_eq!(m.nbytes(), 48);
    for i in 0..24 {
        assert_eq!(m[[i]], u16_at(&bytes, 2 * i), "element {i}");
        assert_eq!(m.get([i]), Some(&u16_at(&bytes, 2 * i)));
    }
    assert_eq!(m.get([24]), None);

    let m2 = private!(Options::<u16, Ix2>::new().shape([4, 6]).open_read(&path)).unwrap();
    let v = m2.view();
    for i in 0..4 {
        for j in 0..6 {
            assert_eq!(v[[i, j]], u16_at(&bytes, 2 * (6 * i + j)));
        }
    }
    drop((m, m2));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn dynamic_read_mode_refuses_mutable_views_and_flush_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 64);

    let mut m = private!(Options::<u8, IxDyn>::new().open(&path, Mode::Read)).unwrap();
    assert!(matches!(m.try_view_mut(), Err(Error::ReadOnly)));
    assert!(matches!(m.try_as_mut_slice(), Err(Error::ReadOnly)));
    assert_eq!(m.as_slice(), &bytes[..]);
    m.flush().unwrap();
    m.flush_async().unwrap();
    m.flush_range(0..64).unwrap();
    m.close().unwrap();
    assert_eq!(snapshot(&path).bytes, bytes);
}

#[test]
fn dynamic_writable_modes_grant_mutable_views() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [Mode::ReadWrite, Mode::Write, Mode::CopyOnWrite] {
        let (path, _) = patterned_file(dir.path(), 16);
        let mut m = private!(
            Options::<u8, IxDyn>::new()
                .shape(IxDyn::new(&[16]).unwrap())
                .open(&path, mode)
        )
        .unwrap();
        m.try_view_mut().unwrap().fill(&9);
        assert_eq!(m.as_slice(), &[9; 16], "mode {mode}");
        m.try_as_mut_slice().unwrap()[0] = 1;
        assert_eq!(m.as_slice()[0], 1);
        m.close().unwrap();
        let on_disk = std::fs::read(&path).unwrap();
        if mode.writes_file() {
            let mut want = vec![9; 16];
            want[0] = 1;
            assert_eq!(on_disk, want, "mode {mode}");
        } else {
            assert_eq!(on_disk, pattern(16), "mode {mode}");
        }
    }
}

#[test]
fn read_write_writes_reach_the_file_before_and_after_flush() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 40);

    let mut m = private!(
        Options::<u32, Ix2>::new()
            .shape([2, 5])
            .open_read_write(&path)
    )
    .unwrap();
    m[[1, 3]] = 0xDEAD_BEEF;
    m.view_mut()[[0, 0]] = 7;
    // A shared map writes the page cache that read(2) reads: visible before any flush.
    let before = std::fs::read(&path).unwrap();
    assert_eq!(u32_at(&before, 4 * 8), 0xDEAD_BEEF);
    assert_eq!(u32_at(&before, 0), 7);
    let mut want = bytes.clone();
    want[32..36].copy_from_slice(&0xDEAD_BEEFu32.to_ne_bytes());
    want[0..4].copy_from_slice(&7u32.to_ne_bytes());
    assert_eq!(before, want);
    m.flush().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), want);
    m.close().unwrap();
    assert_eq!(snapshot(&path).bytes, want);
}

#[test]
fn read_write_on_a_missing_file_is_not_found_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.dat");
    let r = private!(Options::<u8, Ix1>::new().shape([4]).open_read_write(&path));
    match r {
        Err(Error::Io {
            op,
            path: p,
            source,
        }) => {
            assert_eq!(source.kind(), ErrorKind::NotFound);
            assert_eq!(op, "open");
            assert_eq!(p.as_deref(), Some(path.as_path()));
        }
        other => panic!("expected Io NotFound, got {other:?}"),
    }
    assert!(!path.exists());
}

#[test]
fn read_write_extends_a_short_file_with_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 10);

    let m = private!(
        Options::<u32, Ix1>::new()
            .offset(4)
            .shape([6])
            .open_read_write(&path)
    )
    .unwrap();
    let after = snapshot(&path);
    assert_eq!(after.len, 4 + 24);
    assert_eq!(&after.bytes[..10], &bytes[..]);
    assert!(after.bytes[10..].iter().all(|&b| b == 0));
    // The map reads the same: old bytes, then zeros.
    assert_eq!(m[[0]], u32_at(&bytes, 4));
    assert_eq!(m[[1]], u32::from_ne_bytes([bytes[8], bytes[9], 0, 0]));
    assert_eq!(&m.as_slice()[2..], &[0; 4]);
}

#[test]
fn read_write_with_a_smaller_shape_leaves_the_length_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 100);
    let mut m = private!(
        Options::<u8, Ix1>::new()
            .offset(10)
            .shape([5])
            .open_read_write(&path)
    )
    .unwrap();
    m[[0]] = 0;
    m.close().unwrap();
    let after = snapshot(&path);
    assert_eq!(after.len, 100);
    let mut want = bytes;
    want[10] = 0;
    assert_eq!(after.bytes, want);
}

#[test]
fn write_mode_creates_a_zeroed_file_of_exactly_offset_plus_nbytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.dat");
    let m = private!(
        Options::<u64, Ix2>::new()
            .offset(16)
            .shape([3, 7])
            .create(&path)
    )
    .unwrap();
    assert_eq!(m.nbytes(), 3 * 7 * 8);
    assert!(m.as_slice().iter().all(|&x| x == 0));
    let s = snapshot(&path);
    assert_eq!(s.len, 16 + 3 * 7 * 8);
    assert!(s.bytes.iter().all(|&b| b == 0));
}

#[test]
fn write_mode_overwrites_an_existing_file_to_exactly_offset_plus_nbytes() {
    let dir = tempfile::tempdir().unwrap();
    for (old_len, offset, n) in [(1000, 8, 3), (4, 0, 10), (50, 48, 0), (50, 40, 2)] {
        let (path, _) = patterned_file(dir.path(), old_len);
        let mut m = private!(
            Options::<u32, Ix1>::new()
                .offset(offset)
                .shape([n])
                .create(&path)
        )
        .unwrap();
        // Every old byte is gone, inside and before the array.
        assert!(m.as_slice().iter().all(|&x| x == 0));
        m.as_mut_slice().fill(0x0101_0101);
        m.close().unwrap();
        let s = snapshot(&path);
        let offset = usize::try_from(offset).unwrap();
        assert_eq!(
            s.len,
            u64_of(offset + 4 * n),
            "old {old_len} offset {offset} n {n}"
        );
        assert!(s.bytes[..offset].iter().all(|&b| b == 0));
        assert!(s.bytes[offset..].iter().all(|&b| b == 1));
    }
}

#[test]
fn write_mode_without_a_shape_is_refused_and_the_file_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 64);
    let before = snapshot(&path);

    let r = private!(Options::<u8, Ix1>::new().create(&path));
    assert!(matches!(r, Err(Error::ShapeRequired)), "{r:?}");
    let r = private!(
        Options::<u8, IxDyn>::new()
            .offset(8)
            .open(&path, "write".parse().unwrap())
    );
    assert!(matches!(r, Err(Error::ShapeRequired)), "{r:?}");
    assert_eq!(snapshot(&path), before);

    // And no file is created when there was none.
    let missing = dir.path().join("missing.dat");
    let r = private!(Options::<u8, Ix1>::new().create(&missing));
    assert!(matches!(r, Err(Error::ShapeRequired)));
    assert!(!missing.exists());
}

#[test]
fn copy_on_write_writes_never_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 3 * 16);

    let mut first = private!(
        Options::<u16, Ix2>::new()
            .shape([4, 6])
            .open_copy_on_write(&path)
    )
    .unwrap();
    first.view_mut().fill(&0x4242);
    first[[3, 5]] = 1;
    assert_eq!(first[[0, 0]], 0x4242);
    assert_eq!(first[[3, 5]], 1);
    first.flush().unwrap();
    first.flush_async().unwrap();
    first.flush_range(0..24).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    // A second copy-on-write map sees the file, not the first map's writes.
    let second = private!(
        Options::<u16, Ix2>::new()
            .shape([4, 6])
            .open_copy_on_write(&path)
    )
    .unwrap();
    for i in 0..4 {
        for j in 0..6 {
            assert_eq!(second[[i, j]], u16_at(&bytes, 2 * (6 * i + j)));
        }
    }
    // Nor does a read-only one.
    let reader = private!(Options::<u8, Ix1>::new().open_read(&path)).unwrap();
    assert_eq!(reader.as_slice(), &bytes[..]);

    first.close().unwrap();
    drop(second);
    assert_eq!(snapshot(&path).bytes, bytes);
    assert_eq!(snapshot(&path).len, 48);
}

#[test]
fn mode_names_and_aliases_parse_to_their_short_forms() {
    let cases = [
        ("r", Mode::Read),
        ("readonly", Mode::Read),
        ("r+", Mode::ReadWrite),
        ("readwrite", Mode::ReadWrite),
        ("w+", Mode::Write),
        ("write", Mode::Write),
        ("c", Mode::CopyOnWrite),
        ("copyonwrite", Mode::CopyOnWrite),
    ];
    for (name, mode) in cases {
        assert_eq!(name.parse::<Mode>().unwrap(), mode, "{name}");
    }
    assert_eq!(MODE_NAMES.len(), cases.len());
    for name in MODE_NAMES {
        assert!(cases.iter().any(|(n, _)| *n == name));
    }
    for (mode, short) in [
        (Mode::Read, "r"),
        (Mode::ReadWrite, "r+"),
        (Mode::Write, "w+"),
        (Mode::CopyOnWrite, "c"),
    ] {
        assert_eq!(mode.as_str(), short);
        assert_eq!(mode.to_string(), short);
        assert_eq!(short.parse::<Mode>().unwrap(), mode);
    }
    // numpy's default is 'r+'.
    assert_eq!(Mode::default(), Mode::ReadWrite);
}

#[test]
fn invalid_mode_names_are_refused_with_the_name() {
    for bad in [
        "", "R", "rb", "w", "r+b", "wb+", " r", "r ", "READONLY", "Write", "a", "x",
    ] {
        match bad.parse::<Mode>() {
            Err(Error::InvalidMode(s)) => assert_eq!(s, bad),
            other => panic!("{bad:?} parsed as {other:?}"),
        }
        let msg = bad.parse::<Mode>().unwrap_err().to_string();
        assert!(msg.contains(&format!("'{bad}'")), "{msg}");
        for name in MODE_NAMES {
            assert!(msg.contains(&format!("'{name}'")), "{msg}");
        }
    }
}

#[test]
fn mode_reports_the_short_form_for_every_way_of_opening() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 8);
    for (name, short) in [
        ("readonly", "r"),
        ("readwrite", "r+"),
        ("write", "w+"),
        ("copyonwrite", "c"),
        ("r", "r"),
        ("r+", "r+"),
        ("w+", "w+"),
        ("c", "c"),
    ] {
        let mode: Mode = name.parse().unwrap();
        let m = private!(Options::<u8, Ix1>::new().shape([8]).open(&path, mode)).unwrap();
        assert_eq!(m.mode().as_str(), short);
        let file = File::options().read(true).write(true).open(&path).unwrap();
        let m = private!(Options::<u8, Ix1>::new().shape([8]).map(&file, mode)).unwrap();
        assert_eq!(m.mode().as_str(), short);
    }
    // The typed constructors, one at a time (w+ empties the file, so no
    // other map of it may be alive then).
    let m = private!(Options::<u8, Ix1>::new().open_read(&path)).unwrap();
    assert_eq!(m.mode(), Mode::Read);
    drop(m);
    let m = private!(Options::<u8, Ix1>::new().open_read_write(&path)).unwrap();
    assert_eq!(m.mode(), Mode::ReadWrite);
    drop(m);
    let m = private!(Options::<u8, Ix1>::new().shape([8]).create(&path)).unwrap();
    assert_eq!(m.mode(), Mode::Write);
    drop(m);
    let m = private!(Options::<u8, Ix1>::new().open_copy_on_write(&path)).unwrap();
    assert_eq!(m.mode(), Mode::CopyOnWrite);
    assert_eq!(
        Memmap::<u8, Ix1, ReadWrite>::anonymous([3]).unwrap().mode(),
        Mode::ReadWrite
    );
}

#[test]
fn filename_of_a_relative_path_is_joined_with_the_working_directory() {
    let cwd = std::env::current_dir().unwrap();
    // A scratch directory inside the working directory, so the relative path
    // has no `..` and every way of making it absolute agrees.
    let dir = tempfile::Builder::new()
        .prefix(".memmap_modes_rel_")
        .tempdir_in(&cwd)
        .unwrap();
    let name = dir.path().file_name().unwrap();
    let rel = std::path::Path::new(name).join("a.dat");
    std::fs::write(&rel, pattern(4)).unwrap();
    let m = private!(Options::<u8, Ix1>::new().open_read(&rel)).unwrap();
    let got = m.filename().unwrap();
    assert!(got.is_absolute());
    assert_eq!(got, cwd.join(&rel));
    assert_eq!(m.as_slice(), &pattern(4)[..]);
}

#[test]
fn filename_keeps_symbolic_links() {
    let dir = tempfile::tempdir().unwrap();
    let target = file_with(dir.path(), "target.dat", &pattern(4));
    let link = dir.path().join("link.dat");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let m = private!(Options::<u8, Ix1>::new().open_read(&link)).unwrap();
    assert_eq!(m.filename(), Some(link.as_path()));
    assert_eq!(m.as_slice(), &pattern(4)[..]);
    // An absolute path comes back as given.
    let m = private!(Options::<u8, Ix1>::new().open_copy_on_write(&target)).unwrap();
    assert_eq!(m.filename(), Some(target.as_path()));
}

#[test]
fn filename_is_none_for_descriptors_and_anonymous_maps() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 8);
    let file = File::options().read(true).write(true).open(&path).unwrap();
    for mode in [Mode::Read, Mode::ReadWrite, Mode::Write, Mode::CopyOnWrite] {
        let m = private!(Options::<u8, Ix1>::new().shape([8]).map(&file, mode)).unwrap();
        assert_eq!(m.filename(), None, "mode {mode}");
    }
    let m = private!(Options::<u8, Ix1>::new().map_read(&file)).unwrap();
    assert_eq!(m.filename(), None);
    assert_eq!(
        Memmap::<u8, Ix1, ReadWrite>::anonymous([2])
            .unwrap()
            .filename(),
        None
    );
}

#[test]
fn read_write_extends_a_file_to_1_gib_sparsely_and_at_once() {
    use std::io::{Read, Seek, SeekFrom};
    use std::os::unix::fs::MetadataExt;

    const GIB: usize = 1 << 30;
    let dir = tempfile::tempdir().unwrap();
    let path = file_with(dir.path(), "big.dat", &pattern(10));
    let started = std::time::Instant::now();
    // Sparse on request (numpy's way); the default preallocates (see `preallocate.rs`).
    let mut m = private!(
        Options::<u8, Ix1>::new()
            .shape([GIB])
            .sparse(true)
            .open_read_write(&path)
    )
    .unwrap();
    // Generous: extending and mapping take well under a millisecond; writing a
    // gibibyte of zeros would take far longer.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), u64_of(GIB));
    m[[GIB - 1]] = 0xAB;
    m[[GIB / 2]] = 0xCD;
    assert_eq!(&m.as_slice()[..10], &pattern(10)[..]);
    m.close().unwrap();

    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.len(), u64_of(GIB));
    // st_blocks counts 512-byte units actually allocated: a few pages, not a gibibyte.
    assert!(
        meta.blocks() * 512 < 1 << 20,
        "{} blocks allocated",
        meta.blocks()
    );
    let mut f = File::open(&path).unwrap();
    let mut tail = [0u8; 4];
    f.seek(SeekFrom::Start(u64_of(GIB - 4))).unwrap();
    f.read_exact(&mut tail).unwrap();
    assert_eq!(tail, [0, 0, 0, 0xAB]);
    f.seek(SeekFrom::Start(u64_of(GIB / 2 - 1))).unwrap();
    f.read_exact(&mut tail).unwrap();
    assert_eq!(tail, [0, 0xCD, 0, 0]);
}
