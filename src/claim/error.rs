//! Errors of the concurrent-writers protocol: small `Copy` values with a precise `Display`.

use core::fmt;

/// A [`claim`](super::Claims::claim) could not be granted: not enough unclaimed rows are left.
///
/// Nothing was claimed and nothing was overwritten: the array never wraps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimError {
    /// Fewer than `requested` rows are left unclaimed.
    Full {
        /// How many rows were asked for.
        requested: u64,
        /// How many rows were still unclaimed when the claim was refused.
        available: u64,
        /// The capacity of the array, in rows.
        capacity: u64,
    },
    /// An announced claim ([`claim_as`](super::Claims::claim_as)) asked for more rows than
    /// an owner entry can name.
    TooLarge {
        /// How many rows were asked for.
        requested: u64,
        /// The most rows one announced claim can have ([`Owners::MAX_ROWS`](super::Owners::MAX_ROWS)).
        max: u64,
    },
    /// The entry is not in the store's owner table (or the store tracks no owners, or its
    /// capacity is above [`Owners::MAX_CAPACITY`](super::Owners::MAX_CAPACITY)).
    NoEntry {
        /// The entry's slot.
        slot: u32,
        /// The entry's index in the slot.
        index: u32,
        /// Slots of the table.
        slots: u32,
        /// Entries per slot.
        entries: u32,
    },
    /// The entry still announces a claim that has not ended.
    EntryInUse {
        /// The entry's slot.
        slot: u32,
        /// The entry's index in the slot.
        index: u32,
    },
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Full {
                requested,
                available,
                capacity,
            } => write!(
                f,
                "cannot claim {requested} rows: only {available} of {capacity} rows are unclaimed; \
                 claim at most {available} rows or create the array with a larger capacity"
            ),
            Self::TooLarge { requested, max } => write!(
                f,
                "cannot announce a claim of {requested} rows: an owner entry names at most \
                 {max} rows; claim at most {max} rows at a time"
            ),
            Self::NoEntry {
                slot,
                index,
                slots,
                entries,
            } => write!(
                f,
                "owner entry {index} of slot {slot} does not exist: the store's owner table has \
                 {slots} slots of {entries} entries (and announces claims only for capacities \
                 below 2^40); use an entry of the table, or `claim` without an owner"
            ),
            Self::EntryInUse { slot, index } => write!(
                f,
                "owner entry {index} of slot {slot} still announces a claim that has not ended; \
                 end that claim first or use a free entry"
            ),
        }
    }
}

impl core::error::Error for ClaimError {}

/// [`publish_durable`](super::Claims::publish_durable) was asked to publish more than is committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishError {
    /// The durable watermark may never exceed the committed one.
    AheadOfCommitted {
        /// The durable watermark that was asked for.
        requested: u64,
        /// The committed watermark when the request was refused.
        committed: u64,
    },
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::AheadOfCommitted {
                requested,
                committed,
            } => write!(
                f,
                "cannot publish {requested} rows as durable: only {committed} rows are committed; \
                 publish at most the committed watermark that was read before flushing"
            ),
        }
    }
}

impl core::error::Error for PublishError {}

/// A recovery call ([`force_complete`](super::Claims::force_complete),
/// [`truncate`](super::Claims::truncate)) was given rows it may not touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecoverError {
    /// The range `start..end` has `start > end`.
    Reversed {
        /// First row of the range.
        start: u64,
        /// One past the last row of the range.
        end: u64,
    },
    /// The range reaches rows that were never claimed.
    Unclaimed {
        /// One past the last row of the range.
        end: u64,
        /// How many rows have been claimed (the tail).
        claimed: u64,
    },
    /// Truncating would discard rows that are known to be on disk.
    BelowDurable {
        /// The requested length.
        len: u64,
        /// The durable watermark.
        durable: u64,
    },
    /// Truncating cannot make uncommitted rows committed.
    AboveCommitted {
        /// The requested length.
        len: u64,
        /// The committed watermark.
        committed: u64,
    },
}

impl fmt::Display for RecoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Reversed { start, end } => write!(
                f,
                "row range {start}..{end} is reversed; pass a range with start <= end"
            ),
            Self::Unclaimed { end, claimed } => write!(
                f,
                "row range ends at {end} but only {claimed} rows have been claimed; \
                 pass a range within 0..{claimed}"
            ),
            Self::BelowDurable { len, durable } => write!(
                f,
                "cannot truncate to {len} rows: {durable} rows are already durable; \
                 truncate to at least {durable} rows"
            ),
            Self::AboveCommitted { len, committed } => write!(
                f,
                "cannot truncate to {len} rows: only {committed} rows are committed; \
                 truncate to at most {committed} rows"
            ),
        }
    }
}

impl core::error::Error for RecoverError {}

/// A store for the protocol's counters and completion bitmap could not be set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetupError {
    /// The completion bitmap has too few bits for the capacity.
    BitmapTooSmall {
        /// The requested capacity, in rows.
        capacity: u64,
        /// The most rows the bitmap can track (64 per word).
        max: u64,
    },
    /// The region for the header and bitmap of this capacity does not fit in `usize`.
    RegionTooLarge {
        /// The requested capacity, in rows.
        capacity: u64,
    },
    /// The region is shorter than the header plus the bitmap (in bytes: 8 per word).
    TooShort {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        actual: usize,
    },
    /// The header does not start with the claim-header magic.
    BadMagic {
        /// The first eight bytes found.
        found: [u8; 8],
    },
    /// The header was written by an unsupported version of the layout.
    UnsupportedVersion {
        /// The version found.
        found: u32,
        /// The version this crate reads and writes.
        supported: u32,
    },
    /// The header was written on a machine of the other byte order.
    ForeignByteOrder,
    /// The byte-order mark is neither this machine's nor the other order's: the header
    /// is damaged.
    DamagedByteOrderMark {
        /// The mark found.
        found: u32,
    },
    /// The header's capacity is not the expected one.
    CapacityMismatch {
        /// The capacity the caller expected.
        expected: u64,
        /// The capacity recorded in the header.
        found: u64,
    },
    /// The header's row size is not the expected one.
    RowSizeMismatch {
        /// The row size, in bytes, the caller expected.
        expected: u64,
        /// The row size recorded in the header.
        found: u64,
    },
    /// The header's counters break `durable <= committed <= tail <= capacity`.
    InconsistentCounters {
        /// Rows known to be on disk.
        durable: u64,
        /// Rows visible to readers.
        committed: u64,
        /// Rows handed out to writers.
        tail: u64,
        /// Capacity in rows.
        capacity: u64,
    },
    /// The bitmap marks a row complete that was never claimed.
    StrayCompletion {
        /// The first such row.
        row: u64,
        /// How many rows have been claimed (the tail).
        claimed: u64,
    },
    /// The void bitmap marks a row that was never claimed.
    StrayVoid {
        /// The first such row.
        row: u64,
        /// How many rows have been claimed (the tail).
        claimed: u64,
    },
    /// The region records another `.npy` header length than the file's.
    HeaderLenMismatch {
        /// The length the caller found in the file (or expected).
        expected: u64,
        /// The length recorded in the region.
        found: u64,
    },
    /// The region records another slot table than the caller expected.
    OwnersMismatch {
        /// Slots and entries per slot the caller expected.
        expected: (u32, u32),
        /// Slots and entries per slot recorded in the region.
        found: (u32, u32),
    },
    /// The owner table has too few words for its slots and entries.
    OwnerTableTooSmall {
        /// Words needed: `slots * (8 + 8 * entries)` ([`Owners::words_for`](super::Owners::words_for)).
        needed: usize,
        /// Words given.
        actual: usize,
    },
    /// More slots than the `closer` word can name.
    TooManySlots {
        /// Slots requested.
        slots: u32,
        /// The most slots ([`Owners::MAX_SLOTS`](super::Owners::MAX_SLOTS)).
        max: u32,
    },
    /// Owner entries name rows below `2^40` only.
    CapacityTooLargeForOwners {
        /// The requested capacity, in rows.
        capacity: u64,
        /// The largest capacity with an owner table ([`Owners::MAX_CAPACITY`](super::Owners::MAX_CAPACITY)).
        max: u64,
    },
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BitmapTooSmall { capacity, max } => write!(
                f,
                "a completion bitmap for {capacity} rows needs one bit per row, but this one \
                 holds only {max} bits; use at least {} 64-bit words or a capacity of at most {max}",
                capacity.div_ceil(64)
            ),
            Self::RegionTooLarge { capacity } => write!(
                f,
                "a claim region for {capacity} rows is too large: the capacity must be below \
                 2^40 rows and the region must fit in this platform's address space; use a \
                 smaller capacity (or fewer owner slots)"
            ),
            Self::TooShort { needed, actual } => write!(
                f,
                "the claim region is {actual} bytes but its header, bitmaps and slot table need {needed}; \
                 pass a region of at least {needed} bytes"
            ),
            Self::BadMagic { found } => write!(
                f,
                "the claim header starts with {found:?} instead of the magic {:?}; \
                 this region holds no claim header (create one first)",
                super::ClaimHeader::MAGIC
            ),
            Self::UnsupportedVersion { found, supported } => write!(
                f,
                "the row log has layout version {found}; this crate reads and writes version \
                 {supported} only: open it with the mmarray release that wrote it, or create a new \
                 log with this one and copy the committed rows over"
            ),
            Self::DamagedByteOrderMark { found } => write!(
                f,
                "the claim header's byte-order mark is {found:#010x}, not {:#010x} in either \
                 byte order: the header is damaged; recreate the file",
                super::ClaimHeader::BYTE_ORDER_MARK
            ),
            Self::ForeignByteOrder => f.write_str(
                "the claim header was written on a machine of the other byte order; \
                 open it on a machine of the same byte order (its atomics are native-endian)",
            ),
            Self::CapacityMismatch { expected, found } => write!(
                f,
                "the claim header is for {found} rows but {expected} were expected; \
                 open it with capacity {found}"
            ),
            Self::RowSizeMismatch { expected, found } => write!(
                f,
                "the claim header is for rows of {found} bytes but {expected} were expected; \
                 open it with the element type and row shape it was created with"
            ),
            Self::InconsistentCounters {
                durable,
                committed,
                tail,
                capacity,
            } => write!(
                f,
                "the claim header's counters are inconsistent (durable {durable}, committed \
                 {committed}, tail {tail}, capacity {capacity}); they must satisfy \
                 durable <= committed <= tail <= capacity (after a crash, open with `recover`)"
            ),
            Self::StrayCompletion { row, claimed } => write!(
                f,
                "the completion bitmap marks row {row} complete but only {claimed} rows were \
                 claimed; every bit at or past the tail must be clear (after a crash, open \
                 with `recover`)"
            ),
            Self::StrayVoid { row, claimed } => write!(
                f,
                "the void bitmap marks row {row} not valid but only {claimed} rows were \
                 claimed; every bit at or past the tail must be clear (after a crash, open \
                 with `recover`)"
            ),
            Self::HeaderLenMismatch { expected, found } => write!(
                f,
                "the claim region says the .npy header before the rows is {found} bytes but the \
                 file's is {expected}: the header or the region is damaged; recreate the file"
            ),
            Self::OwnersMismatch { expected, found } => write!(
                f,
                "the claim region has {} owner slots of {} entries but {} of {} were expected; \
                 open it with the slots and entries it was created with",
                found.0, found.1, expected.0, expected.1
            ),
            Self::OwnerTableTooSmall { needed, actual } => write!(
                f,
                "the owner table is {actual} words but its slots and entries need {needed}; \
                 pass at least {needed} words or fewer slots or entries"
            ),
            Self::TooManySlots { slots, max } => write!(
                f,
                "an owner table of {slots} slots is too large: at most {max} slots fit the \
                 closer word; use fewer slots"
            ),
            Self::CapacityTooLargeForOwners { capacity, max } => write!(
                f,
                "a capacity of {capacity} rows is too large for owner tracking: owner entries \
                 name rows up to {max}; use a capacity of at most {max} rows (rotate to a new \
                 log beyond it)"
            ),
        }
    }
}

impl core::error::Error for SetupError {}
