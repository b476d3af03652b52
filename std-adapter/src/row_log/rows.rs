//! [`RowsMut`]: the guard over a claim's rows — commit on drop, zero-fill and abandon when
//! panicking.

use std::ops::{Deref, DerefMut, Range};

use mmarray::Element;
use mmarray::claim::{Claim, Mapped};

#[cfg(doc)]
use super::RowLog;
use super::live::Live;
use super::slices::ClaimedRows;
use super::slots::Lease;

/// Exclusive use of a range of claimed rows: dereferences to `&mut [T]`; committing makes
/// the rows visible (once every row below them is committed too).
///
/// Made by [`RowLog::claim`]. Dropping the guard commits it — unless the thread is
/// panicking, in which case the rows are zero-filled and abandoned, so that a half-written
/// row is never published as data.
#[must_use = "dropping the guard at once commits the rows without writing them"]
pub struct RowsMut<'a, T: Element> {
    /// Exactly the rows of `claim`, as raw parts: references to them exist only while a
    /// `Deref`/`DerefMut` borrow of the guard lasts, so none is alive when the guard
    /// publishes them (see `slices.rs`).
    rows: ClaimedRows<'a, T>,
    /// `None` once committed or abandoned.
    claim: Option<Claim<'a, Mapped<'static>>>,
    /// The log's liveness parts, told when the claim ends (`Live::end_claim`: the entry,
    /// `mine`, a hole).
    log: Live<'a>,
    /// The owner entry the claim was announced in (shared by the parts of a split claim),
    /// and whether its holder keeps it; `None` without owner tracking.
    entry: Option<Lease>,
}

impl<'a, T: Element> RowsMut<'a, T> {
    /// The guard over `claim`'s rows. `rows` must be exactly them: the `unsafe`
    /// [`ClaimedRows::new`] that made `rows` has its caller promise that pairing, so a
    /// guard cannot publish rows that another guard still writes.
    pub(super) fn new(
        rows: ClaimedRows<'a, T>,
        claim: Claim<'a, Mapped<'static>>,
        log: Live<'a>,
        entry: Option<Lease>,
    ) -> Self {
        debug_assert_eq!(
            rows.len() as u64,
            claim.len(),
            "a guard pairs a claim with exactly its rows"
        );
        Self {
            rows,
            claim: Some(claim),
            log,
            entry,
        }
    }

    /// Splits the guard into its first `rows` rows and the rest (capped to its length): two
    /// guards over disjoint rows, each committed on its own.
    pub fn split_at(mut self, rows: usize) -> (RowsMut<'a, T>, RowsMut<'a, T>) {
        let rows = rows.min(self.rows.len());
        let Some(claim) = self.claim.take() else {
            unreachable!("a live guard holds its claim");
        };
        let (a, b) = claim.split_at(rows as u64);
        let (x, y) = self.rows.take().split_at(rows);
        // Both parts share the claim's entry: it goes back once both ended.
        self.log.share_entry(self.entry);
        (
            RowsMut {
                rows: x,
                claim: Some(a),
                log: self.log,
                entry: self.entry,
            },
            RowsMut {
                rows: y,
                claim: Some(b),
                log: self.log,
                entry: self.entry,
            },
        )
    }

    /// Returns the rows to the log if nothing was claimed after them; otherwise the guard
    /// back. Only for rows that were never written: the next claim of them starts from
    /// whatever is in them.
    ///
    /// # Errors
    ///
    /// The guard itself, when rows after it were claimed since.
    pub fn give_back(mut self) -> core::result::Result<(), RowsMut<'a, T>> {
        let Some(claim) = self.claim.take() else {
            return Ok(());
        };
        let rows = claim.rows();
        match claim.give_back() {
            Ok(()) => {
                self.log.end_claim(self.entry, rows, None);
                Ok(())
            }
            Err(claim) => {
                self.claim = Some(claim);
                Err(self)
            }
        }
    }

    /// The indices of the claimed rows in the log.
    ///
    /// # Examples
    ///
    /// See [`RowLog::claim`].
    pub fn rows(&self) -> Range<u64> {
        match &self.claim {
            Some(claim) => claim.rows(),
            None => 0..0,
        }
    }

    /// Commits the rows (write all of them first). Returns the committed watermark as this
    /// call left it.
    ///
    /// # Examples
    ///
    /// See [`RowLog::claim`].
    pub fn commit(mut self) -> u64 {
        // The slice is not used after this point: the token ends, then the guard drops
        // with nothing left to do.
        let Some(claim) = self.claim.take() else {
            return 0;
        };
        let rows = claim.rows();
        let watermark = claim.commit();
        self.log.end_claim(self.entry, rows, Some(watermark))
    }

    /// Gives the rows up: zero-fills them and marks them complete, so the committed
    /// watermark does not stop at them. Readers see rows of zeros. Returns the committed
    /// watermark as this call left it.
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<u32>::anonymous(3)?;
    /// let mut failed = log.claim(2)?;
    /// failed[0] = 99; // half-written
    /// assert_eq!(failed.abandon(), 2);
    /// log.push(5)?;
    /// assert_eq!(log.committed_rows(), &[0, 0, 5]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn abandon(mut self) -> u64 {
        // Raw writes, over before the token publishes the rows.
        self.rows.zero();
        let Some(claim) = self.claim.take() else {
            return 0;
        };
        let rows = claim.rows();
        let watermark = claim.abandon();
        self.log.end_claim(self.entry, rows, Some(watermark))
    }
}

impl<T: Element> Deref for RowsMut<'_, T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        self.rows.as_slice()
    }
}

impl<T: Element> DerefMut for RowsMut<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        self.rows.as_mut_slice()
    }
}

impl<T: Element> Drop for RowsMut<'_, T> {
    fn drop(&mut self) {
        let Some(claim) = self.claim.take() else {
            return;
        };
        let rows = claim.rows();
        let watermark = if std::thread::panicking() {
            // The rows may be half-written: publish zeros instead.
            self.rows.zero();
            claim.abandon()
        } else {
            claim.commit()
        };
        self.log.end_claim(self.entry, rows, Some(watermark));
    }
}

impl<T: Element> std::fmt::Debug for RowsMut<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowsMut")
            .field("claim", &self.claim)
            .finish_non_exhaustive()
    }
}

/// Compile-time check: the guard is `Send`/`Sync` exactly as the `&mut [T]` it stands for
/// (and as it was when it held one): for every row type that is `Send` (`Sync`).
const _: () = {
    const fn send<X: Send>() {}
    const fn sync<X: Sync>() {}
    const fn send_if_rows_are<'a, T: Element + Send + 'a>() {
        send::<RowsMut<'a, T>>();
    }
    const fn sync_if_rows_are<'a, T: Element + Sync + 'a>() {
        sync::<RowsMut<'a, T>>();
    }
    send_if_rows_are::<[u64; 2]>();
    sync_if_rows_are::<[u64; 2]>();
};
