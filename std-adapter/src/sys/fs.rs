//! The file side of the operating-system layer: `fstat(2)`, `fcntl(2)`, `ftruncate(2)`,
//! `pwrite(2)`, `fallocate(2)`, `fsync(2)`/`fdatasync(2)`. None of these takes an address,
//! so none is `unsafe`; `pwrite` changes file bytes that a shared mapping shows, which its
//! caller makes sound by holding `&mut` to the one map (see `Memmap::write_at`).

use rustix::fd::AsFd;
use rustix::fs::FileType;
use rustix::io::{Errno, Result};

/// The identity of a file: its device and inode numbers from `fstat(2)`.
///
/// Two open file descriptions with equal identities refer to the same file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FileId {
    /// `st_dev`, widened losslessly (its C type differs between platforms).
    dev: i128,
    /// `st_ino`, widened losslessly.
    ino: i128,
}

/// What `fstat(2)` reports about an open file, reduced to what mapping needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileStat {
    /// The file's length in bytes (`st_size`).
    pub(crate) len: u64,
    /// Whether the file is a regular file; only then does `len` bound what may be mapped.
    pub(crate) is_regular: bool,
    /// Whether the file is a directory, which cannot be mapped.
    pub(crate) is_dir: bool,
    /// The file's identity.
    pub(crate) id: FileId,
}

/// Length, type and identity of an open file (`fstat(2)`).
///
/// # Errors
///
/// The `fstat` error; [`Errno::OVERFLOW`] if the kernel reports a negative size.
pub(crate) fn stat<Fd: AsFd>(file: Fd) -> Result<FileStat> {
    let st = rustix::fs::fstat(file)?;
    let len = u64::try_from(st.st_size).map_err(|_| Errno::OVERFLOW)?;
    Ok(FileStat {
        len,
        is_regular: FileType::from_raw_mode(st.st_mode) == FileType::RegularFile,
        is_dir: FileType::from_raw_mode(st.st_mode) == FileType::Directory,
        id: FileId {
            dev: i128::from(st.st_dev),
            ino: i128::from(st.st_ino),
        },
    })
}

/// Whether an open file description can back a shared writable mapping: it must be open
/// for reading and writing (`O_RDWR`, via `fcntl(2)` `F_GETFL`). A write-only descriptor
/// is refused too, since `mmap(2)` needs read access (`EACCES` otherwise). The second
/// value is whether it is in append mode (`O_APPEND`), where `pwrite(2)` ignores its offset
/// on Linux and writes at the end of the file.
///
/// # Errors
///
/// The `fcntl` error, e.g. [`Errno::BADF`].
pub(crate) fn is_writable<Fd: AsFd>(file: Fd) -> Result<(bool, bool)> {
    let flags = rustix::fs::fcntl_getfl(file)?;
    let rdwr = flags & rustix::fs::OFlags::RWMODE == rustix::fs::OFlags::RDWR;
    Ok((rdwr, flags.contains(rustix::fs::OFlags::APPEND)))
}

/// Sets the length of an open file (`ftruncate(2)`).
///
/// Growing makes a sparse tail that reads as zeros (no `fallocate`). Shrinking a file that
/// is mapped anywhere makes access to the cut-off pages raise `SIGBUS`: the caller decides
/// whether that is allowed.
///
/// # Errors
///
/// The `ftruncate` error, e.g. [`Errno::BADF`] or [`Errno::INVAL`] if the file is not open
/// for writing, [`Errno::FBIG`] if `len` is too large for the file system.
pub(crate) fn set_len<Fd: AsFd>(file: Fd, len: u64) -> Result<()> {
    rustix::fs::ftruncate(file, len)
}

/// Writes all of `buf` to `file` at byte `offset` (`pwrite(2)`), retrying short writes and
/// `EINTR`; the file position is neither used nor moved.
///
/// Only the file-system blocks holding the bytes become dirty in the page cache, and every
/// shared mapping of the file shows the new bytes when this returns: Linux (like the BSDs
/// and macOS) has one page cache, whose pages both `pwrite(2)` and `MAP_SHARED` mappings
/// use, so there is no second copy to bring up to date.
///
/// # Errors
///
/// `(written, errno)`: the bytes of `buf` written before the call failed (a prefix), and
/// the error, e.g. [`Errno::NOSPC`], [`Errno::IO`], [`Errno::BADF`] if the file is not open
/// for writing; [`Errno::IO`] also stands for a write that kept returning 0.
pub(crate) fn write_at<Fd: AsFd>(
    file: Fd,
    buf: &[u8],
    offset: u64,
) -> core::result::Result<(), (usize, Errno)> {
    let mut done = 0;
    while done < buf.len() {
        let at = u64::try_from(done)
            .ok()
            .and_then(|d| offset.checked_add(d))
            .ok_or((done, Errno::FBIG))?;
        #[cfg(test)]
        super::calls::count(&super::calls::PWRITE);
        match rustix::io::pwrite(file.as_fd(), &buf[done..], at) {
            Ok(0) => return Err((done, Errno::IO)),
            Ok(n) => done += n,
            Err(Errno::INTR) => {}
            Err(e) => return Err((done, e)),
        }
    }
    Ok(())
}

/// Waits until the file's written data (not metadata that reading does not need) is on the
/// storage device (`fdatasync(2)`; `fsync(2)` where there is no `fdatasync`).
///
/// # Errors
///
/// The `fdatasync` error, e.g. [`Errno::IO`] when writing back failed.
pub(crate) fn sync_data<Fd: AsFd>(file: Fd) -> Result<()> {
    #[cfg(test)]
    super::calls::count(&super::calls::FDATASYNC);
    #[cfg(any(target_vendor = "apple", target_os = "dragonfly"))]
    return rustix::fs::fsync(file);
    #[cfg(not(any(target_vendor = "apple", target_os = "dragonfly")))]
    rustix::fs::fdatasync(file)
}

// ---------------------------------------------------------------------------------------
// Preallocation and syncing a file (issue 11: growth that fails for lack of space fails as
// an error, not as a SIGBUS; durable creation and growth).

/// Allocates the blocks of bytes `[offset, offset + len)` of a file, extending it when the
/// range ends past its end (`fallocate(2)` with mode 0). The new bytes read as zeros; bytes
/// already there are kept. Afterwards, writing those bytes through a mapping needs no more
/// space (on file systems that overwrite in place), so a full disk or quota is reported
/// here and not by a `SIGBUS` on a later store.
///
/// # Errors
///
/// The `fallocate` error: [`Errno::NOSPC`] or [`Errno::DQUOT`] when there is no room,
/// [`Errno::FBIG`] past the file system's (or `RLIMIT_FSIZE`'s) size limit,
/// [`Errno::OPNOTSUPP`] where the file system cannot preallocate (and, on targets without
/// `fallocate(2)`, always).
pub(crate) fn preallocate<Fd: AsFd>(file: Fd, offset: u64, len: u64) -> Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        rustix::fs::fallocate(file, rustix::fs::FallocateFlags::empty(), offset, len)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = (file.as_fd(), offset, len);
        Err(Errno::OPNOTSUPP)
    }
}

/// Writes a file's data (and, when `all`, all of its metadata) to the disk and waits
/// (`fdatasync(2)`, or `fsync(2)` when `all`). `fdatasync` also writes the metadata needed
/// to read the data back, such as a changed length.
///
/// # Errors
///
/// The `fsync`/`fdatasync` error, e.g. [`Errno::IO`].
pub(crate) fn sync_file<Fd: AsFd>(file: Fd, all: bool) -> Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if !all {
        return rustix::fs::fdatasync(file);
    }
    // Elsewhere `fsync` serves for both.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = all;
    rustix::fs::fsync(file)
}
