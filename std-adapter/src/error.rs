//! The adapter's one error type.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::mode::{MODE_NAMES, Mode};
use crate::raw;

/// Everything that can go wrong opening, mapping, growing or flushing.
///
/// Each variant names the problem. Errors that come from bad input are detected before the
/// file is created, truncated, extended or written. Errors about a file name its path
/// (`path: None` when the map was made from a descriptor or has no file).
///
/// Every message is printed once along a [`source`](std::error::Error::source) chain: the
/// core's errors ([`mmarray::Error`], [`mmarray::npy::Error`], the claim errors) are small
/// values whose text is part of this error's [`Display`](fmt::Display), so `source` does not
/// return them again; an operating-system error is returned by `source` and not repeated in
/// the text.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The array's shape, size or alignment does not fit the bytes (the core's layout and
    /// cast checks, e.g. [`Misaligned`](mmarray::Error::Misaligned) or
    /// [`NotWholeElements`](mmarray::Error::NotWholeElements)).
    Layout {
        /// The file, when the array comes from one opened by path.
        path: Option<PathBuf>,
        /// What is wrong.
        error: mmarray::Error,
    },
    /// A malformed or unsupported `.npy` header, or one that does not describe the requested
    /// element type or rank.
    Header {
        /// The `.npy` file or `.npz` archive, when opened by path.
        path: Option<PathBuf>,
        /// What is wrong.
        error: mmarray::npy::Error,
    },
    /// An operating-system call failed; [`source`](std::error::Error::source) gives the
    /// OS error.
    Io {
        /// What was being done, e.g. `"open"`, `"mmap(2)"`, `"ftruncate"`.
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
        /// The file, when opened by path.
        path: Option<PathBuf>,
        /// The offset given.
        offset: u64,
        /// The file's length.
        len: u64,
    },
    /// In a mode that cannot extend the file, the array would end past its end.
    PastEnd {
        /// The file, when opened by path.
        path: Option<PathBuf>,
        /// The mode the file was opened in.
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
    /// A mutable view, or a write, was asked of a map opened read-only.
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
    /// The file holds less data than its header says (a `.npy` header's shape, a row log's
    /// capacity). A header that is itself cut short is
    /// [`npy::Error::Truncated`](mmarray::npy::Error::Truncated) inside [`Error::Header`].
    DataTruncated {
        /// The file, when opened by path.
        path: Option<PathBuf>,
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
    /// The element type is aligned to more than a page: a mapping starts only at a page
    /// boundary (and may move there when it grows), so its bytes cannot be cast to such
    /// elements. Refused by every constructor, before anything is opened.
    AlignBeyondPage {
        /// The element type's alignment in bytes.
        align: usize,
        /// The page size in bytes, the largest alignment a mapping guarantees.
        page: usize,
    },
    /// A row log's rows start at a multiple of 64 bytes (after its `.npy` header): a row
    /// type aligned to more cannot be stored there. Refused before anything is opened.
    RowAlign {
        /// The row type, as `core::any::type_name` spells it.
        type_name: &'static str,
        /// Its alignment in bytes.
        align: usize,
        /// The largest alignment a row log's rows have.
        max: usize,
    },
    /// A claim on a shared row log could not be granted (too few rows are left).
    Claim(mmarray::claim::ClaimError),
    /// The claims header of a shared row log is missing, damaged or for other rows, or its
    /// region cannot hold it.
    ClaimHeader {
        /// The row log's file, when opened by path.
        path: Option<PathBuf>,
        /// What is wrong.
        error: mmarray::claim::SetupError,
    },
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
    /// The file is already open, or being opened, as a row log in this process — through this
    /// path or another one (a hard or symbolic link, `/proc/self/fd/N`: the file's device and
    /// inode decide). "Being opened": another thread's constructor holds the file from its
    /// `fstat` on, and may still fail (an `open` of a fresh, still empty file does), after
    /// which the file is free again.
    /// A second handle could change rows under the references the first one has handed out,
    /// so [`RowLog::create`](crate::RowLog::create), [`open`](crate::RowLog::open) and
    /// [`recover`](crate::RowLog::recover) refuse it before anything changes the file.
    /// Share the first handle instead (by reference, or in an [`Arc`](std::sync::Arc)), or
    /// drop it first.
    AlreadyOpen {
        /// The path the refused call was given.
        path: Option<PathBuf>,
        /// The path the handle that holds the file was opened by.
        first: PathBuf,
    },
    /// Writing elements through the file (`pwrite(2)`) failed part-way. The updates at
    /// positions `start..written_to` reached the file (and the map); those from `written_to`
    /// to `end` did not, except that the element at `written_to` may be partly written.
    /// [`source`](std::error::Error::source) gives the OS error.
    WriteFailed {
        /// The file, when known.
        path: Option<PathBuf>,
        /// The first position of the write (the smallest one of a batch).
        start: usize,
        /// The position up to which (exclusive) every update was written.
        written_to: usize,
        /// One past the last position of the write (the largest one of a batch).
        end: usize,
        /// The OS error.
        source: io::Error,
    },
    /// The running kernel does not offer a feature the call needs.
    Unsupported {
        /// The feature, e.g. `"madvise(2) MADV_POPULATE_READ"`.
        feature: &'static str,
        /// What offers it, e.g. `"Linux 5.14"`.
        since: &'static str,
    },
    /// The row log is in use by another process, and the call needs it alone:
    /// [`RowLog::create`](crate::RowLog::create) over an existing log, or
    /// [`RowLog::recover`](crate::RowLog::recover), found another process joined to it (the
    /// session lock, an open-file-description lock on the file, is shared by every joined
    /// process; Linux and Android). Nothing was changed.
    InUse {
        /// The file.
        path: Option<PathBuf>,
        /// What needed the log alone, e.g. `"create"`, `"recover"`.
        op: &'static str,
    },
    /// Every owner slot of the row log is held by a live process, or still names the claims
    /// of a dead one that are not closed yet. A process needs a slot from its first claim on
    /// (and one more for each `entries` claims it holds at once), and one to close a dead
    /// writer's hole; joining and reading need none. Nothing was changed.
    NoSlot {
        /// The file.
        path: Option<PathBuf>,
        /// The number of slots in the log.
        slots: u32,
    },
    /// Rows a caller waited for did not become durable in time
    /// ([`RowLog::flush_until`](crate::RowLog::flush_until),
    /// [`RowLog::flush_until_durable`](crate::RowLog::flush_until_durable)): the committed
    /// watermark is held below them by a hole whose owner is alive (or cannot be told alive or
    /// dead), or the rows were not committed yet.
    NotDurable {
        /// The file.
        path: Option<PathBuf>,
        /// The rows waited for: every row below this.
        wanted: u64,
        /// The durable watermark at the end of the wait.
        durable: u64,
        /// The hole at the committed watermark then, with its owner; `None` if there was none
        /// (the rows had not been committed).
        hole: Option<crate::row_log::Hole>,
    },
    /// An earlier write-back of this row log failed (the error was returned then): the
    /// kernel reports a lost page's write error only once, so this handle no longer reports
    /// any row durable. Check the device, then open the log again (rows the failed
    /// write-back covered may be lost after a crash; `recover` keeps the durable ones).
    WriteBackFailed {
        /// The file.
        path: Option<PathBuf>,
    },
    /// An `.npz` archive has no member of this name.
    #[cfg(feature = "npz")]
    NoSuchMember {
        /// The name asked for.
        name: String,
    },
    /// An archive member is compressed (`np.savez_compressed`): its bytes
    /// are not the array's, so they cannot be mapped.
    #[cfg(feature = "npz")]
    Compressed {
        /// The member's name in the archive.
        member: String,
        /// The zip compression method, e.g. `"deflate"`.
        method: &'static str,
    },
    /// The file is not a zip archive that can be read, or a member cannot
    /// be mapped for a reason of the zip format (e.g. it is encrypted).
    #[cfg(feature = "npz")]
    BadArchive {
        /// The archive, when known.
        path: Option<PathBuf>,
        /// What is wrong.
        reason: String,
    },
}

impl Error {
    /// Names `path` in the errors about a file that do not name one yet (those made by a
    /// conversion from a core error, or before the path was at hand).
    pub(crate) fn at_path(mut self, at: Option<&Path>) -> Error {
        if let (
            Error::Layout { path, .. }
            | Error::Header { path, .. }
            | Error::OffsetPastEnd { path, .. }
            | Error::PastEnd { path, .. }
            | Error::DataTruncated { path, .. }
            | Error::ClaimHeader { path, .. }
            | Error::WriteFailed { path, .. }
            | Error::AlreadyOpen { path, .. }
            | Error::InUse { path, .. }
            | Error::NoSlot { path, .. }
            | Error::NotDurable { path, .. }
            | Error::WriteBackFailed { path }
            | Error::NotAFile { path }
            | Error::Io { path, .. },
            Some(p),
        ) = (&mut self, at)
        {
            path.get_or_insert_with(|| p.to_path_buf());
        }
        self
    }

    /// A mapping-layer error in this crate's terms, for the map of `path` in `mode`.
    pub(crate) fn from_raw(e: raw::Error, path: Option<&Path>, mode: Mode) -> Error {
        let path = path.map(Path::to_path_buf);
        match e {
            raw::Error::Sys { call, errno } => Error::Io {
                op: call,
                path,
                source: errno.into(),
            },
            raw::Error::Overflow { .. } => Error::Layout {
                path,
                error: mmarray::Error::Overflow,
            },
            raw::Error::PastEnd { end, file_len } => Error::PastEnd {
                path,
                mode,
                end,
                len: file_len,
            },
            raw::Error::OutOfRange {
                start,
                len,
                region_len,
            } => Error::OutOfRange {
                start,
                end: start.saturating_add(len),
                len: region_len,
            },
            raw::Error::Misaligned { start, align } => Error::Layout {
                path,
                error: mmarray::Error::Misaligned {
                    offset: start as u64,
                    align,
                    size: align,
                },
            },
            raw::Error::Anonymous => Error::CannotGrow {
                reason: "an anonymous map has no file to map more of",
            },
            raw::Error::OtherFile => Error::CannotGrow {
                reason: "the descriptor is not the file the map was made from",
            },
            // Exhaustive (`#[non_exhaustive]` binds other crates only): a new raw error
            // must be given its own meaning here.
        }
    }
}

/// `"{path}: "` before a message about a file, or nothing when the path is not known.
struct In<'a>(&'a Option<PathBuf>);

impl fmt::Display for In<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(p) => write!(f, "{}: ", p.display()),
            None => Ok(()),
        }
    }
}

/// `"{path}"`, or `"the file"` when the path is not known (a descriptor).
struct Named<'a>(&'a Option<PathBuf>);

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(p) => write!(f, "{}", p.display()),
            None => f.write_str("the file"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Layout { path, error } => write!(f, "{}{error}", In(path)),
            Error::Header { path, error } => write!(f, "{}{error}", In(path)),
            Error::Io {
                op,
                path: Some(p),
                source: _,
            } => write!(f, "{op} failed for {}", p.display()),
            Error::Io {
                op,
                path: None,
                source: _,
            } => write!(f, "{op} failed"),
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
            Error::OffsetPastEnd { path, offset, len } => write!(
                f,
                "offset {offset} is past the end of {}, which has {len} bytes; \
                 give an offset of at most {len}, or a shape",
                Named(path)
            ),
            Error::PastEnd {
                path,
                mode,
                end,
                len,
            } => write!(
                f,
                "the array ends at byte {end} but {} has {len} bytes, and mode '{mode}' \
                 cannot extend it; give a smaller shape or offset, or open in mode 'r+'",
                Named(path)
            ),
            Error::NotAFile { path: Some(p) } => write!(
                f,
                "{} is not a regular file; map a regular file or block device",
                p.display()
            ),
            Error::NotAFile { path: None } => f.write_str(
                "the descriptor is not a regular file; map a regular file or block device",
            ),
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
            Error::DataTruncated { path, needed, len } => write!(
                f,
                "{} holds {len} bytes of data but its header says {needed}: the file is \
                 truncated, and mmarray maps no truncated file (numpy's r+ would extend it \
                 with zeros); restore the file or recreate it",
                Named(path)
            ),
            Error::Ragged { len, slice } => write!(
                f,
                "{len} elements are not whole slices of {slice} elements along the growth axis; \
                 give a multiple of {slice}"
            ),
            Error::CannotGrow { reason } => write!(f, "cannot grow the array: {reason}"),
            Error::AlignBeyondPage { align, page } => write!(
                f,
                "the element type is aligned to {align} bytes, more than a page ({page} bytes), \
                 and a mapping is only page-aligned; use an element type aligned to at most \
                 {page} bytes"
            ),
            Error::RowAlign {
                type_name,
                align,
                max,
            } => write!(
                f,
                "rows of {type_name} are aligned to {align} bytes, but a row log's rows start at \
                 a multiple of {max} bytes (after its .npy header); use a row type aligned to \
                 at most {max} bytes"
            ),
            Error::Claim(e) => e.fmt(f),
            // The core speaks of regions; a row log's file ends inside its claims region.
            Error::ClaimHeader {
                path,
                error: mmarray::claim::SetupError::TooShort { needed, actual },
            } => write!(
                f,
                "{} ends {actual} bytes into its {needed}-byte claims region (after the rows): \
                 it was cut short or is not a row log; open a file made by RowLog::create",
                Named(path)
            ),
            Error::ClaimHeader { path, error } => write!(f, "{}{error}", In(path)),
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
            Error::AlreadyOpen { path, first } => {
                write!(f, "{} is open (or being opened) as a row log in this process", Named(path))?;
                if path.as_ref() != Some(first) {
                    write!(f, " (opened as {})", first.display())?;
                }
                f.write_str(
                    ", and a second handle could change rows under the first one's \
                     references; share the first handle (by reference, or in an Arc), or drop \
                     it first",
                )
            }
            Error::WriteFailed {
                path,
                start,
                written_to,
                end,
                source: _,
            } => {
                write!(f, "{}pwrite(2) failed: ", In(path))?;
                if written_to == start {
                    write!(f, "nothing of positions {start}..{end} was written")
                } else {
                    write!(
                        f,
                        "positions {start}..{written_to} were written, \
                         {written_to}..{end} were not (position {written_to} may be partly \
                         written); write {written_to}..{end} again once the cause is fixed"
                    )
                }
            }
            Error::Unsupported { feature, since } => write!(
                f,
                "the running kernel does not support {feature}, which needs {since} or later"
            ),
            Error::InUse { path, op } => write!(
                f,
                "{} is in use by another process joined to the row log, and {op} needs it \
                 alone; close the log in the other processes (or wait for them to exit) and \
                 try again, or join it with RowLog::open instead",
                Named(path)
            ),
            Error::NoSlot { path, slots } => write!(
                f,
                "all {slots} owner slots of {} are held by live processes or name claims of \
                 dead ones that are not closed yet; close row logs of the file in other \
                 processes (or hold fewer claims at once in this one), or let a reader or \
                 flush close the dead writers' holes and try again",
                Named(path)
            ),
            Error::NotDurable {
                path,
                wanted,
                durable,
                hole,
            } => {
                write!(f, "{}rows below {wanted} cannot become durable: ", In(path))?;
                match hole {
                    Some(hole) => write!(f, "{hole}; durable is {durable}"),
                    None => write!(
                        f,
                        "they were not all committed in time, and no claim holds the committed \
                         watermark back; durable is {durable}"
                    ),
                }
            }
            Error::WriteBackFailed { path } => write!(
                f,
                "{}an earlier write-back of this row log failed, and the kernel reports such a \
                 failure only once: this handle reports no more rows durable; check the \
                 device, then open the log again",
                In(path)
            ),
            #[cfg(feature = "npz")]
            Error::NoSuchMember { name } => write!(
                f,
                "the archive has no member '{name}' (nor '{name}.npy'); \
                 give the name of one of its members"
            ),
            #[cfg(feature = "npz")]
            Error::Compressed { member, method } => write!(
                f,
                "archive member '{member}' is compressed ({method}) and cannot be mapped; \
                 only stored members can: write the archive with np.savez, not np.savez_compressed"
            ),
            #[cfg(feature = "npz")]
            Error::BadArchive {
                path: Some(p),
                reason,
            } => write!(
                f,
                "{} is not a zip archive that can be mapped: {reason}",
                p.display()
            ),
            #[cfg(feature = "npz")]
            Error::BadArchive { path: None, reason } => {
                write!(f, "not a zip archive that can be mapped: {reason}")
            }
        }
    }
}

impl std::error::Error for Error {
    /// The OS error of [`Error::Io`]; `None` otherwise: the core's errors are part of the
    /// message already, and have no source of their own.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::WriteFailed { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<mmarray::Error> for Error {
    fn from(error: mmarray::Error) -> Self {
        Error::Layout { path: None, error }
    }
}

impl From<mmarray::npy::Error> for Error {
    fn from(error: mmarray::npy::Error) -> Self {
        Error::Header { path: None, error }
    }
}

impl From<mmarray::claim::ClaimError> for Error {
    fn from(e: mmarray::claim::ClaimError) -> Self {
        Error::Claim(e)
    }
}

impl From<mmarray::claim::SetupError> for Error {
    fn from(error: mmarray::claim::SetupError) -> Self {
        Error::ClaimHeader { path: None, error }
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
        use io::ErrorKind as K;
        let kind = match &e {
            Error::Io { source, .. } | Error::WriteFailed { source, .. } => source.kind(),
            Error::Unsupported { .. } => K::Unsupported,
            Error::ReadOnly => K::PermissionDenied,
            // The file is fine; the type asked for does not fit it.
            Error::Header {
                error:
                    mmarray::npy::Error::RankMismatch { .. }
                    | mmarray::npy::Error::DataMisaligned { .. },
                ..
            } => K::InvalidInput,
            Error::Header { .. } | Error::DataTruncated { .. } | Error::ClaimHeader { .. } => {
                K::InvalidData
            }
            Error::Claim(_) => K::StorageFull,
            Error::AlreadyOpen { .. } | Error::InUse { .. } | Error::NoSlot { .. } => {
                K::ResourceBusy
            }
            Error::NotDurable { .. } => K::TimedOut,
            Error::WriteBackFailed { .. } => K::Other,
            Error::NotAFile { .. } => K::Unsupported,
            Error::Layout { .. }
            | Error::InvalidMode(_)
            | Error::ShapeRequired
            | Error::OffsetPastEnd { .. }
            | Error::PastEnd { .. }
            | Error::ModeMismatch { .. }
            | Error::OutOfRange { .. }
            | Error::Ragged { .. }
            | Error::CannotGrow { .. }
            | Error::AlignBeyondPage { .. }
            | Error::RowAlign { .. }
            | Error::Recover(_)
            | Error::NotStalled { .. } => K::InvalidInput,
            #[cfg(feature = "npz")]
            Error::BadArchive { .. } => K::InvalidData,
            #[cfg(feature = "npz")]
            Error::NoSuchMember { .. } => K::NotFound,
            #[cfg(feature = "npz")]
            Error::Compressed { .. } => K::Unsupported,
        };
        io::Error::new(kind, e)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests;
