//! Making a row log: anonymous memory, or a file created, joined or recovered; each ends in
//! `RowLog::build`, which sets up the claims header at the start of the mapping.
#![allow(
    unsafe_code,
    reason = "the file-backed constructors are unsafe fns that pass the file-map contract on \
              to raw, and the claims header becomes atomic words of the mapping"
)]

use std::fs::File;
use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::AtomicU64;

use std::sync::atomic::Ordering;

use mmarray::claim::{ClaimHeader, Claims, Mapped};
use mmarray::npy::{Descr, RowLogHeader, ShapeSlot};
use mmarray::{ByteOrder, Dtype, Element, Kind, Scalar};

use super::npy::HeaderText;
use super::registry::Registration;
use super::session::{self, Joined, Recovered, Start};
use super::slots::{GRACE, Slots};
use super::{Layout, RowLog, ahead};
use crate::error::{Error, Result};
use crate::fs::{empty_for, errno, extend, io_err, open_file, open_to_overwrite, raw_err};
use crate::mode::Mode;
use crate::raw::{Access, RawMap};
use crate::sys;

/// How to set up the claims header of a mapped log.
#[derive(Clone, Copy)]
enum Setup {
    Create,
    Open,
    Recover,
}

impl<T: Element + Send + Sync> RowLog<T> {
    /// A log of `capacity` rows in anonymous memory, for threads of this process.
    ///
    /// Safe: no file and no other process can reach the memory. The rows start zeroed.
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<u32>::anonymous(10)?;
    /// assert_eq!((log.capacity(), log.committed(), log.claimed()), (10, 0, 0));
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::AlignBeyondPage`] if `T` is aligned to more than a page, [`Error::RowAlign`] if
    /// to more than 64 bytes;
    /// [`Error::Layout`] with [`mmarray::Error::Overflow`] if the log does not fit in memory
    /// (or `T` has size zero); [`Error::Io`] if the kernel refuses the memory.
    #[doc(alias = "mmap")]
    pub fn anonymous(capacity: u64) -> Result<Self> {
        // A file's layout without the owner slot table (one process: nobody to tell alive or
        // dead); `T` need not have a numpy descr: the header names its rows as raw bytes
        // (`|V<size>`), which nobody can load from anonymous memory.
        let descr = void_descr::<T>()?;
        let layout = Layout::of::<T>(descr, capacity, false).ok_or(mmarray::Error::Overflow)?;
        check_align::<T>()?;
        let map = RawMap::anonymous(layout.len).map_err(raw_err(Mode::ReadWrite, None))?;
        Self::build(map, layout, descr, Setup::Create, None)
    }
}

impl<T: Dtype + Send + Sync> RowLog<T> {
    /// Creates (or empties and overwrites) the file at `path` as a log of `capacity` rows:
    /// a fresh header, all rows zero, the file [`file_len`](Self::file_len) bytes long and
    /// its space allocated (`fallocate(2)`), so that a file system without room for the
    /// whole log fails here (`ENOSPC`, `EDQUOT`, `EFBIG`) instead of raising `SIGBUS` in a
    /// writer later. Preallocation is the default because a log's rows are meant to be
    /// filled; for a large reservation that will mostly stay empty, use
    /// [`create_sparse`](Self::create_sparse). Where the file system cannot preallocate
    /// (`EOPNOTSUPP`), the file is extended sparsely.
    ///
    /// Other processes join the file with [`open`](Self::open) once this returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    ///
    /// mmarray_std::record! {
    ///     /// A row: the log's file names its numpy dtype.
    ///     struct Sample { t: u64, id: u32, value: f32 }
    /// }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("samples.npy");
    /// // SAFETY: the file is private to this example; only row logs of this type use it.
    /// let log = unsafe { RowLog::<Sample>::create(&path, 1024) }?;
    /// log.push(Sample { t: 1, id: 7, value: 0.5 })?;
    /// log.flush()?; // numpy's `np.load(path)` now gives that row
    /// assert_eq!(std::fs::metadata(&path)?.len(), RowLog::<Sample>::file_len(1024).unwrap() as u64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] if the log does not fit in memory (or `T` has size zero, or the
    /// capacity is 2^40 rows or more), [`Error::RowAlign`] if `T` is aligned to more than 64
    /// bytes, both before the file is touched; [`Error::NotAFile`] if `path` is not a regular file;
    /// [`Error::AlreadyOpen`] if this process holds the file as a row log already (through
    /// any path), [`Error::InUse`] if another process is joined to it (Linux and Android),
    /// both before the file is changed; [`Error::Io`] if opening, sizing or mapping the file
    /// fails.
    ///
    /// # Safety
    ///
    /// No other handle of the file may be alive while `create` runs, in this or any other
    /// process: it empties the file and writes a fresh header and zero rows under all of
    /// them. In this process, a row log of the file is refused ([`Error::AlreadyOpen`], the
    /// file unchanged), and so is one joined in another process on Linux and Android
    /// ([`Error::InUse`]); the caller promises that no other process has the file open
    /// otherwise (as a row log elsewhere, or in any other way) and that no
    /// [`Memmap`](crate::Memmap) of this process maps it. While
    /// the log lives, the [contract of file-backed logs](RowLog#safety-contract-of-file-backed-logs)
    /// holds.
    #[doc(alias = "mmap", alias = "ftruncate", alias = "fallocate")]
    pub unsafe fn create(path: impl AsRef<Path>, capacity: u64) -> Result<Self> {
        let path = path.as_ref();
        // SAFETY: the caller upholds this function's contract, which is `create_at`'s.
        unsafe { Self::create_at(path, capacity, false) }.map_err(|e| e.at_path(Some(path)))
    }

    /// [`create`](Self::create) without preallocating: the file is extended sparsely
    /// (`ftruncate(2)`), so only the pages of rows actually written take space (and up to
    /// 96 KiB beyond the highest claimed row per process: rows are faulted in a window ahead
    /// of the claims). For a large reservation that will mostly stay empty.
    ///
    /// The hazard of the sparse path: a row written when the file system has no room left
    /// for its page raises `SIGBUS` and kills the writing process (see the
    /// [contract](RowLog#safety-contract-of-file-backed-logs)).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    /// # let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("reserved.log");
    /// // SAFETY: the file is private to this example; only row logs of this type use it.
    /// let log = unsafe { RowLog::<u64>::create_sparse(&path, 1 << 20) }?;
    /// log.push(1)?;
    /// assert_eq!(std::fs::metadata(&path)?.len(), RowLog::<u64>::file_len(1 << 20).unwrap() as u64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`create`](Self::create).
    ///
    /// # Safety
    ///
    /// As [`create`](Self::create).
    #[doc(alias = "mmap", alias = "ftruncate")]
    pub unsafe fn create_sparse(path: impl AsRef<Path>, capacity: u64) -> Result<Self> {
        let path = path.as_ref();
        // SAFETY: the caller upholds this function's contract, which is `create_at`'s.
        unsafe { Self::create_at(path, capacity, true) }.map_err(|e| e.at_path(Some(path)))
    }

    /// [`create`](Self::create) (or with `sparse`, [`create_sparse`](Self::create_sparse))
    /// without the path in its errors.
    ///
    /// # Safety
    ///
    /// As [`create`](Self::create): no other process has the file open, no `Memmap` of this
    /// process maps it, and the contract of file-backed logs holds while the log lives.
    unsafe fn create_at(path: &Path, capacity: u64, sparse: bool) -> Result<Self> {
        let descr = Descr::of::<T>();
        let layout = Layout::of::<T>(descr, capacity, true).ok_or(mmarray::Error::Overflow)?;
        check_align::<T>()?;
        let len = u64::try_from(layout.len).map_err(|_| mmarray::Error::Overflow)?;
        // Like numpy's 'w+', through the same steps as `Memmap`: a new file is removed
        // again on failure; an old one is grown before it is emptied, so that a size the
        // file system refuses fails before its contents are gone.
        let (file, created, st) = open_to_overwrite(path)?;
        // One row log per file per process (`registry.rs`), checked before anything changes
        // the file: a refused call must not empty a log that a handle of ours is using.
        let registration = match Registration::register(st.id, path) {
            Ok(registration) => registration,
            Err(e) => {
                // The file is that handle's, even if our open created it (another thread
                // opened the new file and registered it first): its name stays.
                created.keep();
                return Err(e);
            }
        };
        let built = (|file: File| {
            // Nobody else may be joined to a log that is emptied under them: refused before
            // anything changes (Linux and Android; elsewhere the caller promised it).
            let joined = match session::alone(file.as_fd(), Some(path), "create")? {
                true => Joined::Alone,
                false => Joined::Untracked,
            };
            empty_for(file.as_fd(), &st, len, Some(path))?;
            // The file is empty now: allocate (or, sparse, only size) all of it.
            extend(file.as_fd(), 0, 0, len, sparse, Some(path))?;
            let st = sys::FileStat { len, ..st };
            // SAFETY: the caller upholds the contract of file-backed logs, which includes the
            // contract of `map_file`; the file was just sized to `layout.len` bytes, and `st`
            // is its status.
            let map = unsafe {
                RawMap::map_file_with_stat(
                    file.as_fd(),
                    0,
                    layout.len,
                    Access::ReadWrite,
                    &st,
                    false,
                )
            }
            .map_err(raw_err(Mode::ReadWrite, Some(path)))?;
            let mut log = Self::build(map, layout, descr, Setup::Create, Some(path))?;
            // The log keeps the descriptor (never a `dup` of it: its locks are this process's
            // liveness, and must go when the log goes).
            log.join_session(file, joined, Start::Fresh)?;
            Ok(log)
        })(file);
        match built {
            Ok(mut log) => {
                log.registration = Some(registration);
                created.keep();
                Ok(log)
            }
            Err(e) => {
                // In this order, not the reverse order in which locals drop: a file this call
                // created loses its name while it is still held, and only then is it free.
                // Freed first, another thread could open the name and register the same
                // file, and this call would then unlink the name of that thread's log.
                drop(created);
                drop(registration);
                Err(e)
            }
        }
    }

    /// Joins the log in the file at `path`, which other processes may be writing right now;
    /// the capacity is read from its header. It advances the committed watermark over rows
    /// already complete, which a writer killed between marking its rows complete and
    /// advancing may have left behind ([`Claims::advance_committed`]), and closes the holes
    /// of writers it finds dead.
    ///
    /// The first process to join a log nobody has joined (on Linux and Android: nobody holds
    /// its session lock) also repairs what the last session left: on the same boot (or where
    /// this machine's boot id cannot be read) every hole is closed — its rows become void
    /// zeros — and every committed row is kept; after a reboot (another boot id stored) the
    /// log is rewound to its durable watermark, since rows above it may not have reached the
    /// disk. A commit is published row by row, so a writer killed *inside* `commit` may leave
    /// a prefix of its claim valid and the rest void: every valid row is one its writer
    /// finished writing before calling `commit`.
    ///
    /// On Linux and Android `open` waits while another process runs its session start (the
    /// repair above, which takes as long as closing the holes does), without a time limit: a
    /// process stopped in the middle of it (`SIGSTOP`, a debugger) holds up every `open` of
    /// the file until it runs again or dies.
    ///
    /// Joining takes no owner slot: a process takes one of the file's 64 when it first claims
    /// (its generation, pid and start time are written into the slot table; another when the
    /// 32 entries of each slot it holds are all in use by its claims), or when it closes a
    /// dead writer's hole (the closer is named by its slot). So any number of processes can
    /// join to read — `committed_rows`, `valid_rows`, `flush` take no slot, unless they meet a
    /// dead writer's hole that no live process is closing, which they then close and keep the
    /// slot until the log is dropped — while a claim
    /// finding every slot held by a live process fails with [`Error::NoSlot`] and changes
    /// nothing; that process still reads.
    ///
    /// Each process holds a file through one handle: a file this process holds as a row log
    /// already is refused ([`Error::AlreadyOpen`]), whatever path reaches it. Threads share
    /// that handle, by reference or in an [`Arc`](std::sync::Arc).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mmarray_std::{Error, RowLog};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("samples.log");
    /// // SAFETY: the file is private to this example; only row logs of this type use it.
    /// let writer = unsafe { RowLog::<u64>::create(&path, 100) }?;
    /// writer.push(7)?;
    /// // Another process joins the file with `open`; in this one, a second handle is refused
    /// // (its `force_complete` or `recover` could change rows under the first one's guards).
    /// // SAFETY: as above.
    /// let second = unsafe { RowLog::<u64>::open(&path) };
    /// assert!(matches!(second, Err(Error::AlreadyOpen { .. })));
    ///
    /// // Threads share the one handle instead.
    /// let log = Arc::new(writer);
    /// let reader = Arc::clone(&log);
    /// std::thread::spawn(move || assert_eq!(reader.committed_rows(), &[7])).join().unwrap();
    ///
    /// // Once it is dropped, the file opens again.
    /// drop(log);
    /// // SAFETY: as above.
    /// let log = unsafe { RowLog::<u64>::open(&path) }?;
    /// assert_eq!((log.capacity(), log.committed_rows()), (100, &[7][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyOpen`] if this process holds the file as a row log already (through
    /// any path); [`Error::Header`] if the file does not start with a row log's `.npy`
    /// header (`NotARowLog`, `BadMagic`, `Truncated`...) or one for another element type
    /// (`DescrMismatch`); [`Error::ClaimHeader`] if its claims region is not this version's
    /// (a version-1 log: [`SetupError::UnsupportedVersion`](mmarray::claim::SetupError::UnsupportedVersion)),
    /// is damaged, or its counters are inconsistent (after a crash, use
    /// [`recover`](Self::recover)), and ([`SetupError::TooShort`](mmarray::claim::SetupError::TooShort))
    /// if the file ends inside the region; [`Error::DataTruncated`] if it ends inside the
    /// rows (or their padding up to the region); [`Error::Layout`] and [`Error::Io`] as for
    /// [`create`](Self::create).
    ///
    /// # Safety
    ///
    /// The [contract of file-backed logs](RowLog#safety-contract-of-file-backed-logs), while
    /// the log lives: other processes use the file only through row logs of `T` that follow
    /// the protocol (joining it with `open` at any time is what it is for), and none of them
    /// runs `create` or `recover` on it meanwhile; nothing in this or any other process
    /// truncates the file or writes it otherwise, and no [`Memmap`](crate::Memmap) of this
    /// process maps it. A second row log of the file in this process is refused, so the
    /// caller need not promise anything about those.
    #[doc(alias = "mmap")]
    pub unsafe fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { Self::join(path, Setup::Open) }
            .map(|(log, _)| log)
            .map_err(|e| e.at_path(Some(path)))
    }

    /// Reopens the log in the file at `path` after its processes crashed, alone, and reports
    /// what it repaired ([`Recovered`]).
    ///
    /// After a **process crash** (the machine kept running: the boot id stored in the log
    /// is this boot's) every committed row is kept — also those above a dead writer's hole —
    /// and the holes are closed: their rows become void (zeros). After a **machine crash**
    /// (another boot), or where the boot cannot be told, the log is rewound to its durable
    /// watermark: rows below it are kept, claims and commits after it are forgotten and those
    /// rows will be claimed again ([`Mapped::recover`]), since only what a flush made durable
    /// is known to be on disk. [`open`](Self::open) does the same when it finds no other
    /// process joined (the first joiner of an idle log; Linux and Android), so `recover` is
    /// for tools that want the report, or the log alone.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("samples.log");
    /// // SAFETY: the file is private to this example; only row logs of this type use it.
    /// let log = unsafe { RowLog::<u64>::create(&path, 100) }?;
    /// log.push(1)?;
    /// log.flush()?; // row 0 is durable
    /// log.push(2)?; // row 1 is committed, not flushed
    /// std::mem::forget(log.claim(1)?); // row 2 claimed, never committed: a crash
    /// drop(log);
    ///
    /// // SAFETY: as above, and no other process uses the file now.
    /// let (log, recovered) = unsafe { RowLog::<u64>::recover(&path) }?;
    /// // The same boot: every committed row is kept, the dead claim's row is void (zeros).
    /// assert_eq!((log.claimed(), log.committed(), log.committed_rows()), (3, 3, &[1, 2, 0][..]));
    /// assert_eq!((recovered.kept, recovered.closed, recovered.rewound), (3, 1, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open), except that inconsistent counters above the durable
    /// watermark are repaired rather than refused. [`Error::AlreadyOpen`] comes before
    /// anything is read or repaired; [`Error::InUse`] if another process is joined to the log
    /// (Linux and Android: the session lock), the file unchanged.
    ///
    /// # Safety
    ///
    /// No other handle of the file may be alive, in this or any other process: recovering
    /// moves the watermarks backwards and hands rows out again under all of them. In this
    /// process, a row log of the file is refused ([`Error::AlreadyOpen`], the file
    /// unchanged); in other processes, on Linux and Android, a joined row log is refused
    /// ([`Error::InUse`]); the caller promises that no other process has the file open
    /// otherwise (on other systems: at all) and that no [`Memmap`](crate::Memmap) of this
    /// process maps it. While the log lives, the
    /// [contract of file-backed logs](RowLog#safety-contract-of-file-backed-logs) holds.
    #[doc(alias = "mmap")]
    pub unsafe fn recover(path: impl AsRef<Path>) -> Result<(Self, Recovered)> {
        let path = path.as_ref();
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { Self::join(path, Setup::Recover) }.map_err(|e| e.at_path(Some(path)))
    }

    /// [`open`](Self::open) or [`recover`](Self::recover).
    ///
    /// # Safety
    ///
    /// As [`open`](Self::open), and for `Setup::Recover` as [`recover`](Self::recover): no
    /// other process has the file open.
    unsafe fn join(path: &Path, setup: Setup) -> Result<(Self, Recovered)> {
        let file = open_file(path, true)?;
        let st = sys::stat(&file).map_err(errno("fstat", Some(path)))?;
        // One row log per file per process (`registry.rs`), before the header is read or
        // `recover` rewrites it.
        let registration = Registration::register(st.id, path)?;
        // The session (`session.rs`): `recover` needs the log alone, `open` shares it (and
        // is alone if nobody else is joined: then it runs the session start).
        let (joined, start) = match setup {
            Setup::Recover => {
                let alone = session::alone(file.as_fd(), Some(path), "recover")?;
                let joined = if alone {
                    Joined::Alone
                } else {
                    Joined::Untracked
                };
                (joined, Start::Recover)
            }
            Setup::Open | Setup::Create => (session::join(file.as_fd(), Some(path))?, Start::Join),
        };
        let descr = Descr::of::<T>();
        let layout = peek_layout::<T>(&file, st.len, path)?;
        let needed = u64::try_from(layout.len).map_err(|_| mmarray::Error::Overflow)?;
        if st.len < needed {
            // The file ends inside the rows, their padding or the claims region after them.
            let region_at = layout.region_at as u64;
            if st.len < region_at {
                let rows = layout.rows as u64;
                return Err(Error::DataTruncated {
                    path: Some(path.to_path_buf()),
                    needed: region_at - rows,
                    len: st.len.saturating_sub(rows),
                });
            }
            return Err(Error::ClaimHeader {
                path: Some(path.to_path_buf()),
                error: mmarray::claim::SetupError::TooShort {
                    needed: layout.region,
                    actual: usize::try_from(st.len - region_at).unwrap_or(usize::MAX),
                },
            });
        }
        let map_file = || {
            // SAFETY: the caller upholds the contract of file-backed logs, which includes the
            // contract of `map_file`; the file holds at least `layout.len` bytes (checked
            // above, and the contract forbids truncating it), and `st` is its status.
            unsafe {
                RawMap::map_file_with_stat(
                    file.as_fd(),
                    0,
                    layout.len,
                    Access::ReadWrite,
                    &st,
                    false,
                )
            }
            .map_err(raw_err(Mode::ReadWrite, Some(path)))
        };
        // `recover` keeps every committed row where it can (same boot): it joins the header as
        // it is and closes the holes; only counters that cannot be joined are repaired by the
        // rewind of `Mapped::recover`.
        let first = match setup {
            Setup::Recover => Setup::Open,
            other => other,
        };
        let mut log = match Self::build(map_file()?, layout, descr, first, Some(path)) {
            Err(Error::ClaimHeader { .. }) if matches!(setup, Setup::Recover) => {
                Self::build(map_file()?, layout, descr, Setup::Recover, Some(path))?
            }
            built => built?,
        };
        let recovered = log.join_session(file, joined, start)?;
        log.redirty_undurable();
        log.registration = Some(registration);
        Ok((log, recovered))
    }
}

impl<T: Element + Send + Sync> RowLog<T> {
    /// Sets up (or checks) the `.npy` header at the start of `map` and the claims region
    /// after the rows, and wraps them.
    fn build(
        map: RawMap,
        layout: Layout,
        descr: Descr<'_>,
        setup: Setup,
        path: Option<&Path>,
    ) -> Result<Self> {
        check_align::<T>()?;
        let npy_err = |error| Error::Header {
            path: path.map(Path::to_path_buf),
            error,
        };
        // SAFETY: `atomics_unchecked` needs, for the chosen lifetime `'static`, for each of
        // the two calls below (the `.npy` header, bytes `0..layout.rows`; the claims region,
        // bytes `layout.region_at..layout.len`):
        // 1. The map is neither dropped nor remapped while the words (and the `Mapped` store
        //    and `HeaderText` built from them) are alive. Both go into `RowLog::claims` and
        //    `RowLog::text`, next to the map in `RowLog::map`; they are declared before it,
        //    so they are dropped first; no method of `RowLog` remaps or replaces the map;
        //    and the `'static` never escapes: the store and the text are private and only
        //    lent out for a borrow of the log (`Claim<'_, _>` tokens inside
        //    `RowsMut<'_, T>`).
        // 2. In this process every access to these bytes is an atomic access of these
        //    aligned words: no other slice of the map overlaps them (`RowLog` never calls
        //    `as_bytes`/`as_bytes_mut`, and every slice it makes covers rows, which lie in
        //    `layout.rows..layout.rows + capacity * size_of::<T>()`, after the `.npy` header
        //    and before `layout.region_at`); everything that reads or writes them goes
        //    through the `Mapped` store or the `HeaderText`, which only load, store and RMW
        //    whole words (`msync` of their pages is a syscall, no access); and the registry
        //    refuses a second row log of the file in this process, while the contract of
        //    file-backed logs excludes any other map of it here.
        // 3. Every write by anyone else is an `AtomicU64` operation on one of these words: the
        //    contract of file-backed logs lets only row logs of this crate (and `T`) write the
        //    file, and they reach these bytes the same way (this very function); nothing
        //    `write(2)`s it. Non-atomic reads by others — numpy's `np.load` of the file, the
        //    `mmarray rowlog` CLI — write nothing and happen outside this process's memory
        //    model, as `atomics_unchecked` allows.
        // Bounds and the 8-byte alignment are checked by `atomics_unchecked` (the mapping is
        // page-aligned; `layout.rows` is a multiple of 64 and `layout.region_at` of 4096).
        let header = unsafe { map.atomics_unchecked(0, layout.rows / 8) };
        // SAFETY: as for `header` just above: the same three points hold for the claims
        // region's bytes `layout.region_at..layout.len`.
        let region = unsafe { map.atomics_unchecked(layout.region_at, layout.region / 8) };
        let header = header
            .map_err(raw_err(Mode::ReadWrite, path))?
            .ok_or(Error::ReadOnly)?;
        let region = region
            .map_err(raw_err(Mode::ReadWrite, path))?
            .ok_or(Error::ReadOnly)?;
        let text = HeaderText::new(header, layout.shape_field);
        let store = match setup {
            Setup::Create => {
                // The `.npy` header first, showing 0 rows; the region after it ends with
                // its magic (`Release`): a create torn by a crash leaves a file `open`
                // refuses.
                let mut bytes = vec![0u8; layout.rows];
                layout
                    .npy_header(descr)
                    .emit(&mut bytes, 0, ShapeSlot::First)
                    .map_err(npy_err)?;
                for (word, chunk) in header.iter().zip(bytes.chunks_exact(8)) {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(chunk);
                    word.store(u64::from_ne_bytes(b), Ordering::Relaxed);
                }
                Mapped::create_with(region, layout.geometry)
            }
            Setup::Open => Mapped::open_with(region, layout.geometry),
            Setup::Recover => Mapped::recover_with(region, layout.geometry),
        }?;
        let claims = Claims::new(store);
        // A joiner finishes what a committer killed between setting its completion bits and
        // advancing the watermark left undone (see "Failures" in `mmarray::claim`); a no-op
        // otherwise.
        claims.advance_committed();
        // Owner slots are taken when the log joins its session (`join_session`); an
        // anonymous log takes none (no other process can reach it).
        let slots = Slots::new(claims.owners(), path.is_some(), GRACE);
        Ok(Self {
            claims,
            text,
            slots,
            mine: AtomicU64::new(0),
            write_back_failed: std::sync::atomic::AtomicBool::new(false),
            ahead: ahead::Ahead::new(&layout, path.is_some()),
            map,
            layout,
            path: path.map(Path::to_path_buf),
            file: None,
            registration: None,
            _rows: PhantomData,
        })
    }
}

/// The descr of `T`'s rows as raw bytes (`|V<size>`), for logs whose `T` has no numpy
/// descr (anonymous logs).
fn void_descr<T>() -> Result<Descr<'static>> {
    Scalar::new(
        ByteOrder::NotApplicable,
        Kind::Void,
        core::mem::size_of::<T>(),
    )
    .map(Descr::scalar_type)
    .ok_or_else(|| mmarray::Error::Overflow.into())
}

/// Refuses an element type aligned beyond a page (the rows of a mapping, aligned to a page,
/// could not be aligned for it) or beyond the 64 bytes the `.npy` header's length is a
/// multiple of.
fn check_align<T>() -> Result<()> {
    let (align, page) = (core::mem::align_of::<T>(), crate::raw::page_size());
    if align > page {
        return Err(Error::AlignBeyondPage { align, page });
    }
    if align > Mapped::ROWS_ALIGN {
        return Err(Error::RowAlign {
            type_name: core::any::type_name::<T>(),
            align,
            max: Mapped::ROWS_ALIGN,
        });
    }
    Ok(())
}

/// The layout of the log in `file` (of `len` bytes), read from its `.npy` header (capacity,
/// `H`, void offset) and checked against `T` and the claims region's identity (the core's
/// [`ClaimHeader::peek`]: magic, byte order, version); `Mapped::open_with` validates the
/// rest once the file is mapped.
/// The longest `.npy` 1.0 header: magic and version (8), its length (2), and `u16::MAX`.
const MAX_V1_HEADER: usize = 10 + u16::MAX as usize;

fn peek_layout<T: Dtype>(file: &File, len: u64, path: &Path) -> Result<Layout> {
    let read = |at: u64, n: usize| -> Result<Vec<u8>> {
        let mut buf = vec![0u8; n];
        file.read_exact_at(&mut buf, at)
            .map_err(io_err("read", Some(path)))?;
        Ok(buf)
    };
    let npy_err = |error| Error::Header {
        path: Some(path.to_path_buf()),
        error,
    };
    // A version-1 log starts with its claims header: refused by version, with advice.
    let first = read(0, usize::try_from(len.min(16)).unwrap_or(16))?;
    if first.starts_with(&ClaimHeader::MAGIC_V1) {
        ClaimHeader::peek(&first)?;
    }
    // Another process may be rewriting the shape while we read: a torn copy is refused by
    // the parser (never misread, see `mmarray::npy::RowLogHeader`), so read again a few
    // times before calling the header malformed.
    let mut head = first;
    let mut torn = 0;
    loop {
        match RowLogHeader::parse(&head) {
            Ok(_) => break,
            // A row log's header is `.npy` 1.0 (a 16-bit length): a longer one, which a
            // crafted 2.0 header could ask for, is not read (it is refused below).
            Err(mmarray::npy::Error::Truncated { needed, .. })
                if (needed as u64) <= len && needed > head.len() && needed <= MAX_V1_HEADER =>
            {
                head = read(0, needed)?;
            }
            Err(
                mmarray::npy::Error::Syntax { .. }
                | mmarray::npy::Error::InvalidShape { .. }
                | mmarray::npy::Error::NotARowLog { .. },
            ) if torn < 50 => {
                torn += 1;
                std::thread::sleep(std::time::Duration::from_millis(1));
                head = read(0, head.len())?;
            }
            Err(error) => return Err(npy_err(error)),
        }
    }
    let parsed = RowLogHeader::parse(&head).map_err(npy_err)?;
    parsed.header.descr.check::<T>().map_err(npy_err)?;
    let capacity = parsed.header.capacity;
    let layout =
        Layout::of::<T>(Descr::of::<T>(), capacity, true).ok_or(mmarray::Error::Overflow)?;
    if layout.rows != parsed.len || layout.void_at() as u64 != parsed.header.void_offset {
        return Err(npy_err(mmarray::npy::Error::NotARowLog {
            expected: "the header length and void offset mmarray computes for this descr",
        }));
    }
    // The region's identity, if the file reaches it (`join` reports a shorter file).
    let region_at = layout.region_at as u64;
    if len >= region_at + ClaimHeader::LEN as u64 {
        let region = read(region_at, ClaimHeader::LEN)?;
        let found = ClaimHeader::peek(&region)?.geometry;
        if found.capacity != capacity {
            return Err(mmarray::claim::SetupError::CapacityMismatch {
                expected: capacity,
                found: found.capacity,
            }
            .into());
        }
    }
    Ok(layout)
}
