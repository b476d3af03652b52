//! Shapes: the rank and axis lengths of an array, with rank fixed at compile time
//! (`[usize; N]`, named [`Ix0`] to [`Ix6`]) or chosen at run time ([`IxDyn`]), and
//! [`RemoveAxis`] for the shape with one axis fewer.

use core::fmt::Debug;
use core::hash::Hash;

use crate::error::Error;

/// The most dimensions an array may have: numpy 2's limit (numpy 1 allowed 32).
pub const MAX_DIMS: usize = 64;

mod sealed {
    pub trait Sealed {}
}

/// The shape of an array: its rank and the length of each axis.
///
/// Implemented by `[usize; N]` (a rank known at compile time, stored in `N`
/// words: [`Ix0`] to [`Ix6`] name the common ones) and by [`IxDyn`] (a rank
/// chosen at run time, 0 to [`MAX_DIMS`] axes, stored inline). Sealed: the
/// layout code relies on these two.
pub trait Dimension: sealed::Sealed + Clone + Eq + Hash + Debug + Send + Sync + 'static {
    /// Per-axis strides in elements, of the same rank.
    type Strides: Clone
        + Eq
        + Hash
        + Debug
        + Send
        + Sync
        + 'static
        + AsRef<[isize]>
        + AsMut<[isize]>;

    /// The rank, when it is fixed at compile time.
    const NDIM: Option<usize>;

    /// The axis lengths.
    fn as_slice(&self) -> &[usize];

    /// The axis lengths, mutably.
    fn as_mut_slice(&mut self) -> &mut [usize];

    /// Builds a shape from axis lengths.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`] when the rank is fixed and differs from
    /// `dims.len()`; [`Error::TooManyDims`] past [`MAX_DIMS`].
    fn from_dims(dims: &[usize]) -> Result<Self, Error>;

    /// Strides of the same rank, all zero.
    fn zero_strides(&self) -> Self::Strides;

    /// The number of axes.
    fn ndim(&self) -> usize {
        self.as_slice().len()
    }

    /// The number of elements, or `None` when the shape is not addressable: the product of
    /// its non-zero axis lengths exceeds `isize::MAX` (numpy's rule, which holds for empty
    /// arrays too: `(2**63, 0)` is refused).
    fn size_checked(&self) -> Option<usize> {
        element_count(self.as_slice())
    }
}

/// The number of elements of `dims`, or `None` if the product of the non-zero axis lengths
/// exceeds `isize::MAX` (see [`Dimension::size_checked`]).
pub(crate) fn element_count(dims: &[usize]) -> Option<usize> {
    let nonzero = nonzero_product(dims)?;
    Some(if dims.contains(&0) { 0 } else { nonzero })
}

/// The product of the non-zero axis lengths of `dims` (1 for none), if at most `isize::MAX`:
/// what numpy checks, times the item size, before it makes any array.
pub(crate) fn nonzero_product(dims: &[usize]) -> Option<usize> {
    dims.iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= isize::MAX as usize)
}

/// A shape with one axis fewer exists: the result of
/// [`index_axis`](crate::ArrayBase::index_axis).
pub trait RemoveAxis: Dimension {
    /// The shape without the axis.
    type Smaller: Dimension;

    /// Removes `axis` (which the caller has checked is in range).
    fn remove_axis(&self, axis: usize) -> Self::Smaller;

    /// Removes `axis` from strides of this rank.
    fn remove_stride(strides: &Self::Strides, axis: usize)
    -> <Self::Smaller as Dimension>::Strides;
}

impl<const N: usize> sealed::Sealed for [usize; N] {}

impl<const N: usize> Dimension for [usize; N] {
    type Strides = [isize; N];
    const NDIM: Option<usize> = Some(N);

    fn as_slice(&self) -> &[usize] {
        self
    }
    fn as_mut_slice(&mut self) -> &mut [usize] {
        self
    }
    fn from_dims(dims: &[usize]) -> Result<Self, Error> {
        if N > MAX_DIMS {
            return Err(Error::TooManyDims { ndim: N });
        }
        dims.try_into().map_err(|_| Error::RankMismatch {
            expected: N,
            actual: dims.len(),
        })
    }
    fn zero_strides(&self) -> [isize; N] {
        [0; N]
    }
}

macro_rules! remove_axis_fixed {
    ($($n:literal => $m:literal),*) => {$(
        impl RemoveAxis for [usize; $n] {
            type Smaller = [usize; $m];
            fn remove_axis(&self, axis: usize) -> [usize; $m] {
                remove_one(self, axis, 0)
            }
            fn remove_stride(strides: &[isize; $n], axis: usize) -> [isize; $m] {
                remove_one(strides, axis, 0)
            }
        }
    )*};
}
remove_axis_fixed!(1 => 0, 2 => 1, 3 => 2, 4 => 3, 5 => 4, 6 => 5, 7 => 6, 8 => 7);

fn remove_one<X: Copy, const N: usize, const M: usize>(a: &[X; N], axis: usize, zero: X) -> [X; M] {
    let mut out = [zero; M];
    let kept = a.iter().enumerate().filter(|&(i, _)| i != axis);
    for (o, (_, &x)) in out.iter_mut().zip(kept) {
        *o = x;
    }
    out
}

// What the layout code relies on: numpy 2's limit (and at least numpy 1's 32
// axes); static-rank shapes and strides cost exactly their words, so a 2-d view
// never carries 64-axis storage; `position`'s signed sums fit the strides' type.
static_assertions::const_assert!(MAX_DIMS == 64);
static_assertions::assert_eq_size!([usize; 2], Ix2);
static_assertions::assert_eq_size!(<Ix2 as Dimension>::Strides, [isize; 2]);
static_assertions::assert_eq_size!(Ix0, ());
static_assertions::assert_eq_size!(usize, isize);
static_assertions::assert_impl_all!(IxDyn: Send, Sync, Clone);

/// A 0-d shape: one element, no axes.
pub type Ix0 = [usize; 0];
/// A 1-d shape.
pub type Ix1 = [usize; 1];
/// A 2-d shape.
pub type Ix2 = [usize; 2];
/// A 3-d shape.
pub type Ix3 = [usize; 3];
/// A 4-d shape.
pub type Ix4 = [usize; 4];
/// A 5-d shape.
pub type Ix5 = [usize; 5];
/// A 6-d shape.
pub type Ix6 = [usize; 6];

/// A shape of dynamic rank (0 to [`MAX_DIMS`] axes), stored inline without allocation.
///
/// # Examples
///
/// ```
/// use mmarray::IxDyn;
/// let s = IxDyn::new(&[3, 4]).unwrap();
/// assert_eq!(s.as_slice(), &[3, 4]);
/// assert!(IxDyn::new(&[1; 65]).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct IxDyn(pub(crate) heapless::Vec<usize, MAX_DIMS>);

impl IxDyn {
    /// A shape with these axis lengths.
    ///
    /// # Errors
    ///
    /// [`Error::TooManyDims`] for more than [`MAX_DIMS`] axes.
    pub fn new(dims: &[usize]) -> Result<Self, Error> {
        heapless::Vec::from_slice(dims)
            .map(IxDyn)
            .map_err(|_| Error::TooManyDims { ndim: dims.len() })
    }

    /// The axis lengths.
    pub fn as_slice(&self) -> &[usize] {
        &self.0
    }
}

impl sealed::Sealed for IxDyn {}

impl Dimension for IxDyn {
    type Strides = heapless::Vec<isize, MAX_DIMS>;
    const NDIM: Option<usize> = None;

    fn as_slice(&self) -> &[usize] {
        &self.0
    }
    fn as_mut_slice(&mut self) -> &mut [usize] {
        &mut self.0
    }
    fn from_dims(dims: &[usize]) -> Result<Self, Error> {
        IxDyn::new(dims)
    }
    fn zero_strides(&self) -> Self::Strides {
        let mut s = heapless::Vec::new();
        // Same length as self, which is at most MAX_DIMS: cannot fail.
        let _ = s.resize(self.0.len(), 0);
        s
    }
}

impl RemoveAxis for IxDyn {
    type Smaller = IxDyn;
    fn remove_axis(&self, axis: usize) -> IxDyn {
        let mut v = self.0.clone();
        v.remove(axis);
        IxDyn(v)
    }
    fn remove_stride(strides: &Self::Strides, axis: usize) -> Self::Strides {
        let mut v = strides.clone();
        v.remove(axis);
        v
    }
}

/// Anything that names a shape of rank `D`: the shape itself, a `usize` for one axis
/// (numpy's `shape=12`), or axis lengths in a slice, array or `Vec` (by reference) for
/// [`IxDyn`] or, checked, a fixed rank.
///
/// # Examples
///
/// ```
/// use mmarray::{Ix1, Ix2, IntoShape, IxDyn};
/// let one: Ix1 = 12.into_shape()?;
/// assert_eq!(one, [12]);
/// let dims = vec![3, 4];
/// let dynamic: IxDyn = (&dims).into_shape()?;
/// assert_eq!(dynamic.as_slice(), &[3, 4]);
/// let fixed: Ix2 = dims[..].into_shape()?;
/// assert_eq!(fixed, [3, 4]);
/// assert!(IntoShape::<Ix2>::into_shape(&[1, 2, 3][..]).is_err());
/// # Ok::<(), mmarray::Error>(())
/// ```
pub trait IntoShape<D: Dimension> {
    /// The shape.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`] for axis lengths of another rank than a fixed `D`;
    /// [`Error::TooManyDims`] past [`MAX_DIMS`].
    fn into_shape(self) -> Result<D, Error>;
}

impl IntoShape<IxDyn> for IxDyn {
    fn into_shape(self) -> Result<IxDyn, Error> {
        Ok(self)
    }
}

impl<const N: usize> IntoShape<[usize; N]> for [usize; N] {
    fn into_shape(self) -> Result<[usize; N], Error> {
        Ok(self)
    }
}

impl IntoShape<[usize; 1]> for usize {
    fn into_shape(self) -> Result<[usize; 1], Error> {
        Ok([self])
    }
}

impl IntoShape<IxDyn> for usize {
    fn into_shape(self) -> Result<IxDyn, Error> {
        IxDyn::new(&[self])
    }
}

impl<const N: usize> IntoShape<IxDyn> for [usize; N] {
    fn into_shape(self) -> Result<IxDyn, Error> {
        IxDyn::new(&self)
    }
}

impl<S: AsRef<[usize]> + ?Sized> IntoShape<IxDyn> for &S {
    fn into_shape(self) -> Result<IxDyn, Error> {
        IxDyn::new(self.as_ref())
    }
}

impl<S: AsRef<[usize]> + ?Sized, const N: usize> IntoShape<[usize; N]> for &S {
    fn into_shape(self) -> Result<[usize; N], Error> {
        <[usize; N]>::from_dims(self.as_ref())
    }
}
