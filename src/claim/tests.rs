//! Unit tests of [`Claims`](super::Claims) and [`Claim`](super::Claim) on inline stores,
//! against models that count rows one by one.

extern crate std;

use super::*;
use proptest::prelude::*;
use std::format;
use std::string::ToString;
use std::vec::Vec;

/// Brute-force reference: the longest prefix of complete rows.
fn model_prefix(complete: &[bool]) -> u64 {
    complete.iter().take_while(|&&c| c).count() as u64
}

#[test]
fn claims_are_contiguous_disjoint_and_bounded() {
    let claims = Claims::new(Inline::<2>::new(100).unwrap());
    let a = claims.claim(60).unwrap();
    let b = claims.claim(0).unwrap();
    let c = claims.claim(40).unwrap();
    assert_eq!((a.rows(), b.rows(), c.rows()), (0..60, 60..60, 60..100));
    assert_eq!(
        claims.claim(1).unwrap_err(),
        ClaimError::Full {
            requested: 1,
            available: 0,
            capacity: 100
        }
    );
    assert_eq!(
        claims.claimed(),
        100,
        "a failed claim leaves the tail alone"
    );
    assert_eq!(claims.claim(0).unwrap().rows(), 100..100);
    assert_eq!(claims.claim_up_to(0).unwrap().rows(), 100..100);
    assert_eq!(
        claims.claim(u64::MAX).unwrap_err(),
        ClaimError::Full {
            requested: u64::MAX,
            available: 0,
            capacity: 100
        }
    );
    let _ = (a.commit(), b.commit(), c.commit());
    assert_eq!(claims.committed(), 100);
}

#[test]
fn watermark_waits_for_the_hole_and_spans_words() {
    let claims = Claims::new(Inline::<3>::new(150).unwrap());
    let a = claims.claim(63).unwrap();
    let b = claims.claim(2).unwrap(); // straddles words 0 and 1
    let c = claims.claim(85).unwrap(); // to the end, straddles 1 and 2
    assert_eq!(c.commit(), 0);
    assert_eq!(b.commit(), 0);
    assert_eq!(claims.stalled(), Some(0..63));
    assert_eq!(a.commit(), 150);
    assert_eq!(claims.stalled(), None);
}

#[test]
fn capacity_not_a_multiple_of_64_stops_at_capacity() {
    let claims = Claims::new(Inline::<1>::new(5).unwrap());
    assert_eq!(claims.claim(5).unwrap().commit(), 5);
    let empty = Claims::new(Inline::<0>::new(0).unwrap());
    assert_eq!(empty.claim(0).unwrap().commit(), 0);
    assert!(empty.claim(1).is_err());
}

#[test]
fn borrowed_bitmap_is_cleared_and_sized() {
    let mut bitmap: Vec<_> = (0..7)
        .map(|_| crate::sync::AtomicU64::new(u64::MAX))
        .collect();
    assert_eq!(
        Borrowed::new(&mut bitmap, 193).unwrap_err(),
        SetupError::BitmapTooSmall {
            capacity: 193,
            max: 192
        }
    );
    let claims = Claims::new(Borrowed::new(&mut bitmap, 192).unwrap());
    let a = claims.claim(1).unwrap();
    assert_eq!(
        claims.claim(191).unwrap().commit(),
        0,
        "stale bits were cleared"
    );
    assert_eq!(a.commit(), 192);
}

#[test]
fn flush_and_publish_durable() {
    let claims = Claims::new(Inline::<1>::new(10).unwrap());
    claims.claim(4).unwrap().commit();
    let mut seen = Vec::new();
    assert_eq!(
        claims.flush(|r| -> Result<(), ()> {
            seen.push(r);
            Ok(())
        }),
        Ok(4)
    );
    let open = claims.claim(2).unwrap();
    claims.claim(1).unwrap().commit();
    assert_eq!(
        claims.flush(|r| -> Result<(), ()> {
            seen.push(r);
            Ok(())
        }),
        Ok(4)
    );
    assert_eq!(seen, [0..4, 4..4]);
    assert_eq!(
        claims.publish_durable(5),
        Err(PublishError::AheadOfCommitted {
            requested: 5,
            committed: 4
        })
    );
    open.commit();
    assert_eq!(claims.publish_durable(7), Ok(7));
    assert_eq!(claims.publish_durable(2), Ok(7));
    assert_eq!(
        claims.watermarks(),
        Watermarks {
            durable: 7,
            committed: 7
        }
    );
}

#[test]
fn recovery_force_complete_and_truncate() {
    let mut claims = Claims::new(Inline::<2>::new(100).unwrap());
    claims.claim(10).unwrap().commit();
    claims.flush(|_| Ok::<(), ()>(())).unwrap();
    let dead = claims.claim(20).unwrap().rows();
    claims.claim(5).unwrap().commit();
    assert_eq!(claims.stalled(), Some(10..30));
    assert_eq!(
        claims.force_complete(30..36),
        Err(RecoverError::Unclaimed {
            end: 36,
            claimed: 35
        })
    );
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = claims.force_complete(12..11);
    assert_eq!(reversed, Err(RecoverError::Reversed { start: 12, end: 11 }));
    assert_eq!(claims.committed(), 10, "errors change nothing");
    assert_eq!(claims.force_complete(dead), Ok(35));
    let validity = claims.validity();
    assert_eq!(
        validity.runs().collect::<Vec<_>>(),
        [0..10, 30..35],
        "force-completed rows are void"
    );

    assert_eq!(
        claims.truncate(9),
        Err(RecoverError::BelowDurable {
            len: 9,
            durable: 10
        })
    );
    assert_eq!(
        claims.truncate(36),
        Err(RecoverError::AboveCommitted {
            len: 36,
            committed: 35
        })
    );
    drop(claims.claim(40).unwrap()); // 35..75, never completed
    claims.claim(5).unwrap().commit(); // 75..80 complete above the hole
    assert_eq!(claims.truncate(20), Ok(20..80));
    assert_eq!(
        claims.watermarks(),
        Watermarks {
            durable: 10,
            committed: 20
        }
    );
    // Bits from 20 on were cleared: the re-claimed rows need a fresh commit.
    let again = claims.claim(60).unwrap();
    assert_eq!(again.rows(), 20..80);
    assert_eq!(claims.stalled(), Some(20..80));
    assert_eq!(again.commit(), 80);
}

/// The state a committer killed between its two steps leaves on a full array of 8 rows:
/// rows 0..4 committed, rows 4..8 complete (bits set) but the watermark still at 4.
fn frozen<const W: usize>(capacity: u64) -> Claims<Inline<W>> {
    let claims = Claims::new(Inline::<W>::new(capacity).unwrap());
    let first = claims.claim(4).unwrap();
    let second = claims.claim(4).unwrap();
    assert_eq!(first.commit(), 4);
    second.mark_and_die();
    assert_eq!((claims.claimed(), claims.committed()), (8, 4));
    claims
}

#[test]
fn a_committer_that_dies_before_advancing_freezes_nothing() {
    // `stalled` advances first: it reports nothing stalled because nothing is.
    let claims = frozen::<1>(8);
    assert_eq!(claims.stalled(), None);
    assert_eq!(claims.committed(), 8, "stalled moved the watermark on");

    // Anyone's `advance_committed`, also on a full array where no claim can commit.
    let claims = frozen::<1>(8);
    assert!(claims.claim(1).is_err(), "full");
    assert_eq!(claims.advance_committed(), 8);
    assert_eq!(claims.advance_committed(), 8, "idempotent");

    // `force_complete`, even of an empty range, advances.
    let mut claims = frozen::<1>(8);
    assert_eq!(claims.force_complete(8..8), Ok(8));
    let mut claims = frozen::<1>(8);
    assert_eq!(claims.force_complete(5..7), Ok(8), "rows already complete");
    assert_eq!(claims.validity().count_valid(), 8, "and still valid");
    // A range over complete rows below and above the watermark and a hole between: only the
    // hole's rows become void.
    let mut claims = Claims::new(Inline::<1>::new(16).unwrap());
    claims.claim(2).unwrap().commit(); // 0..2 fast path, no done bits
    drop(claims.claim(3).unwrap()); // 2..5 dead
    claims.claim(2).unwrap().commit(); // 5..7 done bits above the hole
    assert_eq!(claims.force_complete(0..7), Ok(7));
    assert_eq!(claims.validity().runs().collect::<Vec<_>>(), [0..2, 5..7]);

    // On an array with room, the next commit carries the watermark over the dead claim.
    let claims = frozen::<1>(16);
    assert_eq!(claims.stalled(), None);
    let claims = frozen::<1>(16);
    assert_eq!(claims.claim(2).unwrap().commit(), 10);

    // A dead committer above a live hole waits for the hole like any commit.
    let claims = Claims::new(Inline::<1>::new(8).unwrap());
    let hole = claims.claim(4).unwrap();
    claims.claim(4).unwrap().mark_and_die();
    assert_eq!(claims.advance_committed(), 0);
    assert_eq!(claims.stalled(), Some(0..4));
    assert_eq!(hole.commit(), 8);
}

#[test]
fn flush_and_a_refused_claim_carry_a_frozen_full_array_on() {
    // A flush alone, with nobody calling `stalled`, makes the dead committer's rows durable.
    let claims = frozen::<1>(8);
    let mut persisted = 0..0;
    let durable = claims.flush(|rows| {
        persisted = rows;
        Ok::<(), ()>(())
    });
    assert_eq!((durable, persisted), (Ok(8), 0..8));
    assert_eq!(claims.watermarks().committed, 8);

    // A claim on the full array is still refused, but it moved the watermark first.
    let claims = frozen::<1>(8);
    assert_eq!(
        claims.claim(1).err(),
        Some(ClaimError::Full {
            requested: 1,
            available: 0,
            capacity: 8
        })
    );
    assert_eq!(claims.committed(), 8, "the refused claim advanced");
    let claims = frozen::<1>(8);
    assert!(claims.claim_up_to(3).is_err());
    assert_eq!(claims.committed(), 8, "the refused claim_up_to advanced");
}

#[test]
fn error_messages_say_what_and_how() {
    let full = ClaimError::Full {
        requested: 5,
        available: 3,
        capacity: 100,
    };
    assert_eq!(
        full.to_string(),
        "cannot claim 5 rows: only 3 of 100 rows are unclaimed; claim at most 3 rows or \
         create the array with a larger capacity"
    );
    let e = SetupError::BitmapTooSmall {
        capacity: 65,
        max: 64,
    };
    assert_eq!(
        e.to_string(),
        "a completion bitmap for 65 rows needs one bit per row, but this one holds only 64 \
         bits; use at least 2 64-bit words or a capacity of at most 64"
    );
    assert_eq!(
        RecoverError::Unclaimed { end: 9, claimed: 7 }.to_string(),
        "row range ends at 9 but only 7 rows have been claimed; pass a range within 0..7"
    );
    for msg in [
        full.to_string(),
        PublishError::AheadOfCommitted {
            requested: 4,
            committed: 3,
        }
        .to_string(),
        RecoverError::BelowDurable { len: 1, durable: 2 }.to_string(),
        SetupError::ForeignByteOrder.to_string(),
    ] {
        assert!(msg.starts_with(|c: char| c.is_lowercase()), "{msg}");
    }
    assert_eq!(
        format!(
            "{:?}",
            Watermarks {
                durable: 1,
                committed: 2
            }
        ),
        "Watermarks { durable: 1, committed: 2 }"
    );
}

proptest! {
    /// Random claim sizes, committed in a random order: after each commit the watermark is
    /// the model's longest complete prefix, and `stalled` is the model's first incomplete run.
    #[test]
    fn sequential_commits_match_the_model(
        sizes in proptest::collection::vec(0u64..70, 1..12),
        order_seed in proptest::collection::vec(any::<u32>(), 12),
    ) {
        let capacity: u64 = sizes.iter().sum();
        let claims = Claims::new(Inline::<13>::new(capacity).unwrap());
        let mut open: Vec<_> = sizes.iter().map(|&n| claims.claim(n).unwrap()).collect();
        let mut complete = std::vec![false; capacity as usize];
        let mut i = 0;
        while !open.is_empty() {
            let k = order_seed[i % order_seed.len()] as usize % open.len();
            i += 1;
            let claim = open.swap_remove(k);
            for r in claim.rows() {
                complete[r as usize] = true;
            }
            let w = claim.commit();
            prop_assert_eq!(w, model_prefix(&complete));
            prop_assert_eq!(claims.committed(), w);
            let hole_end = complete.iter().skip(w as usize).take_while(|&&c| !c).count() as u64;
            let expect = (hole_end > 0).then_some(w..w + hole_end);
            prop_assert_eq!(claims.stalled(), expect);
        }
        prop_assert_eq!(claims.committed(), capacity);
    }
}
