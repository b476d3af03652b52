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
#![allow(
    unsafe_code,
    reason = "a session start zero-fills the holes of the last session's dead writers"
)]

use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mmarray::Element;

use super::RowLog;
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
/// [`Error::InUse`] if another process is joined (or joining) for 100 ms; [`Error::Io`] if
/// `fcntl(2)` fails.
pub(crate) fn alone(fd: BorrowedFd<'_>, path: Option<&Path>, op: &'static str) -> Result<bool> {
    if !ofd::SUPPORTED {
        return Ok(false);
    }
    // A lock can outlive its log for a moment: a thread of the process that dropped it may
    // have been forking (a child shares the parent's descriptions until it execs and closes
    // them, `O_CLOEXEC`). So a refusal is retried for a short while before it counts.
    let mut wait = Duration::from_millis(1);
    let mut waited = Duration::ZERO;
    loop {
        if ofd::try_lock(fd, LOCKS, Kind::Write).map_err(io("fcntl(2) F_OFD_SETLK", path))? {
            return Ok(true);
        }
        if waited >= IN_USE_AFTER {
            return Err(Error::InUse {
                path: path.map(Path::to_path_buf),
                op,
            });
        }
        std::thread::sleep(wait);
        waited += wait;
        wait = (wait * 2).min(IN_USE_AFTER / 4);
    }
}

/// How long [`alone`] retries a refused session lock before it reports [`Error::InUse`].
const IN_USE_AFTER: Duration = Duration::from_millis(100);

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
    /// Stored and different (or none stored): the machine may have crashed since; only what
    /// `flush` made durable is known to be on disk.
    Other,
    /// This machine's boot id cannot be read (no `/proc`, a sandbox): a machine crash cannot
    /// be told from a process crash.
    Unknown,
}

/// Compares the boot id stored in the region's words 10 and 11 with this boot's.
pub(crate) fn boot(words: &[AtomicU64; 2]) -> Boot {
    let stored = stored_boot(words);
    match process::boot_id() {
        Some(now) if stored == now => Boot::Same,
        Some(_) => Boot::Other,
        None => Boot::Unknown,
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

/// What opening a log found and did about the last session's holes: returned by
/// [`RowLog::recover`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Recovered {
    /// Committed rows after recovery (valid or void): every row whose commit returned, on
    /// the same boot; the durable rows after a reboot.
    pub kept: u64,
    /// Rows of dead writers' holes made void (zeros, skipped by readers that use validity).
    pub closed: u64,
    /// Rows dropped by a rewind to the durable watermark (after a reboot: rows above it may
    /// not be on disk); they are claimed again.
    pub rewound: u64,
}

/// Why a handle joins its log's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Start {
    /// `create`: the header is fresh; nothing to repair.
    Fresh,
    /// `open`: repair only if alone (the first joiner of an idle log).
    Join,
    /// `recover`: alone by construction; repair.
    Recover,
}

impl<T: Element + Send + Sync> RowLog<T> {
    /// Finishes joining through `file` (the log's own descriptor, which keeps this process's
    /// locks from now on): the session start if this process is alone ([`Joined::Alone`]), the
    /// conversion of its session lock to a shared one, and a close pass over dead writers'
    /// holes. No owner slot is taken here: a process takes its first when it first claims
    /// (or closes a dead writer's hole, whose `closer` word names a slot), so a reader holds
    /// none (`slots.rs`).
    ///
    /// Session start (§8): on the same boot as the last session, every hole is closed (all
    /// other participants are gone: the exclusive lock proves it) and every committed row is
    /// kept; after a reboot, or where the boot cannot be told, the log is rewound to its
    /// durable watermark (rows above it may not have reached the disk). Without OFD locks,
    /// `open` repairs nothing and `recover` rewinds, as the caller's promise allows.
    pub(super) fn join_session(
        &mut self,
        file: File,
        joined: Joined,
        start: Start,
    ) -> Result<Recovered> {
        let mut report = Recovered::default();
        let repair = match (joined, start) {
            (_, Start::Fresh) | (Joined::Shared, _) | (Joined::Untracked, Start::Join) => None,
            (Joined::Alone, _) | (Joined::Untracked, Start::Recover) => {
                Some(self.boot_words().map_or(Boot::Other, boot))
            }
        };
        match (repair, start) {
            (Some(Boot::Same), _) => report.closed = self.close_all(),
            // An `open` that cannot tell the boot keeps every committed row (closing holes):
            // rewinding would drop rows whose commit returned on a machine that may never
            // have crashed. An explicit `recover` rewinds (the caller asked for the
            // machine-crash repair).
            (Some(Boot::Unknown), Start::Join) => report.closed = self.close_all(),
            (Some(Boot::Other | Boot::Unknown), _) => report.rewound = self.rewind()?,
            (None, _) => {}
        }
        if joined == Joined::Alone
            && let Some(words) = self.boot_words()
        {
            store_boot(words);
        }
        if joined == Joined::Alone {
            share(file.as_fd(), self.path.as_deref())?;
        }
        self.file = Some(file);
        self.close_pass(true);
        report.kept = self.claims.committed();
        Ok(report)
    }

    /// The region's boot-id words (10 and 11).
    fn boot_words(&self) -> Option<&AtomicU64Pair> {
        Some(self.claims.store().boot_id())
    }

    /// Closes every hole (alone: every other participant is gone), keeping every committed
    /// row; returns the rows made void.
    fn close_all(&mut self) -> u64 {
        let (claims, map, layout) = (&mut self.claims, &self.map, &self.layout);
        claims.close_all(|rows| {
            // SAFETY: `zero_rows` needs that nothing else accesses these rows' bytes. This
            // process holds the session lock exclusively (`Joined::Alone`, or the caller of
            // `recover` promised it where there are no OFD locks): no other process has joined
            // the log, and every earlier participant is gone. In this process, `&mut self`
            // proves that no guard or slice of this handle is alive (and the registry allows
            // no other handle). `map` is this log's writable map, laid out by `layout`.
            unsafe { super::live::zero_rows(map, layout, rows) }
        })
    }

    /// Rewinds to the durable watermark; returns the rows dropped. Every earlier participant
    /// is gone (the caller holds the session alone): their announcements and their holds on
    /// the `closer` and header-writer words are cleared with it, so no hole is blamed on them
    /// and their slots can be taken again.
    fn rewind(&mut self) -> Result<u64> {
        self.claims.advance_committed();
        let durable = self.claims.durable();
        let dropped = self.claims.truncate(durable)?;
        self.claims.forget_owners();
        self.claims
            .store()
            .header_writer()
            .store(0, Ordering::Release);
        Ok(dropped.end - dropped.start)
    }
}

/// The two boot-id words.
type AtomicU64Pair = [AtomicU64; 2];

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
