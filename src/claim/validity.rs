//! [`Validity`]: which committed rows are valid data, from the void bitmap.
//!
//! A row `r` is **valid** when `r < committed` and its void bit is clear; **void** when
//! `r < committed` and its void bit is set (abandoned, a failed give-back turned into an
//! abandon, or a hole closed for a dead owner). Above the watermark the bits are in flux and
//! nothing is readable.
//!
//! A [`Validity`] is built from *one* `Acquire` read of `committed` ([`Claims::validity`]).
//! Every void bit of a row below that value was set before the row's completion was
//! published (P5 in the [module docs](super)), so the view sees it; and void bits below the
//! watermark never change again while the store is in use (only a rewind clears them, and a
//! rewind has nobody else about). So the view is a consistent snapshot: `is_valid`,
//! `count_valid` and the runs agree with each other and with a `&[T]` of the rows below
//! [`Validity::rows`].

use super::bitmap::{locate, next_with};
use super::{Claims, Store};
use crate::sync::AtomicU64;
use crate::sync::Ordering::Acquire;
use core::fmt;
use core::iter::FusedIterator;
use core::ops::Range;

/// A read-only view of which of the first [`rows`](Self::rows) rows are valid data.
///
/// # Examples
///
/// ```
/// use mmarray::claim::{Claims, Inline};
///
/// let claims = Claims::new(Inline::<1>::new(10)?);
/// claims.claim(2).expect("room").commit();
/// claims.claim(3).expect("room").abandon(); // rows 2..5 void
/// claims.claim(1).expect("room").commit();
/// let validity = claims.validity();
/// assert_eq!(validity.rows(), 6);
/// assert!(validity.is_valid(1) && !validity.is_valid(2) && !validity.is_valid(6));
/// assert_eq!(validity.count_valid(), 3);
/// assert_eq!(validity.runs().collect::<Vec<_>>(), [0..2, 5..6]);
/// # Ok::<(), mmarray::claim::SetupError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Validity<'s> {
    void: &'s [AtomicU64],
    rows: u64,
}

impl<S: Store> Claims<S> {
    /// The validity of the rows below the committed watermark, read once (`Acquire`).
    ///
    /// # Examples
    ///
    /// See [`Validity`].
    pub fn validity(&self) -> Validity<'_> {
        let parts = self.parts();
        Validity {
            void: parts.void,
            rows: parts.committed.load(Acquire),
        }
    }
}

impl<'s> Validity<'s> {
    /// The committed watermark this view was built from: it describes rows `0..rows()`.
    ///
    /// # Examples
    ///
    /// See [`Validity`].
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Whether row `row` is valid data: below [`rows`](Self::rows) and not void.
    ///
    /// # Examples
    ///
    /// See [`Validity`].
    pub fn is_valid(&self, row: u64) -> bool {
        if row >= self.rows {
            return false;
        }
        let Some((index, bit)) = locate(row) else {
            return false;
        };
        self.void
            .get(index)
            .is_some_and(|word| word.load(Acquire) & (1 << bit) == 0)
    }

    /// Number of valid rows below [`rows`](Self::rows) (a popcount, word at a time).
    ///
    /// # Examples
    ///
    /// See [`Validity`].
    pub fn count_valid(&self) -> u64 {
        let mut void = 0u64;
        let mut row = 0u64;
        for word in self.void {
            if row >= self.rows {
                break;
            }
            let left = self.rows - row;
            let bits = word.load(Acquire);
            let bits = if left < 64 {
                bits & ((1u64 << left) - 1)
            } else {
                bits
            };
            void += u64::from(bits.count_ones());
            row = row.saturating_add(64);
        }
        self.rows - void
    }

    /// The maximal runs of valid rows, in order (each found a word at a time).
    ///
    /// # Examples
    ///
    /// See [`Validity`].
    pub fn runs(&self) -> ValidRuns<'s> {
        ValidRuns {
            void: self.void,
            row: 0,
            end: self.rows,
        }
    }
}

impl fmt::Debug for Validity<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validity")
            .field("rows", &self.rows)
            .field("valid", &self.count_valid())
            .finish()
    }
}

/// Iterator over the runs of valid rows of a [`Validity`], from [`Validity::runs`].
#[derive(Clone, Debug)]
pub struct ValidRuns<'s> {
    void: &'s [AtomicU64],
    /// The next row to look at.
    row: u64,
    /// One past the last row of the view.
    end: u64,
}

impl Iterator for ValidRuns<'_> {
    type Item = Range<u64>;

    fn next(&mut self) -> Option<Range<u64>> {
        let start = next_with(self.void, self.row, self.end, false);
        if start >= self.end {
            self.row = self.end;
            return None;
        }
        let end = next_with(self.void, start, self.end, true);
        self.row = end;
        Some(start..end)
    }
}

impl FusedIterator for ValidRuns<'_> {}

#[cfg(all(test, not(mmarray_loom)))]
mod tests;
