//! The unit tests of `raw`'s private helpers, and one module per behaviour of the map
//! against real files (`tests/`): anonymous maps, file maps, flushing, remapping.

mod anonymous;
mod file;
mod flush;
mod remap;

use super::*;
use std::io::Write;

#[test]
fn span_matches_a_brute_force_model() {
    for page in [1_usize, 8, 4096] {
        for offset in (0..40_u64).chain([4095, 4096, 4097, 3 * 4096 + 5]) {
            for len in [0_usize, 1, 7, 8, 9, 100] {
                let span = span(offset, len, page).unwrap();
                // Model: the largest multiple of `page` not above `offset`.
                let page64 = u64::try_from(page).unwrap();
                let model = (0..=offset).rev().find(|o| o % page64 == 0).unwrap();
                assert_eq!(span.map_offset, model, "offset {offset} page {page}");
                assert_eq!(u64::try_from(span.head).unwrap(), offset - model);
                assert!(span.head < page);
                let expected = if len == 0 { 0 } else { span.head + len };
                assert_eq!(span.map_len, expected);
            }
        }
    }
}

#[test]
fn span_rejects_overflowing_regions() {
    let max = i64::MAX.unsigned_abs();
    assert!(span(max, 0, 4096).is_ok());
    assert!(span(max - 1, 1, 4096).is_ok());
    for (offset, len) in [
        (max, 1),
        (u64::MAX, 0),
        (u64::MAX - 3, 10),
        (0, usize::MAX),
        (0, MAP_MAX + 1),
        // The head pushes the mapping past isize::MAX although the region fits.
        (1, MAP_MAX),
    ] {
        assert_eq!(
            span(offset, len, 4096),
            Err(Error::Overflow { offset, len }),
            "offset {offset} len {len}"
        );
    }
    assert!(span(0, MAP_MAX, 4096).is_ok());
}

#[test]
fn page_span_matches_a_brute_force_model() {
    let page = 8;
    for head in 0..page {
        for region_len in 0..30 {
            for start in 0..34 {
                for len in 0..34 {
                    let got = page_span(head, region_len, start, len, page);
                    if start + len > region_len {
                        assert_eq!(
                            got,
                            Err(Error::OutOfRange {
                                start,
                                len,
                                region_len
                            })
                        );
                        continue;
                    }
                    let got = got.unwrap();
                    if len == 0 {
                        assert_eq!(got, None);
                        continue;
                    }
                    let (offset, span) = got.unwrap();
                    let first = head + start;
                    assert_eq!(offset % page, 0);
                    assert!(offset <= first && first < offset + page);
                    assert_eq!(offset + span, head + start + len);
                }
            }
        }
    }
    let huge = page_span(0, 10, usize::MAX, 2, 4096);
    assert!(matches!(huge, Err(Error::OutOfRange { .. })));
}

#[test]
fn portable_remap_keeps_copy_on_write_changes_and_shows_the_grown_file() {
    let page = page_size();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    let original: Vec<u8> = (0..page + 10).map(|i| (i % 251) as u8).collect();
    file.write_all(&original).unwrap();
    // SAFETY: the temporary file is private to this test; it is only extended.
    let mut map =
        unsafe { RawMap::map_file(file.as_file(), 5, page, Access::CopyOnWrite) }.unwrap();
    map.as_bytes_mut().unwrap()[0] = 0xEE;
    let old_base = map.base;

    let mut grown = original.clone();
    grown.resize(4 * page, 0);
    grown[3 * page] = 0x77;
    // Extend without truncating (truncation would discard the private page too).
    let file_ref = file.as_file();
    file_ref.set_len(u64::try_from(4 * page).unwrap()).unwrap();
    std::os::unix::fs::FileExt::write_all_at(file_ref, &[0x77], u64::try_from(3 * page).unwrap())
        .unwrap();
    map.remap_impl(file.as_file().as_fd(), 3 * page, false)
        .unwrap();

    assert_ne!(map.base, old_base, "the portable path maps afresh");
    let bytes = map.as_bytes();
    assert_eq!(bytes.len(), 3 * page);
    assert_eq!(bytes[0], 0xEE, "the private change survived");
    assert_eq!(&bytes[1..], &grown[6..5 + 3 * page]);
    assert_eq!(std::fs::read(file.path()).unwrap(), grown, "file untouched");
}

#[test]
fn portable_remap_of_a_shared_map_sees_earlier_writes() {
    let page = page_size();
    let file = tempfile::NamedTempFile::new().unwrap();
    file.as_file().set_len(100).unwrap();
    // SAFETY: the temporary file is private to this test; it is only extended.
    let mut map = unsafe { RawMap::map_file(file.as_file(), 0, 100, Access::ReadWrite) }.unwrap();
    map.as_bytes_mut().unwrap()[99] = 9;
    file.as_file()
        .set_len(u64::try_from(2 * page).unwrap())
        .unwrap();
    map.remap_impl(file.as_file().as_fd(), 2 * page, false)
        .unwrap();
    assert_eq!(map.as_bytes()[99], 9);
    assert!(map.as_bytes()[100..].iter().all(|&b| b == 0));
    assert_eq!(std::fs::read(file.path()).unwrap()[99], 9);
}

#[test]
fn unchecked_slices_cover_exactly_the_range_asked_for() {
    let mut map = RawMap::anonymous(8).unwrap();
    map.as_bytes_mut().unwrap()[2..5].copy_from_slice(&[7, 8, 9]);
    // SAFETY: nothing writes the map while `bytes` lives, and the map outlives it.
    let bytes = unsafe { map.slice_unchecked(2, 3) }.unwrap();
    assert_eq!(bytes, &[7, 8, 9]);
    // SAFETY: as above (the range is refused, no slice is made).
    let outside = unsafe { map.slice_unchecked(6, 3) };
    assert_eq!(
        outside,
        Err(Error::OutOfRange {
            start: 6,
            len: 3,
            region_len: 8
        })
    );
}

#[test]
fn disjoint_mutable_slices_are_written_from_two_threads() {
    let map = RawMap::anonymous(8).unwrap();
    // SAFETY: the two ranges are disjoint, nothing else touches the map while they live,
    // and the map outlives them.
    let a = unsafe { map.slice_mut_unchecked(0, 4) }.unwrap().unwrap();
    // SAFETY: as above.
    let b = unsafe { map.slice_mut_unchecked(4, 4) }.unwrap().unwrap();
    std::thread::scope(|s| {
        s.spawn(|| a.fill(1));
        s.spawn(|| b.fill(2));
    });
    assert_eq!(map.as_bytes(), &[1, 1, 1, 1, 2, 2, 2, 2]);
}

#[test]
fn errors_say_what_is_wrong_and_what_is_right() {
    let text = Error::PastEnd {
        end: 10,
        file_len: 4,
    }
    .to_string();
    assert!(text.contains("ends at byte 10") && text.contains("extend the file"));
    let text = Error::OutOfRange {
        start: 3,
        len: 9,
        region_len: 8,
    }
    .to_string();
    assert!(text.contains("starting at byte 3") && text.contains("at or before byte 8"));
    let text = Error::Misaligned { start: 4, align: 8 }.to_string();
    assert!(text.contains("byte 4") && text.contains("multiple of 8"));
    let sys = Error::Sys {
        call: "mmap(2)",
        errno: Errno::ACCESS,
    };
    assert_eq!(
        sys.to_string(),
        "mmap(2) failed",
        "the errno is the source, not the text"
    );
    assert!(core::error::Error::source(&sys).is_some());
    assert!(core::error::Error::source(&Error::Anonymous).is_none());
}
