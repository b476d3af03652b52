//! Writing elements through the map's file (`pwrite(2)`): updates that dirty only the
//! blocks they change, so that making them durable writes little.
//!
//! # Why not just store through the map
//!
//! A store through a shared mapping marks the page-cache page dirty, and on kernels that
//! cache files in large folios (2 MiB here) the whole folio is dirty: one 4-byte store costs
//! a folio of writeback at the next `msync(2)`. `pwrite(2)` of the same bytes dirties only
//! the blocks it touches. The map still shows the new bytes the moment the call returns:
//! the kernel has one page cache per file, used both by `pwrite` and by every `MAP_SHARED`
//! mapping of the file, so the bytes are written into the very pages the map shows (Linux,
//! the BSDs and macOS all have such a unified cache).
//!
//! # Why this is sound
//!
//! The file-map contract forbids `write(2)` to the mapped range while a slice of it is
//! alive. These methods take `&mut self`, so no view, slice or element reference of this map
//! is alive during the call, and the contract keeps every other writer away; the kernel
//! changes bytes that no Rust reference points at.

use mmarray::zerocopy::IntoBytes;
use mmarray::{Dimension, Element};

use super::Memmap;
use crate::error::{Error, Result};
use crate::mode::{Access, Dynamic, Writable};
use crate::sys;

/// One contiguous file range that [`Memmap::write_many`] writes with one `pwrite(2)`.
#[derive(Debug)]
struct Span {
    /// The first element position it covers.
    first: usize,
    /// One past the last element position it covers.
    end: usize,
    /// Where its bytes start in the staging buffer.
    staged: usize,
}

impl<T: Element, D: Dimension, A: Access> Memmap<T, D, A> {
    /// Checks that `start..start + n` lies in the array; returns its end.
    fn check_range(&self, start: usize, n: usize) -> Result<usize> {
        let len = self.len();
        match start.checked_add(n) {
            Some(end) if end <= len => Ok(end),
            _ => Err(Error::OutOfRange {
                start,
                end: start.saturating_add(n),
                len,
            }),
        }
    }

    /// The file offset of element position `pos` (at most `len()`): the map covers bytes
    /// `offset..offset + nbytes()` of the file, all below `i64::MAX`, so this cannot overflow.
    fn file_offset(&self, pos: usize) -> u64 {
        let bytes = pos.saturating_mul(core::mem::size_of::<T>());
        self.offset.saturating_add(bytes as u64)
    }

    /// `write_at` for a map known to be writable.
    fn write_at_impl(&mut self, start: usize, data: &[T]) -> Result<()> {
        let end = self.check_range(start, data.len())?;
        let size = core::mem::size_of::<T>();
        if data.is_empty() || size == 0 {
            return Ok(());
        }
        if self.file.is_none() || !self.positional {
            // Copy-on-write and anonymous maps have no file to write, and a descriptor in
            // append mode (or a file that is not regular) would not put the bytes under the
            // map: store.
            self.elems_mut()[start..end]
                .as_mut_bytes()
                .copy_from_slice(data.as_bytes());
            return Ok(());
        }
        // Marked before the call: a write that fails part-way has dirtied blocks too.
        self.pending.mark_written();
        let at = self.file_offset(start);
        let Some(file) = &self.file else {
            unreachable!("checked above")
        };
        sys::write_at(file, data.as_bytes(), at).map_err(|(n, errno)| Error::WriteFailed {
            path: self.filename.clone(),
            start,
            written_to: start + n / size,
            end,
            source: errno.into(),
        })
    }

    /// `write_many` for a map known to be writable.
    fn write_many_impl(&mut self, updates: impl IntoIterator<Item = (usize, T)>) -> Result<()> {
        let mut updates: Vec<(usize, T)> = updates.into_iter().collect();
        // Every position is checked before anything is written.
        for &(p, _) in &updates {
            self.check_range(p, 1)?;
        }
        let size = core::mem::size_of::<T>();
        if updates.is_empty() || size == 0 {
            return Ok(());
        }
        if self.file.is_none() || !self.positional {
            // No file to write (or none that positional writes reach): store, in the order given (a repeated position keeps the
            // last value, as with `write_at` calls one after another).
            let elems = self.elems_mut();
            for (p, v) in updates {
                elems[p] = v;
            }
            return Ok(());
        }
        // Stable: of equal positions, the one given last stays last.
        updates.sort_by_key(|u| u.0);
        let (staging, spans) = self.stage(&updates);
        self.pending.mark_written();
        let (first, last) = (updates[0].0, updates[updates.len() - 1].0);
        let Some(file) = &self.file else {
            unreachable!("checked above")
        };
        for (i, span) in spans.iter().enumerate() {
            let stop = spans.get(i + 1).map_or(staging.len(), |s| s.staged);
            let at = self.file_offset(span.first);
            sys::write_at(file, &staging[span.staged..stop], at).map_err(|(n, errno)| {
                Error::WriteFailed {
                    path: self.filename.clone(),
                    start: first,
                    written_to: span.first + n / size,
                    end: last + 1,
                    source: errno.into(),
                }
            })?;
            debug_assert_eq!(stop - span.staged, (span.end - span.first) * size);
        }
        Ok(())
    }

    /// Lays sorted `updates` out as the bytes of as few contiguous file ranges as dirty no
    /// more pages than the updates themselves: adjacent positions share a range, and so do
    /// two runs when the bytes between them lie in pages the runs touch anyway (the page of
    /// the first run's end, or the next one, holds the second run's start). Those bytes are
    /// copied from the map, so writing them back changes nothing. A repeated position keeps
    /// its last value.
    fn stage(&self, updates: &[(usize, T)]) -> (Vec<u8>, Vec<Span>) {
        let size = core::mem::size_of::<T>();
        let page = crate::raw::page_size() as u64;
        let shown = self.map.as_bytes();
        let mut staging: Vec<u8> = Vec::with_capacity(updates.len() * size);
        let mut spans: Vec<Span> = Vec::new();
        for (p, v) in updates {
            let p = *p;
            let bytes = v.as_bytes();
            match spans.last_mut() {
                // A repeated position: the later value replaces the staged one.
                Some(s) if p < s.end => {
                    let at = staging.len() - size;
                    staging[at..].copy_from_slice(bytes);
                }
                Some(s)
                    if self.file_offset(p) / page <= (self.file_offset(s.end) - 1) / page + 1 =>
                {
                    staging.extend_from_slice(&shown[s.end * size..p * size]);
                    staging.extend_from_slice(bytes);
                    s.end = p + 1;
                }
                _ => {
                    spans.push(Span {
                        first: p,
                        end: p + 1,
                        staged: staging.len(),
                    });
                    staging.extend_from_slice(bytes);
                }
            }
        }
        (staging, spans)
    }
}

/// Durable updates that dirty only what they change.
///
/// # When to use which
///
/// - A few scattered elements that must be durable soon (an index, counters, a sparse
///   update of a huge array): [`write_at`](Memmap::write_at) or
///   [`write_many`](Memmap::write_many), then [`flush`](Memmap::flush). Only the file-system
///   blocks holding the changed bytes are written back, and the flush is an `fdatasync(2)`.
/// - Dense or computed updates (filling a region, updating most elements, in-place
///   arithmetic through a view): store through [`view_mut`](Memmap::view_mut) or
///   [`as_mut_slice`](Memmap::as_mut_slice), then [`flush`](Memmap::flush), or
///   [`flush_range`](Memmap::flush_range) over the positions written. Stores cost no system
///   call, but every page-cache page (or large folio, 2 MiB on some kernels) they touch is
///   written back whole.
impl<T: Element, D: Dimension, A: Writable> Memmap<T, D, A> {
    /// Writes `data` at element positions `start..start + data.len()` (memory order, the
    /// positions of [`as_slice`](Memmap::as_slice) and
    /// [`flush_range`](Memmap::flush_range); for `.npy` files, relative to the array's data,
    /// not the file).
    ///
    /// For maps that write their file (`'r+'`, `'w+'`) this is one `pwrite(2)` on the
    /// file (short writes are retried): only the blocks holding the bytes become dirty, and
    /// a following [`flush`](Memmap::flush) is an `fdatasync(2)` that writes just those. The
    /// map shows the new values on return (the page cache is shared). Copy-on-write and
    /// anonymous maps, which have no file to write, store the values instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Ix1, Options};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("a.f32");
    /// let mut m = unsafe { Options::<f32, Ix1>::new().shape([1000]).create(&path) }?;
    /// m.write_at(998, &[1.5, 2.5])?;
    /// assert_eq!(m[[999]], 2.5);
    /// m.flush()?; // fdatasync: one block written back
    /// assert!(m.write_at(999, &[0.0, 0.0]).is_err()); // 999..1001 is past the end
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// A map opened read-only has no `write_at` (the run-time-mode map's returns
    /// [`Error::ReadOnly`]):
    ///
    /// ```compile_fail
    /// # fn f(path: &std::path::Path) -> mmarray_std::Result<()> {
    /// let mut m = unsafe { mmarray_std::open_read::<f32>(path) }?;
    /// m.write_at(0, &[1.0])?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] when `start..start + data.len()` is not within `0..len()`
    /// (nothing is written); [`Error::WriteFailed`] when `pwrite(2)` fails, naming the
    /// positions that were written.
    #[doc(alias = "pwrite")]
    pub fn write_at(&mut self, start: usize, data: &[T]) -> Result<()> {
        self.write_at_impl(start, data)
    }

    /// Writes scattered `(position, value)` updates (positions as in
    /// [`write_at`](Memmap::write_at)), in as few `pwrite(2)` calls as possible: the updates
    /// are sorted by position, adjacent positions are written together, and so are runs
    /// whose gap lies in pages they dirty anyway (the gap's current bytes are written back
    /// unchanged). A position given twice keeps the value given last. Maps without a file
    /// to write store the values.
    ///
    /// `pwritev(2)` would not save calls here: it writes its buffers to one contiguous file
    /// range, so updates at distinct places need one call each either way, and merging runs
    /// into one range already makes one buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Ix1, Options};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("a.u32");
    /// let mut m = unsafe { Options::<u32, Ix1>::new().shape([1 << 20]).create(&path) }?;
    /// m.write_many([(700_000, 7), (3, 1), (4, 2), (3, 5)])?;
    /// assert_eq!((m[[3]], m[[4]], m[[700_000]]), (5, 2, 7));
    /// m.flush()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] when a position is not below `len()` (nothing is written);
    /// [`Error::WriteFailed`] when `pwrite(2)` fails: positions below its `written_to`
    /// (in sorted order) were written, the others were not.
    #[doc(alias = "pwrite")]
    pub fn write_many(&mut self, updates: impl IntoIterator<Item = (usize, T)>) -> Result<()> {
        self.write_many_impl(updates)
    }
}

impl<T: Element, D: Dimension> Memmap<T, D, Dynamic> {
    /// [`write_at`](Memmap::write_at) for a map whose mode is chosen at run time.
    ///
    /// # Errors
    ///
    /// [`Error::ReadOnly`] in mode `'r'`; otherwise as
    /// [`write_at`](Memmap::write_at).
    #[doc(alias = "pwrite")]
    pub fn write_at(&mut self, start: usize, data: &[T]) -> Result<()> {
        if !self.mode.is_writable() {
            return Err(Error::ReadOnly);
        }
        self.write_at_impl(start, data)
    }

    /// [`write_many`](Memmap::write_many) for a map whose mode is chosen at run time.
    ///
    /// # Errors
    ///
    /// [`Error::ReadOnly`] in mode `'r'`; otherwise as
    /// [`write_many`](Memmap::write_many).
    #[doc(alias = "pwrite")]
    pub fn write_many(&mut self, updates: impl IntoIterator<Item = (usize, T)>) -> Result<()> {
        if !self.mode.is_writable() {
            return Err(Error::ReadOnly);
        }
        self.write_many_impl(updates)
    }
}
