//! File helpers that the memmap, `.npy` and row-log openers share: opening without
//! truncating, creating with removal on failure, emptying a file safely, and turning OS and
//! mapping errors into [`Error`]s that name the operation and the file.

use std::fs::{File, OpenOptions};
use std::os::fd::BorrowedFd;
use std::path::Path;

use crate::error::{Error, Result};
use crate::mode::Mode;
use crate::raw;
use crate::sys;

pub(crate) fn io_err<'p>(
    op: &'static str,
    path: Option<&'p Path>,
) -> impl FnOnce(std::io::Error) -> Error + 'p {
    move |source| Error::Io {
        op,
        path: path.map(Path::to_path_buf),
        source,
    }
}

pub(crate) fn errno<'p>(
    op: &'static str,
    path: Option<&'p Path>,
) -> impl FnOnce(sys::Errno) -> Error + 'p {
    move |e| io_err(op, path)(e.into())
}

/// The raw layer's errors, in this crate's terms, for a map in `mode` of the file at `path`
/// ([`Error::from_raw`]).
pub(crate) fn raw_err(mode: Mode, path: Option<&Path>) -> impl FnOnce(raw::Error) -> Error + '_ {
    move |e| Error::from_raw(e, path, mode)
}

/// Empties a file (`st` is its status) that is about to receive `end` bytes of
/// new contents. When it is too short, it is grown first, so that a size the
/// file system refuses (EFBIG, EDQUOT, ...) fails before the old contents are
/// thrown away. An empty file needs neither step.
pub(crate) fn empty_for(
    fd: BorrowedFd<'_>,
    st: &sys::FileStat,
    end: u64,
    path: Option<&Path>,
) -> Result<()> {
    if st.len == 0 {
        return Ok(());
    }
    if st.is_regular && end > st.len {
        sys::set_len(fd, end).map_err(errno("ftruncate", path))?;
    }
    sys::set_len(fd, 0).map_err(errno("ftruncate", path))
}

/// Opens `path` for reading (and writing), never creating or truncating it;
/// a directory is [`Error::NotAFile`].
pub(crate) fn open_file(path: &Path, write: bool) -> Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(write);
    o.open(path).map_err(open_err(path))
}

fn open_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| match e.kind() {
        std::io::ErrorKind::IsADirectory => Error::NotAFile {
            path: Some(path.to_path_buf()),
        },
        _ => io_err("open", Some(path))(e),
    }
}

/// A file that this call created: removed again when dropped, unless
/// [`kept`](NewFile::keep) — so that an open that fails after creating its
/// file leaves no file behind (bad input never changes the file system).
pub(crate) struct NewFile<'p>(Option<&'p Path>);

impl NewFile<'_> {
    /// The operation succeeded: the file stays.
    pub(crate) fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for NewFile<'_> {
    fn drop(&mut self) {
        if let Some(p) = self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Opens `path` for reading and writing, creating it if it does not exist;
/// never truncates. The guard removes a file created here unless kept.
pub(crate) fn open_or_create(path: &Path) -> Result<(File, NewFile<'_>)> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create_new(true);
    match o.open(path) {
        Ok(f) => Ok((f, NewFile(Some(path)))),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok((open_file(path, true)?, NewFile(None)))
        }
        Err(e) => Err(open_err(path)(e)),
    }
}
