//! Flushing and advising byte ranges of a `RawMap`: bounds are checked against the region
//! (an error, never a panic), and ranges are widened to whole pages (else `msync(2)` and
//! `madvise(2)` would refuse unaligned addresses with `EINVAL`).

use std::fs::OpenOptions;
use std::io::Write;

use crate::raw::{Access, Advice, Error, RawMap, page_size};
use tempfile::NamedTempFile;

/// A read-write map of `len` bytes at `offset` of a file of `file_len` zero bytes.
fn rw_map(file_len: usize, offset: usize, len: usize) -> (NamedTempFile, RawMap) {
    let mut file = NamedTempFile::new().unwrap();
    file.write_all(&vec![0; file_len]).unwrap();
    let rw = OpenOptions::new()
        .read(true)
        .write(true)
        .open(file.path())
        .unwrap();
    let offset = u64::try_from(offset).unwrap();
    // SAFETY: the temporary file is private to the test using it; it is never truncated.
    let map = unsafe { RawMap::map_file(&rw, offset, len, Access::ReadWrite) }.unwrap();
    (file, map)
}

#[test]
fn unaligned_ranges_are_widened_to_pages() {
    let page = page_size();
    // The region starts 100 bytes into a page, so region byte 0 is not page-aligned.
    let (file, mut map) = rw_map(3 * page, 100, 2 * page);
    let starts = [0, 1, page - 101, page - 100, page - 99, page, 2 * page - 1];
    for start in starts {
        for len in [1, 2, 50, page, 2 * page - start] {
            if start + len > 2 * page {
                continue;
            }
            map.as_bytes_mut().unwrap()[start] = 0xC3;
            map.flush_range(start, len, true)
                .unwrap_or_else(|e| panic!("start {start} len {len}: {e}"));
            map.flush_range(start, len, false).unwrap();
            map.advise_range(start, len, Advice::WillNeed).unwrap();
            assert_eq!(std::fs::read(file.path()).unwrap()[100 + start], 0xC3);
        }
    }
    map.flush(true).unwrap();
    for advice in [
        Advice::Normal,
        Advice::Sequential,
        Advice::Random,
        Advice::WillNeed,
    ] {
        map.advise(advice).unwrap();
        map.advise_range(page, page, advice).unwrap();
    }
}

#[test]
fn ranges_outside_the_region_are_errors() {
    let page = page_size();
    let (_file, map) = rw_map(2 * page, 10, page);
    let region_len = page;
    for (start, len) in [
        (0, page + 1),
        (page, 1),
        (page + 1, 0),
        (1, page),
        (usize::MAX, 1),
        (1, usize::MAX),
        (usize::MAX, usize::MAX),
    ] {
        let expected = Error::OutOfRange {
            start,
            len,
            region_len,
        };
        assert_eq!(map.flush_range(start, len, true), Err(expected));
        assert_eq!(map.advise_range(start, len, Advice::Random), Err(expected));
    }
    // The edges themselves are inside.
    map.flush_range(0, page, true).unwrap();
    map.flush_range(page, 0, true).unwrap();
    map.flush_range(page - 1, 1, false).unwrap();
}

#[test]
fn empty_ranges_are_no_ops_but_still_bounds_checked() {
    let (_file, map) = rw_map(100, 0, 100);
    map.flush_range(100, 0, true).unwrap();
    map.flush_range(37, 0, true).unwrap();
    assert_eq!(
        map.flush_range(101, 0, true),
        Err(Error::OutOfRange {
            start: 101,
            len: 0,
            region_len: 100
        })
    );
}

#[test]
fn an_empty_region_flushes_and_advises_as_no_ops() {
    let (_file, map) = rw_map(100, 50, 0);
    map.flush(true).unwrap();
    map.flush(false).unwrap();
    map.advise(Advice::Sequential).unwrap();
    map.flush_range(0, 0, true).unwrap();
    assert_eq!(
        map.flush_range(0, 1, true),
        Err(Error::OutOfRange {
            start: 0,
            len: 1,
            region_len: 0
        })
    );
}
