//! Where the parts of a row log's file lie: the `.npy` header's length `H` (from the core's
//! `npy::RowLogHeader`), the rows, and the claims region after them (from the core's
//! `claim::Geometry`). No offset is computed here that the core does not name.

use std::ops::Range;

use mmarray::claim::Geometry;
use mmarray::npy::{Descr, RowLogHeader};

/// Where the parts of a row log lie, in bytes (the table in [`RowLog`]'s docs).
#[derive(Clone, Copy, Debug)]
pub(super) struct Layout {
    /// What the claims region records: capacity, row size, `H`, slots, entries.
    pub(super) geometry: Geometry,
    /// `H`: length of the `.npy` header, offset of row 0.
    pub(super) rows: usize,
    /// Offset of the shape field's `(` in the `.npy` header.
    pub(super) shape_field: usize,
    /// Size of one row.
    pub(super) row_size: usize,
    /// `R`: offset of the claims region.
    pub(super) region_at: usize,
    /// Length of the claims region.
    pub(super) region: usize,
    /// Length of the whole log: `R + region`.
    pub(super) len: usize,
}

impl Layout {
    /// The layout of `capacity` rows of `T` described by `descr`, with the default owner
    /// slot table if `owners` (file-backed logs; an anonymous log lives in one process and
    /// tracks no owners), or `None` if it does not fit in `usize` (or the row type has size
    /// zero, or the header is too large).
    pub(super) fn of<T>(descr: Descr<'_>, capacity: u64, owners: bool) -> Option<Self> {
        let row_size = core::mem::size_of::<T>();
        if row_size == 0 || capacity >= Geometry::MAX_CAPACITY {
            return None;
        }
        // `H` depends on the descr only: measured with any void offset.
        let text = RowLogHeader::new(descr, capacity, 0);
        let rows = text.emitted_len().ok()?;
        let shape_field = text.shape_field().ok()?;
        let geometry = Geometry::new(capacity, u64::try_from(row_size).ok()?)
            .with_header_len(u64::try_from(rows).ok()?)
            .with_owners(
                if owners { Geometry::DEFAULT_SLOTS } else { 0 },
                if owners { Geometry::DEFAULT_ENTRIES } else { 0 },
            );
        let region_at = usize::try_from(geometry.region_offset()?).ok()?;
        let region = geometry.region_len()?;
        let len = region_at.checked_add(region)?;
        Some(Self {
            geometry,
            rows,
            shape_field,
            row_size,
            region_at,
            region,
            len,
        })
    }

    /// Offset of the void bitmap in the file (named in the `.npy` header's comment).
    pub(super) fn void_at(&self) -> usize {
        // `region_at + void_offset <= len`, which fits (`of`).
        self.region_at + self.geometry.void_offset().unwrap_or(0)
    }

    /// The `.npy` header for this layout.
    pub(super) fn npy_header<'d>(&self, descr: Descr<'d>) -> RowLogHeader<'d> {
        RowLogHeader::new(descr, self.geometry.capacity, self.void_at() as u64)
    }

    /// The bytes of rows `rows` as (offset, length), or `None` on overflow.
    pub(super) fn bytes_of(&self, rows: Range<u64>) -> Option<(usize, usize)> {
        let start = usize::try_from(rows.start)
            .ok()?
            .checked_mul(self.row_size)?;
        let count = rows.end.checked_sub(rows.start)?;
        let len = usize::try_from(count).ok()?.checked_mul(self.row_size)?;
        Some((self.rows.checked_add(start)?, len))
    }

    /// The void bitmap's words that hold rows `rows`, as (offset, length) in the file.
    pub(super) fn void_words_of(&self, rows: Range<u64>) -> Option<(usize, usize)> {
        if rows.is_empty() {
            return Some((self.void_at(), 0));
        }
        let first = usize::try_from(rows.start / 64).ok()?;
        let last = usize::try_from((rows.end - 1) / 64).ok()?;
        Some((self.void_at() + 8 * first, 8 * (last - first + 1)))
    }
}
