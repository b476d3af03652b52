//! Transforming a view: numpy basic slicing, fixing an axis at an index,
//! transposes and axis permutations, and changing the shape type. Each consumes
//! the view and returns one over the same storage, so lifetimes flow through.

use super::{ArrayBase, ArrayView, ArrayViewMut, Storage, StorageMut};
use crate::error::Error;
use crate::layout::{Dimension, IxDyn, RemoveAxis, Slice};

impl<S: Storage, D: Dimension> ArrayBase<S, D> {
    /// Slices every axis (numpy basic slicing); one [`Slice`] per axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::{ArrayView, Order, Slice};
    /// let data: Vec<i32> = (0..12).collect();
    /// let a = ArrayView::from_slice(&data, [3, 4], Order::C).unwrap();
    /// // a[1:, ::-2]
    /// let b = a.slice(&[Slice::from(1..), Slice::full().step_by(-2)]).unwrap();
    /// assert_eq!(b.iter().copied().collect::<Vec<_>>(), [7, 5, 11, 9]);
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`], [`Error::ZeroStep`].
    pub fn slice(mut self, slices: &[Slice]) -> Result<Self, Error> {
        self.layout.slice(slices)?;
        Ok(self)
    }

    /// Slices one axis, keeping the others whole.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`], [`Error::ZeroStep`].
    pub fn slice_axis(mut self, axis: usize, slice: impl Into<Slice>) -> Result<Self, Error> {
        self.layout.slice_axis(axis, slice.into())?;
        Ok(self)
    }

    /// The sub-array at `index` along `axis` (numpy's `a[:, i]` for axis 1),
    /// one axis fewer.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`], [`Error::IndexOutOfBounds`].
    pub fn index_axis(self, axis: usize, index: usize) -> Result<ArrayBase<S, D::Smaller>, Error>
    where
        D: RemoveAxis,
    {
        let layout = self.layout.index_axis(axis, index)?;
        Ok(ArrayBase {
            data: self.data,
            layout,
        })
    }

    /// The transpose: axes in reverse order (numpy's `.T`).
    #[must_use]
    pub fn reversed_axes(mut self) -> Self {
        self.layout.reverse_axes();
        self
    }

    /// Reorders the axes: axis `k` of the result is axis `axes[k]` of `self`.
    ///
    /// # Errors
    ///
    /// [`Error::NotPermutation`].
    pub fn permuted_axes(mut self, axes: &[usize]) -> Result<Self, Error> {
        self.layout.permute_axes(axes)?;
        Ok(self)
    }

    /// Swaps two axes.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`].
    pub fn swapped_axes(mut self, a: usize, b: usize) -> Result<Self, Error> {
        self.layout.swap_axes(a, b)?;
        Ok(self)
    }

    /// Reverses one axis (numpy's `a[::-1]` for axis 0).
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`].
    pub fn inverted_axis(mut self, axis: usize) -> Result<Self, Error> {
        self.layout.invert_axis(axis)?;
        Ok(self)
    }

    /// The same view with a dynamic-rank shape.
    pub fn into_dyn(self) -> ArrayBase<S, IxDyn> {
        ArrayBase {
            data: self.data,
            layout: self.layout.into_dyn(),
        }
    }

    /// The same view with another shape type of the same rank.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`].
    pub fn into_dimensionality<E: Dimension>(self) -> Result<ArrayBase<S, E>, Error> {
        Ok(ArrayBase {
            data: self.data,
            layout: self.layout.into_dimensionality()?,
        })
    }

    /// A shared view of the transpose, borrowing this one.
    pub fn t(&self) -> ArrayView<'_, S::Elem, D> {
        self.view().reversed_axes()
    }
}

impl<S: StorageMut, D: Dimension> ArrayBase<S, D> {
    /// A mutable view of the sub-array at `index` along `axis`, borrowing this one.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`], [`Error::IndexOutOfBounds`].
    pub fn index_axis_mut(
        &mut self,
        axis: usize,
        index: usize,
    ) -> Result<ArrayViewMut<'_, S::Elem, D::Smaller>, Error>
    where
        D: RemoveAxis,
    {
        self.view_mut().index_axis(axis, index)
    }
}
