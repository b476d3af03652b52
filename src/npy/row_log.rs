//! The `.npy` header of a row log: a 1-d structured array whose shape is written in a
//! *two-slot* field, and a trailing comment naming the log's capacity and void bitmap.
//!
//! ```text
//! {'descr': [...], 'fortran_order': False, 'shape': (<20 chars> <20 chars>,), } # mmarray row log v2; capacity C; void bitmap at byte V<spaces>\n
//! ```
//!
//! Value number `k` of the log's life is written right-aligned into slot `k mod 2` and the
//! other slot is blanked in the same rewrite. A reader's copy of the header taken while the
//! field is rewritten holds, byte by byte, either text: if both slots hold digits, the text is
//! two numbers with no comma between them (a syntax error, which numpy reports as
//! `ValueError`); if one does, its digits are one contiguous run of the old or the new value's
//! digits (a space between digits is a syntax error, a leading `0` too), which is at most that
//! value. So a torn read parses to at most the new value or is refused; never more (claim T1
//! of `docs/row-log-v2-npy.md`, §6.3 of the row log v2 design; tested exhaustively for small
//! values below and against numpy's own parser in the adapter's tests).
//!
//! The header's length `H` depends only on the descr: the slots have a fixed width and the
//! comment is measured with 20-digit numbers, so capacity and void offset (which depends on
//! `H`) can be chosen after `H`. It is a multiple of [`ALIGN`] (64), where the rows start.

use core::fmt::{self, Write};
use core::ops::Deref;

use super::emit::{Encoder, Measure};
use super::header::parse_text;
use super::{ALIGN, Descr, Error, HeaderBytes, Version};
use crate::layout::Order;

/// Characters of each shape slot: the digits of `u64::MAX`.
pub const SLOT_WIDTH: usize = 20;

/// Bytes of the shape field `(<slot 0> <slot 1>,)`.
const FIELD_LEN: usize = 2 * SLOT_WIDTH + 4;

/// The comment's words, before the capacity.
const COMMENT: &str = " # mmarray row log v2; capacity ";

/// The comment's words between the capacity and the void offset.
const VOID_AT: &str = "; void bitmap at byte ";

/// One of the two slots of the shape field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShapeSlot {
    /// The first slot (parity 0): the one a new header shows its value in.
    First,
    /// The second slot (parity 1).
    Second,
}

impl ShapeSlot {
    /// The slot of parity `bit` (`false`: [`First`](Self::First)).
    pub const fn from_parity(bit: bool) -> Self {
        if bit { Self::Second } else { Self::First }
    }

    /// The slot's parity: `false` for [`First`](Self::First).
    pub const fn parity(self) -> bool {
        matches!(self, Self::Second)
    }

    /// The other slot.
    #[must_use]
    pub const fn other(self) -> Self {
        match self {
            Self::First => Self::Second,
            Self::Second => Self::First,
        }
    }

    /// Byte offset of the slot's first character from the field's `(`.
    const fn start(self) -> usize {
        match self {
            Self::First => 1,
            Self::Second => 2 + SLOT_WIDTH,
        }
    }
}

/// The `.npy` header of a row log: the element type, the capacity and where the void bitmap
/// lies; the value the shape shows is given to [`emit`](Self::emit) and read back by
/// [`parse`](Self::parse).
///
/// # Examples
///
/// ```
/// use mmarray::npy::{Descr, Header, RowLogHeader, ShapeSlot};
///
/// let h = RowLogHeader::new(Descr::of::<u64>(), 1000, 12_544);
/// let len = h.emitted_len()?;
/// assert_eq!(len % 64, 0);
/// let mut buf = vec![0u8; len];
/// h.emit(&mut buf, 0, ShapeSlot::First)?;
/// h.emit(&mut buf, 777, ShapeSlot::Second)?;
///
/// // A plain `.npy` header to every reader: 777 rows of '<u8' start at `len`.
/// let (plain, data) = Header::parse(&buf)?;
/// assert_eq!((plain.shape(), data), (&[777][..], len));
/// // The row log's own reading also gives the comment's numbers back.
/// let parsed = RowLogHeader::parse(&buf)?;
/// assert_eq!((parsed.header, parsed.shown, parsed.len), (h, 777, len));
/// # Ok::<(), mmarray::npy::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowLogHeader<'a> {
    /// The rows' element type.
    pub descr: Descr<'a>,
    /// The log's capacity, in rows.
    pub capacity: u64,
    /// Byte offset of the void bitmap in the file.
    pub void_offset: u64,
}

/// What [`RowLogHeader::parse`] read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParsedRowLog<'a> {
    /// Descr, capacity and void offset.
    pub header: RowLogHeader<'a>,
    /// The value the shape shows.
    pub shown: u64,
    /// The slot it is in.
    pub slot: ShapeSlot,
    /// The header's length: where row 0 starts.
    pub len: usize,
}

/// The header text before the final padding.
struct Text<'h, 'a> {
    header: &'h RowLogHeader<'a>,
    /// `None`: only the part before the shape field.
    shape: Option<(u64, ShapeSlot)>,
    /// Numbers of the comment; `u64::MAX` for measuring.
    capacity: u64,
    void_offset: u64,
}

impl fmt::Display for Text<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{'descr': {}, 'fortran_order': False, 'shape': ",
            self.header.descr
        )?;
        let Some((value, slot)) = self.shape else {
            return Ok(());
        };
        match slot {
            ShapeSlot::First => write!(f, "({value:>SLOT_WIDTH$} {:SLOT_WIDTH$},)", "")?,
            ShapeSlot::Second => write!(f, "({:SLOT_WIDTH$} {value:>SLOT_WIDTH$},)", "")?,
        }
        write!(
            f,
            ", }}{COMMENT}{}{VOID_AT}{}",
            self.capacity, self.void_offset
        )
    }
}

/// Sizes of the emitted header.
struct Sizes {
    version: Version,
    /// Bytes of the text before the shape field.
    before_field: usize,
    /// Bytes of the longest text (20-digit numbers).
    text_max: usize,
    /// `H`.
    total: usize,
}

impl<'a> RowLogHeader<'a> {
    /// The header of a log of `capacity` rows of `descr` whose void bitmap is at byte
    /// `void_offset` of the file.
    pub const fn new(descr: Descr<'a>, capacity: u64, void_offset: u64) -> Self {
        Self {
            descr,
            capacity,
            void_offset,
        }
    }

    fn sizes(&self) -> Result<Sizes, Error> {
        let measure = |text: &Text<'_, '_>| {
            let mut m = Measure {
                latin1: true,
                chars: 0,
                utf8_len: 0,
            };
            write!(m, "{text}").map_err(|_| Error::HeaderTooLarge)?;
            Ok::<_, Error>(m)
        };
        let longest = measure(&Text {
            header: self,
            shape: Some((0, ShapeSlot::First)),
            capacity: u64::MAX,
            void_offset: u64::MAX,
        })?;
        let before = measure(&Text {
            header: self,
            shape: None,
            capacity: 0,
            void_offset: 0,
        })?;
        let (candidates, text_max, before_field): (&[Version], usize, usize) = if longest.latin1 {
            (&[Version::V1_0, Version::V2_0], longest.chars, before.chars)
        } else {
            (&[Version::V3_0], longest.utf8_len, before.utf8_len)
        };
        for &version in candidates {
            let pre = version.preamble_len();
            let total = pre
                .checked_add(text_max)
                .and_then(|n| n.checked_add(1)) // the newline
                .and_then(|n| n.checked_next_multiple_of(ALIGN))
                .ok_or(Error::HeaderTooLarge)?;
            if total - pre <= version.max_header_len() {
                return Ok(Sizes {
                    version,
                    before_field: pre + before_field,
                    text_max,
                    total,
                });
            }
        }
        Err(Error::HeaderTooLarge)
    }

    /// The header's length `H` in bytes, a multiple of [`ALIGN`]: where row 0 starts. It
    /// depends on the descr only, not on the capacity, the void offset or the value shown.
    ///
    /// # Errors
    ///
    /// [`Error::HeaderTooLarge`] if no format version can hold the header.
    pub fn emitted_len(&self) -> Result<usize, Error> {
        self.sizes().map(|s| s.total)
    }

    /// Byte offset, in the file, of the shape field's `(`: where
    /// [`shape_stores`] rewrites.
    ///
    /// # Errors
    ///
    /// As [`emitted_len`](Self::emitted_len).
    pub fn shape_field(&self) -> Result<usize, Error> {
        self.sizes().map(|s| s.before_field)
    }

    /// Writes the header, showing `shown` rows in `slot` (the other slot blank), into the
    /// start of `buf`; returns its length ([`emitted_len`](Self::emitted_len)).
    ///
    /// # Errors
    ///
    /// [`Error::BufferTooSmall`], [`Error::HeaderTooLarge`].
    pub fn emit(&self, buf: &mut [u8], shown: u64, slot: ShapeSlot) -> Result<usize, Error> {
        let sizes = self.sizes()?;
        let got = buf.len();
        let out = buf.get_mut(..sizes.total).ok_or(Error::BufferTooSmall {
            needed: sizes.total,
            got,
        })?;
        let mut raw = HeaderBytes::new_unchecked(out);
        raw.set_magic();
        raw.set_version(sizes.version);
        raw.set_header_len(sizes.total - sizes.version.preamble_len())?;
        let text = raw.text_mut();
        let mut w = Encoder {
            buf: text,
            pos: 0,
            utf8: sizes.version.is_utf8(),
        };
        let full = Text {
            header: self,
            shape: Some((shown, slot)),
            capacity: self.capacity,
            void_offset: self.void_offset,
        };
        write!(w, "{full}").map_err(|_| Error::HeaderTooLarge)?;
        let end = w.pos;
        debug_assert!(end <= sizes.text_max);
        let (last, rest) = text.split_last_mut().ok_or(Error::HeaderTooLarge)?;
        rest[end..].fill(b' ');
        *last = b'\n';
        Ok(sizes.total)
    }

    /// Reads a row log's header at the start of `bytes`: a plain `.npy` header
    /// ([`Header::parse`](super::Header::parse): 1-d, C order) whose shape is a two-slot field and whose text ends
    /// with the row log's comment.
    ///
    /// A header torn by a concurrent rewrite is refused ([`Error::Syntax`]) or shows a
    /// value no greater than the newer one (see the module docs); retry on error.
    ///
    /// # Errors
    ///
    /// Every error of [`Header::parse`](super::Header::parse); [`Error::NotARowLog`] if the shape is not a
    /// two-slot field where [`shape_field`](Self::shape_field) puts it, or the comment is
    /// missing or malformed.
    pub fn parse(bytes: &'a [u8]) -> Result<ParsedRowLog<'a>, Error> {
        let raw = HeaderBytes::new_checked(bytes)?;
        let (plain, spans) = parse_text(raw.text(), raw.version(), usize::MAX)?;
        let &[shown] = plain.shape() else {
            return Err(Error::NotARowLog {
                expected: "a 1-d shape",
            });
        };
        if plain.order() != Order::C {
            return Err(Error::NotARowLog {
                expected: "'fortran_order': False",
            });
        }
        let text = raw.text();
        let field = text
            .get(spans.shape.0..spans.shape.1)
            .filter(|f| f.len() == FIELD_LEN)
            .ok_or(Error::NotARowLog {
                expected: "a shape field of two 20-character slots",
            })?;
        let digits = |slot: ShapeSlot| {
            field[slot.start()..slot.start() + SLOT_WIDTH]
                .iter()
                .any(u8::is_ascii_digit)
        };
        let slot = match (digits(ShapeSlot::First), digits(ShapeSlot::Second)) {
            (true, false) => ShapeSlot::First,
            (false, true) => ShapeSlot::Second,
            _ => {
                return Err(Error::NotARowLog {
                    expected: "digits in exactly one shape slot",
                });
            }
        };
        let rest = &text[spans.dict_end..];
        let number = |s: &[u8]| -> Option<(u64, usize)> {
            let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
            let v = core::str::from_utf8(&s[..n]).ok()?.parse().ok()?;
            Some((v, n))
        };
        let comment = || -> Option<(u64, u64)> {
            let after = rest.strip_prefix(COMMENT.as_bytes())?;
            let (capacity, n) = number(after)?;
            let after = after[n..].strip_prefix(VOID_AT.as_bytes())?;
            let (void_offset, n) = number(after)?;
            after[n..]
                .iter()
                .all(|&b| b == b' ' || b == b'\n')
                .then_some((capacity, void_offset))
        };
        let (capacity, void_offset) = comment().ok_or(Error::NotARowLog {
            expected: "the comment '# mmarray row log v2; capacity C; void bitmap at byte V'",
        })?;
        let header = RowLogHeader::new(plain.descr(), capacity, void_offset);
        let len = raw.data_offset();
        if header.sizes()?.before_field != raw.text_start() + spans.shape.0
            || header.emitted_len()? != len
        {
            return Err(Error::NotARowLog {
                expected: "the layout mmarray writes for this descr",
            });
        }
        Ok(ParsedRowLog {
            header,
            shown: shown as u64,
            slot,
            len,
        })
    }
}

/// One aligned 8-byte store of a header rewrite: word `word` of the file (bytes
/// `8 * word..8 * word + 8`) becomes `value`, in native byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WordStore {
    /// Index of the word: its byte offset divided by 8.
    pub word: usize,
    /// The word's new value (`u64::from_ne_bytes` of its new bytes).
    pub value: u64,
}

/// The word stores of one shape rewrite, in ascending order; at most 6 (the two slots span
/// 41 bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordStores(heapless::Vec<WordStore, 6>);

impl Deref for WordStores {
    type Target = [WordStore];

    fn deref(&self) -> &[WordStore] {
        &self.0
    }
}

impl WordStores {
    /// Applies the stores to a plain copy of the file's first bytes.
    ///
    /// # Panics
    ///
    /// If `bytes` is shorter than the last word stored (the bytes given to [`shape_stores`]
    /// were that long).
    pub fn apply(&self, bytes: &mut [u8]) {
        for s in self.iter() {
            bytes[8 * s.word..8 * s.word + 8].copy_from_slice(&s.value.to_ne_bytes());
        }
    }
}

/// The aligned word stores that rewrite the two-slot shape field at byte `field_at` of
/// `bytes` (the file's first bytes, as read now) to show `value` in `slot`: that slot
/// := `value` right-aligned, the other := spaces, every other byte unchanged. Only words whose
/// bytes change are listed.
///
/// Stored one by one (as atomic words by the header writer), the stores take the text
/// through byte mixes of the old and the new field only: see the module docs for why each is
/// safe to read.
///
/// # Examples
///
/// ```
/// use mmarray::npy::{shape_stores, Descr, Header, RowLogHeader, ShapeSlot};
///
/// let h = RowLogHeader::new(Descr::of::<f32>(), 100, 4608);
/// let mut file = vec![0u8; h.emitted_len()?];
/// h.emit(&mut file, 0, ShapeSlot::First)?;
/// let stores = shape_stores(&file, h.shape_field()?, 42, ShapeSlot::Second)?;
/// assert!(stores.len() <= 6);
/// stores.apply(&mut file);
/// assert_eq!(Header::parse(&file)?.0.shape(), &[42]);
/// # Ok::<(), mmarray::npy::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::NotARowLog`] if the bytes at `field_at` are not a two-slot field (`(`, digits or
/// spaces, a space, digits or spaces, `,)`), or `bytes` ends before the field's last word.
pub fn shape_stores(
    bytes: &[u8],
    field_at: usize,
    value: u64,
    slot: ShapeSlot,
) -> Result<WordStores, Error> {
    let not_a_field = Error::NotARowLog {
        expected: "a two-slot shape field at the given offset",
    };
    let end = field_at.checked_add(FIELD_LEN).ok_or(not_a_field)?;
    let field = bytes.get(field_at..end).ok_or(not_a_field)?;
    let slot_ok = |s: ShapeSlot| {
        field[s.start()..s.start() + SLOT_WIDTH]
            .iter()
            .all(|&b| b == b' ' || b.is_ascii_digit())
    };
    if field[0] != b'('
        || field[1 + SLOT_WIDTH] != b' '
        || &field[FIELD_LEN - 2..] != b",)"
        || !slot_ok(ShapeSlot::First)
        || !slot_ok(ShapeSlot::Second)
    {
        return Err(not_a_field);
    }
    // The new bytes of both slots.
    let mut new = [b' '; FIELD_LEN];
    let mut digits = [0u8; SLOT_WIDTH];
    let mut v = value;
    let mut n = 0;
    loop {
        digits[SLOT_WIDTH - 1 - n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let at = slot.start();
    new[at + SLOT_WIDTH - n..at + SLOT_WIDTH].copy_from_slice(&digits[SLOT_WIDTH - n..]);
    let first = (field_at + 1) / 8;
    let last = (field_at + FIELD_LEN - 3) / 8;
    if bytes.len() < 8 * last + 8 {
        return Err(not_a_field);
    }
    let mut stores = heapless::Vec::new();
    for word in first..=last {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[8 * word..8 * word + 8]);
        let old = u64::from_ne_bytes(b);
        for (i, byte) in b.iter_mut().enumerate() {
            let pos = 8 * word + i;
            if pos > field_at && pos < field_at + FIELD_LEN - 2 {
                *byte = new[pos - field_at];
            }
        }
        let value = u64::from_ne_bytes(b);
        if value != old {
            stores
                .push(WordStore { word, value })
                .map_err(|_| not_a_field)?;
        }
    }
    Ok(WordStores(stores))
}

#[cfg(test)]
mod tests;
