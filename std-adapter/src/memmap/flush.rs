//! Writing changes back (`msync(2)`, `fdatasync(2)`), advice to the kernel (`madvise(2)`),
//! closing, and the record of what is pending that lets a clean map drop for free.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use mmarray::{Dimension, Element};

use super::Memmap;
use crate::error::{Error, Result};
use crate::fs::{errno, raw_err};
use crate::mode::{Access, Writable};
use crate::raw::Advice;
use crate::sys;

/// What a map has changed since it was last flushed in full.
///
/// Marking takes `&mut` (every change of the bytes does), so it costs no atomic operation;
/// [`Memmap::flush`] clears through `&self`, hence the atomics. No ordering is needed: a
/// flag set under `&mut` is seen by any thread that later gets `&self`, through whatever
/// handed the reference over.
#[derive(Debug, Default)]
pub(super) struct Pending {
    /// Mutable access to the mapped memory was handed out (`view_mut`, `as_mut_slice`,
    /// `IndexMut`, `append`, ...): its pages may be dirty, and only `msync(2)` finds them.
    stored: AtomicBool,
    /// The file was changed other than through the map — bytes written through it
    /// (`write_at`, `write_many`, `append`'s rows, a `.npy` header), or created, emptied or
    /// extended (opening, `grow`): `fdatasync(2)` makes that durable.
    written: AtomicBool,
}

impl Pending {
    /// Notes that mutable access to the memory was handed out.
    #[inline]
    pub(super) fn mark_stored(&mut self) {
        *self.stored.get_mut() = true;
    }

    /// [`mark_stored`](Self::mark_stored) through a shared reference, for a call that
    /// dirties pages without handing out mutable access (`populate_write`).
    #[cfg_attr(
        not(target_os = "linux"),
        allow(dead_code, reason = "populate_write is Linux-only")
    )]
    fn mark_stored_shared(&self) {
        self.stored.store(true, Ordering::Relaxed);
    }

    /// Notes that bytes were written through the file.
    #[inline]
    pub(super) fn mark_written(&mut self) {
        *self.written.get_mut() = true;
    }

    /// Moves the record out (for a map changing its type), leaving a clean one.
    pub(super) fn take(&mut self) -> Pending {
        std::mem::take(self)
    }

    /// `(stored, written)`.
    fn get(&self) -> (bool, bool) {
        (
            self.stored.load(Ordering::Relaxed),
            self.written.load(Ordering::Relaxed),
        )
    }

    /// Forgets everything after a successful full flush.
    fn clear(&self) {
        self.stored.store(false, Ordering::Relaxed);
        self.written.store(false, Ordering::Relaxed);
    }
}

impl<T, D: Dimension, A: Access> Memmap<T, D, A> {
    /// Makes this map's changes durable and forgets them: `msync(2)` when stores are
    /// pending (or when `always`, for an explicit [`flush`](Memmap::flush) of a clean map,
    /// which syncs as it always did), `fdatasync(2)` when only writes through the file are.
    /// Does nothing for maps that do not write a file.
    fn sync_pending(&self, always: bool) -> Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let path = self.filename.as_deref();
        let (stored, written) = self.pending.get();
        if stored || (always && !written) {
            self.map.flush(true).map_err(raw_err(self.mode, path))?;
        }
        // Not skipped after an msync: writes through the file may lie outside the mapped
        // range (a `.npy` header, the file's new length), which only fdatasync covers.
        if written {
            sys::sync_data(file).map_err(errno("fdatasync(2)", path))?;
        }
        self.pending.clear();
        Ok(())
    }

    /// Whether this map has changes that flushing would make durable.
    fn has_pending(&self) -> bool {
        let (stored, written) = self.pending.get();
        self.file.is_some() && (stored || written)
    }
}

impl<T: Element, D: Dimension, A: Access> Memmap<T, D, A> {
    /// Whether flushing does anything: the map writes its (still open) file.
    fn flushes(&self) -> bool {
        self.file.is_some()
    }

    /// Writes changes to the file and waits for the disk. A no-op in modes
    /// `'r'` and `'c'` and for anonymous maps. Other processes see writes
    /// before any flush; flushing is about durability.
    ///
    /// After mutable access to the memory (views, slices, indexing) this is
    /// `msync(2)` with `MS_SYNC` over the whole map; when the only changes since
    /// the last flush came through [`write_at`](Memmap::write_at) or
    /// [`write_many`](Memmap::write_many), it is `fdatasync(2)`, which writes
    /// just the blocks those calls dirtied.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when `msync` or `fdatasync` fails (e.g. an I/O error
    /// writing back).
    #[doc(alias = "msync", alias = "fdatasync")]
    pub fn flush(&self) -> Result<()> {
        self.sync_pending(true)
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
        let (start, len) = self.byte_span(&range)?;
        if !self.flushes() || len == 0 {
            return Ok(());
        }
        self.map
            .flush_range(start, len, true)
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
        let (start, len) = self.byte_span(&range)?;
        self.map
            .advise_range(start, len, advice)
            .map_err(raw_err(self.mode, self.filename()))
    }

    /// The bytes (start, length) of the elements `range`, positions in memory order, or
    /// [`Error::OutOfRange`] when the range is not within `0..len()`. Cannot overflow: the
    /// map holds `len() * size_of::<T>()` bytes.
    fn byte_span(&self, range: &Range<usize>) -> Result<(usize, usize)> {
        let len = self.len();
        if range.start > range.end || range.end > len {
            return Err(Error::OutOfRange {
                start: range.start,
                end: range.end,
                len,
            });
        }
        let size = core::mem::size_of::<T>();
        Ok((range.start * size, (range.end - range.start) * size))
    }

    /// Reads every page of the map in now and maps it (`madvise(2)` with
    /// `MADV_POPULATE_READ`, Linux 5.14+), so a following scan takes no page
    /// fault. The contents do not change.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Ix1, Memmap, ReadWrite};
    /// let m: Memmap<u8, Ix1, ReadWrite> = Memmap::anonymous([1 << 16])?;
    /// match m.populate_read() {
    ///     Ok(()) | Err(mmarray_std::Error::Unsupported { .. }) => {}
    ///     Err(e) => return Err(e),
    /// }
    /// assert!(m.as_slice().iter().all(|&b| b == 0));
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] on kernels before 5.14 and on other platforms; [`Error::Io`] when
    /// `madvise` fails otherwise (e.g. `EFAULT` when a page cannot be read).
    #[doc(alias = "madvise", alias = "MADV_POPULATE_READ")]
    pub fn populate_read(&self) -> Result<()> {
        self.populate(false)
    }

    /// Faults every page in for reading or, when `write`, for writing (`madvise(2)` with
    /// `MADV_POPULATE_READ`/`WRITE`); a write populate is recorded as a change first (a call
    /// that fails part-way has dirtied pages too). `EINVAL` from a map writable enough for
    /// the advice means the kernel does not know it; other platforms have no such advice.
    fn populate(&self, write: bool) -> Result<()> {
        let feature = if write {
            "madvise(2) MADV_POPULATE_WRITE"
        } else {
            "madvise(2) MADV_POPULATE_READ"
        };
        #[cfg(not(target_os = "linux"))]
        return Err(Error::Unsupported {
            feature,
            since: "Linux 5.14; this platform has no such advice",
        });
        #[cfg(target_os = "linux")]
        {
            let how = if write {
                self.pending.mark_stored_shared();
                crate::raw::Populate::Write
            } else {
                crate::raw::Populate::Read
            };
            self.map.populate(how).map_err(|e| match e {
                crate::raw::Error::Sys {
                    errno: sys::Errno::INVAL,
                    ..
                } => Error::Unsupported {
                    feature,
                    since: "Linux 5.14",
                },
                e => raw_err(self.mode, self.filename())(e),
            })
        }
    }

    /// Flushes (as [`flush`](Memmap::flush)) if this map changed anything since
    /// its last flush, and unmaps, reporting a flush error that dropping would
    /// have to ignore. A map that never handed out mutable access nor wrote
    /// closes without a system call beyond `munmap`. numpy has no such call.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the flush fails; the map is unmapped either way.
    #[doc(alias = "msync")]
    pub fn close(mut self) -> Result<()> {
        let r = self.sync_pending(false);
        // Flushed: dropping the file tells `drop` not to flush again.
        self.file = None;
        r
    }
}

impl<T: Element, D: Dimension, A: Writable> Memmap<T, D, A> {
    /// Faults every page of the map in for writing now (`madvise(2)` with
    /// `MADV_POPULATE_WRITE`, Linux 5.14+), so later stores take no page fault:
    /// a copy-on-write map gets its private copies, a shared one its writable
    /// page-table entries. The contents do not change.
    ///
    /// On a map that writes its file (`'r+'`, `'w+'`) this marks **every** page dirty in
    /// the kernel, as a write fault does: the next writeback (a [`flush`](Memmap::flush),
    /// or the kernel's own) writes the whole mapped range, and holes of a sparse file get
    /// their blocks allocated. Use it before rewriting most of the array; for scattered
    /// updates prefer [`write_at`](Memmap::write_at), and for reading
    /// [`populate_read`](Memmap::populate_read). The map itself records the call as a
    /// change, so a drop or close makes it durable.
    ///
    /// # Errors
    ///
    /// As [`populate_read`](Memmap::populate_read).
    #[doc(alias = "madvise", alias = "MADV_POPULATE_WRITE")]
    pub fn populate_write(&self) -> Result<()> {
        self.populate(true)
    }
}

impl<T: Element, D: Dimension> Memmap<T, D, crate::mode::Dynamic> {
    /// [`populate_write`](Memmap::populate_write) for a mode chosen at run time.
    ///
    /// # Errors
    ///
    /// [`Error::ReadOnly`] in mode `'r'`; otherwise as
    /// [`populate_write`](Memmap::populate_write).
    #[doc(alias = "madvise", alias = "MADV_POPULATE_WRITE")]
    pub fn try_populate_write(&self) -> Result<()> {
        if !self.mode.is_writable() {
            return Err(Error::ReadOnly);
        }
        self.populate(true)
    }
}

impl<T, D: Dimension, A: Access> Drop for Memmap<T, D, A> {
    /// Flushes if this map changed anything since its last flush (best effort:
    /// errors are ignored; use [`Memmap::close`] to see them) and unmaps. A map
    /// that was only read drops without flushing.
    fn drop(&mut self) {
        if self.has_pending() {
            let _ = self.sync_pending(false);
        }
    }
}

#[cfg(test)]
mod tests;
