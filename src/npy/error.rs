//! The one error type of the `.npy` layer.

use core::fmt;

use crate::error::Unaligned;
use crate::{ByteOrder, Scalar, TypeDescr};

/// Which part of the header a too-short input ended in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Part {
    /// The magic string and the two version bytes (the first 8 bytes).
    Magic,
    /// The little-endian header length field (2 bytes for 1.0, 4 for 2.0 and 3.0).
    LengthField,
    /// The header text.
    Text,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Magic => "the magic string and version",
            Part::LengthField => "the header length field",
            Part::Text => "the header text",
        })
    }
}

/// What is wrong with a header's `shape` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ShapeProblem {
    /// The value is not a tuple (a list, an int, ...).
    NotATuple,
    /// An entry is not an integer literal.
    NotAnInteger,
    /// An entry is negative.
    Negative,
    /// An entry does not fit in `usize`.
    Overflow,
    /// More than [`MAX_DIMS`](crate::layout::MAX_DIMS) entries.
    TooManyDims,
}

impl fmt::Display for ShapeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ShapeProblem::NotATuple => "it is not a tuple; expected e.g. (3, 4), (3,) or ()",
            ShapeProblem::NotAnInteger => {
                "an entry is not an integer; expected non-negative integers"
            }
            ShapeProblem::Negative => "an entry is negative; expected non-negative integers",
            ShapeProblem::Overflow => "an entry does not fit in usize",
            ShapeProblem::TooManyDims => {
                "it has more than 64 dimensions, the most numpy and mmarray allow"
            }
        })
    }
}

/// One of the three header keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// `'descr'`
    Descr,
    /// `'fortran_order'`
    FortranOrder,
    /// `'shape'`
    Shape,
}

impl Key {
    /// The key as written in the header.
    pub const fn as_str(self) -> &'static str {
        match self {
            Key::Descr => "descr",
            Key::FortranOrder => "fortran_order",
            Key::Shape => "shape",
        }
    }
}

/// A short rendering of a descr (numpy's repr, cut to fit), kept inline so errors stay `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Snippet {
    buf: [u8; Snippet::CAP],
    len: u8,
    truncated: bool,
}

impl Snippet {
    const CAP: usize = 48;

    pub(crate) fn new() -> Snippet {
        Snippet {
            buf: [0; Snippet::CAP],
            len: 0,
            truncated: false,
        }
    }

    /// The text kept (valid UTF-8, at most 48 bytes).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or("")
    }

    /// Whether the descr was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Write for Snippet {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            let mut tmp = [0u8; 4];
            let e = c.encode_utf8(&mut tmp).as_bytes();
            let len = usize::from(self.len);
            if self.truncated || len + e.len() > Snippet::CAP {
                self.truncated = true;
                return Ok(());
            }
            self.buf[len..len + e.len()].copy_from_slice(e);
            self.len += e.len() as u8; // at most CAP (48), fits in u8
        }
        Ok(())
    }
}

impl fmt::Display for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if self.truncated {
            f.write_str("...")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Snippet({:?}{})",
            self.as_str(),
            if self.truncated { "..." } else { "" }
        )
    }
}

/// Everything that can go wrong reading, checking or writing a `.npy` header.
///
/// Offsets named `at` count bytes from the start of the header text (after the length field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The input ended before the header did.
    Truncated {
        /// The part being read.
        part: Part,
        /// How many bytes from the start of the input that part needs.
        needed: usize,
        /// How many bytes there were.
        got: usize,
    },
    /// The first six bytes are not `\x93NUMPY`.
    BadMagic {
        /// The six bytes found.
        found: [u8; 6],
    },
    /// A format version other than 1.0, 2.0 and 3.0.
    UnsupportedVersion {
        /// Major version byte.
        major: u8,
        /// Minor version byte.
        minor: u8,
    },
    /// The header text is longer than the limit (numpy's `max_header_size`, 10 000 characters by default).
    HeaderTooLong {
        /// Length of the text in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A version 3.0 header text is not valid UTF-8.
    NotUtf8 {
        /// Offset of the first invalid byte.
        at: usize,
    },
    /// The header text is not a Python literal of the kind a header holds.
    Syntax {
        /// Where parsing stopped.
        at: usize,
        /// What was expected there.
        expected: &'static str,
    },
    /// The header text is a literal but not a dict.
    NotADict,
    /// A required key is missing.
    MissingKey(Key),
    /// A key other than `descr`, `fortran_order` and `shape`.
    UnknownKey {
        /// Offset of the key.
        at: usize,
    },
    /// A key appears twice.
    DuplicateKey(Key),
    /// The `shape` value is not a tuple of non-negative integers (or too large).
    InvalidShape {
        /// Offset of the offending value.
        at: usize,
        /// What is wrong.
        problem: ShapeProblem,
    },
    /// `fortran_order` is not `True` or `False`.
    InvalidFortranOrder {
        /// Offset of the value.
        at: usize,
    },
    /// The `descr` value is not a data type descriptor mmarray understands.
    InvalidDescr {
        /// Offset of the offending part.
        at: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The descr is or contains a Python object type (`|O`), which cannot be mapped.
    ObjectDescr {
        /// Offset of the object type string.
        at: usize,
    },
    /// The header's descr is not the element type's descr.
    DescrMismatch {
        /// The header's descr (normalised numpy repr, possibly cut short).
        found: Snippet,
        /// The element type's descr.
        expected: &'static TypeDescr,
    },
    /// The header's shape has a different number of axes than the requested dimension type.
    RankMismatch {
        /// Axes in the header's shape.
        found: usize,
        /// Axes of the requested dimension type.
        expected: usize,
    },
    /// The array data starts at an offset that is not a multiple of the element type's
    /// alignment (`np.savez` does not align its members).
    DataMisaligned {
        /// Where the data starts, in bytes from the start of the file.
        offset: u64,
        /// The alignment the element type needs.
        align: usize,
        /// The element type's descr (its unaligned counterpart is suggested).
        expected: &'static TypeDescr,
    },
    /// The array data (elements times item size) would be larger than `isize::MAX` bytes.
    DataTooLarge,
    /// The output buffer is too small for the header.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// The header would be longer than any format version can record (about 4 GiB).
    HeaderTooLarge,
    /// The format version asked for cannot hold this header: its text is not latin-1
    /// (only 3.0 is UTF-8) or it is longer than 65535 bytes (1.0's limit).
    VersionTooSmall {
        /// The version asked for.
        version: super::Version,
        /// The smallest version that holds the header.
        needed: super::Version,
    },
    /// The header is not a row log's: it lacks the two-slot shape field or the trailing
    /// `# mmarray row log v2; ...` comment where [`RowLogHeader`](super::RowLogHeader) puts them.
    NotARowLog {
        /// What was expected and not found.
        expected: &'static str,
    },
    /// A rewritten shape does not fit in the existing header.
    ShapeDoesNotFit {
        /// Header text bytes the new shape needs (including the final newline).
        needed: usize,
        /// Header text bytes available (the existing header length).
        available: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated { part, needed, got } => {
                write!(f, "input too short: reading {part} needs {needed} bytes, got {got}")
            }
            Error::BadMagic { found } => {
                f.write_str("not a .npy file: the magic string is b'")?;
                for b in found {
                    match b {
                        b'\\' => f.write_str("\\\\")?,
                        b'\'' => f.write_str("\\'")?,
                        0x20..=0x7e => write!(f, "{}", char::from(b))?,
                        _ => write!(f, "\\x{b:02x}")?,
                    }
                }
                f.write_str("', expected b'\\x93NUMPY'")
            }
            Error::UnsupportedVersion { major, minor } => write!(
                f,
                "unsupported .npy format version {major}.{minor}; supported versions are 1.0, 2.0 and 3.0"
            ),
            Error::HeaderTooLong { len, max } => write!(
                f,
                "header text is {len} characters long, more than the limit of {max}; raise the limit if the file is trusted"
            ),
            Error::NotUtf8 { at } => {
                write!(f, "version 3.0 header text is not valid UTF-8 at byte {at}")
            }
            Error::Syntax { at, expected } => {
                write!(f, "cannot parse header text at byte {at}: expected {expected}")
            }
            Error::NotADict => f.write_str("header text is not a dict; expected {'descr': ..., 'fortran_order': ..., 'shape': ...}"),
            Error::MissingKey(k) => write!(
                f,
                "header has no '{}' key; expected exactly the keys 'descr', 'fortran_order' and 'shape'",
                k.as_str()
            ),
            Error::UnknownKey { at } => write!(
                f,
                "header has a key other than 'descr', 'fortran_order' and 'shape' at byte {at}"
            ),
            Error::DuplicateKey(k) => {
                write!(f, "header has the key '{}' more than once; expected it once", k.as_str())
            }
            Error::InvalidShape { at, problem } => {
                write!(f, "header shape at byte {at} is not valid: {problem}")
            }
            Error::InvalidFortranOrder { at } => {
                write!(f, "header fortran_order at byte {at} is not a valid bool; expected True or False")
            }
            Error::InvalidDescr { at, reason } => {
                write!(f, "header descr is not a valid data type at byte {at}: {reason}")
            }
            Error::ObjectDescr { at } => write!(
                f,
                "header descr contains a Python object type at byte {at}; object arrays cannot be memory-mapped"
            ),
            Error::DescrMismatch { found, expected } => {
                write!(
                    f,
                    "header descr {found} does not match the element type's descr {}",
                    super::descr::Render(expected)
                )?;
                if let Some(u) = swapped_order(&found, expected) {
                    write!(f, "; the data has the other byte order: use {u}")?;
                }
                Ok(())
            }
            Error::RankMismatch { found, expected } => write!(
                f,
                "the file has {}, the type asks for {expected}; \
                 use a dimension type of {} or IxDyn",
                Axes(found),
                Axes(found)
            ),
            Error::DataMisaligned {
                offset,
                align,
                expected,
            } => {
                write!(
                    f,
                    "the array data starts at byte {offset}, which is not a multiple of {align}, \
                     the alignment of {}; ",
                    super::descr::Render(expected)
                )?;
                match unaligned(expected) {
                    Some(u) => write!(f, "map it as {u}, which has alignment 1"),
                    None => f.write_str("map it with an element type of alignment 1"),
                }
            }
            Error::DataTooLarge => f.write_str(
                "array data would be larger than isize::MAX bytes (elements times item size); no slice can hold it",
            ),
            Error::BufferTooSmall { needed, got } => {
                write!(f, "buffer too small for the header: needs {needed} bytes, got {got}")
            }
            Error::VersionTooSmall { version, needed } => write!(
                f,
                "the header does not fit .npy format version {version}; use version {needed} or let the version be chosen"
            ),
            Error::HeaderTooLarge => {
                f.write_str("header is too large for any .npy version (its length must fit in 32 bits)")
            }
            Error::NotARowLog { expected } => write!(
                f,
                "not a row log's .npy header: expected {expected}; open plain .npy files with \
                 npy::Header::parse, and row logs only as written by mmarray"
            ),
            Error::ShapeDoesNotFit { needed, available } => write!(
                f,
                "new shape does not fit in the existing header: the text needs {needed} bytes, the header has {available}"
            ),
        }
    }
}

impl core::error::Error for Error {}

/// "1 axis", "3 axes".
struct Axes(usize);

impl fmt::Display for Axes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("1 axis"),
            n => write!(f, "{n} axes"),
        }
    }
}

/// The unaligned zerocopy type for a scalar descr, if there is one.
fn unaligned(t: &TypeDescr) -> Option<Unaligned> {
    match t {
        TypeDescr::Scalar(s) => Unaligned::new(s.order(), s.kind(), s.size()),
        TypeDescr::Record(_) => None,
    }
}

/// When `found` is `expected` in the other byte order, the unaligned type that reads it.
fn swapped_order(found: &Snippet, expected: &TypeDescr) -> Option<Unaligned> {
    let TypeDescr::Scalar(s) = expected else {
        return None;
    };
    let other = match s.order() {
        ByteOrder::Little => ByteOrder::Big,
        ByteOrder::Big => ByteOrder::Little,
        ByteOrder::NotApplicable => return None,
    };
    let swapped = Scalar::new(other, s.kind(), s.size())?;
    let mut text = Snippet::new();
    fmt::Write::write_fmt(
        &mut text,
        format_args!("{}", super::Descr::scalar_type(swapped)),
    )
    .ok()?;
    (text == *found).then(|| Unaligned::new(other, s.kind(), s.size()))?
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::{Complex, Dtype};
    use std::string::{String, ToString};
    use zerocopy::byteorder::{big_endian as be, little_endian as le};

    /// The hint of a `'>…'`/`'<…'` header read as `T`, if any.
    fn hint<T: Dtype>(header: &str) -> Option<String> {
        let text = std::format!("{{'descr': '{header}', 'fortran_order': False, 'shape': (), }}\n");
        let mut bytes = std::vec::Vec::from(b"\x93NUMPY\x01\x00");
        bytes.extend_from_slice(&u16::try_from(text.len()).unwrap().to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
        let (h, _) = super::super::Header::parse(&bytes).unwrap();
        let msg = h.check::<T>().unwrap_err().to_string();
        msg.split_once("; the data has the other byte order: use ")
            .map(|(_, t)| t.into())
    }

    #[test]
    fn a_swapped_descr_names_the_type_of_its_byte_order_for_every_width() {
        assert_eq!(hint::<le::F32>(">f4").as_deref(), Some("big_endian::F32"));
        assert_eq!(
            hint::<be::F64>("<f8").as_deref(),
            Some("little_endian::F64")
        );
        assert_eq!(hint::<le::I16>(">i2").as_deref(), Some("big_endian::I16"));
        assert_eq!(hint::<le::I32>(">i4").as_deref(), Some("big_endian::I32"));
        assert_eq!(
            hint::<be::I64>("<i8").as_deref(),
            Some("little_endian::I64")
        );
        assert_eq!(hint::<le::U16>(">u2").as_deref(), Some("big_endian::U16"));
        assert_eq!(
            hint::<be::U32>("<u4").as_deref(),
            Some("little_endian::U32")
        );
        assert_eq!(hint::<le::U64>(">u8").as_deref(), Some("big_endian::U64"));
        assert_eq!(
            hint::<Complex<le::F64>>(">c16").as_deref(),
            Some("Complex<big_endian::F64>")
        );
        // Native types: the hint is the file's order, whatever the host's.
        let (other, module) = if cfg!(target_endian = "little") {
            (">f4", "big_endian")
        } else {
            ("<f4", "little_endian")
        };
        assert_eq!(hint::<f32>(other), Some(std::format!("{module}::F32")));
        // Not the same values in the other order: no hint.
        assert_eq!(hint::<le::F32>(">f8"), None);
        assert_eq!(hint::<le::F32>(">i4"), None);
        assert_eq!(hint::<le::F32>("<f8"), None);
    }

    #[test]
    fn misaligned_data_suggests_the_unaligned_type_and_no_offset() {
        let e = Error::DataMisaligned {
            offset: 83,
            align: 8,
            expected: &<le::F64 as Dtype>::DESCR,
        };
        assert_eq!(
            e.to_string(),
            "the array data starts at byte 83, which is not a multiple of 8, the alignment of \
             '<f8'; map it as little_endian::F64, which has alignment 1"
        );
        let e = Error::DataMisaligned {
            offset: 3,
            align: 4,
            expected: &<be::I32 as Dtype>::DESCR,
        };
        assert!(
            e.to_string()
                .ends_with("map it as big_endian::I32, which has alignment 1")
        );
        assert!(!e.to_string().contains("offset that"));
    }

    #[test]
    fn a_rank_mismatch_counts_axes() {
        let e = Error::RankMismatch {
            found: 3,
            expected: 2,
        };
        assert_eq!(
            e.to_string(),
            "the file has 3 axes, the type asks for 2; use a dimension type of 3 axes or IxDyn"
        );
    }
}
