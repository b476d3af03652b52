//! Complex numbers as numpy stores them.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A complex number as numpy stores it: real part then imaginary part (`<c8` for `f32`, `<c16` for `f64`).
///
/// # Examples
///
/// ```
/// use mmarray::{Complex, Dtype};
/// let z = Complex { re: 1.0f32, im: -2.0 };
/// assert_eq!(z.im, -2.0);
/// assert_eq!(<Complex<f64> as Dtype>::DESCR.itemsize(), 16);
/// ```
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug, PartialEq, Default)]
#[repr(C)]
pub struct Complex<T> {
    /// Real part.
    pub re: T,
    /// Imaginary part.
    pub im: T,
}
