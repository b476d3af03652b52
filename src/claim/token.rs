//! [`Claim`]: the token for a range of claimed rows, ended by commit, abandon or give-back.

use super::owner::{ENTRY_WORDS, GIVE_BACKS, PARTS, RANGE};
use super::{Claims, Store};
use crate::sync::AtomicU64;
use crate::sync::Ordering::{AcqRel, Relaxed, Release};
use core::fmt;
use core::ops::Range;

/// The entry a claim was announced in (see "Announce before claiming" in `owner.rs`).
pub(super) struct Announce<'a> {
    /// The entry's words.
    pub(super) words: &'a [AtomicU64; ENTRY_WORDS],
    /// Whether the claim was split: its parts then count themselves in the entry's word 1.
    pub(super) shared: bool,
}

impl Announce<'_> {
    /// Ends one part: retires the entry if it was the last (A3 in `owner.rs`).
    fn end(self) {
        if self.shared && self.words[PARTS].fetch_sub(1, AcqRel) != 1 {
            return;
        }
        // Release: whoever reads the free entry sees the rows published (A2).
        self.words[RANGE].store(0, Release);
    }
}

/// Exclusive use of a range of rows, handed out by [`Claims::claim`].
///
/// Not `Clone`; ended by value with [`commit`](Self::commit) or [`abandon`](Self::abandon).
/// Dropping it without either leaves a hole at its rows: see "Failures" in the
/// [module docs](super).
#[must_use = "a claim must be committed or abandoned, or the committed watermark stops at its rows"]
pub struct Claim<'a, S: Store> {
    pub(super) claims: &'a Claims<S>,
    pub(super) start: u64,
    pub(super) end: u64,
    /// The entry announcing the claim (`None`: not announced, e.g. [`Claims::claim`]).
    pub(super) announce: Option<Announce<'a>>,
}

impl<S: Store> Claim<'_, S> {
    /// The claimed rows, `start..end`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(10)?);
    /// let claim = claims.claim(3).expect("room");
    /// assert_eq!((claim.rows(), claim.start(), claim.end(), claim.len()), (0..3, 0, 3, 3));
    /// assert!(!claim.is_empty());
    /// claim.commit();
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn rows(&self) -> Range<u64> {
        self.start..self.end
    }

    /// The first claimed row.
    ///
    /// # Examples
    ///
    /// See [`rows`](Self::rows).
    pub fn start(&self) -> u64 {
        self.start
    }

    /// One past the last claimed row.
    ///
    /// # Examples
    ///
    /// See [`rows`](Self::rows).
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Number of claimed rows.
    ///
    /// # Examples
    ///
    /// See [`rows`](Self::rows).
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether the claim has no rows.
    ///
    /// # Examples
    ///
    /// See [`rows`](Self::rows).
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Marks the rows complete: once every row below them is complete too, readers see them.
    /// Write them fully before. Returns the committed watermark as this call left it (it may
    /// have moved on since, and stays below the rows while an earlier claim is open).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(10)?);
    /// let claim = claims.claim(3).expect("room");
    /// // ... write rows claim.rows() ...
    /// assert_eq!(claim.commit(), 3);
    /// assert_eq!(claims.committed(), 3);
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    #[inline]
    pub fn commit(self) -> u64 {
        let committed = self.claims.complete(self.start, self.end);
        if let Some(announce) = self.announce {
            announce.end();
        }
        committed
    }

    /// Gives the rows up: marks them *void* (not valid data: see "Validity" in the
    /// [module docs](super)) and then complete exactly like [`commit`](Self::commit), so the
    /// watermark does not stop at them. Readers that ask for validity skip them; readers that
    /// do not see their contents, so fill them with a value that means "no data" first
    /// (zeros).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(10)?);
    /// let failed = claims.claim(3).expect("room");
    /// let next = claims.claim(1).expect("room");
    /// next.commit();
    /// // ... zero-fill rows failed.rows() ...
    /// assert_eq!(failed.abandon(), 4);
    /// assert_eq!(claims.validity().count_valid(), 1);
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn abandon(self) -> u64 {
        // Void before the completion is published (P5 in the module docs).
        super::bitmap::mark(self.claims.parts().void, self.start, self.end);
        let committed = self.claims.complete(self.start, self.end);
        if let Some(announce) = self.announce {
            announce.end();
        }
        committed
    }
}

impl<S: Store> Claim<'_, S> {
    /// Test hook (`#[doc(hidden)]`: `pub` only because the loom models in `tests/loom_claim/`,
    /// an external crate, need it; built only under `cfg(test)` or `--cfg mmarray_loom`, never
    /// in a normal build): a committer that dies between its two steps. Sets the claim's completion
    /// bits (the first step of a commit above the watermark) and stops before the advance
    /// loop, as a process killed there would; the token is consumed without ending the claim.
    #[cfg(any(test, mmarray_loom))]
    #[doc(hidden)]
    pub fn mark_and_die(self) {
        super::bitmap::mark(self.claims.parts().done, self.start, self.end);
    }

    /// Test hook (`#[doc(hidden)]`, as [`mark_and_die`](Self::mark_and_die)): a writer that
    /// dies right after its give-back's compare-exchange, before counting the give-back and
    /// retiring its entry (which keeps announcing the rows it returned). Returns whether the
    /// give-back succeeded.
    #[cfg(any(test, mmarray_loom))]
    #[doc(hidden)]
    pub fn give_back_and_die(self) -> bool {
        let tail = self.claims.parts().tail;
        tail.compare_exchange(self.end, self.start, Release, Relaxed)
            .is_ok()
    }
}

impl<'a, S: Store> Claim<'a, S> {
    /// Splits the claim into its first `rows` rows and the rest: two claims, each to be ended
    /// on its own (`rows` is capped to the claim's length). A buffered writer commits the part
    /// it filled and keeps the rest.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(10)?);
    /// let (filled, rest) = claims.claim(8).expect("room").split_at(3);
    /// assert_eq!((filled.rows(), rest.rows()), (0..3, 3..8));
    /// assert_eq!(filled.commit(), 3);
    /// rest.commit();
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn split_at(self, rows: u64) -> (Claim<'a, S>, Claim<'a, S>) {
        let mid = self.start.saturating_add(rows).min(self.end);
        let (claims, start, end) = (self.claims, self.start, self.end);
        let (first, second) = match self.announce {
            None => (None, None),
            Some(Announce { words, shared }) => {
                // A3 in `owner.rs`: the first split counts two live parts, a later one adds one.
                if shared {
                    words[PARTS].fetch_add(1, Relaxed);
                } else {
                    words[PARTS].store(2, Relaxed);
                }
                let part = || Announce {
                    words,
                    shared: true,
                };
                (Some(part()), Some(part()))
            }
        };
        (
            Claim {
                claims,
                start,
                end: mid,
                announce: first,
            },
            Claim {
                claims,
                start: mid,
                end,
                announce: second,
            },
        )
    }

    /// Returns the rows to the array if nothing was claimed after them (the claim still ends
    /// at the tail): the next claim gets them again, and they never become void. Otherwise
    /// hands the claim back unchanged: [`abandon`](Self::abandon) it then (its rows become
    /// void), or commit it. An empty claim is always given back.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(10)?);
    /// let first = claims.claim(4).expect("room");
    /// assert!(first.give_back().is_ok());
    /// let a = claims.claim(4).expect("room");
    /// let b = claims.claim(2).expect("room");
    /// assert_eq!((a.rows(), b.rows()), (0..4, 4..6));
    /// let a = a.give_back().expect_err("b was claimed after a");
    /// a.commit();
    /// b.commit();
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The claim itself, when rows after it were claimed since.
    pub fn give_back(self) -> Result<(), Claim<'a, S>> {
        if self.start == self.end {
            if let Some(announce) = self.announce {
                announce.end();
            }
            return Ok(());
        }
        let parts = self.claims.parts();
        let tail = parts.tail;
        // Release: see "Claims and give-backs" in the module docs.
        match tail.compare_exchange(self.end, self.start, Release, Relaxed) {
            Ok(_) => {
                if let Some(announce) = self.announce {
                    // A4 in `owner.rs`: counted before the entry changes.
                    announce.words[GIVE_BACKS].fetch_add(1, Release);
                    announce.end();
                }
                Ok(())
            }
            Err(_) => Err(self),
        }
    }
}

impl<S: Store> fmt::Debug for Claim<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claim")
            .field("rows", &self.rows())
            .finish_non_exhaustive()
    }
}
