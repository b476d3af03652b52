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
}

/// The most bytes [`Memmap::write_many`] stages for one `pwrite(2)`: ranges are joined
/// across small gaps to save calls, never into a buffer this large.
const MAX_SPAN: usize = 64 * 1024;

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
        self.pending.mark_written();
        let (first, last) = (updates[0].0, updates[updates.len() - 1].0);
        // One range at a time, at most MAX_SPAN bytes: memory stays bounded however many
        // updates there are, and each range is one pwrite.
        let mut staged: Vec<u8> = Vec::with_capacity(MAX_SPAN.min(updates.len() * size));
        let mut span: Option<Span> = None;
        for (p, v) in &updates {
            let (p, bytes) = (*p, v.as_bytes());
            match &mut span {
                // A repeated position: the later value replaces the staged one.
                Some(s) if p < s.end => {
                    let at = staged.len() - size;
                    staged[at..].copy_from_slice(bytes);
                }
                Some(s) if self.joins(s, p, staged.len()) => {
                    staged.extend_from_slice(&self.map.as_bytes()[s.end * size..p * size]);
                    staged.extend_from_slice(bytes);
                    s.end = p + 1;
                }
                _ => {
                    if let Some(s) = span.take() {
                        self.write_span(&s, &staged, (first, last))?;
                    }
                    staged.clear();
                    staged.extend_from_slice(bytes);
                    span = Some(Span {
                        first: p,
                        end: p + 1,
                    });
                }
            }
        }
        if let Some(s) = span {
            self.write_span(&s, &staged, (first, last))?;
        }
        Ok(())
    }

    /// Whether the update at `p` joins the range `s` (whose staged bytes number `staged`)
    /// rather than starting a new one: the bytes between them lie in pages the range and
    /// the update touch anyway (the page of the range's end, or the next one, holds `p`),
    /// and the joined range stays within [`MAX_SPAN`]. The bytes between are copied from
    /// the map and written back unchanged: nothing else writes the mapped range while the
    /// map lives (the file-map contract), so no other update can be lost that way.
    fn joins(&self, s: &Span, p: usize, staged: usize) -> bool {
        let size = core::mem::size_of::<T>();
        let page = crate::raw::page_size() as u64;
        let near = self.file_offset(p) / page <= (self.file_offset(s.end) - 1) / page + 1;
        near && staged + (p + 1 - s.end) * size <= MAX_SPAN
    }

    /// Writes the staged bytes of one range with `pwrite(2)`; `(first, last)` are the
    /// lowest and highest positions of the whole call, for the error.
    fn write_span(&self, s: &Span, staged: &[u8], (first, last): (usize, usize)) -> Result<()> {
        let size = core::mem::size_of::<T>();
        debug_assert_eq!(staged.len(), (s.end - s.first) * size);
        let Some(file) = &self.file else {
            unreachable!("write_many writes only maps that keep their file")
        };
        sys::write_at(file, staged, self.file_offset(s.first)).map_err(|(n, errno)| {
            Error::WriteFailed {
                path: self.filename.clone(),
                start: first,
                written_to: s.first + n / size,
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
