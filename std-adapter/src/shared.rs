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
//! # Why the row slices are sound
//!
//! The core ([`mmarray::claim`]) owns the protocol and argues its memory ordering; this module
//! turns its tokens into slices with [`RawMap::slice_mut_unchecked`] and
//! [`RawMap::slice_unchecked`]. What those need — nobody else touches a slice's bytes while it
//! lives — follows from three facts of the protocol:
//!
//! 1. **A claim's rows belong to its writer alone.** [`Claims::claim`] hands each row out
//!    once (a compare-exchange on the tail, which never wraps), to one [`Claim`] token. A
//!    [`RowsMut`] holds the token and a `&mut [T]` over exactly its rows; it borrows the log,
//!    so the mapping outlives it. Writers in other processes claim from the same in-file
//!    tail, so their rows are disjoint from ours too. The one way a row is handed out again
//!    is [`RowsMut::give_back`] (a [`Writer`]'s unused chunk end): it succeeds only while the
//!    rows still end at the tail, consumes the guard (so this writer's slice is gone), and
//!    the core orders the give-back (`Release`) before the next claim (`Acquire`), so the
//!    next holder's writes do not race with anything the giver did.
//! 2. **Readers never see a row a writer still holds.** The committed watermark passes a
//!    row only once its completion bit is set, and only ending the token sets it, which a
//!    [`RowsMut`] does after its last write ([`RowsMut::commit`] consumes the guard; the drop
//!    glue commits last). A `&[T]` from [`RowLog::committed_rows`] covers rows below a
//!    watermark read with `Acquire`: they are complete, and their writers' stores happen
//!    before the load (the core's "Readers see contents" argument), so reading them is no
//!    data race.
//! 3. **Committed rows are never written again.** Rows are claimed once and the log never
//!    wraps. The calls that rewind or write rows for someone else — [`RowLog::recover`] and
//!    [`RowLog::force_complete`] — either run before any other handle exists in this process
//!    or take `&mut self`, so no slice of this process is alive; towards other processes their
//!    `unsafe` contracts carry the obligation.
//!
//! Across processes, the header's counters and bitmap words are shared memory that every
//! process changes only with atomic operations; 64-bit atomics are lock-free and address-free
//! on the targets this module builds for (`target_has_atomic = "64"`), so the orderings the
//! core argues for threads hold between processes mapping the same file (`MAP_SHARED`).
#![allow(
    unsafe_code,
    reason = "unsafe constructors forward the file-map contract; rows become slices through \
              raw.rs's unchecked slices, argued from the claim protocol"
)]

use std::fs::File;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut, Range};
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use mmarray::Element;
use mmarray::claim::{Claim, Claims, Mapped, RecoverError, SetupError, Watermarks};
use mmarray::zerocopy::{FromBytes, IntoBytes};

use crate::error::{Error, Result};
use crate::memmap::{empty_for, errno, io_err, open_file, open_or_create, raw_err};
use crate::mode::Mode;
use crate::raw::{Access, RawMap};
use crate::sys;

/// The least alignment of the rows: a cache line, so the first rows do not share one with
/// the header's counters.
const ROWS_ALIGN: usize = 64;

/// The first bytes of a claims header (the documented layout of [`Mapped`]).
const MAGIC: [u8; 8] = *b"MMACLAIM";

/// The byte-order mark at byte 12 of a claims header, as written on this machine.
const BYTE_ORDER_MARK: u32 = 0x0102_0304;

/// Where the parts of a row log lie, in bytes.
#[derive(Clone, Copy, Debug)]
struct Layout {
    /// Length of the claims region (header and bitmap).
    region: usize,
    /// Offset of row 0.
    rows: usize,
    /// Size of one row.
    row_size: usize,
    /// Length of the whole log: `rows + capacity * row_size`.
    len: usize,
}

impl Layout {
    /// The layout of `capacity` rows of `T`, or `None` if it does not fit in `usize` (or the
    /// row type has size zero).
    fn of<T>(capacity: u64) -> Option<Self> {
        let row_size = core::mem::size_of::<T>();
        if row_size == 0 {
            return None;
        }
        let align = core::mem::align_of::<T>().max(ROWS_ALIGN);
        let region = Mapped::region_len(capacity)?;
        let rows = region.checked_next_multiple_of(align)?;
        let data = usize::try_from(capacity).ok()?.checked_mul(row_size)?;
        let len = rows.checked_add(data)?;
        Some(Self {
            region,
            rows,
            row_size,
            len,
        })
    }

    /// The bytes of rows `rows` as (offset, length), or `None` on overflow.
    fn bytes_of(&self, rows: Range<u64>) -> Option<(usize, usize)> {
        let start = usize::try_from(rows.start)
            .ok()?
            .checked_mul(self.row_size)?;
        let count = rows.end.checked_sub(rows.start)?;
        let len = usize::try_from(count).ok()?.checked_mul(self.row_size)?;
        Some((self.rows.checked_add(start)?, len))
    }
}

/// How to set up the claims header of a mapped log.
#[derive(Clone, Copy)]
enum Setup {
    Create,
    Open,
    Recover,
}

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
/// All integers native-endian. `R = Mapped::region_len(capacity)` (the header of 56 bytes
/// plus one bit per row, rounded up to 8 bytes), `A = max(64, align_of::<T>())`:
///
/// | bytes | contents |
/// |-------|----------|
/// | `0..R` | the claims header and completion bitmap, as documented on [`Mapped`] |
/// | `R..D` | zeros, `D` = `R` rounded up to a multiple of `A` ([`RowLog::rows_offset`]) |
/// | `D..D + capacity * size_of::<T>()` | the rows, row `i` at `D + i * size_of::<T>()` |
///
/// The layout depends on the capacity and `T` only, not on the page size, so a file moves
/// between machines of the same byte order. [`RowLog::file_len`] is the file's length. numpy
/// reads the committed rows with `np.memmap(path, dtype, mode='r', offset=D,
/// shape=(committed,))`, the committed watermark being the `u64` at byte 40.
///
/// # Safety contract of file-backed logs
///
/// As for every file map ([`Memmap`](crate::Memmap#safety-contract-of-file-backed-maps)), the
/// constructors that map a file are `unsafe`: the caller promises that, while the log is alive,
/// **the file is not truncated** below [`RowLog::file_len`], and **its bytes change only
/// through row logs of the same `T` and capacity** (in this or other processes) that follow
/// the protocol: no `write(2)`, no [`Memmap`](crate::Memmap) of it, no other program writing
/// it, no second [`RowLog::create`] or [`RowLog::recover`] of it while another process has it
/// open, and [`RowLog::force_complete`] only under its own contract.
pub struct RowLog<T> {
    /// The protocol over the header inside `map`. Declared before `map` so that it is
    /// dropped first: its `'static` is really "as long as `map`" (see `build`).
    claims: Claims<Mapped<'static>>,
    /// The mapping; never remapped, dropped last.
    map: RawMap,
    layout: Layout,
    /// The file (for error messages, and the sign that `flush` writes something back);
    /// `None` for anonymous logs.
    path: Option<PathBuf>,
    _rows: PhantomData<T>,
}

impl<T: Element + Send + Sync> RowLog<T> {
    /// The byte offset of row 0 in a log of `capacity` rows (`D` in the
    /// [layout](RowLog#file-layout)); `None` if the log would not fit in memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    ///
    /// // 56-byte header + one bitmap word = 64 bytes, already a multiple of 64.
    /// assert_eq!(RowLog::<u32>::rows_offset(64), Some(64));
    /// // Two bitmap words: 72 bytes, rounded up to 128.
    /// assert_eq!(RowLog::<u32>::rows_offset(65), Some(128));
    /// ```
    pub fn rows_offset(capacity: u64) -> Option<usize> {
        Layout::of::<T>(capacity).map(|l| l.rows)
    }

    /// The length in bytes of the file of a log of `capacity` rows; `None` if the log would
    /// not fit in memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    ///
    /// assert_eq!(RowLog::<[u64; 2]>::file_len(100), Some(128 + 100 * 16));
    /// ```
    pub fn file_len(capacity: u64) -> Option<usize> {
        Layout::of::<T>(capacity).map(|l| l.len)
    }

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
    /// [`Error::Layout`] with [`mmarray::Error::Overflow`] if the log does not fit in memory
    /// (or `T` has size zero); [`Error::Io`] if the kernel refuses the memory.
    pub fn anonymous(capacity: u64) -> Result<Self> {
        let layout = Layout::of::<T>(capacity).ok_or(mmarray::Error::Overflow)?;
        let map = RawMap::anonymous(layout.len).map_err(raw_err(None, Mode::ReadWrite))?;
        Self::build(map, layout, capacity, Setup::Create, None)
    }

    /// Creates (or empties and overwrites) the file at `path` as a log of `capacity` rows:
    /// a fresh header, all rows zero (the file is extended sparsely to
    /// [`file_len`](Self::file_len)).
    ///
    /// Other processes join the file with [`open`](Self::open) once this returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    /// # let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("samples.log");
    /// // SAFETY: the file is private to this example; only row logs of this type use it.
    /// let log = unsafe { RowLog::<[f32; 4]>::create(&path, 1024) }?;
    /// log.push([1.0, 2.0, 3.0, 4.0])?;
    /// log.flush()?;
    /// assert_eq!(std::fs::metadata(&path)?.len(), RowLog::<[f32; 4]>::file_len(1024).unwrap() as u64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] if the log does not fit in memory (or `T` has size zero or an
    /// alignment above the page size), before the file is touched; [`Error::Io`] if opening,
    /// sizing or mapping the file fails.
    ///
    /// # Safety
    ///
    /// See the [safety contract](RowLog#safety-contract-of-file-backed-logs). In particular no
    /// other process may have the file open as a log while it is created.
    pub unsafe fn create(path: impl AsRef<Path>, capacity: u64) -> Result<Self> {
        let path = path.as_ref();
        let layout = Layout::of::<T>(capacity).ok_or(mmarray::Error::Overflow)?;
        check_align::<T>(layout)?;
        let len = u64::try_from(layout.len).map_err(|_| mmarray::Error::Overflow)?;
        // Like numpy's 'w+', through the same steps as `Memmap`: a new file is removed
        // again on failure; an old one is grown before it is emptied, so that a size the
        // file system refuses fails before its contents are gone.
        let (file, created) = open_or_create(path)?;
        let st = sys::stat(&file).map_err(errno("fstat", Some(path)))?;
        if !st.is_regular {
            return Err(Error::NotAFile {
                path: Some(path.to_path_buf()),
            });
        }
        empty_for(file.as_fd(), &st, len, Some(path))?;
        sys::set_len(&file, len).map_err(errno("ftruncate", Some(path)))?;
        let st = sys::FileStat { len, ..st };
        // SAFETY: the caller upholds the contract of file-backed logs, which includes the
        // contract of `map_file`; the file was just sized to `layout.len` bytes, and `st`
        // is its status.
        let map = unsafe {
            RawMap::map_file_with_stat(file.as_fd(), 0, layout.len, Access::ReadWrite, &st)
        }
        .map_err(raw_err(Some(path), Mode::ReadWrite))?;
        let log = Self::build(map, layout, capacity, Setup::Create, Some(path))?;
        created.keep();
        Ok(log)
    }

    /// Joins the log in the file at `path`, which other processes may be writing right now;
    /// the capacity is read from its header. Changes nothing in the file.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::RowLog;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("samples.log");
    /// // SAFETY: the file is private to this example; only row logs of this type use it.
    /// let writer = unsafe { RowLog::<u64>::create(&path, 100) }?;
    /// writer.push(7)?;
    /// // Another process would do this; a second handle in this one works the same.
    /// // SAFETY: as above.
    /// let reader = unsafe { RowLog::<u64>::open(&path) }?;
    /// assert_eq!((reader.capacity(), reader.committed_rows()), (100, &[7][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::ClaimHeader`] if the file holds no claims header, one for another row size, or one
    /// whose counters are inconsistent (after a crash, use [`recover`](Self::recover));
    /// [`Error::DataTruncated`] if the file is shorter than the header's capacity needs;
    /// [`Error::Layout`] and [`Error::Io`] as for [`create`](Self::create).
    ///
    /// # Safety
    ///
    /// See the [safety contract](RowLog#safety-contract-of-file-backed-logs).
    pub unsafe fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { Self::join(path, Setup::Open) }.map_err(|e| e.at_path(Some(path)))
    }

    /// Reopens the log in the file at `path` after a crash, rewinding it to its durable
    /// watermark: rows below it are kept, claims and commits after it are forgotten and
    /// those rows will be claimed again ([`Mapped::recover`]).
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
    /// let log = unsafe { RowLog::<u64>::recover(&path) }?;
    /// assert_eq!((log.claimed(), log.committed(), log.committed_rows()), (1, 1, &[1][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open), except that inconsistent counters above the durable
    /// watermark are repaired rather than refused.
    ///
    /// # Safety
    ///
    /// See the [safety contract](RowLog#safety-contract-of-file-backed-logs); in addition no
    /// other process may have the file open as a log (recovering moves the watermarks
    /// backwards and hands rows out again).
    pub unsafe fn recover(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { Self::join(path, Setup::Recover) }.map_err(|e| e.at_path(Some(path)))
    }

    /// [`open`](Self::open) or [`recover`](Self::recover).
    ///
    /// # Safety
    ///
    /// The contract of file-backed logs (and for `Setup::Recover`, no other user).
    unsafe fn join(path: &Path, setup: Setup) -> Result<Self> {
        let file = open_file(path, true)?;
        let st = sys::stat(&file).map_err(errno("fstat", Some(path)))?;
        let capacity = peek_capacity(&file, st.len, path)?;
        let layout = Layout::of::<T>(capacity).ok_or(mmarray::Error::Overflow)?;
        let needed = u64::try_from(layout.len).map_err(|_| mmarray::Error::Overflow)?;
        if st.len < needed {
            return Err(Error::DataTruncated {
                path: Some(path.to_path_buf()),
                needed,
                len: st.len,
            });
        }
        // SAFETY: the caller upholds the contract of file-backed logs, which includes the
        // contract of `map_file`; the file holds at least `layout.len` bytes (checked above,
        // and the contract forbids truncating it), and `st` is its status.
        let map = unsafe {
            RawMap::map_file_with_stat(file.as_fd(), 0, layout.len, Access::ReadWrite, &st)
        }
        .map_err(raw_err(Some(path), Mode::ReadWrite))?;
        Self::build(map, layout, capacity, setup, Some(path))
    }

    /// Sets up the claims header at the start of `map` and wraps both.
    fn build(
        map: RawMap,
        layout: Layout,
        capacity: u64,
        setup: Setup,
        path: Option<&Path>,
    ) -> Result<Self> {
        check_align::<T>(layout)?;
        let row_size = u64::try_from(layout.row_size).map_err(|_| mmarray::Error::Overflow)?;
        // SAFETY: `slice_mut_unchecked` needs, for the chosen lifetime `'static`:
        // 1. The map is neither dropped nor remapped while the slice (and the `Mapped` store
        //    built from it) is alive. The store goes into `RowLog::claims`, next to the map in
        //    `RowLog::map`; `claims` is declared first, so it is dropped first; no method of
        //    `RowLog` remaps or replaces the map; and the `'static` never escapes: the store
        //    is private and only lent out for a borrow of the log (`Claim<'_, _>` tokens
        //    inside `RowsMut<'_, T>`).
        // 2. The bytes `0..layout.region` are accessed only through this slice and what is
        //    derived from it. In this process: no other slice of the map overlaps them
        //    (`RowLog` never calls `as_bytes`/`as_bytes_mut`, and every other slice it makes
        //    covers rows, which start at `layout.rows >= layout.region`). In other processes:
        //    the contract of file-backed logs lets only row logs use the file; they write the
        //    header's plain fields only in `create` (before anyone joins) and `recover`
        //    (with nobody else using the file), and otherwise change the counters and bitmap
        //    only with atomic operations, which this process also reads and writes only
        //    atomically, through the `Mapped` store. That is the shared-memory use the
        //    core's `Mapped::open` is made for ("how a process joins a file that other live
        //    processes are writing"). A known gap: the `&mut [u8]` (and the `&mut` header
        //    `Mapped::open` validates through) promises a uniqueness that other processes'
        //    atomic writes do not honour. Closing it needs a shared-access opener in the
        //    core (zerocopy cannot make `&[AtomicU64]` from `&[u8]`: atomics are not
        //    `Immutable`); until then this rests on every access to these bytes being atomic.
        let region = unsafe { map.slice_mut_unchecked(0, layout.region) }
            .map_err(raw_err(path, Mode::ReadWrite))?
            .ok_or(Error::ReadOnly)?;
        let (store, _rest) = match setup {
            Setup::Create => Mapped::create(region, capacity, row_size),
            Setup::Open => Mapped::open(region, capacity, row_size),
            Setup::Recover => Mapped::recover(region, capacity, row_size),
        }?;
        Ok(Self {
            claims: Claims::new(store),
            map,
            layout,
            path: path.map(Path::to_path_buf),
            _rows: PhantomData,
        })
    }

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
        self.claims.committed()
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
    /// use mmarray::claim::Watermarks;
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
    /// [`Error::Claim`] if fewer than `rows` rows are left; nothing is claimed then.
    pub fn claim(&self, rows: u64) -> Result<RowsMut<'_, T>> {
        Ok(self.rows_mut(self.claims.claim(rows)?))
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
        Ok(self.rows_mut(self.claims.claim_up_to(max_rows)?))
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

    /// Wraps a fresh claim into a guard over exactly its rows.
    fn rows_mut<'s>(&'s self, claim: Claim<'s, Mapped<'static>>) -> RowsMut<'s, T> {
        let Some((start, len)) = self.layout.bytes_of(claim.rows()) else {
            unreachable!("claimed rows lie inside the validated layout");
        };
        // SAFETY: `slice_mut_unchecked` needs, for the lifetime `'s` of the borrow of `self`:
        // 1. The map is neither dropped nor remapped: it is owned by `self`, which stays
        //    borrowed for `'s`, and no method of `RowLog` remaps it.
        // 2. The bytes are accessed only through this slice. They are exactly the rows of
        //    `claim` (which `Claims::claim` made moments ago; tokens come from nowhere else):
        //    - no other guard of this process overlaps them: the tail hands each row out
        //      once and never wraps; the only rewind (`recover`) happens before the log
        //      exists;
        //    - no reader slice overlaps them: `committed_rows` covers rows below the
        //      committed watermark, which stays at or below `claim.start()` until this
        //      claim's completion bits are set, and only ending `claim` sets them — which
        //      `RowsMut` does after its last use of the slice; `force_complete` writes only
        //      rows of no live guard, and takes `&mut self`, so it cannot run during `'s`;
        //    - the header region lies below `layout.rows`, apart from every row;
        //    - other processes: their writers hold claims from the same in-file tail, hence
        //      other rows, their readers read only committed rows, and anything else is
        //      excluded by the contract of file-backed logs.
        let bytes = match unsafe { self.map.slice_mut_unchecked(start, len) } {
            Ok(Some(bytes)) => bytes,
            _ => unreachable!("the claimed rows lie inside the writable map"),
        };
        let Ok(rows) = <[T]>::mut_from_bytes(bytes) else {
            unreachable!("row bytes are aligned (checked at setup) and whole rows");
        };
        RowsMut {
            rows,
            claim: Some(claim),
        }
    }

    /// The rows below `end` as a slice (`end` at most the committed watermark).
    fn rows_below(&self, end: u64) -> &[T] {
        let Some((start, len)) = self.layout.bytes_of(0..end) else {
            unreachable!("committed rows lie inside the validated layout");
        };
        // SAFETY: `slice_unchecked` needs, for the borrow of `self`:
        // 1. The map is neither dropped nor remapped: it is owned by `self`, which stays
        //    borrowed, and no method of `RowLog` remaps it.
        // 2. Nothing writes these bytes while the slice lives. They are the rows below
        //    `end`, a committed watermark read with `Acquire` (by the caller). Each such row
        //    was claimed once and completed — by its writer after its last write, or by
        //    `force_complete` after zero-filling it — and is never claimed again (no wrap;
        //    the one rewind, `recover`, happens before the log exists; `force_complete`
        //    writes only rows at or above the watermark and needs `&mut self`). Writers in
        //    other processes write only their own claims, which are above the watermark
        //    too (the contract of file-backed logs). The `Acquire` load makes every
        //    writer's stores to these rows happen before our reads (see the core's
        //    "Readers see contents"), so they do not race either.
        let bytes = match unsafe { self.map.slice_unchecked(start, len) } {
            Ok(bytes) => bytes,
            Err(_) => unreachable!("committed rows lie inside the map"),
        };
        match <[T]>::ref_from_bytes(bytes) {
            Ok(rows) => rows,
            Err(_) => unreachable!("row bytes are aligned (checked at setup) and whole rows"),
        }
    }

    /// The committed rows: every row below the committed watermark, complete and never
    /// written again, while other writers keep appending above it.
    ///
    /// Call it again to see rows committed since. Rows that a writer abandoned (or that
    /// [`force_complete`](Self::force_complete) closed) read as zeros.
    ///
    /// # Examples
    ///
    /// See [`claim`](Self::claim).
    pub fn committed_rows(&self) -> &[T] {
        // The watermark never exceeds the capacity; `min` keeps a corrupt header (which the
        // contract of file-backed logs rules out) from turning into a panic.
        self.rows_below(self.claims.committed().min(self.claims.capacity()))
    }

    /// Writes the newly committed rows back to the file and waits for the disk
    /// (`msync(2)` with `MS_SYNC`, over just those rows' pages), then raises the durable
    /// watermark and writes the header back so the raised watermark is on disk too.
    /// Returns the durable watermark.
    ///
    /// Safe to call from any thread while writers run; concurrent flushes are fine. For an
    /// anonymous log there is nothing to write back, and the durable watermark just follows
    /// the committed one. Dropping a log does not flush: the kernel writes the pages back in
    /// its own time, but only what a flush made durable survives a crash (see
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
    /// assert_eq!(log.flush()?, 1);
    /// assert_eq!(log.durable(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `msync(2)` fails (e.g. `EIO`). If writing the rows back fails, the
    /// durable watermark is not raised; if writing the header back fails, the rows are
    /// durable and the watermark says so, but the file's copy of it may lag (a `recover`
    /// after a crash then keeps fewer rows than it could).
    pub fn flush(&self) -> Result<u64> {
        if self.path.is_none() {
            return self.claims.flush(|_| Ok(()));
        }
        let after = self.claims.flush(|rows| {
            let (start, len) = self.layout.bytes_of(rows).ok_or(mmarray::Error::Overflow)?;
            self.map
                .flush_range(start, len, true)
                .map_err(raw_err(self.path.as_deref(), Mode::ReadWrite))
        })?;
        if after > 0 {
            // The header's durable watermark lags on disk until its page is written back.
            // Write it on every flush that reports rows durable — also when this flush
            // found nothing new: another flush may have raised the watermark and not yet
            // written its header page, and our caller must not be told more than the
            // file would keep after a crash.
            self.map
                .flush_range(0, Mapped::HEADER_LEN, true)
                .map_err(raw_err(self.path.as_deref(), Mode::ReadWrite))?;
        }
        Ok(after)
    }

    /// The claimed but incomplete rows at the committed watermark, if it is stuck there
    /// (a writer is slow, or died holding a claim). A snapshot for supervision: see
    /// [`Claims::stalled`].
    ///
    /// # Examples
    ///
    /// See [`force_complete`](Self::force_complete).
    pub fn stalled(&self) -> Option<Range<u64>> {
        self.claims.stalled()
    }

    /// Closes a hole left by a writer that died holding a claim: zero-fills `rows` and marks
    /// them complete, so the committed watermark moves on over them (and over the rows
    /// committed above them). Returns the new committed watermark.
    ///
    /// `rows` must lie within [`stalled`](Self::stalled): claimed, incomplete, and at the
    /// committed watermark. `&mut self` proves that no guard of this process is alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut log = mmarray_std::RowLog::<u32>::anonymous(10)?;
    /// std::mem::forget(log.claim(2)?); // a writer dies holding rows 0..2
    /// log.push(7)?;
    /// assert_eq!((log.committed(), log.stalled()), (0, Some(0..2)));
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
    /// No other process holds a claim on any of `rows` (its writer is known to be dead, e.g.
    /// its process exited), and no other process force-completes them at the same time.
    /// Always true for a log made by [`anonymous`](Self::anonymous).
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
            //    guard and no reader slice of this process is alive. The rows lie within
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

impl<T: Element + Send + Sync> RowLog<T> {
    /// A buffered appender for one thread: it claims `chunk` rows at a time and fills them
    /// with plain writes, so that appending a row costs no atomic operation at all; the
    /// claim's two atomic operations are paid once per chunk.
    ///
    /// The trade: rows become visible to readers (and [`flush`](RowLog::flush)) when their
    /// chunk is full, on [`Writer::publish`], or when the writer is dropped — not at each
    /// [`Writer::push`]. Dropping the writer publishes what it wrote and returns the unused
    /// rest of its chunk to the log when nothing was claimed after it (otherwise the rest is
    /// zero-filled and abandoned, as [`RowsMut::abandon`] does).
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<[u64; 2]>::anonymous(1000)?;
    /// std::thread::scope(|s| {
    ///     for t in 1..=2u64 {
    ///         let log = &log;
    ///         s.spawn(move || {
    ///             let mut w = log.writer(64);
    ///             for i in 0..100 {
    ///                 w.push([t, i]).unwrap();
    ///             }
    ///         });
    ///     }
    /// });
    /// // Both writers were dropped: everything they claimed is committed (no hole). A chunk
    /// // end that could not be given back (the other writer had claimed after it) reads as
    /// // zero rows, so count the rows with a writer tag.
    /// assert_eq!(log.committed(), log.claimed());
    /// let mut rows: Vec<_> = log.committed_rows().iter().filter(|r| r[0] != 0).collect();
    /// rows.sort();
    /// assert_eq!(rows.len(), 200);
    /// assert_eq!(rows[..2], [&[1, 0], &[1, 1]]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn writer(&self, chunk: u64) -> Writer<'_, T> {
        Writer {
            log: self,
            chunk: chunk.max(1),
            current: None,
            filled: 0,
        }
    }
}

/// A buffered appender of one thread to a [`RowLog`]: see [`RowLog::writer`].
pub struct Writer<'a, T: Element> {
    log: &'a RowLog<T>,
    chunk: u64,
    /// The chunk being filled: rows `0..filled` of it are written.
    current: Option<RowsMut<'a, T>>,
    filled: usize,
}

impl<'a, T: Element + Send + Sync> Writer<'a, T> {
    /// Appends one row: a plain write into the current chunk; at a chunk's end, commits it
    /// and claims the next (fewer rows if the log has fewer left). Returns the row's index.
    ///
    /// # Errors
    ///
    /// [`Error::Claim`] when the log is full (what was written stays, and is published when
    /// the writer is dropped or [`publish`](Writer::publish)ed).
    #[inline]
    pub fn push(&mut self, row: T) -> Result<u64> {
        if let Some(rows) = self.current.as_mut()
            && let Some(slot) = rows.rows.get_mut(self.filled)
        {
            *slot = row;
            self.filled += 1;
            return Ok(rows.rows().start + self.filled as u64 - 1);
        }
        self.next_chunk()?;
        self.push(row)
    }

    /// Commits the full chunk and claims a new one.
    #[cold]
    fn next_chunk(&mut self) -> Result<()> {
        if let Some(full) = self.current.take() {
            full.commit();
        }
        self.filled = 0;
        self.current = Some(self.log.claim_up_to(self.chunk)?);
        Ok(())
    }

    /// Makes the rows pushed so far visible (commits them), keeping the rest of the chunk
    /// for the next pushes. Returns the committed watermark as the commit left it.
    pub fn publish(&mut self) -> u64 {
        let Some(rows) = self.current.take() else {
            return self.log.committed();
        };
        let (done, rest) = rows.split_at(self.filled);
        self.filled = 0;
        self.current = (!rest.is_empty()).then_some(rest);
        done.commit()
    }
}

impl<T: Element> Drop for Writer<'_, T> {
    fn drop(&mut self) {
        let Some(rows) = self.current.take() else {
            return;
        };
        let (done, rest) = rows.split_at(self.filled);
        if std::thread::panicking() {
            // Dropping `done` abandons it (zero-filled), like any guard in a panic.
            drop(done);
        } else {
            done.commit();
        }
        // Rows never written: back to the log if nothing was claimed after them.
        if let Err(rest) = rest.give_back() {
            rest.abandon();
        }
    }
}

impl<T: Element> std::fmt::Debug for Writer<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("chunk", &self.chunk)
            .field("current", &self.current)
            .field("filled", &self.filled)
            .finish_non_exhaustive()
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

/// Exclusive use of a range of claimed rows: dereferences to `&mut [T]`; committing makes
/// the rows visible (once every row below them is committed too).
///
/// Made by [`RowLog::claim`]. Dropping the guard commits it — unless the thread is
/// panicking, in which case the rows are zero-filled and abandoned, so that a half-written
/// row is never published as data.
#[must_use = "dropping the guard at once commits the rows without writing them"]
pub struct RowsMut<'a, T: Element> {
    /// Exactly the rows of `claim`.
    rows: &'a mut [T],
    /// `None` once committed or abandoned.
    claim: Option<Claim<'a, Mapped<'static>>>,
}

impl<'a, T: Element> RowsMut<'a, T> {
    /// Splits the guard into its first `rows` rows and the rest (capped to its length): two
    /// guards over disjoint rows, each committed on its own.
    pub fn split_at(mut self, rows: usize) -> (RowsMut<'a, T>, RowsMut<'a, T>) {
        let rows = rows.min(self.rows.len());
        let Some(claim) = self.claim.take() else {
            unreachable!("a live guard holds its claim");
        };
        let (a, b) = claim.split_at(rows as u64);
        let (x, y) = core::mem::take(&mut self.rows).split_at_mut(rows);
        (
            RowsMut {
                rows: x,
                claim: Some(a),
            },
            RowsMut {
                rows: y,
                claim: Some(b),
            },
        )
    }

    /// Returns the rows to the log if nothing was claimed after them; otherwise the guard
    /// back. Only for rows that were never written: the next claim of them starts from
    /// whatever is in them.
    ///
    /// # Errors
    ///
    /// The guard itself, when rows after it were claimed since.
    pub fn give_back(mut self) -> core::result::Result<(), RowsMut<'a, T>> {
        let Some(claim) = self.claim.take() else {
            return Ok(());
        };
        match claim.give_back() {
            Ok(()) => Ok(()),
            Err(claim) => {
                self.claim = Some(claim);
                Err(self)
            }
        }
    }

    /// The indices of the claimed rows in the log.
    ///
    /// # Examples
    ///
    /// See [`RowLog::claim`].
    pub fn rows(&self) -> Range<u64> {
        match &self.claim {
            Some(claim) => claim.rows(),
            None => 0..0,
        }
    }

    /// Commits the rows (write all of them first). Returns the committed watermark as this
    /// call left it.
    ///
    /// # Examples
    ///
    /// See [`RowLog::claim`].
    pub fn commit(mut self) -> u64 {
        // The slice is not used after this point: the token ends, then the guard drops
        // with nothing left to do.
        self.claim.take().map_or(0, Claim::commit)
    }

    /// Gives the rows up: zero-fills them and marks them complete, so the committed
    /// watermark does not stop at them. Readers see rows of zeros. Returns the committed
    /// watermark as this call left it.
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<u32>::anonymous(3)?;
    /// let mut failed = log.claim(2)?;
    /// failed[0] = 99; // half-written
    /// assert_eq!(failed.abandon(), 2);
    /// log.push(5)?;
    /// assert_eq!(log.committed_rows(), &[0, 0, 5]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn abandon(mut self) -> u64 {
        self.rows.as_mut_bytes().fill(0);
        self.claim.take().map_or(0, Claim::abandon)
    }
}

impl<T: Element> Deref for RowsMut<'_, T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        self.rows
    }
}

impl<T: Element> DerefMut for RowsMut<'_, T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.rows
    }
}

impl<T: Element> Drop for RowsMut<'_, T> {
    fn drop(&mut self) {
        let Some(claim) = self.claim.take() else {
            return;
        };
        if std::thread::panicking() {
            // The rows may be half-written: publish zeros instead.
            self.rows.as_mut_bytes().fill(0);
            claim.abandon();
        } else {
            claim.commit();
        }
    }
}

impl<T: Element> std::fmt::Debug for RowsMut<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowsMut")
            .field("claim", &self.claim)
            .finish_non_exhaustive()
    }
}

/// Refuses a layout whose rows cannot be aligned in a mapping (aligned to a page).
fn check_align<T>(layout: Layout) -> Result<()> {
    let align = core::mem::align_of::<T>();
    if align > crate::raw::page_size() {
        return Err(mmarray::Error::Misaligned {
            offset: u64::try_from(layout.rows).unwrap_or(u64::MAX),
            align,
            size: core::mem::size_of::<T>(),
        }
        .into());
    }
    Ok(())
}

/// The capacity recorded in the claims header at the start of `file`, after checking the
/// magic and the byte order (the documented layout of [`Mapped`]; `Mapped::open` validates
/// the rest once the file is mapped).
fn peek_capacity(file: &File, len: u64, path: &Path) -> Result<u64> {
    if len < u64::try_from(Mapped::HEADER_LEN).unwrap_or(u64::MAX) {
        return Err(SetupError::TooShort {
            needed: Mapped::HEADER_LEN,
            actual: usize::try_from(len).unwrap_or(usize::MAX),
        }
        .into());
    }
    // magic (0..8), version (8..12), byte-order mark (12..16), capacity (16..24)
    let mut head = [0u8; 24];
    file.read_exact_at(&mut head, 0)
        .map_err(io_err("read", Some(path)))?;
    let field = |r: core::ops::Range<usize>| &head[r];
    if field(0..8) != MAGIC {
        let mut found = [0u8; 8];
        found.copy_from_slice(field(0..8));
        return Err(SetupError::BadMagic { found }.into());
    }
    let mark = u32::from_ne_bytes(field(12..16).try_into().unwrap_or([0; 4]));
    if mark == BYTE_ORDER_MARK.swap_bytes() {
        return Err(SetupError::ForeignByteOrder.into());
    }
    Ok(u64::from_ne_bytes(
        field(16..24).try_into().unwrap_or([0; 8]),
    ))
}

/// Compile-time check: one log is shared by reference across threads.
const _: () = {
    const fn send_sync<X: Send + Sync>() {}
    send_sync::<RowLog<[u64; 2]>>();
};
