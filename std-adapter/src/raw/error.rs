//! The mapping layer's error: which call failed, or which request was out of bounds.

use core::fmt;

use rustix::io::Errno;

use super::{MAP_MAX, OFFSET_MAX};

/// Why mapping, flushing, advising or remapping failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Error {
    /// A system call failed.
    Sys {
        /// The call and its man-page section, e.g. `"mmap(2)"`.
        call: &'static str,
        /// The error number the call returned.
        errno: Errno,
    },
    /// The region is too large: its end would pass the largest file offset (`i64::MAX`), or
    /// the mapping (region plus the rounding down of the offset to a page) would pass
    /// `isize::MAX` bytes.
    Overflow {
        /// The requested file offset (0 for anonymous maps).
        offset: u64,
        /// The requested region length in bytes.
        len: usize,
    },
    /// The region ends past the end of the (regular) file.
    PastEnd {
        /// The file offset one past the region's last byte.
        end: u64,
        /// The file's length in bytes.
        file_len: u64,
    },
    /// A byte range is not inside the region.
    OutOfRange {
        /// The range's first byte, relative to the region.
        start: usize,
        /// The range's length in bytes.
        len: usize,
        /// The region's length in bytes.
        region_len: usize,
    },
    /// A range asked for as atomic words does not start at a multiple of their alignment.
    Misaligned {
        /// The range's first byte, relative to the region.
        start: usize,
        /// The alignment the words need.
        align: usize,
    },
    /// Remapping was asked of an anonymous map, which has no file to map more of.
    Anonymous,
    /// The file passed to [`RawMap::remap`](super::RawMap::remap) is not the file the map was made from.
    OtherFile,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Sys { call, .. } => write!(f, "{call} failed"),
            Self::Overflow { offset, len } => write!(
                f,
                "a region of {len} bytes at file offset {offset} is too large; \
                 it must end at or before offset {OFFSET_MAX} and span at most {MAP_MAX} bytes \
                 including the rounding of the offset down to a page"
            ),
            Self::PastEnd { end, file_len } => write!(
                f,
                "the region ends at byte {end} but the file is only {file_len} bytes long; \
                 extend the file to at least {end} bytes first, or map less"
            ),
            Self::OutOfRange {
                start,
                len,
                region_len,
            } => write!(
                f,
                "the range of {len} bytes starting at byte {start} is not inside the region \
                 of {region_len} bytes; pass a range that ends at or before byte {region_len}"
            ),
            Self::Misaligned { start, align } => write!(
                f,
                "byte {start} of the region is not a multiple of {align} bytes from an aligned \
                 address, so atomic words cannot start there; start the range at a multiple of \
                 {align}"
            ),
            Self::Anonymous => f.write_str(
                "an anonymous map has no file to remap; remap only maps made from a file",
            ),
            Self::OtherFile => f.write_str(
                "the file passed to remap is not the file the map was made from; \
                 pass the same file (any descriptor of it)",
            ),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Sys { errno, .. } => Some(errno),
            _ => None,
        }
    }
}
