//! Supervision and repair of a [`Claims`]: the stalled range at the watermark, completing
//! a dead writer's rows by hand ([`force_complete`](Claims::force_complete)) and rewinding
//! ([`truncate`](Claims::truncate)). The protocol's rules for them are in the
//! [module docs](super) ("Failures", "Recovery").

use super::bitmap::{mark, next_with, unmark};
use super::store::Store;
use super::{Claims, RecoverError, Watermarks};
use crate::sync::Ordering::{AcqRel, Acquire, Relaxed};
use core::ops::Range;

#[cfg(doc)]
use super::{Claim, Mapped};

impl<S: Store> Claims<S> {
    /// The claimed but incomplete rows at the committed watermark, if the watermark is stuck:
    /// `committed..r` where `r` is the first complete row above it (or the tail).
    ///
    /// Runs [`advance_committed`](Self::advance_committed) first, so a watermark left on a
    /// complete row (by a committer that died before advancing it) moves on instead of being
    /// reported as not stalled.
    ///
    /// A snapshot for diagnosis and supervision: the rows of a live writer that has not
    /// committed yet look exactly like those of a dead one, and the range may span several
    /// claims. See "Failures" in the [module docs](super).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(10)?);
    /// let slow = claims.claim(2).expect("room");
    /// claims.claim(3).expect("room").commit();
    /// let _running = claims.claim(1).expect("room");
    /// assert_eq!(claims.stalled(), Some(0..2));
    /// slow.commit();
    /// assert_eq!(claims.stalled(), Some(5..6));
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn stalled(&self) -> Option<Range<u64>> {
        let committed = self.advance_committed();
        let parts = self.parts();
        let tail = parts.tail.load(Relaxed);
        if committed >= tail {
            return None;
        }
        let end = next_with(parts.done, committed, tail, true);
        (end > committed).then_some(committed..end)
    }

    /// Marks `rows` void and complete on behalf of a writer that will never end its claim, and
    /// advances the committed watermark over them; returns the new watermark.
    ///
    /// The rows it completes are *void* (not valid data, like [`Claim::abandon`](super::Claim::abandon)'s: see
    /// "Validity" in the [module docs](super)), so readers that ask for validity skip them.
    /// Before calling, zero-fill the rows: readers that do not ask see their contents as soon as
    /// the watermark passes. `&mut self` proves that no [`Claim`] *of this store* is alive; the caller must
    /// know that no writer still owns any of the rows through another store — another process,
    /// or, for [`Mapped`], another `Mapped` over the same words in this process, which `&mut`
    /// does not cover (see "Failures" in the [module docs](super)). Other processes may keep claiming and committing meanwhile. Rows
    /// already complete are left as they are (and keep their validity).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let mut claims = Claims::new(Inline::<1>::new(10)?);
    /// let lost = claims.claim(2).expect("room");
    /// let lost_rows = lost.rows();
    /// drop(lost); // the writer dies without committing
    /// claims.claim(3).expect("room").commit();
    /// assert_eq!(claims.committed(), 0);
    /// // ... zero-fill rows 0..2 ...
    /// assert_eq!(claims.force_complete(lost_rows), Ok(5));
    /// let validity = claims.validity();
    /// assert_eq!(validity.runs().collect::<Vec<_>>(), [2..5]); // rows 0..2 are void
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`RecoverError::Reversed`] if `rows.start > rows.end`, [`RecoverError::Unclaimed`] if the
    /// range reaches past the claimed rows. Nothing changes then.
    pub fn force_complete(&mut self, rows: Range<u64>) -> Result<u64, RecoverError> {
        let Range { start, end } = rows;
        if start > end {
            return Err(RecoverError::Reversed { start, end });
        }
        let claimed = self.parts().tail.load(Acquire);
        if end > claimed {
            return Err(RecoverError::Unclaimed { end, claimed });
        }
        if start == end {
            // `complete` skips the loop for no rows; a recovery call always runs it.
            return Ok(self.advance_committed());
        }
        // The rows this call completes are zero-filled, not data: void first (Release), then
        // complete, as `abandon` does (P5). Rows already complete keep their validity: those
        // below the watermark (an RMW read: the latest value) and those with a done bit.
        let parts = self.parts();
        let w = parts.committed.fetch_add(0, AcqRel);
        let mut row = start.max(w);
        while row < end {
            let gap = next_with(parts.done, row, end, false);
            let next = next_with(parts.done, gap, end, true);
            mark(parts.void, gap, next);
            row = next;
        }
        Ok(self.complete(start, end))
    }

    /// Cuts the array back to `len` rows: committed watermark and tail become `len`, every
    /// completion bit from `len` on is cleared, and the rows from `len` on will be claimed
    /// again. Returns the rows dropped from the claimed range (`len..old tail`).
    ///
    /// `len` must lie between the durable and the committed watermark: durable rows are never
    /// discarded, and rows that were never completed cannot become committed. Call this only
    /// with no other participant at all: no writer, and no reader calling
    /// [`stalled`](Self::stalled), [`flush`](Self::flush) or
    /// [`advance_committed`](Self::advance_committed) and no joiner either, since those write
    /// `committed` and can carry it back over the bits being cleared (leaving it above the
    /// new tail). `&mut self` covers only this store; the caller vouches for every other store
    /// over the same words — other processes sharing a [`Mapped`] store, and other `Mapped`
    /// stores of this process. Plain readers could see the committed watermark move backwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let mut claims = Claims::new(Inline::<1>::new(10)?);
    /// claims.claim(2).expect("room").commit();
    /// drop(claims.claim(3).expect("room")); // a writer dies holding 2..5
    /// claims.claim(1).expect("room").commit(); // complete, but above the hole
    /// let committed = claims.committed();
    /// assert_eq!(claims.truncate(committed), Ok(2..6));
    /// assert_eq!(claims.claim(4).expect("room again").rows(), 2..6);
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`RecoverError::BelowDurable`], [`RecoverError::AboveCommitted`]; nothing changes then.
    pub fn truncate(&mut self, len: u64) -> Result<Range<u64>, RecoverError> {
        let parts = self.parts();
        let Watermarks { durable, committed } = self.watermarks();
        if len < durable {
            return Err(RecoverError::BelowDurable { len, durable });
        }
        if len > committed {
            return Err(RecoverError::AboveCommitted { len, committed });
        }
        let tail = parts.tail.load(Acquire);
        unmark(parts.done, len, tail);
        // Void bits of rows that will be handed out again: a fresh row is valid (P5).
        unmark(parts.void, len, tail);
        // RMWs, like every other write to `committed` (see "Memory ordering").
        parts.committed.swap(len, AcqRel);
        parts.tail.swap(len, AcqRel);
        Ok(len..tail)
    }
}
