//! Unit tests of the owner table: announcing, retiring, parts, give-back counts, slot takes.
#![allow(
    clippy::single_range_in_vec_init,
    reason = "lists of row ranges, one of them"
)]

extern crate std;

/// A claim whose holder dies (or leaks it): ended neither way.
fn die<T>(_claim: T) {}

use super::*;
use crate::claim::{Inline, SetupError};

/// 3 slots of 2 entries: 3 * (8 + 16) words.
type Store = Inline<2, 72>;

fn claims() -> Claims<Store> {
    Claims::new(Store::with_owners(100, 3, 2).unwrap())
}

const E: Entry = Entry { slot: 1, index: 1 };

fn give_backs(claims: &Claims<Store>, entry: Entry) -> u64 {
    claims.owners().entry(entry).unwrap()[GIVE_BACKS].load(Relaxed)
}

#[test]
fn layout_is_the_documented_one() {
    let claims = claims();
    let owners = claims.owners();
    assert_eq!(Owners::words_for(3, 2), Some(72));
    let word = |w: &AtomicU64| core::ptr::from_ref(w) as usize;
    let base = word(&owners.words[0]);
    // Entry 1 of slot 1 starts at word 24 + 8 + 8.
    assert_eq!((word(&owners.entry(E).unwrap()[0]) - base) / 8, 40);
    assert_eq!((word(&owners.header(2).unwrap()[0]) - base) / 8, 48);
    assert!(owners.entry(Entry { slot: 3, index: 0 }).is_none());
    assert!(owners.entry(Entry { slot: 0, index: 2 }).is_none());
    assert_eq!(pack(5, 3), 5 | 3 << 40);
    assert_eq!(unpack(pack(Owners::MAX_CAPACITY, Owners::MAX_ROWS)), {
        let s = Owners::MAX_CAPACITY;
        Some(s..s + Owners::MAX_ROWS)
    });
    assert_eq!(unpack(0), None);
}

#[test]
fn commit_abandon_and_refusal_retire_the_entry() {
    let claims = claims();
    let owners = claims.owners();
    let a = claims.claim_as(E, 4).unwrap();
    assert_eq!(owners.announced(E), Some(0..4));
    a.commit();
    assert_eq!(owners.announced(E), None);
    let b = claims.claim_as(E, 2).unwrap();
    assert_eq!(owners.announced(E), Some(4..6));
    b.abandon();
    assert_eq!(owners.announced(E), None);
    assert_eq!(
        claims.claim_as(E, 95).err(),
        Some(ClaimError::Full {
            requested: 95,
            available: 94,
            capacity: 100
        })
    );
    assert_eq!(owners.announced(E), None, "a refused claim retires");
    let empty = claims.claim_as(E, 0).unwrap();
    assert_eq!(owners.announced(E), None, "no rows, no announcement");
    empty.commit();
    assert_eq!(give_backs(&claims, E), 0);
}

#[test]
fn split_parts_retire_with_the_last_part_in_any_order() {
    let claims = claims();
    let owners = claims.owners();
    for order in 0..3 {
        let claim = claims.claim_as(E, 9).unwrap();
        let rows = claim.rows();
        let (a, rest) = claim.split_at(3);
        let (b, c) = rest.split_at(3);
        let mut parts = std::vec![Some(a), Some(b), Some(c)];
        for i in 0..3 {
            let part = parts[(i + order) % 3].take().unwrap();
            assert_eq!(
                owners.announced(E),
                Some(rows.clone()),
                "order {order}, {i} ended"
            );
            part.commit();
        }
        assert_eq!(owners.announced(E), None, "order {order}");
    }
    assert_eq!(claims.committed(), 27);
}

#[test]
fn give_backs_count_and_retire_and_a_failed_one_keeps_the_announcement() {
    let claims = claims();
    let owners = claims.owners();
    let other = Entry { slot: 0, index: 0 };
    assert!(claims.claim_as(E, 5).unwrap().give_back().is_ok());
    assert_eq!((owners.announced(E), give_backs(&claims, E)), (None, 1));
    let a = claims.claim_as(E, 5).unwrap();
    let b = claims.claim_as(other, 1).unwrap();
    let a = a.give_back().unwrap_err();
    assert_eq!(owners.announced(E), Some(0..5), "still the owner's");
    assert_eq!(give_backs(&claims, E), 1);
    a.abandon();
    b.commit();
    assert_eq!(owners.announced(E), None);
    // A split claim: the given-back part counts, the announcement stays for the other part.
    let (filled, rest) = claims.claim_as(E, 6).unwrap().split_at(2);
    assert!(rest.give_back().is_ok());
    assert_eq!(
        (owners.announced(E), give_backs(&claims, E)),
        (Some(6..12), 2)
    );
    filled.commit();
    assert_eq!(owners.announced(E), None);
    assert_eq!(claims.claimed(), 8);
}

#[test]
fn bad_entries_and_sizes_are_refused() {
    let claims = claims();
    assert_eq!(
        claims.claim_as(Entry { slot: 3, index: 0 }, 1).err(),
        Some(ClaimError::NoEntry {
            slot: 3,
            index: 0,
            slots: 3,
            entries: 2
        })
    );
    let _held = claims.claim_as(E, 1).unwrap();
    assert_eq!(
        claims.claim_up_to_as(E, 1).err(),
        Some(ClaimError::EntryInUse { slot: 1, index: 1 })
    );
    assert!(matches!(
        claims.claim_as(Entry { slot: 0, index: 0 }, 1 << 24),
        Err(ClaimError::TooLarge { max, .. }) if max == (1 << 24) - 1
    ));
    let plain = Claims::new(Inline::<1>::new(10).unwrap());
    assert!(matches!(
        plain.claim_as(Entry { slot: 0, index: 0 }, 1),
        Err(ClaimError::NoEntry { slots: 0, .. })
    ));
    assert_eq!(
        Inline::<1, 16>::with_owners(10, 1 << 16, 0).err(),
        Some(SetupError::TooManySlots {
            slots: 1 << 16,
            max: u16::MAX as u32
        })
    );
    let mut bitmaps: std::vec::Vec<AtomicU64> = (0..2).map(|_| AtomicU64::new(0)).collect();
    let mut table: std::vec::Vec<AtomicU64> = (0..15).map(|_| AtomicU64::new(7)).collect();
    let store = crate::claim::Borrowed::new(&mut bitmaps, 64).unwrap();
    assert_eq!(
        store.with_owners(&mut table, 1, 1).err(),
        Some(SetupError::OwnerTableTooSmall {
            needed: 16,
            actual: 15
        })
    );
    let message = std::string::ToString::to_string(&ClaimError::EntryInUse { slot: 1, index: 2 });
    assert!(message.contains("entry 2 of slot 1"), "{message}");
}

#[test]
fn capacity_above_2_pow_40_is_refused_with_owners() {
    use crate::claim::store::check_owners;
    assert_eq!(
        check_owners(16, 1, 1, 1 << 40),
        Err(SetupError::CapacityTooLargeForOwners {
            capacity: 1 << 40,
            max: (1 << 40) - 1
        })
    );
    assert_eq!(check_owners(16, 1, 1, (1 << 40) - 1), Ok(()));
    assert_eq!(
        check_owners(0, 0, 0, u64::MAX),
        Ok(()),
        "no table, no limit"
    );
}

#[test]
fn take_raises_the_generation_clears_entries_and_keeps_counts() {
    let claims = claims();
    let owners = claims.owners();
    assert_eq!(owners.owner(1).unwrap().generation, 0);
    assert_eq!(owners.take(1, 10, 20, 30), Some(1));
    assert!(claims.claim_as(E, 3).unwrap().give_back().is_ok());
    die(claims.claim_as(E, 2).unwrap()); // the holder dies holding 0..2
    assert!(owners.pending(1, claims.committed()));
    assert_eq!(owners.take(1, 11, 21, 31), Some(3));
    assert!(!owners.pending(1, 0));
    assert_eq!(owners.announced(E), None);
    assert_eq!(give_backs(&claims, E), 1, "give-back counts only grow");
    let owner = owners.owner(1).unwrap();
    assert_eq!(
        (
            owner.slot,
            owner.generation,
            owner.pid,
            owner.start_ticks,
            owner.pid_ns
        ),
        (1, 3, 11, 21, 31)
    );
    assert_eq!(owners.take(3, 0, 0, 0), None);
    assert!(Owners::NONE.is_none() && owners.owner(7).is_none());
}
