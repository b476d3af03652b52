//! The core's error type: small, `Copy`, and specific about what would be right.

use core::fmt;

use crate::{ByteOrder, Kind};

/// Why a view could not be built or transformed.
///
/// Every variant carries the numbers needed to say what was wrong and what
/// would be right; [`Display`](fmt::Display) spells it out in lowercase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The region does not start at a multiple of the element's alignment.
    Misaligned {
        /// The byte offset that was found (of the region from an aligned
        /// address, or of the data in a file).
        offset: u64,
        /// The alignment the element type needs.
        align: usize,
        /// The element type's size in bytes: picks the unaligned types the message suggests
        /// (8 → `little_endian::U64, I64 or F64` on a little-endian host).
        size: usize,
    },
    /// The region holds a different number of bytes than the shape needs.
    SizeMismatch {
        /// Bytes the shape and element type need.
        expected: usize,
        /// Bytes the region holds.
        actual: usize,
    },
    /// A region length used to infer a 1-D shape is not a whole number of elements.
    NotWholeElements {
        /// The region length in bytes.
        len: u64,
        /// The element size in bytes.
        size: usize,
    },
    /// The element type has size zero, so a length cannot be inferred or addressed.
    ZeroSizedElement,
    /// The number of elements or bytes does not fit in `usize` / `isize`.
    Overflow,
    /// More axes than [`MAX_DIMS`](crate::MAX_DIMS).
    TooManyDims {
        /// The number of axes asked for.
        ndim: usize,
    },
    /// A shape or index has a different number of axes than the view.
    RankMismatch {
        /// The number of axes the view has.
        expected: usize,
        /// The number of axes given.
        actual: usize,
    },
    /// An axis number is not below the number of axes.
    AxisOutOfRange {
        /// The axis asked for.
        axis: usize,
        /// The number of axes.
        ndim: usize,
    },
    /// An index is not below the length of its axis.
    IndexOutOfBounds {
        /// The axis.
        axis: usize,
        /// The index asked for.
        index: usize,
        /// The length of the axis.
        len: usize,
    },
    /// A slice step of zero.
    ZeroStep {
        /// The axis sliced.
        axis: usize,
    },
    /// Two shapes that must agree differ along an axis.
    ShapeMismatch {
        /// The axis where they differ.
        axis: usize,
        /// The length this view has there.
        expected: usize,
        /// The length the other side has there.
        actual: usize,
    },
    /// A caller buffer has the wrong number of elements.
    BufferLength {
        /// The number of elements needed.
        expected: usize,
        /// The number of elements given.
        actual: usize,
    },
    /// A list of axes is not a permutation of `0..ndim`.
    NotPermutation {
        /// The number of axes of the view.
        ndim: usize,
    },
    /// Splitting along this axis would give parts that interleave in memory.
    Interleaved {
        /// The axis asked for.
        axis: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Misaligned {
                offset,
                align,
                size,
            } => {
                write!(
                    f,
                    "offset {offset} is not a multiple of the element alignment {align}; \
                     use an offset that is, or an unaligned element type of the same size"
                )?;
                // The element's kind is not known here: name each type of that size.
                let module = match ByteOrder::NATIVE {
                    ByteOrder::Big => "big_endian",
                    _ => "little_endian",
                };
                let bits = size * 8;
                match size {
                    2 => write!(f, " such as {module}::U{bits} or I{bits}"),
                    4 | 8 => write!(f, " such as {module}::U{bits}, I{bits} or F{bits}"),
                    _ => write!(f, " such as [u8; {size}]"),
                }
            }
            Error::SizeMismatch { expected, actual } => write!(
                f,
                "the region holds {actual} bytes but the shape needs exactly {expected}"
            ),
            Error::NotWholeElements { len, size } => write!(
                f,
                "{len} bytes are not a whole number of {size}-byte elements; \
                 give a shape, or a length that is a multiple of {size}"
            ),
            Error::ZeroSizedElement => f.write_str(
                "the element type has size zero; use an element type of at least one byte",
            ),
            Error::Overflow => f.write_str(
                "the array's size in bytes overflows the address space; use a smaller shape",
            ),
            Error::TooManyDims { ndim } => write!(
                f,
                "{ndim} axes are more than the limit of {}; use at most {} axes",
                crate::MAX_DIMS,
                crate::MAX_DIMS
            ),
            Error::RankMismatch { expected, actual } => {
                write!(
                    f,
                    "got {actual} axes where the array has {expected}; give {expected}"
                )
            }
            Error::AxisOutOfRange { axis, ndim } => write!(
                f,
                "axis {axis} is out of range for an array of {ndim} axes; use an axis below {ndim}"
            ),
            Error::IndexOutOfBounds { axis, index, len } => write!(
                f,
                "index {index} is out of bounds for axis {axis} of length {len}; use an index below {len}"
            ),
            Error::ZeroStep { axis } => {
                write!(f, "slice step of axis {axis} is zero; use a non-zero step")
            }
            Error::ShapeMismatch {
                axis,
                expected,
                actual,
            } => write!(
                f,
                "axis {axis} has length {actual} where {expected} is needed; shapes must be equal"
            ),
            Error::BufferLength { expected, actual } => write!(
                f,
                "the buffer holds {actual} elements but the array has {expected}; give exactly {expected}"
            ),
            Error::NotPermutation { ndim } => write!(
                f,
                "the axes are not a permutation of 0..{ndim}; name every axis exactly once"
            ),
            Error::Interleaved { axis } => write!(
                f,
                "the parts of axis {axis} interleave in memory and cannot be borrowed apart; \
                 split along the outermost axis in memory (axis 0 for C order)"
            ),
        }
    }
}

impl core::error::Error for Error {}

/// The zerocopy type with alignment 1 that holds the same values as a numpy scalar type:
/// what an error suggests when the bytes are misaligned or of the other byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unaligned {
    order: ByteOrder,
    kind: Kind,
    size: usize,
}

impl Unaligned {
    /// The type for `kind` and `size` in `order`, if zerocopy's `byteorder` module has one
    /// (integers of 2, 4 and 8 bytes, floats of 4 and 8, and complex numbers of those floats).
    pub(crate) fn new(order: ByteOrder, kind: Kind, size: usize) -> Option<Unaligned> {
        let known = match kind {
            Kind::Int | Kind::Uint => matches!(size, 2 | 4 | 8),
            Kind::Float => matches!(size, 4 | 8),
            Kind::Complex => matches!(size, 8 | 16),
            _ => false,
        };
        let ordered = matches!(order, ByteOrder::Little | ByteOrder::Big);
        (known && ordered).then_some(Unaligned { order, kind, size })
    }
}

impl fmt::Display for Unaligned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let module = match self.order {
            ByteOrder::Big => "big_endian",
            _ => "little_endian",
        };
        let bits = self.size * 8;
        match self.kind {
            Kind::Int => write!(f, "{module}::I{bits}"),
            Kind::Uint => write!(f, "{module}::U{bits}"),
            Kind::Complex => write!(f, "Complex<{module}::F{}>", bits / 2),
            _ => write!(f, "{module}::F{bits}"),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::{Error, Unaligned};
    use crate::{ByteOrder, Kind};
    use std::format;
    use std::string::ToString;

    #[test]
    fn messages_say_what_would_be_right() {
        let e = Error::Misaligned {
            offset: 3,
            align: 4,
            size: 4,
        };
        let order = if cfg!(target_endian = "little") {
            "little_endian"
        } else {
            "big_endian"
        };
        assert_eq!(
            e.to_string(),
            format!(
                "offset 3 is not a multiple of the element alignment 4; use an offset that is, \
                 or an unaligned element type of the same size such as {order}::U32, I32 or F32"
            )
        );
        let e = Error::Misaligned {
            offset: 4,
            align: 8,
            size: 8,
        };
        assert!(
            e.to_string()
                .ends_with(&format!("such as {order}::U64, I64 or F64")),
            "{e}"
        );
        let e = Error::Misaligned {
            offset: 4,
            align: 8,
            size: 24,
        };
        assert!(e.to_string().ends_with("such as [u8; 24]"), "{e}");
        let e = Error::IndexOutOfBounds {
            axis: 1,
            index: 7,
            len: 4,
        };
        assert!(e.to_string().contains("use an index below 4"));
        let e = Error::TooManyDims { ndim: 65 };
        assert!(e.to_string().contains("at most 64"));
    }

    #[test]
    fn unaligned_types_exist_for_every_width_zerocopy_has() {
        let name = |o, k, n| Unaligned::new(o, k, n).map(|u| u.to_string());
        let (le, be) = (ByteOrder::Little, ByteOrder::Big);
        for (kind, letter) in [(Kind::Int, 'I'), (Kind::Uint, 'U')] {
            for size in [2, 4, 8] {
                let bits = size * 8;
                assert_eq!(
                    name(le, kind, size).unwrap(),
                    format!("little_endian::{letter}{bits}")
                );
                assert_eq!(
                    name(be, kind, size).unwrap(),
                    format!("big_endian::{letter}{bits}")
                );
            }
            assert_eq!(name(le, kind, 1), None);
        }
        assert_eq!(name(be, Kind::Float, 4).unwrap(), "big_endian::F32");
        assert_eq!(name(le, Kind::Float, 8).unwrap(), "little_endian::F64");
        assert_eq!(
            name(be, Kind::Complex, 16).unwrap(),
            "Complex<big_endian::F64>"
        );
        assert_eq!(
            name(le, Kind::Complex, 8).unwrap(),
            "Complex<little_endian::F32>"
        );
        assert_eq!(name(le, Kind::Float, 2), None);
        assert_eq!(name(ByteOrder::NotApplicable, Kind::Bool, 1), None);
    }
}
