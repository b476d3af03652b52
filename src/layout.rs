//! Shapes, orders and strides: pure checked integer math, no pointers.
//!
//! A [`Layout`] maps an N-d index to a position in a backing slice. It is built
//! only by [`Layout::contiguous`], which validates the shape, and is changed
//! only by transformations that keep its invariants (see [`Layout`]). Views in
//! [`crate::view`] pair a layout with a slice of exactly the length it was
//! validated against.

use core::fmt::Debug;
use core::hash::Hash;

use crate::error::Error;

/// The most dimensions an array may have: numpy 2's limit (numpy 1 allowed 32).
pub const MAX_DIMS: usize = 64;

/// Memory order of a contiguous array: which axis varies fastest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Row-major (C): the last axis varies fastest. numpy's default.
    #[default]
    C,
    /// Column-major (Fortran): the first axis varies fastest.
    F,
}

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

    /// The number of elements, or `None` if it overflows `usize`.
    fn size_checked(&self) -> Option<usize> {
        self.as_slice()
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
    }
}

/// A shape with one axis fewer exists: the result of [`Layout::index_axis`].
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
    let mut j = 0;
    for (i, &x) in a.iter().enumerate() {
        if i != axis {
            out[j] = x;
            j += 1;
        }
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
static_assertions::assert_impl_all!(Layout<Ix2>: Send, Sync, Clone);

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

/// One axis of numpy basic slicing: `start:stop:step`.
///
/// Negative `start`/`stop` count from the end, out-of-range bounds are
/// clamped, and a negative `step` walks backwards — all exactly as numpy does.
/// Build one from a Rust range (`1..3`, `2..`, `..`, `..=4`) and add a step
/// with [`Slice::step_by`], or give all three with [`Slice::new`].
///
/// # Examples
///
/// ```
/// use mmarray::Slice;
/// assert_eq!(Slice::from(1..).step_by(2), Slice::new(Some(1), None, 2));
/// assert_eq!(Slice::full().step_by(-1).indices(4), Some((3, -1, 4)));
/// assert_eq!(Slice::new(Some(-3), None, 1).indices(5), Some((2, 1, 3)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slice {
    /// First index (numpy default: 0, or the last for a negative step).
    pub start: Option<isize>,
    /// One past the last index (numpy default: the end, or before the first for a negative step).
    pub stop: Option<isize>,
    /// Distance between taken indices; not zero.
    pub step: isize,
}

impl Slice {
    /// `start:stop:step`.
    pub const fn new(start: Option<isize>, stop: Option<isize>, step: isize) -> Self {
        Slice { start, stop, step }
    }

    /// `:` — the whole axis.
    pub const fn full() -> Self {
        Slice {
            start: None,
            stop: None,
            step: 1,
        }
    }

    /// The same bounds with another step.
    #[must_use]
    pub const fn step_by(self, step: isize) -> Self {
        Slice { step, ..self }
    }

    /// Resolves the slice against an axis of length `len` like numpy's
    /// `slice.indices`: `(first index, step, count)`. The first index is only
    /// meaningful when `count > 0`. `None` for a zero step.
    pub fn indices(&self, len: usize) -> Option<(isize, isize, usize)> {
        let step = self.step;
        if step == 0 {
            return None;
        }
        // An axis length fits in isize: layouts hold at most isize::MAX elements.
        let n = isize::try_from(len).unwrap_or(isize::MAX);
        let resolve = |v: isize, lo: isize, hi: isize| {
            let v = if v < 0 { v.saturating_add(n) } else { v };
            v.clamp(lo, hi)
        };
        if step > 0 {
            let start = self.start.map_or(0, |v| resolve(v, 0, n));
            let stop = self.stop.map_or(n, |v| resolve(v, 0, n));
            let count = if stop > start {
                (stop - start - 1) / step + 1
            } else {
                0
            };
            Some((start, step, count as usize))
        } else {
            let start = self.start.map_or(n - 1, |v| resolve(v, -1, n - 1));
            let stop = self.stop.map_or(-1, |v| resolve(v, -1, n - 1));
            let count = if start > stop {
                // (start - stop - 1) / -step, with -step computed without overflow.
                ((start - stop - 1) as usize) / step.unsigned_abs() + 1
            } else {
                0
            };
            Some((start, step, count))
        }
    }
}

impl From<core::ops::RangeFull> for Slice {
    fn from(_: core::ops::RangeFull) -> Self {
        Slice::full()
    }
}
impl From<core::ops::Range<isize>> for Slice {
    fn from(r: core::ops::Range<isize>) -> Self {
        Slice::new(Some(r.start), Some(r.end), 1)
    }
}
impl From<core::ops::RangeFrom<isize>> for Slice {
    fn from(r: core::ops::RangeFrom<isize>) -> Self {
        Slice::new(Some(r.start), None, 1)
    }
}
impl From<core::ops::RangeTo<isize>> for Slice {
    fn from(r: core::ops::RangeTo<isize>) -> Self {
        Slice::new(None, Some(r.end), 1)
    }
}
impl From<core::ops::RangeInclusive<isize>> for Slice {
    fn from(r: core::ops::RangeInclusive<isize>) -> Self {
        let (a, b) = r.into_inner();
        // b + 1 == 0 would mean "stop before index 0" only for b == -1, which
        // as an inclusive end means "through the last element": open-ended.
        let stop = if b == -1 { None } else { b.checked_add(1) };
        Slice::new(Some(a), stop, 1)
    }
}
impl From<core::ops::RangeToInclusive<isize>> for Slice {
    fn from(r: core::ops::RangeToInclusive<isize>) -> Self {
        let stop = if r.end == -1 {
            None
        } else {
            r.end.checked_add(1)
        };
        Slice::new(None, stop, 1)
    }
}

/// Where the elements of an N-d array sit in a backing slice.
///
/// Invariants, established by [`Layout::contiguous`] and kept by every
/// method that returns a new layout:
///
/// 1. The number of elements, the product of the shape, fits in `usize` and
///    is at most `isize::MAX`.
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
    /// [`Error::Overflow`] when the element count exceeds `isize::MAX`;
    /// [`Error::TooManyDims`] past [`MAX_DIMS`].
    pub fn contiguous(dim: D, order: Order) -> Result<(Self, usize), Error> {
        let ndim = dim.ndim();
        if ndim > MAX_DIMS {
            return Err(Error::TooManyDims { ndim });
        }
        let size = dim.size_checked().ok_or(Error::Overflow)?;
        if size > isize::MAX as usize {
            return Err(Error::Overflow);
        }
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

    /// The number of elements (cannot overflow: invariant 1).
    pub fn len(&self) -> usize {
        self.dim.as_slice().iter().product()
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
        let mut pos = self.offset as isize;
        for ((&i, &d), &s) in index.iter().zip(dims).zip(self.strides.as_ref()) {
            if i >= d {
                return None;
            }
            // In bounds, so by invariant 3 every partial sum stays within the
            // backing slice... but partial sums of mixed-sign strides may leave
            // it temporarily; they cannot overflow isize because each term is
            // bounded by the span of the array (< isize::MAX) in magnitude.
            pos += i as isize * s;
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
    pub fn slice_axis(&mut self, axis: usize, slice: Slice) -> Result<(), Error> {
        self.check_axis(axis)?;
        let len = self.dim.as_slice()[axis];
        let (start, step, count) = slice.indices(len).ok_or(Error::ZeroStep { axis })?;
        let stride = self.strides.as_ref()[axis];
        if count > 0 {
            // start is a valid index of the axis, so the element it names is in
            // the backing slice whenever the array is non-empty.
            if !self.is_empty() {
                self.offset = (self.offset as isize + start * stride) as usize;
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
    pub fn slice(&mut self, slices: &[Slice]) -> Result<(), Error> {
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
    pub fn index_axis(&self, axis: usize, index: usize) -> Result<Layout<D::Smaller>, Error>
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
            offset = (offset as isize + index as isize * self.strides.as_ref()[axis]) as usize;
        }
        Ok(Layout {
            dim: self.dim.remove_axis(axis),
            strides: D::remove_stride(&self.strides, axis),
            offset,
        })
    }

    /// Reverses the order of the axes (numpy's `.T`).
    pub fn reverse_axes(&mut self) {
        self.dim.as_mut_slice().reverse();
        self.strides.as_mut().reverse();
    }

    /// Reorders the axes: axis `k` of the result is axis `axes[k]` of `self`.
    ///
    /// # Errors
    ///
    /// [`Error::NotPermutation`].
    pub fn permute_axes(&mut self, axes: &[usize]) -> Result<(), Error> {
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
    pub fn invert_axis(&mut self, axis: usize) -> Result<(), Error> {
        self.slice_axis(axis, Slice::full().step_by(-1))
    }

    /// Swaps two axes.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`].
    pub fn swap_axes(&mut self, a: usize, b: usize) -> Result<(), Error> {
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
            expected *= dims[k] as isize;
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
        let (mut lo, mut hi) = (self.offset as isize, self.offset as isize);
        for (&d, &s) in self.dim.as_slice().iter().zip(self.strides.as_ref()) {
            let ext = (d as isize - 1) * s;
            if ext < 0 {
                lo += ext;
            } else {
                hi += ext;
            }
        }
        Some((lo as usize, hi as usize))
    }

    /// Splits along `axis` before `index`: the first part has indices
    /// `0..index` of that axis, the second `index..`. The parts address the
    /// same backing slice.
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`]; [`Error::IndexOutOfBounds`] when `index` is past the axis length.
    pub fn split_at(&self, axis: usize, index: usize) -> Result<(Self, Self), Error> {
        self.check_axis(axis)?;
        let len = self.dim.as_slice()[axis];
        if index > len {
            return Err(Error::IndexOutOfBounds { axis, index, len });
        }
        let mut a = self.clone();
        let mut b = self.clone();
        a.dim.as_mut_slice()[axis] = index;
        b.dim.as_mut_slice()[axis] = len - index;
        if index < len && !self.is_empty() {
            b.offset =
                (self.offset as isize + index as isize * self.strides.as_ref()[axis]) as usize;
        }
        Ok((a, b))
    }

    /// Moves the layout to a backing slice that starts `delta` elements later.
    /// Only for the view code, which proves the elements are still in range.
    pub(crate) fn rebase(&mut self, delta: usize) {
        self.offset -= delta;
    }

    /// Converts to a dynamic-rank layout.
    pub fn into_dyn(self) -> Layout<IxDyn> {
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
    pub fn into_dimensionality<E: Dimension>(self) -> Result<Layout<E>, Error> {
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
        // Zero anywhere makes the product zero, whatever the other axes.
        let (l, n) = Layout::contiguous([usize::MAX, 0], Order::C).unwrap();
        assert_eq!((n, l.is_empty()), (0, true));
    }

    #[test]
    fn numpy_slice_indices() {
        // Python: slice(None, None, -2).indices(5) -> (4, -1, -2): 4, 2, 0
        assert_eq!(Slice::full().step_by(-2).indices(5), Some((4, -2, 3)));
        // slice(10, None).indices(5) -> empty
        assert_eq!(Slice::new(Some(10), None, 1).indices(5).unwrap().2, 0);
        // slice(-100, 2) -> 0, 1
        assert_eq!(
            Slice::new(Some(-100), Some(2), 1).indices(5),
            Some((0, 1, 2))
        );
        // slice(3, 0, -1) -> 3, 2, 1
        assert_eq!(
            Slice::new(Some(3), Some(0), -1).indices(5),
            Some((3, -1, 3))
        );
        // slice(None, None, isize::MIN) on 5 -> just 4
        assert_eq!(
            Slice::full().step_by(isize::MIN).indices(5),
            Some((4, isize::MIN, 1))
        );
        assert_eq!(Slice::full().step_by(0).indices(5), None);
        assert_eq!(Slice::from(..=-1), Slice::full());
        assert_eq!(Slice::from(1..=2), Slice::new(Some(1), Some(3), 1));
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
