//! numpy.memmap for Rust: files, descriptors and `.npy` / `.npz` members mapped
//! as typed N-dimensional arrays.
//!
//! `mmarray-std` opens and maps files with [rustix] (`mmap`, `ftruncate`,
//! `MAP_PRIVATE`, `msync`, `madvise`, `mremap`) and hands out the typed views of
//! the `#![no_std]` core, [`mmarray`], which it re-exports. It keeps numpy's
//! modes (`r`, `r+`, `w+`, `c`), offsets, shapes and orders, and adds what numpy
//! lacks: bad input never changes a file, [`Memmap::close`] reports flush errors,
//! maps grow in place ([`Memmap::append`]), views cannot outlive their map, and
//! many writers can share one file through a lock-free [`RowLog`].
//!
//! # Quickstart
//!
//! ```
//! use mmarray_std::{Ix2, Options, Slice};
//!
//! let dir = tempfile::tempdir()?; // any directory will do
//! let path = dir.path().join("data.f32");
//!
//! // numpy: np.memmap(path, dtype='float32', mode='w+', shape=(3, 4))
//! let mut opts = Options::<f32, Ix2>::new();
//! opts.shape([3, 4]);
//! // SAFETY: nothing else writes or truncates this file while it is mapped.
//! let mut m = unsafe { opts.create(&path) }?;
//! for (i, x) in m.as_mut_slice().iter_mut().enumerate() {
//!     *x = i as f32;
//! }
//! m.close()?; // flushes (msync) and reports any error
//!
//! // numpy: np.memmap(path, dtype='float32', mode='r', shape=(3, 4))[1:, ::-2]
//! // SAFETY: as above.
//! let r = unsafe { opts.open_read(&path) }?;
//! let v = r.view().slice(&[Slice::from(1..), Slice::full().step_by(-2)])?;
//! assert_eq!(v.to_string(), "[[ 7.,  5.],\n [11.,  9.]]");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! (The last line, hidden in the rendered docs, only gives `?` a return type.)
//! More in the examples: `cargo run --release -p mmarray-std --example tour` walks
//! through numpy.memmap's docstring; `npz_members` and `row_log_processes` map an
//! `.npz` and share a row log between processes.
//!
//! # The main types
//!
//! | | |
//! |---|---|
//! | [`Memmap<T, D, A>`](Memmap) | a mapped array of `T` with shape type `D` and access `A` ([`ReadOnly`], [`ReadWrite`], [`CopyOnWrite`], or [`Dynamic`], checked at run time) |
//! | [`Options`], [`open_read`], [`create`], … | numpy.memmap's arguments and its one-line forms |
//! | [`Mode`] | numpy's mode strings, parsed and printed |
//! | [`npy`] | `.npy` files: `np.load(path, mmap_mode=…)`, `open_memmap`, appending in place |
//! | `npz` (feature `npz`) | the members of `np.savez` archives, mapped where they lie |
//! | [`RowLog`] | a file of rows that writers in many threads or processes append to without a lock |
//! | [`ArrayView`], [`ArrayViewMut`], [`Slice`] | the core's views: indexing, slicing, iteration, numpy's printing |
//! | [`Error`] | every failure, saying what was wrong and what would be right |
//!
//! # Safety contract
//!
//! Mapping a file is `unsafe`, as in memmap2: while a map or a view of it is
//! alive, **no other handle of the file — in this or any other process — may
//! write the mapped range, and nothing may truncate the file**; a writable map
//! is also the only map of its range in this process. A concurrent write is a
//! data race on memory Rust believes immutable (or exclusively borrowed); a
//! truncation makes later reads fault with `SIGBUS`. The full contract is
//! written once, on [`Memmap`] ("Safety contract of file-backed maps"), and
//! every constructor's `# Safety` section says what it excludes. [`RowLog`]
//! states its own for shared logs, and enforces its in-process part: a file is
//! held by at most one row log per process (a second one is
//! [`Error::AlreadyOpen`]), so the caller's promise is about other processes
//! and about access that is not through a row log. Anonymous maps
//! ([`Memmap::anonymous`], [`RowLog::anonymous`]) are safe. The core has no
//! `unsafe` at all.
//!
//! # Platforms
//!
//! | platform | status |
//! |---|---|
//! | Linux x86_64 | tested: every test, doctest and example runs in `ci/test` |
//! | macOS (aarch64), FreeBSD (x86_64) | builds: `cargo check --target` in `ci/test`; not run there |
//! | other Unix | expected to build (rustix), not checked |
//! | Windows | not supported: rustix has no memory-mapping API there, and the crate stops with one `compile_error!`. The core, [`mmarray`], builds on Windows (and on bare metal) |
//!
//! The one Linux-only system call has a portable fallback: growing a map
//! ([`Memmap::grow`], [`Memmap::append`]) moves it with `mremap(2)` on Linux;
//! elsewhere a new `mmap(2)` of the longer range replaces the old mapping
//! (copy-on-write contents are copied over) — the same result and the same
//! errors, and this path is tested on Linux too. Every other call (`mmap`,
//! `msync`, `madvise` with the [`Advice`] it offers, `ftruncate`) is POSIX.
//!
//! # Features
//!
//! | feature | what it adds |
//! |---|---|
//! | `npz` | `npz::Archive`: map `.npz` members in place (the [`zip`](https://docs.rs/zip) crate, reading the directory only) |
//! | `ndarray` | zero-copy `as_ndarray()` / `as_ndarray_mut()` on maps and views, `npy::save_ndarray`, `Options::like`; re-exports `ndarray` 0.17 |
//!
//! [rustix]: https://docs.rs/rustix
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]
// Every `unsafe` block carries its `// SAFETY:` argument (clippy -D warnings in ci/test).
#![warn(clippy::undocumented_unsafe_blocks)]
#![deny(unsafe_code)]
// docs.rs (`--cfg docsrs`, Cargo.toml): feature-gated items show the feature they need.
#![cfg_attr(docsrs, feature(doc_cfg))]
// Not on every item: `unix` (the whole crate is Unix-only, as the first page says) and the
// loom test configuration.
#![cfg_attr(docsrs, doc(auto_cfg(hide(unix, mmarray_loom))))]

// Memory maps need rustix's `mm` module, which exists on Unix only. Everything below is
// `cfg(unix)`, so another target gets this one error instead of dozens from inside.
#[cfg(not(unix))]
compile_error!(
    "mmarray-std supports Unix targets only (tested on Linux; builds for macOS and FreeBSD): \
     rustix has no memory-mapping API on this target. The core crate `mmarray` (no_std, no \
     unsafe) builds here: depend on it and map the bytes with the platform's own API."
);

#[cfg(unix)]
mod error;
#[cfg(unix)]
mod fs;
#[cfg(unix)]
mod memmap;
#[cfg(unix)]
mod mode;
#[cfg(all(unix, feature = "ndarray"))]
mod ndarray_io;
#[cfg(unix)]
pub mod npy;
#[cfg(all(unix, feature = "npz"))]
pub mod npz;
#[cfg(unix)]
mod raw;
#[cfg(all(unix, target_has_atomic = "64", not(mmarray_loom)))]
mod row_log;
#[cfg(unix)]
mod sys;

#[cfg(unix)]
pub use error::{Error, Result};
#[cfg(unix)]
pub use memmap::{
    Memmap, Mismatch, Options, create, open_copy_on_write, open_read, open_read_write,
};
#[cfg(unix)]
pub use mode::{Access, CopyOnWrite, Dynamic, MODE_NAMES, Mode, ReadOnly, ReadWrite, Writable};
#[cfg(all(unix, target_has_atomic = "64", not(mmarray_loom)))]
pub use row_log::{Flushed, Hole, Owner, Recovered, RowLog, RowsMut, Writer};
#[cfg(unix)]
pub use sys::Advice;

/// The no_std core, re-exported: views, layouts, `.npy` headers.
pub use mmarray;
// What a user of `Memmap`, `npy` and `RowLog` names: element bounds and types, shapes,
// orders, views, the `.npy` header, the watermarks.
#[cfg(feature = "half")]
pub use mmarray::F16;
#[cfg(all(target_has_atomic = "64", not(mmarray_loom)))]
pub use mmarray::claim::{ValidRuns, Validity, Watermarks};
pub use mmarray::{
    ArrayView, ArrayViewMut, Bool, ByteStr, Complex, Datetime64, Dimension, Dtype, Element,
    FieldType, IntoShape, Ix0, Ix1, Ix2, Ix3, Ix4, Ix5, Ix6, IxDyn, NumpyFormat, Order,
    ScalarValue, Slice, Timedelta64, Unicode, unit, zerocopy,
};
/// The ndarray crate the conversions speak (feature `ndarray`), and the shape-type
/// correspondences: `[usize; N]` ↔ `IxN` up to 6 axes, [`IxDyn`] ↔ `ndarray::IxDyn`.
#[cfg(feature = "ndarray")]
pub use mmarray::{FromNdarrayDim, NdarrayDim, ndarray};

/// Declares a numpy record once: [`mmarray::record!`] for users of this crate alone.
///
/// The same macro, naming zerocopy through this crate (`::mmarray_std::zerocopy`), so
/// `mmarray-std` is the one dependency a program needs. See [`mmarray::record!`] for the
/// syntax, the layouts and the checks.
///
/// # Examples
///
/// ```
/// mmarray_std::record! {
///     /// A reading.
///     pub struct Reading {
///         pub t: u32,
///         pub v: f32,
///     }
/// }
///
/// let r = Reading { t: 3, v: 0.5 };
/// assert_eq!(r.to_string(), "(3, 0.5)");
/// let descr = mmarray_std::mmarray::npy::Descr::of::<Reading>();
/// assert_eq!(descr.to_string(), "[('t', '<u4'), ('v', '<f4')]");
/// ```
#[macro_export]
macro_rules! record {
    ($($body:tt)*) => {
        $crate::mmarray::__record!(@start "::mmarray_std::zerocopy" $($body)*);
    };
}

/// The repository's README.md: its examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct RepositoryReadme;

/// This crate's README.md (its crates.io page): its examples are doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadme;
