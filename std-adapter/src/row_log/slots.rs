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
//! A process-local bitmask has one bit per entry of every slot this process holds: set = the
//! entry is ours and free. A claim takes one (one `fetch_and`), a retired claim gives it back
//! (one `fetch_or`). When every entry of every held slot is in use, the process takes another
//! slot (under a mutex, off the fast path), so the number of live claims is bounded only by
//! `N * E`; with none left, [`Error::NoSlot`].
//!
//! # Probing, and the grace period
//!
//! [`Slots::liveness`] answers `Alive` for this process's own slots without a system call
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
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::sys::ofd::{self, Kind, LOCKS};
use crate::sys::process::Me;

/// The default grace period: a hole younger than this (since this process's last probe) is
/// not probed by a participant that merely passes it.
pub(crate) const GRACE: Duration = Duration::from_millis(50);

/// Words of a slot's header, before its entries.
const SLOT_HEADER: usize = 8;
/// Words of one entry (one cache line).
const ENTRY_WORDS: usize = 8;
/// Bits of an entry's range word that hold the start row; the length is above them.
const START_BITS: u32 = 40;

/// Liveness of a slot's owner, as this process can tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Liveness {
    /// The owner holds its lock (or is this process).
    Alive,
    /// Nobody holds the slot's lock: its last owner can store nothing any more.
    Dead,
    /// This target cannot tell (no OFD locks), or the probe failed.
    Unknown,
}

/// The slot table inside the mapped region: `slots` slots of `8 + 8 * entries` words (the
/// shared interface's `Owners`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Table<'a> {
    /// The table's words.
    pub(crate) words: &'a [AtomicU64],
    /// Number of slots `N`.
    pub(crate) slots: u32,
    /// Entries per slot `E`.
    pub(crate) entries: u32,
}

impl<'a> Table<'a> {
    fn slot_start(&self, slot: u32) -> usize {
        slot as usize * (SLOT_HEADER + ENTRY_WORDS * self.entries as usize)
    }

    /// Word `word` (0..8) of slot `slot`'s header.
    fn header(&self, slot: u32, word: usize) -> &'a AtomicU64 {
        &self.words[self.slot_start(slot) + word]
    }

    /// Word `word` (0..8) of entry `entry` of slot `slot`.
    fn entry(&self, slot: u32, entry: u32, word: usize) -> &'a AtomicU64 {
        &self.words[self.slot_start(slot) + SLOT_HEADER + ENTRY_WORDS * entry as usize + word]
    }

    /// Whether the table has the words its geometry needs.
    fn fits(&self) -> bool {
        let per_slot = SLOT_HEADER + ENTRY_WORDS * self.entries as usize;
        (self.slots as usize)
            .checked_mul(per_slot)
            .is_some_and(|n| n <= self.words.len())
    }
}

/// The rows an entry's range word announces (`start | len << 40`; 0 = free).
pub(crate) fn announced(range: u64) -> Option<core::ops::Range<u64>> {
    if range == 0 {
        return None;
    }
    let start = range & ((1 << START_BITS) - 1);
    Some(start..start + (range >> START_BITS))
}

/// Who held a slot, as its header names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Holder {
    /// The slot.
    pub(crate) slot: u32,
    /// Its generation (odd while taken).
    pub(crate) generation: u64,
    /// The process id (in the holder's pid namespace).
    pub(crate) pid: u32,
    /// The holder's start time, clock ticks since boot.
    pub(crate) start_ticks: u64,
    /// The inode of the holder's pid namespace.
    pub(crate) pid_ns: u64,
}

/// One entry this process holds: entry `entry` of slot `slot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) slot: u32,
    pub(crate) entry: u32,
}

/// This process's slots in one log, its free entries, and its probe timer.
#[derive(Debug)]
pub(crate) struct Slots<'a> {
    table: Table<'a>,
    /// Whether this target has OFD locks: without them no slot is held and nothing announced.
    tracking: bool,
    /// Per slot: held by this process.
    mine: Box<[AtomicBool]>,
    /// The first slot taken (the one `me()` names); `u32::MAX` before any.
    first: AtomicU32,
    /// Bit `slot * E + entry`: that entry is ours and free.
    free: Box<[AtomicU64]>,
    /// Taking another slot is serialised (and off the fast path).
    more: Mutex<()>,
    me: Me,
    epoch: Instant,
    /// Nanoseconds after `epoch` of the last probe (`u64::MAX`: never).
    last_probe: AtomicU64,
    grace: Duration,
}

impl<'a> Slots<'a> {
    /// The slots of `table`, none taken yet. `tracking` false (a target without OFD locks, or
    /// an anonymous log, which no other process can reach) holds no slot.
    pub(crate) fn new(table: Table<'a>, tracking: bool, grace: Duration) -> Self {
        let table = if table.fits() {
            table
        } else {
            Table { slots: 0, ..table }
        };
        let tracking = tracking && ofd::SUPPORTED && table.slots > 0 && table.entries > 0;
        let bits = table.slots as usize * table.entries as usize;
        Self {
            table,
            tracking,
            mine: (0..table.slots).map(|_| AtomicBool::new(false)).collect(),
            first: AtomicU32::new(u32::MAX),
            free: (0..bits.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
            more: Mutex::new(()),
            me: Me::now(),
            epoch: Instant::now(),
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

    /// Takes one more slot (the join takes the first): the lowest slot whose lock is free and
    /// which holds no pending entry (one whose rows are not all below `committed()`).
    /// Returns the slot.
    ///
    /// # Errors
    ///
    /// [`Error::NoSlot`] if every slot is held by a live process or pending;
    /// [`Error::Io`] if `fcntl(2)` fails. Nothing is taken then.
    pub(crate) fn take_slot(
        &self,
        fd: BorrowedFd<'_>,
        committed: impl Fn() -> u64,
        path: Option<&Path>,
    ) -> Result<u32> {
        let io = |e: rustix::io::Errno| Error::Io {
            op: "fcntl(2) F_OFD_SETLK",
            path: path.map(Path::to_path_buf),
            source: e.into(),
        };
        for slot in 0..self.table.slots {
            if self.mine[slot as usize].load(Ordering::Relaxed) {
                continue;
            }
            if !ofd::try_lock(fd, Self::byte(slot), Kind::Write).map_err(io)? {
                continue;
            }
            if self.pending(slot, committed()) {
                ofd::unlock(fd, Self::byte(slot)).map_err(io)?;
                continue;
            }
            self.claim_slot(slot);
            return Ok(slot);
        }
        Err(Error::NoSlot {
            path: path.map(Path::to_path_buf),
            slots: self.table.slots,
        })
    }

    /// Whether slot `slot` has an entry announcing rows not all below `committed`.
    fn pending(&self, slot: u32, committed: u64) -> bool {
        (0..self.table.entries).any(|e| {
            let range = self.table.entry(slot, e, 0).load(Ordering::Acquire);
            announced(range).is_some_and(|rows| rows.end > committed)
        })
    }

    /// Makes slot `slot`, whose lock this process just took, ours: a new generation, our
    /// identity, every entry cleared, its entries free in our mask.
    fn claim_slot(&self, slot: u32) {
        let t = &self.table;
        let generation = t.header(slot, 0).load(Ordering::Acquire);
        let next = if generation % 2 == 1 {
            generation.wrapping_add(2)
        } else {
            generation.wrapping_add(1)
        };
        t.header(slot, 0).store(next, Ordering::Release);
        t.header(slot, 1)
            .store(u64::from(self.me.pid), Ordering::Release);
        t.header(slot, 2)
            .store(self.me.start_ticks, Ordering::Release);
        t.header(slot, 3).store(self.me.pid_ns, Ordering::Release);
        for e in 0..t.entries {
            t.entry(slot, e, 0).store(0, Ordering::Release);
            t.entry(slot, e, 1).store(0, Ordering::Release);
        }
        self.mine[slot as usize].store(true, Ordering::Release);
        let _ = self
            .first
            .compare_exchange(u32::MAX, slot, Ordering::AcqRel, Ordering::Relaxed);
        for e in 0..t.entries {
            let bit = slot as usize * t.entries as usize + e as usize;
            self.free[bit / 64].fetch_or(1 << (bit % 64), Ordering::Release);
        }
    }

    /// A free entry of ours, taking another slot if every entry of our slots is in use.
    /// `None` if this process does not track owners.
    ///
    /// # Errors
    ///
    /// As [`take_slot`](Self::take_slot).
    pub(crate) fn take_entry(
        &self,
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
        let _more = self.more.lock().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have taken a slot (or given an entry back) meanwhile.
        if let Some(entry) = self.try_entry() {
            return Ok(Some(entry));
        }
        self.take_slot(fd, committed, path)?;
        Ok(self.try_entry())
    }

    /// A free entry of ours, if there is one: clears its bit.
    fn try_entry(&self) -> Option<Entry> {
        let per = self.table.entries;
        let start = self.first.load(Ordering::Acquire);
        if start == u32::MAX {
            return None;
        }
        let words = self.free.len();
        let first_word = start as usize * per as usize / 64;
        for k in 0..words {
            let w = (first_word + k) % words;
            let mut bits = self.free[w].load(Ordering::Relaxed);
            while bits != 0 {
                let b = bits.trailing_zeros();
                let prev = self.free[w].fetch_and(!(1 << b), Ordering::Acquire);
                if prev & (1 << b) != 0 {
                    let bit = w * 64 + b as usize;
                    return Some(Entry {
                        slot: u32::try_from(bit / per as usize).ok()?,
                        entry: u32::try_from(bit % per as usize).ok()?,
                    });
                }
                bits = prev & !(1 << b);
            }
        }
        None
    }

    /// Gives an entry back to the free mask (its range word was retired by the claim's end).
    pub(crate) fn give_back(&self, entry: Entry) {
        let bit = entry.slot as usize * self.table.entries as usize + entry.entry as usize;
        self.free[bit / 64].fetch_or(1 << (bit % 64), Ordering::Release);
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
        if !self.tracking || slot >= self.table.slots {
            return Liveness::Unknown;
        }
        match ofd::probe(fd, Self::byte(slot)) {
            Ok(true) => Liveness::Alive,
            Ok(false) => Liveness::Dead,
            Err(_) => Liveness::Unknown,
        }
    }

    /// Who holds (or last held) slot `slot`, as its header says.
    pub(crate) fn holder(&self, slot: u32) -> Option<Holder> {
        if slot >= self.table.slots {
            return None;
        }
        let word = |w| self.table.header(slot, w).load(Ordering::Acquire);
        Some(Holder {
            slot,
            generation: word(0),
            // The pid is the word's low 32 bits (the shared layout).
            pid: (word(1) & u64::from(u32::MAX)) as u32,
            start_ticks: word(2),
            pid_ns: word(3),
        })
    }

    /// Whether a participant that passes a hole should probe now: with `at_once`, always;
    /// otherwise if this process's last probe is at least the grace period old (one thread
    /// of the process wins the right for each period). Records the probe's time.
    pub(crate) fn due(&self, at_once: bool) -> bool {
        let now = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
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

#[cfg(test)]
mod tests;
