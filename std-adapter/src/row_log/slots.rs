//! This process's owner slots in one row log, and the liveness of everyone else's.
//!
//! Design: `docs/row-log-v2.md` §2.3–2.4. The log's slot table (in the file, after the
//! bitmaps) has `N` slots of `8 + 8E` words: a header (generation, pid, start ticks, pid
//! namespace) and `E` entries of one cache line each, where a claimer announces the rows it is
//! about to claim. A process holds slot `i` by holding a **write OFD lock** on byte
//! `LOCKS + 1 + i` of the log's file through the log's own descriptor; anyone learns whether
//! slot `i`'s owner lives by asking the kernel about that byte (`F_OFD_GETLK`). The lock is
//! released only when the last descriptor of the description is closed — by the `RowLog`'s
//! drop (after its map), or by the kernel after the process's address space is gone — so a
//! free lock means no store of the owner can follow (`sys/ofd.rs` has the argument).
//!
//! # Taking a slot
//!
//! Slots are taken lazily: joining a log takes none, so a process that only reads (or
//! flushes) holds none and any number of readers can join. A process takes its first slot
//! when it first needs an owner entry — its first claim (or [`Writer`](super::Writer)) — or a
//! slot's name: the `closer` word of a dead writer's hole names the closer's slot
//! ([`Slots::first_slot`]; `live.rs` takes it only when no live process holds the `closer`
//! word, so one writer's death costs one slot, not one per reader that meets its hole). A slot
//! is kept until the log is dropped. The `.npy` header writer of a slotless process names the process
//! instead (`npy.rs`).
//!
//! For `i in 0..N`: try the write lock on slot `i`'s byte. Won: the slot's previous owner, if
//! any, is dead (or closed its log). If the slot still holds a **pending** entry — an
//! announcement whose range is not entirely below the committed watermark — it is evidence a
//! closer of that dead owner's hole needs: the slot is unlocked again and skipped. Otherwise it
//! is taken: its generation goes up (to the next odd number; a closer compares generations, so a
//! slot re-taken between its probe and its re-scan is noticed), pid, start time and namespace
//! are written, every entry is cleared. All stores are `Release`.
//!
//! # Entries
//!
//! A process-local word per entry of every slot says whether the entry is ours and free, or
//! taken and by how many guards (a split claim's parts share their entry). A claim takes one
//! with one compare-exchange, starting at an entry picked by its thread (consecutive threads
//! start 16 entries — 64 bytes of state words — apart, so with the default 32 entries a slot
//! two threads claiming at once exchange on different cache lines; more threads share); a
//! retired claim gives it back with a plain store (only a shared entry costs more). When every
//! entry of every held slot is in use (or no slot is held yet), the process takes another slot
//! (under a mutex, off the fast path), so the number of live claims is bounded only by `N * E`;
//! with none left, [`Error::NoSlot`].
//!
//! **How many slots a process takes.** A slot is taken only under the mutex, by a thread
//! whose scan, made after it took the mutex, found no free entry in any held slot; that thread
//! claims through one of the new slot's entries, taken for it before the others are made free
//! (so threads on the fast path cannot use them all up first and make it take another). So
//! one pass through the mutex takes at most one slot, and every slot taken for entries serves the claim that
//! took it. Each entry the failed scan saw in use was held by a different claim (a claim holds
//! one entry), so: *a process holding `S` slots takes another only after `S * E` claims other
//! than the taker's were live at some moment during one scan.* In a burst of claims that keep
//! their entries until it ends (no entry goes from in use back to free meanwhile), the scan is
//! a snapshot — all `S * E` entries in use at once — so a burst of `C` claims leaves exactly
//! `ceil(C / E)` slots, none extra (`slots/tests.rs` checks it with racing threads). Entries
//! given back during a scan can let it see more claims than were ever live at once, so under
//! churn a slot beyond the peak's need can be taken; it is kept (and its entries reused)
//! until the log is dropped.
//!
//! # Probing, and the grace period
//!
//! [`Slots::liveness`] (and the core's `Probe` through [`Slots::prober`]) answers `Alive` for this process's own slots without a system call
//! (`F_OFD_GETLK` does not report a description's own locks), and asks the kernel for the
//! others. Where OFD locks do not exist (not Linux/Android, or a 32-bit target), this process
//! holds no slot, announces nothing, and every other slot is `Unknown` — never `Dead`: holes
//! are waited on, and closed only by a session start (which these targets do not have either).
//! [`Slots::due`] keeps a process-local timestamp of the last probe: a participant that merely
//! passes a hole probes at most once per grace period (default [`GRACE`]); `flush`, `hole()` and
//! joins ask with `at_once`.

use std::os::fd::BorrowedFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use mmarray::claim::{Entry, Liveness, Owners, Probe};

use crate::error::{Error, Result};
use crate::sys;
use crate::sys::ofd::{self, Kind, LOCKS};
use crate::sys::process::Me;

/// The default grace period: a hole younger than this (since this process's last probe) is
/// not probed by a participant that merely passes it.
pub(crate) const GRACE: Duration = Duration::from_millis(50);

/// An entry of a slot this process does not hold.
const UNHELD: u32 = 0;
/// An entry of ours that no claim uses.
const FREE: u32 = 1;
/// An entry of ours in use by one guard (plus one per further guard sharing it).
const TAKEN: u32 = 2;

/// Where the calling thread starts looking for a free entry among `entries`: threads are
/// numbered as they first claim, and thread `t` starts at entry `16 t` (a cache line of
/// `u32` state words further than thread `t - 1`), wrapping around.
fn thread_start(entries: usize) -> usize {
    use std::cell::Cell;
    use std::sync::atomic::AtomicUsize;
    static THREADS: AtomicUsize = AtomicUsize::new(0);
    std::thread_local! {
        static NUMBER: Cell<Option<usize>> = const { Cell::new(None) };
    }
    let number = NUMBER.with(|n| match n.get() {
        Some(number) => number,
        None => {
            let number = THREADS.fetch_add(1, Ordering::Relaxed);
            n.set(Some(number));
            number
        }
    });
    number.wrapping_mul(16) % entries.max(1)
}

/// This process's slots in one log, its free entries, and its probe timer.
#[derive(Debug)]
pub(crate) struct Slots {
    /// Slots `N` and entries per slot `E` of the log's owner table.
    slots: u32,
    entries: u32,
    /// Whether this target has OFD locks: without them no slot is held and nothing announced.
    tracking: bool,
    /// Per slot: held by this process.
    mine: Box<[AtomicBool]>,
    /// The first slot taken (the one `me()` names); `u32::MAX` before any.
    first: AtomicU32,
    /// Per entry (entry `j` of slot `s` at `s * E + j`): [`UNHELD`] (not ours), [`FREE`]
    /// (ours, free), or [`TAKEN`] plus the live guards over its claim beyond the first (a
    /// split claim's parts share the entry; it is free again when the last one ends, unless
    /// its holder keeps it).
    state: Box<[AtomicU32]>,
    /// Taking another slot is serialised (and off the fast path).
    more: Mutex<()>,
    /// Who this process is, read from `/proc` when it takes its first slot (never for an
    /// anonymous log: no file access, e.g. under Miri's isolation).
    me: OnceLock<Me>,
    /// Nanoseconds of [`sys::coarse_now`] at the last probe (`u64::MAX`: never): a coarse
    /// clock, because a committer left behind by another thread's chunk reads it on every
    /// such commit (a precise clock read cost about 2 % of a two-thread writer).
    last_probe: AtomicU64,
    grace: Duration,
}

impl Slots {
    /// The slots of `table`, none taken yet. `tracking` false (a target without OFD locks, or
    /// an anonymous log, which no other process can reach) holds no slot.
    pub(crate) fn new(table: Owners<'_>, tracking: bool, grace: Duration) -> Self {
        let tracking = tracking && ofd::SUPPORTED && !table.is_none();
        let bits = table.slots as usize * table.entries as usize;
        Self {
            slots: table.slots,
            entries: table.entries,
            tracking,
            mine: (0..table.slots).map(|_| AtomicBool::new(false)).collect(),
            first: AtomicU32::new(u32::MAX),
            state: (0..bits).map(|_| AtomicU32::new(UNHELD)).collect(),
            more: Mutex::new(()),
            me: OnceLock::new(),
            last_probe: AtomicU64::new(u64::MAX),
            grace,
        }
    }

    /// Whether this process tracks owners (holds slots and announces claims).
    pub(crate) fn tracking(&self) -> bool {
        self.tracking
    }

    /// The lock byte of slot `slot`.
    fn byte(slot: u32) -> u64 {
        LOCKS + 1 + u64::from(slot)
    }

    /// Takes one more slot (the caller holds `more`): the lowest slot whose lock is free and
    /// which holds no pending entry (one whose rows are not all below `committed()`).
    /// Returns the slot.
    ///
    /// # Errors
    ///
    /// [`Error::NoSlot`] if every slot is held by a live process or pending;
    /// [`Error::Io`] if `fcntl(2)` fails. Nothing is taken then.
    fn take_slot(
        &self,
        table: Owners<'_>,
        fd: BorrowedFd<'_>,
        committed: impl Fn() -> u64,
        path: Option<&Path>,
    ) -> Result<u32> {
        self.take_slot_with(table, fd, committed, path, false)
            .map(|(slot, _)| slot)
    }

    /// [`take_slot`](Self::take_slot); with `reserve`, one of the new slot's entries is taken
    /// for the caller before the others are made free, and returned with it.
    fn take_slot_with(
        &self,
        table: Owners<'_>,
        fd: BorrowedFd<'_>,
        committed: impl Fn() -> u64,
        path: Option<&Path>,
        reserve: bool,
    ) -> Result<(u32, Option<Entry>)> {
        let io = |e: rustix::io::Errno| Error::Io {
            op: "fcntl(2) F_OFD_SETLK",
            path: path.map(Path::to_path_buf),
            source: e.into(),
        };
        for slot in 0..self.slots.min(table.slots) {
            if self.mine[slot as usize].load(Ordering::Relaxed) {
                continue;
            }
            if !ofd::try_lock(fd, Self::byte(slot), Kind::Write).map_err(io)? {
                continue;
            }
            if table.pending(slot, committed()) {
                ofd::unlock(fd, Self::byte(slot)).map_err(io)?;
                continue;
            }
            let reserved = self.claim_slot(table, slot, reserve);
            return Ok((slot, reserved));
        }
        Err(Error::NoSlot {
            path: path.map(Path::to_path_buf),
            slots: self.slots,
        })
    }

    /// Makes slot `slot`, whose lock this process just took, ours: a new generation, our
    /// identity, every entry cleared (`Owners::take`), its entries free for our claims — but
    /// with `reserve` the one the calling thread would look at first, which is taken for it
    /// (stored [`TAKEN`] before the others become [`FREE`]: nobody else can take it) and
    /// returned.
    fn claim_slot(&self, table: Owners<'_>, slot: u32, reserve: bool) -> Option<Entry> {
        let me = self.me.get_or_init(Me::now);
        let _generation = table.take(slot, me.pid, me.start_ticks, me.pid_ns);
        let reserved = (reserve && self.entries > 0).then(|| Entry {
            slot,
            index: u32::try_from(thread_start(self.entries as usize)).unwrap_or(0),
        });
        if let Some(entry) = reserved {
            self.state[self.at(entry)].store(TAKEN, Ordering::Relaxed);
        }
        self.mine[slot as usize].store(true, Ordering::Release);
        let _ = self
            .first
            .compare_exchange(u32::MAX, slot, Ordering::AcqRel, Ordering::Relaxed);
        for index in 0..self.entries {
            if reserved.is_some_and(|r| r.index == index) {
                continue;
            }
            self.state[self.at(Entry { slot, index })].store(FREE, Ordering::Release);
        }
        reserved
    }

    /// This process's first slot (the one [`me`](Self::me) names), taking one if it holds
    /// none yet: a process that closes a dead writer's hole names itself in the `closer` word
    /// by its slot, also if it never claimed. Off the fast path (under the same mutex as
    /// taking a slot for entries).
    ///
    /// # Errors
    ///
    /// As [`take_slot`](Self::take_slot); [`Error::NoSlot`] also if this process does not
    /// track owners.
    pub(crate) fn first_slot(
        &self,
        table: Owners<'_>,
        fd: BorrowedFd<'_>,
        committed: impl Fn() -> u64,
        path: Option<&Path>,
    ) -> Result<u32> {
        if !self.tracking {
            return Err(Error::NoSlot {
                path: path.map(Path::to_path_buf),
                slots: self.slots,
            });
        }
        if let Some(slot) = self.me() {
            return Ok(slot);
        }
        let _more = self.more.lock().unwrap_or_else(PoisonError::into_inner);
        match self.me() {
            Some(slot) => Ok(slot),
            None => self.take_slot(table, fd, committed, path),
        }
    }

    /// A free entry of ours, taking another slot if every entry of our slots is in use (the
    /// first slot, at the process's first claim). `None` if this process does not track
    /// owners.
    ///
    /// # Errors
    ///
    /// As [`take_slot`](Self::take_slot).
    pub(crate) fn take_entry(
        &self,
        table: Owners<'_>,
        fd: BorrowedFd<'_>,
        committed: impl Fn() -> u64,
        path: Option<&Path>,
    ) -> Result<Option<Entry>> {
        if !self.tracking {
            return Ok(None);
        }
        if let Some(entry) = self.try_entry() {
            return Ok(Some(entry));
        }
        // The first claim of the process comes here too (no slot held yet).
        let _more = self.more.lock().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have taken a slot (or given an entry back) meanwhile.
        if let Some(entry) = self.try_entry() {
            return Ok(Some(entry));
        }
        // One of the new slot's entries is taken for this claim before the others are free
        // (threads on the path above cannot use them all up first). A claim of a tracking
        // process is never made without an entry (closing relies on it).
        let (_slot, reserved) = self.take_slot_with(table, fd, &committed, path, true)?;
        Ok(reserved)
    }

    /// A free entry of ours, if there is one: takes it. The search starts in our first slot,
    /// at an entry picked by the calling thread, and goes round every slot.
    fn try_entry(&self) -> Option<Entry> {
        let first = self.first.load(Ordering::Acquire);
        if first == u32::MAX || self.entries == 0 {
            return None;
        }
        let entries = self.entries as usize;
        let start = thread_start(entries);
        for k in 0..self.slots {
            let slot = match first.checked_add(k) {
                Some(s) if s < self.slots => s,
                Some(s) => s - self.slots,
                None => return None,
            };
            if !self.is_mine(slot) {
                continue;
            }
            let row = slot as usize * entries;
            for j in 0..entries {
                let index = if start + j < entries {
                    start + j
                } else {
                    start + j - entries
                };
                let state = &self.state[row + index];
                if state.load(Ordering::Relaxed) == FREE
                    && state
                        .compare_exchange(FREE, TAKEN, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                {
                    return Some(Entry {
                        slot,
                        index: u32::try_from(index).ok()?,
                    });
                }
            }
        }
        None
    }

    /// The word of `entry` in `state`.
    fn at(&self, entry: Entry) -> usize {
        entry.slot as usize * self.entries as usize + entry.index as usize
    }

    /// One more guard shares `entry` (a claim was split, by a holder of one of its guards:
    /// the count cannot reach "last" meanwhile).
    pub(crate) fn share(&self, entry: Entry) {
        self.state[self.at(entry)].fetch_add(1, Ordering::Relaxed);
    }

    /// A guard over `entry` ended (its claim part committed, abandoned or given back, or the
    /// claim was refused); the last one makes the entry free again, unless its holder keeps
    /// it. The core retired the entry's announcement before (when the claim's last part
    /// ended), so the next claim through it finds it free.
    ///
    /// A guard that finds no other guard counted is the last one (nobody can share the entry
    /// but a holder of a guard), so the common unshared case is a load and a store.
    /// Otherwise it takes itself off the count by compare-exchange; of two guards ending at
    /// once, one succeeds and the other then finds none counted and frees the entry. The
    /// `Acquire` load joins the `AcqRel` exchanges of the other parts, so their ends happen
    /// before the entry is free (and the `Release` store orders ours before its next taker's
    /// `Acquire` exchange).
    pub(crate) fn release(&self, lease: Lease) {
        let state = &self.state[self.at(lease.entry)];
        let mut now = state.load(Ordering::Acquire);
        loop {
            if now <= TAKEN {
                // A kept entry stays with its holder (a `Writer`), which gives it back itself.
                if !lease.kept {
                    state.store(FREE, Ordering::Release);
                }
                return;
            }
            match state.compare_exchange_weak(now, now - 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(seen) => now = seen,
            }
        }
    }

    /// The slot `me()` names (the first this process took), if any.
    pub(crate) fn me(&self) -> Option<u32> {
        match self.first.load(Ordering::Acquire) {
            u32::MAX => None,
            slot => Some(slot),
        }
    }

    /// Whether slot `slot` is held by this process.
    pub(crate) fn is_mine(&self, slot: u32) -> bool {
        self.mine
            .get(slot as usize)
            .is_some_and(|m| m.load(Ordering::Acquire))
    }

    /// The liveness of slot `slot`'s holder: `Alive` for our own slots (no system call), the
    /// kernel's answer about its lock byte for the others, `Unknown` without OFD locks or if
    /// the probe fails.
    pub(crate) fn liveness(&self, fd: BorrowedFd<'_>, slot: u32) -> Liveness {
        if self.is_mine(slot) {
            return Liveness::Alive;
        }
        if !self.tracking || slot >= self.slots {
            return Liveness::Unknown;
        }
        match ofd::probe(fd, Self::byte(slot)) {
            Ok(true) => Liveness::Alive,
            Ok(false) => Liveness::Dead,
            Err(_) => Liveness::Unknown,
        }
    }

    /// This process's view of the slots through the log's descriptor `fd`, as the core asks
    /// for it.
    pub(crate) fn prober<'p>(&'p self, fd: BorrowedFd<'p>) -> Prober<'p> {
        Prober { slots: self, fd }
    }

    /// Whether a participant that passes a hole should probe now: with `at_once`, always;
    /// otherwise if this process's last probe is at least the grace period old (one thread
    /// of the process wins the right for each period). Records the probe's time.
    pub(crate) fn due(&self, at_once: bool) -> bool {
        let now = u64::try_from(sys::coarse_now().as_nanos()).unwrap_or(u64::MAX - 1);
        let grace = u64::try_from(self.grace.as_nanos()).unwrap_or(u64::MAX);
        let last = self.last_probe.load(Ordering::Relaxed);
        if at_once {
            self.last_probe.store(now, Ordering::Relaxed);
            return true;
        }
        let old = last == u64::MAX || now.saturating_sub(last) >= grace;
        old && self
            .last_probe
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }
}

/// [`Slots`] with the descriptor to probe through: the core's [`Probe`].
#[derive(Debug)]
pub(crate) struct Prober<'p> {
    slots: &'p Slots,
    fd: BorrowedFd<'p>,
}

impl Probe for Prober<'_> {
    fn probe(&self, slot: u32) -> Liveness {
        self.slots.liveness(self.fd, slot)
    }

    fn me(&self) -> Option<u32> {
        self.slots.me()
    }
}

#[cfg(test)]
mod tests;

/// A claim's hold on an owner entry: the entry, and whether its holder keeps it past the
/// claim (a [`Writer`](super::Writer) announces every chunk through the one entry it took
/// first, saving the take and give-back per chunk) or it is free again when
/// the claim's last part ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lease {
    /// The entry the claim was announced in.
    pub(crate) entry: Entry,
    /// Whether the entry stays with its holder when the claim ends.
    pub(crate) kept: bool,
}
