//! Typed N-dimensional views over byte regions that somebody else mapped.
//!
//! `mmarray` is the `#![no_std]`, allocation-free core of numpy.memmap done the
//! Rust way. It takes a region of bytes — a file map, a shared-memory segment,
//! a buffer a bootloader handed over, a `static` array — and gives typed N-d
//! views over it. zerocopy checks every cast (alignment and size), shapes live
//! inline (up to [`MAX_DIMS`] axes), all layout arithmetic is checked, and the
//! crate has no `unsafe` code and makes no syscalls. Opening and mapping files
//! is the job of the `mmarray-std` crate, which re-exports this one.
//!
//! # Quickstart (no_std)
//!
//! ```
//! use mmarray::{ArrayView, ArrayViewMut, Order, Slice};
//! use zerocopy::byteorder::little_endian::F32;
//!
//! // A region handed over by firmware: 12 little-endian f32 values, 0.0 to 11.0.
//! static REGION: [u8; 48] = [
//!     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x40, //  0  1  2  3
//!     0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0xa0, 0x40, 0x00, 0x00, 0xc0, 0x40, 0x00, 0x00, 0xe0, 0x40, //  4  5  6  7
//!     0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x10, 0x41, 0x00, 0x00, 0x20, 0x41, 0x00, 0x00, 0x30, 0x41, //  8  9 10 11
//! ];
//!
//! // `F32` is unaligned, so any byte offset works, on any host byte order.
//! let a = ArrayView::<F32, _>::from_bytes(&REGION, [3, 4], Order::C).unwrap();
//! assert_eq!(a[[2, 1]].get(), 9.0);
//! assert_eq!(a.to_string(), "[[ 0.,  1.,  2.,  3.],\n [ 4.,  5.,  6.,  7.],\n [ 8.,  9., 10., 11.]]");
//!
//! // numpy's a[1:, ::2]
//! let b = a.slice(&[Slice::from(1..), Slice::full().step_by(2)]).unwrap();
//! assert_eq!(b.iter().map(|x| x.get()).collect::<Vec<_>>(), [4.0, 6.0, 8.0, 10.0]);
//!
//! // A writable region: a plain buffer, viewed in Fortran order.
//! let mut buf = [0u32; 6];
//! let mut m = ArrayViewMut::from_slice(&mut buf, [2, 3], Order::F).unwrap();
//! m[[1, 2]] = 5;
//! assert_eq!(buf, [0, 0, 0, 0, 0, 5]);
//! ```
//!
//! # The main types
//!
//! | | |
//! |---|---|
//! | [`ArrayView`], [`ArrayViewMut`] ([`ArrayBase`]) | typed views over a region: indexing, numpy slicing ([`Slice`]), axes, iteration, numpy's printing |
//! | [`Layout`], [`Dimension`], [`Ix2`], [`IxDyn`], [`Order`] | shapes, strides and orders, with checked arithmetic |
//! | [`Element`], [`Dtype`] | what a view may hold (zerocopy's traits) and its numpy data type |
//! | [`npy`] | the `.npy` header: read, check, write byte for byte as numpy does, grow in place |
//! | [`claim`] | lock-free row claims and watermarks for concurrent writers |
//! | [`Error`] | every failure, as a small `Copy` enum |
//!
//! # Safety
//!
//! The crate is `#![forbid(unsafe_code)]`: it only borrows bytes (`&[u8]`, `&mut [u8]`)
//! and casts them with zerocopy, which checks alignment and size. Whoever maps the bytes
//! owns the contract that they stay valid and unchanged while borrowed — for files,
//! `mmarray-std` states it on its `Memmap`.
//!
//! # Platforms
//!
//! Any target with `core`: `#![no_std]`, no `alloc` (the optional `ndarray` feature needs
//! `alloc`). Checked on Linux x86_64 (tested), `thumbv7em-none-eabihf` and
//! `thumbv6m-none-eabi` (built as a `no_std` `panic = "abort"` staticlib); it builds on
//! Windows, where the file-mapping adapter `mmarray-std` does not. The [`claim`] module
//! needs 64-bit atomics.
//!
//! # Features
//!
//! | feature | what it adds |
//! |---|---|
//! | `ndarray` | zero-copy conversions of views to ndarray 0.17's `ArrayView` / `ArrayViewMut` (`as_ndarray()`), re-exports `ndarray` |
#![no_std]
#![forbid(unsafe_code)]
// docs.rs (`--cfg docsrs`, Cargo.toml): feature-gated items show the feature they need.
#![cfg_attr(docsrs, feature(doc_cfg))]
// Here rather than in [workspace.lints]: the adapter's test and bench helper modules
// (`tests/common`, `benches/common`) hold many `pub` items a crate root cannot reach.
#![warn(unreachable_pub, missing_debug_implementations)]

pub mod claim;
mod dtype;
mod element;
mod error;
mod layout;
pub mod npy;
mod sync;
mod view;

#[doc(hidden)]
pub use dtype::__field_size_matches;
#[cfg(feature = "half")]
pub use dtype::F16;
pub use dtype::{
    Bool, ByteOrder, ByteStr, Complex, Datetime64, Dtype, FieldType, Kind, NumpyFormat, Record,
    RecordField, Scalar, ScalarValue, TimeUnit, Timedelta64, TypeDescr, Unicode, unit,
};
pub use element::Element;
pub use error::Error;
pub use layout::{
    Dimension, IntoShape, Ix0, Ix1, Ix2, Ix3, Ix4, Ix5, Ix6, IxDyn, Layout, MAX_DIMS, Order,
    ParseOrderError, RemoveAxis, Slice,
};
pub use view::{ArrayBase, ArrayView, ArrayViewMut, Iter, Repr, Storage, StorageMut};
#[cfg(feature = "ndarray")]
pub use view::{FromNdarrayDim, NdarrayDim};

/// Re-exported (feature `ndarray`) so the conversions' ndarray is the one a user names.
#[cfg(feature = "ndarray")]
pub use ndarray;
/// Re-exported so element types and casts need no separate dependency.
pub use zerocopy;

/// Re-exported (feature `half`): [`half::f16`] is numpy's `float16` in native byte order.
#[cfg(feature = "half")]
pub use half;
/// This crate's crates.io page (`docs/mmarray-crate.md`): its example is a doctest.
#[cfg(doctest)]
#[doc = include_str!("../docs/mmarray-crate.md")]
struct CrateReadme;
