//! [`RowLog`]: many writers — threads, or processes — appending rows to one mapped file.
//!
//! A row log is a file (or anonymous memory) holding a fixed number of rows of `T` and the
//! core's claims header ([`Mapped`]). Writers [`claim`](RowLog::claim) rows, fill them through
//! a [`RowsMut`] guard and commit; readers see the committed prefix
//! ([`committed_rows`](RowLog::committed_rows)); a flusher makes it durable
//! ([`flush`](RowLog::flush)). Every process that maps the file shares the same header, so
//! writers in different processes never get the same row, and each sees the others'
//! committed rows. This is the shape of a data logger (sensors append samples, a reader
//! tails the file, a timer flushes) or of a multi-producer queue in shared memory.
//!
//! The log is split by concern: opening and setting up the header (`open.rs`), the row
//! guards (`rows.rs`), the buffered writer (`writer.rs`), the one place where rows become
//! slices, with the argument why that is sound (`slices.rs`), and liveness: this process's
//! owner slots (`slots.rs`), the session lock and session start (`session.rs`), announcing
//! claims and closing the holes of dead writers (`live.rs`, reported as a [`Hole`] by
//! `hole.rs`), and flushes that say what they made durable (`durability.rs`).

mod ahead;
mod durability;
mod hole;
mod layout;
mod live;
mod npy;
mod open;
mod registry;
mod rows;
mod session;
mod slices;
mod slots;
mod validity;
mod writer;

pub use durability::Flushed;
pub use hole::{Hole, Owner};
pub use rows::RowsMut;
pub use session::Recovered;
pub use writer::Writer;

use std::marker::PhantomData;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use mmarray::claim::{ClaimHeader, Claims, Mapped, RecoverError, Watermarks};
use mmarray::npy::{Descr, RowLogHeader};
use mmarray::{Dtype, Element};

use crate::error::{Error, Result};
use crate::fs::raw_err;
use crate::mode::Mode;
use crate::raw::RawMap;
use layout::Layout;

/// A fixed-capacity array of rows of `T` that many writers append to at once: threads
/// sharing `&RowLog`, and processes mapping the same file.
///
/// Writers call [`claim`](Self::claim) (or [`push`](Self::push)) and write through the
/// returned [`RowsMut`]; readers call [`committed_rows`](Self::committed_rows); a flusher
/// calls [`flush`](Self::flush). `RowLog` is `Send + Sync`: share it by reference with
/// [`std::thread::scope`], or in an `Arc`. The file layout and the safety contract of
/// file-backed logs follow the example.
///
/// # Examples
///
/// ```
/// use mmarray_std::RowLog;
///
/// let log = RowLog::<[u64; 2]>::anonymous(1000)?;
/// std::thread::scope(|s| {
///     for writer in 0..4u64 {
///         let log = &log;
///         s.spawn(move || {
///             for i in 0..250 {
///                 let mut rows = log.claim(1).expect("1000 rows for 4 x 250");
///                 rows[0] = [writer, i];
///             } // dropping the guard commits
///         });
///     }
/// });
/// assert_eq!(log.committed(), 1000);
/// let mut seen: Vec<_> = log.committed_rows().to_vec();
/// seen.sort();
/// assert_eq!(seen[999], [3, 249]);
/// # Ok::<(), mmarray_std::Error>(())
/// ```
///
/// # File layout
///
/// Format version 2. The file is a plain `.npy` file of the rows that are durable, followed by
/// the log's own state; all integers native-endian, the core owns every offset
/// ([`Geometry`](mmarray::claim::Geometry), [`ClaimHeader`](mmarray::claim::ClaimHeader),
/// [`RowLogHeader`]). `C` is the capacity, `S = size_of::<T>()`:
///
/// | bytes | contents |
/// |-------|----------|
/// | `0..H` | `.npy` 1.0 header: `T`'s descr, the shape in two slots, a comment naming `C` and `V` ([`RowLog::header_len`] is `H`, a multiple of 64) |
/// | `H..H + C*S` | the rows, row `i` at `H + i * S` |
/// | `H + C*S..R` | zeros; `R` = `H + C*S` rounded up to a multiple of 4096 |
/// | `R..R + 128` | the claims header: counters, watermarks, published shape, ... |
/// | `R + 128..V` | done bitmap, one bit per row |
/// | `V..` | void bitmap (same length), then the owners' slot table at a multiple of 64 |
///
/// The layout depends on the capacity and `T` only, not on the page size, so a file moves
/// between machines of the same byte order. [`RowLog::file_len`] is the file's length.
/// numpy reads the file as it reads any `.npy`: `np.load(path)` or
/// `np.load(path, mmap_mode='r')` returns the rows durable as of the last
/// [`flush`](RowLog::flush), with `T`'s dtype, while writers run. A load that overlaps a
/// flush's rewrite of the shape may raise `ValueError` (never return rows that are not
/// durable): retry it. The void bitmap at `V` is numpy's mask of the rows that are not data
/// ([`valid_rows`](RowLog::valid_rows) on the Rust side; the README shows the three lines).
///
/// # Capacity, and rotating to a new file
///
/// The capacity is fixed when the log is created: it cannot grow while other processes
/// use the file. The log's state (claims header, bitmaps, slot table) lies after the
/// reserved rows, because numpy needs the rows right after the `.npy` header; growing the
/// capacity would move those words while every process is using them — a stop of every
/// process at one instant, i.e. a supervisor — and no process can remap while its threads
/// hold the `&[T]` of [`committed_rows`](RowLog::committed_rows) or a [`RowsMut`]'s
/// `&mut [T]`, which only `&mut self` could rule out and which a writer in another process
/// cannot be asked for. So reserve generously ([`create_sparse`](RowLog::create_sparse)
/// costs no disk up front), and when a claim fails with `Full`, rotate: create the next
/// file, flush the old log and drop it.
///
/// ```
/// use mmarray_std::mmarray::claim::ClaimError;
/// use mmarray_std::{Error, RowLog};
/// # let dir = tempfile::tempdir()?;
/// # let logs = dir.path();
/// let name = |n: u32| logs.join(format!("{n:06}.npy")); // logs/000017.npy, ...
/// let mut n = 17;
/// // SAFETY: the files are this program's; only row logs of `u64` use them.
/// let mut log = unsafe { RowLog::<u64>::create(name(n), 4) }?;
/// for value in 0..10u64 {
///     match log.push(value) {
///         Ok(_) => {}
///         Err(Error::Claim(ClaimError::Full { .. })) => {
///             log.flush()?; // the old file's rows on disk and in its `.npy` shape
///             n += 1;
///             // SAFETY: as above. Assigning drops the old log.
///             log = unsafe { RowLog::<u64>::create(name(n), 4) }?;
///             log.push(value)?;
///         }
///         Err(e) => return Err(e.into()),
///     }
/// }
/// assert_eq!(n, 19);
/// assert_eq!(log.committed_rows(), &[8, 9]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Safety contract of file-backed logs
///
/// As for every file map ([`Memmap`](crate::Memmap#safety-contract-of-file-backed-maps)), the
/// constructors that map a file ([`create`](RowLog::create), [`open`](RowLog::open),
/// [`recover`](RowLog::recover)) are `unsafe`: the `&[T]` of committed rows and the `&mut [T]`
/// of a [`RowsMut`] are sound only while every change to the file follows the claim protocol.
/// Of that, mmarray enforces what one process can see, and the caller promises the rest.
///
/// **Enforced: one handle per file in this process.** While a `RowLog` of a file lives, the
/// constructors refuse that file to every other call in this process — whatever path reaches
/// it (the same path, another spelling, a hard or symbolic link, `/proc/self/fd/N`: the
/// file's device and inode decide) and whatever the row type — with [`Error::AlreadyOpen`],
/// before they change anything. Threads share the one handle (by reference, e.g. with
/// [`std::thread::scope`], or in an [`Arc`](std::sync::Arc)). So the borrows of that handle
/// account for every row-log reference of this process into the file: `&mut self` (as
/// [`force_complete`](RowLog::force_complete) takes it) proves that none is alive.
///
/// **Enforced on Linux and Android: sessions and liveness.** Every process joined to the file
/// holds a shared open-file-description lock on it (the session lock), and one exclusive lock
/// per owner slot it writes through (a process takes its first slot when it first claims, or
/// when it closes a dead writer's hole nobody alive is closing: other readers hold none); the
/// kernel drops them only after the process's mapping is gone. So
/// [`create`](RowLog::create) over a log and [`recover`](RowLog::recover) refuse a file
/// another process is joined to ([`Error::InUse`]), the first process to join an idle log
/// repairs what the last session's processes left (their holes closed as void rows on the same
/// boot, a rewind to the durable rows after a reboot), and a writer that dies holding a claim
/// has its rows closed by whoever meets them ([`hole`](RowLog::hole),
/// [`flush`](RowLog::flush), readers) — exactly when no store of it can follow. Elsewhere there
/// are no such locks: liveness is unknown, holes are waited on, and rules 3 and 4 below are the
/// caller's alone.
///
/// **Promised by the caller, while the log is alive:**
///
/// 1. **The file is not truncated** below [`RowLog::file_len`], by anything in this or any
///    other process.
/// 2. **The file is written only through row logs of the same `T` and capacity that follow
///    the protocol** — in this process only through this handle, in every other process
///    through its own. No other handle of the file writes it, in this or any other process:
///    no `write(2)` through a [`File`](std::fs::File), no writable
///    [`Memmap`](crate::Memmap), no other program. And no [`Memmap`](crate::Memmap) of any
///    mode maps it in this process (its `&[T]` would see rows change, and this log's
///    `&mut [T]` would alias it): the registry knows row logs only, so these are the
///    caller's to exclude. Reading the file's bytes (`read(2)`, numpy's `np.fromfile`, a
///    read-only map in another process, as numpy's `np.memmap` of the committed rows in the
///    [file layout](RowLog#file-layout), the `mmarray rowlog` command) does not disturb the
///    log: every *write* to the claims header and bitmap is an atomic operation of a row log,
///    and such non-atomic reads in other processes write nothing and lie outside this
///    process's memory model (they may see a stale or, in principle, torn counter; a reader
///    that needs the protocol's guarantees joins with [`open`](RowLog::open)).
/// 3. **No other process runs [`create`](RowLog::create) or [`recover`](RowLog::recover)** on
///    the file: both rewrite the header and the rows under every other handle (in this
///    process the registry refuses them; on Linux and Android the session lock refuses them
///    while another process is joined, so what is left to promise is that nothing else —
///    another program, a `create` through a file not opened as a row log — rewrites it).
/// 4. **[`force_complete`](RowLog::force_complete) only under its own contract**: the rows'
///    writers, in other processes, are dead. (Dead writers' holes close by themselves where
///    liveness is known; `force_complete` is for the rest.)
/// 5. **Nothing crosses a `fork`.** A child made by `fork(2)` inherits its parent's
///    `RowLog`s, [`RowsMut`] guards, slices and writers, over the same `MAP_SHARED` pages the
///    parent still uses. The child must not use them, nor drop a guard (dropping a `RowsMut`
///    abandons its rows: it writes them, under the parent's own guard): it leaves guards,
///    writers and slices alone (exec, `_exit`, or [`std::mem::forget`] of *them*) and opens
///    its own log of the file after the fork, as any other process does. The inherited
///    `RowLog` itself is best *dropped* in the child (that only unmaps and closes the child's
///    copies): forgetting it would keep the parent's slot locks held for the child's whole
///    life, so a parent that dies holding a claim would look alive and its hole would stay
///    open until the child exits. The registry knows forks: an entry made by another
///    process id is stale in the child, so the child's own `open` is not refused.
/// 6. **Every process shares one kernel and page cache**, on one host: the protocol's
///    atomics work through the shared pages of one page cache, and the one-handle check
///    through device and inode numbers. A file shared across hosts (NFS, SMB, a cluster file
///    system) gives neither: don't. Paths that report different identities for one file
///    (overlayfs without `xino`, where the upper and lower layer of one file can show
///    different inode numbers; bind mounts are fine) must not be mixed for one log in one
///    process. And two semver-incompatible copies of `mmarray-std` linked into one binary
///    have two separate registries: a log of one copy does not refuse a handle of the other,
///    so the caller keeps a file to one copy.
///
/// [`RowLog::create`] allocates the whole file, so a lack of space is an error there. A log
/// made by [`RowLog::create_sparse`] (or on a file system that cannot preallocate) is
/// sparse: as on the sparse path of a
/// [`Memmap`](crate::Memmap#safety-contract-of-file-backed-maps), a row written when the
/// file system has no room for its page raises `SIGBUS` and kills the process.
pub struct RowLog<T> {
    /// The protocol over the header inside `map`. Declared before `map` so that it is
    /// dropped first: its `'static` is really "as long as `map`" (see `build`).
    claims: Claims<Mapped<'static>>,
    /// The `.npy` header's words, rewritten by `flush` (`npy.rs`); the same `'static` as
    /// `claims`.
    text: npy::HeaderText,
    /// This process's owner slots in the log, its free entries and its probe timer
    /// (`slots.rs`); holds no slot for anonymous logs or where there are no OFD locks, and
    /// none before its first claim (or close of a dead writer's hole).
    slots: slots::Slots,
    /// The end of the highest row this handle committed (or abandoned): `Flushed::mine`.
    mine: AtomicU64,
    /// Set when a write-back (`msync`) of this log failed: the kernel reports a lost page's
    /// error once per open file description, so a later `msync` of the same pages may succeed
    /// without the data being on disk. From then on [`flush`](Self::flush) fails and the
    /// durable watermark is never raised again through this handle.
    write_back_failed: std::sync::atomic::AtomicBool,
    /// How far this process faulted in rows ahead of its claims (`ahead.rs`).
    ahead: ahead::Ahead,
    /// The mapping; never remapped, dropped before the file.
    map: RawMap,
    layout: Layout,
    /// The file (for error messages, and the sign that `flush` writes something back);
    /// `None` for anonymous logs.
    path: Option<PathBuf>,
    /// The log's own open file description: it holds this process's session lock and slot
    /// locks, which the kernel releases when it is closed. Declared after `map`, so the
    /// mapping is gone before the locks are (a free slot lock must mean that no store of its
    /// holder can follow, `slots.rs`). `None` for anonymous logs.
    file: Option<std::fs::File>,
    /// This process's hold on the file: no second row log of it opens while this one lives
    /// (`registry.rs`). `None` for anonymous logs. Declared after `map`, so the file is
    /// unmapped before another handle may register it.
    registration: Option<registry::Registration>,
    _rows: PhantomData<T>,
}

impl<T: Dtype + Send + Sync> RowLog<T> {
    /// The length of the `.npy` header of a log of `T` (`H` in the
    /// [layout](RowLog#file-layout)): where row 0 starts. It depends on `T`'s descr only;
    /// `None` if no `.npy` format version can hold it.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    ///
    /// assert_eq!(RowLog::<u32>::header_len(), Some(256));
    /// ```
    pub fn header_len() -> Option<usize> {
        RowLogHeader::new(Descr::of::<T>(), 0, 0).emitted_len().ok()
    }

    /// The length in bytes of the file of a log of `capacity` rows; `None` if the log would
    /// not fit in memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    ///
    /// // 256-byte .npy header, 1600 bytes of rows, rounded up to 4096; then the region:
    /// // 128 bytes of header, 2 + 2 bitmap words, 64 slots of 2112 bytes.
    /// assert_eq!(RowLog::<[u8; 16]>::file_len(100), Some(4096 + 192 + 64 * 2112));
    /// ```
    pub fn file_len(capacity: u64) -> Option<usize> {
        Layout::of::<T>(Descr::of::<T>(), capacity, true).map(|l| l.len)
    }
}

impl<T: Element + Send + Sync> RowLog<T> {
    /// The log's capacity, in rows.
    ///
    /// # Examples
    ///
    /// See [`anonymous`](Self::anonymous).
    pub fn capacity(&self) -> u64 {
        self.claims.capacity()
    }

    /// Rows handed out to writers so far, in all processes (complete or not).
    ///
    /// # Examples
    ///
    /// See [`recover`](Self::recover).
    pub fn claimed(&self) -> u64 {
        self.claims.claimed()
    }

    /// The committed watermark: rows below it are complete and readable.
    ///
    /// # Examples
    ///
    /// See [`claim`](Self::claim).
    pub fn committed(&self) -> u64 {
        self.passing_hole(self.claims.committed())
    }

    /// The durable watermark: rows below it were written back to the file by a
    /// [`flush`](Self::flush) that has returned. Never above the committed watermark.
    ///
    /// # Examples
    ///
    /// See [`flush`](Self::flush).
    pub fn durable(&self) -> u64 {
        self.claims.durable()
    }

    /// Both watermarks in one consistent snapshot (`durable <= committed`).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::Watermarks;
    ///
    /// let log = mmarray_std::RowLog::<u8>::anonymous(4)?;
    /// log.push(1)?;
    /// assert_eq!(log.watermarks(), Watermarks { durable: 0, committed: 1 });
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn watermarks(&self) -> Watermarks {
        self.claims.watermarks()
    }

    /// Claims the next `rows` rows for the caller alone and returns them, to be written and
    /// then committed (by [`RowsMut::commit`] or by dropping the guard).
    ///
    /// The rows are zero in a fresh log, but may hold anything after a
    /// [`recover`](Self::recover): write all of them. A claim of 0 rows always succeeds.
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<u32>::anonymous(10)?;
    /// let mut first = log.claim(3)?;
    /// let mut second = log.claim(2)?;
    /// assert_eq!((first.rows(), second.rows()), (0..3, 3..5));
    /// second.copy_from_slice(&[30, 40]);
    /// second.commit();
    /// assert_eq!(log.committed(), 0); // waits for rows 0..3
    /// first.copy_from_slice(&[0, 10, 20]);
    /// drop(first); // commits
    /// assert_eq!(log.committed_rows(), &[0, 10, 20, 30, 40]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Claim`] if fewer than `rows` rows are left; nothing is claimed then. On a
    /// file-backed log that tracks owners (Linux, Android), also
    /// [`ClaimError::TooLarge`](mmarray::claim::ClaimError::TooLarge) for more than
    /// `2^24 - 1` rows in one claim (an owner entry names a claim in one word); claim such
    /// ranges in parts. [`Error::NoSlot`] if this claim needs an owner slot — the process's
    /// first claim takes one, and another is taken when the 32 entries of each slot it holds
    /// are all in use by its claims — and every slot of the file is held by a live process;
    /// nothing is claimed then.
    pub fn claim(&self, rows: u64) -> Result<RowsMut<'_, T>> {
        self.claim_by(rows, |claims, entry| match entry {
            Some(entry) => claims.claim_as(entry, rows),
            None => claims.claim(rows),
        })
    }

    /// Claims up to `max_rows` rows: all of them if they are free, otherwise the rest of the
    /// log.
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<u32>::anonymous(5)?;
    /// assert_eq!(log.claim_up_to(3)?.rows(), 0..3);
    /// assert_eq!(log.claim_up_to(3)?.rows(), 3..5);
    /// assert!(log.claim_up_to(3).is_err());
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Claim`] if `max_rows > 0` and no row is left.
    pub fn claim_up_to(&self, max_rows: u64) -> Result<RowsMut<'_, T>> {
        self.claim_by(max_rows, |claims, entry| match entry {
            Some(entry) => claims.claim_up_to_as(entry, max_rows),
            None => claims.claim_up_to(max_rows),
        })
    }

    /// Appends one row: claims it, writes `row`, commits. Returns the row's index.
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<[u16; 3]>::anonymous(2)?;
    /// assert_eq!(log.push([1, 2, 3])?, 0);
    /// assert_eq!(log.push([4, 5, 6])?, 1);
    /// assert!(log.push([7, 8, 9]).is_err()); // full
    /// assert_eq!(log.committed_rows(), &[[1, 2, 3], [4, 5, 6]]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Claim`] if the log is full.
    pub fn push(&self, row: T) -> Result<u64> {
        let mut rows = self.claim(1)?;
        let index = rows.rows().start;
        if let Some(slot) = rows.first_mut() {
            *slot = row;
        }
        rows.commit();
        Ok(index)
    }

    /// The committed rows: every row below the committed watermark, complete and never
    /// written again, while other writers keep appending above it.
    ///
    /// Call it again to see rows committed since. Rows that a writer abandoned (or that
    /// [`force_complete`](Self::force_complete) closed) read as zeros; they are *void*, and
    /// [`valid_rows`](Self::valid_rows) skips them.
    ///
    /// # Examples
    ///
    /// See [`claim`](Self::claim).
    pub fn committed_rows(&self) -> &[T] {
        // The watermark never exceeds the capacity; `min` keeps a corrupt header (which the
        // contract of file-backed logs rules out) from turning into a panic.
        self.rows_below(self.committed().min(self.claims.capacity()))
    }

    /// Writes the newly committed rows back to the file and waits for the disk
    /// (`msync(2)` with `MS_SYNC`, over just those rows' pages and their void bits), then
    /// raises the durable watermark and writes the claims region's header back so the raised
    /// watermark is on disk too, then publishes it in the `.npy` header's shape (so that
    /// `np.load` sees the new rows) and writes that page back.
    ///
    /// At every point of that order the file on disk is consistent: the shape never names
    /// more rows than the durable watermark, which never names more than the rows on disk.
    /// One process at a time rewrites the shape; a flush that finds another one doing it
    /// leaves the publishing to it, so the shape may lag the durable watermark until the
    /// next flush. Two rewrites of the same shape slot are at least 10 ms apart, so a flush
    /// may wait up to 10 ms for the previous one.
    ///
    /// Returns what is durable now, what was committed, and the end of this handle's own
    /// committed rows ([`Flushed::covers_mine`] says whether they are all durable). First it
    /// closes the holes of dead writers at the committed watermark (probing their liveness at
    /// once, without the grace period): their rows become void and the watermark moves past
    /// them. A hole whose writer lives stays; to wait for it, use
    /// [`flush_until_durable`](Self::flush_until_durable).
    ///
    /// Safe to call from any thread while writers run; concurrent flushes are fine. For an
    /// anonymous log there is nothing to write back or publish, and the durable watermark
    /// just follows the committed one. Dropping a log does not flush: the kernel writes the
    /// pages back in its own time, but only what a flush made durable survives a crash (see
    /// [`recover`](Self::recover)).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("samples.log");
    /// // SAFETY: the file is private to this example; only row logs of this type use it.
    /// let log = unsafe { RowLog::<u64>::create(&path, 10) }?;
    /// log.push(5)?;
    /// let _open = log.claim(1)?; // not committed yet: not flushed either
    /// let flushed = log.flush()?;
    /// assert_eq!((flushed.durable, flushed.committed, flushed.mine), (1, 1, 1));
    /// assert!(flushed.covers_mine());
    /// assert_eq!(log.durable(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `msync(2)` fails (e.g. `EIO`). If writing the rows back fails, the
    /// durable watermark is not raised; if writing a header back fails, the rows are
    /// durable and the watermark says so, but the file's copy of it (or of the shape) may
    /// lag (a `recover` after a crash then keeps fewer rows than it could). After such a
    /// failure every later flush of this handle fails with [`Error::WriteBackFailed`] and
    /// writes nothing back: the kernel reports a lost page's error only once.
    /// [`Error::Header`] if the `.npy` header's shape field is damaged (not the two slots
    /// the log wrote); the rows are durable then.
    #[doc(alias = "msync")]
    pub fn flush(&self) -> Result<Flushed> {
        // This handle's rows committed before the flush began: what it can promise about.
        let mine = self.mine.load(Ordering::Acquire);
        self.close_pass(true);
        let durable = self.write_back()?;
        Ok(Flushed {
            durable,
            committed: self.claims.committed(),
            mine,
        })
    }

    /// The writing part of [`flush`](Self::flush): rows, durable watermark, header.
    fn write_back(&self) -> Result<u64> {
        if self.path.is_none() {
            // Anonymous memory: nothing to write back, and no file a reader could load.
            return self.claims.flush(|_| Ok(()));
        }
        if self.write_back_failed.load(Ordering::Acquire) {
            return Err(Error::WriteBackFailed {
                path: self.path.clone(),
            });
        }
        let failed = |e| {
            self.write_back_failed.store(true, Ordering::Release);
            e
        };
        let io = || {
            let to_error = raw_err(Mode::ReadWrite, self.path.as_deref());
            move |e| failed(to_error(e))
        };
        // The order that keeps every prefix safe after a crash: rows (and their void words)
        // on disk, then the durable watermark raised and its page on disk, then the shape
        // that names the rows, then its page.
        let after = self.claims.flush(|rows| {
            let (start, len) = self
                .layout
                .bytes_of(rows.clone())
                .ok_or(mmarray::Error::Overflow)?;
            self.map.flush_range(start, len, true).map_err(io())?;
            let (start, len) = self
                .layout
                .void_words_of(rows)
                .ok_or(mmarray::Error::Overflow)?;
            self.map.flush_range(start, len, true).map_err(io())
        })?;
        if after > 0 {
            // The region's durable watermark lags on disk until its page is written back.
            // Write it on every flush that reports rows durable — also when this flush
            // found nothing new: another flush may have raised the watermark and not yet
            // written its header page, and our caller must not be told more than the
            // file would keep after a crash.
            self.map
                .flush_range(self.layout.region_at, ClaimHeader::LEN, true)
                .map_err(io())?;
            let region = self.claims.store();
            // The header writer is named by this process's slot, or by the process if it
            // holds none (a reader); a writer that died holding the word is taken over (its
            // slot's lock, or the header lock byte of a slotless one, is free: `npy.rs`).
            let who = self.live().header_writer();
            let published =
                self.text
                    .publish(region, after, &who)
                    .map_err(|error| Error::Header {
                        path: self.path.clone(),
                        error,
                    })?;
            if published == npy::Published::Rewrote {
                self.map
                    .flush_range(0, self.layout.rows, true)
                    .map_err(io())?;
            }
        }
        Ok(after)
    }

    /// The claimed but incomplete rows at the committed watermark, if it is stuck there
    /// (a writer is slow, or died holding a claim). A snapshot for supervision: see
    /// [`Claims::stalled`], which first advances the watermark over rows already complete.
    ///
    /// # Examples
    ///
    /// See [`force_complete`](Self::force_complete).
    #[deprecated(
        since = "0.2.0",
        note = "use `hole()`, which names the rows' owner and closes the holes of dead writers"
    )]
    pub fn stalled(&self) -> Option<Range<u64>> {
        self.claims.stalled()
    }

    /// Closes a hole left by a writer that died holding a claim: zero-fills `rows` and marks
    /// them void (not data: [`valid_rows`](Self::valid_rows) skips them) and complete, so the committed watermark moves on over them (and over the rows
    /// committed above them). Returns the new committed watermark.
    ///
    /// Dead writers' holes close by themselves ([`flush`](Self::flush), [`hole`](Self::hole),
    /// readers): this is the way out for what no liveness check can see — a guard of a *live*
    /// process that was [`forget`](std::mem::forget)ten, or a file-backed log where
    /// liveness is unknown (no open-file-description locks: not Linux or Android).
    ///
    /// `rows` must lie within [`stalled`](Self::stalled): claimed, incomplete, and at the
    /// committed watermark. `&mut self` proves that no guard of this process is alive: this
    /// log is the only row-log handle of its file in this process (the constructors refuse a
    /// second one, see the [contract](RowLog#safety-contract-of-file-backed-logs)), and an
    /// anonymous log has no file another handle could reach.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut log = mmarray_std::RowLog::<u32>::anonymous(10)?;
    /// std::mem::forget(log.claim(2)?); // a writer dies holding rows 0..2
    /// log.push(7)?;
    /// assert_eq!(log.committed(), 0);
    /// assert_eq!(log.hole().map(|h| h.rows), Some(0..2));
    /// // SAFETY: an anonymous log has no writers in other processes.
    /// assert_eq!(unsafe { log.force_complete(0..2) }?, 3);
    /// assert_eq!(log.committed_rows(), &[0, 0, 7]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Recover`] if `rows` is reversed; [`Error::NotStalled`] if it is not within
    /// the stalled rows. Nothing changes then.
    ///
    /// # Safety
    ///
    /// Nobody may hold a claim on any of `rows`, or force-complete them at the same time, in
    /// this or any other process. In this process that is enforced: no guard of this handle is
    /// alive (`&mut self`), and no other row-log handle of the file exists here (the
    /// constructors refuse one). The caller promises it for other processes: the rows'
    /// writers are dead (e.g. their processes exited), and no other process force-completes
    /// the same rows meanwhile. Always true for a log made by [`anonymous`](Self::anonymous),
    /// which no other process can reach.
    #[allow(
        unsafe_code,
        reason = "the caller promises what no handle of this process can see: that the \
                  rows' writers in other processes are dead"
    )]
    pub unsafe fn force_complete(&mut self, rows: Range<u64>) -> Result<u64> {
        let Range { start, end } = rows;
        if start > end {
            return Err(RecoverError::Reversed { start, end }.into());
        }
        if start < end {
            let committed = self.claims.committed();
            let stalled = self.claims.stalled().unwrap_or(committed..committed);
            if start < stalled.start || end > stalled.end {
                return Err(Error::NotStalled {
                    start,
                    end,
                    committed: stalled.start,
                    stalled_end: stalled.end,
                });
            }
            let (offset, len) = self
                .layout
                .bytes_of(start..end)
                .ok_or(mmarray::Error::Overflow)?;
            // SAFETY: `slice_mut_unchecked` needs, for this statement:
            // 1. The map lives and is not remapped: `&mut self` holds it.
            // 2. Nothing else accesses these bytes meanwhile. `&mut self` proves that no
            //    guard and no reader slice of this handle is alive, and this handle is the
            //    only row log of its file in this process (`registry.rs`; an anonymous log
            //    has no file), so none of this process is alive. The rows lie within
            //    `stalled()`: claimed, incomplete and at or above the committed watermark,
            //    so no reader in any process reads them; their claims are held by nobody in
            //    this process (no guard is alive) and, by this function's contract, by no
            //    live writer elsewhere, and nobody else force-completes them.
            let bytes = match unsafe { self.map.slice_mut_unchecked(offset, len) } {
                Ok(Some(bytes)) => bytes,
                _ => unreachable!("stalled rows lie inside the writable map"),
            };
            bytes.fill(0);
        }
        Ok(self.claims.force_complete(start..end)?)
    }
}

impl<T> std::fmt::Debug for RowLog<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowLog")
            .field("path", &self.path)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

/// Compile-time check: one log is shared by reference across threads.
const _: () = {
    const fn send_sync<X: Send + Sync>() {}
    send_sync::<RowLog<[u64; 2]>>();
};
