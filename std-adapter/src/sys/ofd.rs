//! Open-file-description (OFD) locks on single bytes of a file (`fcntl(2)` with
//! `F_OFD_SETLK`, `F_OFD_SETLKW`, `F_OFD_GETLK`; Linux ≥ 3.15 and Android, 64-bit targets).
//!
//! The row log's liveness rests on them (design `docs/row-log-v2.md` §2.3): a process holds a
//! write lock on one byte per owner slot, and a shared lock on the session byte, through the
//! log's own descriptor; anyone probes a byte with `F_OFD_GETLK`. A process without a slot
//! holds the [`HEADER_WRITER`] byte while it rewrites the `.npy` header.
//!
//! # Why OFD locks, and why `libc`
//!
//! An OFD lock belongs to the open file description, not to the process: it is released only
//! when the last descriptor of that description is closed — by `close`, or by the kernel at
//! exit, after the process's address space is gone (`exit_mm` before `exit_files` in
//! `do_exit`). Classic POSIX `F_SETLK` locks are owned by the process and dropped when *any*
//! descriptor of the file is closed by it (a `std::fs::read` of the log would make a live
//! writer look dead); they are not used. rustix 1.1 offers only the classic commands
//! (`fs::fcntl_lock` issues `F_SETLK`/`F_SETLKW` on the whole file), so this file calls
//! `libc::fcntl` — the only use of the `libc` crate, a Linux/Android-only dependency.
//!
//! # Offsets
//!
//! The lock bytes lie far beyond any file's end ([`LOCKS`] = 2^62), where nothing is ever
//! read or written: a lock is a record in the kernel, not file data, and may cover bytes past
//! the end of the file. 64-bit targets only: there `off_t` (`l_start`) is 64 bits wide.
//!
//! # Other targets
//!
//! Elsewhere every function returns `ENOSYS` ([`SUPPORTED`] is `false`): callers
//! report liveness as unknown (never dead) and take no session lock.

use rustix::fd::AsFd;
#[cfg(doc)]
use rustix::io::Errno;
use rustix::io::Result;

/// The first lock byte: the session byte. Slot `i`'s byte is `LOCKS + 1 + i`.
pub(crate) const LOCKS: u64 = 1 << 62;

/// The byte before the session byte: held by a process that holds no owner slot while it
/// holds the row log's `.npy` header-writer word (`row_log/npy.rs`), so that others can tell
/// whether it still lives.
pub(crate) const HEADER_WRITER: u64 = LOCKS - 1;

/// Whether OFD locks are available on this target (Linux and Android, 64-bit).
pub(crate) const SUPPORTED: bool = cfg!(all(
    any(target_os = "linux", target_os = "android"),
    target_pointer_width = "64"
));

/// The kind of an OFD lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Shared (`F_RDLCK`): any number of open file descriptions hold it at once.
    Read,
    /// Exclusive (`F_WRLCK`): no other open file description holds any lock on the byte.
    Write,
}

#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    target_pointer_width = "64"
))]
mod imp {
    #![allow(
        unsafe_code,
        reason = "libc::fcntl with the OFD lock commands, which rustix does not offer"
    )]

    use super::Kind;
    use rustix::fd::{AsFd, AsRawFd};
    use rustix::io::{Errno, Result};

    /// A `struct flock` for one byte at `byte` (`SEEK_SET`), of type `l_type`. `l_pid` must be
    /// 0 for the OFD commands (the kernel answers `EINVAL` otherwise).
    fn one_byte(byte: u64, l_type: libc::c_int) -> Result<libc::flock> {
        let l_start = libc::off_t::try_from(byte).map_err(|_| Errno::OVERFLOW)?;
        // SAFETY: `libc::flock` is a plain C struct of integers (plus, on some targets,
        // integer padding fields), for which all-zero bytes are a valid value; zeroing it
        // also leaves any such padding zero, as the kernel expects.
        let mut lock: libc::flock = unsafe { core::mem::zeroed() };
        // `l_type` and `l_whence` are `c_short`; the constants are small.
        lock.l_type = l_type as libc::c_short;
        lock.l_whence = libc::SEEK_SET as libc::c_short;
        lock.l_start = l_start;
        lock.l_len = 1;
        Ok(lock)
    }

    fn l_type(kind: Kind) -> libc::c_int {
        match kind {
            Kind::Read => libc::F_RDLCK,
            Kind::Write => libc::F_WRLCK,
        }
    }

    /// `fcntl(fd, cmd, &mut lock)`, the error as an [`Errno`].
    fn fcntl<Fd: AsFd>(fd: Fd, cmd: libc::c_int, lock: &mut libc::flock) -> Result<()> {
        let raw = fd.as_fd().as_raw_fd();
        // SAFETY: `fcntl` with `F_OFD_SETLK`, `F_OFD_SETLKW` or `F_OFD_GETLK` (the only
        // commands this module passes) reads the `struct flock` its third argument points to
        // and, for `F_OFD_GETLK`, writes one back; `lock` is a valid, exclusively borrowed
        // `libc::flock` for the whole call. `raw` is an open descriptor, borrowed for the call
        // (`AsFd`). These commands touch no memory of this process besides `*lock`: they
        // change or report the kernel's lock records of the file, nothing else.
        let rc = unsafe { libc::fcntl(raw, cmd, core::ptr::from_mut(lock)) };
        if rc == -1 {
            let raw = std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO);
            Err(Errno::from_raw_os_error(raw))
        } else {
            Ok(())
        }
    }

    pub(super) fn try_lock<Fd: AsFd>(fd: Fd, byte: u64, kind: Kind) -> Result<bool> {
        let mut lock = one_byte(byte, l_type(kind))?;
        match fcntl(fd, libc::F_OFD_SETLK, &mut lock) {
            Ok(()) => Ok(true),
            // A conflicting lock of another open file description (fcntl(2): `EAGAIN`, or
            // `EACCES` on some systems).
            Err(Errno::AGAIN | Errno::ACCESS) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(super) fn lock_wait<Fd: AsFd>(fd: Fd, byte: u64, kind: Kind) -> Result<()> {
        let mut lock = one_byte(byte, l_type(kind))?;
        loop {
            match fcntl(fd.as_fd(), libc::F_OFD_SETLKW, &mut lock) {
                Err(Errno::INTR) => {}
                other => return other,
            }
        }
    }

    pub(super) fn unlock<Fd: AsFd>(fd: Fd, byte: u64) -> Result<()> {
        let mut lock = one_byte(byte, libc::F_UNLCK)?;
        fcntl(fd, libc::F_OFD_SETLK, &mut lock)
    }

    pub(super) fn probe<Fd: AsFd>(fd: Fd, byte: u64) -> Result<bool> {
        // Asking about a write lock finds any lock of another description, read or write.
        let mut lock = one_byte(byte, libc::F_WRLCK)?;
        fcntl(fd, libc::F_OFD_GETLK, &mut lock)?;
        Ok(i32::from(lock.l_type) != libc::F_UNLCK)
    }
}

#[cfg(not(all(
    any(target_os = "linux", target_os = "android"),
    target_pointer_width = "64"
)))]
mod imp {
    use super::Kind;
    use rustix::fd::AsFd;
    use rustix::io::{Errno, Result};

    pub(super) fn try_lock<Fd: AsFd>(_: Fd, _: u64, _: Kind) -> Result<bool> {
        Err(Errno::NOSYS)
    }

    pub(super) fn lock_wait<Fd: AsFd>(_: Fd, _: u64, _: Kind) -> Result<()> {
        Err(Errno::NOSYS)
    }

    pub(super) fn unlock<Fd: AsFd>(_: Fd, _: u64) -> Result<()> {
        Err(Errno::NOSYS)
    }

    pub(super) fn probe<Fd: AsFd>(_: Fd, _: u64) -> Result<bool> {
        Err(Errno::NOSYS)
    }
}

/// Tries to take a `kind` lock on byte `byte` of `fd`'s open file description without
/// waiting (`F_OFD_SETLK`). `Ok(false)` if another open file description holds a conflicting
/// lock. Taking a lock of the other kind on a byte this description holds converts it
/// atomically (a write lock becomes a read lock without a moment unlocked).
///
/// # Errors
///
/// The `fcntl` error; [`Errno::NOSYS`] where OFD locks are not available.
pub(crate) fn try_lock<Fd: AsFd>(fd: Fd, byte: u64, kind: Kind) -> Result<bool> {
    imp::try_lock(fd, byte, kind)
}

/// Takes a `kind` lock on byte `byte`, waiting while another open file description holds a
/// conflicting one (`F_OFD_SETLKW`; interrupted waits are resumed).
///
/// # Errors
///
/// The `fcntl` error; [`Errno::NOSYS`] where OFD locks are not available.
pub(crate) fn lock_wait<Fd: AsFd>(fd: Fd, byte: u64, kind: Kind) -> Result<()> {
    imp::lock_wait(fd, byte, kind)
}

/// Releases this description's lock on byte `byte` (none held: nothing happens).
///
/// # Errors
///
/// The `fcntl` error; [`Errno::NOSYS`] where OFD locks are not available.
pub(crate) fn unlock<Fd: AsFd>(fd: Fd, byte: u64) -> Result<()> {
    imp::unlock(fd, byte)
}

/// Whether another open file description holds a lock (of either kind) on byte `byte`
/// (`F_OFD_GETLK`). This description's own locks are never reported.
///
/// # Errors
///
/// The `fcntl` error; [`Errno::NOSYS`] where OFD locks are not available.
pub(crate) fn probe<Fd: AsFd>(fd: Fd, byte: u64) -> Result<bool> {
    imp::probe(fd, byte)
}

#[cfg(all(test, target_os = "linux", target_pointer_width = "64"))]
mod tests;
