//! The claims region's header (format version 2): the one owner of its byte layout.
//!
//! Every offset of the header is named once here: the 16 header words ([`word`]); the
//! positions of the done bitmap, the void bitmap and the slot table after them are
//! [`Geometry`]'s (`geometry.rs`). [`Mapped`](super::Mapped) reaches the region only as
//! atomic words; [`Identity::to_words`]/[`Identity::from_words`] turn the identity fields
//! into those words and back with `to_ne_bytes`/`from_ne_bytes`, so the bytes in the file are
//! exactly the ones the table on [`ClaimHeader`] names. [`ClaimHeader::peek`] reads the
//! identity from plain bytes (a file's bytes, read before it is mapped) so that no other crate
//! reads them by literal offsets.

use super::SetupError;
use super::geometry::Geometry;

/// Index of the 64-bit word (of the region seen as native-endian `u64` words) that holds each
/// header field. Byte offsets are `8 *` these.
pub(crate) mod word {
    /// The magic, [`ClaimHeader::MAGIC`](super::ClaimHeader::MAGIC).
    pub(crate) const MAGIC: usize = 0;
    /// Version (bytes 8..12) and byte-order mark (bytes 12..16), packed in native byte order.
    pub(crate) const VERSION_AND_BYTE_ORDER: usize = 1;
    /// Tail: rows claimed.
    pub(crate) const TAIL: usize = 2;
    /// Committed watermark.
    pub(crate) const COMMITTED: usize = 3;
    /// Durable watermark.
    pub(crate) const DURABLE: usize = 4;
    /// Rows with storage (reserved: stays at the capacity).
    pub(crate) const ALLOCATED: usize = 5;
    /// Capacity, in rows.
    pub(crate) const CAPACITY: usize = 6;
    /// Row size, in bytes.
    pub(crate) const ROW_SIZE: usize = 7;
    /// Length of the `.npy` header before the rows, in bytes.
    pub(crate) const HEADER_LEN: usize = 8;
    /// Slots (bytes 72..76) and entries per slot (bytes 76..80), packed in native byte order.
    pub(crate) const SLOTS_AND_ENTRIES: usize = 9;
    /// Boot id of the session, two words (bytes 80..96).
    pub(crate) const BOOT_ID: usize = 10;
    /// The value the `.npy` shape shows, its slot parity (bit 62) and a busy bit (63).
    pub(crate) const PUBLISHED: usize = 12;
    /// Slot + 1 of the process rewriting the `.npy` header text; 0 = none.
    pub(crate) const HEADER_WRITER: usize = 13;
    /// `(generation << 16) | (slot + 1)` of the process closing a hole; 0 = none.
    pub(crate) const CLOSER: usize = 14;
    /// The value a header rewrite in progress writes.
    pub(crate) const HEADER_TARGET: usize = 15;
    /// Words in the header; the done bitmap's words follow.
    pub(crate) const HEADER: usize = 16;
}

static_assertions::const_assert!(word::BOOT_ID + 2 == word::PUBLISHED);
static_assertions::const_assert!(word::HEADER_TARGET + 1 == word::HEADER);
static_assertions::const_assert!(word::HEADER * 8 == ClaimHeader::LEN);

/// Packs two `u32`s into one word so that its native-endian bytes are `a`'s then `b`'s.
const fn pack(a: u32, b: u32) -> u64 {
    let a = a.to_ne_bytes();
    let b = b.to_ne_bytes();
    u64::from_ne_bytes([a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]])
}

/// The inverse of [`pack`].
const fn unpack(w: u64) -> (u32, u32) {
    let [a0, a1, a2, a3, b0, b1, b2, b3] = w.to_ne_bytes();
    (
        u32::from_ne_bytes([a0, a1, a2, a3]),
        u32::from_ne_bytes([b0, b1, b2, b3]),
    )
}

/// The identity fields of the header: what the region says it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) magic: [u8; 8],
    pub(crate) version: u32,
    pub(crate) byte_order: u32,
    pub(crate) geometry: Geometry,
}

/// Words of the header that hold the identity, in this order.
pub(crate) const IDENTITY_WORDS: [usize; 7] = [
    word::MAGIC,
    word::VERSION_AND_BYTE_ORDER,
    word::CAPACITY,
    word::ROW_SIZE,
    word::HEADER_LEN,
    word::SLOTS_AND_ENTRIES,
    // Listed last so that callers can load it first; it is read like the others.
    word::ALLOCATED,
];

impl Identity {
    /// The identity of a fresh header.
    pub(crate) const fn new(geometry: Geometry) -> Self {
        Self {
            magic: ClaimHeader::MAGIC,
            version: ClaimHeader::VERSION,
            byte_order: ClaimHeader::BYTE_ORDER_MARK,
            geometry,
        }
    }

    /// The identity as the values of the words [`IDENTITY_WORDS`] names (the last,
    /// `allocated`, starts at the capacity).
    pub(crate) const fn to_words(self) -> [u64; 7] {
        let g = self.geometry;
        [
            u64::from_ne_bytes(self.magic),
            pack(self.version, self.byte_order),
            g.capacity,
            g.row_size,
            g.header_len,
            pack(g.slots, g.entries),
            g.capacity,
        ]
    }

    /// The identity held in the words [`IDENTITY_WORDS`] names; the inverse of
    /// [`to_words`](Self::to_words) (`allocated` is not part of the identity).
    pub(crate) const fn from_words(words: [u64; 7]) -> Self {
        let (version, byte_order) = unpack(words[1]);
        let (slots, entries) = unpack(words[5]);
        Self {
            magic: words[0].to_ne_bytes(),
            version,
            byte_order,
            geometry: Geometry {
                capacity: words[2],
                row_size: words[3],
                header_len: words[4],
                slots,
                entries,
            },
        }
    }

    /// Magic, byte order and version are this crate's.
    pub(crate) fn check(&self) -> Result<(), SetupError> {
        if self.magic == ClaimHeader::MAGIC_V1 {
            // Version 1 kept its version at the same bytes (8..12).
            return Err(SetupError::UnsupportedVersion {
                found: if self.byte_order == ClaimHeader::BYTE_ORDER_MARK.swap_bytes() {
                    self.version.swap_bytes()
                } else {
                    self.version
                },
                supported: ClaimHeader::VERSION,
            });
        }
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

/// What a claims region says it holds, read from plain bytes by [`peek`](Self::peek); and
/// the header's layout constants.
///
/// The region (format version 2) starts with a header of 16 native-endian 64-bit words,
/// which [`Mapped`](super::Mapped) reaches only atomically; offsets in bytes from the
/// region's start:
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0 | 8 | magic [`MAGIC`](Self::MAGIC) |
/// | 8 | 4 | layout version [`VERSION`](Self::VERSION) |
/// | 12 | 4 | byte-order mark [`BYTE_ORDER_MARK`](Self::BYTE_ORDER_MARK) |
/// | 16 | 8 | tail: rows claimed |
/// | 24 | 8 | committed watermark ([`COMMITTED_OFFSET`](Self::COMMITTED_OFFSET)) |
/// | 32 | 8 | durable watermark ([`DURABLE_OFFSET`](Self::DURABLE_OFFSET)) |
/// | 40 | 8 | allocated: rows with storage (reserved; equals the capacity) |
/// | 48 | 8 | capacity `C`, in rows |
/// | 56 | 8 | row size, in bytes (for validation only) |
/// | 64 | 8 | length `H` of the `.npy` header before the rows |
/// | 72 | 4 | owner slots `N` |
/// | 76 | 4 | entries per slot `E` |
/// | 80 | 16 | boot id of the session |
/// | 96 | 8 | published: the value the `.npy` shape shows (bits 0..62), its slot (bit 62), busy (bit 63) |
/// | 104 | 8 | header writer: slot + 1 of the process rewriting the `.npy` header text, 0 = none |
/// | 112 | 8 | closer: `(generation << 16) \| (slot + 1)` of the process closing a hole, 0 = none |
/// | 120 | 8 | header target: the value a header rewrite in progress writes |
/// | 128 | 8 × ⌈C / 64⌉ | done bitmap: bit `r % 64` of word `r / 64` is row `r` complete |
/// | `V` | 8 × ⌈C / 64⌉ | void bitmap, same indexing: row `r` is not valid data ([`Geometry::void_offset`]) |
/// | `O` | 8 × `N` × (8 + 8`E`) | slot table at the next multiple of 64 ([`Geometry::slots_offset`]) |
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU64, Ordering};
/// use mmarray::claim::{ClaimHeader, Geometry, Mapped, SetupError};
///
/// let file: Vec<AtomicU64> = (0..24).map(|_| AtomicU64::new(0)).collect();
/// Mapped::create(&file, 3, 16)?;
/// // A file's bytes, read (copied) into a plain buffer before mapping it:
/// let head: Vec<u8> = file.iter().flat_map(|w| w.load(Ordering::Relaxed).to_ne_bytes()).collect();
/// let header = ClaimHeader::peek(&head[..ClaimHeader::LEN])?;
/// assert_eq!(header.geometry, Geometry::new(3, 16));
/// assert!(matches!(ClaimHeader::peek(&[0; 128]), Err(SetupError::BadMagic { .. })));
/// # Ok::<(), SetupError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClaimHeader {
    /// What the header records: capacity, row size, `.npy` header length, slots, entries.
    pub geometry: Geometry,
}

impl ClaimHeader {
    /// The first eight bytes of a claims region.
    pub const MAGIC: [u8; 8] = *b"MMRLOG\x02\0";

    /// The first eight bytes of a version-1 file (claims header at the file's start); such
    /// files are refused with [`SetupError::UnsupportedVersion`].
    pub const MAGIC_V1: [u8; 8] = *b"MMACLAIM";

    /// The layout version written and read by this crate.
    pub const VERSION: u32 = 2;

    /// Written native-endian; reads back byte-swapped on a machine of the other byte order.
    pub const BYTE_ORDER_MARK: u32 = 0x0102_0304;

    /// Size of the header in bytes; the done bitmap follows it.
    pub const LEN: usize = 128;

    /// Where the committed watermark (a native-endian `u64`) lies in the region: readers
    /// outside this crate (numpy, say) read it to know how many rows are complete.
    pub const COMMITTED_OFFSET: usize = 8 * word::COMMITTED;

    /// Where the durable watermark (a native-endian `u64`) lies in the region.
    pub const DURABLE_OFFSET: usize = 8 * word::DURABLE;

    /// Bit of the published word set while a header rewrite is under way.
    pub const PUBLISHED_BUSY: u64 = 1 << 63;

    /// Bit of the published word that names the shape slot the value is in.
    pub const PUBLISHED_PARITY: u64 = 1 << 62;

    /// Bits of the published word that hold the value.
    pub const PUBLISHED_VALUE: u64 = (1 << 62) - 1;

    /// Reads the identity fields at the start of `bytes` (any alignment: the fields are
    /// copied) and checks magic, byte order and version. The counters are not read:
    /// [`Mapped::open`](super::Mapped::open) checks them once the region is mapped.
    ///
    /// # Errors
    ///
    /// [`SetupError::TooShort`] if `bytes` is shorter than [`LEN`](Self::LEN) (a version-1
    /// header is recognised from its first 16 bytes); [`SetupError::BadMagic`],
    /// [`SetupError::ForeignByteOrder`], [`SetupError::UnsupportedVersion`] (version 1
    /// among them), [`SetupError::DamagedByteOrderMark`] for a header that is not this
    /// crate's.
    pub fn peek(bytes: &[u8]) -> Result<Self, SetupError> {
        let word_at = |w: usize| -> Option<u64> {
            let chunk = bytes.get(8 * w..8 * w + 8)?;
            Some(u64::from_ne_bytes(chunk.try_into().ok()?))
        };
        if let (Some(magic), Some(version)) = (word_at(word::MAGIC), word_at(1))
            && magic.to_ne_bytes() == Self::MAGIC_V1
        {
            let mut words = [0u64; 7];
            words[0] = magic;
            words[1] = version;
            Identity::from_words(words).check()?;
        }
        let too_short = SetupError::TooShort {
            needed: Self::LEN,
            actual: bytes.len(),
        };
        if bytes.len() < Self::LEN {
            return Err(too_short);
        }
        let mut words = [0u64; 7];
        for (slot, &w) in words.iter_mut().zip(IDENTITY_WORDS.iter()) {
            *slot = word_at(w).ok_or(too_short)?;
        }
        let identity = Identity::from_words(words);
        identity.check()?;
        Ok(Self {
            geometry: identity.geometry,
        })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::vec::Vec;

    fn header(g: Geometry) -> Vec<u8> {
        let mut words = [0u64; word::HEADER];
        for (&w, v) in IDENTITY_WORDS.iter().zip(Identity::new(g).to_words()) {
            words[w] = v;
        }
        words.iter().flat_map(|w| w.to_ne_bytes()).collect()
    }

    #[test]
    fn peek_reads_the_documented_offsets_at_any_alignment() {
        let g = Geometry::new(70, 24).with_header_len(256).with_owners(3, 5);
        let mut buf = std::vec![0u8; ClaimHeader::LEN + 1];
        buf[1..].copy_from_slice(&header(g));
        assert_eq!(&buf[1..9], b"MMRLOG\x02\0");
        assert_eq!(buf[1 + 8..1 + 12], 2u32.to_ne_bytes());
        assert_eq!(buf[1 + 12..1 + 16], 0x0102_0304u32.to_ne_bytes());
        assert_eq!(buf[1 + 40..1 + 48], 70u64.to_ne_bytes(), "allocated");
        assert_eq!(buf[1 + 48..1 + 56], 70u64.to_ne_bytes());
        assert_eq!(buf[1 + 56..1 + 64], 24u64.to_ne_bytes());
        assert_eq!(buf[1 + 64..1 + 72], 256u64.to_ne_bytes());
        assert_eq!(buf[1 + 72..1 + 76], 3u32.to_ne_bytes());
        assert_eq!(buf[1 + 76..1 + 80], 5u32.to_ne_bytes());
        buf[1 + 48..1 + 56].copy_from_slice(&71u64.to_ne_bytes());
        assert_eq!(
            ClaimHeader::peek(&buf[1..]),
            Ok(ClaimHeader {
                geometry: Geometry { capacity: 71, ..g }
            })
        );
    }

    #[test]
    fn identity_words_round_trip() {
        let g = Geometry::new(70, 24)
            .with_header_len(64)
            .with_owners(64, 32);
        let identity = Identity::new(g);
        assert_eq!(Identity::from_words(identity.to_words()), identity);
        let odd = [u64::MAX, 0x1122_3344_5566_7788, 3, 4, 5, 6, 3];
        assert_eq!(Identity::from_words(odd).to_words(), odd);
    }

    #[test]
    fn peek_refuses_what_is_not_a_header_of_this_crate() {
        let g = Geometry::new(1, 1);
        assert_eq!(
            ClaimHeader::peek(&header(g)[..127]),
            Err(SetupError::TooShort {
                needed: 128,
                actual: 127
            })
        );
        let damaged = |at: usize, value: &[u8]| {
            let mut h = header(g);
            h[at..at + value.len()].copy_from_slice(value);
            ClaimHeader::peek(&h)
        };
        assert_eq!(
            damaged(0, b"NOTCLAIM"),
            Err(SetupError::BadMagic {
                found: *b"NOTCLAIM"
            })
        );
        assert_eq!(
            damaged(12, &0x0403_0201u32.to_ne_bytes()),
            Err(SetupError::ForeignByteOrder)
        );
        assert_eq!(
            damaged(8, &3u32.to_ne_bytes()),
            Err(SetupError::UnsupportedVersion {
                found: 3,
                supported: 2
            })
        );
        assert_eq!(
            damaged(12, &0x0102_0305u32.to_ne_bytes()),
            Err(SetupError::DamagedByteOrderMark { found: 0x0102_0305 })
        );
    }

    #[test]
    fn version_1_files_are_refused_from_their_first_bytes() {
        let mut v1 = Vec::new();
        v1.extend_from_slice(b"MMACLAIM");
        v1.extend_from_slice(&1u32.to_ne_bytes());
        v1.extend_from_slice(&0x0102_0304u32.to_ne_bytes());
        let refused = Err(SetupError::UnsupportedVersion {
            found: 1,
            supported: 2,
        });
        assert_eq!(ClaimHeader::peek(&v1), refused);
        v1.resize(56, 0);
        assert_eq!(ClaimHeader::peek(&v1), refused);
    }
}
