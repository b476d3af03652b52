#![doc = include_str!("../../README.md")]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]
#![deny(unsafe_code)]

mod error;
mod fs;
mod memmap;
mod mode;
pub mod npy;
#[cfg(feature = "npz")]
pub mod npz;
mod raw;
#[cfg(all(target_has_atomic = "64", not(mmarray_loom)))]
mod row_log;
mod sys;

pub use error::{Error, Result};
pub use memmap::{Memmap, Options, create, open_copy_on_write, open_read, open_read_write};
pub use mode::{Access, CopyOnWrite, Dynamic, MODE_NAMES, Mode, ReadOnly, ReadWrite, Writable};
#[cfg(all(target_has_atomic = "64", not(mmarray_loom)))]
pub use row_log::{RowLog, RowsMut, Writer};
pub use sys::Advice;

/// The no_std core, re-exported: views, layouts, `.npy` headers.
pub use mmarray;
// What a user of `Memmap`, `npy` and `RowLog` names: element bounds and types, shapes,
// orders, views, the `.npy` header, the watermarks.
#[cfg(all(target_has_atomic = "64", not(mmarray_loom)))]
pub use mmarray::claim::Watermarks;
pub use mmarray::{
    ArrayView, ArrayViewMut, Bool, Complex, Dimension, Dtype, Element, Ix0, Ix1, Ix2, Ix3, Ix4,
    Ix5, Ix6, IxDyn, NumpyFormat, Order, ScalarValue, Slice, zerocopy,
};
