//! The adapter's one error type.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::mode::{MODE_NAMES, Mode};

/// Everything that can go wrong opening, mapping, growing or flushing.
///
/// Wraps the core's [`mmarray::Error`] (layout and cast problems), the `.npy`
/// header errors, and operating-system errors (with the operation that
/// failed). Every variant that comes from bad input is detected before the
/// file is created, truncated, extended or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A layout or cast problem from the core.
    Core(mmarray::Error),
    /// A malformed or unsupported `.npy` header, or a descr that does not match the element type.
    Npy(mmarray::npy::Error),
    /// An operating-system call failed.
    Io {
        /// What was being done, e.g. `"open"`, `"mmap"`, `"ftruncate"`.
        op: &'static str,
        /// The file, when known.
        path: Option<PathBuf>,
        /// The OS error.
        source: io::Error,
    },
    /// A mode name numpy does not know.
    InvalidMode(String),
    /// Mode `'w+'` needs a shape: there is no file content to infer it from.
    ShapeRequired,
    /// The offset is past the end of the file and the shape was to be inferred.
    OffsetPastEnd {
        /// The offset given.
        offset: u64,
        /// The file's length.
        len: u64,
    },
    /// In a mode that cannot extend the file, the array would end past its end.
    PastEnd {
        /// The mode.
        mode: Mode,
        /// Where the array's last byte would end (offset + size).
        end: u64,
        /// The file's length.
        len: u64,
    },
    /// The path or descriptor is not a regular file (or block device) that can be mapped.
    NotAFile {
        /// The file, when known.
        path: Option<PathBuf>,
    },
    /// A mutable view was asked of a map opened read-only.
    ReadOnly,
    /// A map's mode is not the one its access type asks for (converting a
    /// [`Dynamic`](crate::Dynamic) map to the type of another mode).
    ModeMismatch {
        /// The mode the map was opened in.
        mode: Mode,
        /// The mode the access type asks for (`'r+'` also stands for `'w+'`).
        expected: Mode,
    },
    /// A byte or element range is outside the array.
    OutOfRange {
        /// Start of the range asked for.
        start: usize,
        /// End of the range asked for.
        end: usize,
        /// The array's length in the same unit.
        len: usize,
    },
    /// The file's contents do not match what is expected (e.g. `.npy` data
    /// shorter than its header says).
    Truncated {
        /// Bytes the header says are needed past its end.
        needed: u64,
        /// Bytes present.
        len: u64,
    },
    /// Appended data is not a whole number of slices along the growth axis.
    Ragged {
        /// Elements given.
        len: usize,
        /// Elements in one slice (the product of the other axes).
        slice: usize,
    },
    /// The operation needs a file that the map does not have (anonymous maps
    /// and read-only maps cannot grow).
    CannotGrow {
        /// Why.
        reason: &'static str,
    },
    /// A claim on a shared row log could not be granted (too few rows are left).
    Claim(mmarray::claim::ClaimError),
    /// The claims header of a shared row log could not be created, opened or recovered.
    Setup(mmarray::claim::SetupError),
    /// A recovery call on a shared row log was given rows it may not touch.
    Recover(mmarray::claim::RecoverError),
    /// Rows to force-complete are not all claimed-but-incomplete rows at the committed
    /// watermark.
    NotStalled {
        /// First row asked for.
        start: u64,
        /// One past the last row asked for.
        end: u64,
        /// The committed watermark: the stalled rows start here.
        committed: u64,
        /// One past the last stalled row (equal to `committed` if nothing is stalled).
        stalled_end: u64,
    },
    /// An `.npz` archive has no member of this name.
    NoSuchMember {
        /// The name asked for.
        name: String,
    },
    /// An archive member is compressed (`np.savez_compressed`): its bytes
    /// are not the array's, so they cannot be mapped.
    Compressed {
        /// The member's name in the archive.
        member: String,
        /// The zip compression method, e.g. `"deflate"`.
        method: &'static str,
    },
    /// The file is not a zip archive that can be read, or a member cannot
    /// be mapped for a reason of the zip format (e.g. it is encrypted).
    BadArchive {
        /// The archive, when known.
        path: Option<PathBuf>,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Core(e) => e.fmt(f),
            Error::Npy(e) => e.fmt(f),
            Error::Io { op, path: Some(p), source } => {
                write!(f, "{op} failed for {}: {source}", p.display())
            }
            Error::Io { op, path: None, source } => write!(f, "{op} failed: {source}"),
            Error::InvalidMode(m) => {
                write!(f, "mode '{m}' is not one of ")?;
                for (i, name) in MODE_NAMES.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}'{name}'")?;
                }
                Ok(())
            }
            Error::ShapeRequired => {
                f.write_str("mode 'w+' needs a shape: give the array's shape to create it")
            }
            Error::OffsetPastEnd { offset, len } => write!(
                f,
                "offset {offset} is past the end of the {len}-byte file; \
                 give an offset of at most {len}, or a shape"
            ),
            Error::PastEnd { mode, end, len } => write!(
                f,
                "the array ends at byte {end} but the file has {len} bytes, and mode '{mode}' \
                 cannot extend it; give a smaller shape or offset, or open in mode 'r+'"
            ),
            Error::NotAFile { path: Some(p) } => write!(
                f,
                "{} is not a regular file; map a regular file or block device",
                p.display()
            ),
            Error::NotAFile { path: None } => {
                f.write_str("the descriptor is not a regular file; map a regular file or block device")
            }
            Error::ReadOnly => f.write_str(
                "the map was opened in mode 'r' and cannot be written; open it in 'r+', 'w+' or 'c'",
            ),
            Error::ModeMismatch { mode, expected } => {
                let wanted = match expected {
                    Mode::ReadWrite | Mode::Write => "'r+' or 'w+'",
                    Mode::Read => "'r'",
                    Mode::CopyOnWrite => "'c'",
                };
                write!(
                    f,
                    "the map was opened in mode '{mode}' but the access type asks for mode \
                     {wanted}; convert it to the access type of mode '{mode}', or open it in \
                     mode {wanted}"
                )
            }
            Error::OutOfRange { start, end, len } => write!(
                f,
                "range {start}..{end} is outside the array of length {len}; \
                 use a range within 0..{len}"
            ),
            Error::Truncated { needed, len } => write!(
                f,
                "the file holds {len} bytes of array data but its header says {needed}; \
                 the file is truncated (numpy's r+ would silently extend it; mmarray refuses)"
            ),
            Error::Ragged { len, slice } => write!(
                f,
                "{len} elements are not whole slices of {slice} elements along the growth axis; \
                 give a multiple of {slice}"
            ),
            Error::CannotGrow { reason } => write!(f, "cannot grow the array: {reason}"),
            Error::Claim(e) => e.fmt(f),
            Error::Setup(e) => e.fmt(f),
            Error::Recover(e) => e.fmt(f),
            Error::NotStalled {
                start,
                end,
                committed,
                stalled_end,
            } => write!(
                f,
                "rows {start}..{end} are not all claimed-but-incomplete rows at the committed \
                 watermark (those are {committed}..{stalled_end}); force-complete only rows \
                 within them, once their writer is known to be dead"
            ),
            Error::NoSuchMember { name } => write!(
                f,
                "the archive has no member '{name}' (nor '{name}.npy'); \
                 give the name of one of its members"
            ),
            Error::Compressed { member, method } => write!(
                f,
                "archive member '{member}' is compressed ({method}) and cannot be mapped; \
                 only stored members can: write the archive with np.savez, not np.savez_compressed"
            ),
            Error::BadArchive {
                path: Some(p),
                reason,
            } => write!(
                f,
                "{} is not a zip archive that can be mapped: {reason}",
                p.display()
            ),
            Error::BadArchive { path: None, reason } => {
                write!(f, "not a zip archive that can be mapped: {reason}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Core(e) => Some(e),
            Error::Npy(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            Error::Claim(e) => Some(e),
            Error::Setup(e) => Some(e),
            Error::Recover(e) => Some(e),
            _ => None,
        }
    }
}

impl From<mmarray::Error> for Error {
    fn from(e: mmarray::Error) -> Self {
        Error::Core(e)
    }
}

impl From<mmarray::npy::Error> for Error {
    fn from(e: mmarray::npy::Error) -> Self {
        Error::Npy(e)
    }
}

impl From<mmarray::claim::ClaimError> for Error {
    fn from(e: mmarray::claim::ClaimError) -> Self {
        Error::Claim(e)
    }
}

impl From<mmarray::claim::SetupError> for Error {
    fn from(e: mmarray::claim::SetupError) -> Self {
        Error::Setup(e)
    }
}

impl From<mmarray::claim::RecoverError> for Error {
    fn from(e: mmarray::claim::RecoverError) -> Self {
        Error::Recover(e)
    }
}

impl From<Error> for io::Error {
    /// OS errors keep their kind; invalid input becomes `InvalidInput`,
    /// malformed file contents `InvalidData`.
    fn from(e: Error) -> io::Error {
        let kind = match &e {
            Error::Io { source, .. } => source.kind(),
            Error::ReadOnly => io::ErrorKind::PermissionDenied,
            Error::Npy(_)
            | Error::Truncated { .. }
            | Error::Setup(_)
            | Error::BadArchive { .. } => io::ErrorKind::InvalidData,
            Error::Claim(_) => io::ErrorKind::StorageFull,
            Error::NoSuchMember { .. } => io::ErrorKind::NotFound,
            Error::Compressed { .. } => io::ErrorKind::Unsupported,
            Error::NotAFile { .. } => io::ErrorKind::Unsupported,
            _ => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, e)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
