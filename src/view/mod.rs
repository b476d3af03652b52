//! Typed N-d views over borrowed bytes or slices.
//!
//! [`ArrayView`] borrows shared data, [`ArrayViewMut`] borrows exclusively.
//! Both are [`ArrayBase`] over a different storage, so everything that only
//! reads is written once. A view is built from bytes by zerocopy, which checks
//! size and alignment, and from there on every element access is safe index
//! arithmetic into the typed slice, guarded by the [`Layout`] invariants.
//!
//! The methods of [`ArrayBase`] are split by concern, as ndarray splits its views:
//! `construct.rs` (building a view from bytes, a slice or a layout), `access.rs`
//! (attributes, element access, indexing, contiguous slices), `transform.rs`
//! (slicing and axis transformations), `split.rs` (disjoint mutable parts),
//! `write.rs` (filling and copying into a view), `iter.rs` (iteration),
//! `print.rs` (numpy's array printing; the scalars' formatting is the dtype layer's
//! `NumpyFormat`), `ndarray_view.rs` (zero-copy
//! conversions to ndarray's views, feature `ndarray`).

mod access;
mod construct;
mod iter;
#[cfg(feature = "ndarray")]
mod ndarray_view;
mod print;
mod split;
mod transform;
mod write;

pub use iter::Iter;
pub(crate) use iter::Positions;
#[cfg(feature = "ndarray")]
pub use ndarray_view::{FromNdarrayDim, NdarrayDim};
pub use print::Repr;

use crate::layout::{Dimension, IxDyn, Layout};

mod sealed {
    pub trait Sealed {}
}

/// What a view borrows: `&[T]` or `&mut [T]`. Sealed.
pub trait Storage: sealed::Sealed {
    /// The element type.
    type Elem;
    /// The backing slice.
    fn slice(&self) -> &[Self::Elem];
}

/// Storage that can be written: `&mut [T]`. Sealed.
pub trait StorageMut: Storage {
    /// The backing slice, mutably.
    fn slice_mut(&mut self) -> &mut [Self::Elem];
}

impl<T> sealed::Sealed for &[T] {}
impl<T> Storage for &[T] {
    type Elem = T;
    #[inline]
    fn slice(&self) -> &[T] {
        self
    }
}
impl<T> sealed::Sealed for &mut [T] {}
impl<T> Storage for &mut [T] {
    type Elem = T;
    #[inline]
    fn slice(&self) -> &[T] {
        self
    }
}
impl<T> StorageMut for &mut [T] {
    #[inline]
    fn slice_mut(&mut self) -> &mut [T] {
        self
    }
}

/// An N-d array over borrowed storage `S` with shape type `D`.
///
/// Use the aliases [`ArrayView`] and [`ArrayViewMut`]. The storage is exactly
/// the slice the layout was validated against (see [`Layout`]'s invariants),
/// so every in-bounds index names an element of it.
pub struct ArrayBase<S: Storage, D: Dimension> {
    data: S,
    layout: Layout<D>,
}

/// A shared N-d view: `Copy`-cheap to clone, `Send`/`Sync` when `T: Sync`.
///
/// # Examples
///
/// ```
/// use mmarray::{ArrayView, Order};
/// let data = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0];
/// let a = ArrayView::from_slice(&data, [2, 3], Order::C).unwrap();
/// assert_eq!(a[[1, 2]], 5.0);
/// assert_eq!(a.t()[[2, 1]], 5.0);
/// assert_eq!(a.to_string(), "[[0., 1., 2.],\n [3., 4., 5.]]");
/// ```
pub type ArrayView<'a, T, D = IxDyn> = ArrayBase<&'a [T], D>;

/// An exclusive N-d view: writes go to the borrowed region.
///
/// # Examples
///
/// ```
/// use mmarray::{ArrayViewMut, Order};
/// let mut data = [0u16; 6];
/// let mut a = ArrayViewMut::from_slice(&mut data, [2, 3], Order::F).unwrap();
/// a[[1, 0]] = 7;
/// a.index_axis_mut(1, 2).unwrap().fill(&9);
/// assert_eq!(data, [0, 7, 0, 0, 9, 9]);
/// ```
pub type ArrayViewMut<'a, T, D = IxDyn> = ArrayBase<&'a mut [T], D>;

impl<S: Storage + Clone, D: Dimension> Clone for ArrayBase<S, D> {
    fn clone(&self) -> Self {
        ArrayBase {
            data: self.data.clone(),
            layout: self.layout.clone(),
        }
    }
}

impl<S, D, S2, D2> PartialEq<ArrayBase<S2, D2>> for ArrayBase<S, D>
where
    S: Storage,
    S2: Storage,
    D: Dimension,
    D2: Dimension,
    S::Elem: PartialEq<S2::Elem>,
{
    fn eq(&self, other: &ArrayBase<S2, D2>) -> bool {
        self.shape() == other.shape() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

static_assertions::assert_impl_all!(ArrayView<'static, u8>: Send, Sync, Clone);
static_assertions::assert_impl_all!(ArrayViewMut<'static, u8, [usize; 2]>: Send, Sync);
static_assertions::assert_not_impl_any!(ArrayViewMut<'static, u8>: Clone);
static_assertions::assert_not_impl_any!(ArrayView<'static, core::cell::Cell<u8>>: Send, Sync);
static_assertions::assert_not_impl_any!(ArrayViewMut<'static, core::cell::Cell<u8>>: Sync);
static_assertions::const_assert!(
    core::mem::size_of::<ArrayView<'static, f32, [usize; 2]>>()
        <= 8 * core::mem::size_of::<usize>()
);
