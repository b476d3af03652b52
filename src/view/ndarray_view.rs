//! Zero-copy conversions to [ndarray]'s views (feature `ndarray`): the same elements, shape,
//! strides and element order, borrowing the same memory.
//!
//! The conversion is safe code. ndarray's `from_shape` takes custom strides over a slice and
//! checks every precondition itself (every element inside the slice, sizes within `isize`,
//! and for a mutable view that no two indices name the same element), so nothing has to be
//! argued in an `unsafe` block. It accepts only strides that start from the element with the
//! lowest position, so a view with negative strides is handed over as the slice from its
//! lowest to its highest element with the absolute strides, and the axes whose stride is
//! negative are then reversed with ndarray's `invert_axis` (as ndarray's own `from_shape_ptr`
//! documentation describes). The checks cannot fail for a layout this crate built: see
//! [`non_empty`].
//!
//! [ndarray]: https://docs.rs/ndarray/0.17

use ndarray::{Axis, ShapeBuilder};

use super::{ArrayBase, ArrayView, ArrayViewMut, Storage, StorageMut};
use crate::layout::{Dimension, IxDyn, Layout};

/// A shape type of this crate that ndarray has a counterpart of: `[usize; 0]` to
/// `[usize; 6]` are ndarray's `Ix0` to `Ix6`, [`IxDyn`] is `ndarray::IxDyn`.
///
/// Implemented for exactly those (ndarray has no static rank above 6: convert a view with
/// more axes with [`into_dyn`](ArrayBase::into_dyn) first).
#[diagnostic::on_unimplemented(
    message = "the shape type `{Self}` has no ndarray counterpart",
    note = "ndarray's static ranks end at 6 axes: call `.into_dyn()` on the view first"
)]
pub trait NdarrayDim: Dimension {
    /// ndarray's shape type of the same rank.
    type Nd: ndarray::Dimension + FromNdarrayDim<Dim = Self>;
}

/// An ndarray shape type that this crate has a counterpart of: the inverse of
/// [`NdarrayDim`] (`Ix0`..`Ix6` are `[usize; 0]`..`[usize; 6]`, `ndarray::IxDyn` is
/// [`IxDyn`]), for choosing the shape type of a map that mirrors an ndarray array.
pub trait FromNdarrayDim: ndarray::Dimension {
    /// This crate's shape type of the same rank.
    type Dim: NdarrayDim<Nd = Self>;
}

macro_rules! ndarray_dims {
    ($($n:literal => $nd:ident),*) => {$(
        impl NdarrayDim for [usize; $n] {
            type Nd = ndarray::$nd;
        }
        impl FromNdarrayDim for ndarray::$nd {
            type Dim = [usize; $n];
        }
    )*};
}
ndarray_dims!(0 => Ix0, 1 => Ix1, 2 => Ix2, 3 => Ix3, 4 => Ix4, 5 => Ix5, 6 => Ix6);

impl NdarrayDim for IxDyn {
    type Nd = ndarray::IxDyn;
}
impl FromNdarrayDim for ndarray::IxDyn {
    type Dim = IxDyn;
}

/// ndarray's shape value for `dims` (whose rank is `N`'s: the two types are counterparts).
fn nd_dim<N: ndarray::Dimension>(dims: &[usize]) -> N {
    let mut d = N::zeros(dims.len());
    d.slice_mut().copy_from_slice(dims);
    d
}

/// A view of a non-empty layout, built by `from_shape` (given the shape with the absolute
/// strides, and the backing slice cut to `lo..=hi`, the lowest and highest positions of the
/// layout), with the axes of negative stride reversed afterwards.
///
/// `from_shape` checks, and never refuses for a layout of this crate:
///
/// - *the product of the axis lengths is at most `isize::MAX`*: [`Layout`]'s invariant 1;
/// - *the greatest distance between two elements, `Σ (len - 1)·|stride|`, is below the slice
///   length, in elements and in bytes*: that sum is `hi - lo` (it is how [`Layout::span`]
///   computes them), the slice holds `hi - lo + 1` elements, and a slice never holds more
///   than `isize::MAX` bytes;
/// - *for a mutable view, no two indices name one element* (ndarray's sufficient test: in
///   the order of increasing |stride|, each axis longer than 1 has a stride above the extent
///   of the axes before it): true of a contiguous layout, whose strides are the products of
///   the lengths of the faster axes, and kept by every transformation — a slice of an axis
///   with at least two elements has stride `|stride·step| ≤ (len - 1)·|stride|`, below the
///   next stride `len·|stride|`, and an extent at most the axis' old one; permuting, fixing
///   an axis and splitting remove axes or shorten them.
///
/// `build` is `from_shape` of the view type; `invert` its `invert_axis`.
fn non_empty<D: NdarrayDim, V, E: core::fmt::Debug>(
    layout: &Layout<D>,
    build: impl FnOnce(ndarray::StrideShape<D::Nd>) -> Result<V, E>,
    mut invert: impl FnMut(&mut V, Axis),
) -> V {
    let abs: heapless::Vec<usize, { crate::layout::MAX_DIMS }> =
        layout.strides().iter().map(|s| s.unsigned_abs()).collect();
    let shape = nd_dim::<D::Nd>(layout.shape()).strides(nd_dim::<D::Nd>(&abs));
    let mut v = build(shape).expect("a layout of this crate meets from_shape's checks");
    for (k, s) in layout.strides().iter().enumerate() {
        if *s < 0 {
            invert(&mut v, Axis(k));
        }
    }
    v
}

/// ndarray's shape value for an empty layout. No element is addressed, so
/// the strides are ndarray's C-order ones for the shape, which `from_shape` accepts
/// for an empty slice: the product of the non-zero axis lengths is at most
/// `isize::MAX` ([`Layout`]'s invariant 1, numpy's rule too).
fn empty_shape<N: ndarray::Dimension>(dims: &[usize]) -> N {
    nd_dim(dims)
}

impl<'a, T, D: NdarrayDim> ArrayView<'a, T, D> {
    /// This view as an [`ndarray::ArrayView`] of the same shape, strides and element order,
    /// with the full lifetime `'a`; no element is copied.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::{ArrayView, Order, Slice};
    /// let data: Vec<f64> = (0..6).map(f64::from).collect();
    /// // numpy: np.arange(6.).reshape(2, 3)[:, ::-1].T
    /// let a = ArrayView::from_slice(&data, [2, 3], Order::C).unwrap();
    /// let a = a.slice(&[Slice::full(), Slice::full().step_by(-1)]).unwrap().reversed_axes();
    /// let nd = a.clone().into_ndarray();
    /// assert_eq!((nd.shape(), nd.strides()), (a.shape(), a.strides()));
    /// assert_eq!(nd, ndarray::array![[2., 5.], [1., 4.], [0., 3.]]);
    /// ```
    pub fn into_ndarray(self) -> ndarray::ArrayView<'a, T, D::Nd> {
        let data: &'a [T] = self.data;
        match self.layout.span() {
            None => ndarray::ArrayView::from_shape(empty_shape::<D::Nd>(self.layout.shape()), &[])
                .expect("an empty shape within Layout's invariant 1 fits an empty slice"),
            Some((lo, hi)) => non_empty(
                &self.layout,
                |shape| ndarray::ArrayView::from_shape(shape, &data[lo..=hi]),
                |v, axis| v.invert_axis(axis),
            ),
        }
    }
}

impl<'a, T, D: NdarrayDim> ArrayViewMut<'a, T, D> {
    /// This view as an [`ndarray::ArrayViewMut`] of the same shape, strides and element
    /// order, for the rest of `'a`: writes through it change the borrowed memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::{ArrayViewMut, Order};
    /// let mut data = [0i32; 6];
    /// let a = ArrayViewMut::from_slice(&mut data, [2, 3], Order::F).unwrap();
    /// let mut nd = a.inverted_axis(1).unwrap().into_ndarray_mut();
    /// nd.row_mut(1).assign(&ndarray::array![1, 2, 3]);
    /// assert_eq!(data, [0, 3, 0, 2, 0, 1]);
    /// ```
    pub fn into_ndarray_mut(self) -> ndarray::ArrayViewMut<'a, T, D::Nd> {
        match self.layout.span() {
            None => ndarray::ArrayViewMut::from_shape(
                empty_shape::<D::Nd>(self.layout.shape()),
                &mut [],
            )
            .expect("an empty shape within Layout's invariant 1 fits an empty slice"),
            Some((lo, hi)) => {
                let data: &'a mut [T] = self.data;
                non_empty(
                    &self.layout,
                    |shape| ndarray::ArrayViewMut::from_shape(shape, &mut data[lo..=hi]),
                    |v, axis| v.invert_axis(axis),
                )
            }
        }
    }
}

impl<S: Storage, D: NdarrayDim> ArrayBase<S, D> {
    /// A shared [`ndarray::ArrayView`] of this view, borrowing it: same shape, strides and
    /// element order, no copy. See [`ArrayView::into_ndarray`].
    pub fn as_ndarray(&self) -> ndarray::ArrayView<'_, S::Elem, D::Nd> {
        self.view().into_ndarray()
    }
}

impl<S: StorageMut, D: NdarrayDim> ArrayBase<S, D> {
    /// A mutable [`ndarray::ArrayViewMut`] of this view, borrowing it. See
    /// [`ArrayViewMut::into_ndarray_mut`].
    pub fn as_ndarray_mut(&mut self) -> ndarray::ArrayViewMut<'_, S::Elem, D::Nd> {
        self.view_mut().into_ndarray_mut()
    }
}

/// [`ArrayView::into_ndarray`].
impl<'a, T, D: NdarrayDim> From<ArrayView<'a, T, D>> for ndarray::ArrayView<'a, T, D::Nd> {
    fn from(v: ArrayView<'a, T, D>) -> Self {
        v.into_ndarray()
    }
}

/// [`ArrayViewMut::into_ndarray_mut`].
impl<'a, T, D: NdarrayDim> From<ArrayViewMut<'a, T, D>> for ndarray::ArrayViewMut<'a, T, D::Nd> {
    fn from(v: ArrayViewMut<'a, T, D>) -> Self {
        v.into_ndarray_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Order, Slice};

    #[test]
    fn negative_strides_and_transposes_keep_strides() {
        let data: [i32; 24] = core::array::from_fn(|i| i as i32);
        let a = ArrayView::from_slice(&data, [2, 3, 4], Order::F).unwrap();
        let a = a
            .slice(&[
                Slice::full(),
                Slice::full().step_by(-2),
                Slice::from(1..).step_by(2),
            ])
            .unwrap()
            .permuted_axes(&[2, 0, 1])
            .unwrap();
        let nd = a.as_ndarray();
        assert_eq!(nd.shape(), a.shape());
        assert_eq!(nd.strides(), a.strides());
        assert!(nd.iter().eq(a.iter()));
    }

    #[test]
    fn six_axes_map_to_ix6_with_negative_strides_and_writes() {
        let mut data: [u16; 720] = core::array::from_fn(|i| i as u16);
        let a = ArrayView::from_slice(&data, [2, 3, 4, 5, 1, 6], Order::C).unwrap();
        let a = a
            .slice(&[
                Slice::full().step_by(-1),
                Slice::full(),
                Slice::from(1..).step_by(2),
                Slice::full().step_by(-2),
                Slice::full(),
                Slice::from(..5),
            ])
            .unwrap()
            .permuted_axes(&[5, 3, 1, 0, 4, 2])
            .unwrap();
        let nd: ndarray::ArrayView6<'_, u16> = a.as_ndarray();
        assert_eq!((nd.shape(), nd.strides()), (a.shape(), a.strides()));
        assert!(nd.iter().eq(a.iter()));
        let layout = a.layout().clone();
        let mut m = ArrayViewMut::with_layout(&mut data[..], layout).unwrap();
        let mut nd: ndarray::ArrayViewMut6<'_, u16> = m.as_ndarray_mut();
        nd.fill(9999);
        assert!(m.iter().all(|&x| x == 9999));
        let n = m.len();
        assert_eq!(data.iter().filter(|&&x| x == 9999).count(), n);
    }

    #[test]
    fn zero_d_and_empty() {
        let x = [7u8];
        let a = ArrayView::from_slice(&x, [], Order::C).unwrap();
        assert_eq!(a.as_ndarray().into_scalar(), &7);
        let e: [u8; 0] = [];
        let b = ArrayView::from_slice(&e, IxDyn::new(&[3, 0, 2]).unwrap(), Order::F).unwrap();
        assert_eq!(b.as_ndarray().shape(), &[3, 0, 2]);
    }

    #[test]
    fn an_empty_shape_too_large_for_ndarray_is_refused_when_the_view_is_made() {
        let e: [u8; 0] = [];
        assert_eq!(
            ArrayView::from_slice(&e, [usize::MAX, 0], Order::C).unwrap_err(),
            crate::Error::Overflow
        );
        let a = ArrayView::from_slice(&e, [isize::MAX as usize, 0], Order::C).unwrap();
        assert_eq!(a.as_ndarray().shape(), &[isize::MAX as usize, 0]);
    }
}
