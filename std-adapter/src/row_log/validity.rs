//! Which committed rows are data: [`RowLog::validity`], [`RowLog::valid_rows`],
//! [`RowLog::valid_runs`], [`RowLog::count_valid`].
//!
//! A committed row is *void* — not data — when a writer gave it up: a guard abandoned
//! ([`RowsMut::abandon`], or dropped in a panic), a [`Writer`]'s unused chunk end that could
//! not be returned to the log (another claim followed it), rows closed by
//! [`RowLog::force_complete`]. Void rows read as zeros; these calls skip them, so no reader
//! needs a sentinel value of its own. The state is the core's void bitmap
//! ([`mmarray::claim::Validity`]), which a numpy reader can read too (the
//! [file layout](RowLog#file-layout) names its offset).
//!
//! No new `unsafe` here: every slice comes from [`RowLog::committed_rows`]'s path
//! (`rows_below` in `slices.rs`, argued there) with the committed watermark that the
//! [`Validity`] read, and the void bits of rows below a committed watermark never change
//! again while the log is open (the core's "P5": they were set before the rows' completion
//! was published).

use std::ops::Range;

use mmarray::Element;
use mmarray::claim::Validity;

use super::RowLog;
#[cfg(doc)]
use super::{RowsMut, Writer};

impl<T: Element + Send + Sync> RowLog<T> {
    /// Which rows below the committed watermark are valid data: the core's [`Validity`],
    /// built from one `Acquire` read of the watermark ([`Validity::rows`] is the value read).
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<u32>::anonymous(10)?;
    /// log.push(1)?;
    /// log.claim(2)?.abandon(); // rows 1..3: void
    /// log.push(4)?;
    /// let validity = log.validity();
    /// assert_eq!(validity.rows(), 4);
    /// assert!(validity.is_valid(0) && !validity.is_valid(1) && validity.is_valid(3));
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn validity(&self) -> Validity<'_> {
        self.claims.validity()
    }

    /// The committed rows and their validity, from one read of the committed watermark: the
    /// slice is exactly [`Validity::rows`] long.
    ///
    /// [`committed_rows`](Self::committed_rows) followed by [`validity`](Self::validity)
    /// reads the watermark twice, and the second read may be further on; this pair always
    /// agrees.
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<u32>::anonymous(10)?;
    /// log.push(7)?;
    /// log.claim(1)?.abandon();
    /// let (rows, validity) = log.committed_rows_with_validity();
    /// assert_eq!(rows, &[7, 0]);
    /// assert_eq!(validity.runs().collect::<Vec<_>>(), [0..1]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn committed_rows_with_validity(&self) -> (&[T], Validity<'_>) {
        let validity = self.claims.validity();
        // The watermark never exceeds the capacity; `min` keeps a corrupt header (which the
        // contract of file-backed logs rules out) from turning into a panic, as in
        // `committed_rows`.
        let rows = self.rows_below(validity.rows().min(self.claims.capacity()));
        (rows, validity)
    }

    /// The maximal runs of valid rows below the committed watermark (read once), each with
    /// its rows as one slice, in order. Void rows fall between the runs.
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<u32>::anonymous(10)?;
    /// log.push(1)?;
    /// log.push(2)?;
    /// log.claim(3)?.abandon();
    /// log.push(6)?;
    /// let runs: Vec<_> = log.valid_runs().collect();
    /// assert_eq!(runs, [(0..2, &[1, 2][..]), (5..6, &[6][..])]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn valid_runs(&self) -> impl Iterator<Item = (Range<u64>, &[T])> {
        let (rows, validity) = self.committed_rows_with_validity();
        validity.runs().filter_map(move |run| {
            // Runs lie below `validity.rows()`, which the slice covers (capped to the
            // capacity like the slice: a run past it is a corrupt header's, and skipped).
            let start = usize::try_from(run.start).ok()?;
            let end = usize::try_from(run.end).ok()?;
            Some((run, rows.get(start..end)?))
        })
    }

    /// The valid rows below the committed watermark (read once) with their indices, in order:
    /// every committed row except the void ones. Found a bitmap word at a time, so a long
    /// valid stretch costs no per-row check.
    ///
    /// # Examples
    ///
    /// A buffered writer's unused chunk end that could not be given back (another writer
    /// claimed after it) and an abandoned claim are void, and skipped:
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<u32>::anonymous(100)?;
    /// let mut first = log.writer(8); // rows 0..8
    /// first.push(10)?;
    /// let mut second = log.writer(8); // rows 8..16
    /// second.push(20)?;
    /// drop(first); // row 0 committed; 1..8 cannot go back (8..16 follow): void
    /// drop(second); // row 8 committed; 9..16 end at the tail: given back
    /// log.claim(2)?.abandon(); // rows 9..11: void
    /// log.push(30)?; // row 11
    /// assert_eq!(log.committed(), 12);
    /// let valid: Vec<_> = log.valid_rows().collect();
    /// assert_eq!(valid, [(0, &10), (8, &20), (11, &30)]);
    /// assert_eq!(log.count_valid(), 3);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn valid_rows(&self) -> impl Iterator<Item = (u64, &T)> {
        self.valid_runs()
            .flat_map(|(run, rows)| run.zip(rows.iter()))
    }

    /// Where the void bitmap lies in the file: `V` of the [file layout](RowLog#file-layout),
    /// the byte offset the `.npy` header's comment names (`... void bitmap at byte V`). Bit
    /// `r % 64` of the native-endian word at `V + 8 * (r / 64)` is row `r`'s void bit, so on a
    /// little-endian machine numpy's `np.unpackbits(..., bitorder='little')` of the bytes from
    /// `V` is the mask in row order. Meaningless for an anonymous log, which has no file.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("events.npy");
    /// // SAFETY: the file is this example's; only row logs of `u64` use it.
    /// let log = unsafe { RowLog::<u64>::create(&path, 100) }?;
    /// // After the 256-byte header and 800 bytes of rows (rounded up to 4096), the
    /// // 128-byte region header and the done bitmap (2 words).
    /// assert_eq!(log.void_offset(), 4096 + 128 + 16);
    /// let header = std::fs::read(&path)?;
    /// let header = String::from_utf8_lossy(&header[..256]);
    /// assert!(header.contains("; void bitmap at byte 4240"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn void_offset(&self) -> u64 {
        self.layout.void_at() as u64
    }

    /// The number of valid rows below the committed watermark (read once): a popcount of the
    /// void bitmap, a word at a time.
    ///
    /// # Examples
    ///
    /// See [`valid_rows`](Self::valid_rows).
    pub fn count_valid(&self) -> u64 {
        self.claims.validity().count_valid()
    }
}
