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

/// The most bytes [`Memmap::write_many`] writes with one `pwrite(2)` after joining
/// updates across small gaps: ranges are joined to save calls, never into a buffer this
/// large.
const MAX_SPAN: usize = 64 * 1024;

/// The most updates a [`Memmap::write_many`] batch holds on the stack (sorted there, no
/// allocation), as long as they take at most [`SMALL_BATCH_BYTES`]; larger batches and
/// larger elements are collected into a `Vec`.
const SMALL_BATCH: usize = 32;

/// The most bytes of `(position, value)` pairs a batch holds on the stack.
const SMALL_BATCH_BYTES: usize = 1024;

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

    /// `write_many` for a map known to be writable: collects the updates (on the stack for
    /// a small batch of small elements, else in a `Vec`) and writes them.
    fn write_many_impl(&mut self, updates: impl IntoIterator<Item = (usize, T)>) -> Result<()> {
        let mut updates = updates.into_iter();
        if core::mem::size_of::<(usize, T)>() * SMALL_BATCH <= SMALL_BATCH_BYTES {
            let mut small: [(usize, T); SMALL_BATCH] =
                core::array::from_fn(|_| (0, T::new_zeroed()));
            let mut n = 0;
            for slot in &mut small {
                let Some(u) = updates.next() else { break };
                *slot = u;
                n += 1;
            }
            let more = if n == SMALL_BATCH {
                updates.next()
            } else {
                None
            };
            let Some(next) = more else {
                return self.write_batch(&mut small[..n]);
            };
            // Too many for the stack: all of them, in the order given, into a `Vec`.
            let mut all = Vec::with_capacity(SMALL_BATCH + 1 + updates.size_hint().0);
            all.extend(small);
            all.push(next);
            all.extend(updates);
            return self.write_batch(&mut all);
        }
        let mut all: Vec<(usize, T)> = updates.collect();
        self.write_batch(&mut all)
    }

    /// Writes the `updates` (in the order given; sorted here): every position checked
    /// first, then one `pwrite(2)` per range of nearby positions.
    fn write_batch(&mut self, updates: &mut [(usize, T)]) -> Result<()> {
        // Every position is checked before anything is written.
        for &(p, _) in &*updates {
            self.check_range(p, 1)?;
        }
        let size = core::mem::size_of::<T>();
        if updates.is_empty() || size == 0 {
            return Ok(());
        }
        if self.file.is_none() || !self.positional {
            // No file to write (or none that positional writes reach): store, in the order
            // given (a repeated position keeps the last value, as with `write_at` calls one
            // after another).
            let elems = self.elems_mut();
            for (p, v) in &*updates {
                elems[*p].as_mut_bytes().copy_from_slice(v.as_bytes());
            }
            return Ok(());
        }
        // Stable: of equal positions, the one given last stays last. (A small slice is
        // insertion-sorted in place, without allocating.)
        updates.sort_by_key(|u| u.0);
        self.pending.mark_written();
        let (first, last) = (updates[0].0, updates[updates.len() - 1].0);
        let page = crate::raw::page_size() as u64;
        // One range at a time, at most MAX_SPAN bytes: memory stays bounded however many
        // updates there are, and each range is one pwrite.
        let mut staged: Vec<u8> = Vec::new();
        let mut rest = &*updates;
        while let [(start, _), ..] = rest {
            let start = *start;
            // The range start..end and its updates rest[..n]: repeated positions and
            // positions that join it.
            let (mut end, mut n) = (start + 1, 1);
            while let Some(&(p, _)) = rest.get(n) {
                if p >= end && !self.joins(start, end, p, page) {
                    break;
                }
                end = end.max(p + 1);
                n += 1;
            }
            let (range, after) = rest.split_at(n);
            rest = after;
            if end == start + 1 {
                // One position (given once or more: the last one given is last): its bytes
                // are written from the update itself.
                self.write_span(start, range[n - 1].1.as_bytes(), (first, last))?;
                continue;
            }
            // The range's current bytes (those between the updates are written back
            // unchanged), then the updates in order, so that a repeated position keeps
            // the value given last.
            staged.clear();
            staged.extend_from_slice(&self.map.as_bytes()[start * size..end * size]);
            for (p, v) in range {
                let at = (p - start) * size;
                staged[at..at + size].copy_from_slice(v.as_bytes());
            }
            self.write_span(start, &staged, (first, last))?;
        }
        Ok(())
    }

    /// Whether the update at `p` (at least `end`) joins the range `start..end` rather than
    /// starting a new one: the bytes between them lie in pages the range and the update
    /// touch anyway (the page of the range's end, or the next one, holds `p`; `page` is the
    /// page size), and the joined range stays within [`MAX_SPAN`]. The bytes between are
    /// copied from the map and written back unchanged: nothing else writes the mapped range
    /// while the map lives (the file-map contract), so no other update can be lost that way.
    fn joins(&self, start: usize, end: usize, p: usize, page: u64) -> bool {
        let size = core::mem::size_of::<T>();
        let near = self.file_offset(p) / page <= (self.file_offset(end) - 1) / page + 1;
        near && (p + 1 - start) * size <= MAX_SPAN
    }

    /// Writes `bytes` at element position `start` with `pwrite(2)`; `(first, last)` are
    /// the lowest and highest positions of the whole call, for the error.
    fn write_span(&self, start: usize, bytes: &[u8], (first, last): (usize, usize)) -> Result<()> {
        let size = core::mem::size_of::<T>();
        debug_assert_eq!(bytes.len() % size, 0);
        let Some(file) = &self.file else {
            unreachable!("write_many writes only maps that keep their file")
        };
        sys::write_at(file, bytes, self.file_offset(start)).map_err(|(n, errno)| {
            Error::WriteFailed {
                path: self.filename.clone(),
                start: first,
                written_to: start + n / size,
                end: last + 1,
                source: errno.into(),
            }
        })
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
    /// Cost: `k` updates at `k` far-apart places are exactly `k` `pwrite(2)` calls, each
    /// from the value itself, the system calls of `k` hand-written `pwrite`s. A batch of up
    /// to 32 updates of elements up to 24 bytes is sorted on the stack, without allocating.
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

#[cfg(test)]
mod tests;
