//! Anonymous `RawMap`s: safe to make, zero-filled, writable, private; zero length maps
//! nothing; oversized requests are errors; the type may cross and be shared between threads.

use crate::raw::{Access, Error, RawMap, page_size};

#[test]
fn anonymous_maps_are_zeroed_and_writable() {
    let page = page_size();
    for len in [1, 100, page - 1, page, page + 1, 5 * page + 3] {
        let mut map = RawMap::anonymous(len).unwrap();
        assert_eq!(map.len(), len);
        assert_eq!(map.access(), Access::CopyOnWrite);
        assert_eq!(
            map.as_bytes().as_ptr() as usize % page,
            0,
            "anonymous regions start a page"
        );
        assert!(map.as_bytes().iter().all(|&b| b == 0));
        let bytes = map.as_bytes_mut().unwrap();
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::try_from(i % 256).unwrap();
        }
        let model: Vec<u8> = (0..len).map(|i| u8::try_from(i % 256).unwrap()).collect();
        assert_eq!(map.as_bytes(), &model[..]);
        map.flush(true).unwrap();
        map.flush_range(1, len - 1, false).unwrap();
    }
}

#[test]
fn anonymous_maps_are_independent() {
    let mut a = RawMap::anonymous(64).unwrap();
    let b = RawMap::anonymous(64).unwrap();
    a.as_bytes_mut().unwrap().fill(0xFF);
    assert!(b.as_bytes().iter().all(|&x| x == 0));
}

#[test]
fn zero_length_anonymous_maps_are_empty() {
    let mut map = RawMap::anonymous(0).unwrap();
    assert!(map.is_empty());
    assert_eq!(map.as_bytes(), &[] as &[u8]);
    assert_eq!(map.as_bytes_mut().unwrap(), &mut [] as &mut [u8]);
    map.flush(true).unwrap();
    map.advise(crate::raw::Advice::Random).unwrap();
}

#[test]
fn oversized_anonymous_maps_are_errors() {
    for len in [usize::MAX, isize::MAX.unsigned_abs() + 1] {
        assert_eq!(
            RawMap::anonymous(len).unwrap_err(),
            Error::Overflow { offset: 0, len }
        );
    }
}

#[test]
fn anonymous_maps_cannot_be_remapped_from_a_file() {
    let file = tempfile::tempfile().unwrap();
    let mut map = RawMap::anonymous(10).unwrap();
    assert_eq!(map.remap(&file, 20), Err(Error::Anonymous));
    assert_eq!(map.len(), 10);
}

#[test]
fn maps_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let mut map = RawMap::anonymous(4096).unwrap();
    assert_send_sync(&map);
    map.as_bytes_mut().unwrap()[4095] = 1;
    let sum = std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|_| s.spawn(|| map.as_bytes().iter().map(|&b| u32::from(b)).sum::<u32>()))
            .collect();
        readers.into_iter().map(|r| r.join().unwrap()).sum::<u32>()
    });
    assert_eq!(sum, 2);
    let moved = std::thread::spawn(move || map.as_bytes()[4095])
        .join()
        .unwrap();
    assert_eq!(moved, 1);
}

#[test]
fn atomic_words_of_a_map_are_bounded_aligned_and_shared() {
    use core::sync::atomic::Ordering::Relaxed;
    let mut map = RawMap::anonymous(64).unwrap();
    // SAFETY: `map` outlives `words` (dropped at the end of the test, not remapped), and while
    // `words` lives the bytes 8..24 are accessed only through it: no slice of the map is
    // alive meanwhile, and an anonymous map has no other users.
    let words = unsafe { map.atomics_unchecked(8, 2) }.unwrap().unwrap();
    words[0].store(0x0102_0304_0506_0708, Relaxed);
    words[1].fetch_add(7, Relaxed);
    assert_eq!(words.len(), 2);
    // SAFETY: this call fails before making a slice (asserted), so nothing is accessed.
    let outside = unsafe { map.atomics_unchecked(60, 1) }.err();
    assert_eq!(
        outside,
        Some(Error::OutOfRange {
            start: 60,
            len: 8,
            region_len: 64
        })
    );
    // SAFETY: as above.
    let misaligned = unsafe { map.atomics_unchecked(4, 1) }.err();
    assert_eq!(misaligned, Some(Error::Misaligned { start: 4, align: 8 }));
    // SAFETY: as above (the length overflows).
    let huge = unsafe { map.atomics_unchecked(0, usize::MAX) }.err();
    assert!(matches!(huge, Some(Error::OutOfRange { .. })));
    let bytes = map.as_bytes_mut().unwrap(); // `words` is no longer used
    assert_eq!(bytes[8..16], 0x0102_0304_0506_0708u64.to_ne_bytes());
    assert_eq!(bytes[16..24], 7u64.to_ne_bytes());
    assert!(bytes[..8].iter().chain(&bytes[24..]).all(|&b| b == 0));
}

#[test]
fn raw_range_pointers_address_the_asked_bytes_and_check_the_range() {
    let map = RawMap::anonymous(100).unwrap();
    let region = map.as_bytes().as_ptr();
    let at = map.range_ptr_mut(10, 5).unwrap().unwrap();
    assert_eq!(at.as_ptr().cast_const(), region.wrapping_add(10));
    // SAFETY: `at` addresses byte 10 of the live map (checked above); nothing else
    // accesses the map's bytes during the write: no slice of it is alive.
    unsafe { at.write(7) };
    assert_eq!(map.as_bytes()[10], 7);
    assert_eq!(
        map.range_ptr_mut(96, 5).unwrap_err(),
        Error::OutOfRange {
            start: 96,
            len: 5,
            region_len: 100
        }
    );
    assert_eq!(
        map.range_ptr_mut(100, 0)
            .unwrap()
            .map(|p| p.as_ptr().cast_const()),
        Some(region)
    );
}
