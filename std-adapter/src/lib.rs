#![doc = include_str!("../../README.md")]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]
#![deny(unsafe_code)]

mod error;
mod fs;
mod memmap;
mod mode;
#[cfg(feature = "ndarray")]
mod ndarray_io;
pub mod npy;
#[cfg(feature = "npz")]
pub mod npz;
mod raw;
#[cfg(all(target_has_atomic = "64", not(mmarray_loom)))]
mod row_log;
mod sys;

pub use error::{Error, Result};
pub use memmap::{
    Memmap, Mismatch, Options, create, open_copy_on_write, open_read, open_read_write,
};
pub use mode::{Access, CopyOnWrite, Dynamic, MODE_NAMES, Mode, ReadOnly, ReadWrite, Writable};
#[cfg(all(target_has_atomic = "64", not(mmarray_loom)))]
pub use row_log::{RowLog, RowsMut, Writer};
pub use sys::Advice;

/// The no_std core, re-exported: views, layouts, `.npy` headers.
pub use mmarray;
// What a user of `Memmap`, `npy` and `RowLog` names: element bounds and types, shapes,
// orders, views, the `.npy` header, the watermarks.
#[cfg(feature = "half")]
pub use mmarray::F16;
#[cfg(all(target_has_atomic = "64", not(mmarray_loom)))]
pub use mmarray::claim::Watermarks;
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
