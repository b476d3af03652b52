//! The session lock of a file-backed row log, and the boot id that tells a process crash
//! from a machine crash (design `docs/row-log-v2.md` §8).
//!
//! Every process joined to a log holds a **read** OFD lock on the session byte (`LOCKS + 0`)
//! through the log's own descriptor, for as long as its `RowLog` lives. A joiner first tries
//! the **write** lock: if it gets it, no other process is joined, so it runs *session start*
//! alone (closing every hole of the dead participants, or rewinding after a reboot) and then
//! converts its lock to a read lock — atomically, so no other joiner can slip in between.
//! If the write lock is refused, someone is joined: the joiner waits for the read lock, which
//! is granted at once unless another joiner is in its session start.
//!
//! `create` over an existing log and an explicit `recover` need the log alone: they take the
//! write lock and fail with [`Error::InUse`] if it is refused.
//!
//! Without OFD locks (targets other than Linux and Android, 64-bit) there is no session:
//! [`join`] answers [`Joined::Untracked`] and the callers keep the promises of the unsafe
//! contract (no other process runs `create` or `recover`), as before.

use std::os::fd::BorrowedFd;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::sys::ofd::{self, Kind, LOCKS};
use crate::sys::process;

/// How this process joined a log's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Joined {
    /// This process holds the write lock: no other process is joined. Run session start,
    /// then [`share`].
    Alone,
    /// Other processes are joined; this one holds a read lock.
    Shared,
    /// This target has no OFD locks: no session is tracked.
    Untracked,
}

fn io<'p>(op: &'static str, path: Option<&'p Path>) -> impl Fn(rustix::io::Errno) -> Error + 'p {
    move |e| Error::Io {
        op,
        path: path.map(Path::to_path_buf),
        source: e.into(),
    }
}

/// Joins the session of the log open as `fd`: the write lock if nobody else is joined
/// ([`Joined::Alone`]), else a read lock, waiting while another joiner runs its session start.
///
/// # Errors
///
/// [`Error::Io`] if `fcntl(2)` fails.
pub(crate) fn join(fd: BorrowedFd<'_>, path: Option<&Path>) -> Result<Joined> {
    if !ofd::SUPPORTED {
        return Ok(Joined::Untracked);
    }
    if ofd::try_lock(fd, LOCKS, Kind::Write).map_err(io("fcntl(2) F_OFD_SETLK", path))? {
        return Ok(Joined::Alone);
    }
    ofd::lock_wait(fd, LOCKS, Kind::Read).map_err(io("fcntl(2) F_OFD_SETLKW", path))?;
    Ok(Joined::Shared)
}

/// Takes the session alone for `op` (`create` over an existing log, `recover`).
/// Returns `false` on targets without OFD locks (the caller's promise stands in).
///
/// # Errors
///
/// [`Error::InUse`] if another process is joined (or joining); [`Error::Io`] if `fcntl(2)`
/// fails.
pub(crate) fn alone(fd: BorrowedFd<'_>, path: Option<&Path>, op: &'static str) -> Result<bool> {
    if !ofd::SUPPORTED {
        return Ok(false);
    }
    if ofd::try_lock(fd, LOCKS, Kind::Write).map_err(io("fcntl(2) F_OFD_SETLK", path))? {
        Ok(true)
    } else {
        Err(Error::InUse {
            path: path.map(Path::to_path_buf),
            op,
        })
    }
}

/// Turns this process's write lock on the session into a read lock, atomically (other
/// joiners waiting for a read lock then get theirs). Nothing on targets without OFD locks.
///
/// # Errors
///
/// [`Error::Io`] if `fcntl(2)` fails.
pub(crate) fn share(fd: BorrowedFd<'_>, path: Option<&Path>) -> Result<()> {
    if !ofd::SUPPORTED {
        return Ok(());
    }
    // Converting our own lock never conflicts: `true` unless the kernel fails.
    if ofd::try_lock(fd, LOCKS, Kind::Read).map_err(io("fcntl(2) F_OFD_SETLK", path))? {
        Ok(())
    } else {
        Err(io("fcntl(2) F_OFD_SETLK", path)(rustix::io::Errno::DEADLK))
    }
}

/// What the stored boot id says about the last session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Boot {
    /// Stored and equal to this boot's: the page cache holds everything the last session's
    /// processes wrote — keep every committed row.
    Same,
    /// Stored and different (or none stored, or this machine has no boot id): the machine
    /// may have crashed since; only what `flush` made durable is known to be on disk.
    Other,
}

/// Compares the boot id stored in the region's words 10 and 11 with this boot's.
pub(crate) fn boot(words: &[AtomicU64; 2]) -> Boot {
    let stored = stored_boot(words);
    match process::boot_id() {
        Some(now) if stored == now => Boot::Same,
        _ => Boot::Other,
    }
}

/// Stores this boot's id in words 10 and 11 (low half first); 0 where there is none.
pub(crate) fn store_boot(words: &[AtomicU64; 2]) {
    let id = process::boot_id().unwrap_or(0);
    words[0].store(id as u64, Ordering::Release);
    words[1].store((id >> 64) as u64, Ordering::Release);
}

/// The boot id stored in words 10 and 11 (0: none).
pub(crate) fn stored_boot(words: &[AtomicU64; 2]) -> u128 {
    u128::from(words[0].load(Ordering::Acquire))
        | u128::from(words[1].load(Ordering::Acquire)) << 64
}

#[cfg(all(test, target_os = "linux", target_pointer_width = "64"))]
mod tests {
    use super::*;
    use std::fs::File;
    use std::os::fd::AsFd;

    fn open(path: &Path) -> File {
        File::options().read(true).write(true).open(path).unwrap()
    }

    #[test]
    fn the_first_joiner_is_alone_later_ones_share_and_alone_is_refused_while_joined() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path();
        let (a, b, c) = (open(path), open(path), open(path));
        assert_eq!(join(a.as_fd(), Some(path)).unwrap(), Joined::Alone);
        // While `a` runs session start, `alone` is refused to others.
        assert!(matches!(
            alone(c.as_fd(), Some(path), "recover"),
            Err(Error::InUse { op: "recover", .. })
        ));
        share(a.as_fd(), Some(path)).unwrap();
        assert_eq!(join(b.as_fd(), Some(path)).unwrap(), Joined::Shared);
        let err = alone(c.as_fd(), Some(path), "create").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&path.display().to_string()) && text.contains("create needs it alone"),
            "{text}"
        );
        drop((a, b));
        assert!(
            alone(c.as_fd(), Some(path), "recover").unwrap(),
            "nobody else"
        );
        // And a later joiner waits for `c` to share.
        let d = open(path);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| join(d.as_fd(), Some(path)));
            std::thread::sleep(std::time::Duration::from_millis(30));
            assert!(!waiter.is_finished());
            share(c.as_fd(), Some(path)).unwrap();
            assert_eq!(waiter.join().unwrap().unwrap(), Joined::Shared);
        });
    }

    #[test]
    fn the_boot_id_round_trips_and_a_foreign_one_is_another_boot() {
        let words = [AtomicU64::new(0), AtomicU64::new(0)];
        let w = &words;
        assert_eq!(boot(w), Boot::Other, "none stored");
        store_boot(w);
        assert_eq!(stored_boot(w), process::boot_id().unwrap());
        assert_eq!(boot(w), Boot::Same);
        words[1].fetch_xor(1, Ordering::Relaxed);
        assert_eq!(boot(w), Boot::Other, "another boot's id");
    }
}
