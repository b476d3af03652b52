//! Unit tests of `Mapped`: creating, joining and recovering headers in plain buffers.

extern crate std;

use super::*;
use crate::claim::Claims;
use crate::claim::header::field;
use std::vec::Vec;

/// A zeroed region of `len` bytes as atomic words (a stand-in for a mapped page).
fn buffer(len: usize) -> Vec<AtomicU64> {
    (0..len.div_ceil(8)).map(|_| AtomicU64::new(0)).collect()
}

/// The region's bytes, as a file would hold them.
fn bytes(buf: &[AtomicU64]) -> Vec<u8> {
    buf.iter()
        .flat_map(|w| w.load(Ordering::Relaxed).to_ne_bytes())
        .collect()
}

/// Overwrites the region's bytes at `offset` with `value`, as another writer of the file could.
fn put(buf: &[AtomicU64], offset: usize, value: &[u8]) {
    let mut all = bytes(buf);
    all[offset..offset + value.len()].copy_from_slice(value);
    for (word, chunk) in buf.iter().zip(all.chunks_exact(8)) {
        word.store(
            u64::from_ne_bytes(chunk.try_into().unwrap()),
            Ordering::Relaxed,
        );
    }
}

#[test]
fn header_bytes_are_the_documented_layout() {
    let buf = buffer(96);
    let claims = Claims::new(Mapped::create(&buf, 70, 24).unwrap());
    claims.claim(3).unwrap().commit();
    let _open = claims.claim(2).unwrap(); // rows 3..5 stay open
    claims.claim(1).unwrap().commit();
    claims.flush(|_| Ok::<(), ()>(())).unwrap();
    let mut golden = Vec::new();
    golden.extend_from_slice(b"MMACLAIM");
    golden.extend_from_slice(&1u32.to_ne_bytes());
    golden.extend_from_slice(&0x0102_0304u32.to_ne_bytes());
    for field in [70u64, 24, 6, 3, 3] {
        golden.extend_from_slice(&field.to_ne_bytes());
    }
    // Rows 0..3 were committed at the watermark (the fast path sets no bits); row 5
    // waits above the open claim with its bit set.
    golden.extend_from_slice(&0b10_0000u64.to_ne_bytes());
    golden.extend_from_slice(&0u64.to_ne_bytes()); // rows 64..70
    golden.extend_from_slice(&[0; 24]); // void bitmap, closer (temporary placement)
    assert_eq!(bytes(&buf), golden);
}

#[test]
fn open_sees_what_create_and_commits_left() {
    let buf = buffer(Mapped::region_len(100).unwrap() + 40);
    {
        let store = Mapped::create(&buf, 100, 8).unwrap();
        let claims = Claims::new(store);
        claims.claim(70).unwrap().commit();
    }
    let store = Mapped::open(&buf, 100, 8).unwrap();
    assert_eq!(
        bytes(&buf[Mapped::region_words(100).unwrap()..]),
        [0; 40],
        "words after the region are not touched"
    );
    assert_eq!((store.capacity(), store.row_size()), (100, 8));
    let claims = Claims::new(store);
    assert_eq!(
        (claims.claimed(), claims.committed(), claims.durable()),
        (70, 70, 0)
    );
    assert_eq!(claims.claim(30).unwrap().commit(), 100);
}

#[test]
fn create_clears_an_old_header() {
    let buf = buffer(80);
    put(&buf, 0, &[0xFF; 64]);
    let claims = Claims::new(Mapped::create(&buf, 8, 1).unwrap());
    assert_eq!(
        (claims.claimed(), claims.committed(), claims.durable()),
        (0, 0, 0)
    );
    let a = claims.claim(1).unwrap();
    assert_eq!(
        claims.claim(7).unwrap().commit(),
        0,
        "old bits were cleared"
    );
    assert_eq!(a.commit(), 8);
}

#[test]
fn region_errors() {
    let buf = buffer(80);
    assert_eq!(
        Mapped::create(&buf[..7], 64, 1).err(),
        Some(SetupError::TooShort {
            needed: 80,
            actual: 56
        })
    );
    assert_eq!(
        Mapped::open(&[], 0, 1).err(),
        Some(SetupError::TooShort {
            needed: 64,
            actual: 0
        })
    );
    if usize::BITS == 64 {
        // 2 x 2^58 words fit in usize; the bytes do not fit in this buffer.
        assert_eq!(Mapped::region_len(u64::MAX), Some((1 << 62) + 64));
        assert!(matches!(
            Mapped::create(&buf, u64::MAX, 1),
            Err(SetupError::TooShort { .. })
        ));
    } else {
        assert_eq!(Mapped::region_len(u64::MAX), None);
        assert_eq!(
            Mapped::create(&buf, u64::MAX, 1).err(),
            Some(SetupError::RegionTooLarge { capacity: u64::MAX })
        );
    }
}

#[test]
fn identity_errors() {
    let fresh = || {
        let buf = buffer(80);
        Mapped::create(&buf, 10, 4).unwrap();
        buf
    };
    let buf = fresh();
    put(&buf, field::MAGIC.start, b"NOTCLAIM");
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::BadMagic {
            found: *b"NOTCLAIM"
        })
    );
    let buf = fresh();
    put(&buf, field::VERSION.start, &2u32.to_ne_bytes());
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::UnsupportedVersion {
            found: 2,
            supported: 1
        })
    );
    let buf = fresh();
    put(
        &buf,
        field::BYTE_ORDER.start,
        &0x0102_0304u32.swap_bytes().to_ne_bytes(),
    );
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::ForeignByteOrder)
    );
    let buf = fresh();
    put(&buf, field::BYTE_ORDER.start, &0x0102_0305u32.to_ne_bytes());
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::DamagedByteOrderMark { found: 0x0102_0305 })
    );
    let buf = fresh();
    assert_eq!(
        Mapped::open(&buf, 11, 4).err(),
        Some(SetupError::CapacityMismatch {
            expected: 11,
            found: 10
        })
    );
    assert_eq!(
        Mapped::open(&buf, 10, 8).err(),
        Some(SetupError::RowSizeMismatch {
            expected: 8,
            found: 4
        })
    );
    assert_eq!(
        Mapped::recover(&buf, 10, 8).err(),
        Some(SetupError::RowSizeMismatch {
            expected: 8,
            found: 4
        })
    );
}

#[test]
fn state_errors_and_recover() {
    // tail 4, committed 5: impossible.
    let buf = buffer(80);
    Mapped::create(&buf, 10, 4).unwrap();
    put(&buf, field::TAIL.start, &4u64.to_ne_bytes());
    put(&buf, field::COMMITTED.start, &5u64.to_ne_bytes());
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::InconsistentCounters {
            durable: 0,
            committed: 5,
            tail: 4,
            capacity: 10
        })
    );
    // tail 4 but row 7 marked complete.
    put(&buf, field::COMMITTED.start, &2u64.to_ne_bytes());
    put(&buf, field::BITMAP, &0b1000_0011u64.to_ne_bytes());
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::StrayCompletion { row: 7, claimed: 4 })
    );
    // recover trusts only the durable watermark (1): rewinds to it, clears bits from it on.
    put(&buf, field::DURABLE.start, &1u64.to_ne_bytes());
    let claims = Claims::new(Mapped::recover(&buf, 10, 4).unwrap());
    assert_eq!(
        (claims.claimed(), claims.committed(), claims.durable()),
        (1, 1, 1)
    );
    assert_eq!(claims.stalled(), None);
    let again = claims.claim(9).unwrap();
    assert_eq!(again.rows(), 1..10);
    assert_eq!(claims.stalled(), Some(1..10), "bits from 1 on were cleared");
    assert_eq!(again.commit(), 10);
    assert!(Mapped::open(&buf, 10, 4).is_ok());
    // A durable watermark past the capacity cannot be recovered from.
    put(&buf, field::DURABLE.start, &11u64.to_ne_bytes());
    assert!(matches!(
        Mapped::recover(&buf, 10, 4),
        Err(SetupError::InconsistentCounters { durable: 11, .. })
    ));
}

#[test]
fn last_set_and_clear_from_against_a_model() {
    let words: Vec<AtomicU64> = [0x8000_0000_0000_0001u64, 0, 0x10]
        .into_iter()
        .map(AtomicU64::new)
        .collect();
    assert_eq!(last_set(&words), Some(132));
    assert_eq!(last_set(&words[..2]), Some(63));
    assert_eq!(last_set(&words[1..2]), None);
    assert_eq!(last_set(&[]), None);
    clear_from(&words, 63);
    let bits: Vec<u64> = words.iter().map(|w| w.load(Ordering::Relaxed)).collect();
    assert_eq!(bits, [1, 0, 0]);
}

#[test]
fn a_joiner_advances_a_watermark_a_dead_committer_left_behind() {
    let buf = buffer(80);
    let claims = Claims::new(Mapped::create(&buf, 8, 1).unwrap());
    let first = claims.claim(4).unwrap();
    let second = claims.claim(4).unwrap();
    first.commit();
    second.mark_and_die(); // killed between setting its bits and advancing
    let frozen = bytes(&buf);
    assert_eq!(frozen[field::COMMITTED], 4u64.to_ne_bytes());
    assert_eq!(frozen[field::BITMAP..][..8], 0xF0u64.to_ne_bytes());

    let joined = Claims::new(Mapped::open(&buf, 8, 1).unwrap());
    assert_eq!(bytes(&buf), frozen, "open changes nothing");
    assert_eq!(joined.advance_committed(), 8);
    assert_eq!(
        claims.committed(),
        8,
        "the first process sees the same watermark"
    );
    let mut expected = frozen.clone();
    expected[field::COMMITTED].copy_from_slice(&8u64.to_ne_bytes());
    assert_eq!(bytes(&buf), expected, "only the committed watermark moved");

    // Recovering a frozen region rewinds to the durable watermark (0 here) whether or not
    // the watermark was advanced first: only durability proves rows are on disk.
    put(&buf, field::COMMITTED.start, &4u64.to_ne_bytes());
    put(&buf, field::DURABLE.start, &2u64.to_ne_bytes());
    let recovered = Claims::new(Mapped::recover(&buf, 8, 1).unwrap());
    assert_eq!(
        (
            recovered.claimed(),
            recovered.committed(),
            recovered.durable()
        ),
        (2, 2, 2)
    );
    assert_eq!(bytes(&buf)[field::BITMAP..][..8], 0u64.to_ne_bytes());
    assert_eq!(recovered.stalled(), None);
}
