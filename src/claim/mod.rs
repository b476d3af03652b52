//! Concurrent writers appending rows to a preallocated array: claims, commits and watermarks.
//!
//! Many writers (threads, or processes sharing a mapped file) fill one array of `capacity`
//! rows. A writer [`claim`](Claims::claim)s a range of rows, writes them, and
//! [`commit`](Claim::commit)s. Readers see the *committed watermark*: every row below it is
//! complete. A flusher publishes the *durable watermark*: every row below it is on disk.
//!
//! ```text
//!   0          durable       committed         tail (claimed)     capacity
//!   |############|###############|..#..##.#.......|..................|
//!    on disk       complete,        claimed; some     never handed out
//!    and visible   visible          complete (#)
//! ```
//!
//! All shared state is atomic: a store hands the protocol shared references (`&AtomicU64`) to
//! three counters and a bitmap, whether it owns them ([`Inline`], [`Borrowed`]) or they are words
//! of a file that other processes map at the same time ([`Mapped`], built from a
//! `&[AtomicU64]`). Nothing in this module makes a plain reference to memory another thread or
//! process may write.
//!
//! This module owns the *protocol*, and never touches the rows: the core forbids `unsafe`, and
//! handing out `&mut` to dynamically claimed disjoint parts of one shared slice needs it. The
//! adapter (`mmarray-std`) turns a [`Claim`] into a `&mut [T]` over exactly
//! [`Claim::rows`], and a committed watermark into a `&[T]` over the rows below it. The
//! protocol guarantees what that needs:
//!
//! 1. **Claims are disjoint and bounded.** [`Claims::claim`] moves the tail with a
//!    compare-exchange loop that never passes `capacity`; a claim that does not fit fails with
//!    [`ClaimError::Full`] and changes nothing (no wrap, no overwrite). A plain `fetch_add` is not
//!    used because a failing claim would push the tail past the capacity, stranding the rows
//!    before it (the watermark could then never reach the end) and eventually overflowing.
//! 2. **A claim's rows stay unreadable until it ends.** The committed watermark only passes a
//!    row once the row is complete — its completion bit is set, or (the fast path below) it
//!    belongs to the claim whose commit moves the watermark — and only ending a [`Claim`] does
//!    either: [`Claim::commit`] or [`Claim::abandon`], both by value, on a token only [`Claims::claim`]
//!    makes, which is neither `Clone` nor `Copy` and borrows the [`Claims`] it came from. So a
//!    safe caller cannot commit twice, commit rows it did not claim, or commit into another
//!    array. The recovery calls that set bits for someone else take `&mut Claims`, proving no
//!    token of *this store* is alive (for [`Mapped`], other stores over the same words — in
//!    this process or others — are the caller's to vouch for).
//! 3. **Committed rows are never written again.** No wrap. A row is handed out again only
//!    after [`Claim::give_back`] (the claim still ended at the tail, so nobody committed or
//!    read those rows) or a rewind with no writer about ([`Claims::truncate`],
//!    [`Mapped::recover`]).
//!
//! # Commits out of order
//!
//! Completion is a bitmap, one bit per row, provided by the [`Store`]; bits below the committed
//! watermark carry no meaning (the fast path never sets them). Committing above the watermark
//! sets the claim's bits and then runs the *advance loop*: starting at the committed watermark, scan the
//! run of set bits and raise the watermark to its end with `fetch_max`; repeat from the new
//! watermark until the bit at the watermark is clear. The watermark therefore never passes a
//! clear bit (a *hole*): a value `w` is written to `committed` only by a committer that saw every
//! bit in `[old, w)` set, where `old` was itself a valid watermark, and bits are never cleared
//! while writers run. A committer whose rows sit above a hole leaves them to whoever fills the
//! hole: that writer's own advance loop carries the watermark over both.
//!
//! **Anyone may run the advance loop.** [`Claims::advance_committed`] is the loop on its own:
//! an RMW read of `committed`, then the scan and `fetch_max`es a committer makes after setting
//! its bits. It sets no bit and writes `committed` only with values the scan justified, so it
//! keeps the invariant above whoever runs it, and in the arguments below it is simply one more
//! committer, with no rows of its own. That is what makes a commit two separable steps: a
//! committer that set its bits and stopped before its loop (a process killed there) leaves the
//! watermark on a set bit, and the next advance by anyone — [`Claims::stalled`],
//! [`Claims::flush`], a refused [`Claims::claim`] (so a full, frozen array moves on when a
//! writer bumps into its end), a joining process, any commit of at least one row,
//! [`Claims::force_complete`] — carries it on. Such a *passerby* first only loads (see
//! "Passersby" below), so the advance costs a healthy array no write.
//!
//! # Memory ordering
//!
//! * Writer: row contents (plain writes through the adapter) are sequenced before the
//!   `fetch_or(Release)` that sets the row's completion bit.
//! * Advance loop: bitmap words are loaded with `Acquire`; every access to `committed` by a
//!   committer is a read-modify-write with `AcqRel` (a `fetch_add(0)` to read it, a
//!   `fetch_max` to raise it).
//! * Reader: [`Claims::committed`] loads with `Acquire`.
//!
//! **Readers see contents, not just the index.** A reader that loads `committed = w` reads a
//! value written by some `fetch_max` (release) of an advancer `E`. For the rows `E` scanned, the
//! writer's `fetch_or(Release)` was read by `E`'s `Acquire` load of the word (or a later `fetch_or`
//! in its release sequence: every write to a bitmap word is an RMW), so the row writes happen
//! before `E`'s scan, before `E`'s `fetch_max`, before the reader's load. Rows below the value
//! `E` started from were covered by an earlier RMW on `committed`, whose release sequence
//! contains `E`'s RMW (every write to `committed` is an RMW), so the reader synchronises with
//! it too.
//!
//! **No commit is lost.** The danger is two committers `A` and `B` each setting a bit and
//! then each failing to see the other's bit (the store-buffering pattern, allowed by
//! acquire/release alone) so that both stop with a set bit left above the watermark. Reading
//! `committed` with an RMW rules it out. Let `R` be the last RMW on `committed` in its
//! modification order, made by committer `D`; `R` left the final watermark `F`, and `D` then
//! saw the bit at `F` clear and stopped (had it been set, `D` would have raised the watermark,
//! another RMW after `R`). Suppose committer `C` set bit `F`. `C` set it before its first RMW
//! `Q` on `committed`, and `Q` precedes `R` (if `C` is `D`, `D` sees its own bit). `Q` is a
//! release, every later write to `committed` is an RMW, so `R` reads from `Q`'s release sequence
//! and `Q` synchronises with `R`: `C`'s `fetch_or` happens before `D`'s scan, which must then
//! see bit `F` set. Contradiction: once all committers return, the watermark is the full
//! contiguous prefix of complete rows, so it reaches `capacity` once every row is committed.
//! A committer that set bit `F` and then stopped before any RMW on `committed` is outside this
//! argument (no loop of its own runs). Its bit is still a `fetch_or` on the word, so an advance
//! whose scan reads that word from the `fetch_or` or later in the word's modification order
//! sees it; and an advance whose RMW read of `committed` happens after the `fetch_or` (say, a
//! process that joins after the dead one exited, or any call made after observing the bit) has
//! such a scan by coherence. Every later [`Claims::advance_committed`] — [`Claims::stalled`]
//! runs one each time — is such a chance, so the watermark does not stay frozen.
//!
//! **Passersby.** [`Claims::advance_committed`] (unlike a committer's loop) starts from an
//! `Acquire` load of `committed` and an `Acquire` load of the bitmap word holding the bit at
//! that value, and returns at once if the bit is clear. That is enough because a passerby has
//! no bits of its own to publish: the "no commit is lost" argument is needed only for a
//! committer's own bits, and its committer runs an RMW loop of its own. A bit the passerby
//! misses (being set at that moment, or not yet visible) belongs either to a committer that
//! will advance over it itself, or to one that died, whose bit a later advance sees (by
//! coherence, any advance that happens after the `fetch_or` — after observing the death, say —
//! reads the word from it or later). A set bit the passerby does see is a complete row (the
//! `Acquire` load synchronises with the writer's `fetch_or(Release)`), so it then runs the
//! loop from an RMW read exactly like a committer, keeping the invariant. A stale `committed`
//! from the load only makes it return an older watermark, which was valid (or, if the bit at
//! that older value is set, run the loop, which starts from the RMW's current value).
//!
//! **The fast path.** A committer whose claim starts exactly at the watermark skips the bits:
//! one `compare_exchange(start, end, AcqRel)` on `committed` publishes its rows, and it then
//! runs the advance loop from `end`. The arguments above still hold. The invariant becomes:
//! `committed` moves from `w` to `w'` only when every row of `[w, w')` is complete — either its
//! bit was seen set, or the rows are exactly the claim of the committer that moved it, written
//! before its release. Readers: the compare-exchange is a release RMW sequenced after the row
//! writes, so a reader that acquires its value (or a later one: every write to `committed` is
//! still an RMW) sees them. No commit is lost: a successful compare-exchange is an RMW on
//! `committed` and counts as the committer's "first RMW" `Q` in the argument above (it covers
//! its own rows directly, and its scan from `end` sees every bit set before an earlier RMW);
//! a failed one writes nothing and falls back to setting bits and the RMW read. Without
//! contention a commit therefore costs one RMW and one load, like a mutex's unlock.
//!
//! **Claims and give-backs.** The tail moves only by compare-exchange: the RMW's atomicity
//! alone makes claims disjoint. Rows are claimed once, except that a claim that still ends at
//! the tail may be given back ([`Claim::give_back`]); the give-back is a `Release`
//! compare-exchange and a claim's successful compare-exchange is `AcqRel`, so whatever the
//! giver wrote to those rows happens before the next claimer's writes (every write to the tail
//! is an RMW, so the next claimer reads from the give-back's release sequence). The claim's
//! release half publishes only its owner announcement ([`Claims::claim_as`]: A1 in
//! `owner.rs`); no row data is otherwise published through the tail.
//!
//! # Validity
//!
//! A second bitmap, **void**, marks rows that are not valid data: rows [`abandon`](Claim::abandon)ed
//! (a panicking guard, a give-back that failed and was abandoned instead), holes closed for
//! a dead owner ([`Claims::close_dead`], [`Claims::close_all`]) and the incomplete rows a
//! supervisor completes ([`Claims::force_complete`]). A row `r` is *valid* when
//! `r < committed` and `void(r)` is clear; [`Claims::validity`] reads `committed` once and
//! answers for the rows below it ([`Validity`]). A successful give-back returns rows to the
//! tail: they are handed out again and never become void. The fast path and bit commits set
//! no void bit: a fresh row's void bit is 0 (stores start cleared, and a rewind —
//! [`Claims::truncate`], [`Mapped::recover`] — clears void bits from the rewound point).
//!
//! **P5 — readers see void before rows.** Whoever voids a row sets its void bit
//! (`fetch_or(Release)`) *before* publishing the row's completion: the owner's `abandon` before
//! its completion bits or its fast-path compare-exchange on `committed`; a closer before its
//! completion bits; `force_complete` before it completes the rows exactly as `abandon` does
//! (it voids only rows that were not complete: those at or above an RMW read of `committed`
//! — the latest value — whose completion bit it read clear; with no live owner, as its
//! caller vouches, nobody else completes them meanwhile). Every path by which `committed` passes row `r` goes through an `Acquire`
//! of `done(r)` by an advancer (which then publishes with its release RMW on `committed`), or
//! through the owner's own release compare-exchange on `committed`, sequenced after its void
//! store. A reader that acquires `committed > r` reads from that RMW's release sequence (every
//! write to `committed` is an RMW), so the void store happens before the reader's load of
//! `void(r)`, which therefore sees it — as "Readers see contents" above argues for the rows
//! themselves (and for the zeros a closer wrote). Void bits below the watermark never change
//! again while the store is in use, so the view is consistent however long it is kept.
//!
//! # Durability
//!
//! [`Claims::flush`] reads the watermarks (durable, then committed, both `Acquire`), lets the
//! caller persist rows `durable..committed` (e.g. `msync`) and then raises `durable` with
//! `fetch_max(AcqRel)`: it never decreases, and never exceeds `committed` because the value
//! raised to was read from `committed`, which only grows. A reader that loads `durable` first
//! and `committed` second ([`Claims::watermarks`]) always sees `durable <= committed`: its
//! `Acquire` load of `durable` synchronises with the flusher's release, after the flusher's read
//! of `committed`, so the reader's later read of `committed` cannot return an older value. The
//! `Acquire` also means a thread that sees `durable >= n` knows the persist call for those rows
//! returned. For a [`Mapped`] store the durable watermark lives in the file; the on-disk copy of
//! it is conservative (it is raised only after the rows were persisted), so persisting the
//! header page itself is needed only to make it advance on disk.
//!
//! # Failures: a writer that never commits
//!
//! A [`Claim`] that is dropped without [`commit`](Claim::commit) or
//! [`abandon`](Claim::abandon) (a panic, `mem::forget`, or a process that dies holding one)
//! leaves a *hole*: the committed watermark stops at its first row. Nothing is corrupted and
//! nothing blocks: other writers go on claiming and committing, readers go on seeing the
//! prefix below the hole, and the rows above it become visible at once when the hole is
//! closed. Ways out, from least to most drastic:
//!
//! * **The owner abandons.** A writer that cannot finish fills its rows with a recognisable
//!   value (zeros) and calls [`Claim::abandon`]; an adapter's row guard can do this on drop.
//! * **Anyone finishes a half-done commit.** A writer that died after setting its completion
//!   bits but before advancing the watermark left no hole, only a watermark on a complete row:
//!   [`Claims::advance_committed`] (run by [`Claims::stalled`], [`Claims::flush`], a refused
//!   claim, joining processes, and every commit of at least one row) carries it on, from any participant, with nobody's
//!   death to establish.
//! * **The living close a dead owner's hole.** With an owner table, claims made through
//!   [`Claims::claim_as`] announce themselves first; [`Claims::close_dead`] — callable by any
//!   participant at any time — closes the hole if every process that announced a claim over
//!   it is dead according to the caller's [`Probe`]: zero-filled (by the caller's callback),
//!   void, complete, and the watermark moves on. [`Claims::hole`] names the hole's owner.
//!   When every process is gone (same machine, no reboot), [`Claims::close_all`] closes every
//!   hole at once and keeps every committed row above them.
//! * **A supervisor closes the hole.** [`Claims::stalled`] shows the incomplete rows at the
//!   watermark. Once the writer that owns them is known to be dead (process exit, a lease —
//!   that knowledge is the caller's, the protocol cannot tell slow from dead), the supervisor
//!   zero-fills the rows and calls [`Claims::force_complete`], which marks the rows it
//!   completes void (`&mut self`: no token of this store can be alive; other stores are the
//!   caller's). `stalled` reports the whole run up to the next complete row,
//!   which may include claims of live writers that simply have not committed yet; with live
//!   writers about, close only the dead writer's own range (e.g. one it recorded when
//!   claiming).
//! * **Rewind.** With no other participant at all — no writer, and also no reader calling
//!   [`Claims::stalled`], [`Claims::flush`] or [`Claims::advance_committed`] (they write
//!   `committed`), no process joining (joining advances too), in this process or any other —
//!   [`Claims::truncate`] cuts the array back to the
//!   committed (or durable) watermark and hands the rows after it out again;
//!   [`Mapped::recover`] does the same to the durable watermark when reopening after a crash
//!   (rows above it are handed out again even if they were complete: only the durable watermark
//!   proves rows reached the disk).
//!
//! [`Mapped::create`], [`Mapped::recover`] and [`Claims::truncate`] therefore carry a *protocol*
//! rule — nobody else uses the store meanwhile, not even to read-and-advance — that no type can
//! check across processes (nor, for [`Mapped`], within one: several stores may map the same
//! words, and `&mut` covers only its own). Breaking it loses or repeats rows, or leaves
//! `committed` above the tail (a concurrent advance re-raising the watermark over bits the
//! rewind is clearing: the loom model `stalled_races_truncate` shows it), but is not undefined
//! behaviour: every access is atomic.
//!
//! # Examples
//!
//! ```
//! use mmarray::claim::{Claims, Inline};
//!
//! let claims = Claims::new(Inline::<1>::new(10)?);
//! let first = claims.claim(3).expect("room for 3");
//! let second = claims.claim(2).expect("room for 2");
//! assert_eq!((first.rows(), second.rows()), (0..3, 3..5));
//!
//! // Commits may complete out of order; the watermark waits for the hole at 0..3.
//! assert_eq!(second.commit(), 0);
//! assert_eq!(claims.committed(), 0);
//! assert_eq!(first.commit(), 5);
//!
//! // Flush: persist the newly committed rows, then publish them as durable.
//! let durable = claims.flush(|rows| {
//!     assert_eq!(rows, 0..5); // msync these rows here
//!     Ok::<(), ()>(())
//! });
//! assert_eq!(durable, Ok(5));
//! # Ok::<(), mmarray::claim::SetupError>(())
//! ```
#![cfg(target_has_atomic = "64")]

mod bitmap;
mod close;
mod error;
mod geometry;
mod header;
mod mapped;
mod owner;
mod repair;
mod store;
mod token;
mod validity;

pub use close::{Closing, Hole};
pub use error::{ClaimError, PublishError, RecoverError, SetupError};
pub use geometry::Geometry;
pub use header::ClaimHeader;
pub use mapped::Mapped;
pub use owner::{Entry, Hold, Liveness, Owner, Owners, Probe};
pub use store::{Borrowed, Inline, Store};
pub use token::Claim;
pub use validity::{ValidRuns, Validity};

use crate::sync::AtomicU64;
use crate::sync::Ordering::{AcqRel, Acquire, Relaxed, Release};
use bitmap::{mark, next_with};
use core::fmt;
use core::ops::Range;
use store::{Key, Parts};

/// The concurrent-writers protocol over a [`Store`]: claims, commits, watermarks, recovery.
///
/// Shared by reference between writers, readers and a flusher (`Claims` is `Sync`); the
/// recovery calls take `&mut self`. See the [module docs](self) for the protocol and its
/// ordering argument.
///
/// # Examples
///
/// ```
/// use mmarray::claim::{Claims, Inline};
/// use std::sync::Arc;
///
/// let claims = Arc::new(Claims::new(Inline::<1>::new(8)?));
/// let workers: Vec<_> = (0..2)
///     .map(|_| {
///         let claims = Arc::clone(&claims);
///         std::thread::spawn(move || claims.claim(4).expect("8 rows for 2 x 4").commit())
///     })
///     .collect();
/// for worker in workers {
///     worker.join().expect("no panic");
/// }
/// assert_eq!(claims.committed(), 8);
/// # Ok::<(), mmarray::claim::SetupError>(())
/// ```
pub struct Claims<S: Store> {
    store: S,
}

/// A snapshot of both watermarks, read so that `durable <= committed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Watermarks {
    /// Rows known to be on disk.
    pub durable: u64,
    /// Rows visible to readers.
    pub committed: u64,
}

impl<S: Store> Claims<S> {
    /// Runs the protocol over `store`, in whatever state the store is in.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(5)?);
    /// assert_eq!((claims.capacity(), claims.claimed(), claims.committed()), (5, 0, 0));
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub const fn new(store: S) -> Self {
        Self { store }
    }

    /// The store, e.g. to read a [`Mapped`] header's row size.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<2>::new(100)?);
    /// assert_eq!(format!("{:?}", claims.store()), "Inline { capacity: 100, words: 2, .. }");
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub const fn store(&self) -> &S {
        &self.store
    }

    fn parts(&self) -> Parts<'_> {
        self.store.parts(Key::new())
    }

    /// Capacity of the array, in rows.
    ///
    /// # Examples
    ///
    /// See [`new`](Self::new).
    pub fn capacity(&self) -> u64 {
        self.parts().capacity
    }

    /// Rows handed out to writers so far (the tail). Informational: it synchronises nothing,
    /// and rows below it are not necessarily complete.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(5)?);
    /// let _claim = claims.claim(2).expect("room");
    /// assert_eq!((claims.claimed(), claims.committed()), (2, 0));
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn claimed(&self) -> u64 {
        self.parts().tail.load(Relaxed)
    }

    /// The committed watermark: every row below it is complete, and its contents as written
    /// by its writer are visible to the caller (`Acquire`). Only grows (except through
    /// [`truncate`](Self::truncate) and [`Mapped::recover`]).
    ///
    /// # Examples
    ///
    /// See [`Claim::commit`].
    pub fn committed(&self) -> u64 {
        self.parts().committed.load(Acquire)
    }

    /// The durable watermark: every row below it was persisted by a [`flush`](Self::flush)
    /// (or a [`publish_durable`](Self::publish_durable)) that has returned. Never above
    /// [`committed`](Self::committed).
    ///
    /// # Examples
    ///
    /// See [`flush`](Self::flush).
    pub fn durable(&self) -> u64 {
        self.parts().durable.load(Acquire)
    }

    /// Both watermarks, read durable first so that `durable <= committed` holds in the result
    /// (reading them in the other order could see a durable watermark newer than the committed
    /// one read before it).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline, Watermarks};
    ///
    /// let claims = Claims::new(Inline::<1>::new(5)?);
    /// claims.claim(2).expect("room").commit();
    /// assert_eq!(claims.watermarks(), Watermarks { durable: 0, committed: 2 });
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn watermarks(&self) -> Watermarks {
        let parts = self.parts();
        let durable = parts.durable.load(Acquire);
        let committed = parts.committed.load(Acquire);
        Watermarks { durable, committed }
    }

    /// Claims the next `rows` rows for the caller's exclusive use.
    ///
    /// The returned [`Claim`] names exactly its rows; end it with [`Claim::commit`] once they
    /// are written (or [`Claim::abandon`]). A claim of 0 rows always succeeds and is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{ClaimError, Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(5)?);
    /// let claim = claims.claim(4).expect("room for 4");
    /// assert_eq!(claim.rows(), 4 - 4..4);
    /// assert_eq!(
    ///     claims.claim(2).err(),
    ///     Some(ClaimError::Full { requested: 2, available: 1, capacity: 5 })
    /// );
    /// claim.commit();
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ClaimError::Full`] if fewer than `rows` rows are unclaimed; nothing is claimed then.
    #[inline]
    pub fn claim(&self, rows: u64) -> Result<Claim<'_, S>, ClaimError> {
        self.claim_with(|available| (rows <= available).then_some(rows))
            .map_err(|(available, capacity)| self.refuse(rows, available, capacity))
    }

    /// The `Full` error of a refused claim, after a passerby's advance: a full array whose
    /// watermark a dead committer left on a complete row moves on even if nobody else calls
    /// anything ("Liveness" in the [module docs](self)).
    fn refuse(&self, requested: u64, available: u64, capacity: u64) -> ClaimError {
        self.advance_committed();
        ClaimError::Full {
            requested,
            available,
            capacity,
        }
    }

    /// Claims up to `max_rows` rows: all of them if they are free, otherwise every row that
    /// is left.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{ClaimError, Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(5)?);
    /// assert_eq!(claims.claim_up_to(3).expect("room").rows(), 0..3);
    /// assert_eq!(claims.claim_up_to(3).expect("2 left").rows(), 3..5);
    /// assert!(matches!(claims.claim_up_to(3), Err(ClaimError::Full { available: 0, .. })));
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ClaimError::Full`] if `max_rows > 0` and no row is left.
    pub fn claim_up_to(&self, max_rows: u64) -> Result<Claim<'_, S>, ClaimError> {
        self.claim_with(|available| {
            let rows = max_rows.min(available);
            (rows > 0 || max_rows == 0).then_some(rows)
        })
        .map_err(|(available, capacity)| self.refuse(max_rows, available, capacity))
    }

    /// The claim loop: `size(available)` says how many rows to take, or `None` to give up.
    /// On giving up returns `(available, capacity)`. With an `entry`, each attempt announces
    /// its range there before the compare-exchange (A1, A2 in `owner.rs`), and giving up
    /// retires it.
    #[inline]
    fn claim_with(&self, size: impl Fn(u64) -> Option<u64>) -> Result<Claim<'_, S>, (u64, u64)> {
        let parts = self.parts();
        let tail = parts.tail;
        // See "Claims and give-backs" in the module docs.
        let mut start = tail.load(Relaxed);
        loop {
            let end = attempt(&size, start, parts.capacity)?;
            // AcqRel: see "Claims and give-backs" (the release half matters to announced
            // claims, `claim_announced`; on x86 it is the same instruction).
            match tail.compare_exchange_weak(start, end, AcqRel, Relaxed) {
                Ok(_) => {
                    return Ok(Claim {
                        claims: self,
                        start,
                        end,
                        announce: None,
                    });
                }
                Err(now) => start = now,
            }
        }
    }

    /// The claim loop of an announced claim: like [`claim_with`](Self::claim_with), but each
    /// attempt announces its range in `words` before the compare-exchange (A1, A2 in
    /// `owner.rs`), and giving up retires the entry.
    fn claim_announced<'a>(
        &'a self,
        words: &'a [AtomicU64; owner::ENTRY_WORDS],
        size: impl Fn(u64) -> Option<u64>,
    ) -> Result<Claim<'a, S>, (u64, u64)> {
        let parts = self.parts();
        let tail = parts.tail;
        let mut start = tail.load(Relaxed);
        loop {
            let end = attempt(&size, start, parts.capacity).inspect_err(|_| {
                // Giving up: no claim, so no announcement.
                words[owner::RANGE].store(0, Release);
            })?;
            // An empty claim needs no owner: nobody waits on no rows.
            let announced = if end > start {
                owner::pack(start, end - start)
            } else {
                0
            };
            words[owner::RANGE].store(announced, Release);
            // AcqRel: Acquire for the rows a give-back returned, Release for the announcement
            // (A1 in `owner.rs`).
            match tail.compare_exchange_weak(start, end, AcqRel, Relaxed) {
                Ok(_) => {
                    return Ok(Claim {
                        claims: self,
                        start,
                        end,
                        announce: (end > start).then_some(token::Announce {
                            words,
                            shared: false,
                        }),
                    });
                }
                Err(now) => start = now,
            }
        }
    }

    /// Completes `start..end` and returns the committed watermark this left.
    ///
    /// Fast path: a claim that starts exactly at the watermark publishes itself with one
    /// compare-exchange of `committed` from `start` to `end` (no bits), then scans for runs
    /// that other committers completed above it. Otherwise: set the completion bits, then run
    /// the advance loop. See "Commits out of order".
    #[inline]
    fn complete(&self, start: u64, end: u64) -> u64 {
        let parts = self.parts();
        let committed = parts.committed;
        if start == end {
            // No rows, no bits: nothing for anyone to wait on.
            return committed.load(Acquire);
        }
        // The load only decides whether to try: a claim above the watermark skips a
        // compare-exchange that would fail (an RMW on the hottest cache line). The
        // exchange, not the load, is what publishes and synchronises.
        if committed.load(Relaxed) == start
            && committed
                .compare_exchange(start, end, AcqRel, Acquire)
                .is_ok()
        {
            return advance_from(&parts, end);
        }
        mark(parts.done, start, end);
        advance(&parts)
    }

    /// Persists newly committed rows and publishes them as durable.
    ///
    /// Runs a passerby's [`advance_committed`](Self::advance_committed) (so a flush alone
    /// carries on a watermark a dead committer left on a complete row), reads the
    /// [`watermarks`](Self::watermarks), calls `persist(durable..committed)` (the
    /// caller makes those rows durable, e.g. with `msync`; the range may be empty), and if it
    /// succeeds raises the durable watermark to that committed value. Concurrent flushes are
    /// fine: the durable watermark only ever grows.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(5)?);
    /// claims.claim(3).expect("room").commit();
    /// let mut persisted = 0..0;
    /// let durable = claims.flush(|rows| {
    ///     persisted = rows;
    ///     Ok::<(), ()>(())
    /// });
    /// assert_eq!((durable, persisted, claims.durable()), (Ok(3), 0..3, 3));
    ///
    /// // A failed persist publishes nothing.
    /// claims.claim(1).expect("room").commit();
    /// assert_eq!(claims.flush(|_| Err("disk full")), Err("disk full"));
    /// assert_eq!(claims.durable(), 3);
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Whatever `persist` returns; the durable watermark is then unchanged.
    pub fn flush<E>(&self, persist: impl FnOnce(Range<u64>) -> Result<(), E>) -> Result<u64, E> {
        // A passerby's advance first, so a watermark frozen on a complete row (a committer
        // killed between its two steps) is carried on and made durable by a flush alone.
        self.advance_committed();
        let Watermarks { durable, committed } = self.watermarks();
        persist(durable..committed)?;
        Ok(self.raise_durable(committed))
    }

    /// Publishes that rows below `rows` are on disk, for callers that run the flush steps
    /// themselves: read [`committed`](Self::committed), persist the rows below it, then
    /// publish that value. Never lowers the durable watermark; returns its new value.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline, PublishError};
    ///
    /// let claims = Claims::new(Inline::<1>::new(5)?);
    /// claims.claim(3).expect("room").commit();
    /// let committed = claims.committed();
    /// // ... persist rows 0..committed ...
    /// assert_eq!(claims.publish_durable(committed), Ok(3));
    /// assert_eq!(claims.publish_durable(1), Ok(3)); // never lowered
    /// assert_eq!(
    ///     claims.publish_durable(4),
    ///     Err(PublishError::AheadOfCommitted { requested: 4, committed: 3 })
    /// );
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`PublishError::AheadOfCommitted`] if `rows` exceeds the committed watermark.
    pub fn publish_durable(&self, rows: u64) -> Result<u64, PublishError> {
        let committed = self.committed();
        if rows > committed {
            return Err(PublishError::AheadOfCommitted {
                requested: rows,
                committed,
            });
        }
        Ok(self.raise_durable(rows))
    }

    /// `durable = max(durable, rows)`; `rows` was read from `committed`, so it is <= it.
    fn raise_durable(&self, rows: u64) -> u64 {
        // AcqRel: Release publishes "the persist call returned" to readers of `durable` (and
        // orders our earlier read of `committed` before this write: see "Durability").
        self.parts().durable.fetch_max(rows, AcqRel).max(rows)
    }

    /// Runs the advance loop: raises the committed watermark over every row whose completion
    /// bit is set, up to the first incomplete row, and returns the watermark it left.
    ///
    /// Committing runs this loop anyway; call it to finish the work of a committer that set its
    /// bits and then stopped before its loop (a process killed at that point), which otherwise
    /// leaves the watermark on a complete row with nobody to move it — on a full array for
    /// good. Anyone may run it at any time, concurrently with writers, readers and other
    /// advancers. It first *loads* `committed` and the bit at it; if that bit is clear there is
    /// nothing to do and it returns without writing anything (so polling it, or
    /// [`stalled`](Self::stalled), never dirties a shared header). If the bit is set it reads
    /// `committed` with a read-modify-write and runs exactly the loop a committer runs, taking
    /// part in the ordering argument as one more committer with no rows of its own (see "No
    /// commit is lost" and "Passersby" in the [module docs](self)). It never passes an
    /// incomplete row. [`stalled`](Self::stalled), [`flush`](Self::flush) and a refused
    /// [`claim`](Self::claim) run it first; a process joining a shared store (after
    /// [`Mapped::open`]) should run it once.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let claims = Claims::new(Inline::<1>::new(4)?);
    /// claims.claim(4).expect("room").commit();
    /// assert_eq!(claims.advance_committed(), 4); // nothing left to do: the commit advanced
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn advance_committed(&self) -> u64 {
        let parts = self.parts();
        // A passerby, not a committer: it may start from a load (see "Passersby" in the
        // module docs). Only a set bit at the watermark is work for it; then it runs the loop
        // from an RMW read like any committer. A healthy log is therefore only read here,
        // never written: `stalled()` polls and joins do not dirty the header's cache line.
        let w = parts.committed.load(Acquire);
        if next_with(parts.done, w, parts.capacity, false) == w {
            return w;
        }
        advance(&parts)
    }
}

impl<S: Store + fmt::Debug> fmt::Debug for Claims<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Watermarks { durable, committed } = self.watermarks();
        f.debug_struct("Claims")
            .field("store", &self.store)
            .field("claimed", &self.claimed())
            .field("committed", &committed)
            .field("durable", &durable)
            .finish()
    }
}

/// The end of one claim attempt from tail `start`, or the refusal `(available, capacity)`
/// when `size(available)` gives up.
#[inline]
fn attempt(
    size: &impl Fn(u64) -> Option<u64>,
    start: u64,
    capacity: u64,
) -> Result<u64, (u64, u64)> {
    // The tail never exceeds the capacity (store invariant); 0 if it somehow did.
    let available = capacity.saturating_sub(start);
    // `rows <= available` by the callers' construction, so `end` stays <= capacity.
    size(available)
        .and_then(|rows| start.checked_add(rows.min(available)))
        .ok_or((available, capacity))
}

/// The advance loop (see "Commits out of order" and "No commit is lost" in the module docs).
/// Returns the committed watermark it left.
fn advance(parts: &Parts<'_>) -> u64 {
    let committed = parts.committed;
    // An RMW, not a load: this read must join the release sequence of every earlier committer's
    // RMW, or two committers can miss each other's bits.
    advance_from(parts, committed.fetch_add(0, AcqRel))
}

/// The advance loop from a watermark `w` that this thread's last RMW on `committed` read or
/// wrote (so the scan sees every bit set by a committer whose RMW came earlier).
fn advance_from(parts: &Parts<'_>, mut w: u64) -> u64 {
    let committed = parts.committed;
    loop {
        let run_end = next_with(parts.done, w, parts.capacity, false);
        if run_end == w {
            return w;
        }
        w = committed.fetch_max(run_end, AcqRel).max(run_end);
    }
}

#[cfg(all(test, not(mmarray_loom)))]
mod tests;
