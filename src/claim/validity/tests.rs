//! Unit tests of [`Validity`](super::Validity) against a row-by-row model.
#![allow(
    clippy::single_range_in_vec_init,
    reason = "lists of row ranges, one of them"
)]

extern crate std;

use crate::claim::{Claim, Claims, Inline};
use std::vec::Vec;

/// A small deterministic generator (xorshift64), so the model test is reproducible and fast
/// enough for Miri.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The model's valid runs below `rows`.
fn model_runs(void: &[bool], rows: u64) -> Vec<core::ops::Range<u64>> {
    let mut runs = Vec::new();
    let mut r = 0;
    while r < rows {
        if void[r as usize] {
            r += 1;
            continue;
        }
        let start = r;
        while r < rows && !void[r as usize] {
            r += 1;
        }
        runs.push(start..r);
    }
    runs
}

/// Claims of random sizes ended at random by commit, abandon or give-back (a failed one
/// abandoned, as the writer does); after every step the view matches the model: void rows
/// are exactly the abandoned ones, counted, tested and run row by row.
#[test]
fn validity_matches_a_row_model() {
    for seed in 1..=12u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let capacity = 150;
        let claims = Claims::new(Inline::<3>::new(capacity).unwrap());
        let mut void = std::vec![false; capacity as usize];
        let mut open: Vec<Claim<'_, Inline<3>>> = Vec::new();
        for _ in 0..30 {
            if rng.below(2) == 0 {
                if let Ok(claim) = claims.claim(rng.below(70)) {
                    open.push(claim);
                }
            } else if !open.is_empty() {
                let claim = open.swap_remove(rng.below(open.len() as u64) as usize);
                let rows = claim.rows();
                match rng.below(3) {
                    0 => {
                        claim.commit();
                    }
                    1 => {
                        claim.abandon();
                        rows.clone().for_each(|r| void[r as usize] = true);
                    }
                    _ => {
                        if let Err(claim) = claim.give_back() {
                            claim.abandon();
                            rows.clone().for_each(|r| void[r as usize] = true);
                        }
                    }
                }
            }
            let view = claims.validity();
            let rows = view.rows();
            assert_eq!(rows, claims.committed());
            for r in 0..capacity + 2 {
                let expect = r < rows && !void[r as usize];
                assert_eq!(view.is_valid(r), expect, "seed {seed} row {r}");
            }
            let valid = (0..rows).filter(|&r| !void[r as usize]).count() as u64;
            assert_eq!(view.count_valid(), valid, "seed {seed}");
            assert_eq!(
                view.runs().collect::<Vec<_>>(),
                model_runs(&void, rows),
                "seed {seed}"
            );
        }
        for claim in open {
            claim.commit();
        }
    }
}

#[test]
fn a_successful_give_back_never_voids_and_a_rewind_clears_void() {
    let mut claims = Claims::new(Inline::<1>::new(10).unwrap());
    claims.claim(2).unwrap().commit();
    assert!(claims.claim(3).unwrap().give_back().is_ok());
    let a = claims.claim(3).unwrap();
    assert_eq!(a.rows(), 2..5, "given-back rows are handed out again");
    a.abandon();
    claims.claim(1).unwrap().commit();
    assert_eq!(claims.validity().runs().collect::<Vec<_>>(), [0..2, 5..6]);
    assert_eq!(claims.truncate(3), Ok(3..6));
    // Rows 3.. are claimed again and committed by the fast path: valid, not void.
    claims.claim(3).unwrap().commit();
    let view = claims.validity();
    assert_eq!(view.runs().collect::<Vec<_>>(), [0..2, 3..6]);
    assert_eq!(view.count_valid(), 5);
}

#[test]
fn runs_cross_words_and_stop_at_the_view() {
    let claims = Claims::new(Inline::<3>::new(190).unwrap());
    claims.claim(63).unwrap().commit();
    claims.claim(3).unwrap().abandon(); // 63..66 straddles words 0 and 1
    claims.claim(62).unwrap().commit();
    claims.claim(1).unwrap().abandon(); // 128, first bit of word 2
    let open = claims.claim(5).unwrap();
    claims.claim(1).unwrap().abandon(); // above the watermark: not in the view yet
    let view = claims.validity();
    assert_eq!(view.rows(), 129);
    assert_eq!(view.runs().collect::<Vec<_>>(), [0..63, 66..128]);
    assert_eq!(view.count_valid(), 125);
    assert!(!view.is_valid(134));
    open.commit();
    let view = claims.validity();
    assert_eq!(view.runs().collect::<Vec<_>>(), [0..63, 66..128, 129..134]);
    assert_eq!(view.count_valid(), 130);
}
