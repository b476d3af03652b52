//! Unit tests of `Mapped`: creating, joining and recovering headers in plain buffers.

extern crate std;

use super::*;
use crate::claim::ClaimHeader;
use crate::claim::Claims;
use std::vec::Vec;

/// Byte offsets of the header's fields, written out from the table on `ClaimHeader` (an
/// independent reference for the layout the code computes).
mod field {
    pub(super) const MAGIC: usize = 0;
    pub(super) const VERSION: usize = 8;
    pub(super) const BYTE_ORDER: usize = 12;
    pub(super) const TAIL: usize = 16;
    pub(super) const COMMITTED: usize = 24;
    pub(super) const DURABLE: usize = 32;
    pub(super) const HEADER_LEN: usize = 64;
    pub(super) const SLOTS: usize = 72;
    pub(super) const BITMAP: usize = 128;
}

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
    let g = Geometry::new(70, 24).with_header_len(256).with_owners(2, 1);
    let buf = buffer(g.region_len().unwrap());
    let store = Mapped::create_with(&buf, g).unwrap();
    store
        .published()
        .store(5 | ClaimHeader::PUBLISHED_PARITY, Ordering::Relaxed);
    store.header_writer().store(3, Ordering::Relaxed);
    store.header_target().store(6, Ordering::Relaxed);
    store.closer().store(0x2_0004, Ordering::Relaxed);
    store.boot_id()[0].store(0x1111, Ordering::Relaxed);
    store.boot_id()[1].store(0x2222, Ordering::Relaxed);
    store.void()[1].store(0b100, Ordering::Relaxed); // row 66
    store.owners_words()[16].store(7, Ordering::Relaxed); // slot 1's generation
    store.owners_words()[24].store(9, Ordering::Relaxed); // slot 1, entry 0's range
    let claims = Claims::new(store);
    claims.claim(3).unwrap().commit();
    let _open = claims.claim(2).unwrap(); // rows 3..5 stay open
    claims.claim(1).unwrap().commit();
    claims.flush(|_| Ok::<(), ()>(())).unwrap();
    let mut golden = Vec::new();
    golden.extend_from_slice(b"MMRLOG\x02\0");
    golden.extend_from_slice(&2u32.to_ne_bytes());
    golden.extend_from_slice(&0x0102_0304u32.to_ne_bytes());
    // tail, committed, durable, allocated, capacity, row size, header length
    for field in [6u64, 3, 3, 70, 70, 24, 256] {
        golden.extend_from_slice(&field.to_ne_bytes());
    }
    golden.extend_from_slice(&2u32.to_ne_bytes()); // slots
    golden.extend_from_slice(&1u32.to_ne_bytes()); // entries
    // boot id, published (5 in slot 1), header writer, closer, header target
    for field in [0x1111u64, 0x2222, 5 | 1 << 62, 3, 0x2_0004, 6] {
        golden.extend_from_slice(&field.to_ne_bytes());
    }
    assert_eq!(golden.len(), 128);
    // Done bitmap: rows 0..3 were committed at the watermark (the fast path sets no bits);
    // row 5 waits above the open claim with its bit set.
    golden.extend_from_slice(&0b10_0000u64.to_ne_bytes());
    golden.extend_from_slice(&0u64.to_ne_bytes()); // rows 64..70
    // Void bitmap at 144: row 66.
    golden.extend_from_slice(&0u64.to_ne_bytes());
    golden.extend_from_slice(&0b100u64.to_ne_bytes());
    golden.resize(192, 0); // padding to the slot table at 192
    // Slot 0 (16 words: header and one entry), then slot 1.
    golden.resize(192 + 128, 0);
    golden.extend_from_slice(&7u64.to_ne_bytes());
    golden.resize(192 + 128 + 64, 0);
    golden.extend_from_slice(&9u64.to_ne_bytes());
    golden.resize(192 + 256, 0);
    assert_eq!(bytes(&buf), golden);
}

#[test]
fn open_sees_what_create_and_commits_left() {
    let buf = buffer(Geometry::new(100, 8).region_len().unwrap() + 40);
    {
        let store = Mapped::create(&buf, 100, 8).unwrap();
        let claims = Claims::new(store);
        claims.claim(70).unwrap().commit();
    }
    let store = Mapped::open(&buf, 100, 8).unwrap();
    assert_eq!(
        bytes(&buf[Mapped::region_words(100, 0, 0).unwrap()..]),
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
    let buf = buffer(192);
    put(&buf, 0, &[0xFF; 192]);
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
fn create_clears_old_bitmaps_and_owners() {
    let g = Geometry::new(100, 16).with_owners(2, 4);
    let len = g.region_words().unwrap() * 8;
    let old = buffer(len);
    put(&old, 0, &std::vec![0xA5; len]);
    let fresh = buffer(len);
    for buf in [&old, &fresh] {
        let store = Mapped::create_with(buf, g).unwrap();
        assert!(
            store
                .owners_words()
                .iter()
                .all(|w| w.load(Ordering::Relaxed) == 0)
        );
        let claims = Claims::new(store);
        assert_eq!(
            claims.claim(100).unwrap().commit(),
            100,
            "no old completion bit"
        );
        assert_eq!(claims.validity().count_valid(), 100, "no old void bit");
    }
}

#[test]
fn region_errors() {
    let buf = buffer(256);
    assert_eq!(
        Mapped::create(&buf[..7], 64, 1).err(),
        Some(SetupError::TooShort {
            needed: 192,
            actual: 56
        })
    );
    assert_eq!(
        Mapped::open(&[], 0, 1).err(),
        Some(SetupError::TooShort {
            needed: 128,
            actual: 0
        })
    );
    assert_eq!(
        Mapped::create_with(&buf, Geometry::new(1, 1).with_owners(1, 1)).err(),
        Some(SetupError::TooShort {
            needed: 320,
            actual: 256
        })
    );
    // Capacities from 2^40 on are refused whatever the region.
    for capacity in [1 << 40, u64::MAX] {
        assert_eq!(
            Mapped::create(&buf, capacity, 1).err(),
            Some(SetupError::RegionTooLarge { capacity })
        );
    }
    assert!(matches!(
        Mapped::create(&buf, (1 << 40) - 1, 1),
        Err(SetupError::TooShort { .. })
    ));
    if usize::BITS == 64 {
        assert_eq!(
            Geometry::new(u64::MAX, 1).region_len(),
            Some((1 << 62) + 128)
        );
    }
}

#[test]
fn identity_errors() {
    let fresh = || {
        let buf = buffer(192);
        Mapped::create(&buf, 10, 4).unwrap();
        buf
    };
    let buf = fresh();
    put(&buf, field::MAGIC, b"NOTCLAIM");
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::BadMagic {
            found: *b"NOTCLAIM"
        })
    );
    let buf = fresh();
    put(&buf, field::VERSION, &3u32.to_ne_bytes());
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::UnsupportedVersion {
            found: 3,
            supported: 2
        })
    );
    // A version-1 header (its magic, version 1 at the same bytes) is refused by version.
    let buf = fresh();
    put(&buf, field::MAGIC, b"MMACLAIM");
    put(&buf, field::VERSION, &1u32.to_ne_bytes());
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::UnsupportedVersion {
            found: 1,
            supported: 2
        })
    );
    let buf = fresh();
    put(
        &buf,
        field::BYTE_ORDER,
        &0x0102_0304u32.swap_bytes().to_ne_bytes(),
    );
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::ForeignByteOrder)
    );
    let buf = fresh();
    put(&buf, field::BYTE_ORDER, &0x0102_0305u32.to_ne_bytes());
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
    // The `.npy` header length and the slot table are checked against the caller's.
    let g = Geometry::new(10, 4).with_header_len(128).with_owners(1, 2);
    let buf = buffer(g.region_len().unwrap());
    Mapped::create_with(&buf, g).unwrap();
    assert_eq!(
        bytes(&buf)[field::HEADER_LEN..field::HEADER_LEN + 8],
        128u64.to_ne_bytes()
    );
    assert_eq!(
        bytes(&buf)[field::SLOTS..field::SLOTS + 4],
        1u32.to_ne_bytes()
    );
    assert_eq!(
        Mapped::open_with(&buf, g.with_header_len(192)).err(),
        Some(SetupError::HeaderLenMismatch {
            expected: 192,
            found: 128
        })
    );
    assert_eq!(
        Mapped::open_with(&buf, g.with_owners(1, 1)).err(),
        Some(SetupError::OwnersMismatch {
            expected: (1, 1),
            found: (1, 2)
        })
    );
    assert!(Mapped::open_with(&buf, g).is_ok());
}

#[test]
fn state_errors_and_recover() {
    // tail 4, committed 5: impossible.
    let buf = buffer(192);
    Mapped::create(&buf, 10, 4).unwrap();
    put(&buf, field::TAIL, &4u64.to_ne_bytes());
    put(&buf, field::COMMITTED, &5u64.to_ne_bytes());
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
    put(&buf, field::COMMITTED, &2u64.to_ne_bytes());
    put(&buf, field::BITMAP, &0b1000_0011u64.to_ne_bytes());
    assert_eq!(
        Mapped::open(&buf, 10, 4).err(),
        Some(SetupError::StrayCompletion { row: 7, claimed: 4 })
    );
    // recover trusts only the durable watermark (1): rewinds to it, clears bits from it on.
    put(&buf, field::DURABLE, &1u64.to_ne_bytes());
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
    put(&buf, field::DURABLE, &11u64.to_ne_bytes());
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
    let buf = buffer(192);
    let claims = Claims::new(Mapped::create(&buf, 8, 1).unwrap());
    let first = claims.claim(4).unwrap();
    let second = claims.claim(4).unwrap();
    first.commit();
    second.mark_and_die(); // killed between setting its bits and advancing
    let frozen = bytes(&buf);
    assert_eq!(
        frozen[field::COMMITTED..field::COMMITTED + 8],
        4u64.to_ne_bytes()
    );
    assert_eq!(
        frozen[field::BITMAP..field::BITMAP + 8],
        0xF0u64.to_ne_bytes()
    );

    let joined = Claims::new(Mapped::open(&buf, 8, 1).unwrap());
    assert_eq!(bytes(&buf), frozen, "open changes nothing");
    assert_eq!(joined.advance_committed(), 8);
    assert_eq!(
        claims.committed(),
        8,
        "the first process sees the same watermark"
    );
    let mut expected = frozen.clone();
    expected[field::COMMITTED..field::COMMITTED + 8].copy_from_slice(&8u64.to_ne_bytes());
    assert_eq!(bytes(&buf), expected, "only the committed watermark moved");

    // Recovering a frozen region rewinds to the durable watermark (0 here) whether or not
    // the watermark was advanced first: only durability proves rows are on disk.
    put(&buf, field::COMMITTED, &4u64.to_ne_bytes());
    put(&buf, field::DURABLE, &2u64.to_ne_bytes());
    let recovered = Claims::new(Mapped::recover(&buf, 8, 1).unwrap());
    assert_eq!(
        (
            recovered.claimed(),
            recovered.committed(),
            recovered.durable()
        ),
        (2, 2, 2)
    );
    assert_eq!(
        bytes(&buf)[field::BITMAP..field::BITMAP + 8],
        0u64.to_ne_bytes()
    );
    assert_eq!(recovered.stalled(), None);
}
