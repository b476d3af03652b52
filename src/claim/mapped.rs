//! The in-file store: the claims header and the completion bitmap as words of a shared region
//! of atomics (`&[AtomicU64]`), which other processes mapping the same file change at the same
//! time.
//!
//! The header's byte layout is owned by `header.rs`; this file reaches each field through the
//! word that holds it ([`word`]), only with atomic loads, stores and read-modify-writes, so
//! nothing here ever makes a plain (`&`/`&mut`) reference to bytes another process may write.

use super::header::{Identity, word};
use super::owner::Owners;
use super::store::{Key, Parts, Sealed, Store};
use super::{SetupError, Watermarks};
use crate::sync::{AtomicU64, Ordering};
use core::fmt;

/// The header's words.
type Header = [AtomicU64; word::HEADER];

/// Number of 64-bit words needed for one bit per row, or `None` if that does not fit `usize`.
const fn words_for(capacity: u64) -> Option<usize> {
    let words = capacity.div_ceil(64);
    if words > usize::MAX as u64 {
        None
    } else {
        Some(words as usize)
    }
}

/// A store inside a shared region of atomic words: the 7-word header followed by the
/// completion bitmap.
///
/// Every process that maps the file and opens the region sees the same claims and watermarks.
/// The region's byte layout is documented (and owned) by [`ClaimHeader`](super::ClaimHeader): the 56-byte header,
/// then the completion bitmap, all native-endian. The store reaches it only as atomics, so the
/// region is a `&[AtomicU64]` of at least [`Mapped::region_words`] words: an adapter makes it
/// from the mapped bytes once (its one `unsafe` step: the bytes are 8-aligned, in bounds, live,
/// and every process accesses them only atomically); here any array of atomics stands in.
///
/// Capacity and row size are read once, when the store is made, and kept as plain values:
/// nothing writes them after [`create`](Self::create).
///
/// Several `Mapped` stores may exist over the same words — one per process, and also several
/// in one process, since nothing stops safe code from opening the same `&[AtomicU64]` twice.
/// So for a `Claims<Mapped>`, `&mut` ([`force_complete`](super::Claims::force_complete),
/// [`truncate`](super::Claims::truncate)) proves only that no token *of this store* is alive:
/// the caller vouches for every other store over the same words, in this process and others.
/// (Breaking that is a protocol error, not undefined behaviour: every access is atomic.)
///
/// # Examples
///
/// ```
/// use core::sync::atomic::AtomicU64;
/// use mmarray::claim::{Claims, Mapped};
///
/// // Stand-in for a mapped file: 16 atomic words shared by every "process".
/// let file: [AtomicU64; 16] = core::array::from_fn(|_| AtomicU64::new(0));
/// let claims = Claims::new(Mapped::create(&file, 10, 4)?);
/// claims.claim(2).expect("10 rows free").commit();
///
/// // Another process (here: a second store over the same words) joins and sees the watermark.
/// let other = Claims::new(Mapped::open(&file, 10, 4)?);
/// assert_eq!(other.committed(), 2);
/// other.claim(1).expect("8 rows free").commit();
/// assert_eq!(claims.committed(), 3);
///
/// // `&mut` covers one store only: with a claim of `claims` live, the other store's
/// // `force_complete` publishes those rows. The types cannot see it; the caller must.
/// let mut other = other;
/// let live = claims.claim(2).expect("7 rows free");
/// assert_eq!(other.force_complete(live.rows()), Ok(5));
/// assert_eq!(claims.committed(), 5, "a live claim's rows are now visible");
/// # drop(live);
/// # Ok::<(), mmarray::claim::SetupError>(())
/// ```
pub struct Mapped<'a> {
    /// The header's 7 words ([`word`]).
    header: &'a Header,
    /// The completion bitmap: exactly the words for `capacity` rows.
    done: &'a [AtomicU64],
    /// The void bitmap (temporary placement, right after `done`; same length).
    void: &'a [AtomicU64],
    /// The `closer` word (temporary placement, after `void`).
    closer: &'a AtomicU64,
    /// Read from the header once; never changes after `create`.
    capacity: u64,
    /// Read from the header once; never changes after `create`.
    row_size: u64,
}

impl<'a> Mapped<'a> {
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
    /// assert_eq!(Mapped::rows_offset(64, 4), Some(128)); // 56 + 8 + 8 + 8, rounded up
    /// assert_eq!(Mapped::rows_offset(65, 4), Some(128)); // 56 + 16 + 16 + 8, rounded up
    /// assert_eq!(Mapped::rows_offset(1, 4096), Some(4096));
    /// ```
    pub fn rows_offset(capacity: u64, align: usize) -> Option<usize> {
        Self::region_len(capacity)?.checked_next_multiple_of(align.max(Self::ROWS_ALIGN))
    }

    /// Bytes of the header and the bitmap of `capacity` rows in a file:
    /// `8 * region_words(capacity)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::Mapped;
    ///
    /// assert_eq!(Mapped::region_len(0), Some(64));
    /// assert_eq!(Mapped::region_len(64), Some(80));
    /// assert_eq!(Mapped::region_len(65), Some(96));
    /// ```
    ///
    /// # Errors
    ///
    /// `None` if the length does not fit in `usize`.
    pub const fn region_len(capacity: u64) -> Option<usize> {
        let Some(words) = Self::region_words(capacity) else {
            return None;
        };
        words.checked_mul(8)
    }

    /// Words of the region for `capacity` rows: the header's 7, then one completion bitmap
    /// word per 64 rows, as many void bitmap words, and the `closer` word (a temporary
    /// placement until the v2 layout). The region passed to [`create`](Self::create), [`open`](Self::open) and
    /// [`recover`](Self::recover) has at least this many.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::Mapped;
    ///
    /// assert_eq!(Mapped::region_words(0), Some(8));
    /// assert_eq!(Mapped::region_words(64), Some(10));
    /// assert_eq!(Mapped::region_words(65), Some(12));
    /// ```
    ///
    /// # Errors
    ///
    /// `None` if the count does not fit in `usize`.
    pub const fn region_words(capacity: u64) -> Option<usize> {
        let Some(bitmap) = words_for(capacity) else {
            return None;
        };
        let Some(bitmaps) = bitmap.checked_mul(2) else {
            return None;
        };
        let Some(words) = bitmaps.checked_add(1) else {
            return None;
        };
        words.checked_add(word::HEADER)
    }

    /// Writes a fresh header for `capacity` rows of `row_size` bytes at the start of `region`,
    /// with all counters at zero and the bitmap cleared.
    ///
    /// The magic is cleared first and written last (`Release`), so a create torn by a crash
    /// leaves a region that [`open`](Self::open) refuses as [`SetupError::BadMagic`].
    ///
    /// Protocol rule: only the process that creates the file calls this, before anyone else
    /// opens it (others joining meanwhile would see their counters reset under them). That is
    /// a rule of the protocol, not of memory safety: every access is atomic.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::{Mapped, SetupError};
    ///
    /// let file: [AtomicU64; 10] = core::array::from_fn(|_| AtomicU64::new(0));
    /// let store = Mapped::create(&file, 3, 16)?; // 7 header words + 2 bitmap words + closer
    /// assert_eq!((store.capacity(), store.row_size()), (3, 16));
    /// assert_eq!(
    ///     Mapped::create(&file[..9], 3, 16).err(),
    ///     Some(SetupError::TooShort { needed: 80, actual: 72 })
    /// );
    /// # Ok::<(), SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SetupError::RegionTooLarge`] if the region for `capacity` does not fit in `usize`,
    /// [`SetupError::TooShort`] if `region` has fewer than [`region_words`](Self::region_words).
    pub fn create(
        region: &'a [AtomicU64],
        capacity: u64,
        row_size: u64,
    ) -> Result<Self, SetupError> {
        let (header, done, void, closer) = split(region, capacity)?;
        let [magic, version_and_order, capacity_word, row_size_word] =
            Identity::new(capacity, row_size).to_words();
        header[word::MAGIC].store(0, Ordering::Relaxed);
        for w in [word::TAIL, word::COMMITTED, word::DURABLE] {
            header[w].store(0, Ordering::Relaxed);
        }
        for w in done.iter().chain(void).chain([closer]) {
            w.store(0, Ordering::Relaxed);
        }
        header[word::VERSION_AND_BYTE_ORDER].store(version_and_order, Ordering::Relaxed);
        header[word::CAPACITY].store(capacity_word, Ordering::Relaxed);
        header[word::ROW_SIZE].store(row_size_word, Ordering::Relaxed);
        // Release: a process that reads the magic (Acquire, in `open`) sees the rest.
        header[word::MAGIC].store(magic, Ordering::Release);
        Ok(Self {
            header,
            done,
            void,
            closer,
            capacity,
            row_size,
        })
    }

    /// Opens an existing header for `capacity` rows of `row_size` bytes, as left by
    /// [`create`](Self::create) and by the processes using it; changes nothing.
    ///
    /// This is how a process joins a file that other live processes are writing. A joiner
    /// should then run [`Claims::advance_committed`](super::Claims::advance_committed) once,
    /// so that rows a committer completed before dying (its bits set, its advance loop not
    /// run) become visible.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::{Mapped, SetupError};
    ///
    /// static FILE: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];
    /// assert!(matches!(Mapped::open(&FILE, 3, 16), Err(SetupError::BadMagic { .. })));
    /// Mapped::create(&FILE, 3, 16)?;
    /// assert_eq!(Mapped::open(&FILE, 3, 16)?.capacity(), 3);
    /// # Ok::<(), SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`create`](Self::create), plus [`SetupError::BadMagic`],
    /// [`SetupError::UnsupportedVersion`], [`SetupError::ForeignByteOrder`],
    /// [`SetupError::DamagedByteOrderMark`], [`SetupError::CapacityMismatch`],
    /// [`SetupError::RowSizeMismatch`] for a header that is not the expected one, and
    /// [`SetupError::InconsistentCounters`], [`SetupError::StrayCompletion`] for one whose
    /// state is corrupt (or was torn by a crash: use [`recover`](Self::recover) then).
    pub fn open(region: &'a [AtomicU64], capacity: u64, row_size: u64) -> Result<Self, SetupError> {
        let (header, done, void, closer) = split(region, capacity)?;
        check_identity(header, capacity, row_size)?;
        // Live processes may be claiming, committing and flushing while we look, so the
        // order of the reads matters: durable before committed (a flush raises durable only
        // to a committed value it read), then the bitmap, then the tail last. A committed
        // value or a completion bit seen (Acquire) was published after its rows were claimed,
        // so the tail read after them covers those rows: the checks below cannot fail
        // because of a write that raced with them, only because of a damaged header.
        let durable = header[word::DURABLE].load(Ordering::Acquire);
        let committed = header[word::COMMITTED].load(Ordering::Acquire);
        let last_bit = last_set(done);
        let tail = header[word::TAIL].load(Ordering::Acquire);
        check_counters(Watermarks { durable, committed }, tail, capacity)?;
        if let Some(row) = last_bit.filter(|&row| row >= tail) {
            return Err(SetupError::StrayCompletion { row, claimed: tail });
        }
        Ok(Self {
            header,
            done,
            void,
            closer,
            capacity,
            row_size,
        })
    }

    /// Opens an existing header after a crash and rewinds it to the durable watermark: tail and
    /// committed watermark become the durable one and every completion bit from there on is
    /// cleared. Rows below the durable watermark are kept; the rows after it, whose contents
    /// may not have reached the disk, are handed out again by later claims — also rows that
    /// were complete (committed, or left complete above a frozen watermark by a committer that
    /// died before advancing it): only the durable watermark proves rows are on disk, and
    /// advancing first would not change what is kept.
    ///
    /// Protocol rule: call this only when no other participant uses the region at all — no
    /// writer, no reader calling [`Claims::stalled`](super::Claims::stalled),
    /// [`flush`](super::Claims::flush) or [`advance_committed`](super::Claims::advance_committed)
    /// (they write `committed`), no joiner, and no other `Mapped` store over the same words
    /// in this process — typically on the first open after a crash or reboot: it moves the
    /// committed watermark backwards and hands rows out again. That is a rule of the protocol, not of memory safety: every
    /// access is atomic.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::{Claims, Mapped};
    ///
    /// let file: [AtomicU64; 10] = core::array::from_fn(|_| AtomicU64::new(0));
    /// let claims = Claims::new(Mapped::create(&file, 8, 1)?);
    /// claims.claim(2).expect("free").commit();
    /// claims.flush(|_rows| Ok::<(), ()>(())).expect("flushed"); // 2 rows durable
    /// claims.claim(3).expect("free").commit(); // 5 committed, not flushed
    /// let _lost = claims.claim(1).expect("free"); // claimed, never committed: "crash"
    ///
    /// let claims = Claims::new(Mapped::recover(&file, 8, 1)?);
    /// assert_eq!((claims.claimed(), claims.committed(), claims.durable()), (2, 2, 2));
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`create`](Self::create), the identity errors of [`open`](Self::open), and
    /// [`SetupError::InconsistentCounters`] if the durable watermark exceeds the capacity.
    pub fn recover(
        region: &'a [AtomicU64],
        capacity: u64,
        row_size: u64,
    ) -> Result<Self, SetupError> {
        let (header, done, void, closer) = split(region, capacity)?;
        check_identity(header, capacity, row_size)?;
        let durable = header[word::DURABLE].load(Ordering::Acquire);
        if durable > capacity {
            return Err(SetupError::InconsistentCounters {
                durable,
                committed: header[word::COMMITTED].load(Ordering::Acquire),
                tail: header[word::TAIL].load(Ordering::Acquire),
                capacity,
            });
        }
        // No writer is about (the rule above): the order only matters to a crash in between,
        // which leaves committed <= tail either way (tail is lowered last) and is undone by
        // recovering again. RMWs, like every other write to `committed`.
        clear_from(done, durable);
        clear_from(void, durable);
        header[word::COMMITTED].swap(durable, Ordering::AcqRel);
        header[word::TAIL].swap(durable, Ordering::AcqRel);
        Ok(Self {
            header,
            done,
            void,
            closer,
            capacity,
            row_size,
        })
    }

    /// The capacity recorded in the header, in rows.
    ///
    /// # Examples
    ///
    /// See [`create`](Self::create).
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The row size recorded in the header, in bytes.
    ///
    /// # Examples
    ///
    /// See [`create`](Self::create).
    pub fn row_size(&self) -> u64 {
        self.row_size
    }
}

/// The header, completion bitmap, void bitmap and `closer` word of a region.
type Split<'a> = (&'a Header, &'a [AtomicU64], &'a [AtomicU64], &'a AtomicU64);

/// Splits `region` into the header's words, the two bitmaps' (exactly the words for
/// `capacity` each) and the `closer` word; words after those are not used.
fn split(region: &[AtomicU64], capacity: u64) -> Result<Split<'_>, SetupError> {
    let words = Mapped::region_words(capacity).ok_or(SetupError::RegionTooLarge { capacity })?;
    let needed = Mapped::region_len(capacity).ok_or(SetupError::RegionTooLarge { capacity })?;
    let too_short = SetupError::TooShort {
        needed,
        actual: region.len().saturating_mul(8),
    };
    let (header, rest) = region
        .get(..words)
        .and_then(<[AtomicU64]>::split_first_chunk)
        .ok_or(too_short)?;
    let (closer, bitmaps) = rest.split_last().ok_or(too_short)?;
    let (done, void) = bitmaps.split_at(bitmaps.len() / 2);
    Ok((header, done, void, closer))
}

/// Magic, version, byte order, capacity and row size are the expected ones (`Acquire` loads:
/// the magic pairs with the `Release` store that ends [`Mapped::create`]).
fn check_identity(header: &Header, capacity: u64, row_size: u64) -> Result<(), SetupError> {
    let load = |w: usize| header[w].load(Ordering::Acquire);
    let identity = Identity::from_words([
        load(word::MAGIC),
        load(word::VERSION_AND_BYTE_ORDER),
        load(word::CAPACITY),
        load(word::ROW_SIZE),
    ]);
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

/// `durable <= committed <= tail <= capacity`.
fn check_counters(marks: Watermarks, tail: u64, capacity: u64) -> Result<(), SetupError> {
    let Watermarks { durable, committed } = marks;
    if durable <= committed && committed <= tail && tail <= capacity {
        return Ok(());
    }
    Err(SetupError::InconsistentCounters {
        durable,
        committed,
        tail,
        capacity,
    })
}

/// The last row whose completion bit is set, if any (`Acquire` loads).
fn last_set(done: &[AtomicU64]) -> Option<u64> {
    done.iter().enumerate().rev().find_map(|(i, word)| {
        let bits = word.load(Ordering::Acquire);
        (bits != 0).then(|| (i as u64) * 64 + u64::from(63 - bits.leading_zeros()))
    })
}

/// Clears every bit from row `from` on (recovery: nobody else uses the region).
fn clear_from(done: &[AtomicU64], from: u64) {
    let first = usize::try_from(from / 64).unwrap_or(usize::MAX);
    let keep = (1u64 << (from % 64)) - 1;
    if let Some(word) = done.get(first) {
        word.fetch_and(keep, Ordering::AcqRel);
    }
    for word in done.iter().skip(first.saturating_add(1)) {
        word.store(0, Ordering::Release);
    }
}

impl Sealed for Mapped<'_> {
    fn parts(&self, _: Key) -> Parts<'_> {
        Parts {
            tail: &self.header[word::TAIL],
            committed: &self.header[word::COMMITTED],
            durable: &self.header[word::DURABLE],
            done: self.done,
            void: self.void,
            owners: Owners::NONE,
            closer: self.closer,
            capacity: self.capacity,
        }
    }
}

impl Store for Mapped<'_> {}

impl fmt::Debug for Mapped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapped")
            .field("capacity", &self.capacity)
            .field("row_size", &self.row_size)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(mmarray_loom)))]
mod tests;
