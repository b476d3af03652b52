//! Writing changes back (`msync(2)`), advice to the kernel (`madvise(2)`), closing.

use std::ops::Range;

use mmarray::{Dimension, Element};

use super::Memmap;
use crate::error::{Error, Result};
use crate::fs::raw_err;
use crate::mode::Access;
use crate::raw::Advice;

impl<T: Element, D: Dimension, A: Access> Memmap<T, D, A> {
    /// Whether flushing does anything: the map writes its (still open) file.
    fn flushes(&self) -> bool {
        self.file.is_some()
    }

    /// Writes changes to the file and waits for the disk (`msync(2)` with
    /// `MS_SYNC` over the whole map). A no-op in modes `'r'` and `'c'` and for
    /// anonymous maps. Other processes see writes before any flush; flushing
    /// is about durability.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when `msync` fails (e.g. an I/O error writing back).
    #[doc(alias = "msync")]
    pub fn flush(&self) -> Result<()> {
        if !self.flushes() {
            return Ok(());
        }
        self.map
            .flush(true)
            .map_err(raw_err(self.mode, self.filename()))
    }

    /// Starts writing changes to the file without waiting (`MS_ASYNC`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when `msync` fails.
    #[doc(alias = "msync")]
    pub fn flush_async(&self) -> Result<()> {
        if !self.flushes() {
            return Ok(());
        }
        self.map
            .flush(false)
            .map_err(raw_err(self.mode, self.filename()))
    }

    /// Flushes the elements `range` (positions in memory order, as in
    /// [`as_slice`](Memmap::as_slice)) and waits: only the pages holding them
    /// are written, so flushing a few rows of a huge array costs a few pages.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] when the range is not within `0..len()`;
    /// [`Error::Io`] when `msync` fails.
    #[doc(alias = "msync")]
    pub fn flush_range(&self, range: Range<usize>) -> Result<()> {
        let len = self.len();
        if range.start > range.end || range.end > len {
            return Err(Error::OutOfRange {
                start: range.start,
                end: range.end,
                len,
            });
        }
        if !self.flushes() || range.is_empty() {
            return Ok(());
        }
        let size = core::mem::size_of::<T>();
        self.map
            .flush_range(range.start * size, (range.end - range.start) * size, true)
            .map_err(raw_err(self.mode, self.filename()))
    }

    /// Tells the kernel how the map will be read (`madvise(2)`): e.g.
    /// [`Advice::Random`] for sparse gathers from a huge file, which stops
    /// readahead from pulling in pages nobody reads.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when `madvise` fails.
    #[doc(alias = "madvise")]
    pub fn advise(&self, advice: Advice) -> Result<()> {
        self.map
            .advise(advice)
            .map_err(raw_err(self.mode, self.filename()))
    }

    /// Tells the kernel how the elements `range` (positions in memory order, as in
    /// [`as_slice`](Memmap::as_slice)) will be read (`madvise(2)` over the pages holding
    /// them): e.g. [`Advice::WillNeed`] before reading a slab of a huge file.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Advice, Ix1, Memmap, ReadWrite};
    /// let m: Memmap<u64, Ix1, ReadWrite> = Memmap::anonymous([10_000])?;
    /// m.advise_range(5_000..6_000, Advice::WillNeed)?;
    /// assert!(m.advise_range(9_000..10_001, Advice::Random).is_err());
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] when the range is not within `0..len()`;
    /// [`Error::Io`] when `madvise` fails.
    #[doc(alias = "madvise")]
    pub fn advise_range(&self, range: Range<usize>, advice: Advice) -> Result<()> {
        let len = self.len();
        if range.start > range.end || range.end > len {
            return Err(Error::OutOfRange {
                start: range.start,
                end: range.end,
                len,
            });
        }
        let size = core::mem::size_of::<T>();
        self.map
            .advise_range(range.start * size, (range.end - range.start) * size, advice)
            .map_err(raw_err(self.mode, self.filename()))
    }

    /// Flushes (as [`flush`](Memmap::flush)) and unmaps, reporting a flush
    /// error that dropping would have to ignore. numpy has no such call.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the flush fails; the map is unmapped either way.
    #[doc(alias = "msync")]
    pub fn close(mut self) -> Result<()> {
        let r = self.flush();
        // Flushed: dropping the file tells `drop` not to flush again.
        self.file = None;
        r
    }
}

impl<T, D: Dimension, A: Access> Drop for Memmap<T, D, A> {
    /// Flushes (best effort: errors are ignored; use [`Memmap::close`] to see
    /// them) and unmaps.
    fn drop(&mut self) {
        // As `flushes`: only a map that still holds its file writes it.
        if self.file.is_some() {
            let _ = self.map.flush(true);
        }
    }
}
