//! One owned memory mapping, and the byte region of it that was asked for.
//!
//! [`RawMap`] is the only type of the crate that turns mapped memory into slices. It maps a
//! file region (or anonymous memory) through the OS layer, rounds the file offset down to a
//! page boundary as `mmap(2)` requires, and exposes exactly the requested bytes.
//!
//! # Invariants of [`RawMap`]
//!
//! Every constructor and every `&mut self` method establishes them; every `unsafe` block
//! of this module relies on them.
//!
//! 1. `map_len == 0` if and only if the map owns no mapping; then the region is empty
//!    (`len == 0`) and `base` is dangling. No `mmap` is ever made for an empty region.
//! 2. Otherwise `[base, base + map_len)` is one whole mapping made by the OS layer, owned by
//!    this value alone, readable, and writable if and only if `access.is_writable()`.
//! 3. `map_len == head + len` and `map_len <= isize::MAX` when a mapping exists; `head` is
//!    less than the page size and is `0` for anonymous maps.
//! 4. For a file map, the region is bytes `[map_offset + head, map_offset + head + len)` of
//!    the file with identity `id`; when mapped (and when remapped) it ended inside a regular
//!    file.
#![allow(
    unsafe_code,
    reason = "the one type that turns mapped memory into slices; each unsafe block is argued from the invariants above"
)]

use core::num::NonZeroUsize;
use core::ptr::NonNull;
use core::slice;

use rustix::fd::{AsFd, BorrowedFd};
use rustix::io::Errno;

#[cfg(target_os = "linux")]
#[cfg(target_os = "linux")]
pub(crate) use crate::sys::Populate;
use crate::sys::{self, FileId, FileStat};
pub(crate) use crate::sys::{Access, Advice};

mod error;
mod parts;
pub(crate) use error::Error;
/// The largest file offset the OS accepts (`off_t` is a signed 64-bit integer).
const OFFSET_MAX: u64 = i64::MAX.unsigned_abs();

/// The largest mapping, in bytes, that may back a slice (`isize::MAX`).
const MAP_MAX: usize = isize::MAX.unsigned_abs();

/// The size of a memory page in bytes, the granularity of mappings, flushes and advice.
///
/// Always a power of two (4096 on most systems).
#[must_use]
pub(crate) fn page_size() -> usize {
    sys::page_size()
}

/// A non-null, dangling pointer aligned to the page size (a power of two), standing for
/// an empty region: `NonNull::<u8>::dangling()` is address 1, which no element type with
/// an alignment above 1 accepts, even for an empty slice.
fn empty_region() -> NonNull<u8> {
    NonNull::new(core::ptr::without_provenance_mut(sys::page_size())).unwrap_or(NonNull::dangling())
}

/// Wraps the errno of `call` into an [`Error`].
fn sys_error(call: &'static str) -> impl Fn(Errno) -> Error {
    move |errno| Error::Sys { call, errno }
}

/// Where a region lies in a mapping, and where the mapping lies in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    /// The file offset the mapping starts at: the region's offset rounded down to a page.
    map_offset: u64,
    /// The region's offset inside the mapping (less than a page).
    head: usize,
    /// The mapping's length in bytes: `head + len`, or 0 if the region is empty.
    map_len: usize,
}

/// Plans the mapping of a region of `len` bytes at file offset `offset`.
///
/// Establishes, or fails with [`Error::Overflow`]:
/// 1. `map_offset` is `offset` rounded down to a multiple of `page`, and `head` is the
///    difference (less than `page`);
/// 2. `offset + len <= i64::MAX` (the largest `off_t`);
/// 3. `head + len <= isize::MAX`; `map_len` is that sum, or 0 if `len == 0`.
///
/// `page` must be non-zero (it is a page size).
fn span(offset: u64, len: usize, page: usize) -> Result<Span, Error> {
    let overflow = Error::Overflow { offset, len };
    let page = u64::try_from(page).map_err(|_| overflow)?;
    let head = offset.checked_rem(page).ok_or(overflow)?;
    let end = u64::try_from(len)
        .ok()
        .and_then(|len| offset.checked_add(len))
        .ok_or(overflow)?;
    if end > OFFSET_MAX {
        return Err(overflow);
    }
    let map_offset = offset.checked_sub(head).ok_or(overflow)?;
    let head = usize::try_from(head).map_err(|_| overflow)?;
    let total = head.checked_add(len).ok_or(overflow)?;
    if total > MAP_MAX {
        return Err(overflow);
    }
    Ok(Span {
        map_offset,
        head,
        map_len: if len == 0 { 0 } else { total },
    })
}

/// Checks that a region of `len` bytes at file offset `offset` ends inside the file, if the
/// file is a regular file (other files, such as devices, report no usable length).
fn check_inside(offset: u64, len: usize, st: &FileStat) -> Result<(), Error> {
    let end = u64::try_from(len)
        .ok()
        .and_then(|len| offset.checked_add(len))
        .ok_or(Error::Overflow { offset, len })?;
    if st.is_regular && end > st.len {
        return Err(Error::PastEnd {
            end,
            file_len: st.len,
        });
    }
    Ok(())
}

/// The page-aligned part of a mapping to pass to `msync(2)`/`madvise(2)` for region bytes
/// `[start, start + len)`, as (offset from the mapping's base, length).
///
/// The start is rounded down to a page boundary; the end is exact (the kernel rounds it up
/// to a page). `Ok(None)` means the range is empty and there is nothing to do.
fn page_span(
    head: usize,
    region_len: usize,
    start: usize,
    len: usize,
    page: usize,
) -> Result<Option<(usize, usize)>, Error> {
    let out_of_range = Error::OutOfRange {
        start,
        len,
        region_len,
    };
    let end = start.checked_add(len).ok_or(out_of_range)?;
    if end > region_len {
        return Err(out_of_range);
    }
    if len == 0 {
        return Ok(None);
    }
    let first = head.checked_add(start).ok_or(out_of_range)?;
    let aligned = first
        .checked_sub(first.checked_rem(page).ok_or(out_of_range)?)
        .ok_or(out_of_range)?;
    let last = head.checked_add(end).ok_or(out_of_range)?;
    Ok(Some((
        aligned,
        last.checked_sub(aligned).ok_or(out_of_range)?,
    )))
}

/// What a map was made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Anonymous, zero-filled private memory.
    Anonymous,
    /// A file region.
    File {
        /// The file offset of the mapping's first byte (a multiple of the page size).
        map_offset: u64,
        /// The file's identity, to recognise it again in [`RawMap::remap`].
        id: FileId,
    },
}

/// One owned memory mapping and the byte region of it that was asked for.
///
/// A map is made from a file region ([`RawMap::map_file`], `unsafe`) or from anonymous
/// memory ([`RawMap::anonymous`], safe). It hands out the region as `&[u8]`, as `&mut [u8]`
/// when its [`Access`] is writable, or as unchecked slices of parts of it; it flushes ([`RawMap::flush`]),
/// advises ([`RawMap::advise`]) and grows ([`RawMap::remap`]); dropping it unmaps.
///
/// An empty region owns no mapping at all: `mmap(2)` cannot map zero bytes.
#[derive(Debug)]
pub(crate) struct RawMap {
    /// The mapping's first byte (page-aligned), or dangling when nothing is mapped.
    base: NonNull<u8>,
    /// The mapping's length in bytes; 0 when nothing is mapped.
    map_len: usize,
    /// The region's offset inside the mapping.
    head: usize,
    /// The region's length in bytes.
    len: usize,
    /// How the mapping may be accessed.
    access: Access,
    /// What the mapping was made from.
    origin: Origin,
}

// SAFETY: a `RawMap` owns plain memory (invariant 2) that is tied to no thread: it may be
// read, written (given `&mut`), flushed and unmapped from any thread, so moving the owner
// to another thread is sound.
unsafe impl Send for RawMap {}

// SAFETY: through `&RawMap` the safe API only reads the region (`as_bytes`), makes
// syscalls that do not change the bytes (`msync`, non-destructive `madvise`), or returns
// unchecked slices (`slice_unchecked`, `slice_mut_unchecked`), which need `unsafe` code to
// use and whose callers promise that no two accesses conflict. Every change
// of the bytes or the mapping made by the safe API takes `&mut self`, which is exclusive.
unsafe impl Sync for RawMap {}

impl RawMap {
    /// Maps `len` bytes of `file` starting at byte `offset`.
    ///
    /// `offset` may be any byte offset: the mapping starts at `offset` rounded down to a
    /// multiple of [`page_size`], and the region starts the difference into it. A region of
    /// zero bytes makes no mapping (the file is still checked). The map keeps the file
    /// mapped by itself; `file` may be closed afterwards.
    ///
    /// The file must be open for reading, and for writing too if `access` is
    /// [`Access::ReadWrite`].
    ///
    /// # Errors
    ///
    /// - [`Error::Overflow`] if `offset + len` passes `i64::MAX` or the mapping would pass
    ///   `isize::MAX` bytes;
    /// - [`Error::PastEnd`] if `file` is a regular file shorter than `offset + len` (extend
    ///   it first);
    /// - [`Error::Sys`] if `fstat(2)` or `mmap(2)` fails, e.g. with `EACCES` when the file is
    ///   not open for the access asked.
    ///
    /// # Safety
    ///
    /// A mapping shows the file's bytes as they are now, not a copy, so the caller promises
    /// for as long as the returned map is alive (including after [`RawMap::remap`]):
    ///
    /// 1. While a slice from [`RawMap::as_bytes`] or [`RawMap::as_bytes_mut`] is alive, the
    ///    bytes it covers change only through that slice: not through another mapping of
    ///    the file (in this process or another), not by `write(2)` to the file, not by any
    ///    other process. This holds for [`Access::CopyOnWrite`] too, whose pages may still
    ///    show changes of the file until they are first written.
    /// 2. The file is not truncated below the end of the region: touching a mapped page past
    ///    the end of a file raises `SIGBUS`.
    /// 3. If `file` is not a regular file (a device, say), its length cannot be checked, so
    ///    every byte of the region must be backed by it.
    pub(crate) unsafe fn map_file<F: AsFd>(
        file: F,
        offset: u64,
        len: usize,
        access: Access,
    ) -> Result<Self, Error> {
        let file = file.as_fd();
        let st = sys::stat(file).map_err(sys_error("fstat(2)"))?;
        // SAFETY: the caller upholds this function's contract, which is the same;
        // `st` was just read from `file`.
        unsafe { Self::map_file_with_stat(file, offset, len, access, &st, false) }
    }

    /// [`RawMap::map_file`] for a caller that has just `fstat`ed the file:
    /// saves the second `fstat(2)` on the open path. `populate` reads every page in and
    /// maps it before returning (`MAP_POPULATE`, Linux).
    ///
    /// # Safety
    ///
    /// The contract of [`RawMap::map_file`], and `st` is `file`'s current status.
    pub(crate) unsafe fn map_file_with_stat(
        file: BorrowedFd<'_>,
        offset: u64,
        len: usize,
        access: Access,
        st: &FileStat,
        populate: bool,
    ) -> Result<Self, Error> {
        let span = span(offset, len, sys::page_size())?;
        check_inside(offset, len, st)?;
        let origin = Origin::File {
            map_offset: span.map_offset,
            id: st.id,
        };
        let (base, map_len) = match NonZeroUsize::new(span.map_len) {
            None => (NonNull::dangling(), 0),
            Some(map_len) => (
                sys::map_file(file, span.map_offset, map_len, access, populate)
                    .map_err(sys_error("mmap(2)"))?,
                map_len.get(),
            ),
        };
        Ok(Self {
            base,
            map_len,
            head: span.head,
            len,
            access,
            origin,
        })
    }

    /// A map of zero bytes: owns no mapping, makes no system call (invariant 1).
    pub(crate) fn empty() -> Self {
        Self {
            base: NonNull::dangling(),
            map_len: 0,
            head: 0,
            len: 0,
            access: Access::CopyOnWrite,
            origin: Origin::Anonymous,
        }
    }

    /// Maps `len` bytes of zero-filled, private, writable memory.
    ///
    /// Safe because no file and no other process can reach the memory. A region of zero
    /// bytes makes no mapping. The access is [`Access::CopyOnWrite`]: writable, and private
    /// to this map.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if `len` passes `isize::MAX`; [`Error::Sys`] if `mmap(2)` fails,
    /// e.g. with `ENOMEM`.
    pub(crate) fn anonymous(len: usize) -> Result<Self, Error> {
        let span = span(0, len, sys::page_size())?;
        let (base, map_len) = match NonZeroUsize::new(span.map_len) {
            None => (NonNull::dangling(), 0),
            Some(map_len) => (
                sys::map_anonymous(map_len).map_err(sys_error("mmap(2)"))?,
                map_len.get(),
            ),
        };
        Ok(Self {
            base,
            map_len,
            head: 0,
            len,
            access: Access::CopyOnWrite,
            origin: Origin::Anonymous,
        })
    }

    /// The region's length in bytes.
    #[must_use]
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the region is empty (and so nothing is mapped).
    #[must_use]
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How the map may be accessed.
    #[must_use]
    pub(crate) fn access(&self) -> Access {
        self.access
    }

    /// The region's first byte; when the region is empty, a dangling pointer aligned to a
    /// page, so that an empty region casts to an empty slice of any element type whose
    /// alignment is at most a page (as a mapped region at an aligned offset does).
    #[inline]
    fn region(&self) -> NonNull<u8> {
        if self.map_len == 0 {
            return empty_region();
        }
        // SAFETY: a mapping exists, so `head < head + len == map_len` (invariants 1 and 3,
        // `len > 0` by invariant 1): `base + head` lies inside the mapping, one allocation,
        // and `head <= isize::MAX`.
        unsafe { self.base.add(self.head) }
    }

    /// The region as bytes.
    #[must_use]
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        // SAFETY: `from_raw_parts(region, len)` needs:
        // - non-null and aligned: `region` is a `NonNull<u8>`, and `u8` has alignment 1;
        // - valid for reads of `len` bytes within one allocation: for `len == 0` any such
        //   pointer is; otherwise `[region, region + len) == [base + head, base + map_len)`
        //   is inside the one readable mapping this map owns (invariants 2 and 3);
        // - initialised: mapped file pages and anonymous pages hold initialised bytes (the
        //   kernel zero-fills anything past the end of a file within its last page);
        // - `len <= isize::MAX`: invariant 3;
        // - not mutated while the slice lives: this map changes the bytes only through
        //   `&mut self`, which the borrow of `self` excludes; callers of
        //   `slice_mut_unchecked` promise in their own `unsafe` code not to overlap live
        //   slices;
        //   other writers of a file are excluded by the contract of `map_file`, and nothing
        //   else can reach anonymous memory; truncation (SIGBUS) is excluded by `map_file`.
        unsafe { slice::from_raw_parts(self.region().as_ptr(), self.len) }
    }

    /// The region as mutable bytes, or `None` if the map is [`Access::ReadOnly`].
    ///
    /// With [`Access::ReadWrite`] the writes reach the file (see [`RawMap::flush`] for
    /// when they are durable); with [`Access::CopyOnWrite`] they stay in this map.
    #[must_use]
    #[inline]
    pub(crate) fn as_bytes_mut(&mut self) -> Option<&mut [u8]> {
        if !self.access.is_writable() {
            return None;
        }
        // SAFETY: `from_raw_parts_mut(region, len)` needs what `as_bytes` argues (non-null,
        // aligned, inside one mapping, initialised, `len <= isize::MAX`), plus:
        // - valid for writes: the access is writable, so the mapping has `PROT_WRITE`
        //   (invariant 2);
        // - no other access while the slice lives: `&mut self` excludes every other borrow
        //   of this map, raw-pointer users promise not to overlap live slices, and other
        //   writers and readers of a file are excluded by the contract of `map_file`.
        Some(unsafe { slice::from_raw_parts_mut(self.region().as_ptr(), self.len) })
    }

    /// Writes the whole map's changes back to the file (`msync(2)`).
    ///
    /// `sync = true` waits until the data is written (`MS_SYNC`); `false` only schedules
    /// the write (`MS_ASYNC`). Changes are visible to other readers of the file at once
    /// either way; flushing is about durability. A no-op for empty regions, and in effect
    /// for read-only, copy-on-write and anonymous maps.
    ///
    /// # Errors
    ///
    /// [`Error::Sys`] if `msync(2)` fails, e.g. with `EIO` when writing back failed.
    pub(crate) fn flush(&self, sync: bool) -> Result<(), Error> {
        if self.map_len == 0 {
            return Ok(());
        }
        sys::sync(self.base.as_ptr(), self.map_len, sync).map_err(sys_error("msync(2)"))
    }

    /// Writes back the changes of region bytes `[start, start + len)` (`msync(2)`).
    ///
    /// The range is widened outwards to whole pages, so neighbouring bytes may be written
    /// back too. An empty range does nothing. `sync` is as in [`RawMap::flush`].
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] if the range does not lie inside the region; [`Error::Sys`] if
    /// `msync(2)` fails.
    pub(crate) fn flush_range(&self, start: usize, len: usize, sync: bool) -> Result<(), Error> {
        match page_span(self.head, self.len, start, len, sys::page_size())? {
            None => Ok(()),
            Some((offset, span)) => sys::sync(self.base.as_ptr().wrapping_add(offset), span, sync)
                .map_err(sys_error("msync(2)")),
        }
    }

    /// Tells the kernel how the whole map will be accessed (`madvise(2)`).
    ///
    /// A hint only: it never changes the bytes. A no-op for empty regions.
    ///
    /// # Errors
    ///
    /// [`Error::Sys`] if `madvise(2)` fails.
    pub(crate) fn advise(&self, advice: Advice) -> Result<(), Error> {
        if self.map_len == 0 {
            return Ok(());
        }
        sys::advise(self.base.as_ptr(), self.map_len, advice).map_err(sys_error("madvise(2)"))
    }

    /// Tells the kernel how region bytes `[start, start + len)` will be accessed
    /// (`madvise(2)`), widened outwards to whole pages. An empty range does nothing.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] if the range does not lie inside the region; [`Error::Sys`] if
    /// `madvise(2)` fails.
    pub(crate) fn advise_range(
        &self,
        start: usize,
        len: usize,
        advice: Advice,
    ) -> Result<(), Error> {
        self.madvise_pages(start, len, |addr, span| sys::advise(addr, span, advice))
    }

    /// Runs an `madvise(2)` wrapper on the whole pages of region bytes
    /// `[start, start + len)`; nothing for an empty range.
    fn madvise_pages(
        &self,
        start: usize,
        len: usize,
        call: impl FnOnce(*mut u8, usize) -> rustix::io::Result<()>,
    ) -> Result<(), Error> {
        match page_span(self.head, self.len, start, len, sys::page_size())? {
            None => Ok(()),
            Some((offset, span)) => {
                call(self.base.as_ptr().wrapping_add(offset), span).map_err(sys_error("madvise(2)"))
            }
        }
    }

    /// Faults in every page of the map now (`madvise(2)` with `MADV_POPULATE_READ` or
    /// `MADV_POPULATE_WRITE`; Linux 5.14+). The bytes do not change. A no-op for empty
    /// regions.
    ///
    /// # Errors
    ///
    /// [`Error::Sys`] if `madvise(2)` fails; `EINVAL` when the kernel does not know the
    /// advice (or, for [`Populate::Write`], when the map is read-only).
    #[cfg(target_os = "linux")]
    pub(crate) fn populate(&self, how: Populate) -> Result<(), Error> {
        if self.map_len == 0 {
            return Ok(());
        }
        sys::populate(self.base.as_ptr(), self.map_len, how).map_err(sys_error("madvise(2)"))
    }

    /// Faults in the pages of the region's bytes `start..start + len` now (as
    /// [`populate`](Self::populate) does for the whole map); the bytes do not change.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] if the range is not inside the region, [`Error::Sys`] as for
    /// [`populate`](Self::populate).
    #[cfg(target_os = "linux")]
    pub(crate) fn populate_range(
        &self,
        start: usize,
        len: usize,
        how: Populate,
    ) -> Result<(), Error> {
        self.madvise_pages(start, len, |addr, span| sys::populate(addr, span, how))
    }

    /// Changes the region's length to `new_len` bytes, keeping its file offset.
    ///
    /// Typically used to grow after the file was extended. The first
    /// `min(old, new)` bytes keep their contents (including unflushed and copy-on-write
    /// changes); new bytes show the file. On Linux this is `mremap(2)` with
    /// `MREMAP_MAYMOVE`; elsewhere a new mapping replaces the old one (copy-on-write
    /// contents are copied over). The region may move: `&mut self` proves no slice is alive.
    /// Shrinking to zero unmaps; growing from zero maps afresh. On error the map is
    /// unchanged.
    ///
    /// `file` must be the file the map was made from (any descriptor of it); it is checked.
    ///
    /// # Errors
    ///
    /// - [`Error::Anonymous`] if the map was made by [`RawMap::anonymous`];
    /// - [`Error::OtherFile`] if `file` is not the map's file;
    /// - [`Error::Overflow`] or [`Error::PastEnd`] as in [`RawMap::map_file`] for the new
    ///   length (extend the file before growing);
    /// - [`Error::Sys`] if `fstat(2)`, `mmap(2)` or `mremap(2)` fails.
    pub(crate) fn remap<F: AsFd>(&mut self, file: F, new_len: usize) -> Result<(), Error> {
        self.remap_impl(file.as_fd(), new_len, true)
    }

    /// [`RawMap::remap`], with the choice to avoid `mremap(2)` (so that the portable path is
    /// tested on Linux too).
    fn remap_impl(
        &mut self,
        file: BorrowedFd<'_>,
        new_len: usize,
        use_mremap: bool,
    ) -> Result<(), Error> {
        let Origin::File { map_offset, id } = self.origin else {
            return Err(Error::Anonymous);
        };
        let st = sys::stat(file).map_err(sys_error("fstat(2)"))?;
        if st.id != id {
            return Err(Error::OtherFile);
        }
        let overflow = Error::Overflow {
            offset: map_offset,
            len: new_len,
        };
        let offset = u64::try_from(self.head)
            .ok()
            .and_then(|head| map_offset.checked_add(head))
            .ok_or(overflow)?;
        let span = span(offset, new_len, sys::page_size())?;
        check_inside(offset, new_len, &st)?;
        let old = NonZeroUsize::new(self.map_len);
        let new = NonZeroUsize::new(span.map_len);
        let base = match (old, new) {
            (None, None) => NonNull::dangling(),
            (None, Some(new)) => sys::map_file(file, map_offset, new, self.access, false)
                .map_err(sys_error("mmap(2)"))?,
            (Some(old), None) => {
                // SAFETY: `[base, base + old)` is the whole mapping this map owns
                // (invariant 2), page-aligned; `&mut self` proves no slice into it is alive,
                // and `base` is replaced below, so the range is never accessed again.
                let _ignored = unsafe { sys::unmap(self.base, old) };
                NonNull::dangling()
            }
            (Some(old), Some(new)) if old == new => self.base,
            (Some(old), Some(new)) => self.move_mapping(file, map_offset, old, new, use_mremap)?,
        };
        self.base = base;
        self.map_len = span.map_len;
        self.len = new_len;
        Ok(())
    }

    /// Resizes the owned mapping of `old` bytes to `new` bytes of the file at `map_offset`
    /// and returns its new base. The old base is invalid afterwards unless this fails; the
    /// caller must store the result in `self.base` at once.
    fn move_mapping(
        &mut self,
        file: BorrowedFd<'_>,
        map_offset: u64,
        old: NonZeroUsize,
        new: NonZeroUsize,
        use_mremap: bool,
    ) -> Result<NonNull<u8>, Error> {
        #[cfg(target_os = "linux")]
        if use_mremap {
            // SAFETY: `[base, base + old)` is one whole page-aligned mapping this map owns
            // (invariant 2), and `&mut self` proves no reference into it is alive; the
            // caller replaces `base` with the result.
            return unsafe { sys::remap(self.base, old, new) }.map_err(sys_error("mremap(2)"));
        }
        #[cfg(not(target_os = "linux"))]
        let _ = use_mremap;
        let fresh = sys::map_file(file, map_offset, new, self.access, false)
            .map_err(sys_error("mmap(2)"))?;
        if self.access == Access::CopyOnWrite {
            // SAFETY: `copy_nonoverlapping(src, dst, n)` needs:
            // - `src = base` valid for reads of `n <= old` bytes: the old mapping is readable
            //   and `old` bytes long (invariant 2);
            // - `dst = fresh` valid for writes of `n <= new` bytes: the new mapping is
            //   `new` bytes long and copy-on-write maps are writable;
            // - no overlap: `fresh` is a new mapping, which the kernel placed apart from
            //   every existing one, the old one included;
            // - `u8` needs no alignment; `&mut self` proves no reference into either range
            //   is alive.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    self.base.as_ptr(),
                    fresh.as_ptr(),
                    old.min(new).get(),
                );
            }
        }
        // SAFETY: `[base, base + old)` is the whole mapping this map owns (invariant 2),
        // page-aligned; `&mut self` proves no slice into it is alive and the caller replaces
        // `base` with `fresh`, so the old range is never accessed again.
        let _ignored = unsafe { sys::unmap(self.base, old) };
        Ok(fresh)
    }
}

impl Drop for RawMap {
    fn drop(&mut self) {
        if let Some(len) = NonZeroUsize::new(self.map_len) {
            // SAFETY: `[base, base + map_len)` is the whole mapping this map owns
            // (invariant 2), page-aligned; `&mut self` in `drop` proves no slice into it is
            // alive, and the map is never used again. An error (which would only mean the
            // range was not mapped) is ignored: there is nothing left to release.
            let _ignored = unsafe { sys::unmap(self.base, len) };
        }
    }
}

#[cfg(test)]
mod tests;
