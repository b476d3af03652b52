//! The parts of a [`RawMap`]'s region that callers who own pieces of a shared map work with:
//! sub-slices whose lifetime the caller picks ([`RawMap::slice_unchecked`],
//! [`RawMap::slice_mut_unchecked`]), atomic words ([`RawMap::atomics_unchecked`]) and raw
//! addresses ([`RawMap::range_ptr_mut`]), all through one bounds check
//! (`RawMap::range_start`). They rely on the invariants of [`RawMap`] stated in the parent
//! module; the whole-region slices (`as_bytes`, `as_bytes_mut`) stay there, with the type.

use core::ptr::NonNull;
use core::slice;
use core::sync::atomic::AtomicU64;

use super::{Error, RawMap};

impl RawMap {
    /// Region bytes `[start, start + len)` as a shared slice whose lifetime the caller picks.
    ///
    /// For readers of memory that writers fill through [`RawMap::slice_mut_unchecked`]:
    /// unlike [`RawMap::as_bytes`], the slice covers only the bytes asked for, so writers may
    /// own the bytes around it.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] if the range does not lie inside the region.
    ///
    /// # Safety
    ///
    /// For the whole lifetime `'a`:
    ///
    /// 1. the map is neither dropped nor remapped (the lifetime is not tied to `self`);
    /// 2. nothing writes the bytes of the range: no `&mut [u8]` from
    ///    [`RawMap::as_bytes_mut`] or [`RawMap::slice_mut_unchecked`] overlapping it is alive,
    ///    no raw pointer writes to it, and — the contract of [`RawMap::map_file`] — no other
    ///    mapping of the file, `write(2)` or other process writes to it.
    #[inline]
    pub(crate) unsafe fn slice_unchecked<'a>(
        &self,
        start: usize,
        len: usize,
    ) -> Result<&'a [u8], Error> {
        let ptr = self.range_start(start, len)?;
        // SAFETY: `from_raw_parts(ptr, len)` needs:
        // - non-null and aligned: `ptr` is a `NonNull<u8>`, and `u8` has alignment 1;
        // - valid for reads of `len` bytes within one allocation, initialised, and
        //   `len <= isize::MAX`: `[ptr, ptr + len)` lies inside the region (checked by
        //   `range_start`), which is what `as_bytes` covers (see its argument); for `len == 0`
        //   any non-null aligned pointer is valid;
        // - alive and unchanged for `'a`: the caller's promises 1 and 2.
        Ok(unsafe { slice::from_raw_parts(ptr.as_ptr(), len) })
    }

    /// Region bytes `[start, start + len)` as a mutable slice whose lifetime the caller
    /// picks, through a shared borrow of the map; `None` if the map is
    /// [`Access::ReadOnly`].
    ///
    /// The building block for disjoint writers on several threads: each writer gets
    /// exclusive use of its own range of one mapping while the map itself is shared.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] if the range does not lie inside the region.
    ///
    /// # Safety
    ///
    /// For the whole lifetime `'a`:
    ///
    /// 1. the map is neither dropped nor remapped (the lifetime is not tied to `self`);
    /// 2. the bytes of the range are accessed only through the returned slice (and
    ///    references derived from it): no other slice from this map overlapping it is alive
    ///    ([`RawMap::as_bytes`], [`RawMap::as_bytes_mut`], [`RawMap::slice_unchecked`], or
    ///    another call of this method), no raw pointer reads or writes it, and — the contract
    ///    of [`RawMap::map_file`] — no other mapping of the file, `write(2)` or other process
    ///    writes it.
    #[inline]
    pub(crate) unsafe fn slice_mut_unchecked<'a>(
        &self,
        start: usize,
        len: usize,
    ) -> Result<Option<&'a mut [u8]>, Error> {
        let ptr = self.range_start(start, len)?;
        if !self.access.is_writable() {
            return Ok(None);
        }
        // SAFETY: `from_raw_parts_mut(ptr, len)` needs what `slice_unchecked` argues
        // (non-null, aligned, inside the region, initialised, `len <= isize::MAX`), plus:
        // - valid for writes: the access is writable, so the mapping has `PROT_WRITE`
        //   (invariant 2); the pointer comes from `base`, not from a shared reference;
        // - alive and accessed only through this slice for `'a`: the caller's promises 1
        //   and 2.
        Ok(Some(unsafe {
            slice::from_raw_parts_mut(ptr.as_ptr(), len)
        }))
    }

    /// Region bytes `[start, start + 8 * words)` as shared atomic words whose lifetime the
    /// caller picks; `None` if the map is not writable (an atomic store through the words
    /// would fault on a read-only mapping).
    ///
    /// For state that several threads and processes change at the same time, such as a
    /// row log's claims header: shared references to atomics allow that (atomics are
    /// `UnsafeCell`s), provided every access to the bytes, everywhere, is atomic.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] if the range does not lie inside the region (or its length
    /// overflows), [`Error::Misaligned`] if it does not start at a multiple of 8 bytes in
    /// memory.
    ///
    /// # Safety
    ///
    /// For the whole lifetime `'a`:
    ///
    /// 1. the map is neither dropped nor remapped (the lifetime is not tied to `self`);
    /// 2. in this process, every access to the bytes of the range is an atomic access of one
    ///    of these aligned 8-byte words: no slice from this map overlapping it is alive
    ///    ([`RawMap::as_bytes`], [`RawMap::as_bytes_mut`], [`RawMap::slice_unchecked`],
    ///    [`RawMap::slice_mut_unchecked`]), no raw pointer reads or writes it non-atomically,
    ///    and other mappings of the file in this process access them only through atomics of
    ///    the same size and alignment;
    /// 3. every *write* to the bytes by anyone else — other mappings in other processes,
    ///    and anything that writes the file (`write(2)`) — is an atomic operation of the same
    ///    size and alignment on one of these words (beyond the contract of
    ///    [`RawMap::map_file`], which this relaxes for these bytes: they do change under the
    ///    references). Non-atomic *reads* in other processes (numpy's `memmap`, `read(2)` of
    ///    the file) are allowed: they happen outside this process's memory model, write
    ///    nothing, and so cannot make this process's atomic accesses a data race; what they
    ///    see (possibly a torn or stale word) is their own concern.
    #[inline]
    pub(crate) unsafe fn atomics_unchecked<'a>(
        &self,
        start: usize,
        words: usize,
    ) -> Result<Option<&'a [AtomicU64]>, Error> {
        let out_of_range = Error::OutOfRange {
            start,
            len: words.saturating_mul(8),
            region_len: self.len,
        };
        let len = words.checked_mul(8).ok_or(out_of_range)?;
        let ptr = self.range_start(start, len)?;
        let align = core::mem::align_of::<AtomicU64>();
        if ptr.as_ptr().addr() % align != 0 {
            return Err(Error::Misaligned { start, align });
        }
        if !self.access.is_writable() {
            return Ok(None);
        }
        // SAFETY: `from_raw_parts(ptr as *const AtomicU64, words)` needs:
        // - non-null and aligned for `AtomicU64`: `ptr` is a `NonNull`, and its address is a
        //   multiple of `align_of::<AtomicU64>()` (checked above; for `words == 0` the dangling
        //   region pointer is page-aligned, see `region`);
        // - valid for reads of `8 * words` bytes within one allocation, initialised, and at
        //   most `isize::MAX` bytes: `[ptr, ptr + len)` lies inside the region (checked by
        //   `range_start`), which `as_bytes` argues is all of that; `AtomicU64` has the size
        //   and bit validity of `u64`, for which every initialised 8 bytes are a valid value;
        // - valid for the atomic writes a `&AtomicU64` allows: the access is writable, so the
        //   mapping has `PROT_WRITE` (invariant 2), and the pointer comes from `base`;
        // - for `'a`, alive, and never accessed non-atomically while shared references to
        //   atomics cover it (atomics are `UnsafeCell`s: mutation by others through atomic
        //   operations is what a `&AtomicU64` permits): the caller's promises 1 and 2.
        Ok(Some(unsafe {
            slice::from_raw_parts(ptr.as_ptr().cast::<AtomicU64>().cast_const(), words)
        }))
    }

    /// The address of region byte `start`, for raw reads and writes of bytes
    /// `[start, start + len)` (checked to lie inside the region); `None` if the map is
    /// [`Access::ReadOnly`].
    ///
    /// For owners of parts of a shared map that must not hold a reference while they hand
    /// the bytes on (a row guard that publishes its rows while it still exists): they keep
    /// the address and make short-lived slices from it. Making the pointer is safe; every
    /// access through it owes, for its duration, what [`RawMap::slice_mut_unchecked`]'s
    /// contract asks for the whole life of its slice (the map neither dropped nor remapped;
    /// the bytes accessed by nothing else). The pointer derives from the mapping's base,
    /// not from a reference, so it carries the whole mapping's provenance. An empty range
    /// gets the region's first address, as in [`RawMap::slice_mut_unchecked`].
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] if the range does not lie inside the region.
    #[inline]
    pub(crate) fn range_ptr_mut(
        &self,
        start: usize,
        len: usize,
    ) -> Result<Option<NonNull<u8>>, Error> {
        let ptr = self.range_start(start, len)?;
        Ok(self.access.is_writable().then_some(ptr))
    }

    /// The address of region byte `start`, after checking that `[start, start + len)` lies
    /// inside the region.
    #[inline]
    fn range_start(&self, start: usize, len: usize) -> Result<NonNull<u8>, Error> {
        let out_of_range = Error::OutOfRange {
            start,
            len,
            region_len: self.len,
        };
        let end = start.checked_add(len).ok_or(out_of_range)?;
        if end > self.len {
            return Err(out_of_range);
        }
        if len == 0 {
            return Ok(self.region());
        }
        // SAFETY: `start < end <= len`, so a mapping exists (`len > 0`, invariant 1) and
        // `region + start` lies inside it: `head + start < head + len == map_len`
        // (invariant 3), within one allocation and at most `isize::MAX` from `base`.
        Ok(unsafe { self.region().add(start) })
    }
}
