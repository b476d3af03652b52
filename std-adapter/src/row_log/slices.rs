//! Where rows become slices: [`RowLog::rows_mut`] (a claim's rows, `&mut [T]`) and
//! [`RowLog::rows_below`] (committed rows, `&[T]`).
//!
//! # Why the row slices are sound
//!
//! The core ([`mmarray::claim`]) owns the protocol and argues its memory ordering; this module
//! turns its tokens into slices with [`RawMap::slice_mut_unchecked`] and
//! [`RawMap::slice_unchecked`]. What those need — nobody else touches a slice's bytes while it
//! lives — follows from three facts of the protocol:
//!
//! 1. **A claim's rows belong to its writer alone.** [`Claims::claim`] hands each row out
//!    once (a compare-exchange on the tail, which never wraps), to one [`Claim`] token. A
//!    [`RowsMut`] holds the token and a `&mut [T]` over exactly its rows; it borrows the log,
//!    so the mapping outlives it. Writers in other processes claim from the same in-file
//!    tail, so their rows are disjoint from ours too. The one way a row is handed out again
//!    is [`RowsMut::give_back`] (a [`Writer`]'s unused chunk end): it succeeds only while the
//!    rows still end at the tail, consumes the guard (so this writer's slice is gone), and
//!    the core orders the give-back (`Release`) before the next claim (`Acquire`), so the
//!    next holder's writes do not race with anything the giver did.
//! 2. **Readers never see a row a writer still holds.** The committed watermark passes a
//!    row only once its completion bit is set, and only ending the token sets it, which a
//!    [`RowsMut`] does after its last write ([`RowsMut::commit`] consumes the guard; the drop
//!    glue commits last). A `&[T]` from [`RowLog::committed_rows`] covers rows below a
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

use mmarray::Element;
#[cfg(doc)]
use mmarray::claim::Claims;
use mmarray::claim::{Claim, Mapped};

#[cfg(doc)]
use super::Writer;
use super::{RowLog, RowsMut};
#[cfg(doc)]
use crate::raw::RawMap;

impl<T: Element + Send + Sync> RowLog<T> {
    /// Wraps a fresh claim into a guard over exactly its rows.
    pub(super) fn rows_mut<'s>(&'s self, claim: Claim<'s, Mapped<'static>>) -> RowsMut<'s, T> {
        let Some((start, len)) = self.layout.bytes_of(claim.rows()) else {
            unreachable!("claimed rows lie inside the validated layout");
        };
        // SAFETY: `slice_mut_unchecked` needs, for the lifetime `'s` of the borrow of `self`:
        // 1. The map is neither dropped nor remapped: it is owned by `self`, which stays
        //    borrowed for `'s`, and no method of `RowLog` remaps it.
        // 2. The bytes are accessed only through this slice. They are exactly the rows of
        //    `claim` (which `Claims::claim` made moments ago; tokens come from nowhere else):
        //    - no other guard of this process overlaps them: the tail hands each row out
        //      once and never wraps; the only rewind (`recover`) happens before the log
        //      exists;
        //    - no reader slice overlaps them: `committed_rows` covers rows below the
        //      committed watermark, which stays at or below `claim.start()` until this
        //      claim's completion bits are set, and only ending `claim` sets them — which
        //      `RowsMut` does after its last use of the slice; `force_complete` writes only
        //      rows of no live guard, and takes `&mut self`, so it cannot run during `'s`;
        //    - the header region lies below `layout.rows`, apart from every row;
        //    - other processes: their writers hold claims from the same in-file tail, hence
        //      other rows, their readers read only committed rows, and anything else is
        //      excluded by the contract of file-backed logs.
        let bytes = match unsafe { self.map.slice_mut_unchecked(start, len) } {
            Ok(Some(bytes)) => bytes,
            _ => unreachable!("the claimed rows lie inside the writable map"),
        };
        let Some(rows) = T::slice_from_bytes_mut(bytes) else {
            unreachable!("row bytes are aligned (checked at setup) and whole rows");
        };
        RowsMut {
            rows,
            claim: Some(claim),
        }
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
