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

    /// Whether the file was created by this call (and is removed unless kept).
    pub(crate) fn is_new(&self) -> bool {
        self.0.is_some()
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

/// Opens `path` to be overwritten with `end` bytes of new contents, as numpy's `'w+'`:
/// creates it if missing (removed again unless the guard is kept), refuses anything but a
/// regular file, and empties it with [`empty_for`] (grown first, so that a size the file
/// system refuses fails before the old contents are gone). Returns the emptied file, the
/// guard and its status before emptying.
pub(crate) fn create_emptied(path: &Path, end: u64) -> Result<(File, NewFile<'_>, sys::FileStat)> {
    let (file, created, st) = open_to_overwrite(path)?;
    empty_for(std::os::fd::AsFd::as_fd(&file), &st, end, Some(path))?;
    Ok((file, created, st))
}

/// The first half of [`create_emptied`], for callers that check the file between opening and
/// emptying it (a row log refuses a file this process holds already): opens or creates
/// `path` without changing an existing file, and refuses anything but a regular file.
/// Returns the file, the guard and its status.
pub(crate) fn open_to_overwrite(path: &Path) -> Result<(File, NewFile<'_>, sys::FileStat)> {
    let (file, created) = open_or_create(path)?;
    let st = sys::stat(&file).map_err(errno("fstat", Some(path)))?;
    if !st.is_regular {
        return Err(Error::NotAFile {
            path: Some(path.to_path_buf()),
        });
    }
    Ok((file, created, st))
}

/// Makes room in a file of `len` bytes for the bytes `[from, end)`: preallocates them
/// (`fallocate(2)`, which extends the file when `end` is past its end), so that a lack of
/// space is an error now (`ENOSPC`, `EDQUOT`, `EFBIG`) and not a `SIGBUS` when a page of
/// the map is first written; or, with `sparse` or where the file system cannot preallocate
/// (`EOPNOTSUPP`), extends the file sparsely (`ftruncate(2)`). Never shrinks the file. On
/// error the file's length is `len` again.
pub(crate) fn extend(
    fd: BorrowedFd<'_>,
    len: u64,
    from: u64,
    end: u64,
    sparse: bool,
    path: Option<&Path>,
) -> Result<()> {
    if !sparse && end > from {
        match sys::preallocate(fd, from, end - from) {
            Ok(()) => return Ok(()),
            Err(e) if e == sys::Errno::OPNOTSUPP || e == sys::Errno::NOSYS => {}
            Err(e) => {
                // A failed preallocation may have extended the file part of the way.
                if end > len {
                    let _ = sys::set_len(fd, len);
                }
                return Err(errno("fallocate", path)(e));
            }
        }
    }
    if end > len {
        sys::set_len(fd, end).map_err(errno("ftruncate", path))?;
    }
    Ok(())
}

/// Syncs the directory that holds `path` (`fsync(2)` on it), so that a file just created
/// there survives a power loss: syncing the file itself does not write its name.
pub(crate) fn sync_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("fsync directory", Some(dir)))
}
