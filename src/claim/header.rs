//! The claims header: the one owner of its byte layout.
//!
//! Every offset of the header is named once here ([`field`]), together with the 64-bit word
//! each field lives in: [`Mapped`](super::Mapped) reaches the header only as atomic words
//! (see [`word`]), and [`Identity::to_words`]/[`Identity::from_words`] turn the identity
//! fields into those words and back with `to_ne_bytes`/`from_ne_bytes`, so the bytes in the
//! file are exactly the ones the byte ranges name. [`ClaimHeader::peek`] reads the identity
//! fields from plain bytes (a file's first bytes, read before it is mapped) so that no other
//! crate reads them by literal ranges.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::SetupError;

/// Byte ranges of the header's fields (all integers native-endian), and where the
/// completion bitmap starts.
#[allow(
    dead_code,
    reason = "most are read only by the compile-time layout assertions below, which rustc \
              1.88 (the MSRV) does not count as uses"
)]
pub(crate) mod field {
    use core::ops::Range;

    /// Magic, [`ClaimHeader::MAGIC`](super::ClaimHeader::MAGIC).
    pub(crate) const MAGIC: Range<usize> = 0..8;
    /// Layout version, [`ClaimHeader::VERSION`](super::ClaimHeader::VERSION).
    pub(crate) const VERSION: Range<usize> = 8..12;
    /// Byte-order mark, [`ClaimHeader::BYTE_ORDER_MARK`](super::ClaimHeader::BYTE_ORDER_MARK).
    pub(crate) const BYTE_ORDER: Range<usize> = 12..16;
    /// Capacity, in rows.
    pub(crate) const CAPACITY: Range<usize> = 16..24;
    /// Row size, in bytes.
    pub(crate) const ROW_SIZE: Range<usize> = 24..32;
    /// Tail: rows claimed.
    pub(crate) const TAIL: Range<usize> = 32..40;
    /// Committed watermark.
    pub(crate) const COMMITTED: Range<usize> = 40..48;
    /// Durable watermark.
    pub(crate) const DURABLE: Range<usize> = 48..56;
    /// The completion bitmap starts here, right after the header.
    pub(crate) const BITMAP: usize = 56;
}

/// Index of the 64-bit word (of the region seen as native-endian `u64` words) that holds each
/// header field; the compile-time checks below tie them to the byte ranges of [`field`].
pub(crate) mod word {
    /// The magic.
    pub(crate) const MAGIC: usize = 0;
    /// Version (bytes 8..12) and byte-order mark (bytes 12..16), packed in native byte order.
    pub(crate) const VERSION_AND_BYTE_ORDER: usize = 1;
    /// Capacity, in rows.
    pub(crate) const CAPACITY: usize = 2;
    /// Row size, in bytes.
    pub(crate) const ROW_SIZE: usize = 3;
    /// Tail.
    pub(crate) const TAIL: usize = 4;
    /// Committed watermark.
    pub(crate) const COMMITTED: usize = 5;
    /// Durable watermark.
    pub(crate) const DURABLE: usize = 6;
    /// Words in the header; the bitmap's words follow.
    pub(crate) const HEADER: usize = 7;
}

static_assertions::const_assert!(
    field::MAGIC.start == 8 * word::MAGIC && field::MAGIC.end == 8 * (word::MAGIC + 1)
);
static_assertions::const_assert!(
    field::VERSION.start == 8 * word::VERSION_AND_BYTE_ORDER
        && field::VERSION.end == field::BYTE_ORDER.start
        && field::BYTE_ORDER.end == 8 * (word::VERSION_AND_BYTE_ORDER + 1)
);
static_assertions::const_assert!(
    field::CAPACITY.start == 8 * word::CAPACITY && field::CAPACITY.end == 8 * (word::CAPACITY + 1)
);
static_assertions::const_assert!(
    field::ROW_SIZE.start == 8 * word::ROW_SIZE && field::ROW_SIZE.end == 8 * (word::ROW_SIZE + 1)
);
static_assertions::const_assert!(
    field::TAIL.start == 8 * word::TAIL && field::TAIL.end == 8 * (word::TAIL + 1)
);
static_assertions::const_assert!(
    field::COMMITTED.start == 8 * word::COMMITTED
        && field::COMMITTED.end == 8 * (word::COMMITTED + 1)
);
static_assertions::const_assert!(
    field::DURABLE.start == 8 * word::DURABLE && field::DURABLE.end == 8 * (word::DURABLE + 1)
);
static_assertions::const_assert!(field::BITMAP == 8 * word::HEADER);

/// The identity fields at the start of the header: what the region says it holds.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable)]
pub(crate) struct Identity {
    pub(crate) magic: [u8; 8],
    pub(crate) version: u32,
    pub(crate) byte_order: u32,
    pub(crate) capacity: u64,
    pub(crate) row_size: u64,
}

static_assertions::const_assert_eq!(core::mem::offset_of!(Identity, magic), field::MAGIC.start);
static_assertions::const_assert_eq!(
    core::mem::offset_of!(Identity, version),
    field::VERSION.start
);
static_assertions::const_assert_eq!(
    core::mem::offset_of!(Identity, byte_order),
    field::BYTE_ORDER.start
);
static_assertions::const_assert_eq!(
    core::mem::offset_of!(Identity, capacity),
    field::CAPACITY.start
);
static_assertions::const_assert_eq!(
    core::mem::offset_of!(Identity, row_size),
    field::ROW_SIZE.start
);
static_assertions::const_assert_eq!(core::mem::size_of::<Identity>(), field::TAIL.start);

impl Identity {
    /// The identity of a fresh header for `capacity` rows of `row_size` bytes.
    pub(crate) const fn new(capacity: u64, row_size: u64) -> Self {
        Self {
            magic: ClaimHeader::MAGIC,
            version: ClaimHeader::VERSION,
            byte_order: ClaimHeader::BYTE_ORDER_MARK,
            capacity,
            row_size,
        }
    }

    /// The identity as the header's first four words ([`word::MAGIC`] to [`word::ROW_SIZE`]):
    /// each word holds, in native byte order, exactly the bytes [`field`] names for it.
    pub(crate) fn to_words(self) -> [u64; 4] {
        let version = self.version.to_ne_bytes();
        let byte_order = self.byte_order.to_ne_bytes();
        let mut packed = [0u8; 8];
        packed[..4].copy_from_slice(&version);
        packed[4..].copy_from_slice(&byte_order);
        [
            u64::from_ne_bytes(self.magic),
            u64::from_ne_bytes(packed),
            self.capacity,
            self.row_size,
        ]
    }

    /// The identity held in the header's first four words; the inverse of
    /// [`to_words`](Self::to_words).
    pub(crate) fn from_words(words: [u64; 4]) -> Self {
        let packed = words[word::VERSION_AND_BYTE_ORDER].to_ne_bytes();
        let [v0, v1, v2, v3, b0, b1, b2, b3] = packed;
        Self {
            magic: words[word::MAGIC].to_ne_bytes(),
            version: u32::from_ne_bytes([v0, v1, v2, v3]),
            byte_order: u32::from_ne_bytes([b0, b1, b2, b3]),
            capacity: words[word::CAPACITY],
            row_size: words[word::ROW_SIZE],
        }
    }

    /// Magic, byte order and version are this crate's.
    pub(crate) fn check(&self) -> Result<(), SetupError> {
        if self.magic != ClaimHeader::MAGIC {
            return Err(SetupError::BadMagic { found: self.magic });
        }
        if self.byte_order == ClaimHeader::BYTE_ORDER_MARK.swap_bytes() {
            return Err(SetupError::ForeignByteOrder);
        }
        if self.version != ClaimHeader::VERSION {
            return Err(SetupError::UnsupportedVersion {
                found: self.version,
                supported: ClaimHeader::VERSION,
            });
        }
        if self.byte_order != ClaimHeader::BYTE_ORDER_MARK {
            return Err(SetupError::DamagedByteOrderMark {
                found: self.byte_order,
            });
        }
        Ok(())
    }
}

/// What a claims header says it holds, read from plain bytes by [`peek`](Self::peek); and
/// the header's layout constants.
///
/// The header is 7 native-endian 64-bit words, which [`Mapped`](super::Mapped) reaches only
/// atomically (the version and the byte-order mark share word 1); in bytes:
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0 | 8 | magic [`MAGIC`](Self::MAGIC) |
/// | 8 | 4 | layout version [`VERSION`](Self::VERSION) |
/// | 12 | 4 | byte-order mark [`BYTE_ORDER_MARK`](Self::BYTE_ORDER_MARK) |
/// | 16 | 8 | capacity, in rows |
/// | 24 | 8 | row size, in bytes (for validation only) |
/// | 32 | 8 | tail: rows claimed |
/// | 40 | 8 | committed watermark ([`COMMITTED_OFFSET`](Self::COMMITTED_OFFSET)) |
/// | 48 | 8 | durable watermark |
/// | 56 | 8 × ⌈capacity / 64⌉ | completion bitmap, bit `r % 64` of word `r / 64` is row `r` |
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU64, Ordering};
/// use mmarray::claim::{ClaimHeader, Mapped, SetupError};
///
/// let file: [AtomicU64; 10] = core::array::from_fn(|_| AtomicU64::new(0));
/// Mapped::create(&file, 3, 16)?;
/// // A file's first bytes, read (copied) into a plain buffer before mapping it:
/// let head: Vec<u8> = file.iter().flat_map(|w| w.load(Ordering::Relaxed).to_ne_bytes()).collect();
/// let header = ClaimHeader::peek(&head[..ClaimHeader::LEN])?;
/// assert_eq!((header.capacity, header.row_size), (3, 16));
/// assert!(matches!(ClaimHeader::peek(&[0; 56]), Err(SetupError::BadMagic { .. })));
/// # Ok::<(), SetupError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClaimHeader {
    /// The capacity the header records, in rows.
    pub capacity: u64,
    /// The row size the header records, in bytes.
    pub row_size: u64,
}

impl ClaimHeader {
    /// The first eight bytes of a claims header.
    pub const MAGIC: [u8; 8] = *b"MMACLAIM";

    /// The layout version written and read by this crate.
    pub const VERSION: u32 = 1;

    /// Written native-endian; reads back byte-swapped on a machine of the other byte order.
    pub const BYTE_ORDER_MARK: u32 = 0x0102_0304;

    /// Size of the header in bytes; the completion bitmap follows it.
    pub const LEN: usize = field::BITMAP;

    /// Where the committed watermark (a native-endian `u64`) lies in the header: readers
    /// outside this crate (numpy, say) read it to know how many rows are complete.
    pub const COMMITTED_OFFSET: usize = field::COMMITTED.start;

    /// Reads the identity fields at the start of `bytes` (any alignment: the fields are
    /// copied) and checks magic, byte order and version. The counters are not read:
    /// [`Mapped::open`](super::Mapped::open) checks them once the region is mapped.
    ///
    /// # Errors
    ///
    /// [`SetupError::TooShort`] if `bytes` is shorter than [`LEN`](Self::LEN);
    /// [`SetupError::BadMagic`], [`SetupError::ForeignByteOrder`],
    /// [`SetupError::UnsupportedVersion`], [`SetupError::DamagedByteOrderMark`] for a header
    /// that is not this crate's.
    pub fn peek(bytes: &[u8]) -> Result<Self, SetupError> {
        let too_short = SetupError::TooShort {
            needed: Self::LEN,
            actual: bytes.len(),
        };
        if bytes.len() < Self::LEN {
            return Err(too_short);
        }
        let (identity, _) = Identity::read_from_prefix(bytes).map_err(|_| too_short)?;
        identity.check()?;
        Ok(Self {
            capacity: identity.capacity,
            row_size: identity.row_size,
        })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use core::ops::Range;

    fn header(capacity: u64, row_size: u64) -> [u8; ClaimHeader::LEN] {
        let mut bytes = [0u8; ClaimHeader::LEN];
        bytes[..32].copy_from_slice(Identity::new(capacity, row_size).as_bytes());
        bytes
    }

    #[test]
    fn peek_reads_the_documented_offsets_at_any_alignment() {
        let mut buf = [0u8; ClaimHeader::LEN + 1];
        buf[1..].copy_from_slice(&header(70, 24));
        buf[1 + field::CAPACITY.start..1 + field::CAPACITY.end]
            .copy_from_slice(&71u64.to_ne_bytes());
        assert_eq!(
            ClaimHeader::peek(&buf[1..]),
            Ok(ClaimHeader {
                capacity: 71,
                row_size: 24
            })
        );
        assert_eq!(&buf[1..9], b"MMACLAIM");
    }

    #[test]
    fn identity_words_hold_exactly_the_documented_bytes() {
        let identity = Identity::new(70, 24);
        let words = identity.to_words();
        let from_words: std::vec::Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
        // The same bytes the `#[repr(C)]` struct (checked against `field` above) holds.
        assert_eq!(from_words, identity.as_bytes());
        assert_eq!(&from_words[field::MAGIC], b"MMACLAIM");
        assert_eq!(from_words[field::VERSION], 1u32.to_ne_bytes());
        assert_eq!(from_words[field::BYTE_ORDER], 0x0102_0304u32.to_ne_bytes());
        assert_eq!(from_words[field::CAPACITY], 70u64.to_ne_bytes());
        assert_eq!(from_words[field::ROW_SIZE], 24u64.to_ne_bytes());
        let back = Identity::from_words(words);
        assert_eq!(back.as_bytes(), identity.as_bytes());
        // Any four words read back to the struct those bytes spell.
        let odd = [u64::MAX, 0x1122_3344_5566_7788, 3, 4];
        let raw: std::vec::Vec<u8> = odd.iter().flat_map(|w| w.to_ne_bytes()).collect();
        assert_eq!(Identity::from_words(odd).as_bytes(), &raw[..]);
        assert_eq!(Identity::from_words(odd).to_words(), odd);
    }

    #[test]
    fn peek_refuses_what_is_not_a_header_of_this_crate() {
        assert_eq!(
            ClaimHeader::peek(&header(1, 1)[..55]),
            Err(SetupError::TooShort {
                needed: 56,
                actual: 55
            })
        );
        let damaged = |range: Range<usize>, value: &[u8]| {
            let mut h = header(1, 1);
            h[range].copy_from_slice(value);
            ClaimHeader::peek(&h)
        };
        assert_eq!(
            damaged(field::MAGIC, b"NOTCLAIM"),
            Err(SetupError::BadMagic {
                found: *b"NOTCLAIM"
            })
        );
        assert_eq!(
            damaged(field::BYTE_ORDER, &0x0403_0201u32.to_ne_bytes()),
            Err(SetupError::ForeignByteOrder)
        );
        assert_eq!(
            damaged(field::VERSION, &2u32.to_ne_bytes()),
            Err(SetupError::UnsupportedVersion {
                found: 2,
                supported: 1
            })
        );
        assert_eq!(
            damaged(field::BYTE_ORDER, &0x0102_0305u32.to_ne_bytes()),
            Err(SetupError::DamagedByteOrderMark { found: 0x0102_0305 })
        );
    }
}
