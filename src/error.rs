//! The core's error type: small, `Copy`, and specific about what would be right.

use core::fmt;

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
            Error::Misaligned { offset, align } => write!(
                f,
                "offset {offset} is not a multiple of the element alignment {align}; \
                 use an offset that is, or an unaligned element type such as little_endian::F32"
            ),
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

#[cfg(test)]
mod tests {
    extern crate std;
    use super::Error;
    use std::string::ToString;

    #[test]
    fn messages_say_what_would_be_right() {
        let e = Error::Misaligned {
            offset: 3,
            align: 4,
        };
        assert_eq!(
            e.to_string(),
            "offset 3 is not a multiple of the element alignment 4; use an offset that is, \
             or an unaligned element type such as little_endian::F32"
        );
        let e = Error::IndexOutOfBounds {
            axis: 1,
            index: 7,
            len: 4,
        };
        assert!(e.to_string().contains("use an index below 4"));
        let e = Error::TooManyDims { ndim: 65 };
        assert!(e.to_string().contains("at most 64"));
    }
}
