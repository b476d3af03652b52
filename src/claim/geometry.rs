//! Where the parts of a claims region lie, and where the region lies in a row log's file:
//! [`Geometry`], the values a region records (capacity, row size, `.npy` header length,
//! slots, entries) and the layout they imply. Offsets inside the header are `header.rs`'s.

use super::ClaimHeader;

/// What a region is for: the values [`Mapped::create`](super::Mapped::create) records and
/// [`Mapped::open`](super::Mapped::open) checks, and the layout of the region they imply.
///
/// # Examples
///
/// ```
/// use mmarray::claim::Geometry;
///
/// let g = Geometry::new(1000, 16).with_header_len(256).with_owners(64, 32);
/// assert_eq!(g.done_offset(), Some(128));
/// assert_eq!(g.void_offset(), Some(128 + 8 * 16)); // 16 words of done bits
/// assert_eq!(g.slots_offset(), Some(384)); // the next multiple of 64
/// assert_eq!(g.region_len(), Some(384 + 64 * 2112));
/// assert_eq!(g.region_offset(), Some(16384)); // round_up(256 + 16000, 4096)
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Geometry {
    /// Capacity, in rows.
    pub capacity: u64,
    /// Row size, in bytes.
    pub row_size: u64,
    /// Length of the `.npy` header that precedes the rows, in bytes (0: none).
    pub header_len: u64,
    /// Owner slots in the slot table (0: no owner tracking).
    pub slots: u32,
    /// Entries per slot.
    pub entries: u32,
}

impl Geometry {
    /// The region's alignment in the file: it starts on its own 4 KiB page.
    pub const REGION_ALIGN: usize = 4096;

    /// The slot table starts at a multiple of this many bytes (a cache line).
    pub const SLOTS_ALIGN: usize = 64;

    /// Words of one slot's header; each entry has as many.
    pub const SLOT_HEADER_WORDS: usize = 8;

    /// Words of one entry (one cache line).
    pub const ENTRY_WORDS: usize = 8;

    /// The default number of slots of a row log.
    pub const DEFAULT_SLOTS: u32 = 64;

    /// The default number of entries per slot.
    pub const DEFAULT_ENTRIES: u32 = 32;

    /// Capacities must be below this (a claim's start is 40 bits of an owner entry).
    pub const MAX_CAPACITY: u64 = 1 << 40;

    /// `capacity` rows of `row_size` bytes, no `.npy` header, no slots.
    pub const fn new(capacity: u64, row_size: u64) -> Self {
        Self {
            capacity,
            row_size,
            header_len: 0,
            slots: 0,
            entries: 0,
        }
    }

    /// The same with a `.npy` header of `header_len` bytes before the rows.
    #[must_use]
    pub const fn with_header_len(self, header_len: u64) -> Self {
        Self { header_len, ..self }
    }

    /// The same with a slot table of `slots` slots of `entries` entries each.
    #[must_use]
    pub const fn with_owners(self, slots: u32, entries: u32) -> Self {
        Self {
            slots,
            entries,
            ..self
        }
    }

    /// Words of each bitmap (done and void): one bit per row. `None` if that does not fit
    /// in `usize`.
    pub const fn bitmap_words(&self) -> Option<usize> {
        let words = self.capacity.div_ceil(64);
        if words > usize::MAX as u64 {
            None
        } else {
            Some(words as usize)
        }
    }

    /// Byte offset of the done bitmap from the region's start: right after the header.
    pub const fn done_offset(&self) -> Option<usize> {
        Some(ClaimHeader::LEN)
    }

    /// Byte offset of the void bitmap from the region's start: after the done bitmap.
    pub const fn void_offset(&self) -> Option<usize> {
        match self.bitmap_words() {
            Some(w) => match w.checked_mul(8) {
                Some(b) => b.checked_add(ClaimHeader::LEN),
                None => None,
            },
            None => None,
        }
    }

    /// Byte offset of the slot table from the region's start: after the void bitmap,
    /// rounded up to [`SLOTS_ALIGN`](Self::SLOTS_ALIGN).
    pub const fn slots_offset(&self) -> Option<usize> {
        let Some(void) = self.void_offset() else {
            return None;
        };
        let Some(words) = self.bitmap_words() else {
            return None;
        };
        let Some(len) = words.checked_mul(8) else {
            return None;
        };
        match void.checked_add(len) {
            Some(end) => end.checked_next_multiple_of(Self::SLOTS_ALIGN),
            None => None,
        }
    }

    /// Words of one slot: its header and its entries, `8 + 8 * entries`.
    pub const fn slot_words(&self) -> Option<usize> {
        match (self.entries as usize).checked_mul(Self::ENTRY_WORDS) {
            Some(e) => e.checked_add(Self::SLOT_HEADER_WORDS),
            None => None,
        }
    }

    /// Words of the slot table: `slots * slot_words()`.
    pub const fn owners_words(&self) -> Option<usize> {
        match self.slot_words() {
            Some(s) => s.checked_mul(self.slots as usize),
            None => None,
        }
    }

    /// Bytes of the whole region: header, both bitmaps, padding, slot table. `None` if that
    /// does not fit in `usize`.
    pub const fn region_len(&self) -> Option<usize> {
        let Some(slots) = self.slots_offset() else {
            return None;
        };
        let Some(owners) = self.owners_words() else {
            return None;
        };
        match owners.checked_mul(8) {
            Some(b) => slots.checked_add(b),
            None => None,
        }
    }

    /// Words of the whole region: [`region_len`](Self::region_len)` / 8`.
    pub const fn region_words(&self) -> Option<usize> {
        match self.region_len() {
            Some(len) => Some(len / 8),
            None => None,
        }
    }

    /// Where the region starts in a file that holds the `.npy` header and the rows before
    /// it: `round_up(header_len + capacity * row_size, REGION_ALIGN)`. `None` on overflow.
    pub const fn region_offset(&self) -> Option<u64> {
        let Some(rows) = self.capacity.checked_mul(self.row_size) else {
            return None;
        };
        match rows.checked_add(self.header_len) {
            Some(end) => end.checked_next_multiple_of(Self::REGION_ALIGN as u64),
            None => None,
        }
    }

    /// The length of such a file: [`region_offset`](Self::region_offset) plus
    /// [`region_len`](Self::region_len).
    pub const fn file_len(&self) -> Option<u64> {
        let (Some(at), Some(len)) = (self.region_offset(), self.region_len()) else {
            return None;
        };
        at.checked_add(len as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_the_region() {
        let g = Geometry::new(65, 8).with_owners(2, 1);
        assert_eq!(g.bitmap_words(), Some(2));
        assert_eq!(g.void_offset(), Some(128 + 16));
        assert_eq!(g.slots_offset(), Some(192)); // 128 + 32 = 160, rounded to 64
        assert_eq!(g.slot_words(), Some(16));
        assert_eq!(g.region_len(), Some(192 + 2 * 16 * 8));
        assert_eq!(g.region_offset(), Some(4096));
        assert_eq!(g.with_header_len(4096 - 520).region_offset(), Some(4096));
        assert_eq!(g.with_header_len(4096 - 519).region_offset(), Some(8192));
        assert_eq!(Geometry::new(0, 8).region_len(), Some(128));
        assert_eq!(Geometry::new(0, 8).region_offset(), Some(0));
        assert_eq!(Geometry::new(u64::MAX, 2).region_offset(), None);
        // (8 + 8 * (2^32 - 1)) words times 2^32 slots overflow 64 bits.
        assert_eq!(
            Geometry::new(1, 1)
                .with_owners(u32::MAX, u32::MAX)
                .region_len(),
            None
        );
    }
}
