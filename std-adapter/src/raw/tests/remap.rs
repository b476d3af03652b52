//! Remapping a file-backed `RawMap` after the file changed length: contents are kept, the
//! new tail shows the file (zeros after `set_len`), and every misuse is an error that leaves
//! the map as it was.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;

use crate::raw::{Access, Error, RawMap, page_size};
use tempfile::NamedTempFile;

fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 31 + 7) % 251).unwrap())
        .collect()
}

fn u64_of(n: usize) -> u64 {
    u64::try_from(n).unwrap()
}

fn file_with(bytes: &[u8]) -> (NamedTempFile, File) {
    let mut file = NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    let rw = OpenOptions::new()
        .read(true)
        .write(true)
        .open(file.path())
        .unwrap();
    (file, rw)
}

#[test]
fn growing_keeps_contents_and_shows_the_zeroed_tail() {
    let page = page_size();
    let original = pattern(page + 100);
    for offset in [0, 7, page, page + 3] {
        let (file, rw) = file_with(&original);
        let len = original.len() - offset;
        // SAFETY: the temporary file is private to this test and only ever extended.
        let mut map =
            unsafe { RawMap::map_file(&rw, u64_of(offset), len, Access::ReadWrite) }.unwrap();
        map.as_bytes_mut().unwrap()[0] = 0xD0;

        let new_file_len = 5 * page + 11;
        rw.set_len(u64_of(new_file_len)).unwrap();
        let new_len = new_file_len - offset;
        map.remap(&rw, new_len).unwrap();

        let mut expected = original.clone();
        expected[offset] = 0xD0;
        expected.resize(new_file_len, 0);
        assert_eq!(map.len(), new_len);
        assert_eq!(map.as_bytes(), &expected[offset..], "offset {offset}");
        map.as_bytes_mut().unwrap()[new_len - 1] = 0xE1;
        expected[new_file_len - 1] = 0xE1;
        assert_eq!(std::fs::read(file.path()).unwrap(), expected);
    }
}

#[test]
fn growing_a_copy_on_write_map_keeps_private_changes_and_spares_the_file() {
    let page = page_size();
    let (file, rw) = file_with(&pattern(page));
    // SAFETY: the temporary file is private to this test and only ever extended.
    let mut map = unsafe { RawMap::map_file(&rw, 5, page - 5, Access::CopyOnWrite) }.unwrap();
    map.as_bytes_mut().unwrap().fill(0x11);
    rw.set_len(u64_of(3 * page)).unwrap();
    rw.write_all_at(&[0x99], u64_of(2 * page)).unwrap();
    map.remap(&rw, 3 * page - 5).unwrap();

    let bytes = map.as_bytes();
    assert!(bytes[..page - 5].iter().all(|&b| b == 0x11));
    assert_eq!(bytes[2 * page - 5], 0x99, "new pages show the file");
    let mut on_disk = pattern(page);
    on_disk.resize(3 * page, 0);
    on_disk[2 * page] = 0x99;
    assert_eq!(std::fs::read(file.path()).unwrap(), on_disk);
}

#[test]
fn shrinking_and_growing_through_zero() {
    let page = page_size();
    let (_file, rw) = file_with(&pattern(2 * page));
    // SAFETY: the temporary file is private to this test and never truncated.
    let mut map = unsafe { RawMap::map_file(&rw, 10, page, Access::ReadOnly) }.unwrap();
    map.remap(&rw, 100).unwrap();
    assert_eq!(map.as_bytes(), &pattern(2 * page)[10..110]);
    map.remap(&rw, 0).unwrap();
    assert!(map.is_empty());
    map.flush(true).unwrap();
    map.remap(&rw, 2 * page - 10).unwrap();
    assert_eq!(map.as_bytes(), &pattern(2 * page)[10..]);
    map.remap(&rw, 2 * page - 10).unwrap();
    assert_eq!(map.as_bytes(), &pattern(2 * page)[10..]);
}

#[test]
fn a_map_made_empty_grows_once_the_file_does() {
    let page = page_size();
    let (file, rw) = file_with(&[]);
    // SAFETY: the temporary file is private to this test and only ever extended.
    let mut map = unsafe { RawMap::map_file(&rw, 0, 0, Access::ReadWrite) }.unwrap();
    assert_eq!(
        map.remap(&rw, 1),
        Err(Error::PastEnd {
            end: 1,
            file_len: 0
        })
    );
    rw.set_len(u64_of(page)).unwrap();
    map.remap(&rw, page).unwrap();
    assert!(map.as_bytes().iter().all(|&b| b == 0));
    map.as_bytes_mut().unwrap()[page - 1] = 3;
    map.flush_range(page - 1, 1, true).unwrap();
    assert_eq!(std::fs::read(file.path()).unwrap()[page - 1], 3);
}

#[test]
fn growing_past_the_end_of_the_file_is_refused() {
    let page = page_size();
    let (_file, rw) = file_with(&pattern(page));
    // SAFETY: the temporary file is private to this test and never truncated.
    let mut map = unsafe { RawMap::map_file(&rw, 100, 50, Access::ReadWrite) }.unwrap();
    assert_eq!(
        map.remap(&rw, page),
        Err(Error::PastEnd {
            end: u64_of(page + 100),
            file_len: u64_of(page)
        })
    );
    assert_eq!(map.len(), 50, "unchanged after an error");
    assert_eq!(map.as_bytes(), &pattern(page)[100..150]);
    assert_eq!(
        map.remap(&rw, usize::MAX),
        Err(Error::Overflow {
            offset: 100,
            len: usize::MAX
        })
    );
}

#[test]
fn remapping_needs_the_same_file() {
    let (file, rw) = file_with(&pattern(100));
    let (_other, other_rw) = file_with(&pattern(100));
    // SAFETY: the temporary file is private to this test and never truncated.
    let mut map = unsafe { RawMap::map_file(&rw, 0, 10, Access::ReadOnly) }.unwrap();
    assert_eq!(map.remap(&other_rw, 20), Err(Error::OtherFile));
    assert_eq!(map.len(), 10);
    // Any descriptor of the same file will do.
    let again = File::open(file.path()).unwrap();
    map.remap(&again, 20).unwrap();
    assert_eq!(map.as_bytes(), &pattern(100)[..20]);
}
