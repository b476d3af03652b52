//! Closing the hole of a dead writer: [`Claims::close_dead`], [`Claims::hole`],
//! [`Claims::close_all`].
//!
//! A *hole* is `w = committed < tail` with `done(w)` clear: the committed watermark waits for
//! row `w`. If the claim holding `w` belongs to a process that is gone, nobody will ever
//! commit it; [`Claims::close_dead`] lets any participant — a writer, a reader, a flusher —
//! close it: zero-fill the rows, mark them **void** and complete, and advance. It never closes
//! rows whose owner may be alive, and asks nothing of the owner: the evidence is the owner's
//! *announcement* (its range in an entry of its slot, written before its claim: see
//! "Announce before claiming" in `owner.rs`, facts A1–A4) and the adapter's [`Probe`].
//!
//! # The algorithm
//!
//! ```text
//!  1  t1 = tail.fetch_add(0, AcqRel)                 RMW: the latest tail
//!  2  w = advance_committed()                         a passerby's advance first
//!  3  w >= t1 or done(w)            -> Open
//!  4  S1 = scan(w): every entry (Acquire: range, then give-back count), every slot's
//!     generation (Acquire); candidates C1 = entries whose range covers w, with their slot,
//!     index, generation and range word; fingerprint F1 = sum of all generations and
//!     give-back counts
//!  5  C1 empty                       -> Unknown(w)    (never closed: P1 says it cannot happen)
//!  6  probe every slot of C1: Alive or Unknown -> Waiting(hole)
//!  7  take `closer` (CAS 0 -> (my generation << 16) | (my slot + 1), AcqRel); held by a
//!     live slot -> Waiting; by a dead one (probed Dead, or its slot re-taken since: another
//!     generation) -> CAS from exactly that value (take-over)
//!  8  t2 = tail.fetch_add(0, AcqRel); S2 = scan(w)  (after the probes, under the closer)
//!  9  t2 <= w, or C2 != C1, or F2 != F1, or committed != w, or done(w)
//!                                    -> release closer, Retry   (Acquire loads, after S2)
//! 10  x = min(t2, min end of C2, min start > w of every other announced range,
//!             first row >= w whose done bit is set)
//! 11  zero(w..x)                                      the adapter's callback, exclusive
//! 12  void.fetch_or(w..x, Release); done.fetch_or(w..x, Release)
//! 13  advance (the committer's RMW loop); release closer (CAS mine -> 0, Release)
//! ```
//!
//! One call closes at most one claim's rows (`w..x`); the caller calls again while it
//! returns [`Closing::Closed`] or [`Closing::Retry`] (the next hole may be the same dead
//! claim's rows above a part it committed).
//!
//! Differences from design §3.2, and why: the design re-ran steps 8–9 after taking the
//! closer; here they run only under it (the earlier check decided nothing the later one does
//! not). The design bounded `x` by `t2` and the candidates' ends; that is not enough when a
//! dead owner gave back the end of a split claim (its announcement still names rows it
//! returned, which a live process may have re-claimed), hence the bound by other announced
//! starts and done bits (P2). And the design compared only `C1` and `C2`: a live owner that
//! gives back and retires between the tail read and the scan is then invisible to both scans
//! while a live process re-claims its rows, hence the give-back counts in the fingerprint
//! (P1, case 3). `C1` is kept in a fixed array of 16 candidates (the core allocates
//! nothing); a row that more than 16 entries announce is reported as waiting, never closed.
//!
//! # Proofs
//!
//! Notation as in the [module docs](super): every write to `tail`, `committed` and a bitmap
//! word is an RMW; an entry is written only by its owner (A1–A4 in `owner.rs`) and by
//! [`Owners::take`](super::Owners::take) of a slot whose holder is gone. "Sees" = reads from,
//! or later in modification order. The kernel axiom (design §2.3): when a [`Probe`] reports
//! a slot `Dead`, every action of every process that held it happens before the probe's
//! return (loom models it as the victim's `Release` store of a "dead" flag after its last
//! step, read by the probe with `Acquire`).
//!
//! **P1 — the owner at step 8 is a dead candidate, or the call retries.** Let `Q` own row `w`
//! at `T2` (the RMW of step 8): its successful compare-exchange `K` covering `w` precedes `T2`
//! in the tail's modification order and no give-back of `Q`'s covering part does. `T2` reads
//! from `K`'s release sequence (all writes to the tail are RMWs), so `Q`'s announcement
//! happens before `S2` (A1), which sees it or a later value of the entry. Cases:
//!
//! 1. `S2` reads the announcement: `Q ∈ C2 = C1`, so `Q`'s slot was probed `Dead` at step 6 —
//!    before `T2`, with the same generation.
//! 2. `S2` reads a later value and `Q` published `w` first (commit or abandon; A2, A3): the
//!    scan's `Acquire` makes that publication (a `done` bit, or `committed` moved past `w`)
//!    visible to step 9's loads: `Retry`.
//! 3. `S2` reads a later value and `Q` gave back `w`'s part after `T2`. By A4 the scan sees
//!    `Q`'s incremented give-back count. `S1` read that count before `T2`, and cannot have
//!    read the increment: it is sequenced after the give-back, which follows `T2` in the
//!    tail's order, and reading it (a `Release`) would make the give-back happen before `T2`.
//!    Counts only grow, so `F2 > F1`: `Retry`.
//! 4. The slot was re-taken ([`Owners::take`](super::Owners::take)) and the entry cleared:
//!    taking needs the slot's lock free, so `Q` is gone; nothing is decided on `Q`'s
//!    liveness then, and `x` stays within rows no live process owns (P2).
//!
//! So when step 9 passes, the owner of `w` at `T2` is gone — and a gone owner never gives
//! back, so it owns `w` from then on.
//!
//! Steps 1 and 8 read the tail with an RMW, as design §3.3 asks (one RMW per attempt, on
//! the slow path only). With the probes ordered before step 8, as here, an `Acquire` load
//! would do as well: the probe that reports a candidate dead synchronises with its last
//! step (the axiom), give-backs included, so the tail read after it cannot return a value
//! from before them; and any later value synchronises with the claim that wrote it, whose
//! announcement case 1 then needs. The loom model `give_back_reclaim_aba_with_a_load` (the
//! design's scenario: `A` claims row 0, gives it back and dies before retiring, `B`
//! re-claims it) passes with loads. What that scenario does need is the comparison of the
//! two scans: without it the second scan's new candidate `B` is never probed and its live
//! row is closed (`give_back_reclaim_aba_without_comparing_the_scans`), and without the
//! give-back counts case 3 closes a live row (`give_back_after_the_tail_read_without_counts`).
//!
//! **P2 — no live owner's rows are closed.** By P1 the owner `Q` of `w` is gone since before
//! `T2` (case 1: probed dead before `T2`, and by the axiom all its actions, give-backs
//! included, happen before `T2`; case 4: gone before the take). Its rows from `w` on are
//! `w..m`, where `m` is the start of the first later claim (after a give-back of `Q`'s last
//! part) or `Q`'s end. `x <= m`: each claim covering rows in `m..t2` at `T2` had its
//! compare-exchange before `T2`, so `S2` sees its announcement (its start caps `x`), or it
//! published (`done` bits above `w`: `committed == w` rules out the fast path; they cap `x`),
//! or it gave back after `T2` (its count changed: `F2 != F1`, `Retry`). And `x <= t2`,
//! `x <=` every candidate's end (`Q`'s included). Rows `w..x` have `done` clear, so no part of
//! `Q` published them. Stale announcements (a failed compare-exchange, a claim given back by a
//! process that died before retiring) only add candidates — which can make step 6 wait, never
//! close — or lower `x`.
//!
//! **P3 — no zombie writes.** A slot is probed `Dead` only when no process that held it can
//! store to the rows (the adapter's lock is dropped only after its map: design §2.3). So no
//! store to `w..x` by `Q` can follow; the zero-fill of step 11 races with nobody but other
//! closers (P4), and the adapter's `&[T]` over committed rows stays sound over void rows.
//!
//! **P4 — closers exclude each other.** Step 11 writes rows non-atomically, so it runs only
//! while holding `closer`, which is taken by compare-exchange and released by the holder. A
//! holder is replaced only when its slot is probed `Dead` or has another generation (re-taken:
//! its old holder is gone), and by a compare-exchange from exactly the value read, so two
//! takers cannot both win; by P3 the replaced holder's stores are over. The new holder re-runs
//! steps 8–9 (`Acquire` from the take-over) and redoes 11–12: zeros again, and `fetch_or`s —
//! idempotent. If the old holder had set `done(w)` already, step 9 retries and the next call's
//! advance carries the watermark on.
//!
//! **P5 — readers see void before rows** (the [module docs](super)' "Validity", for this
//! path): step 12 sets `void` before `done`, both `Release`; the advance that passes a row
//! acquired its `done` bit, so a reader that acquires `committed > r` sees `void(r)` and the
//! zeros of step 11.
//!
//! **P6 — bounded time.** Once the kernel releases the dead owner's lock, every probe reports
//! it `Dead`. The next participant to call `close_dead` passes step 6; steps 7–9 fail only if
//! a live closer holds `closer` (it finishes), the candidates or give-back counts changed
//! (a stale announcement being overwritten, a give-back: finitely many per claim made), or the
//! hole was closed meanwhile. So a dead owner's hole is closed within the adapter's grace
//! period plus one call per claim that changed in between; if nobody calls, nobody is waiting
//! on it (flushes and the adapter's readers call it).
//!
//! Limits of P6, by design: a hole row announced by more than `MAX_CANDIDATES` (16) entries
//! is reported `Waiting` and never closed (the core keeps no unbounded candidate list); a
//! caller with no slot of its own ([`Probe::me`] is `None`) cannot take the `closer` word and
//! only reports the hole, so some participant with a slot must call (the adapter's
//! processes take their first slot at their first claim, or to close such a hole); and a `Probe` answering `Unknown` (no liveness
//! source on the platform) never lets a hole close. The closed range and the reported hole
//! are clamped to the capacity, so a corrupted tail cannot make `zero` reach past the rows.

use super::bitmap::{locate, mark, next_with};
use super::owner::{ENTRY_WORDS, GIVE_BACKS, RANGE, unpack};
use super::owner::{Hold, Liveness, Owner, Owners, Probe};
use super::store::Parts;
use super::{Claims, Store, advance};
use crate::sync::AtomicU64;
use crate::sync::Ordering::{AcqRel, Acquire, Relaxed, Release};
use core::ops::Range;

/// A hole at the committed watermark, and who holds it as far as the owner table says.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hole {
    /// The incomplete rows at the watermark: from `committed` to the first complete row, the
    /// tail, or the end of the owner's claim, whichever comes first.
    pub rows: Range<u64>,
    /// The slot that announced a claim covering `rows.start` (the one that made a closer
    /// wait, or the first one found), with what its header says; `None` if no entry covers it.
    pub owner: Option<Owner>,
    /// How many entries announce a claim covering `rows.start` (more than one: stale
    /// announcements, e.g. of a claim attempt that lost its race).
    pub candidates: u32,
    /// What the probe said about `owner` (`None` when nobody probed: [`Claims::hole`]).
    /// `Dead` in [`Closing::Waiting`]: the owner is dead and another participant is closing
    /// the hole (or the caller has no slot to close it with).
    pub liveness: Option<Liveness>,
}

/// What [`Claims::close_dead`] did.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[must_use = "call again while it returns `Closed` or `Retry`"]
pub enum Closing {
    /// No hole: the watermark is at the tail or on a complete row (after advancing).
    Open,
    /// These rows of a dead owner were zero-filled, marked void and complete, and the
    /// watermark advanced over them. Call again: the next hole may follow.
    Closed(Range<u64>),
    /// The hole's owner may be alive (or the probe cannot tell), or another participant is
    /// closing it: nothing was changed.
    Waiting(Hole),
    /// No entry announces a claim covering this row (a store without owner tracking, or data
    /// not written by this protocol): never closed.
    Unknown(u64),
    /// The state changed while looking (a commit, a give-back, another closer): call again.
    Retry,
}

/// Most candidates a closer compares between its two scans; more is reported as waiting.
const MAX_CANDIDATES: usize = 16;

/// An entry covering the hole row, as a scan read it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Candidate {
    slot: u32,
    index: u32,
    generation: u64,
    range: u64,
}

/// What one scan of the owner table found about row `w`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scan {
    candidates: [Candidate; MAX_CANDIDATES],
    /// Candidates found (may exceed `MAX_CANDIDATES`: only the first ones are kept).
    found: u32,
    /// Sum of every slot's generation and every entry's give-back count.
    fingerprint: u128,
    /// Least end of a candidate's range.
    min_end: u64,
    /// Least start above `w` of any other announced range.
    next_start: u64,
}

impl Scan {
    fn candidates(&self) -> &[Candidate] {
        &self.candidates[..(self.found as usize).min(MAX_CANDIDATES)]
    }

    /// Same candidates and fingerprint (the bounds may differ: claims above `w` move on).
    fn same(&self, other: &Scan) -> bool {
        self.found == other.found
            && self.fingerprint == other.fingerprint
            && self.candidates() == other.candidates()
    }
}

/// Scans every entry for ranges covering `w` (A1–A4 in `owner.rs`: `Acquire` loads, the range
/// before the give-back count).
fn scan(owners: &Owners<'_>, w: u64) -> Scan {
    let mut scan = Scan {
        candidates: [Candidate::default(); MAX_CANDIDATES],
        found: 0,
        fingerprint: 0,
        min_end: u64::MAX,
        next_start: u64::MAX,
    };
    let mut generation = 0;
    let mut slot_seen = u32::MAX;
    owners.for_each_entry(|slot, index, words: &[AtomicU64; ENTRY_WORDS]| {
        if slot != slot_seen {
            slot_seen = slot;
            generation = owners.generation(slot).unwrap_or(0);
            scan.fingerprint += u128::from(generation);
        }
        let range = words[RANGE].load(Acquire);
        scan.fingerprint += u128::from(words[GIVE_BACKS].load(Acquire));
        let Some(rows) = unpack(range) else {
            return;
        };
        if rows.contains(&w) {
            if let Some(c) = scan.candidates.get_mut(scan.found as usize) {
                *c = Candidate {
                    slot,
                    index,
                    generation,
                    range,
                };
            }
            scan.found = scan.found.saturating_add(1);
            scan.min_end = scan.min_end.min(rows.end);
        } else if rows.start > w {
            scan.next_start = scan.next_start.min(rows.start);
        }
    });
    scan
}

/// Whether row `row`'s completion bit is set (`Acquire`).
fn is_done(done: &[AtomicU64], row: u64) -> bool {
    locate(row)
        .and_then(|(index, bit)| Some(done.get(index)?.load(Acquire) & (1 << bit) != 0))
        .unwrap_or(false)
}

/// How a closer runs: the protocol, or (loom builds only) a variant a model needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// The protocol: `fetch_add(0, AcqRel)` reads of the tail at steps 1 and 8.
    Protocol,
    /// `Acquire` loads of the tail at steps 1 and 8 instead of RMWs.
    #[cfg(mmarray_loom)]
    LoadTail,
    /// The protocol, but the closer dies right after its zero-fill (step 11): no bits, no
    /// advance, the `closer` word still held.
    #[cfg(mmarray_loom)]
    DieAfterZero,
    /// Step 9 without comparing the scans at all (a mistake P1 rules out).
    #[cfg(mmarray_loom)]
    NoComparison,
    /// Step 9 comparing the candidates but not the give-back counts (P1, case 3).
    #[cfg(mmarray_loom)]
    NoCounts,
}

impl<S: Store> Claims<S> {
    /// Closes the hole at the committed watermark if every process that announced a claim
    /// covering it is dead; see
    /// `src/claim/close.rs` for the algorithm and its proofs.
    ///
    /// `probe` answers liveness of slots (and names the caller's own slot, needed to take the
    /// `closer` word); `zero(rows)` is called at most once, with exclusive access to `rows`
    /// (no live process can write them, no other closer runs), and must fill them with zeros
    /// before they are marked void and published.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Closing, Entry, Inline, Liveness, Probe};
    ///
    /// /// Slot 0 is this process; slot 1 died.
    /// struct Slots;
    /// impl Probe for Slots {
    ///     fn probe(&self, slot: u32) -> Liveness {
    ///         if slot == 1 { Liveness::Dead } else { Liveness::Alive }
    ///     }
    ///     fn me(&self) -> Option<u32> {
    ///         Some(0)
    ///     }
    /// }
    ///
    /// let claims = Claims::new(Inline::<1, 32>::with_owners(10, 2, 1)?);
    /// claims.owners().take(0, 1, 0, 0);
    /// // The dead process claimed rows 0..3 and never committed them.
    /// core::mem::forget(claims.claim_as(Entry { slot: 1, index: 0 }, 3).expect("room"));
    /// claims.claim_as(Entry { slot: 0, index: 0 }, 2).expect("room").commit();
    /// assert_eq!(claims.committed(), 0);
    /// let mut zeroed = 0..0;
    /// assert_eq!(claims.close_dead(&Slots, |rows| zeroed = rows), Closing::Closed(0..3));
    /// assert_eq!((zeroed, claims.committed()), (0..3, 5));
    /// assert_eq!(claims.validity().runs().collect::<Vec<_>>(), [3..5]);
    /// assert_eq!(claims.close_dead(&Slots, |_| ()), Closing::Open);
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn close_dead(&self, probe: &impl Probe, zero: impl FnOnce(Range<u64>)) -> Closing {
        self.close_with(probe, zero, Variant::Protocol)
    }

    /// Test hook (`#[doc(hidden)]`, loom builds only): [`close_dead`](Self::close_dead) with
    /// plain `Acquire` loads of the tail at steps 1 and 8 (the loom model
    /// `give_back_reclaim_aba_with_a_load`).
    #[cfg(mmarray_loom)]
    #[doc(hidden)]
    pub fn close_dead_loading_the_tail(
        &self,
        probe: &impl Probe,
        zero: impl FnOnce(Range<u64>),
    ) -> Closing {
        self.close_with(probe, zero, Variant::LoadTail)
    }

    /// Test hook (`#[doc(hidden)]`, loom builds only): a closer that dies right after its
    /// zero-fill, holding the `closer` word (the loom model `two_closers_and_takeover`).
    #[cfg(mmarray_loom)]
    #[doc(hidden)]
    pub fn close_dead_and_die_after_zero(
        &self,
        probe: &impl Probe,
        zero: impl FnOnce(Range<u64>),
    ) -> Closing {
        self.close_with(probe, zero, Variant::DieAfterZero)
    }

    /// Test hook (`#[doc(hidden)]`, loom builds only): step 9 without comparing the two
    /// scans (the loom model `give_back_reclaim_aba_without_comparing_the_scans`).
    #[cfg(mmarray_loom)]
    #[doc(hidden)]
    pub fn close_dead_without_comparing_the_scans(
        &self,
        probe: &impl Probe,
        zero: impl FnOnce(Range<u64>),
    ) -> Closing {
        self.close_with(probe, zero, Variant::NoComparison)
    }

    /// Test hook (`#[doc(hidden)]`, loom builds only): step 9 comparing candidates but not the
    /// give-back counts (the loom model `give_back_after_the_tail_read_without_counts`).
    #[cfg(mmarray_loom)]
    #[doc(hidden)]
    pub fn close_dead_without_give_back_counts(
        &self,
        probe: &impl Probe,
        zero: impl FnOnce(Range<u64>),
    ) -> Closing {
        self.close_with(probe, zero, Variant::NoCounts)
    }

    fn close_with(
        &self,
        probe: &impl Probe,
        zero: impl FnOnce(Range<u64>),
        variant: Variant,
    ) -> Closing {
        let parts = self.parts();
        let tail = |parts: &Parts<'_>| match variant {
            #[cfg(mmarray_loom)]
            Variant::LoadTail => parts.tail.load(Acquire),
            _ => parts.tail.fetch_add(0, AcqRel),
        };
        // Steps 1-3.
        let t1 = tail(&parts);
        let w = self.advance_committed();
        if w >= t1 || is_done(parts.done, w) {
            return Closing::Open;
        }
        // Steps 4-6.
        let first = scan(&parts.owners, w);
        let hole = |scan: &Scan, at: usize, liveness| {
            let candidate = scan.candidates().get(at).copied();
            let bound = t1
                .min(scan.min_end)
                .min(scan.next_start)
                .min(parts.capacity);
            let end = next_with(parts.done, w, bound, true);
            Hole {
                rows: w..end.max(w + 1),
                owner: candidate.and_then(|c| {
                    let owner = parts.owners.owner(c.slot)?;
                    Some(Owner {
                        generation: c.generation,
                        ..owner
                    })
                }),
                candidates: scan.found,
                liveness: Some(liveness),
            }
        };
        if first.found == 0 {
            // The owner may have committed (or given back) and retired its entry between
            // the advance and the scan: look again before calling the hole unexplained.
            if parts.committed.load(Acquire) != w || is_done(parts.done, w) {
                return Closing::Retry;
            }
            return Closing::Unknown(w);
        }
        for (at, c) in first.candidates().iter().enumerate() {
            let liveness = if probe.me() == Some(c.slot) {
                Liveness::Alive
            } else {
                probe.probe(c.slot)
            };
            if liveness != Liveness::Dead {
                return Closing::Waiting(hole(&first, at, liveness));
            }
        }
        if first.found as usize > MAX_CANDIDATES {
            return Closing::Waiting(hole(&first, 0, Liveness::Unknown));
        }
        // Step 7.
        let Some(mine) = probe.me().and_then(|me| closer_value(&parts.owners, me)) else {
            return Closing::Waiting(hole(&first, 0, Liveness::Dead));
        };
        if !take_closer(&parts, mine, probe) {
            return Closing::Waiting(hole(&first, 0, Liveness::Dead));
        }
        // Released on every path out, also when `zero` unwinds: the rows are a dead
        // owner's, and a later closer redoes an interrupted close (P4: idempotent).
        let _closer = CloserGuard {
            closer: parts.closer,
            mine,
        };
        // Steps 8-9, under the closer.
        let t2 = tail(&parts);
        let second = scan(&parts.owners, w);
        let committed = parts.committed.load(Acquire);
        let same = match variant {
            #[cfg(mmarray_loom)]
            Variant::NoComparison => true,
            #[cfg(mmarray_loom)]
            Variant::NoCounts => Scan {
                fingerprint: first.fingerprint,
                ..second
            }
            .same(&first),
            _ => second.same(&first),
        };
        if t2 <= w || !same || committed != w || is_done(parts.done, w) {
            return Closing::Retry;
        }
        // Step 10.
        let bound = t2
            .min(second.min_end)
            .min(second.next_start)
            .min(parts.capacity);
        let x = next_with(parts.done, w, bound, true);
        // Steps 11-13.
        zero(w..x);
        #[cfg(mmarray_loom)]
        if variant == Variant::DieAfterZero {
            // A dead closer releases nothing: its word stays set until taken over.
            core::mem::forget(_closer);
            return Closing::Closed(w..x);
        }
        mark(parts.void, w, x);
        mark(parts.done, w, x);
        advance(&parts);
        Closing::Closed(w..x)
    }

    /// The hole at the committed watermark, if the watermark waits for an incomplete row,
    /// with the first entry announcing a claim over it (a snapshot for diagnosis: nobody is
    /// probed, so [`Hole::liveness`] is `None`).
    ///
    /// Runs [`advance_committed`](Self::advance_committed) first, like
    /// [`stalled`](Self::stalled).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Entry, Inline};
    ///
    /// let claims = Claims::new(Inline::<1, 32>::with_owners(10, 2, 1)?);
    /// claims.owners().take(1, 4242, 17, 0);
    /// let slow = claims.claim_as(Entry { slot: 1, index: 0 }, 3).expect("room");
    /// claims.claim(2).expect("room").commit();
    /// let hole = claims.hole().expect("rows 0..3 wait");
    /// assert_eq!((hole.rows, hole.candidates, hole.liveness), (0..3, 1, None));
    /// assert_eq!(hole.owner.map(|o| (o.slot, o.pid)), Some((1, 4242)));
    /// slow.commit();
    /// assert_eq!(claims.hole(), None);
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn hole(&self) -> Option<Hole> {
        let parts = self.parts();
        let w = self.advance_committed();
        let t = parts.tail.load(Acquire);
        if w >= t || is_done(parts.done, w) {
            return None;
        }
        let found = scan(&parts.owners, w);
        let bound = t
            .min(found.min_end)
            .min(found.next_start)
            .min(parts.capacity);
        let end = next_with(parts.done, w, bound, true).max(w + 1);
        let owner = found.candidates().first().and_then(|c| {
            Some(Owner {
                generation: c.generation,
                ..parts.owners.owner(c.slot)?
            })
        });
        Some(Hole {
            rows: w..end,
            owner,
            candidates: found.found,
            liveness: None,
        })
    }

    /// Closes every hole after every process that used the store is gone (a session start
    /// on the same boot, design §8): each incomplete row between the committed watermark and
    /// the tail is zero-filled (`zero` is called once per run of them), marked void and
    /// complete; the watermark then reaches the tail, keeping every committed row above the
    /// holes. Clears every entry's announcement and the `closer` word. Returns the number of
    /// rows made void.
    ///
    /// `&mut self` proves no claim of this store is alive; for a shared store the caller
    /// vouches that no other participant exists (the adapter's exclusive session lock). After
    /// a machine crash use a rewind to the durable watermark instead
    /// ([`truncate`](Self::truncate), [`Mapped::recover`](super::Mapped::recover)): rows
    /// above it may not be on disk.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// let mut claims = Claims::new(Inline::<1>::new(10)?);
    /// core::mem::forget(claims.claim(2).expect("room")); // a writer died
    /// claims.claim(3).expect("room").commit();
    /// core::mem::forget(claims.claim(1).expect("room")); // another one
    /// let mut zeroed = Vec::new();
    /// assert_eq!(claims.close_all(|rows| zeroed.push(rows)), 3);
    /// assert_eq!((zeroed, claims.committed()), (vec![0..2, 5..6], 6));
    /// assert_eq!(claims.validity().runs().collect::<Vec<_>>(), [2..5]);
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn close_all(&mut self, mut zero: impl FnMut(Range<u64>)) -> u64 {
        let parts = self.parts();
        let tail = parts.tail.load(Acquire);
        let mut closed = 0;
        loop {
            let w = advance(&parts);
            if w >= tail {
                break;
            }
            let x = next_with(parts.done, w, tail, true);
            zero(w..x);
            mark(parts.void, w, x);
            mark(parts.done, w, x);
            closed += x - w;
        }
        parts.owners.clear_entries();
        parts.closer.store(0, Release);
        closed
    }

    /// Clears every entry's announcement and the `closer` word, for a rewind after every
    /// participant is gone ([`truncate`](Self::truncate) keeps them; [`close_all`](Self::close_all)
    /// clears them itself). Left set, a dead process's announcements would keep its slot
    /// from being reused and name it as the owner of rows handed out again.
    ///
    /// `&mut self`: as [`close_all`](Self::close_all), the caller vouches that no other
    /// participant exists.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Entry, Inline};
    ///
    /// let mut claims = Claims::new(Inline::<1, 32>::with_owners(10, 2, 1)?);
    /// claims.owners().take(1, 4242, 17, 0);
    /// core::mem::forget(claims.claim_as(Entry { slot: 1, index: 0 }, 3).expect("room"));
    /// claims.truncate(0).expect("nothing committed");
    /// assert!(claims.hole().is_none());
    /// claims.forget_owners();
    /// let again = claims.claim_as(Entry { slot: 1, index: 0 }, 3).expect("the entry is free");
    /// assert_eq!(again.rows(), 0..3);
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn forget_owners(&mut self) {
        let parts = self.parts();
        parts.owners.clear_entries();
        parts.closer.store(0, Release);
    }
}

/// The `closer` value of slot `me` at its current generation, or `None` outside the table.
fn closer_value(owners: &Owners<'_>, me: u32) -> Option<u64> {
    owners.hold_word(me)
}

/// Takes the `closer` word for `mine`, taking it over from a dead holder (P4); `false` if a
/// live (or unknown) holder has it.
fn take_closer(parts: &Parts<'_>, mine: u64, probe: &impl Probe) -> bool {
    let mut seen = 0;
    // A few take-overs at most: each replaces a dead holder.
    for _ in 0..4 {
        // Acquire: a taken-over holder's writes (bits) are seen by our checks.
        match parts.closer.compare_exchange(seen, mine, AcqRel, Acquire) {
            Ok(_) => return true,
            // The holder released it between our looks: try again from free.
            Err(0) => seen = 0,
            Err(holder) => {
                if holder == mine || !holder_gone(&parts.owners, holder, probe) {
                    return false;
                }
                seen = holder;
            }
        }
    }
    false
}

/// Whether the process that wrote `holder` to `closer` is gone: its slot is probed dead or
/// has another generation (re-taken, which needs the old holder gone).
fn holder_gone(owners: &Owners<'_>, holder: u64, probe: &impl Probe) -> bool {
    match owners.hold_state(holder) {
        Hold::Gone => true,
        Hold::Slot(slot) => probe.me() != Some(slot) && probe.probe(slot) == Liveness::Dead,
        Hold::Free | Hold::Invalid => false,
    }
}

/// Holds the `closer` word for one close; releases it when dropped.
struct CloserGuard<'a> {
    closer: &'a AtomicU64,
    mine: u64,
}

impl Drop for CloserGuard<'_> {
    fn drop(&mut self) {
        release_closer(self.closer, self.mine);
    }
}

/// Releases `closer` if it is still ours.
fn release_closer(closer: &AtomicU64, mine: u64) {
    // Release: our bits and advance happen before the next holder's take (Acquire).
    let _ = closer.compare_exchange(mine, 0, Release, Relaxed);
}

#[cfg(all(test, not(mmarray_loom)))]
mod tests;
