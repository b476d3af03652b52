//! Where the protocol's counters and completion bitmap live.
//!
//! The protocol in [`super::Claims`] is written once, against [`Parts`]: shared references to
//! three atomic counters and a bitmap of atomic words. [`Inline`] and [`Borrowed`] keep the
//! counters in a [`Counters`] of their own; [`Mapped`](super::Mapped) reaches them as words of
//! a shared region (`&[AtomicU64]`) that other processes change at the same time. [`Inline`]
//! owns its atomics and [`Borrowed`] borrows them exclusively (`&mut`) for its lifetime, so
//! exactly one [`Claims`](super::Claims) drives them and `&mut Claims` proves that no
//! [`Claim`](super::Claim) over them is alive. A [`Mapped`](super::Mapped) store only shares
//! its words (`&[AtomicU64]`): several `Mapped` stores can exist over the same words, in other
//! processes and in this one, so for `Mapped` `&mut Claims` covers only that store — the
//! caller vouches for every other store over the same words, in this process and others.
//!
//! The trait is sealed, and its one method needs a [`Key`] only this crate can make: code outside
//! the crate can neither add a store that aliases another one's atomics nor reach the atomics
//! of an existing store, so it cannot break the invariants the adapter's `unsafe` relies on.

use super::SetupError;
use super::owner::Owners;
use crate::sync::{AtomicU64, Ordering};
use core::fmt;

/// The counters of a store that holds them itself ([`Inline`], [`Borrowed`]): the three
/// watermarks and the `closer` word.
///
/// Every modification of `committed` and `durable` is a read-modify-write; the ordering
/// argument in [`super`] depends on it.
#[derive(Debug)]
pub(super) struct Counters {
    /// Rows handed out to writers (`claimed`); moves by compare-exchange, up to capacity, and
    /// back only by a give-back of the last claim or a rewind (`truncate`, `recover`).
    tail: AtomicU64,
    /// Rows visible to readers: the longest prefix of complete rows (or less).
    committed: AtomicU64,
    /// Rows known to be on disk; never above `committed`.
    durable: AtomicU64,
    /// The process closing a hole (`close.rs`); 0 = none.
    closer: AtomicU64,
}

impl Counters {
    /// All counters at zero.
    #[cfg(not(mmarray_loom))]
    pub(super) const fn new() -> Self {
        Self {
            tail: AtomicU64::new(0),
            committed: AtomicU64::new(0),
            durable: AtomicU64::new(0),
            closer: AtomicU64::new(0),
        }
    }

    /// All counters at zero (loom atomics are not `const`).
    #[cfg(mmarray_loom)]
    pub(super) fn new() -> Self {
        Self {
            tail: AtomicU64::new(0),
            committed: AtomicU64::new(0),
            durable: AtomicU64::new(0),
            closer: AtomicU64::new(0),
        }
    }
}

impl Counters {
    /// The counters as the protocol sees them, with the bitmaps, owner table and capacity.
    fn parts<'s>(
        &'s self,
        done: &'s [AtomicU64],
        void: &'s [AtomicU64],
        owners: Owners<'s>,
        capacity: u64,
    ) -> Parts<'s> {
        Parts {
            tail: &self.tail,
            committed: &self.committed,
            durable: &self.durable,
            done,
            void,
            owners,
            closer: &self.closer,
            capacity,
        }
    }
}

/// What the protocol operates on: shared references to atomics, wherever they live.
#[derive(Debug)]
pub struct Parts<'s> {
    /// Rows handed out to writers (`claimed`); moves by compare-exchange, up to capacity, and
    /// back only by a give-back of the last claim or a rewind (`truncate`, `recover`).
    pub tail: &'s AtomicU64,
    /// Rows visible to readers: the longest prefix of complete rows (or less).
    pub committed: &'s AtomicU64,
    /// Rows known to be on disk; never above `committed`.
    pub durable: &'s AtomicU64,
    /// One bit per row, set when a row above the committed watermark is complete (below it,
    /// bits carry no meaning). At least `capacity` bits long.
    pub done: &'s [AtomicU64],
    /// Same length as `done`; bit `r` set = row `r` is not valid data (abandoned, a failed
    /// give-back, or a hole closed for a dead owner). Set (`Release`) before the row's
    /// completion is published; cleared only by a rewind. See "Validity" in [`super`].
    pub void: &'s [AtomicU64],
    /// The owner table (slots and their entries); [`Owners::NONE`] = no owner tracking.
    pub owners: Owners<'s>,
    /// `(generation << 16) | (slot + 1)` of the process closing a hole; 0 = none.
    pub closer: &'s AtomicU64,
    /// Rows the array holds; never changes.
    pub capacity: u64,
}

/// Proof of being inside this crate; required to reach a store's atomics.
#[derive(Debug)]
pub struct Key(());

impl Key {
    /// Only the protocol module asks for one.
    pub(crate) const fn new() -> Self {
        Self(())
    }
}

/// The sealed half of [`Store`].
pub trait Sealed {
    /// The counters, bitmaps and owner table. Invariant: `done.len() * 64 >= capacity`,
    /// `void.len() == done.len()`, no `done` bit at or past the tail is set, and with an owner
    /// table (`owners.slots > 0`) `capacity <= Owners::MAX_CAPACITY`.
    fn parts(&self, key: Key) -> Parts<'_>;
}

/// Where a [`Claims`](super::Claims) keeps its counters and completion bitmap.
///
/// Implemented by [`Inline`] (everything inside the value: on the stack, in a `static`, in a
/// `Box` or `Arc`), [`Borrowed`] (a caller-provided bitmap of any length) and
/// [`Mapped`](super::Mapped) (a header and bitmap of atomic words inside a mapped file, so
/// other processes mapping the same file share the watermarks). Sealed: see the module docs.
pub trait Store: Sealed {}

/// Most rows `words` bitmap words can track.
const fn bits_in(words: usize) -> u64 {
    (words as u64).saturating_mul(64)
}

/// A store that holds its counters, a completion and a void bitmap of `WORDS` words each, and
/// an owner table of `OWNER_WORDS` words inline.
///
/// Tracks up to `64 * WORDS` rows. Usable in a `static` (its constructors are `const` outside
/// loom builds), on the stack, or on the heap behind an `Arc` for threads. [`new`](Self::new)
/// makes a store without owner tracking (the table, if any, is unused);
/// [`with_owners`](Self::with_owners) uses the table for `slots` slots of `entries` entries
/// ([`Owners::words_for`] words), so that claims can be announced
/// ([`Claims::claim_as`](super::Claims::claim_as)) and dead owners' holes closed
/// ([`Claims::close_dead`](super::Claims::close_dead)).
///
/// # Examples
///
/// ```
/// use mmarray::claim::{Claims, Inline};
///
/// // A static protocol for 100 rows: two words of each bitmap.
/// static LOG: Claims<Inline<2>> = match Inline::new(100) {
///     Ok(store) => Claims::new(store),
///     Err(_) => panic!("2 words hold 128 rows"),
/// };
/// let claim = LOG.claim(3)?;
/// assert_eq!(claim.rows(), 0..3);
/// claim.commit();
/// assert_eq!(LOG.committed(), 3);
/// # Ok::<(), mmarray::claim::ClaimError>(())
/// ```
pub struct Inline<const WORDS: usize, const OWNER_WORDS: usize = 0> {
    counters: Counters,
    capacity: u64,
    done: [AtomicU64; WORDS],
    void: [AtomicU64; WORDS],
    owners: [AtomicU64; OWNER_WORDS],
    /// Slots of the owner table in use (0: no owner tracking).
    slots: u32,
    /// Entries per slot.
    entries: u32,
}

/// `Ok(())` if `capacity` fits `max`, else the `BitmapTooSmall` error.
const fn check_bitmap(capacity: u64, max: u64) -> Result<(), SetupError> {
    if capacity > max {
        return Err(SetupError::BitmapTooSmall { capacity, max });
    }
    Ok(())
}

/// `Ok(())` if an owner table of `slots` x `entries` fits `words` words and `capacity` can be
/// announced (`< 2^40`).
pub(super) const fn check_owners(
    words: usize,
    slots: u32,
    entries: u32,
    capacity: u64,
) -> Result<(), SetupError> {
    if let Err(e) = Owners::check(words, slots, entries) {
        return Err(e);
    }
    if slots > 0 && capacity > Owners::MAX_CAPACITY {
        return Err(SetupError::CapacityTooLargeForOwners {
            capacity,
            max: Owners::MAX_CAPACITY,
        });
    }
    Ok(())
}

impl<const WORDS: usize, const OWNER_WORDS: usize> Inline<WORDS, OWNER_WORDS> {
    /// The most rows this store can track: `64 * WORDS`.
    pub const MAX_CAPACITY: u64 = bits_in(WORDS);

    /// A store for `capacity` rows, all unclaimed, without owner tracking.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Inline, SetupError};
    ///
    /// assert!(Inline::<1>::new(64).is_ok());
    /// assert_eq!(
    ///     Inline::<1>::new(65).err(),
    ///     Some(SetupError::BitmapTooSmall { capacity: 65, max: 64 })
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// [`SetupError::BitmapTooSmall`] if `capacity > 64 * WORDS`.
    #[cfg(not(mmarray_loom))]
    pub const fn new(capacity: u64) -> Result<Self, SetupError> {
        Self::with_owners(capacity, 0, 0)
    }

    /// A store for `capacity` rows, all unclaimed, with an owner table of `slots` slots of
    /// `entries` entries each in its `OWNER_WORDS` words (at least
    /// [`Owners::words_for`]`(slots, entries)`; `slots == 0` means no owner tracking).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Entry, Inline, Owners, SetupError};
    ///
    /// // 2 slots of 1 entry: 2 * (8 + 8) words.
    /// let claims = Claims::new(Inline::<1, 32>::with_owners(10, 2, 1)?);
    /// let claim = claims.claim_as(Entry { slot: 1, index: 0 }, 3).expect("room");
    /// assert_eq!(claims.owners().announced(Entry { slot: 1, index: 0 }), Some(0..3));
    /// claim.commit();
    /// assert_eq!(claims.owners().announced(Entry { slot: 1, index: 0 }), None);
    /// assert_eq!(
    ///     Inline::<1, 31>::with_owners(10, 2, 1).err(),
    ///     Some(SetupError::OwnerTableTooSmall { needed: 32, actual: 31 })
    /// );
    /// # Ok::<(), SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SetupError::BitmapTooSmall`] if `capacity > 64 * WORDS`,
    /// [`SetupError::OwnerTableTooSmall`] if `OWNER_WORDS` is too small,
    /// [`SetupError::TooManySlots`] for more than [`Owners::MAX_SLOTS`] slots, and
    /// [`SetupError::CapacityTooLargeForOwners`] for an owner table with a capacity above
    /// [`Owners::MAX_CAPACITY`].
    #[cfg(not(mmarray_loom))]
    pub const fn with_owners(capacity: u64, slots: u32, entries: u32) -> Result<Self, SetupError> {
        if let Err(e) = check_bitmap(capacity, Self::MAX_CAPACITY) {
            return Err(e);
        }
        if let Err(e) = check_owners(OWNER_WORDS, slots, entries, capacity) {
            return Err(e);
        }
        Ok(Self {
            counters: Counters::new(),
            capacity,
            done: [const { AtomicU64::new(0) }; WORDS],
            void: [const { AtomicU64::new(0) }; WORDS],
            owners: [const { AtomicU64::new(0) }; OWNER_WORDS],
            slots,
            entries,
        })
    }

    /// A store for `capacity` rows, all unclaimed (loom build: not `const`).
    ///
    /// # Errors
    ///
    /// [`SetupError::BitmapTooSmall`] if `capacity > 64 * WORDS`.
    #[cfg(mmarray_loom)]
    pub fn new(capacity: u64) -> Result<Self, SetupError> {
        Self::with_owners(capacity, 0, 0)
    }

    /// A store with an owner table (loom build: not `const`).
    ///
    /// # Errors
    ///
    /// As in non-loom builds.
    #[cfg(mmarray_loom)]
    pub fn with_owners(capacity: u64, slots: u32, entries: u32) -> Result<Self, SetupError> {
        check_bitmap(capacity, Self::MAX_CAPACITY)?;
        check_owners(OWNER_WORDS, slots, entries, capacity)?;
        Ok(Self {
            counters: Counters::new(),
            capacity,
            done: core::array::from_fn(|_| AtomicU64::new(0)),
            void: core::array::from_fn(|_| AtomicU64::new(0)),
            owners: core::array::from_fn(|_| AtomicU64::new(0)),
            slots,
            entries,
        })
    }
}

impl<const WORDS: usize, const OWNER_WORDS: usize> Sealed for Inline<WORDS, OWNER_WORDS> {
    fn parts(&self, _: Key) -> Parts<'_> {
        let owners = Owners::table(&self.owners, self.slots, self.entries);
        self.counters
            .parts(&self.done, &self.void, owners, self.capacity)
    }
}

impl<const WORDS: usize, const OWNER_WORDS: usize> Store for Inline<WORDS, OWNER_WORDS> {}

impl<const WORDS: usize, const OWNER_WORDS: usize> fmt::Debug for Inline<WORDS, OWNER_WORDS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inline")
            .field("capacity", &self.capacity)
            .field("words", &WORDS)
            .finish_non_exhaustive()
    }
}

/// A store that holds its counters inline and borrows caller-provided bitmaps (and, with
/// [`with_owners`](Self::with_owners), an owner table) exclusively.
///
/// For capacities chosen at run time. `bitmaps` holds both bitmaps of the protocol: its
/// first half (`bitmaps.len() / 2` words) is the completion bitmap, the second half the void
/// bitmap (rows that are not valid data), so it needs at least `2 * capacity.div_ceil(64)`
/// words (a `static` array handed out once, a `Vec` in std code, …). The constructor clears
/// them.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::AtomicU64;
/// use mmarray::claim::{Borrowed, Claims};
///
/// let mut bitmaps: [AtomicU64; 8] = Default::default(); // 4 words each
/// let claims = Claims::new(Borrowed::new(&mut bitmaps, 200)?);
/// assert_eq!(claims.capacity(), 200);
/// # Ok::<(), mmarray::claim::SetupError>(())
/// ```
pub struct Borrowed<'a> {
    counters: Counters,
    capacity: u64,
    done: &'a [AtomicU64],
    void: &'a [AtomicU64],
    owners: Owners<'a>,
}

/// Clears `words` (exclusive access: ordering is irrelevant; whatever later shares the
/// `Claims` with other threads — spawn, Arc, a static — publishes these stores).
fn clear(words: &[AtomicU64]) {
    for word in words {
        word.store(0, Ordering::Relaxed);
    }
}

impl<'a> Borrowed<'a> {
    /// A store for `capacity` rows, all unclaimed, tracking completion in the first half of
    /// `bitmaps` and void rows in the second (both cleared here); no owner tracking.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::{Borrowed, SetupError};
    ///
    /// let mut bitmaps: [AtomicU64; 3] = Default::default(); // 1 word each, one unused
    /// assert_eq!(
    ///     Borrowed::new(&mut bitmaps, 100).err(),
    ///     Some(SetupError::BitmapTooSmall { capacity: 100, max: 64 })
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// [`SetupError::BitmapTooSmall`] if `bitmaps` has fewer than `2 * capacity.div_ceil(64)`
    /// words.
    pub fn new(bitmaps: &'a mut [AtomicU64], capacity: u64) -> Result<Self, SetupError> {
        let half = bitmaps.len() / 2;
        check_bitmap(capacity, bits_in(half))?;
        let bitmaps: &'a [AtomicU64] = bitmaps;
        let (done, rest) = bitmaps.split_at(half);
        let void = &rest[..half];
        clear(done);
        clear(void);
        Ok(Self {
            counters: Counters::new(),
            capacity,
            done,
            void,
            owners: Owners::NONE,
        })
    }

    /// The same store with an owner table of `slots` slots of `entries` entries in `table`
    /// (at least [`Owners::words_for`]`(slots, entries)` words; cleared here).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::{Borrowed, Claims, Entry};
    ///
    /// let mut bitmaps: [AtomicU64; 2] = Default::default();
    /// let mut table: Vec<AtomicU64> = (0..48).map(|_| AtomicU64::new(0)).collect(); // 3 x 16
    /// let store = Borrowed::new(&mut bitmaps, 64)?.with_owners(&mut table, 3, 1)?;
    /// let claims = Claims::new(store);
    /// claims.claim_as(Entry { slot: 2, index: 0 }, 5).expect("room").commit();
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SetupError::OwnerTableTooSmall`], [`SetupError::TooManySlots`],
    /// [`SetupError::CapacityTooLargeForOwners`] as for [`Inline::with_owners`].
    pub fn with_owners(
        self,
        table: &'a mut [AtomicU64],
        slots: u32,
        entries: u32,
    ) -> Result<Self, SetupError> {
        check_owners(table.len(), slots, entries, self.capacity)?;
        let table: &'a [AtomicU64] = table;
        clear(table);
        Ok(Self {
            owners: Owners::table(table, slots, entries),
            ..self
        })
    }
}

impl Sealed for Borrowed<'_> {
    fn parts(&self, _: Key) -> Parts<'_> {
        self.counters
            .parts(self.done, self.void, self.owners, self.capacity)
    }
}

impl Store for Borrowed<'_> {}

impl fmt::Debug for Borrowed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Borrowed")
            .field("capacity", &self.capacity)
            .field("words", &self.done.len())
            .finish_non_exhaustive()
    }
}
