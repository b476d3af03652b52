//! The in-file store: the claims header and the completion bitmap as words of a shared region
//! of atomics (`&[AtomicU64]`), which other processes mapping the same file change at the same
//! time.
//!
//! The header's byte layout is owned by `header.rs`; this file reaches each field through the
//! word that holds it ([`word`]), only with atomic loads, stores and read-modify-writes, so
//! nothing here ever makes a plain (`&`/`&mut`) reference to bytes another process may write.

use super::geometry::Geometry;
use super::header::{IDENTITY_WORDS, Identity, word};
use super::owner::Owners;
use super::store::{Key, Parts, Sealed, Store};
use super::{SetupError, Watermarks};
use crate::sync::{AtomicU64, Ordering};
use core::fmt;

/// The header's words.
type Header = [AtomicU64; word::HEADER];

/// A store inside a shared region of atomic words: the 16-word header, the done and void
/// bitmaps and the owners' slot table (format version 2).
///
/// Every process that maps the file and opens the region sees the same claims and watermarks.
/// The region's byte layout is documented (and owned) by [`ClaimHeader`](super::ClaimHeader)
/// and [`Geometry`]: the 128-byte header, the done bitmap, the void bitmap, then the slot
/// table at a 64-byte boundary, all native-endian. In a row log file the region follows the
/// `.npy` header and the rows, at [`Geometry::region_offset`]:
///
/// | bytes | content |
/// |---|---|
/// | `0..H` | `.npy` header (`H` = [`Geometry::header_len`], a multiple of 64) |
/// | `H..H + C*S` | rows; row `i` at `H + i*S` |
/// | `H + C*S..R` | zeros, `R` = [`Geometry::region_offset`] (a multiple of 4096) |
/// | `R..R + 128` | the header ([`ClaimHeader`](super::ClaimHeader)) |
/// | `R + 128..R + V` | done bitmap, `V` = [`Geometry::void_offset`] |
/// | `R + V..R + O` | void bitmap (same length), padding |
/// | `R + O..` | slot table, `O` = [`Geometry::slots_offset`]: `N` slots of `8 + 8E` words |
///
/// The store reaches the region only as atomics, so the region is a `&[AtomicU64]` of at
/// least [`Geometry::region_words`] words: an adapter makes it from the mapped bytes once
/// (its one `unsafe` step: the bytes are 8-aligned, in bounds, live, and every process
/// accesses them only atomically); here any array of atomics stands in.
///
/// The identity (capacity, row size, `.npy` header length, slots, entries) is read once, when
/// the store is made, and kept as plain values: nothing writes it after
/// [`create`](Self::create).
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
/// use mmarray::claim::{Claims, Geometry, Mapped};
///
/// // Stand-in for a mapped file: the region's words, shared by every "process".
/// let words = Geometry::new(10, 4).region_words().expect("small");
/// let file: Vec<AtomicU64> = (0..words).map(|_| AtomicU64::new(0)).collect();
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
    /// The header's 16 words ([`word`]).
    header: &'a Header,
    /// The done bitmap: exactly the words for `capacity` rows.
    done: &'a [AtomicU64],
    /// The void bitmap: as many words as `done`.
    void: &'a [AtomicU64],
    /// The slot table: exactly `slots * (8 + 8 * entries)` words.
    owners: &'a [AtomicU64],
    /// Read from the header once; never changes after `create`.
    geometry: Geometry,
}

impl<'a> Mapped<'a> {
    /// The least alignment of rows: a cache line. Rows start at the `.npy` header's length,
    /// a multiple of this.
    pub const ROWS_ALIGN: usize = 64;

    /// Words of the region for `capacity` rows and a slot table of `slots` slots of
    /// `entries` entries: [`Geometry::region_words`]. The region passed to
    /// [`create`](Self::create), [`open`](Self::open) and [`recover`](Self::recover) has at
    /// least this many.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::claim::Mapped;
    ///
    /// assert_eq!(Mapped::region_words(0, 0, 0), Some(16));
    /// assert_eq!(Mapped::region_words(64, 0, 0), Some(24)); // 16 + 1 + 1, rounded to 8
    /// assert_eq!(Mapped::region_words(64, 2, 1), Some(24 + 2 * 16));
    /// ```
    ///
    /// # Errors
    ///
    /// `None` if the count does not fit in `usize`.
    pub const fn region_words(capacity: u64, slots: u32, entries: u32) -> Option<usize> {
        Geometry::new(capacity, 0)
            .with_owners(slots, entries)
            .region_words()
    }

    /// Writes a fresh region for `capacity` rows of `row_size` bytes at the start of `region`:
    /// no `.npy` header before the rows, no slot table ([`create_with`](Self::create_with)
    /// says which).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::{Mapped, SetupError};
    ///
    /// let file: [AtomicU64; 24] = core::array::from_fn(|_| AtomicU64::new(0));
    /// let store = Mapped::create(&file, 3, 16)?; // 16 header words, 2 bitmap words, padding
    /// assert_eq!((store.capacity(), store.row_size()), (3, 16));
    /// assert_eq!(
    ///     Mapped::create(&file[..17], 3, 16).err(),
    ///     Some(SetupError::TooShort { needed: 192, actual: 136 })
    /// );
    /// # Ok::<(), SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`create_with`](Self::create_with).
    pub fn create(
        region: &'a [AtomicU64],
        capacity: u64,
        row_size: u64,
    ) -> Result<Self, SetupError> {
        Self::create_with(region, Geometry::new(capacity, row_size))
    }

    /// Writes a fresh region for `geometry` at the start of `region`, with all counters at
    /// zero, both bitmaps and the slot table cleared, `allocated` at the capacity and the
    /// `.npy` header length, slots and entries recorded.
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
    /// use mmarray::claim::{Geometry, Mapped};
    ///
    /// let g = Geometry::new(100, 16).with_header_len(256).with_owners(2, 4);
    /// let file: Vec<AtomicU64> = (0..g.region_words().unwrap()).map(|_| AtomicU64::new(0)).collect();
    /// let store = Mapped::create_with(&file, g)?;
    /// assert_eq!(store.geometry(), g);
    /// assert_eq!(Mapped::open_with(&file, g)?.owners_words().len(), 2 * (8 + 8 * 4));
    /// # Ok::<(), mmarray::claim::SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SetupError::RegionTooLarge`] if the capacity is not below
    /// [`Geometry::MAX_CAPACITY`] or the region does not fit in `usize`,
    /// [`SetupError::TooShort`] if `region` has fewer than [`Geometry::region_words`].
    pub fn create_with(region: &'a [AtomicU64], geometry: Geometry) -> Result<Self, SetupError> {
        if geometry.capacity >= Geometry::MAX_CAPACITY {
            return Err(SetupError::RegionTooLarge {
                capacity: geometry.capacity,
            });
        }
        let store = split(region, geometry)?;
        let header = store.header;
        header[word::MAGIC].store(0, Ordering::Relaxed);
        for w in header.iter().skip(1) {
            w.store(0, Ordering::Relaxed);
        }
        // Only the words that are not zero already: a freshly extended file reads as zeros, and
        // leaving its pages unwritten keeps them clean — a default slot table is 132 KiB that
        // would otherwise be dirtied here, faulted in for writing and written back by the
        // first flush.
        for w in store.done.iter().chain(store.void).chain(store.owners) {
            if w.load(Ordering::Relaxed) != 0 {
                w.store(0, Ordering::Relaxed);
            }
        }
        let values = Identity::new(geometry).to_words();
        for (&w, value) in IDENTITY_WORDS.iter().zip(values).skip(1) {
            header[w].store(value, Ordering::Relaxed);
        }
        // Release: a process that reads the magic (Acquire, in `open`) sees the rest.
        header[word::MAGIC].store(values[0], Ordering::Release);
        Ok(store)
    }

    /// Opens an existing region for `capacity` rows of `row_size` bytes with no `.npy`
    /// header and no slot table; see [`open_with`](Self::open_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::{Mapped, SetupError};
    ///
    /// static FILE: [AtomicU64; 24] = [const { AtomicU64::new(0) }; 24];
    /// assert!(matches!(Mapped::open(&FILE, 3, 16), Err(SetupError::BadMagic { .. })));
    /// Mapped::create(&FILE, 3, 16)?;
    /// assert_eq!(Mapped::open(&FILE, 3, 16)?.capacity(), 3);
    /// # Ok::<(), SetupError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`open_with`](Self::open_with).
    pub fn open(region: &'a [AtomicU64], capacity: u64, row_size: u64) -> Result<Self, SetupError> {
        Self::open_with(region, Geometry::new(capacity, row_size))
    }

    /// Opens an existing region made for `geometry`, as left by
    /// [`create_with`](Self::create_with) and by the processes using it; changes nothing.
    ///
    /// This is how a process joins a file that other live processes are writing. A joiner
    /// should then run [`Claims::advance_committed`](super::Claims::advance_committed) once,
    /// so that rows a committer completed before dying (its bits set, its advance loop not
    /// run) become visible.
    ///
    /// # Errors
    ///
    /// Those of [`create_with`](Self::create_with), plus [`SetupError::BadMagic`],
    /// [`SetupError::UnsupportedVersion`] (a version-1 region among them),
    /// [`SetupError::ForeignByteOrder`], [`SetupError::DamagedByteOrderMark`],
    /// [`SetupError::CapacityMismatch`], [`SetupError::RowSizeMismatch`],
    /// [`SetupError::HeaderLenMismatch`], [`SetupError::OwnersMismatch`] for a region that is
    /// not the expected one, and [`SetupError::InconsistentCounters`],
    /// [`SetupError::StrayCompletion`], [`SetupError::StrayVoid`] for one whose state is corrupt (or was torn by a
    /// crash: use [`recover`](Self::recover) then).
    pub fn open_with(region: &'a [AtomicU64], geometry: Geometry) -> Result<Self, SetupError> {
        let store = split(region, geometry)?;
        let header = store.header;
        check_identity(header, geometry)?;
        let capacity = geometry.capacity;
        // Live processes may be claiming, committing and flushing while we look, so the
        // order of the reads matters: durable before committed (a flush raises durable only
        // to a committed value it read), then the bitmap, then the tail last. A committed
        // value or a completion bit seen (Acquire) was published after its rows were claimed,
        // so the tail read after them covers those rows: the checks below cannot fail
        // because of a write that raced with them, only because of a damaged header.
        let durable = header[word::DURABLE].load(Ordering::Acquire);
        let committed = header[word::COMMITTED].load(Ordering::Acquire);
        let last_bit = last_set(store.done);
        // Void bits are set (Release) only on claimed rows, before their completion bits,
        // so the same argument covers them.
        let last_void = last_set(store.void);
        let tail = header[word::TAIL].load(Ordering::Acquire);
        check_counters(Watermarks { durable, committed }, tail, capacity)?;
        if let Some(row) = last_bit.filter(|&row| row >= tail) {
            return Err(SetupError::StrayCompletion { row, claimed: tail });
        }
        if let Some(row) = last_void.filter(|&row| row >= tail) {
            return Err(SetupError::StrayVoid { row, claimed: tail });
        }
        Ok(store)
    }

    /// [`recover_with`](Self::recover_with) for a region with no `.npy` header and no slot
    /// table.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use mmarray::claim::{Claims, Mapped};
    ///
    /// let file: [AtomicU64; 24] = core::array::from_fn(|_| AtomicU64::new(0));
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
    /// As [`recover_with`](Self::recover_with).
    pub fn recover(
        region: &'a [AtomicU64],
        capacity: u64,
        row_size: u64,
    ) -> Result<Self, SetupError> {
        Self::recover_with(region, Geometry::new(capacity, row_size))
    }

    /// Opens an existing region after a crash and rewinds it to the durable watermark: tail and
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
    /// committed watermark backwards and hands rows out again. That is a rule of the protocol,
    /// not of memory safety: every access is atomic.
    ///
    /// # Errors
    ///
    /// Those of [`create_with`](Self::create_with), the identity errors of
    /// [`open_with`](Self::open_with), and [`SetupError::InconsistentCounters`] if the durable
    /// watermark exceeds the capacity.
    pub fn recover_with(region: &'a [AtomicU64], geometry: Geometry) -> Result<Self, SetupError> {
        let store = split(region, geometry)?;
        let header = store.header;
        check_identity(header, geometry)?;
        let capacity = geometry.capacity;
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
        clear_from(store.done, durable);
        clear_from(store.void, durable);
        // Every participant is gone (the rule above): their announcements, a closer's or a
        // header writer's hold mean nothing now, and left set they would keep slots from
        // being reused and the `.npy` shape from being published. A rewrite a dead header
        // writer left half done (`published` with its busy bit) is redone by the next one.
        Owners::table(store.owners, geometry.slots, geometry.entries).clear_entries();
        header[word::CLOSER].store(0, Ordering::Release);
        header[word::HEADER_WRITER].store(0, Ordering::Release);
        header[word::COMMITTED].swap(durable, Ordering::AcqRel);
        header[word::TAIL].swap(durable, Ordering::AcqRel);
        Ok(store)
    }

    /// The capacity recorded in the header, in rows.
    ///
    /// # Examples
    ///
    /// See [`create`](Self::create).
    pub fn capacity(&self) -> u64 {
        self.geometry.capacity
    }

    /// The row size recorded in the header, in bytes.
    ///
    /// # Examples
    ///
    /// See [`create`](Self::create).
    pub fn row_size(&self) -> u64 {
        self.geometry.row_size
    }

    /// Everything the header records: capacity, row size, `.npy` header length, slots,
    /// entries.
    ///
    /// # Examples
    ///
    /// See [`create_with`](Self::create_with).
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// The length of the `.npy` header before the rows, as recorded (word 8).
    pub fn header_len(&self) -> u64 {
        self.geometry.header_len
    }

    /// Owner slots in the slot table (word 9, low half).
    pub fn slots(&self) -> u32 {
        self.geometry.slots
    }

    /// Entries per slot (word 9, high half).
    pub fn entries(&self) -> u32 {
        self.geometry.entries
    }

    /// The void bitmap: as many words as the done bitmap; bit `r % 64` of word `r / 64` set
    /// means row `r` is not valid data.
    ///
    /// Like every word of the region, these are the caller's own atomics (the region it
    /// passed in), handed back with their place in the layout; the claims protocol reads and
    /// writes them by its rules.
    pub fn void(&self) -> &'a [AtomicU64] {
        self.void
    }

    /// The slot table: [`slots`](Self::slots) slots of `8 + 8 * entries` words each (slot
    /// `i` from word `i * (8 + 8 * entries)`: its 8 header words, then its entries of 8
    /// words each).
    pub fn owners_words(&self) -> &'a [AtomicU64] {
        self.owners
    }

    /// The closer word (word 14): `(generation << 16) | (slot + 1)` of the process closing a
    /// hole, 0 = none.
    pub fn closer(&self) -> &'a AtomicU64 {
        &self.header[word::CLOSER]
    }

    /// The published word (word 12): the value the `.npy` header's shape shows (bits 0..62,
    /// [`ClaimHeader::PUBLISHED_VALUE`](super::ClaimHeader::PUBLISHED_VALUE)), the shape slot
    /// it is in (bit 62) and a busy bit (63) set while the text is being rewritten.
    pub fn published(&self) -> &'a AtomicU64 {
        &self.header[word::PUBLISHED]
    }

    /// The header-writer word (word 13): the hold word of the process rewriting the `.npy`
    /// header text, 0 = none — its slot's ([`Owners::hold_word`](super::Owners::hold_word)),
    /// or, for a process without a slot, `(pid + 1) << 16` (the adapter's `row_log/npy.rs`).
    /// Taken by compare-exchange.
    pub fn header_writer(&self) -> &'a AtomicU64 {
        &self.header[word::HEADER_WRITER]
    }

    /// The header-target word (word 15): the value a header rewrite in progress writes, so
    /// that whoever takes over a dead writer redoes exactly that rewrite.
    pub fn header_target(&self) -> &'a AtomicU64 {
        &self.header[word::HEADER_TARGET]
    }

    /// The boot id of the session (words 10 and 11).
    pub fn boot_id(&self) -> &'a [AtomicU64; 2] {
        let (pair, _) = self.header[word::BOOT_ID..]
            .split_first_chunk::<2>()
            .unwrap_or_else(|| unreachable!("the header has 16 words"));
        pair
    }

    /// The allocated word (word 5): rows with storage. Reserved: it stays at the capacity.
    pub fn allocated(&self) -> &'a AtomicU64 {
        &self.header[word::ALLOCATED]
    }
}

/// Splits `region` into the header's words, the bitmaps' and the slot table's (exactly the
/// words for `geometry`); words after those are not used.
fn split(region: &[AtomicU64], geometry: Geometry) -> Result<Mapped<'_>, SetupError> {
    let capacity = geometry.capacity;
    let too_large = SetupError::RegionTooLarge { capacity };
    let needed = geometry.region_len().ok_or(too_large)?;
    let bitmap = geometry.bitmap_words().ok_or(too_large)?;
    let slots_at = geometry.slots_offset().ok_or(too_large)? / 8;
    let owners = geometry.owners_words().ok_or(too_large)?;
    let too_short = SetupError::TooShort {
        needed,
        actual: region.len().saturating_mul(8),
    };
    let region = region.get(..needed / 8).ok_or(too_short)?;
    let (header, rest) = region.split_first_chunk().ok_or(too_short)?;
    let (done, rest) = rest.split_at_checked(bitmap).ok_or(too_short)?;
    let (void, _) = rest.split_at_checked(bitmap).ok_or(too_short)?;
    let owners = region
        .get(slots_at..)
        .filter(|o| o.len() == owners)
        .ok_or(too_short)?;
    // The slot count must fit the `closer` word (`TooManySlots`); the length was checked above.
    Owners::new(owners, geometry.slots, geometry.entries)?;
    Ok(Mapped {
        header,
        done,
        void,
        owners,
        geometry,
    })
}

/// Magic, version, byte order and the geometry are the expected ones (`Acquire` loads:
/// the magic pairs with the `Release` store that ends [`Mapped::create_with`]).
fn check_identity(header: &Header, expected: Geometry) -> Result<(), SetupError> {
    let words = IDENTITY_WORDS.map(|w| header[w].load(Ordering::Acquire));
    let identity = Identity::from_words(words);
    identity.check()?;
    let found = identity.geometry;
    if found.capacity != expected.capacity {
        return Err(SetupError::CapacityMismatch {
            expected: expected.capacity,
            found: found.capacity,
        });
    }
    if found.row_size != expected.row_size {
        return Err(SetupError::RowSizeMismatch {
            expected: expected.row_size,
            found: found.row_size,
        });
    }
    if found.header_len != expected.header_len {
        return Err(SetupError::HeaderLenMismatch {
            expected: expected.header_len,
            found: found.header_len,
        });
    }
    if (found.slots, found.entries) != (expected.slots, expected.entries) {
        return Err(SetupError::OwnersMismatch {
            expected: (expected.slots, expected.entries),
            found: (found.slots, found.entries),
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
            capacity: self.geometry.capacity,
            void: self.void,
            owners: Owners::table(self.owners, self.geometry.slots, self.geometry.entries),
            closer: &self.header[word::CLOSER],
        }
    }
}

impl Store for Mapped<'_> {}

impl fmt::Debug for Mapped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapped")
            .field("geometry", &self.geometry)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(mmarray_loom)))]
mod tests;
