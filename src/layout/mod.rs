//! Shapes, orders and strides: pure checked integer math, no pointers.
//!
//! A [`Layout`] maps an N-d index to a position in a backing slice. It is built
//! only by [`Layout::contiguous`], which validates the shape, and is changed
//! only by transformations that keep its invariants (see [`Layout`]). Views
//! ([`ArrayBase`](crate::ArrayBase)) pair a layout with a slice of exactly the
//! length it was validated against. Shapes live in `dim.rs`, numpy's slices in
//! `slice.rs`.

// Every computation in this module and below it is checked, or allowed one by one where
// an invariant of `Layout` bounds it (the allow names the invariant).
#![deny(clippy::arithmetic_side_effects)]

mod dim;
mod slice;

pub use dim::{
    Dimension, IntoShape, Ix0, Ix1, Ix2, Ix3, Ix4, Ix5, Ix6, IxDyn, MAX_DIMS, RemoveAxis,
};
pub(crate) use dim::{element_count, nonzero_product};
pub use slice::Slice;

use crate::error::Error;

/// Memory order of a contiguous array: which axis varies fastest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Row-major (C): the last axis varies fastest. numpy's default.
    #[default]
    C,
    /// Column-major (Fortran): the first axis varies fastest.
    F,
}

impl core::str::FromStr for Order {
    type Err = ParseOrderError;

    /// Parses numpy's order names: `"C"` and `"F"`, in either case as numpy accepts them.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::Order;
    /// assert_eq!("F".parse::<Order>(), Ok(Order::F));
    /// assert_eq!("c".parse::<Order>(), Ok(Order::C));
    /// assert!("K".parse::<Order>().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`ParseOrderError`] for any other text, including numpy's `'A'` and `'K'`, which
    /// name the order of an existing array.
    fn from_str(s: &str) -> Result<Order, ParseOrderError> {
        match s {
            "C" | "c" => Ok(Order::C),
            "F" | "f" => Ok(Order::F),
            _ => Err(ParseOrderError {
                keeps_source: matches!(s, "A" | "a" | "K" | "k"),
            }),
        }
    }
}

/// Text that is not an [`Order`] name (see `Order`'s `FromStr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParseOrderError {
    keeps_source: bool,
}

impl core::fmt::Display for ParseOrderError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.keeps_source {
            f.write_str("order 'A' and 'K' keep the order of an existing array, which a new layout has not; use 'C' (row-major) or 'F' (column-major)")
        } else {
            f.write_str("order is not 'C' (row-major) or 'F' (column-major)")
        }
    }
}

impl core::error::Error for ParseOrderError {}

/// `base + index * stride`: the position `index` steps along an axis from `base`. `None` on
/// overflow or below zero, neither of which happens for an in-bounds index of a non-empty
/// layout (invariant 3).
fn advance(base: usize, index: usize, stride: isize) -> Option<usize> {
    let delta = isize::try_from(index).ok()?.checked_mul(stride)?;
    base.checked_add_signed(delta)
}

static_assertions::assert_impl_all!(Layout<Ix2>: Send, Sync, Clone);

/// Where the elements of an N-d array sit in a backing slice.
///
/// Invariants, established by [`Layout::contiguous`] and kept by every
/// method that returns a new layout:
///
/// 1. The product of the non-zero axis lengths is at most `isize::MAX` (as numpy
///    requires, even of an empty array), so the number of elements, the product of
///    the shape, is too.
/// 2. `strides` has the same rank as `dim`.
/// 3. If the array is not empty, then for every in-bounds index `i`,
///    `offset + Σ i[k] * strides[k]` is computed without overflow and lies in
///    `0..backing_len`, where `backing_len` is the length of the slice the
///    layout was validated against (`Layout::contiguous` returns it).
///
/// Positions are in elements, not bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Layout<D: Dimension> {
    dim: D,
    strides: D::Strides,
    offset: usize,
}

impl<D: Dimension> Layout<D> {
    /// A contiguous layout of `dim` in `order`, and the number of elements
    /// (the backing length it addresses).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the product of the non-zero axis lengths exceeds
    /// `isize::MAX` (numpy's rule: even an empty array's other axes must be addressable);
    /// [`Error::TooManyDims`] past [`MAX_DIMS`].
    pub fn contiguous(dim: D, order: Order) -> Result<(Self, usize), Error> {
        let ndim = dim.ndim();
        if ndim > MAX_DIMS {
            return Err(Error::TooManyDims { ndim });
        }
        // As numpy: the product of the non-zero axis lengths must be addressable even when
        // another axis is 0 (`np.empty((2**63, 0))` is "array is too big"), so an empty
        // array's shape is one that every consumer (ndarray included) can represent.
        let size = dim.size_checked().ok_or(Error::Overflow)?;
        let mut strides = dim.zero_strides();
        let mut acc: usize = 1;
        {
            let s = strides.as_mut();
            let d = dim.as_slice();
            let mut set = |k: usize| {
                // acc <= size <= isize::MAX, or size == 0 and acc is a partial
                // product that may exceed it; strides of an empty array are never used.
                s[k] = isize::try_from(acc).unwrap_or(0);
                acc = acc.saturating_mul(d[k]);
            };
            match order {
                Order::C => (0..ndim).rev().for_each(&mut set),
                Order::F => (0..ndim).for_each(&mut set),
            }
        }
        Ok((
            Layout {
                dim,
                strides,
                offset: 0,
            },
            size,
        ))
    }

    /// The axis lengths.
    pub fn shape(&self) -> &[usize] {
        self.dim.as_slice()
    }

    /// The shape value.
    pub fn dim(&self) -> &D {
        &self.dim
    }

    /// Per-axis strides, in elements (negative for reversed axes).
    pub fn strides(&self) -> &[isize] {
        self.strides.as_ref()
    }

    /// Position of the element at index `[0, 0, ...]` in the backing slice.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.dim.ndim()
    }

    /// The number of elements: 0 for an empty array whatever its other axes, else the
    /// product of the axes (at most `isize::MAX` by invariant 1, so it never saturates).
    pub fn len(&self) -> usize {
        let dims = self.dim.as_slice();
        if dims.contains(&0) {
            return 0;
        }
        dims.iter().fold(1usize, |n, &d| n.saturating_mul(d))
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.dim.as_slice().contains(&0)
    }

    /// The backing position of `index`, or `None` when out of bounds or of the wrong rank.
    #[inline]
    pub fn position(&self, index: &[usize]) -> Option<usize> {
        let dims = self.dim.as_slice();
        if index.len() != dims.len() {
            return None;
        }
        // The hot path of every element access: no checked arithmetic here (it tripled
        // the time of indexing a 2-d view), because the invariants bound every step.
        // `offset` is a position in the backing slice (invariant 3), so it fits isize;
        // `i < d` and the non-zero lengths multiply to at most isize::MAX (invariant 1),
        // so `i` fits isize, and `|i * s|` is at most the array's span, below isize::MAX
        // (invariant 3), as is every partial sum; the final sum is the in-bounds
        // element's position, non-negative (invariant 3). Wrapping operations state
        // that no overflow is possible rather than check it.
        let mut pos = self.offset as isize;
        for ((&i, &d), &s) in index.iter().zip(dims).zip(self.strides.as_ref()) {
            if i >= d {
                return None;
            }
            pos = pos.wrapping_add((i as isize).wrapping_mul(s));
        }
        Some(pos as usize)
    }

    /// The backing position of `index`, or why there is none (naming the offending axis).
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`], [`Error::IndexOutOfBounds`].
    #[inline]
    pub fn checked_position(&self, index: &[usize]) -> Result<usize, Error> {
        let dims = self.dim.as_slice();
        if index.len() != dims.len() {
            return Err(Error::RankMismatch {
                expected: dims.len(),
                actual: index.len(),
            });
        }
        for (axis, (&i, &len)) in index.iter().zip(dims).enumerate() {
            if i >= len {
                return Err(Error::IndexOutOfBounds {
                    axis,
                    index: i,
                    len,
                });
            }
        }
        // All in bounds: position succeeds.
        self.position(index).ok_or(Error::Overflow)
    }

    fn check_axis(&self, axis: usize) -> Result<(), Error> {
        let ndim = self.ndim();
        if axis < ndim {
            Ok(())
        } else {
            Err(Error::AxisOutOfRange { axis, ndim })
        }
    }

    /// Slices one axis (numpy basic slicing). Keeps the rank.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`], [`Error::ZeroStep`].
    pub(crate) fn slice_axis(&mut self, axis: usize, slice: Slice) -> Result<(), Error> {
        self.check_axis(axis)?;
        let len = self.dim.as_slice()[axis];
        let (start, step, count) = slice.indices(len).ok_or(Error::ZeroStep { axis })?;
        let stride = self.strides.as_ref()[axis];
        if count > 0 {
            // start is a valid index of the axis, so the element it names is in
            // the backing slice whenever the array is non-empty.
            if !self.is_empty() {
                let start = usize::try_from(start).map_err(|_| Error::Overflow)?;
                self.offset = advance(self.offset, start, stride).ok_or(Error::Overflow)?;
            }
            // With count >= 2 the new stride spans at most the old axis extent,
            // so it cannot overflow; with count == 1 it is never used.
            self.strides.as_mut()[axis] = stride.checked_mul(step).unwrap_or(0);
        }
        self.dim.as_mut_slice()[axis] = count;
        Ok(())
    }

    /// Slices every axis; `slices.len()` must equal the rank.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`], [`Error::ZeroStep`].
    pub(crate) fn slice(&mut self, slices: &[Slice]) -> Result<(), Error> {
        if slices.len() != self.ndim() {
            return Err(Error::RankMismatch {
                expected: self.ndim(),
                actual: slices.len(),
            });
        }
        // Validate every step first so that an error leaves the layout unchanged.
        if let Some(axis) = slices.iter().position(|s| s.step == 0) {
            return Err(Error::ZeroStep { axis });
        }
        for (axis, s) in slices.iter().enumerate() {
            self.slice_axis(axis, *s)?;
        }
        Ok(())
    }

    /// Fixes `axis` at `index`, removing the axis.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`], [`Error::IndexOutOfBounds`].
    pub(crate) fn index_axis(&self, axis: usize, index: usize) -> Result<Layout<D::Smaller>, Error>
    where
        D: RemoveAxis,
    {
        self.check_axis(axis)?;
        let len = self.dim.as_slice()[axis];
        if index >= len {
            return Err(Error::IndexOutOfBounds { axis, index, len });
        }
        let mut offset = self.offset;
        if !self.is_empty() {
            offset = advance(offset, index, self.strides.as_ref()[axis]).ok_or(Error::Overflow)?;
        }
        Ok(Layout {
            dim: self.dim.remove_axis(axis),
            strides: D::remove_stride(&self.strides, axis),
            offset,
        })
    }

    /// Reverses the order of the axes (numpy's `.T`).
    pub(crate) fn reverse_axes(&mut self) {
        self.dim.as_mut_slice().reverse();
        self.strides.as_mut().reverse();
    }

    /// Reorders the axes: axis `k` of the result is axis `axes[k]` of `self`.
    ///
    /// # Errors
    ///
    /// [`Error::NotPermutation`].
    pub(crate) fn permute_axes(&mut self, axes: &[usize]) -> Result<(), Error> {
        let ndim = self.ndim();
        let mut seen = [false; MAX_DIMS];
        if axes.len() != ndim {
            return Err(Error::NotPermutation { ndim });
        }
        for &a in axes {
            if a >= ndim || seen[a] {
                return Err(Error::NotPermutation { ndim });
            }
            seen[a] = true;
        }
        let (old_d, old_s) = (self.dim.clone(), self.strides.clone());
        for (k, &a) in axes.iter().enumerate() {
            self.dim.as_mut_slice()[k] = old_d.as_slice()[a];
            self.strides.as_mut()[k] = old_s.as_ref()[a];
        }
        Ok(())
    }

    /// Reverses the direction of one axis (numpy's `a[..., ::-1, ...]`).
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`].
    pub(crate) fn invert_axis(&mut self, axis: usize) -> Result<(), Error> {
        self.slice_axis(axis, Slice::full().step_by(-1))
    }

    /// Swaps two axes.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`].
    pub(crate) fn swap_axes(&mut self, a: usize, b: usize) -> Result<(), Error> {
        self.check_axis(a)?;
        self.check_axis(b)?;
        self.dim.as_mut_slice().swap(a, b);
        self.strides.as_mut().swap(a, b);
        Ok(())
    }

    /// Whether the elements are contiguous in C (row-major) logical order,
    /// so that the array is `backing[offset..offset + len]` read in order.
    pub fn is_c_contiguous(&self) -> bool {
        self.is_contiguous_in(Order::C)
    }

    /// Whether the elements are contiguous in Fortran (column-major) order.
    pub fn is_f_contiguous(&self) -> bool {
        self.is_contiguous_in(Order::F)
    }

    fn is_contiguous_in(&self, order: Order) -> bool {
        if self.is_empty() {
            return true;
        }
        let dims = self.dim.as_slice();
        let strides = self.strides.as_ref();
        let mut expected: isize = 1;
        let mut check = |k: usize| {
            if dims[k] == 1 {
                return true;
            }
            let ok = strides[k] == expected;
            // A product of axis lengths: at most isize::MAX (invariant 1), so
            // saturation never happens.
            let d = isize::try_from(dims[k]).unwrap_or(isize::MAX);
            expected = expected.saturating_mul(d);
            ok
        };
        match order {
            Order::C => (0..dims.len()).rev().all(&mut check),
            Order::F => (0..dims.len()).all(&mut check),
        }
    }

    /// The lowest and highest backing positions any element occupies, or
    /// `None` for an empty array.
    pub fn span(&self) -> Option<(usize, usize)> {
        if self.is_empty() {
            return None;
        }
        let (mut lo, mut hi) = (self.offset, self.offset);
        for (&d, &s) in self.dim.as_slice().iter().zip(self.strides.as_ref()) {
            // Not empty, so d >= 1 and the last index d - 1 of this axis is in
            // bounds: by invariant 3 the element it names (the others at 0 or
            // at their own extreme) lies in the backing slice, so neither the
            // extent nor `lo`/`hi` (which move monotonically towards the lowest
            // and highest such element) overflow or pass zero.
            #[allow(clippy::arithmetic_side_effects)]
            let ext = (d as isize - 1) * s;
            #[allow(clippy::arithmetic_side_effects)]
            if ext < 0 {
                lo -= ext.unsigned_abs();
            } else {
                hi += ext.unsigned_abs();
            }
        }
        Some((lo, hi))
    }

    /// Splits along `axis` before `index`: the first part has indices
    /// `0..index` of that axis, the second `index..`. The parts address the
    /// same backing slice.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`]; [`Error::IndexOutOfBounds`] when `index` is past the axis length.
    pub(crate) fn split_at(&self, axis: usize, index: usize) -> Result<(Self, Self), Error> {
        self.check_axis(axis)?;
        let len = self.dim.as_slice()[axis];
        let Some(rest) = len.checked_sub(index) else {
            return Err(Error::IndexOutOfBounds { axis, index, len });
        };
        let mut a = self.clone();
        let mut b = self.clone();
        a.dim.as_mut_slice()[axis] = index;
        b.dim.as_mut_slice()[axis] = rest;
        if index < len && !self.is_empty() {
            // index is in bounds: invariant 3 puts its element in the backing slice.
            b.offset =
                advance(self.offset, index, self.strides.as_ref()[axis]).ok_or(Error::Overflow)?;
        }
        Ok((a, b))
    }

    /// Moves the layout to a backing slice that starts `delta` elements later.
    /// Only for the view code, which proves the elements are still in range.
    pub(crate) fn rebase(&mut self, delta: usize) {
        // The view code passes the lowest position of this layout's span, which is at
        // most `offset` (the position of index 0).
        #[allow(clippy::arithmetic_side_effects)]
        {
            self.offset -= delta;
        }
    }

    /// Converts to a dynamic-rank layout.
    pub(crate) fn into_dyn(self) -> Layout<IxDyn> {
        let dim = IxDyn::new(self.dim.as_slice()).expect("rank <= MAX_DIMS by invariant");
        let mut strides = heapless::Vec::new();
        let _ = strides.extend_from_slice(self.strides.as_ref());
        Layout {
            dim,
            strides,
            offset: self.offset,
        }
    }

    /// Converts to another shape type of the same rank (e.g. `IxDyn` to `[usize; 2]`).
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`] when `E` has a fixed rank that differs.
    pub(crate) fn into_dimensionality<E: Dimension>(self) -> Result<Layout<E>, Error> {
        let dim = E::from_dims(self.dim.as_slice())?;
        let mut strides = dim.zero_strides();
        strides.as_mut().copy_from_slice(self.strides.as_ref());
        Ok(Layout {
            dim,
            strides,
            offset: self.offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_and_f_strides() {
        let (l, n) = Layout::contiguous([2usize, 3, 4], Order::C).unwrap();
        assert_eq!((l.strides(), n), (&[12isize, 4, 1][..], 24));
        let (l, _) = Layout::contiguous([2usize, 3, 4], Order::F).unwrap();
        assert_eq!(l.strides(), &[1, 2, 6]);
        assert!(l.is_f_contiguous() && !l.is_c_contiguous());
    }

    #[test]
    fn overflowing_shapes_are_errors() {
        assert_eq!(
            Layout::contiguous([usize::MAX, 2], Order::C).unwrap_err(),
            Error::Overflow
        );
        assert_eq!(
            Layout::contiguous([isize::MAX as usize + 1], Order::C).unwrap_err(),
            Error::Overflow
        );
        // Zero anywhere makes the array empty, but the other axes must still be
        // addressable together, as numpy requires.
        let (l, n) = Layout::contiguous([isize::MAX as usize, 0], Order::C).unwrap();
        assert_eq!((n, l.is_empty()), (0, true));
        assert_eq!(
            Layout::contiguous([usize::MAX, 0], Order::C).unwrap_err(),
            Error::Overflow
        );
        assert_eq!(
            Layout::contiguous([1 << 32, 0, 1 << 32], Order::F).unwrap_err(),
            Error::Overflow
        );
    }

    /// Regression (debug builds): `len` of an empty array with huge other axes once
    /// multiplied them first and overflowed; it is 0 however the axes are ordered, and so
    /// is the length of every view taken from it.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn an_empty_array_has_length_0_whatever_its_other_axes() {
        let big = 1usize << 31;
        for shape in [[big, big, 0], [0, big, big], [big, 0, big]] {
            for order in [Order::C, Order::F] {
                let (l, n) = Layout::contiguous(shape, order).unwrap();
                assert_eq!((n, l.len(), l.is_empty()), (0, 0, true), "{shape:?}");
                let mut t = l.clone();
                t.reverse_axes();
                assert_eq!(t.len(), 0);
                let m = l.index_axis(2, 0).map(|m| m.len());
                assert!(matches!(m, Ok(0) | Err(Error::IndexOutOfBounds { .. })));
            }
        }
        let (l, _) = Layout::contiguous([isize::MAX as usize, 0], Order::C).unwrap();
        assert_eq!(l.len(), 0);
    }

    #[test]
    fn index_axis_and_permute() {
        let (l, _) = Layout::contiguous([2usize, 3, 4], Order::C).unwrap();
        let m = l.index_axis(1, 2).unwrap();
        assert_eq!(
            (m.shape(), m.strides(), m.offset()),
            (&[2usize, 4][..], &[12isize, 1][..], 8)
        );
        let mut p = l.clone();
        p.permute_axes(&[2, 0, 1]).unwrap();
        assert_eq!(p.shape(), &[4, 2, 3]);
        assert_eq!(p.position(&[3, 1, 2]), l.position(&[1, 2, 3]));
        assert_eq!(
            p.permute_axes(&[0, 0, 1]),
            Err(Error::NotPermutation { ndim: 3 })
        );
    }

    #[test]
    fn span_of_reversed() {
        let (mut l, _) = Layout::contiguous([3usize, 4], Order::C).unwrap();
        l.invert_axis(0).unwrap();
        assert_eq!(l.offset(), 8);
        assert_eq!(l.span(), Some((0, 11)));
    }
}
