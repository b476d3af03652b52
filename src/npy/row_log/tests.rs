//! Unit tests of the row log's `.npy` header: golden bytes, parsing back, the word stores of
//! a rewrite, and claim T1 (every byte mix of two headers parses to at most the newer value
//! or is refused) — exhaustively for small values, sampled for large ones.

extern crate std;

use super::*;
use crate::npy::Header;
use std::vec;
use std::vec::Vec;

fn u64_descr() -> Descr<'static> {
    Descr::of::<u64>()
}

fn emitted(h: &RowLogHeader<'_>, value: u64, slot: ShapeSlot) -> Vec<u8> {
    let mut buf = vec![0u8; h.emitted_len().unwrap()];
    h.emit(&mut buf, value, slot).unwrap();
    buf
}

#[test]
fn golden_bytes() {
    let h = RowLogHeader::new(u64_descr(), 1000, 12_544);
    let buf = emitted(&h, 999, ShapeSlot::First);
    let mut golden = Vec::new();
    golden.extend_from_slice(b"\x93NUMPY\x01\x00");
    golden.extend_from_slice(&(256u16 - 10).to_le_bytes());
    golden.extend_from_slice(
        b"{'descr': '<u8', 'fortran_order': False, 'shape': (                 999                     ,), } # mmarray row log v2; capacity 1000; void bitmap at byte 12544",
    );
    // The header is sized for 20-digit numbers in the comment: 256 bytes, not 192.
    golden.resize(255, b' ');
    golden.push(b'\n');
    assert_eq!(buf, golden);
    assert_eq!(h.shape_field().unwrap(), 10 + 50);
    assert_eq!(buf[60], b'(');
}

#[test]
fn the_length_depends_on_the_descr_only() {
    let small = RowLogHeader::new(u64_descr(), 0, 0);
    let large = RowLogHeader::new(u64_descr(), u64::MAX, u64::MAX);
    assert_eq!(small.emitted_len(), large.emitted_len());
    let buf = emitted(&large, u64::MAX, ShapeSlot::Second);
    let parsed = RowLogHeader::parse(&buf);
    // u64::MAX does not fit a usize shape on 32-bit targets, and not as a numpy shape either
    // (numpy's limit is isize); the header still emits.
    if let Ok(p) = parsed {
        assert_eq!(
            (p.shown, p.slot, p.header),
            (u64::MAX, ShapeSlot::Second, large)
        );
    }
}

#[test]
fn parses_back_as_a_plain_npy_and_as_a_row_log() {
    let h = RowLogHeader::new(Descr::of::<f32>(), 77, 4_608);
    for (value, slot) in [
        (0, ShapeSlot::First),
        (5, ShapeSlot::Second),
        (77, ShapeSlot::First),
    ] {
        let buf = emitted(&h, value, slot);
        let (plain, data) = Header::parse(&buf).unwrap();
        assert_eq!(plain.shape(), &[value as usize]);
        assert_eq!(plain.descr(), Descr::of::<f32>());
        assert_eq!(data, buf.len());
        let parsed = RowLogHeader::parse(&buf).unwrap();
        assert_eq!(
            (parsed.header, parsed.shown, parsed.slot, parsed.len),
            (h, value, slot, buf.len())
        );
    }
}

#[test]
fn plain_npy_headers_are_not_row_logs() {
    let mut buf = [0u8; 128];
    Header::new(Descr::of::<f32>(), Order::C, &[3])
        .unwrap()
        .emit(&mut buf)
        .unwrap();
    assert!(matches!(
        RowLogHeader::parse(&buf),
        Err(Error::NotARowLog { .. })
    ));
    let h = RowLogHeader::new(u64_descr(), 10, 10);
    let mut buf = emitted(&h, 3, ShapeSlot::First);
    let at = buf.len() - 20;
    buf[at] = b'x'; // trailing garbage after the comment's numbers
    assert!(matches!(
        RowLogHeader::parse(&buf),
        Err(Error::NotARowLog { .. })
    ));
}

#[test]
fn shape_stores_rewrite_exactly_the_field() {
    let h = RowLogHeader::new(u64_descr(), 5000, 12_544);
    let at = h.shape_field().unwrap();
    let mut state = emitted(&h, 0, ShapeSlot::First);
    let mut slot = ShapeSlot::First;
    for value in [9, 10, 999, 1000, 4999, 5000] {
        slot = slot.other();
        let stores = shape_stores(&state, at, value, slot).unwrap();
        assert!(!stores.is_empty() && stores.len() <= 6);
        assert!(stores.windows(2).all(|w| w[0].word < w[1].word));
        for s in stores.iter() {
            // Every stored word overlaps the slots, and only them changes.
            assert!(8 * s.word < at + 42 && 8 * s.word + 8 > at + 1);
        }
        stores.apply(&mut state);
        assert_eq!(state, emitted(&h, value, slot), "value {value}");
    }
    let garbage = vec![b'x'; 256];
    assert!(shape_stores(&garbage, at, 1, ShapeSlot::First).is_err());
    assert!(shape_stores(&state[..at + 40], at, 1, ShapeSlot::First).is_err());
}

/// Parses a mix: `Ok(value)` or refused.
fn parse_mix(bytes: &[u8]) -> Option<u64> {
    match Header::parse(bytes) {
        Ok((h, _)) => {
            assert_eq!(h.ndim(), 1, "a mix parsed to shape {:?}", h.shape());
            Some(h.shape()[0] as u64)
        }
        Err(Error::Syntax { .. } | Error::InvalidShape { .. }) => None,
        Err(e) => panic!("a torn header fails with an unexpected error: {e}"),
    }
}

/// Every byte mix of `old` and `new` (both headers of the same length) when they differ in at
/// most `max_exhaustive` bytes, else `samples` pseudo-random mixes plus every one-byte-off
/// mix; asserts T1 and returns (mixes checked, parsed, refused).
fn check_t1(old: &[u8], new: &[u8], bound: u64, samples: u32, seed: &mut u64) -> (u64, u64) {
    let diff: Vec<usize> = (0..old.len()).filter(|&i| old[i] != new[i]).collect();
    let mut parsed = 0;
    let mut refused = 0;
    let mut check = |mask: &dyn Fn(usize) -> bool| {
        let mix: Vec<u8> = (0..old.len())
            .map(|i| match diff.iter().position(|&d| d == i) {
                Some(k) if mask(k) => new[i],
                _ => old[i],
            })
            .collect();
        match parse_mix(&mix) {
            Some(v) => {
                assert!(
                    v <= bound,
                    "mix parsed to {v} > {bound}: {:?}",
                    std::string::String::from_utf8_lossy(&mix)
                );
                parsed += 1;
            }
            None => refused += 1,
        }
    };
    if diff.len() <= 12 {
        for m in 0u32..1 << diff.len() {
            check(&|k| m >> k & 1 == 1);
        }
    } else {
        for k in 0..diff.len() {
            check(&|j| j != k);
            check(&|j| j == k);
        }
        for _ in 0..samples {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            let m = *seed;
            check(&|k| m >> (k % 64) & 1 == 1);
        }
    }
    (parsed, refused)
}

#[test]
fn t1_every_byte_mix_parses_to_at_most_the_new_value_or_is_refused() {
    let h = RowLogHeader::new(u64_descr(), 1 << 39, 1 << 40);
    let mut seed = 0x2545_f491_4f6c_dd1d;
    let (mut parsed, mut refused) = (0, 0);
    // Exhaustive for values up to 4 digits (at most 8 differing bytes, 256 mixes each)...
    let small = if cfg!(miri) { 12 } else { 120 };
    for old in (0..small).chain(980..1000) {
        for new in (old..old + 12).chain([old + 100, 1000, 1001]) {
            for slot in [ShapeSlot::First, ShapeSlot::Second] {
                let a = emitted(&h, old, slot);
                let b = emitted(&h, new, slot.other());
                let (p, r) = check_t1(&a, &b, new, 0, &mut seed);
                parsed += p;
                refused += r;
            }
        }
    }
    // ...and at every decade change, and sampled for large values.
    let samples = if cfg!(miri) { 4 } else { 100 };
    let mut pairs: Vec<(u64, u64)> = (1..19).map(|d| (10u64.pow(d) - 1, 10u64.pow(d))).collect();
    pairs.extend([
        (123_456, 123_457),
        (999_999, 1_000_001),
        (1, 1 << 38),
        (0, 99_999_999_999),
    ]);
    for (old, new) in pairs {
        let a = emitted(&h, old, ShapeSlot::First);
        let b = emitted(&h, new, ShapeSlot::Second);
        let (p, r) = check_t1(&a, &b, new, samples, &mut seed);
        parsed += p;
        refused += r;
    }
    assert!(
        parsed > 0 && refused > 0,
        "both outcomes occur: {parsed} parsed, {refused} refused"
    );
}

#[test]
fn rewriting_one_slot_in_place_would_fail_t1() {
    // The reference check itself can fail: digits rewritten in place (999 -> 1000 in the
    // same slot, as a single-field shape would) let a torn read show 1999.
    let h = RowLogHeader::new(u64_descr(), 2000, 0);
    let a = emitted(&h, 999, ShapeSlot::First);
    let b = emitted(&h, 1000, ShapeSlot::First);
    let mut mix = b.clone();
    let at = h.shape_field().unwrap() + SLOT_WIDTH - 1; // the tens digit
    mix[at] = a[at];
    mix[at + 1] = a[at + 1];
    assert_eq!(parse_mix(&mix), Some(1099));
    let mut mix = b;
    for i in 0..3 {
        mix[at - 1 + i] = a[at - 1 + i];
    }
    assert_eq!(parse_mix(&mix), Some(1999));
}
