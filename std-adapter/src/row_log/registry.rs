//! One row-log handle per file per process: the registry of the files this process holds as
//! row logs, keyed by device and inode.
//!
//! # Why
//!
//! The soundness arguments of a [`RowLog`] speak of "the guards and slices of this process",
//! and they see them through one handle: [`RowLog::force_complete`] takes `&mut self` to
//! prove that no [`RowsMut`](super::RowsMut) and no slice of
//! [`committed_rows`](RowLog::committed_rows) is alive, and [`RowLog::create`] and
//! [`RowLog::recover`] rewrite the header and the rows on the ground that nothing of this
//! process points into them yet. A second handle of the same file would break each of these
//! without the borrow checker seeing it: its `force_complete` zero-fills rows under a live
//! `RowsMut` (`&mut [T]`) of the first, its `recover` rewrites committed rows under a live
//! `&[T]`, its `create` moves the watermark backwards under readers. So the constructors that
//! map a file refuse a file this process already holds as a row log
//! ([`Error::AlreadyOpen`]); with one handle per file, the borrows of that handle speak for
//! all of this process, and the `unsafe` contracts are left with what no process can check
//! for another: other processes, and access to the file other than through row logs.
//!
//! # How
//!
//! A file is known by its identity, `st_dev` and `st_ino` of the descriptor being opened
//! (`fstat(2)`), not by the path that reached it: the same path, another spelling of it, a
//! hard link, a symbolic link and `/proc/self/fd/N` all find the same entry. The check and
//! the insertion happen under one lock, so of several threads opening one file at once
//! exactly one gets it. The entry lives in a [`Registration`], which the constructor takes
//! right after its `fstat` — before it reads the header, and before `create` empties or
//! resizes the file — and moves into the `RowLog`; a constructor that fails later drops it on
//! the way out, so no entry outlives a failed call. The `RowLog` drops it after its mapping,
//! so the file is unmapped before another handle may map it.
//!
//! An identity cannot be reused while its entry exists: until the mapping is made, the
//! constructor's open descriptor keeps the file alive, and afterwards the mapping does
//! (a mapping holds a reference to its file), also when the file's last name is removed.
//! A log that is leaked (`std::mem::forget`) keeps its mapping and so, rightly, its entry:
//! the file stays refused to this process.
//!
//! **After `fork`.** A child made by `fork(2)` inherits a copy of this registry with its
//! parent's entries, and the parent's `RowLog`s and guards over the same `MAP_SHARED` pages.
//! Those are not the child's to use (see [`RowLog`'s
//! contract](RowLog#safety-contract-of-file-backed-logs)): the child opens its own. So each
//! entry records the process id of the process that registered it, and an entry of another
//! process id is stale — treated as absent, and replaced by the child's own registration —
//! so that the child's `open` is not refused forever. A [`Registration`] removes its entry on
//! drop only if the entry is still its own (same file, same process id), so a child dropping
//! an inherited log leaves the child's own entry alone (`tests/row_log/fork.rs` forks for
//! real, through `Command::pre_exec`). (A fork while another thread holds the
//! registry's lock leaves it locked in the child, like any mutex; POSIX allows a child of a
//! multithreaded process only async-signal-safe calls until it execs, which opening a row log
//! is not.)
//!
//! Anonymous logs do not register: no path or descriptor reaches their memory. Nor do
//! [`Memmap`](crate::Memmap)s: several read-only maps of one file are legitimate, and a map of
//! a file that is also open as a row log remains excluded by the contracts of both (see
//! [`RowLog`'s contract](RowLog#safety-contract-of-file-backed-logs)), not by this registry.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::{Error, Result};
use crate::sys::FileId;

#[cfg(doc)]
use super::RowLog;

/// One held file: the process that registered it (see "After `fork`") and the path its handle
/// was opened by.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Held {
    pid: u32,
    path: PathBuf,
}

/// The files this process holds as row logs.
static HELD: Mutex<BTreeMap<FileId, Held>> = Mutex::new(BTreeMap::new());

/// The registry, locked. A panic while it was held (an allocation failure in `insert`) leaves
/// the map consistent — an entry is either in or not — so a poisoned lock is used as it is.
fn held() -> MutexGuard<'static, BTreeMap<FileId, Held>> {
    HELD.lock().unwrap_or_else(PoisonError::into_inner)
}

/// This process's hold on one file as a row log: while it lives, [`Registration::register`]
/// refuses the file to everyone else in this process. Dropping it ends the hold.
#[derive(Debug)]
pub(super) struct Registration {
    id: FileId,
    /// The process that registered it: a registration inherited through `fork` is not the
    /// child's.
    pid: u32,
}

impl Registration {
    /// Registers the file `id`, opened by `path`, as held by a row log of this process.
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyOpen`] if this process holds the file already (through any path);
    /// nothing is registered then. An entry left by the parent of a forked process is not
    /// this process's hold: it is replaced.
    pub(super) fn register(id: FileId, path: &Path) -> Result<Self> {
        Self::register_as(id, path, std::process::id())
    }

    /// [`register`](Self::register) for the process `pid` (tests stand in for a parent).
    fn register_as(id: FileId, path: &Path, pid: u32) -> Result<Self> {
        let mut held = held();
        let entry = Held {
            pid,
            path: path.to_path_buf(),
        };
        match held.entry(id) {
            Entry::Occupied(first) if first.get().pid == pid => Err(Error::AlreadyOpen {
                path: Some(path.to_path_buf()),
                first: first.get().path.clone(),
            }),
            // Stale: inherited from the parent through `fork`.
            Entry::Occupied(mut stale) => {
                stale.insert(entry);
                Ok(Self { id, pid })
            }
            Entry::Vacant(slot) => {
                slot.insert(entry);
                Ok(Self { id, pid })
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut held = held();
        // Only our own entry: after a fork, the child's registration of the file replaced the
        // inherited one, and dropping the inherited log in the child must not remove it.
        if held.get(&self.id).is_some_and(|h| h.pid == self.pid) {
            held.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys;

    fn id_of(path: &Path) -> FileId {
        let file = std::fs::File::create(path).unwrap();
        sys::stat(&file).unwrap().id
    }

    #[test]
    fn a_held_file_is_refused_until_its_registration_drops() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let (id_a, id_b) = (id_of(&a), id_of(&b));
        assert_ne!(id_a, id_b);

        let first = Registration::register(id_a, &a).unwrap();
        let other = Registration::register(id_b, &b).unwrap();
        let err = Registration::register(id_a, Path::new("another/name")).unwrap_err();
        assert!(
            matches!(&err, Error::AlreadyOpen { path: Some(p), first } if p == Path::new("another/name") && first == &a),
            "{err:?}"
        );
        assert_eq!(
            held().get(&id_a).map(|h| &h.path),
            Some(&a),
            "the refusal left the entry as it was"
        );

        drop(first);
        assert!(!held().contains_key(&id_a));
        assert!(held().contains_key(&id_b), "other files stay held");
        let again = Registration::register(id_a, Path::new("another/name")).unwrap();
        drop((again, other));
        assert!(!held().contains_key(&id_a) && !held().contains_key(&id_b));
    }

    /// What a forked child sees: its parent's entry (another process id) for a file. The
    /// child's own registration is not refused; dropping the inherited registration in the
    /// child leaves the child's entry; the child's own second registration is refused.
    #[test]
    fn an_entry_inherited_through_fork_is_stale_in_the_child() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forked");
        let id = id_of(&path);
        let parent = std::process::id().wrapping_add(1);
        let inherited = Registration::register_as(id, &path, parent).unwrap();

        let own = Registration::register(id, Path::new("child/name")).expect("stale entry");
        assert_eq!(
            held().get(&id),
            Some(&Held {
                pid: std::process::id(),
                path: PathBuf::from("child/name")
            })
        );
        assert!(matches!(
            Registration::register(id, &path),
            Err(Error::AlreadyOpen { .. })
        ));
        drop(inherited);
        assert!(held().contains_key(&id), "the child's entry stays");
        drop(own);
        assert!(!held().contains_key(&id));
    }

    #[test]
    fn of_threads_registering_one_file_at_once_exactly_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("raced");
        let id = id_of(&path);
        for _ in 0..50 {
            let barrier = std::sync::Barrier::new(8);
            let results: Vec<_> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            Registration::register(id, &path)
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
            assert!(
                results
                    .iter()
                    .all(|r| matches!(r, Ok(_) | Err(Error::AlreadyOpen { .. })))
            );
            drop(results);
            assert!(!held().contains_key(&id));
        }
    }
}
