//! File-backed `RawMap`s against the file as `std::fs` sees it: offsets inside and across
//! pages, read-write visibility, copy-on-write isolation, read-only maps, empty regions.

use std::fs::{File, OpenOptions};
use std::io::Write;

use crate::raw::{Access, Error, RawMap, page_size};
use tempfile::NamedTempFile;

/// Bytes that differ from their neighbours and from zero-fill, so misplaced reads show.
fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 31 + 7) % 251).unwrap())
        .collect()
}

fn file_with(bytes: &[u8]) -> NamedTempFile {
    let mut file = NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file.flush().unwrap();
    file
}

fn open_rw(file: &NamedTempFile) -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(file.path())
        .unwrap()
}

fn u64_of(n: usize) -> u64 {
    u64::try_from(n).unwrap()
}

#[test]
fn maps_at_any_offset_read_back_the_files_bytes() {
    let page = page_size();
    let file = file_with(&pattern(3 * page + 123));
    let expected = std::fs::read(file.path()).unwrap();
    let offsets = [
        0,
        1,
        100,
        page - 1,
        page,
        page + 37,
        2 * page,
        3 * page + 100,
    ];
    for offset in offsets {
        for len in [1, 23, page - offset % page, page, expected.len() - offset] {
            if offset + len > expected.len() {
                continue;
            }
            let reader = File::open(file.path()).unwrap();
            // SAFETY: the temporary file is private to this test and never changed here.
            let map = unsafe { RawMap::map_file(&reader, u64_of(offset), len, Access::ReadOnly) }
                .unwrap();
            assert_eq!(map.len(), len);
            assert_eq!(
                map.as_bytes(),
                &expected[offset..offset + len],
                "offset {offset} len {len}"
            );
        }
    }
}

#[test]
fn a_map_outlives_the_descriptor_it_was_made_from() {
    let file = file_with(&pattern(5000));
    let reader = File::open(file.path()).unwrap();
    // SAFETY: the temporary file is private to this test and never changed here.
    let map = unsafe { RawMap::map_file(&reader, 4000, 1000, Access::ReadOnly) }.unwrap();
    drop(reader);
    assert_eq!(map.as_bytes(), &pattern(5000)[4000..]);
}

#[test]
fn read_write_changes_reach_the_file_and_other_maps_before_and_after_flush() {
    let page = page_size();
    let file = file_with(&pattern(2 * page + 50));
    let rw = open_rw(&file);
    let offset = page + 10;
    // SAFETY: the temporary file is private to this test. The two maps overlap, so no slice
    // of one is held while the other is written.
    let mut writer =
        unsafe { RawMap::map_file(&rw, u64_of(offset), page, Access::ReadWrite) }.unwrap();
    // SAFETY: as above.
    let reader = unsafe { RawMap::map_file(&rw, 0, 2 * page + 50, Access::ReadOnly) }.unwrap();

    let bytes = writer.as_bytes_mut().unwrap();
    bytes[0] = 0xA1;
    bytes[page - 1] = 0xB2;
    let mut expected = pattern(2 * page + 50);
    expected[offset] = 0xA1;
    expected[offset + page - 1] = 0xB2;

    assert_eq!(
        std::fs::read(file.path()).unwrap(),
        expected,
        "before flush"
    );
    assert_eq!(reader.as_bytes(), &expected[..], "other map, before flush");
    writer.flush(true).unwrap();
    writer.flush(false).unwrap();
    assert_eq!(std::fs::read(file.path()).unwrap(), expected, "after flush");
    assert_eq!(reader.as_bytes(), &expected[..], "other map, after flush");

    drop(writer);
    assert_eq!(std::fs::read(file.path()).unwrap(), expected, "after unmap");
}

#[test]
fn copy_on_write_changes_never_reach_the_file() {
    let page = page_size();
    let original = pattern(page + 300);
    let file = file_with(&original);
    let reader = File::open(file.path()).unwrap();
    // SAFETY: the temporary file is private to this test and never changed here.
    let mut map =
        unsafe { RawMap::map_file(&reader, 200, page + 100, Access::CopyOnWrite) }.unwrap();
    map.as_bytes_mut().unwrap().fill(0x5A);
    map.flush(true).unwrap();
    map.flush_range(0, page, true).unwrap();
    assert!(map.as_bytes().iter().all(|&b| b == 0x5A));
    assert_eq!(std::fs::read(file.path()).unwrap(), original);

    // SAFETY: as above.
    let second = unsafe { RawMap::map_file(&reader, 0, page + 300, Access::ReadOnly) }.unwrap();
    assert_eq!(
        second.as_bytes(),
        &original[..],
        "another map sees the file"
    );
    drop(map);
    assert_eq!(std::fs::read(file.path()).unwrap(), original);
}

#[test]
fn read_only_maps_never_hand_out_mutable_access() {
    let file = file_with(&pattern(100));
    let reader = File::open(file.path()).unwrap();
    // SAFETY: the temporary file is private to this test and never changed here.
    let mut map = unsafe { RawMap::map_file(&reader, 0, 100, Access::ReadOnly) }.unwrap();
    assert_eq!(map.access(), Access::ReadOnly);
    assert!(map.as_bytes_mut().is_none());
    // SAFETY: the map outlives the (never made) slice; nothing else touches the bytes.
    assert!(unsafe { map.slice_mut_unchecked(0, 10) }.unwrap().is_none());
    assert!(map.range_ptr_mut(0, 10).unwrap().is_none());

    let rw = open_rw(&file);
    for access in [Access::ReadWrite, Access::CopyOnWrite] {
        // SAFETY: as above.
        let mut map = unsafe { RawMap::map_file(&rw, 10, 50, access) }.unwrap();
        let base = map.as_bytes().as_ptr();
        assert_eq!(map.as_bytes_mut().unwrap().as_mut_ptr().cast_const(), base);
        // SAFETY: the slice is the only access to the map's bytes while it lives.
        let part = unsafe { map.slice_mut_unchecked(0, 10) }.unwrap().unwrap();
        assert_eq!(part.as_mut_ptr().cast_const(), base);
    }
}

#[test]
fn read_write_needs_a_file_open_for_writing() {
    let file = file_with(&pattern(100));
    let reader = File::open(file.path()).unwrap();
    // SAFETY: the temporary file is private to this test and never changed here.
    let result = unsafe { RawMap::map_file(&reader, 0, 100, Access::ReadWrite) };
    assert!(
        matches!(result, Err(Error::Sys { call: "mmap(2)", errno }) if errno == rustix::io::Errno::ACCESS),
        "{result:?}"
    );
}

#[test]
fn empty_regions_make_no_mapping() {
    let page = page_size();
    let file = file_with(&pattern(page + 7));
    // A write-only descriptor cannot be mapped at all (mmap needs read access), so success
    // proves that no mmap(2) was made.
    let write_only = OpenOptions::new().write(true).open(file.path()).unwrap();
    for offset in [0, 3, page, page + 7] {
        for access in [Access::ReadOnly, Access::ReadWrite, Access::CopyOnWrite] {
            // SAFETY: the temporary file is private to this test and never changed here.
            let mut map =
                unsafe { RawMap::map_file(&write_only, u64_of(offset), 0, access) }.unwrap();
            assert!(map.is_empty());
            assert_eq!(map.as_bytes(), &[] as &[u8]);
            assert_eq!(
                map.as_bytes_mut().map(|b| b.len()),
                access.is_writable().then_some(0)
            );
            // msync(2) on the dangling address would fail with EINVAL: these are no-ops.
            map.flush(true).unwrap();
            map.flush_range(0, 0, false).unwrap();
            map.advise(crate::raw::Advice::WillNeed).unwrap();
        }
    }
    // SAFETY: as above.
    let result = unsafe { RawMap::map_file(&write_only, 0, 1, Access::ReadOnly) };
    assert!(
        matches!(
            result,
            Err(Error::Sys {
                call: "mmap(2)",
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn regions_past_the_end_of_the_file_are_refused() {
    let file = file_with(&pattern(1000));
    let reader = File::open(file.path()).unwrap();
    for (offset, len) in [(0, 1001), (1000, 1), (999, 2), (5000, 0)] {
        // SAFETY: the temporary file is private to this test and never changed here.
        let result = unsafe { RawMap::map_file(&reader, offset, len, Access::ReadOnly) };
        assert_eq!(
            result.unwrap_err(),
            Error::PastEnd {
                end: offset + u64_of(len),
                file_len: 1000
            }
        );
    }
    // Ending exactly at the end is fine, also with nothing to map.
    // SAFETY: as above.
    let map = unsafe { RawMap::map_file(&reader, 1000, 0, Access::ReadOnly) }.unwrap();
    assert!(map.is_empty());
}

#[test]
fn overflowing_regions_are_refused_before_any_system_call() {
    let file = file_with(&pattern(10));
    let reader = File::open(file.path()).unwrap();
    let max = i64::MAX.unsigned_abs();
    for (offset, len) in [
        (max, 1),
        (u64::MAX, 0),
        (0, usize::MAX),
        (0, isize::MAX.unsigned_abs() + 1),
        (1, isize::MAX.unsigned_abs()),
    ] {
        // SAFETY: the temporary file is private to this test and never changed here.
        let result = unsafe { RawMap::map_file(&reader, offset, len, Access::ReadOnly) };
        assert_eq!(result.unwrap_err(), Error::Overflow { offset, len });
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn non_regular_files_are_not_length_checked() {
    // /dev/zero has no length; mapping it privately gives zeros.
    let zero = File::open("/dev/zero").unwrap();
    // SAFETY: /dev/zero is not writable through other mappings; its pages are all backed.
    let map = unsafe { RawMap::map_file(&zero, 0, 3 * page_size(), Access::CopyOnWrite) }.unwrap();
    assert!(map.as_bytes().iter().all(|&b| b == 0));
}
