//! The liveness side of a [`RowLog`]: claims announced through this process's owner entries,
//! the holes of dead writers closed by whoever meets them, and [`RowLog::hole`] (design
//! `docs/row-log-v2.md` §2–3).
//!
//! # Who closes, and when (§3.1)
//!
//! A *hole* is the committed watermark waiting for a claimed row that is not complete. This
//! process meets one as a committer whose commit left the watermark below its own rows, a
//! reader ([`committed`](RowLog::committed), [`committed_rows`](RowLog::committed_rows)), a
//! refused claim, or a flusher, [`hole`](RowLog::hole) and a joiner. Meeting one costs
//! nothing by itself: the first group probes only if this process's last probe is older than
//! the grace period ([`slots::GRACE`]), the second probes at once. A probe runs the core's
//! [`Claims::close_dead`](mmarray::claim::Claims::close_dead) with this process's slots as
//! the [`Probe`](mmarray::claim::Probe): a hole whose announcing owners are all dead is
//! zero-filled here, marked void and passed.
#![allow(
    unsafe_code,
    reason = "the rows of a dead writer's hole are zero-filled through the map"
)]

use std::fs::File;
use std::ops::Range;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU64, Ordering};

use mmarray::Element;
use mmarray::claim::{Claim, ClaimError, Claims, Closing, Entry, Hold, Liveness, Mapped};

use super::hole::{Hole, Owner};
use super::npy::Publisher;
use super::slots::{Lease, Slots};
use super::{Layout, RowLog, RowsMut};
use crate::error::Result;
use crate::raw::RawMap;

/// Most holes one pass closes (each `Closed` or `Retry` goes round again): a bound, so that
/// a reader's call stays short while writers keep dying.
const MAX_CLOSES: usize = 64;

/// The parts of a [`RowLog`] that liveness works with, independent of the row type (so a
/// guard that holds it stays `Send` exactly when its rows are).
#[derive(Clone, Copy)]
pub(super) struct Live<'a> {
    claims: &'a Claims<Mapped<'static>>,
    slots: &'a Slots,
    mine: &'a AtomicU64,
    map: &'a RawMap,
    layout: &'a Layout,
    file: Option<&'a File>,
}

impl std::fmt::Debug for Live<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live").finish_non_exhaustive()
    }
}

impl<T> RowLog<T> {
    /// The liveness parts of the log.
    pub(super) fn live(&self) -> Live<'_> {
        Live {
            claims: &self.claims,
            slots: &self.slots,
            mine: &self.mine,
            map: &self.map,
            layout: &self.layout,
            file: self.file.as_ref(),
        }
    }

    /// See [`Live::close_pass`].
    pub(super) fn close_pass(&self, at_once: bool) {
        self.live().close_pass(at_once);
    }

    /// `committed` as a reader saw it; if a hole may hold it (rows are claimed above it), a
    /// passer-by's close pass (at most one probe per grace period), and the watermark again.
    pub(super) fn passing_hole(&self, committed: u64) -> u64 {
        if self.slots.tracking() && committed < self.claims.claimed() {
            self.close_pass(false);
            return self.claims.committed();
        }
        committed
    }
}

impl<'a> Live<'a> {
    /// Who this process is as the `.npy` header's writer: its first slot, if it holds one
    /// (slots are taken by claims and closes, so a reader that flushes may hold none and is
    /// named by its process, `npy.rs`), whether the process holding another slot is dead (to
    /// take over a rewrite it left half-done), and the descriptor of the header lock byte.
    /// Without a descriptor (anonymous logs) nobody is ever dead.
    pub(super) fn header_writer(self) -> Publisher<'a, impl Fn(u32) -> bool + 'a> {
        Publisher {
            slot: self.slots.me(),
            dead: move |slot: u32| match self.file {
                Some(file) => self.slots.liveness(file.as_fd(), slot) == Liveness::Dead,
                None => false,
            },
            file: self.file.map(AsFd::as_fd),
        }
    }

    /// A claim's guard ended: its entry goes back (after the last part of a split claim),
    /// `mine` rises to the end of its rows (if it had any), and a committer left behind a hole
    /// passes it by. `rows` are the claim's rows, `watermark` what its commit (or abandon)
    /// left, `None` for a give-back. Returns that watermark (0 for a give-back).
    pub(super) fn end_claim(
        &self,
        entry: Option<Lease>,
        rows: Range<u64>,
        watermark: Option<u64>,
    ) -> u64 {
        if let Some(entry) = entry {
            self.slots.release(entry);
        }
        let Some(watermark) = watermark else {
            return 0;
        };
        if rows.is_empty() {
            return watermark;
        }
        // Most ends are new maxima on one thread; with several threads, an end another
        // thread already passed needs no read-modify-write of this process-wide line (the
        // load is enough: `mine` only grows, and `flush` reads it before writing back).
        if self.mine.load(Ordering::Relaxed) < rows.end {
            self.mine.fetch_max(rows.end, Ordering::AcqRel);
        }
        if watermark < rows.end {
            // The slow path of a commit: our rows wait behind a hole.
            self.close_pass(false);
        }
        watermark
    }

    /// A claim's guard was split: both parts share its entry.
    pub(super) fn share_entry(&self, entry: Option<Lease>) {
        if let Some(lease) = entry {
            self.slots.share(lease.entry);
        }
    }

    /// Closes the holes of dead writers at the committed watermark, if this process tracks
    /// owners and a probe is due (`at_once`: flush, `hole`, a join; otherwise once per grace
    /// period).
    pub(super) fn close_pass(&self, at_once: bool) {
        let Some(file) = self.file else {
            return;
        };
        if !self.slots.tracking() || !self.slots.due(at_once) {
            return;
        }
        for _ in 0..MAX_CLOSES {
            match self.close_dead(file) {
                Closing::Closed(_) | Closing::Retry => {}
                Closing::Open | Closing::Waiting(_) | Closing::Unknown(_) => return,
            }
        }
    }

    /// One [`Claims::close_dead`] with this process's slots as the probe. Closing needs a
    /// slot to name the closer by (the `closer` word): a process that holds none yet (it
    /// never claimed: a reader) and finds a hole whose owners are all dead takes its first
    /// slot here and answers `Retry`; with none left it leaves the hole to a process that
    /// has one (the core's `Waiting`, the owner dead).
    fn close_dead(&self, file: &File) -> Closing {
        let probe = self.slots.prober(file.as_fd());
        let closing = self
            .claims
            .close_dead(&probe, |rows| self.zero_closed(rows));
        match closing {
            Closing::Waiting(ref hole)
                if hole.liveness == Some(Liveness::Dead)
                    && self.slots.me().is_none()
                    && !self.live_closer(file) =>
            {
                let claims = self.claims;
                match self.slots.first_slot(
                    claims.owners(),
                    file.as_fd(),
                    || claims.committed(),
                    None,
                ) {
                    Ok(_) => Closing::Retry,
                    Err(_) => closing,
                }
            }
            closing => closing,
        }
    }

    /// Whether a live process holds the `closer` word (it is closing a hole now): a slotless
    /// process then leaves the hole to it rather than take a slot it would keep (so one
    /// writer's death does not make every reader that meets its hole take a slot).
    fn live_closer(&self, file: &File) -> bool {
        let owners = self.claims.owners();
        match owners.hold_state(self.claims.store().closer().load(Ordering::Acquire)) {
            Hold::Slot(slot) => self.slots.liveness(file.as_fd(), slot) != Liveness::Dead,
            Hold::Free | Hold::Gone | Hold::Invalid => false,
        }
    }

    /// Zero-fills rows `rows` of a dead writer's claim, for `close_dead` (step 12 of §3.2).
    fn zero_closed(&self, rows: Range<u64>) {
        // SAFETY: `zero_rows` needs that nothing else accesses these rows' bytes during the
        // call. `close_dead` calls this only for rows inside a claim every announcing owner of
        // which its probe found dead, after re-reading the tail by an RMW and re-scanning the
        // entries with the same generations (P1, P2 of the core's `close.rs`), and while it
        // holds the `closer` word, which excludes every other closer (P4). Dead means: the
        // owner's slot lock is free, which the kernel allows only once the owner's mapping is
        // gone (a `RowLog` drops its map before its file) or its address space is torn down
        // (exit), so no store of it can follow (P3, `slots.rs`). This process's own slots
        // probe `Alive` (`Slots::liveness`), so no guard of this process covers these rows.
        // No reader slice covers them: they start at the committed watermark (`close_dead`
        // checked `committed == w`), readers slice only rows below it, and the rows become
        // readable only when `close_dead` publishes them after this call. Other writers of
        // the file are excluded by the contract of file-backed logs.
        unsafe { zero_rows(self.map, self.layout, rows) };
    }
}

/// Zero-fills rows `rows` through the map.
///
/// # Safety
///
/// Nothing else accesses the bytes of `rows` during the call — no guard or slice of this
/// process, no other process — and the map is a writable map of the log laid out by
/// `layout`.
pub(super) unsafe fn zero_rows(map: &RawMap, layout: &Layout, rows: Range<u64>) {
    let Some((offset, len)) = layout.bytes_of(rows) else {
        unreachable!("claimed rows lie inside the validated layout");
    };
    // SAFETY: `slice_mut_unchecked` needs, for this statement: the map lives and is not
    // remapped (it is borrowed for the call), and nothing else accesses these bytes meanwhile
    // — this function's contract.
    match unsafe { map.slice_mut_unchecked(offset, len) } {
        Ok(Some(bytes)) => bytes.fill(0),
        _ => unreachable!("claimed rows lie inside the writable map"),
    }
}

impl<T> RowLog<T> {
    /// Gives an entry from [`take_entry`](Self::take_entry) back (one no claim holds).
    pub(super) fn give_entry_back(&self, entry: Entry) {
        self.slots.release(Lease { entry, kept: false });
    }
}

impl<T: Element + Send + Sync> RowLog<T> {
    /// Claims through a fresh owner entry of this process (none for anonymous logs or without
    /// OFD locks); a refused claim gives the entry back and passes by the hole that may have
    /// filled the log.
    pub(super) fn claim_by<'s>(
        &'s self,
        rows: u64,
        claim: impl FnOnce(
            &'s Claims<Mapped<'static>>,
            Option<Entry>,
        ) -> core::result::Result<Claim<'s, Mapped<'static>>, ClaimError>,
    ) -> Result<RowsMut<'s, T>> {
        let entry = match rows {
            1.. => self.take_entry()?,
            0 => None,
        };
        self.populate_ahead(rows);
        self.claim_through(entry.map(|entry| Lease { entry, kept: false }), claim)
    }

    /// A free owner entry of this process for a claim (taking another slot if every entry is
    /// in use); `None` for anonymous logs or without OFD locks.
    pub(super) fn take_entry(&self) -> Result<Option<Entry>> {
        match &self.file {
            Some(file) => self.slots.take_entry(
                self.claims.owners(),
                file.as_fd(),
                || self.claims.committed(),
                self.path.as_deref(),
            ),
            None => Ok(None),
        }
    }

    /// Claims through `lease`'s entry (`None`: without announcing); a refused claim gives
    /// the entry back (unless kept) and passes by the hole that may have filled the log.
    pub(super) fn claim_through<'s>(
        &'s self,
        lease: Option<Lease>,
        claim: impl FnOnce(
            &'s Claims<Mapped<'static>>,
            Option<Entry>,
        ) -> core::result::Result<Claim<'s, Mapped<'static>>, ClaimError>,
    ) -> Result<RowsMut<'s, T>> {
        match claim(&self.claims, lease.map(|l| l.entry)) {
            Ok(claim) => Ok(self.rows_mut(claim, lease)),
            Err(e) => {
                if let Some(lease) = lease {
                    self.slots.release(lease);
                }
                self.close_pass(false);
                Err(e.into())
            }
        }
    }

    /// The rows the committed watermark waits for, if it waits, and who holds them — alive,
    /// dead, or unknown (no open-file-description locks, an anonymous log, or rows nobody
    /// announced). A dead writer's hole is closed first (probing at once), so a hole reported
    /// here is held by a live writer, or one this process cannot judge — or a dead one whose
    /// hole another live process is closing right now, or that this process could not close
    /// (no owner slot was free to name it by).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::Owner;
    ///
    /// let log = mmarray_std::RowLog::<u32>::anonymous(10)?;
    /// let slow = log.claim(2)?;
    /// log.push(7)?;
    /// let hole = log.hole().expect("rows 0..2 hold the watermark");
    /// assert_eq!((hole.rows, hole.owner), (0..2, Owner::Unknown)); // anonymous: no owners
    /// drop(slow); // commits
    /// assert_eq!(log.hole(), None);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn hole(&self) -> Option<Hole> {
        if let (Some(file), true) = (&self.file, self.slots.tracking()) {
            // Probing at once, as `flush` does (recorded for the passers-by's timer). Every
            // candidate is probed (a stale announcement of a dead process may cover rows a
            // live writer re-claimed): the core reports the first one not found dead, and
            // closes the hole when all are.
            let _ = self.slots.due(true);
            let live = self.live();
            for _ in 0..MAX_CLOSES {
                match live.close_dead(file) {
                    Closing::Open => return None,
                    Closing::Closed(_) | Closing::Retry => {}
                    Closing::Waiting(hole) => return Some(self.reported(hole)),
                    Closing::Unknown(_) => break,
                }
            }
        }
        // No owner tracking, no announcement, or holes kept coming: the hole as it stands,
        // its first announcing owner probed.
        let mut hole = self.claims.hole()?;
        if let (Some(holder), Some(file)) = (hole.owner, &self.file) {
            hole.liveness = Some(self.slots.liveness(file.as_fd(), holder.slot));
        }
        Some(self.reported(hole))
    }

    /// A hole as [`hole`](Self::hole) reports it (the core's, with its owner probed; unknown
    /// when it has no owner or was not probed): the owner's liveness as probed, or dead if
    /// its slot was taken again since it announced the claim (another process holds it now).
    fn reported(&self, hole: mmarray::claim::Hole) -> Hole {
        let owner = match (hole.owner, hole.liveness) {
            (Some(holder), Some(liveness)) => {
                let same = self
                    .claims
                    .owners()
                    .owner(holder.slot)
                    .is_some_and(|now| now.generation == holder.generation);
                Owner::of(holder, if same { liveness } else { Liveness::Dead })
            }
            _ => Owner::Unknown,
        };
        Hole {
            rows: hole.rows,
            owner,
        }
    }
}
