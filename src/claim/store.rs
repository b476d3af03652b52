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
use crate::sync::{AtomicU64, Ordering};
use core::fmt;

/// The three counters of a store that holds them itself ([`Inline`], [`Borrowed`]).
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
}

impl Counters {
    /// All three counters at zero.
    #[cfg(not(mmarray_loom))]
    pub(super) const fn new() -> Self {
        Self {
            tail: AtomicU64::new(0),
            committed: AtomicU64::new(0),
            durable: AtomicU64::new(0),
        }
    }

    /// All three counters at zero (loom atomics are not `const`).
    #[cfg(mmarray_loom)]
    pub(super) fn new() -> Self {
        Self {
            tail: AtomicU64::new(0),
            committed: AtomicU64::new(0),
            durable: AtomicU64::new(0),
        }
    }
}

impl Counters {
    /// The counters as the protocol sees them, with `done` and `capacity`.
    fn parts<'s>(&'s self, done: &'s [AtomicU64], capacity: u64) -> Parts<'s> {
        Parts {
            tail: &self.tail,
            committed: &self.committed,
            durable: &self.durable,
            done,
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
    /// The counters and bitmap. Invariant: `done.len() * 64 >= capacity`, and no bit at or past
    /// the tail is set.
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

/// A store that holds its counters and a bitmap of `WORDS` words inline.
///
/// Tracks up to `64 * WORDS` rows. Usable in a `static` (its constructor is `const` outside loom
/// builds), on the stack, or on the heap behind an `Arc` for threads.
///
/// # Examples
///
/// ```
/// use mmarray::claim::{Claims, Inline};
///
/// // A static protocol for 100 rows: two words of bitmap.
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
pub struct Inline<const WORDS: usize> {
    counters: Counters,
    capacity: u64,
    done: [AtomicU64; WORDS],
}

impl<const WORDS: usize> Inline<WORDS> {
    /// The most rows this store can track: `64 * WORDS`.
    pub const MAX_CAPACITY: u64 = bits_in(WORDS);

    /// A store for `capacity` rows, all unclaimed.
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
        if capacity > Self::MAX_CAPACITY {
            return Err(SetupError::BitmapTooSmall {
                capacity,
                max: Self::MAX_CAPACITY,
            });
        }
        Ok(Self {
            counters: Counters::new(),
            capacity,
            done: [const { AtomicU64::new(0) }; WORDS],
        })
    }

    /// A store for `capacity` rows, all unclaimed (loom build: not `const`).
    ///
    /// # Errors
    ///
    /// [`SetupError::BitmapTooSmall`] if `capacity > 64 * WORDS`.
    #[cfg(mmarray_loom)]
    pub fn new(capacity: u64) -> Result<Self, SetupError> {
        if capacity > Self::MAX_CAPACITY {
            return Err(SetupError::BitmapTooSmall {
                capacity,
                max: Self::MAX_CAPACITY,
            });
        }
        Ok(Self {
            counters: Counters::new(),
            capacity,
            done: core::array::from_fn(|_| AtomicU64::new(0)),
        })
    }
}

impl<const WORDS: usize> Sealed for Inline<WORDS> {
    fn parts(&self, _: Key) -> Parts<'_> {
        self.counters.parts(&self.done, self.capacity)
    }
}

impl<const WORDS: usize> Store for Inline<WORDS> {}

impl<const WORDS: usize> fmt::Debug for Inline<WORDS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inline")
            .field("capacity", &self.capacity)
            .field("words", &WORDS)
            .finish_non_exhaustive()
    }
}

/// A store that holds its counters inline and borrows a caller-provided bitmap exclusively.
///
/// For capacities chosen at run time: the bitmap can be any `&mut [AtomicU64]` of at least
/// `capacity.div_ceil(64)` words (a `static` array handed out once, a `Vec` in std code, …).
/// The constructor clears it.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::AtomicU64;
/// use mmarray::claim::{Borrowed, Claims};
///
/// let mut bitmap: [AtomicU64; 4] = Default::default();
/// let claims = Claims::new(Borrowed::new(&mut bitmap, 200)?);
/// assert_eq!(claims.capacity(), 200);
/// # Ok::<(), mmarray::claim::SetupError>(())
/// ```
pub struct Borrowed<'a> {
    counters: Counters,
    capacity: u64,
    done: &'a [AtomicU64],
}

impl<'a> Borrowed<'a> {
    /// A store for `capacity` rows, all unclaimed, tracking completion in `bitmap` (cleared here).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::{Borrowed, SetupError};
    ///
    /// let mut bitmap = [AtomicU64::new(0)];
    /// assert_eq!(
    ///     Borrowed::new(&mut bitmap, 100).err(),
    ///     Some(SetupError::BitmapTooSmall { capacity: 100, max: 64 })
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// [`SetupError::BitmapTooSmall`] if `bitmap` has fewer than `capacity.div_ceil(64)` words.
    pub fn new(bitmap: &'a mut [AtomicU64], capacity: u64) -> Result<Self, SetupError> {
        let max = bits_in(bitmap.len());
        if capacity > max {
            return Err(SetupError::BitmapTooSmall { capacity, max });
        }
        for word in bitmap.iter() {
            // Exclusive (`&mut`) access: ordering is irrelevant; whatever later shares the
            // `Claims` with other threads (spawn, Arc, a static) publishes these stores.
            word.store(0, Ordering::Relaxed);
        }
        Ok(Self {
            counters: Counters::new(),
            capacity,
            done: bitmap,
        })
    }
}

impl Sealed for Borrowed<'_> {
    fn parts(&self, _: Key) -> Parts<'_> {
        self.counters.parts(self.done, self.capacity)
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
