//! Where rows become slices: [`RowLog::rows_mut`] (a claim's rows, kept as a
//! [`ClaimedRows`] that makes `&[T]`/`&mut [T]` on demand) and [`RowLog::rows_below`]
//! (committed rows, `&[T]`).
//!
//! # Why the row slices are sound
//!
//! The core ([`mmarray::claim`]) owns the protocol and argues its memory ordering; this module
//! turns its tokens into slices: a claim's rows through [`RawMap::range_ptr_mut`] and a
//! [`ClaimedRows`], committed rows through [`RawMap::slice_unchecked`]. What those need —
//! nobody else touches a slice's bytes while it lives — follows from three facts of the
//! protocol:
//!
//! 1. **A claim's rows belong to its writer alone.** [`Claims::claim`] hands each row out
//!    once (a compare-exchange on the tail, which never wraps), to one [`Claim`] token. A
//!    [`RowsMut`] holds the token and a [`ClaimedRows`] over exactly its rows; it borrows
//!    the log, so the mapping outlives it. Writers in other processes claim from the same in-file
//!    tail, so their rows are disjoint from ours too. The one way a row is handed out again
//!    is [`RowsMut::give_back`] (a [`Writer`]'s unused chunk end): it succeeds only while the
//!    rows still end at the tail, consumes the guard (so this writer's slice is gone), and
//!    the core orders the give-back (`Release`) before the next claim (`Acquire`), so the
//!    next holder's writes do not race with anything the giver did.
//! 2. **Readers never see a row a writer still holds.** The committed watermark passes a
//!    row only once its completion bit is set, and only ending the token sets it, which a
//!    [`RowsMut`] does after its last write ([`RowsMut::commit`] consumes the guard; the drop
//!    glue commits last). *After its last write* means after the last use of every
//!    reference to the rows, which is why the guard holds raw parts and not a `&mut [T]`:
//!    a reference stored in a value passed to a function (`commit(self)`, `drop(guard)`)
//!    is a protected argument for the whole call, so it would still be in use — for
//!    Stacked Borrows and for Tree Borrows once written through — at the moment the call
//!    publishes the rows and a reader thread reads them. A [`ClaimedRows`] makes each
//!    reference in [`Deref`](core::ops::Deref)/[`DerefMut`](core::ops::DerefMut) (which
//!    the borrow checker ends before the guard can be consumed) and zero-fills with raw
//!    writes. A `&[T]` from [`RowLog::committed_rows`] covers rows below a
//!    watermark read with `Acquire`: they are complete, and their writers' stores happen
//!    before the load (the core's "Readers see contents" argument), so reading them is no
//!    data race.
//! 3. **Committed rows are never written again.** Rows are claimed once and the log never
//!    wraps. The calls that rewind or write rows for someone else — [`RowLog::recover`] and
//!    [`RowLog::force_complete`] — either run before any other handle exists in this process
//!    (the constructors refuse a file this process holds as a row log already: `registry.rs`)
//!    or take `&mut self` of the one handle, so no slice of this process is alive; towards
//!    other processes their `unsafe` contracts carry the obligation.
//!
//! Across processes, the header's counters and bitmap words are shared memory that every
//! process changes only with atomic operations; 64-bit atomics are lock-free and address-free
//! on the targets this module builds for (`target_has_atomic = "64"`), so the orderings the
//! core argues for threads hold between processes mapping the same file (`MAP_SHARED`).
#![allow(
    unsafe_code,
    reason = "rows become slices through raw's unchecked slices, argued from the claim protocol"
)]

use core::marker::PhantomData;
use core::ptr::NonNull;

use mmarray::Element;
#[cfg(doc)]
use mmarray::claim::Claims;
use mmarray::claim::{Claim, Mapped};

#[cfg(doc)]
use super::Writer;
use super::slots::Lease;
use super::{RowLog, RowsMut};
#[cfg(doc)]
use crate::raw::RawMap;

/// A claim's rows as raw parts: their first row and their number, borrowed from the log
/// for `'a` as a `&'a mut [T]` would be (and with its auto traits), but making references
/// only on demand and only for as long as they are used.
///
/// # Invariants
///
/// Established by the caller of [`new`](Self::new) (an `unsafe fn`: its one caller is
/// [`RowLog::rows_mut`], which argues them) and kept by [`split_at`](Self::split_at); every
/// `unsafe` block below relies on them:
///
/// 1. `start` is aligned for `T`, and the `len` rows from it lie inside the log's
///    writable mapping, which is neither dropped nor remapped during `'a`.
/// 2. During `'a`, and until the owning guard hands the rows on (commits, abandons or
///    gives them back, each of which consumes this value), those bytes are accessed only
///    through this value: no other guard, no reader and no other process touches them.
/// 3. The bytes are initialised (mapped memory), and any bytes are a valid `T`
///    (`T: Element` implies `FromBytes`).
pub(super) struct ClaimedRows<'a, T> {
    start: NonNull<T>,
    len: usize,
    rows: PhantomData<&'a mut [T]>,
}

// SAFETY: a `ClaimedRows<'a, T>` is exclusive use of `len` rows for `'a`, exactly what a
// `&'a mut [T]` is (invariant 2); the mapping is plain memory tied to no thread. Moving it
// to another thread moves that exclusive use, as moving a `&'a mut [T]` does, so it is
// `Send` exactly when `&'a mut [T]` is (`T: Send`).
unsafe impl<'a, T> Send for ClaimedRows<'a, T> where &'a mut [T]: Send {}

// SAFETY: through `&ClaimedRows` only `as_slice` and `len` are reachable, which read — what
// `&&'a mut [T]` allows — so it is `Sync` exactly when `&'a mut [T]` is (`T: Sync`).
unsafe impl<'a, T> Sync for ClaimedRows<'a, T> where &'a mut [T]: Sync {}

impl<'a, T: Element> ClaimedRows<'a, T> {
    /// The `len` rows from `start`, to be paired with the claim they are the rows of
    /// ([`RowsMut::new`]).
    ///
    /// # Safety
    ///
    /// The three invariants of the type hold for `'a`, and the rows are exactly the rows of
    /// the one claim the caller pairs this value with (so that ending that claim is what
    /// hands them on).
    pub(super) unsafe fn new(start: NonNull<T>, len: usize) -> Self {
        Self {
            start,
            len,
            rows: PhantomData,
        }
    }

    /// The number of rows.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The rows, for as long as `self` is borrowed.
    #[inline]
    pub(super) fn as_slice(&self) -> &[T] {
        // SAFETY: `from_raw_parts(start, len)` needs:
        // - `start` non-null and aligned, `len` values of `T` inside one allocation, and
        //   `len * size_of::<T>() <= isize::MAX`: invariant 1 (one mapping, itself at most
        //   `isize::MAX` bytes); for `len == 0` any non-null aligned pointer will do;
        // - initialised, valid values of `T`: invariant 3;
        // - not written by anyone else while the slice lives: invariant 2, and through this
        //   value only by `as_mut_slice`/`zero`, which need `&mut self`, which the borrow
        //   that this slice keeps alive excludes. The slice ends before `self` can be
        //   consumed (to publish the rows).
        unsafe { core::slice::from_raw_parts(self.start.as_ptr(), self.len) }
    }

    /// The rows, mutable, for as long as `self` is borrowed.
    #[inline]
    pub(super) fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: `from_raw_parts_mut(start, len)` needs what `as_slice` argues, plus:
        // - writable: the mapping is writable (invariant 1);
        // - accessed by nothing else while the slice lives: invariant 2 for everything
        //   outside this value, and the `&mut self` borrow that the slice keeps alive for
        //   every other use of this value. The slice ends before `self` can be consumed
        //   (to publish the rows).
        unsafe { core::slice::from_raw_parts_mut(self.start.as_ptr(), self.len) }
    }

    /// Sets every byte of the rows to zero, through raw writes that are over when this
    /// returns (no reference to the rows is made).
    pub(super) fn zero(&mut self) {
        // SAFETY: `write_bytes(start, 0, len)` needs `start` valid for writes of `len`
        // values of `T` and aligned: invariant 1 (writable mapping, aligned start). Zero
        // bytes are a valid `T` (invariant 3), and nothing else accesses the rows during
        // the write: invariant 2, and `&mut self` excludes every slice made from this
        // value.
        unsafe { core::ptr::write_bytes(self.start.as_ptr(), 0, self.len) }
    }

    /// Moves the rows out, leaving no rows behind (for a guard that hands its rows to
    /// others, as `mem::take` does with a `&mut [T]`).
    pub(super) fn take(&mut self) -> Self {
        // No rows keep the invariants trivially: a dangling pointer is non-null and aligned
        // for `T`, and zero rows cover no byte.
        core::mem::replace(
            self,
            Self {
                start: NonNull::dangling(),
                len: 0,
                rows: PhantomData,
            },
        )
    }

    /// Splits into the first `mid` rows (capped to the length) and the rest.
    pub(super) fn split_at(self, mid: usize) -> (Self, Self) {
        let mid = mid.min(self.len);
        // SAFETY: `NonNull::add(mid)` needs the result inside the same allocation (or one
        // past its end) and the offset `mid * size_of::<T>()` at most `isize::MAX`:
        // `mid <= len`, and the `len` rows from `start` lie inside one mapping (invariant 1).
        let rest = unsafe { self.start.add(mid) };
        // Both halves keep the invariants: each is aligned (whole rows from an aligned
        // start) and lies inside the rows of `self`, and they are disjoint, so each half's
        // bytes are accessed through that half only; `self` is consumed.
        (
            Self {
                start: self.start,
                len: mid,
                rows: PhantomData,
            },
            Self {
                start: rest,
                len: self.len - mid,
                rows: PhantomData,
            },
        )
    }
}

/// A claim and exactly its rows, without a guard's drop: what a [`Writer`] fills (its hot
/// path moves no more than this) and a [`RowsMut`] is made of. Only
/// [`RowLog::chunk`] makes one, so the pairing that [`ClaimedRows::new`] asks for holds;
/// ending the claim takes the chunk by value, so no slice of its rows outlives the claim.
/// It has no drop of its own: a chunk dropped without [`commit`](Self::commit) (or a guard
/// made of it) leaves its claim open, a hole.
#[must_use = "a chunk's claim must be committed (or handed to a guard), or it stays a hole"]
pub(super) struct Chunk<'a, T> {
    rows: ClaimedRows<'a, T>,
    claim: Claim<'a, Mapped<'static>>,
}

impl<'a, T: Element> Chunk<'a, T> {
    /// The claim's rows in the log.
    #[inline]
    pub(super) fn rows(&self) -> core::ops::Range<u64> {
        self.claim.rows()
    }

    /// The rows, mutable, for as long as `self` is borrowed.
    #[inline]
    pub(super) fn as_mut_slice(&mut self) -> &mut [T] {
        self.rows.as_mut_slice()
    }

    /// Splits into the first `mid` rows (capped to the length) and the rest, each its claim's
    /// part with exactly its rows.
    pub(super) fn split_at(self, mid: usize) -> (Self, Self) {
        let mid = mid.min(self.rows.len());
        let (a, b) = self.claim.split_at(mid as u64);
        let (x, y) = self.rows.split_at(mid);
        (Self { rows: x, claim: a }, Self { rows: y, claim: b })
    }

    /// Commits the claim (the chunk is taken by value, so every slice of its rows has ended).
    /// Returns the committed watermark the commit left.
    #[inline]
    pub(super) fn commit(self) -> u64 {
        // The rows are raw parts with no reference alive (every slice made from them ended
        // with its borrow of `self`); the claim's end publishes them.
        let Self { rows: _, claim } = self;
        claim.commit()
    }

    /// The raw rows and the claim, for a guard.
    pub(super) fn into_parts(self) -> (ClaimedRows<'a, T>, Claim<'a, Mapped<'static>>) {
        (self.rows, self.claim)
    }
}

impl<T: Element> RowLog<T> {
    /// The guard over `chunk`: commit on drop, abandon in a panic, give-back; `entry` as
    /// [`RowsMut`] takes it.
    pub(super) fn guard<'s>(&'s self, chunk: Chunk<'s, T>, entry: Option<Lease>) -> RowsMut<'s, T> {
        let (rows, claim) = chunk.into_parts();
        RowsMut::new(rows, claim, self.live(), entry)
    }
}

impl<T: Element + Send + Sync> RowLog<T> {
    /// Wraps a fresh claim into a guard over exactly its rows.
    pub(super) fn rows_mut<'s>(
        &'s self,
        claim: Claim<'s, Mapped<'static>>,
        entry: Option<Lease>,
    ) -> RowsMut<'s, T> {
        self.guard(self.chunk(claim), entry)
    }

    /// Pairs a fresh claim with exactly its rows.
    #[inline]
    pub(super) fn chunk<'s>(&'s self, claim: Claim<'s, Mapped<'static>>) -> Chunk<'s, T> {
        let Some((offset, len)) = self.layout.bytes_of(claim.rows()) else {
            unreachable!("claimed rows lie inside the validated layout");
        };
        let start = match self.map.range_ptr_mut(offset, len) {
            Ok(Some(start)) => start.cast::<T>(),
            _ => unreachable!("the claimed rows lie inside the writable map"),
        };
        if !start.as_ptr().is_aligned() {
            unreachable!("row bytes are aligned (checked at setup)");
        }
        // SAFETY: `ClaimedRows::new` needs its type's invariants for the lifetime `'s` of
        // the borrow of `self`, and the rows to be exactly those of `claim`, which the chunk
        // below pairs them with (and every guard or writer made of it keeps paired):
        // 1. `start` is aligned (checked just above) and the rows lie inside the writable
        //    map (`range_ptr_mut` checked the range and the access): `len` is the byte
        //    length of `claim.rows()`, a whole number of rows of `size_of::<T>()` bytes
        //    (`Layout::of::<T>`'s row size). The map is neither dropped nor remapped: it is
        //    owned by `self`, which stays borrowed for `'s`, and no method of `RowLog`
        //    remaps it.
        // 2. The bytes are accessed only through the chunk (or the guard or writer holding
        //    it) until it hands them on. They
        //    are exactly the rows of `claim` (which `Claims::claim` made moments ago;
        //    tokens come from nowhere else):
        //    - no other guard of this process overlaps them: the tail hands each row out
        //      once and never wraps; the only rewind (`recover`) happens before the log
        //      exists, and a give-back consumes the giving guard first;
        //    - no reader slice overlaps them: `committed_rows` covers rows below the
        //      committed watermark, which stays at or below `claim.start()` until this
        //      claim's completion bits are set, and only ending `claim` sets them — which
        //      `RowsMut` and `Chunk::commit` do by consuming their `ClaimedRows`, after every
        //      slice made from it has ended; `force_complete` writes only rows of no live
        //      guard, and takes
        //      `&mut self`, so it cannot run during `'s`;
        //    - the header region lies below `layout.rows`, apart from every row;
        //    - other processes: their writers hold claims from the same in-file tail, hence
        //      other rows, their readers read only committed rows, and anything else is
        //      excluded by the contract of file-backed logs.
        // 3. Mapped bytes are initialised, and `T: Element` is `FromBytes`.
        // And `start`/`len` are the bytes of `claim.rows()` (`bytes_of` above), in rows.
        // (The division: `Layout::of` refuses zero-sized rows.)
        let rows = unsafe { ClaimedRows::new(start, len / core::mem::size_of::<T>()) };
        Chunk { rows, claim }
    }

    /// The rows below `end` as a slice (`end` at most the committed watermark).
    pub(super) fn rows_below(&self, end: u64) -> &[T] {
        let Some((start, len)) = self.layout.bytes_of(0..end) else {
            unreachable!("committed rows lie inside the validated layout");
        };
        // SAFETY: `slice_unchecked` needs, for the borrow of `self`:
        // 1. The map is neither dropped nor remapped: it is owned by `self`, which stays
        //    borrowed, and no method of `RowLog` remaps it.
        // 2. Nothing writes these bytes while the slice lives. They are the rows below
        //    `end`, a committed watermark read with `Acquire` (by the caller). Each such row
        //    was claimed once and completed — by its writer after its last write, or by
        //    `force_complete` after zero-filling it — and is never claimed again (no wrap;
        //    the one rewind, `recover`, happens before the log exists; `force_complete`
        //    writes only rows at or above the watermark and needs `&mut self`). Writers in
        //    other processes write only their own claims, which are above the watermark
        //    too (the contract of file-backed logs). The `Acquire` load makes every
        //    writer's stores to these rows happen before our reads (see the core's
        //    "Readers see contents"), so they do not race either.
        let bytes = match unsafe { self.map.slice_unchecked(start, len) } {
            Ok(bytes) => bytes,
            Err(_) => unreachable!("committed rows lie inside the map"),
        };
        match T::slice_from_bytes(bytes) {
            Some(rows) => rows,
            None => unreachable!("row bytes are aligned (checked at setup) and whole rows"),
        }
    }
}
