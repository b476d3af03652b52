//! Who holds a claim: the owner table (slots of entries), announcing a claim before it is
//! made, and the liveness probe a closer asks.
//!
//! # The table
//!
//! [`Owners`] is a view of `slots` slots of `8 + 8 * entries` atomic words each. A *slot* is
//! held by one process (the adapter takes it with a lock the kernel drops when the process is
//! gone, and asks about it through [`Probe`]); its header words are
//!
//! | word | meaning |
//! |---|---|
//! | 0 | generation: odd once taken, `+= 2` at every take ([`Owners::take`]) |
//! | 1 | pid of the holder (low 32 bits) |
//! | 2 | its start time (clock ticks since boot) |
//! | 3 | its pid-namespace inode |
//! | 4..7 | reserved (0) |
//!
//! and entry `j` of the slot (one cache line each) starts at word `8 + 8 * j`:
//!
//! | word | meaning |
//! |---|---|
//! | 0 | announced range: `start` (bits 0..40) `| len << 40`; 0 = free |
//! | 1 | live parts of a split claim (used only once the claim is split) |
//! | 2 | give-backs: `+1` after every successful give-back through this entry, never cleared |
//! | 3..7 | padding |
//!
//! The pid, start time and namespace only *name* the owner in a [`Hole`](super::Hole); what
//! decides is the [`Probe`]. Packing the range into one word limits an announced claim to
//! [`Owners::MAX_ROWS`] rows and a store with an owner table to [`Owners::MAX_CAPACITY`] rows.
//!
//! # Announce before claiming
//!
//! [`Claims::claim_as`] writes the range it is about to claim into the caller's entry with a
//! `Release` store *before* each tail compare-exchange attempt (which is `AcqRel`), and the
//! entry is *retired* (`store(0, Release)`) after the claim's last part ended: after the RMW
//! that published its rows (commit, abandon), or after a successful give-back (whose entry
//! first counts the give-back in word 2 with a `fetch_add(1, Release)`). A failed attempt leaves
//! an announcement of rows the caller does not own; the next attempt overwrites it, and a
//! refused claim retires it.
//!
//! Orderings, and why they suffice (the proofs in `close.rs` use exactly these facts):
//!
//! * **A1 — a closer that read the tail after the claim sees the announcement.** The store is
//!   sequenced before the claim's successful compare-exchange `K` (`AcqRel`, a release). Every
//!   write to the tail is an RMW, so a closer's `fetch_add(0, AcqRel)` that reads `K` or any
//!   later value reads from `K`'s release sequence and synchronises with it: the announcement
//!   happens before the closer's scan, which therefore reads it or a later value of the entry
//!   (write-read coherence). For this alone a `Relaxed` store would do.
//! * **A2 — a later value of the entry carries the owner's history.** The entry's later values
//!   are all written by its owner: the retire (after the publishing RMW or the give-back count)
//!   and the next claim's announcement (after that retire). All are `Release` and the scan loads
//!   with `Acquire`, so a closer that reads any of them also sees everything the owner did
//!   before it: its published rows (`done` bits or `committed`), its give-back count. A
//!   `Relaxed` announcement would break this for the *next* claim's announcement: a scan that
//!   read it would not see the previous claim's publication and could take published rows for
//!   a hole. `Release` is the same instruction as a plain store on x86 (`mov`) and an `stlr`
//!   on ARM, on a line the thread owns.
//! * **A3 — the live-parts count.** Splitting a claim sets word 1 to 2 (the first split, by
//!   the only holder of the claim: `Relaxed`, handed on with the part by whatever moves it to
//!   another thread) or adds 1 (a later split, by a holder of a live part: `Relaxed`, the
//!   count is at least 1 and cannot reach 0 meanwhile). A part of a split claim ends with
//!   `fetch_sub(1, AcqRel)`; the one that takes the count to 0 retires the entry. Its
//!   `Acquire` joins the release sequence of every other part's decrement, so every part's
//!   publication happens before the retire, and A2 holds for split claims too.
//! * **A4 — give-backs are counted before the entry changes.** A successful give-back
//!   increments word 2 (`fetch_add(1, Release)`, an RMW because parts of one claim may give
//!   back on two threads) after its tail compare-exchange and before the entry is retired or
//!   announced again. Word 2 only grows, so a closer comparing the sum of all give-back counts
//!   (and slot generations) of two scans learns whether any entry gave back in between (P1 in
//!   `close.rs`).
//!
//! The caller must own the entry exclusively: the adapter takes entries of its own slots from
//! a process-local free list. [`Claims::claim_as`] refuses an entry that still announces a
//! claim ([`ClaimError::EntryInUse`]), which catches an entry reused without ending its claim,
//! but cannot see two threads racing for one entry.

use super::store::Parts;
use super::{Claim, ClaimError, Claims, SetupError, Store};
use crate::sync::AtomicU64;
use crate::sync::Ordering::{Acquire, Relaxed, Release};
use core::ops::Range;

/// Words of a slot's header.
const SLOT_HEADER: usize = 8;
/// Words of one entry (a cache line).
pub(super) const ENTRY_WORDS: usize = 8;
/// Bits of an announced range's start.
const START_BITS: u32 = 40;
/// Mask of an announced range's start.
const START_MASK: u64 = (1 << START_BITS) - 1;

/// Entry word: the announced range.
pub(super) const RANGE: usize = 0;
/// Entry word: live parts of a split claim.
pub(super) const PARTS: usize = 1;
/// Entry word: successful give-backs through this entry.
pub(super) const GIVE_BACKS: usize = 2;

/// Slot header word: the generation.
const GENERATION: usize = 0;
/// Slot header word: the pid.
const PID: usize = 1;
/// Slot header word: the process start time.
const START_TICKS: usize = 2;
/// Slot header word: the pid-namespace inode.
const PID_NS: usize = 3;

/// What a [`Probe`] knows about the process holding a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Liveness {
    /// The slot is held by a live process (or by the caller itself).
    Alive,
    /// Nobody holds the slot: its last holder is gone and can write no row again.
    Dead,
    /// The probe cannot tell (no liveness mechanism on this platform, foreign data): never
    /// treated as dead.
    Unknown,
}

/// Liveness of slot holders, as the adapter learns it (e.g. from an OFD lock per slot).
///
/// `Dead` must be exact: a slot may be reported dead only if no process that held it can
/// still store to the rows (see "Closing" in `close.rs`, P3). Anything uncertain is `Alive`
/// or `Unknown`, which make a closer wait.
pub trait Probe {
    /// Liveness of the process holding `slot` now (Alive for the caller's own slots).
    fn probe(&self, slot: u32) -> Liveness;
    /// The caller's own slot, if it has one (used for the `closer` word).
    fn me(&self) -> Option<u32>;
}

/// An entry of the owner table: entry `index` of slot `slot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The slot (held by the caller's process).
    pub slot: u32,
    /// The entry within the slot.
    pub index: u32,
}

/// Who holds a slot, as its header says: what names an owner in a [`Hole`](super::Hole).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Owner {
    /// The slot.
    pub slot: u32,
    /// Its generation (odd once taken; changes every time the slot is taken).
    pub generation: u64,
    /// The holder's pid (as the holder saw it).
    pub pid: u32,
    /// The holder's start time, in clock ticks since boot.
    pub start_ticks: u64,
    /// The holder's pid-namespace inode.
    pub pid_ns: u64,
}

/// The owner table: `slots` slots of `entries` entries in `words` (layout in the
/// docs of `src/claim/owner.rs`). A view; [`Owners::NONE`] (no words) means no owner tracking.
#[derive(Clone, Copy, Debug)]
pub struct Owners<'s> {
    /// The table's words: slot `i` starts at word `i * (8 + 8 * entries)`.
    pub words: &'s [AtomicU64],
    /// Number of slots (processes that can hold claims at once).
    pub slots: u32,
    /// Entries per slot (claims one slot can hold at once).
    pub entries: u32,
}

impl Owners<'static> {
    /// No owner table: claims are not announced and no hole can be closed by
    /// [`close_dead`](super::Claims::close_dead).
    pub const NONE: Self = Owners {
        words: &[],
        slots: 0,
        entries: 0,
    };
}

impl<'s> Owners<'s> {
    /// The most rows one announced claim can have: `2^24 - 1`.
    pub const MAX_ROWS: u64 = (1 << (64 - START_BITS)) - 1;
    /// The largest capacity of a store with an owner table: `2^40 - 1` rows.
    pub const MAX_CAPACITY: u64 = START_MASK;
    /// The most slots a table can have (`slot + 1` must fit the `closer` word's 16 bits).
    pub const MAX_SLOTS: u32 = u16::MAX as u32;

    /// Words of a table of `slots` slots of `entries` entries: `slots * (8 + 8 * entries)`.
    /// `None` if that does not fit `usize`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::Owners;
    ///
    /// assert_eq!(Owners::words_for(64, 32), Some(64 * 264)); // the defaults: 132 KiB
    /// assert_eq!(Owners::words_for(0, 32), Some(0));
    /// ```
    pub const fn words_for(slots: u32, entries: u32) -> Option<usize> {
        let Some(per_entry) = (entries as usize).checked_mul(ENTRY_WORDS) else {
            return None;
        };
        let Some(stride) = per_entry.checked_add(SLOT_HEADER) else {
            return None;
        };
        (slots as usize).checked_mul(stride)
    }

    /// `Ok(())` if a table of `slots` x `entries` fits `words` words and the slot count fits
    /// the `closer` word.
    pub(super) const fn check(words: usize, slots: u32, entries: u32) -> Result<(), SetupError> {
        if slots > Self::MAX_SLOTS {
            return Err(SetupError::TooManySlots {
                slots,
                max: Self::MAX_SLOTS,
            });
        }
        match Self::words_for(slots, entries) {
            Some(needed) if needed <= words => Ok(()),
            Some(needed) => Err(SetupError::OwnerTableTooSmall {
                needed,
                actual: words,
            }),
            None => Err(SetupError::OwnerTableTooSmall {
                needed: usize::MAX,
                actual: words,
            }),
        }
    }

    /// A table over `words` (no checks: the accessors return `None` outside `words`).
    pub(super) const fn table(words: &'s [AtomicU64], slots: u32, entries: u32) -> Self {
        Owners {
            words,
            slots,
            entries,
        }
    }

    /// A table of `slots` slots of `entries` entries over `words`, for a store that keeps
    /// the table in shared memory (the adapter's `Mapped` region).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::{Owners, SetupError};
    ///
    /// let words: Vec<AtomicU64> = (0..32).map(|_| AtomicU64::new(0)).collect();
    /// assert_eq!(Owners::new(&words, 2, 1)?.slots, 2);
    /// assert_eq!(
    ///     Owners::new(&words, 2, 2).err(),
    ///     Some(SetupError::OwnerTableTooSmall { needed: 48, actual: 32 })
    /// );
    /// # Ok::<(), SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SetupError::OwnerTableTooSmall`], [`SetupError::TooManySlots`].
    pub const fn new(words: &'s [AtomicU64], slots: u32, entries: u32) -> Result<Self, SetupError> {
        if let Err(e) = Self::check(words.len(), slots, entries) {
            return Err(e);
        }
        Ok(Self::table(words, slots, entries))
    }

    /// Whether this table tracks nothing (no slot or no entry).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(mmarray::claim::Owners::NONE.is_none());
    /// ```
    pub const fn is_none(&self) -> bool {
        self.slots == 0 || self.entries == 0
    }

    /// Words per slot.
    fn stride(&self) -> usize {
        SLOT_HEADER + ENTRY_WORDS * self.entries as usize
    }

    /// The header words of `slot`.
    pub(super) fn header(&self, slot: u32) -> Option<&'s [AtomicU64; SLOT_HEADER]> {
        if slot >= self.slots {
            return None;
        }
        let start = (slot as usize).checked_mul(self.stride())?;
        self.words.get(start..)?.first_chunk()
    }

    /// The words of `entry`.
    pub(super) fn entry(&self, entry: Entry) -> Option<&'s [AtomicU64; ENTRY_WORDS]> {
        if entry.slot >= self.slots || entry.index >= self.entries {
            return None;
        }
        let start = (entry.slot as usize)
            .checked_mul(self.stride())?
            .checked_add(SLOT_HEADER + ENTRY_WORDS * entry.index as usize)?;
        self.words.get(start..)?.first_chunk()
    }

    /// Calls `f(slot, index, words)` for every entry of the table, slot by slot.
    pub(super) fn for_each_entry(&self, mut f: impl FnMut(u32, u32, &'s [AtomicU64; ENTRY_WORDS])) {
        for slot in 0..self.slots {
            for index in 0..self.entries {
                if let Some(words) = self.entry(Entry { slot, index }) {
                    f(slot, index, words);
                }
            }
        }
    }

    /// The value a process holding `slot` writes into a *hold word* — a shared word that at
    /// most one process holds at a time, such as the `closer` word or a `.npy` header
    /// writer's: `(generation << 16) | (slot + 1)` with the slot's current generation (its low
    /// 48 bits). Never 0 (0 means "free"); `None` outside the table.
    ///
    /// The generation makes a hold outlive nothing: a slot re-taken by a new process has a
    /// new generation, so [`hold_state`](Self::hold_state) reports a hold left by the slot's
    /// previous (dead) process as [`Hold::Gone`] even though the slot itself is alive.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Hold, Inline, Claims};
    ///
    /// let claims = Claims::new(Inline::<1, 32>::with_owners(10, 2, 1)?);
    /// let owners = claims.owners();
    /// owners.take(1, 4242, 17, 0);
    /// let word = owners.hold_word(1).expect("slot 1 exists");
    /// assert_eq!(owners.hold_state(word), Hold::Slot(1));
    /// owners.take(1, 4343, 18, 0); // the slot is taken again: the old hold is gone
    /// assert_eq!(owners.hold_state(word), Hold::Gone);
    /// assert_eq!(owners.hold_state(0), Hold::Free);
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn hold_word(&self, slot: u32) -> Option<u64> {
        let generation = self.generation(slot)? & HOLD_GENERATION;
        Some((generation << 16) | u64::from(slot + 1))
    }

    /// What a hold word's value says about its holder (see [`hold_word`](Self::hold_word)).
    pub fn hold_state(&self, word: u64) -> Hold {
        if word == 0 {
            return Hold::Free;
        }
        let Some(slot) = ((word & 0xffff) as u32).checked_sub(1) else {
            return Hold::Invalid;
        };
        match self.generation(slot) {
            None => Hold::Invalid,
            Some(generation) if generation & HOLD_GENERATION != word >> 16 => Hold::Gone,
            Some(_) => Hold::Slot(slot),
        }
    }

    /// The generation of `slot` (`Acquire`), or `None` outside the table.
    pub(super) fn generation(&self, slot: u32) -> Option<u64> {
        Some(self.header(slot)?[GENERATION].load(Acquire))
    }

    /// Who holds `slot`, as its header says (`Acquire` loads), or `None` outside the table.
    ///
    /// # Examples
    ///
    /// See [`take`](Self::take).
    pub fn owner(&self, slot: u32) -> Option<Owner> {
        let header = self.header(slot)?;
        let generation = header[GENERATION].load(Acquire);
        Some(Owner {
            slot,
            generation,
            pid: header[PID].load(Acquire) as u32,
            start_ticks: header[START_TICKS].load(Acquire),
            pid_ns: header[PID_NS].load(Acquire),
        })
    }

    /// Takes `slot` for the calling process: raises its generation to the next odd value,
    /// records who holds it, and clears every entry's announcement and parts count (the
    /// give-back counts stay: they only grow). Returns the new generation, or `None` outside
    /// the table.
    ///
    /// The caller must hold the slot's liveness lock, and should not take a slot whose last
    /// holder left [`pending`](Self::pending) entries: they are the evidence a closer of that
    /// holder's holes needs (take another slot; a session start clears them).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::Owners;
    ///
    /// let words: Vec<AtomicU64> = (0..32).map(|_| AtomicU64::new(0)).collect();
    /// let owners = Owners::new(&words, 2, 1)?;
    /// assert_eq!(owners.take(1, 4242, 99, 7), Some(1));
    /// assert_eq!(owners.take(1, 4243, 100, 7), Some(3));
    /// let owner = owners.owner(1).expect("in the table");
    /// assert_eq!((owner.generation, owner.pid, owner.start_ticks), (3, 4243, 100));
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn take(&self, slot: u32, pid: u32, start_ticks: u64, pid_ns: u64) -> Option<u64> {
        let header = self.header(slot)?;
        let old = header[GENERATION].load(Acquire);
        let generation = if old % 2 == 0 {
            old | 1
        } else {
            old.wrapping_add(2)
        };
        // The generation first: a closer that sees a cleared entry of this slot and then the
        // generation (both Acquire) knows the slot changed hands (see P1 in `close.rs`).
        header[GENERATION].store(generation, Release);
        header[PID].store(u64::from(pid), Relaxed);
        header[START_TICKS].store(start_ticks, Relaxed);
        header[PID_NS].store(pid_ns, Relaxed);
        for index in 0..self.entries {
            if let Some(words) = self.entry(Entry { slot, index }) {
                words[PARTS].store(0, Relaxed);
                words[RANGE].store(0, Release);
            }
        }
        Some(generation)
    }

    /// Whether `slot` still announces a claim that is not entirely below `committed` (rows a
    /// closer may need to know the owner of).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Entry, Inline};
    ///
    /// let claims = Claims::new(Inline::<1, 32>::with_owners(10, 2, 1)?);
    /// core::mem::forget(claims.claim_as(Entry { slot: 0, index: 0 }, 3).expect("room"));
    /// assert!(claims.owners().pending(0, claims.committed()));
    /// assert!(!claims.owners().pending(1, claims.committed()));
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn pending(&self, slot: u32, committed: u64) -> bool {
        (0..self.entries).any(|index| {
            self.announced(Entry { slot, index })
                .is_some_and(|rows| rows.end > committed)
        })
    }

    /// The range `entry` announces now (`Acquire`), or `None` if it is free or outside the
    /// table.
    ///
    /// # Examples
    ///
    /// See [`Inline::with_owners`](super::Inline::with_owners).
    pub fn announced(&self, entry: Entry) -> Option<Range<u64>> {
        unpack(self.entry(entry)?[RANGE].load(Acquire))
    }

    /// Clears every entry's announcement and parts count (a session start, when every holder
    /// is known to be gone).
    pub(super) fn clear_entries(&self) {
        // Only the words that are not zero: a session start runs this on every open of an
        // idle log, and storing zeros over the whole table would dirty (and make the next
        // flush write back) every page of it.
        self.for_each_entry(|_, _, words| {
            if words[PARTS].load(Relaxed) != 0 {
                words[PARTS].store(0, Relaxed);
            }
            if words[RANGE].load(Relaxed) != 0 {
                words[RANGE].store(0, Release);
            }
        });
    }
}

/// The entry word announcing `start..start + len` (`len >= 1`, `start <= MAX_CAPACITY`,
/// `len <= MAX_ROWS`: the callers check).
pub(super) const fn pack(start: u64, len: u64) -> u64 {
    (start & START_MASK) | (len << START_BITS)
}

/// The range an entry word announces, `None` for a free entry.
pub(super) const fn unpack(word: u64) -> Option<Range<u64>> {
    let len = word >> START_BITS;
    if len == 0 {
        return None;
    }
    let start = word & START_MASK;
    Some(start..start + len)
}

impl<S: Store> Claims<S> {
    /// The owner table of the store ([`Owners::NONE`] if it tracks no owners).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Inline};
    ///
    /// assert!(Claims::new(Inline::<1>::new(5)?).owners().is_none());
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn owners(&self) -> Owners<'_> {
        self.parts().owners
    }

    /// Claims the next `rows` rows like [`claim`](Self::claim), announcing them in `entry`
    /// first (see "Announce before claiming" in `src/claim/owner.rs`); the entry is
    /// retired when the claim's last part ends.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{ClaimError, Claims, Entry, Inline, Owners};
    ///
    /// let claims = Claims::new(Inline::<1, 32>::with_owners(10, 2, 1)?);
    /// let me = Entry { slot: 0, index: 0 };
    /// let claim = claims.claim_as(me, 4).expect("room");
    /// assert_eq!(claims.owners().announced(me), Some(0..4));
    /// assert_eq!(claims.claim_as(me, 1).err(), Some(ClaimError::EntryInUse { slot: 0, index: 0 }));
    /// let (done, rest) = claim.split_at(1);
    /// done.commit();
    /// assert_eq!(claims.owners().announced(me), Some(0..4), "a part is still live");
    /// rest.commit();
    /// assert_eq!(claims.owners().announced(me), None);
    /// assert_eq!(
    ///     claims.claim_as(me, Owners::MAX_ROWS + 1).err(),
    ///     Some(ClaimError::TooLarge { requested: Owners::MAX_ROWS + 1, max: Owners::MAX_ROWS })
    /// );
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ClaimError::NoEntry`] if `entry` is not in the store's owner table,
    /// [`ClaimError::EntryInUse`] if it still announces a claim, [`ClaimError::TooLarge`] for
    /// more than [`Owners::MAX_ROWS`] rows, [`ClaimError::Full`] as for `claim`.
    pub fn claim_as(&self, entry: Entry, rows: u64) -> Result<Claim<'_, S>, ClaimError> {
        let words = self.free_entry(entry)?;
        if rows > Owners::MAX_ROWS {
            return Err(ClaimError::TooLarge {
                requested: rows,
                max: Owners::MAX_ROWS,
            });
        }
        self.claim_announced(words, |available| (rows <= available).then_some(rows))
            .map_err(|(available, capacity)| self.refuse(rows, available, capacity))
    }

    /// Claims up to `max_rows` rows like [`claim_up_to`](Self::claim_up_to) (and at most
    /// [`Owners::MAX_ROWS`]), announcing them in `entry` first.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Entry, Inline};
    ///
    /// let claims = Claims::new(Inline::<1, 32>::with_owners(5, 2, 1)?);
    /// let me = Entry { slot: 1, index: 0 };
    /// let claim = claims.claim_up_to_as(me, 8).expect("5 rows left");
    /// assert_eq!((claim.rows(), claims.owners().announced(me)), (0..5, Some(0..5)));
    /// claim.commit();
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`claim_as`](Self::claim_as), without `TooLarge` (the claim is capped).
    pub fn claim_up_to_as(&self, entry: Entry, max_rows: u64) -> Result<Claim<'_, S>, ClaimError> {
        let words = self.free_entry(entry)?;
        let max_rows = max_rows.min(Owners::MAX_ROWS);
        self.claim_announced(words, |available| {
            let rows = max_rows.min(available);
            (rows > 0 || max_rows == 0).then_some(rows)
        })
        .map_err(|(available, capacity)| self.refuse(max_rows, available, capacity))
    }

    /// The words of `entry` if it is in the table and free.
    fn free_entry(&self, entry: Entry) -> Result<&[AtomicU64; ENTRY_WORDS], ClaimError> {
        let Parts {
            owners, capacity, ..
        } = self.parts();
        let no_entry = ClaimError::NoEntry {
            slot: entry.slot,
            index: entry.index,
            slots: owners.slots,
            entries: owners.entries,
        };
        if capacity > Owners::MAX_CAPACITY {
            return Err(no_entry);
        }
        let words = owners.entry(entry).ok_or(no_entry)?;
        // Relaxed: the caller owns the entry, so the last write to it was its own.
        if words[RANGE].load(Relaxed) != 0 {
            return Err(ClaimError::EntryInUse {
                slot: entry.slot,
                index: entry.index,
            });
        }
        Ok(words)
    }
}

/// Mask of the generation bits a hold word keeps.
const HOLD_GENERATION: u64 = (1 << 48) - 1;

/// What a hold word (the `closer` word, a header writer's word) says about its holder
/// ([`Owners::hold_state`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// Nobody holds it (the word is 0).
    Free,
    /// The process that holds `slot` now holds it, as far as the table can tell: probe the
    /// slot to know whether that process is alive.
    Slot(u32),
    /// Its holder is gone: the slot was taken again since (a new generation), which needs
    /// the holder's process to have released it or died.
    Gone,
    /// Not a value of this table (a slot outside it): written by something else, or damaged.
    Invalid,
}

#[cfg(all(test, not(mmarray_loom)))]
mod tests;
