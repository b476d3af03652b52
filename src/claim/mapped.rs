//! The in-file store: a `#[repr(C)]` header and the completion bitmap inside mapped bytes.
//!
//! Only outside loom builds: loom's atomics do not have the layout of real atomics. The
//! header's layout is owned by `header.rs`; this file overlays it on mapped bytes.

use super::SetupError;
use super::header::{ClaimHeader, Identity, field};
use super::store::{Counters, Key, Parts, Sealed, Store};
use crate::sync::{AtomicU64, Ordering};
use core::fmt;
use zerocopy::{FromBytes, IntoBytes, KnownLayout};

/// The header at the start of the claim region, as `header.rs` lays it out.
#[repr(C)]
#[derive(FromBytes, IntoBytes, KnownLayout)]
struct Header {
    identity: Identity,
    counters: Counters,
}

static_assertions::const_assert_eq!(core::mem::size_of::<Header>(), ClaimHeader::LEN);
static_assertions::const_assert_eq!(core::mem::align_of::<Header>(), Mapped::ALIGN);
static_assertions::const_assert_eq!(core::mem::offset_of!(Header, counters), field::TAIL.start);
static_assertions::const_assert_eq!(
    core::mem::offset_of!(Header, counters) + core::mem::offset_of!(Counters, tail),
    field::TAIL.start
);
static_assertions::const_assert_eq!(
    core::mem::offset_of!(Header, counters) + core::mem::offset_of!(Counters, committed),
    field::COMMITTED.start
);
static_assertions::const_assert_eq!(
    core::mem::offset_of!(Header, counters) + core::mem::offset_of!(Counters, durable),
    field::DURABLE.start
);

/// Number of 64-bit words needed for one bit per row, or `None` if that does not fit `usize`.
const fn words_for(capacity: u64) -> Option<usize> {
    let words = capacity.div_ceil(64);
    if words > usize::MAX as u64 {
        None
    } else {
        Some(words as usize)
    }
}

/// A store inside mapped bytes: a small header followed by the completion bitmap.
///
/// Every process that maps the file and opens the region sees the same claims and watermarks.
/// The region layout is documented (and owned) by [`ClaimHeader`]: the 56-byte header, then
/// the completion bitmap.
///
/// The region must start at a multiple of 8 ([`Mapped::ALIGN`]); its length is
/// [`Mapped::region_len`].
///
/// # Examples
///
/// ```
/// use mmarray::claim::{Claims, Mapped};
///
/// // Stand-in for a mapped file: a u64 array gives the alignment a page would.
/// let mut file = [0u64; 16];
/// let bytes: &mut [u8] = zerocopy::IntoBytes::as_mut_bytes(&mut file[..]);
/// let (store, _rows) = Mapped::create(bytes, 10, 4)?;
/// let claims = Claims::new(store);
/// claims.claim(2).expect("10 rows free").commit();
/// drop(claims);
///
/// // Another process (here: a later borrow) opens the same bytes and sees the watermark.
/// let bytes: &mut [u8] = zerocopy::IntoBytes::as_mut_bytes(&mut file[..]);
/// let (store, _rows) = Mapped::open(bytes, 10, 4)?;
/// assert_eq!(Claims::new(store).committed(), 2);
/// # Ok::<(), mmarray::claim::SetupError>(())
/// ```
pub struct Mapped<'a> {
    header: &'a Header,
    done: &'a [AtomicU64],
}

/// What [`Mapped::create`], [`Mapped::open`] and [`Mapped::recover`] return: the store and the
/// bytes after the claim region.
pub type Split<'a> = (Mapped<'a>, &'a mut [u8]);

impl<'a> Mapped<'a> {
    /// Alignment the region must start at.
    pub const ALIGN: usize = 8;

    /// The least alignment of rows stored after the region ([`rows_offset`](Self::rows_offset)):
    /// a cache line, so that the first rows do not share one with the header's counters.
    pub const ROWS_ALIGN: usize = 64;

    /// Where rows of alignment `align` start when they follow the region of `capacity`
    /// rows: [`region_len`](Self::region_len) rounded up to a multiple of
    /// `max(align, ROWS_ALIGN)`. `None` if that does not fit in `usize` (or `align` is 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::Mapped;
    ///
    /// assert_eq!(Mapped::rows_offset(64, 4), Some(64)); // 56 + 8: already a cache line
    /// assert_eq!(Mapped::rows_offset(65, 4), Some(128)); // 56 + 16, rounded up
    /// assert_eq!(Mapped::rows_offset(1, 4096), Some(4096));
    /// ```
    pub fn rows_offset(capacity: u64, align: usize) -> Option<usize> {
        Self::region_len(capacity)?.checked_next_multiple_of(align.max(Self::ROWS_ALIGN))
    }

    /// Bytes needed for the header and the bitmap of `capacity` rows; a multiple of 8.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::Mapped;
    ///
    /// assert_eq!(Mapped::region_len(0), Some(56));
    /// assert_eq!(Mapped::region_len(64), Some(64));
    /// assert_eq!(Mapped::region_len(65), Some(72));
    /// ```
    ///
    /// # Errors
    ///
    /// `None` if the length does not fit in `usize`.
    pub const fn region_len(capacity: u64) -> Option<usize> {
        let Some(words) = words_for(capacity) else {
            return None;
        };
        let Some(bitmap) = words.checked_mul(8) else {
            return None;
        };
        bitmap.checked_add(ClaimHeader::LEN)
    }

    /// Writes a fresh header for `capacity` rows of `row_size` bytes at the start of `bytes`,
    /// with all counters at zero and the bitmap cleared; returns the store and the bytes after
    /// the region.
    ///
    /// Only the process that creates the file calls this, before anyone else opens it.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Mapped, SetupError};
    ///
    /// let mut file = [0u64; 8];
    /// let bytes: &mut [u8] = zerocopy::IntoBytes::as_mut_bytes(&mut file[..]);
    /// let (_store, rows) = Mapped::create(bytes, 3, 16)?;
    /// assert!(rows.is_empty()); // header (56 bytes) + one bitmap word fill all 64 bytes
    /// # Ok::<(), SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SetupError::RegionTooLarge`], [`SetupError::TooShort`], [`SetupError::Misaligned`].
    pub fn create(
        bytes: &'a mut [u8],
        capacity: u64,
        row_size: u64,
    ) -> Result<Split<'a>, SetupError> {
        let (header, done, rest) = split(bytes, capacity)?;
        header.identity = Identity::new(capacity, row_size);
        *header.counters.tail.get_mut() = 0;
        *header.counters.committed.get_mut() = 0;
        *header.counters.durable.get_mut() = 0;
        for word in done.iter_mut() {
            *word.get_mut() = 0;
        }
        Ok((Self::new(header, done), rest))
    }

    /// Opens an existing header for `capacity` rows of `row_size` bytes, as left by
    /// [`create`](Self::create) and by the processes using it; changes nothing.
    ///
    /// This is how a process joins a file that other live processes are writing.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Mapped, SetupError};
    ///
    /// let mut file = [0u64; 8];
    /// let bytes: &mut [u8] = zerocopy::IntoBytes::as_mut_bytes(&mut file[..]);
    /// assert!(matches!(Mapped::open(bytes, 3, 16), Err(SetupError::BadMagic { .. })));
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`create`](Self::create), plus [`SetupError::BadMagic`],
    /// [`SetupError::UnsupportedVersion`], [`SetupError::ForeignByteOrder`],
    /// [`SetupError::CapacityMismatch`], [`SetupError::RowSizeMismatch`] for a header that is
    /// not the expected one, and [`SetupError::InconsistentCounters`],
    /// [`SetupError::StrayCompletion`] for one whose state is corrupt (or was torn by a crash:
    /// use [`recover`](Self::recover) then).
    pub fn open(
        bytes: &'a mut [u8],
        capacity: u64,
        row_size: u64,
    ) -> Result<Split<'a>, SetupError> {
        let (header, done, rest) = split(bytes, capacity)?;
        check_identity(header, capacity, row_size)?;
        // Live processes may be claiming, committing and flushing while we look, so the
        // order of the reads matters: durable before committed (a flush raises durable only
        // to a committed value it read), then the bitmap, then the tail last. A committed
        // value or a completion bit seen (Acquire) was published after its rows were claimed,
        // so the tail read after them covers those rows: the checks below cannot fail
        // because of a write that raced with them, only because of a damaged header.
        let durable = header.counters.durable.load(Ordering::Acquire);
        let committed = header.counters.committed.load(Ordering::Acquire);
        let last_bit = last_set(done);
        let tail = header.counters.tail.load(Ordering::Acquire);
        if !(durable <= committed && committed <= tail && tail <= capacity) {
            return Err(SetupError::InconsistentCounters {
                durable,
                committed,
                tail,
                capacity,
            });
        }
        if let Some(row) = last_bit.filter(|&row| row >= tail) {
            return Err(SetupError::StrayCompletion { row, claimed: tail });
        }
        Ok((Self::new(header, done), rest))
    }

    /// Opens an existing header after a crash and rewinds it to the durable watermark: tail and
    /// committed watermark become the durable one and every completion bit from there on is
    /// cleared. Rows below the durable watermark are kept; the rows after it, whose contents
    /// may not have reached the disk, are handed out again by later claims.
    ///
    /// Call this only when no other process uses the file (typically on the first open after
    /// a crash or reboot): it moves the committed watermark backwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::{Claims, Mapped};
    ///
    /// let mut file = [0u64; 8];
    /// let bytes: &mut [u8] = zerocopy::IntoBytes::as_mut_bytes(&mut file[..]);
    /// let claims = Claims::new(Mapped::create(bytes, 8, 1)?.0);
    /// claims.claim(2).expect("free").commit();
    /// claims.flush(|_rows| Ok::<(), ()>(())).expect("flushed"); // 2 rows durable
    /// claims.claim(3).expect("free").commit(); // 5 committed, not flushed
    /// let _lost = claims.claim(1).expect("free"); // claimed, never committed: "crash"
    /// drop(claims);
    ///
    /// let bytes: &mut [u8] = zerocopy::IntoBytes::as_mut_bytes(&mut file[..]);
    /// let claims = Claims::new(Mapped::recover(bytes, 8, 1)?.0);
    /// assert_eq!((claims.claimed(), claims.committed(), claims.durable()), (2, 2, 2));
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`create`](Self::create), the identity errors of [`open`](Self::open), and
    /// [`SetupError::InconsistentCounters`] if the durable watermark exceeds the capacity.
    pub fn recover(
        bytes: &'a mut [u8],
        capacity: u64,
        row_size: u64,
    ) -> Result<Split<'a>, SetupError> {
        let (header, done, rest) = split(bytes, capacity)?;
        check_identity(header, capacity, row_size)?;
        let durable = *header.counters.durable.get_mut();
        if durable > capacity {
            return Err(SetupError::InconsistentCounters {
                durable,
                committed: *header.counters.committed.get_mut(),
                tail: *header.counters.tail.get_mut(),
                capacity,
            });
        }
        *header.counters.tail.get_mut() = durable;
        *header.counters.committed.get_mut() = durable;
        clear_from(done, durable);
        Ok((Self::new(header, done), rest))
    }

    /// The capacity recorded in the header, in rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::Mapped;
    ///
    /// let mut file = [0u64; 8];
    /// let bytes: &mut [u8] = zerocopy::IntoBytes::as_mut_bytes(&mut file[..]);
    /// let (store, _) = Mapped::create(bytes, 3, 16)?;
    /// assert_eq!((store.capacity(), store.row_size()), (3, 16));
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    pub fn capacity(&self) -> u64 {
        self.header.identity.capacity
    }

    /// The row size recorded in the header, in bytes.
    ///
    /// # Examples
    ///
    /// See [`capacity`](Self::capacity).
    pub fn row_size(&self) -> u64 {
        self.header.identity.row_size
    }

    fn new(header: &'a mut Header, done: &'a mut [AtomicU64]) -> Self {
        Self { header, done }
    }
}

/// Splits `bytes` into header, bitmap (exactly the words for `capacity`) and the rest.
fn split(
    bytes: &mut [u8],
    capacity: u64,
) -> Result<(&mut Header, &mut [AtomicU64], &mut [u8]), SetupError> {
    let needed = Mapped::region_len(capacity).ok_or(SetupError::RegionTooLarge { capacity })?;
    let words = words_for(capacity).ok_or(SetupError::RegionTooLarge { capacity })?;
    if bytes.len() < needed {
        return Err(SetupError::TooShort {
            needed,
            actual: bytes.len(),
        });
    }
    let offset = bytes.as_ptr().addr() % Mapped::ALIGN;
    let misaligned = SetupError::Misaligned {
        offset,
        align: Mapped::ALIGN,
    };
    let too_short = SetupError::TooShort {
        needed,
        actual: bytes.len(),
    };
    // Length and alignment were checked above, so these casts succeed; map errors anyway.
    let (header, rest) = Header::mut_from_prefix(bytes).map_err(|e| match e {
        zerocopy::ConvertError::Alignment(_) => misaligned,
        _ => too_short,
    })?;
    let (done, rest) =
        <[AtomicU64]>::mut_from_prefix_with_elems(rest, words).map_err(|e| match e {
            zerocopy::ConvertError::Alignment(_) => misaligned,
            _ => too_short,
        })?;
    Ok((header, done, rest))
}

/// Magic, version, byte order, capacity and row size are the expected ones.
fn check_identity(header: &Header, capacity: u64, row_size: u64) -> Result<(), SetupError> {
    let identity = &header.identity;
    identity.check()?;
    if identity.capacity != capacity {
        return Err(SetupError::CapacityMismatch {
            expected: capacity,
            found: identity.capacity,
        });
    }
    if identity.row_size != row_size {
        return Err(SetupError::RowSizeMismatch {
            expected: row_size,
            found: identity.row_size,
        });
    }
    Ok(())
}

/// The last row whose completion bit is set, if any (`Acquire` loads).
fn last_set(done: &[AtomicU64]) -> Option<u64> {
    done.iter().enumerate().rev().find_map(|(i, word)| {
        let bits = word.load(Ordering::Acquire);
        (bits != 0).then(|| (i as u64) * 64 + u64::from(63 - bits.leading_zeros()))
    })
}

/// Clears every bit from row `from` on (exclusive access).
fn clear_from(done: &mut [AtomicU64], from: u64) {
    let first = usize::try_from(from / 64).unwrap_or(usize::MAX);
    let keep = (1u64 << (from % 64)) - 1;
    if let Some(word) = done.get_mut(first) {
        *word.get_mut() &= keep;
    }
    for word in done.iter_mut().skip(first.saturating_add(1)) {
        *word.get_mut() = 0;
    }
}

impl Sealed for Mapped<'_> {
    fn parts(&self, _: Key) -> Parts<'_> {
        Parts {
            counters: &self.header.counters,
            done: self.done,
            capacity: self.header.identity.capacity,
        }
    }
}

impl Store for Mapped<'_> {}

impl fmt::Debug for Mapped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapped")
            .field("capacity", &self.header.identity.capacity)
            .field("row_size", &self.header.identity.row_size)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
