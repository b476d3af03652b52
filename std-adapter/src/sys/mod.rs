//! The operating-system layer: thin wrappers over rustix's `mm`, `fs`, `param` and `time`
//! APIs.
//!
//! This is the only module of the crate that names rustix (the file calls are in `fs.rs`) or
//! makes system calls: `ofd.rs` takes and probes open-file-description locks (through `libc`:
//! rustix lacks them), `process.rs` reads this process's identity from `/proc`. Each wrapper
//! makes one system call, cites its man page, and returns [`rustix::io::Result`]. The wrappers
//! hand out raw pointers only; turning a mapping into slices is the job of `raw`.
//!
//! # Which wrappers are `unsafe`, and why
//!
//! A wrapper is an `unsafe fn` exactly when some argument could break Rust's memory model:
//!
//! - [`map_file`] and [`map_anonymous`] are safe: they never pass `MAP_FIXED` and always pass
//!   a null address hint, so the kernel places the new mapping where no memory exists yet.
//!   They return a raw pointer; nothing is read or written.
//! - [`sync`] and [`advise`] are safe: they accept only `MS_SYNC`/`MS_ASYNC` (never
//!   `MS_INVALIDATE`) and only the non-destructive advice of [`Advice`] (never
//!   `MADV_DONTNEED`, `MADV_FREE`, `MADV_REMOVE`). Those calls change neither the bytes of
//!   any mapping nor the address space; the kernel rejects bad addresses with an error.
//! - [`write_at`], [`sync_data`] and [`populate`] are safe: `pwrite(2)` and `fdatasync(2)`
//!   take no address, and `MADV_POPULATE_READ`/`WRITE` only fault pages in (a write fault
//!   of a page shows the same bytes as before). `pwrite` does change file bytes that a
//!   shared mapping shows; the callers (`Memmap::write_at`) call it only while holding
//!   `&mut` to the one map, so no Rust reference to those bytes is alive.
//! - [`unmap`] and [`remap`] are `unsafe`: they remove (or may move) memory that references
//!   might still point to.
//!
//! Under `cfg(test)`, [`calls`] counts the `msync(2)`, `fdatasync(2)` and `pwrite(2)` calls
//! made by the current thread, so unit tests can check that a clean map makes none and how
//! many writes a batch costs (see its docs), and can make the current thread's `msync(2)`
//! calls fail ([`calls::fail_msync`]), to test how a failed write-back is reported.
#![allow(
    unsafe_code,
    reason = "the one module that calls rustix's unsafe mmap/munmap/mremap/msync/madvise wrappers"
)]

use core::ffi::c_void;
use core::num::NonZeroUsize;
use core::ptr::{self, NonNull};

use rustix::fd::AsFd;
pub(crate) use rustix::io::Errno;
use rustix::io::Result;
use rustix::mm::{MapFlags, MsyncFlags, ProtFlags};

mod fs;
#[allow(
    dead_code,
    reason = "used by the row log's slots and session (issue 12 step 3)"
)]
pub(crate) mod ofd;
#[allow(
    dead_code,
    reason = "used by the row log's slots and session (issue 12 step 3)"
)]
pub(crate) mod process;
pub(crate) use fs::{
    FileId, FileStat, is_writable, preallocate, set_len, stat, sync_data, sync_file, write_at,
};

/// A monotonic clock for rate limits, cheap enough for a commit path: Linux's
/// `CLOCK_MONOTONIC_COARSE` (the vDSO reads the last tick's time; no time-stamp counter, a
/// few nanoseconds, resolution one tick — 1 to 10 ms), `CLOCK_MONOTONIC` elsewhere. Time since
/// an unspecified start; never goes back.
///
/// See [clock_gettime(2)](https://man7.org/linux/man-pages/man2/clock_gettime.2.html).
pub(crate) fn coarse_now() -> core::time::Duration {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    let clock = rustix::time::ClockId::MonotonicCoarse;
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    let clock = rustix::time::ClockId::Monotonic;
    let t = rustix::time::clock_gettime(clock);
    // A monotonic clock's seconds and nanoseconds are never negative.
    core::time::Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// How a file mapping may be accessed, and where its writes go.
///
/// These are the three file-backed modes of `numpy.memmap`: `r` is [`Access::ReadOnly`],
/// `r+` and `w+` are [`Access::ReadWrite`], `c` is [`Access::CopyOnWrite`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Access {
    /// Read only (`PROT_READ`, `MAP_SHARED`). The file may be opened read-only.
    ReadOnly,
    /// Read and write; writes reach the file (`PROT_READ | PROT_WRITE`, `MAP_SHARED`). The
    /// file must be opened for reading and writing.
    ReadWrite,
    /// Read and write; writes stay private to this mapping and never reach the file
    /// (`PROT_READ | PROT_WRITE`, `MAP_PRIVATE`). The file may be opened read-only.
    CopyOnWrite,
}

impl Access {
    /// Whether memory mapped with this access may be written.
    #[must_use]
    pub(crate) const fn is_writable(self) -> bool {
        match self {
            Self::ReadOnly => false,
            Self::ReadWrite | Self::CopyOnWrite => true,
        }
    }

    /// The `PROT_*` and `MAP_*` flags that `mmap(2)` receives for this access.
    fn flags(self) -> (ProtFlags, MapFlags) {
        match self {
            Self::ReadOnly => (ProtFlags::READ, MapFlags::SHARED),
            Self::ReadWrite => (ProtFlags::READ | ProtFlags::WRITE, MapFlags::SHARED),
            Self::CopyOnWrite => (ProtFlags::READ | ProtFlags::WRITE, MapFlags::PRIVATE),
        }
    }
}

/// An access-pattern hint for `madvise(2)`.
///
/// Only hints that leave the mapped bytes unchanged are offered; the destructive Linux
/// `MADV_DONTNEED` (which zero-fills private pages) is deliberately absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Advice {
    /// No special treatment (`MADV_NORMAL`).
    Normal,
    /// Pages will be read in order: read ahead aggressively, free behind (`MADV_SEQUENTIAL`).
    Sequential,
    /// Pages will be read in random order: read ahead little (`MADV_RANDOM`).
    Random,
    /// Pages will be needed soon: start reading them in now (`MADV_WILLNEED`).
    WillNeed,
    /// Back the range with transparent huge pages where possible (`MADV_HUGEPAGE`; Linux).
    /// Fewer TLB misses for random access over large anonymous or tmpfs-backed maps; file
    /// maps on most file systems ignore it.
    #[cfg(target_os = "linux")]
    HugePage,
    /// Do not back the range with transparent huge pages (`MADV_NOHUGEPAGE`; Linux).
    #[cfg(target_os = "linux")]
    NoHugePage,
}

impl Advice {
    /// The rustix advice for this hint.
    fn to_rustix(self) -> rustix::mm::Advice {
        match self {
            Self::Normal => rustix::mm::Advice::Normal,
            Self::Sequential => rustix::mm::Advice::Sequential,
            Self::Random => rustix::mm::Advice::Random,
            Self::WillNeed => rustix::mm::Advice::WillNeed,
            #[cfg(target_os = "linux")]
            Self::HugePage => rustix::mm::Advice::LinuxHugepage,
            #[cfg(target_os = "linux")]
            Self::NoHugePage => rustix::mm::Advice::LinuxNoHugepage,
        }
    }
}

/// The size of a memory page in bytes, the unit of mapping offsets (`getpagesize(2)`).
///
/// Always a power of two.
pub(crate) fn page_size() -> usize {
    rustix::param::page_size()
}

/// Maps `len` bytes of `file` starting at `offset` (`mmap(2)`).
///
/// `offset` must be a multiple of [`page_size`] (the kernel rejects others with
/// [`Errno::INVAL`]). The kernel picks the address; the returned pointer is page-aligned.
/// The mapping stays until [`unmap`]; it keeps the file open by itself. `populate` asks for
/// `MAP_POPULATE` (Linux; ignored elsewhere): every page is read in and mapped before the
/// call returns.
///
/// # Errors
///
/// The `mmap` error, e.g. [`Errno::ACCESS`] if the file is not open for the access asked,
/// [`Errno::NODEV`] if the file cannot be mapped, [`Errno::NOMEM`] if the address space is
/// full (also returned in the never-observed case that the kernel answers with address 0,
/// which is then leaked rather than used).
pub(crate) fn map_file<Fd: AsFd>(
    file: Fd,
    offset: u64,
    len: NonZeroUsize,
    access: Access,
    populate: bool,
) -> Result<NonNull<u8>> {
    let (prot, flags) = access.flags();
    // `MAP_POPULATE`: read the pages in and map them now (a private writable mapping is
    // write-faulted, so it gets its private copies of every page). Linux only.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let flags = if populate {
        flags | MapFlags::POPULATE
    } else {
        flags
    };
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = populate;
    // SAFETY: `mmap`'s contract (rustix `mm::mmap`) has two parts. (1) A non-null address
    // must be page-aligned and valid to mutate: we pass null, and without `MAP_FIXED` the
    // kernel chooses a range that overlaps no existing mapping, so no existing memory is
    // touched. (2) Rust references to the new memory must keep their invariants: none exist
    // yet, and we only return a raw pointer; `crate::raw` argues its slices separately.
    let addr = unsafe { rustix::mm::mmap(ptr::null_mut(), len.get(), prot, flags, file, offset) }?;
    NonNull::new(addr.cast::<u8>()).ok_or(Errno::NOMEM)
}

/// Maps `len` zero-filled bytes of private, readable and writable memory
/// (`mmap(2)` with `MAP_PRIVATE | MAP_ANONYMOUS`).
///
/// The returned pointer is page-aligned; the mapping stays until [`unmap`].
///
/// # Errors
///
/// The `mmap` error, e.g. [`Errno::NOMEM`] if the memory is not available (also returned if
/// the kernel answers with address 0, as in [`map_file`]).
pub(crate) fn map_anonymous(len: NonZeroUsize) -> Result<NonNull<u8>> {
    // SAFETY: as in `map_file`: a null hint without `MAP_FIXED` makes the kernel choose a
    // fresh range, so no existing memory is affected, and no reference to the new memory
    // exists; we return only a raw pointer.
    let addr = unsafe {
        rustix::mm::mmap_anonymous(
            ptr::null_mut(),
            len.get(),
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE,
        )
    }?;
    NonNull::new(addr.cast::<u8>()).ok_or(Errno::NOMEM)
}

/// Removes the mapping `[addr, addr + len)` (`munmap(2)`).
///
/// # Errors
///
/// The `munmap` error, e.g. [`Errno::INVAL`] if `addr` is not page-aligned.
///
/// # Safety
///
/// - `[addr, addr + len)` must be all or the tail of a mapping that the caller owns (made by
///   [`map_file`], [`map_anonymous`] or [`remap`]), with `addr` page-aligned.
/// - No reference into that range may be alive, and the range must not be accessed again:
///   after this call the addresses may belong to some other mapping.
pub(crate) unsafe fn unmap(addr: NonNull<u8>, len: NonZeroUsize) -> Result<()> {
    // SAFETY: the caller promises (see `# Safety`) that the range is a mapping it owns,
    // page-aligned and with the provenance of the pointer `mmap` returned, and that no
    // reference into it is alive or will be used; that is rustix's `munmap` contract.
    unsafe { rustix::mm::munmap(addr.as_ptr().cast::<c_void>(), len.get()) }
}

/// Writes the dirty pages of `[addr, addr + len)` back to the file (`msync(2)`).
///
/// `wait` selects `MS_SYNC` (return after the write completed) or `MS_ASYNC` (schedule the
/// write and return). `addr` must be page-aligned; `len` is rounded up to whole pages by the
/// kernel. On private and anonymous mappings this does nothing.
///
/// # Errors
///
/// The `msync` error: [`Errno::INVAL`] if `addr` is not page-aligned, [`Errno::NOMEM`] if the
/// range is not entirely mapped, [`Errno::IO`] if writing back failed.
pub(crate) fn sync(addr: *mut u8, len: usize, wait: bool) -> Result<()> {
    #[cfg(test)]
    {
        calls::count(&calls::MSYNC);
        if let Some(errno) = calls::injected_msync_failure() {
            return Err(errno);
        }
    }
    let flags = if wait {
        MsyncFlags::SYNC
    } else {
        MsyncFlags::ASYNC
    };
    // SAFETY: rustix asks for an address "appropriate to call msync on", because some flags
    // change memory. We pass only `MS_SYNC` or `MS_ASYNC`, never `MS_INVALIDATE`: they copy
    // page-cache contents to storage and neither read nor write this process's memory through
    // `addr`, nor change any mapping. The kernel validates `addr` and `len` and answers
    // `EINVAL`/`ENOMEM` for a bad range, so no argument can break the memory model.
    unsafe { rustix::mm::msync(addr.cast::<c_void>(), len, flags) }
}

/// Gives the kernel an access-pattern hint for `[addr, addr + len)` (`madvise(2)`).
///
/// `addr` must be page-aligned; `len` is rounded up to whole pages by the kernel.
///
/// # Errors
///
/// The `madvise` error: [`Errno::INVAL`] if `addr` is not page-aligned, [`Errno::NOMEM`] if
/// the range is not entirely mapped.
pub(crate) fn advise(addr: *mut u8, len: usize, advice: Advice) -> Result<()> {
    // SAFETY: rustix warns that some advice mutates memory. `Advice` offers only
    // `NORMAL`, `SEQUENTIAL`, `RANDOM`, `WILLNEED`, `HUGEPAGE` and `NOHUGEPAGE`, which tune
    // read-ahead, caching and page sizes and never change the bytes a mapping shows or the
    // address space (a huge page is filled from the same file or zero-fill source). The kernel validates
    // `addr` and `len`, so no argument can break the memory model.
    unsafe { rustix::mm::madvise(addr.cast::<c_void>(), len, advice.to_rustix()) }
}

/// Which pages [`populate`] faults in.
#[cfg(target_os = "linux")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Populate {
    /// Read faults (`MADV_POPULATE_READ`): pages are read in and mapped, nothing is dirtied.
    Read,
    /// Write faults (`MADV_POPULATE_WRITE`): pages are mapped writable (a copy-on-write map
    /// gets its private copies); the bytes stay as they were.
    Write,
}

/// Faults in the pages of `[addr, addr + len)` now, so later accesses take no page fault
/// (`madvise(2)` with `MADV_POPULATE_READ` or `MADV_POPULATE_WRITE`, Linux 5.14+).
///
/// # Errors
///
/// The `madvise` error: [`Errno::INVAL`] if `addr` is not page-aligned or the kernel is
/// older than 5.14 (it does not know the advice), [`Errno::NOMEM`] if the range is not
/// entirely mapped, [`Errno::FAULT`] if populating failed (e.g. past the end of the file),
/// [`Errno::HWPOISON`] for a poisoned page.
#[cfg(target_os = "linux")]
pub(crate) fn populate(addr: *mut u8, len: usize, how: Populate) -> Result<()> {
    let advice = match how {
        Populate::Read => rustix::mm::Advice::LinuxPopulateRead,
        Populate::Write => rustix::mm::Advice::LinuxPopulateWrite,
    };
    // SAFETY: populate advice faults pages in as a read or write access would, without
    // storing anything: the bytes every mapping shows stay the same, and the address space
    // does not change. The kernel validates `addr` and `len`.
    unsafe { rustix::mm::madvise(addr.cast::<c_void>(), len, advice) }
}

/// Test-only counters of the flushing system calls made by the current thread, and failures
/// injected into its `msync(2)` calls.
///
/// Counting per thread keeps tests that run in parallel from seeing each other's calls;
/// a counter in the code under test (rather than a feature-gated hook) adds nothing to the
/// public API or to release builds, and counts the calls themselves, not their timing. The
/// injected failures are per thread for the same reason: a test fails only the calls its own
/// thread makes.
#[cfg(test)]
pub(crate) mod calls {
    use core::cell::Cell;
    use std::thread::LocalKey;

    use super::Errno;

    std::thread_local! {
        /// `msync(2)` calls.
        pub(crate) static MSYNC: Cell<u64> = const { Cell::new(0) };
        /// `fdatasync(2)` calls.
        pub(crate) static FDATASYNC: Cell<u64> = const { Cell::new(0) };
        /// `pwrite(2)` calls (each attempt, a retried short write counting again).
        pub(crate) static PWRITE: Cell<u64> = const { Cell::new(0) };
        /// The injected `msync(2)` failure: how many more calls pass first, and the error.
        static MSYNC_FAILURE: Cell<Option<(u64, Errno)>> = const { Cell::new(None) };
    }

    /// Makes this thread's `msync(2)` calls fail with `errno` once the next `pass` calls have
    /// gone through, until the returned guard is dropped. A failing call does not reach the
    /// kernel (it is counted in [`MSYNC`]): it reports the error a failed write-back reports
    /// (e.g. [`Errno::IO`]), and leaves the pages as they were, dirty — so a later call that
    /// is let through writes them back, as the kernel would once the device recovers.
    pub(crate) fn fail_msync(pass: u64, errno: Errno) -> MsyncFailure {
        MSYNC_FAILURE.with(|f| f.set(Some((pass, errno))));
        MsyncFailure(())
    }

    /// While alive, this thread's `msync(2)` calls fail as [`fail_msync`] asked.
    #[must_use = "the failure ends when the guard is dropped"]
    pub(crate) struct MsyncFailure(());

    impl Drop for MsyncFailure {
        fn drop(&mut self) {
            MSYNC_FAILURE.with(|f| f.set(None));
        }
    }

    /// The error an `msync(2)` call made now must fail with, if one was injected.
    pub(super) fn injected_msync_failure() -> Option<Errno> {
        MSYNC_FAILURE.with(|f| match f.get()? {
            (0, errno) => Some(errno),
            (pass, errno) => {
                f.set(Some((pass - 1, errno)));
                None
            }
        })
    }

    pub(super) fn count(which: &'static LocalKey<Cell<u64>>) {
        which.with(|c| c.set(c.get() + 1));
    }

    /// `(msync, fdatasync)` calls made by this thread so far.
    pub(crate) fn get() -> (u64, u64) {
        (MSYNC.with(Cell::get), FDATASYNC.with(Cell::get))
    }

    /// `pwrite(2)` calls made by this thread so far.
    pub(crate) fn pwrites() -> u64 {
        PWRITE.with(Cell::get)
    }
}

/// Resizes the mapping `[addr, addr + old_len)` to `new_len` bytes, moving it if needed
/// (`mremap(2)` with `MREMAP_MAYMOVE`; Linux only).
///
/// Contents are kept up to the smaller length, including the private pages of a
/// copy-on-write or anonymous mapping. Growth of a file mapping shows the file's bytes;
/// growth of an anonymous mapping shows zeros. On error the old mapping is unchanged.
///
/// # Errors
///
/// The `mremap` error, e.g. [`Errno::NOMEM`] if no address range is free,
/// [`Errno::INVAL`] if `addr` is not page-aligned.
///
/// # Safety
///
/// - `[addr, addr + old_len)` must be exactly one whole mapping that the caller owns (made by
///   [`map_file`], [`map_anonymous`] or this function), with `addr` page-aligned.
/// - No reference into it may be alive: the mapping may move, and on success `addr` must not
///   be used again; the returned pointer replaces it.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn remap(
    addr: NonNull<u8>,
    old_len: NonZeroUsize,
    new_len: NonZeroUsize,
) -> Result<NonNull<u8>> {
    // SAFETY: the caller promises (see `# Safety`) that the range is a whole, page-aligned
    // mapping it owns, with the provenance `mmap` gave it, and that no reference into it
    // is alive; that is rustix's `mremap` contract with `MREMAP_MAYMOVE`.
    let new = unsafe {
        rustix::mm::mremap(
            addr.as_ptr().cast::<c_void>(),
            old_len.get(),
            new_len.get(),
            rustix::mm::MremapFlags::MAYMOVE,
        )
    }?;
    NonNull::new(new.cast::<u8>()).ok_or(Errno::NOMEM)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn nz(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).expect("test lengths are non-zero")
    }

    #[test]
    fn page_size_is_a_power_of_two_of_at_least_4096() {
        let page = page_size();
        assert!(page.is_power_of_two(), "page size {page}");
        assert!(page >= 4096, "page size {page}");
    }

    #[test]
    fn stat_reports_length_type_and_identity() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[7; 1234]).unwrap();
        let st = stat(&file).unwrap();
        assert_eq!(st.len, 1234);
        assert!(st.is_regular);
        assert_eq!(stat(&file).unwrap().len, 1234);

        let clone = file.try_clone().unwrap();
        assert_eq!(stat(&clone).unwrap().id, st.id, "a dup is the same file");
        let other = tempfile::tempfile().unwrap();
        assert_ne!(stat(&other).unwrap().id, st.id, "another file differs");

        let null = std::fs::File::open("/dev/null").unwrap();
        assert!(!stat(&null).unwrap().is_regular);
    }

    #[test]
    fn set_len_grows_with_zeros_and_shrinks() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"abc").unwrap();
        set_len(file.as_file(), 10_000).unwrap();
        assert_eq!(stat(file.as_file()).unwrap().len, 10_000);
        let bytes = std::fs::read(file.path()).unwrap();
        assert_eq!(bytes.len(), 10_000);
        assert_eq!(&bytes[..3], b"abc");
        assert!(bytes[3..].iter().all(|&b| b == 0));
        set_len(file.as_file(), 1).unwrap();
        assert_eq!(std::fs::read(file.path()).unwrap(), b"a");
    }

    #[test]
    fn anonymous_map_is_zeroed_page_aligned_and_unmaps() {
        let page = page_size();
        let len = nz(3 * page + 5);
        let base = map_anonymous(len).unwrap();
        assert_eq!(base.as_ptr() as usize % page, 0);
        // SAFETY: the mapping is ours, readable, initialised (zero-filled) and `len` long;
        // no other pointer to it is used while the slice lives.
        let bytes = unsafe { core::slice::from_raw_parts(base.as_ptr(), len.get()) };
        assert!(bytes.iter().all(|&b| b == 0));
        // SAFETY: the whole mapping is ours and the slice above is no longer used.
        unsafe { unmap(base, len) }.unwrap();
    }

    #[test]
    fn msync_and_madvise_require_page_aligned_addresses() {
        let page = page_size();
        let len = nz(2 * page);
        let base = map_anonymous(len).unwrap();
        assert_eq!(sync(base.as_ptr(), len.get(), true), Ok(()));
        assert_eq!(sync(base.as_ptr(), len.get(), false), Ok(()));
        assert_eq!(advise(base.as_ptr(), len.get(), Advice::Sequential), Ok(()));
        assert_eq!(advise(base.as_ptr(), len.get(), Advice::WillNeed), Ok(()));
        let inside = base.as_ptr().wrapping_add(1);
        assert_eq!(sync(inside, 1, true), Err(Errno::INVAL));
        assert_eq!(advise(inside, 1, Advice::Random), Err(Errno::INVAL));
        // SAFETY: the whole mapping is ours and nothing refers to it.
        unsafe { unmap(base, len) }.unwrap();
    }

    #[test]
    fn an_injected_msync_failure_fails_this_threads_calls_after_the_passes_until_dropped() {
        let len = nz(page_size());
        let base = map_anonymous(len).unwrap();
        let addr = base.as_ptr() as usize;
        let sync_here = move || sync(addr as *mut u8, len.get(), true);
        let (before, _) = calls::get();
        let failure = calls::fail_msync(2, Errno::IO);
        assert_eq!(sync_here(), Ok(()));
        assert_eq!(sync_here(), Ok(()));
        assert_eq!(sync_here(), Err(Errno::IO));
        assert_eq!(sync_here(), Err(Errno::IO));
        // Another thread's calls are its own.
        assert_eq!(
            std::thread::scope(|s| s.spawn(sync_here).join().unwrap()),
            Ok(())
        );
        drop(failure);
        assert_eq!(sync_here(), Ok(()));
        assert_eq!(calls::get().0 - before, 5, "failed calls count too");
        // SAFETY: the whole mapping is ours and nothing refers to it.
        unsafe { unmap(base, len) }.unwrap();
    }

    #[test]
    fn map_file_rejects_unaligned_offsets_and_read_only_files_for_read_write() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&[1; 8192]).unwrap();
        assert_eq!(
            map_file(file.as_file(), 1, nz(10), Access::ReadOnly, false),
            Err(Errno::INVAL)
        );
        let read_only = std::fs::File::open(file.path()).unwrap();
        assert_eq!(
            map_file(&read_only, 0, nz(10), Access::ReadWrite, false),
            Err(Errno::ACCESS)
        );
        // Copy-on-write needs only read access to the file.
        let base = map_file(&read_only, 0, nz(10), Access::CopyOnWrite, true).unwrap();
        // SAFETY: the whole mapping is ours and nothing refers to it.
        unsafe { unmap(base, nz(10)) }.unwrap();
    }

    #[test]
    fn write_at_writes_at_the_offset_without_moving_the_position_and_reports_the_prefix() {
        use std::io::{Read, Seek};
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[0; 10]).unwrap();
        file.rewind().unwrap();
        assert_eq!(write_at(&file, b"abc", 6), Ok(()));
        assert_eq!(write_at(&file, b"", 3), Ok(()));
        let mut back = Vec::new();
        file.read_to_end(&mut back).unwrap();
        assert_eq!(
            back, b"\0\0\0\0\0\0abc\0",
            "read from position 0: not moved"
        );
        // Past the end extends, as pwrite does.
        assert_eq!(write_at(&file, b"z", 12), Ok(()));
        assert_eq!(stat(&file).unwrap().len, 13);
        // A descriptor not open for writing: nothing written, the error reported.
        let path = tempfile::NamedTempFile::new().unwrap();
        let read_only = std::fs::File::open(path.path()).unwrap();
        assert_eq!(write_at(&read_only, b"abc", 0), Err((0, Errno::BADF)));
        assert_eq!(sync_data(&file), Ok(()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn mremap_keeps_contents_and_grows_with_zeros() {
        let page = page_size();
        let base = map_anonymous(nz(page)).unwrap();
        // SAFETY: the mapping is ours, writable and `page` bytes long; no other pointer to it
        // is used while the slice lives.
        let bytes = unsafe { core::slice::from_raw_parts_mut(base.as_ptr(), page) };
        bytes.fill(0xAB);
        // SAFETY: `base` is a whole mapping of `page` bytes that we own; the slice above is
        // no longer used.
        let grown = unsafe { remap(base, nz(page), nz(4 * page)) }.unwrap();
        // SAFETY: the remapped mapping is ours, readable and `4 * page` bytes long.
        let bytes = unsafe { core::slice::from_raw_parts(grown.as_ptr(), 4 * page) };
        assert!(bytes[..page].iter().all(|&b| b == 0xAB));
        assert!(bytes[page..].iter().all(|&b| b == 0));
        // SAFETY: the whole mapping is ours and the slice above is no longer used.
        unsafe { unmap(grown, nz(4 * page)) }.unwrap();
    }
}
