//! Typed N-d views over borrowed bytes or slices.
//!
//! [`ArrayView`] borrows shared data, [`ArrayViewMut`] borrows exclusively.
//! Both are [`ArrayBase`] over a different storage, so everything that only
//! reads is written once. A view is built from bytes by zerocopy, which checks
//! size and alignment, and from there on every element access is safe index
//! arithmetic into the typed slice, guarded by the [`Layout`] invariants.

mod fmt;
mod iter;

pub use fmt::{NumpyFormat, Repr, ScalarValue};
pub use iter::{Iter, Positions};

use core::ops::{Index, IndexMut};

use zerocopy::{FromBytes, IntoBytes};

use crate::element::Element;
use crate::error::Error;
use crate::layout::{Dimension, IxDyn, Layout, Order, RemoveAxis, Slice};

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

fn cast_error<T>(bytes: &[u8], expected: usize) -> Error {
    let align = core::mem::align_of::<T>();
    let misalignment = bytes.as_ptr() as usize % align;
    if misalignment != 0 {
        Error::Misaligned {
            offset: misalignment as u64,
            align,
            size: core::mem::size_of::<T>(),
        }
    } else {
        Error::SizeMismatch {
            expected,
            actual: bytes.len(),
        }
    }
}

/// Whether a backing slice of `len` elements holds every element of `layout`
/// (its invariant 3 for that slice: every position lies within the span).
fn covers<T, D: Dimension>(len: usize, layout: &Layout<D>) -> Result<(), Error> {
    match layout.span() {
        Some((_, hi)) if hi >= len => Err(Error::SizeMismatch {
            expected: (hi + 1).saturating_mul(core::mem::size_of::<T>()),
            actual: len.saturating_mul(core::mem::size_of::<T>()),
        }),
        _ => Ok(()),
    }
}

/// The contiguous layout of `shape` and the bytes it needs, which must be `actual`.
fn layout_for_bytes<T, D: Dimension>(
    shape: D,
    order: Order,
    actual: usize,
) -> Result<(Layout<D>, usize), Error> {
    let (layout, len) = Layout::contiguous(shape, order)?;
    let expected = byte_len::<T>(len)?;
    if actual != expected {
        return Err(Error::SizeMismatch { expected, actual });
    }
    Ok((layout, expected))
}

fn byte_len<T>(elems: usize) -> Result<usize, Error> {
    let bytes = elems
        .checked_mul(core::mem::size_of::<T>())
        .ok_or(Error::Overflow)?;
    if bytes > isize::MAX as usize {
        Err(Error::Overflow)
    } else {
        Ok(bytes)
    }
}

fn check_len<T>(actual: usize, expected: usize) -> Result<(), Error> {
    if actual == expected {
        Ok(())
    } else {
        let size = core::mem::size_of::<T>();
        Err(Error::SizeMismatch {
            expected: expected.saturating_mul(size),
            actual: actual.saturating_mul(size),
        })
    }
}

impl<'a, T, D: Dimension> ArrayView<'a, T, D> {
    /// A view of `data` (exactly `shape`'s element count) laid out in `order`.
    ///
    /// # Errors
    ///
    /// [`Error::SizeMismatch`] when `data.len()` differs from the element
    /// count; [`Error::Overflow`] for shapes too large to address.
    pub fn from_slice(data: &'a [T], shape: D, order: Order) -> Result<Self, Error> {
        let (layout, len) = Layout::contiguous(shape, order)?;
        byte_len::<T>(len)?;
        check_len::<T>(data.len(), len)?;
        Ok(ArrayBase { data, layout })
    }

    /// A view of `bytes`, which must hold exactly `shape`'s elements of `T`
    /// and start at an address aligned for `T`. zerocopy checks both.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::{ArrayView, Error, Order};
    /// use zerocopy::byteorder::big_endian::U16;
    /// let bytes = [0u8, 1, 0, 2, 1, 0];
    /// let a = ArrayView::<U16, _>::from_bytes(&bytes, [3], Order::C).unwrap();
    /// assert_eq!(a[[2]].get(), 256);
    /// assert_eq!(
    ///     ArrayView::<U16, _>::from_bytes(&bytes, [2], Order::C).unwrap_err(),
    ///     Error::SizeMismatch { expected: 4, actual: 6 },
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Misaligned`] (use an `Unaligned` element type such as
    /// zerocopy's `little_endian::F32`), [`Error::SizeMismatch`], [`Error::Overflow`].
    pub fn from_bytes(bytes: &'a [u8], shape: D, order: Order) -> Result<Self, Error>
    where
        T: Element,
    {
        let (layout, expected) = layout_for_bytes::<T, D>(shape, order, bytes.len())?;
        // An empty array addresses no memory: any empty region will do, aligned or not.
        let data: &'a [T] = if expected == 0 {
            &[]
        } else {
            <[T]>::ref_from_bytes(bytes).map_err(|_| cast_error::<T>(bytes, expected))?
        };
        Ok(ArrayBase { data, layout })
    }

    /// A view of `data` laid out by `layout` (e.g. one kept from an earlier view, to skip
    /// recomputing it).
    ///
    /// # Errors
    ///
    /// [`Error::SizeMismatch`] when some element of `layout` lies past the end of `data`.
    pub fn with_layout(data: &'a [T], layout: Layout<D>) -> Result<Self, Error> {
        covers::<T, D>(data.len(), &layout)?;
        Ok(ArrayBase { data, layout })
    }

    /// A shared view of a mutable view's elements for the rest of `'a`.
    pub fn from_mut(v: ArrayViewMut<'a, T, D>) -> Self {
        ArrayBase {
            data: v.data,
            layout: v.layout,
        }
    }

    /// The element at `index`, with the view's full lifetime, or the reason it is not there.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`], [`Error::IndexOutOfBounds`].
    pub fn elem(&self, index: &[usize]) -> Result<&'a T, Error> {
        let data: &'a [T] = self.data;
        self.layout.checked_position(index).map(|p| &data[p])
    }

    /// Iterates over the elements in logical (C) order, with the view's full lifetime.
    pub fn into_iter_ref(self) -> Iter<'a, T, D> {
        Iter::new(self.data, &self.layout)
    }

    /// The elements as one slice in logical order, with the view's full
    /// lifetime, when the view is C-contiguous.
    pub fn to_slice(&self) -> Option<&'a [T]> {
        let data: &'a [T] = self.data;
        self.contiguous_range(Order::C).map(|r| &data[r])
    }
}

impl<'a, T, D: Dimension> ArrayViewMut<'a, T, D> {
    /// A mutable view of `data` (exactly `shape`'s element count) laid out in `order`.
    ///
    /// # Errors
    ///
    /// As [`ArrayView::from_slice`].
    pub fn from_slice(data: &'a mut [T], shape: D, order: Order) -> Result<Self, Error> {
        let (layout, len) = Layout::contiguous(shape, order)?;
        byte_len::<T>(len)?;
        check_len::<T>(data.len(), len)?;
        Ok(ArrayBase { data, layout })
    }

    /// A mutable view of `data` laid out by `layout`; see [`ArrayView::with_layout`].
    ///
    /// # Errors
    ///
    /// As [`ArrayView::with_layout`].
    pub fn with_layout(data: &'a mut [T], layout: Layout<D>) -> Result<Self, Error> {
        covers::<T, D>(data.len(), &layout)?;
        Ok(ArrayBase { data, layout })
    }

    /// A mutable view of `bytes`; see [`ArrayView::from_bytes`].
    ///
    /// # Errors
    ///
    /// As [`ArrayView::from_bytes`].
    pub fn from_bytes(bytes: &'a mut [u8], shape: D, order: Order) -> Result<Self, Error>
    where
        T: Element,
    {
        let (layout, expected) = layout_for_bytes::<T, D>(shape, order, bytes.len())?;
        let data: &'a mut [T] = if expected == 0 {
            &mut []
        } else {
            let err = cast_error::<T>(bytes, expected);
            <[T]>::mut_from_bytes(bytes).map_err(|_| err)?
        };
        Ok(ArrayBase { data, layout })
    }

    /// The element at `index`, mutably, for the rest of `'a`.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`], [`Error::IndexOutOfBounds`].
    pub fn into_elem_mut(self, index: &[usize]) -> Result<&'a mut T, Error> {
        let p = self.layout.checked_position(index)?;
        Ok(&mut self.data[p])
    }

    /// The elements as one mutable slice in logical order, for the rest of
    /// `'a`, when the view is C-contiguous; otherwise the view back.
    ///
    /// # Errors
    ///
    /// The view itself, unchanged, when it is not C-contiguous.
    pub fn into_slice(self) -> Result<&'a mut [T], Self> {
        match self.contiguous_range(Order::C) {
            Some(r) => Ok(&mut self.data[r]),
            None => Err(self),
        }
    }

    /// Splits into two disjoint mutable views along `axis` before `index`:
    /// indices `0..index` and `index..` of that axis.
    ///
    /// The parts must occupy disjoint ranges of memory, which holds for the
    /// outermost axis in memory (axis 0 of a C-order array, the last of an
    /// F-order one, after any slicing or reversal). Inner axes interleave and
    /// are refused: borrowing them apart would need `unsafe`, which the core
    /// forbids.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::{ArrayViewMut, Order};
    /// let mut data = [0u32; 12];
    /// let a = ArrayViewMut::from_slice(&mut data, [4, 3], Order::C).unwrap();
    /// let (mut top, mut bottom) = a.split_at(0, 1).unwrap();
    /// std::thread::scope(|s| {
    ///     s.spawn(move || top.fill(&1));
    ///     s.spawn(move || bottom.fill(&2));
    /// });
    /// assert_eq!(data, [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`], [`Error::IndexOutOfBounds`] (past the axis
    /// length), [`Error::Interleaved`].
    pub fn split_at(self, axis: usize, index: usize) -> Result<(Self, Self), Error> {
        let (mut a, mut b) = self.layout.split_at(axis, index)?;
        let data = self.data;
        // An empty part borrows nothing: give it an empty slice and a fresh
        // layout, and the other part the whole backing slice.
        let empty = |l: &Layout<D>| Layout::contiguous(l.dim().clone(), Order::C).map(|x| x.0);
        let (sa, sb) = match (a.span(), b.span()) {
            (None, _) => {
                let a = empty(&a)?;
                return Ok((
                    ArrayBase {
                        data: &mut [],
                        layout: a,
                    },
                    ArrayBase { data, layout: b },
                ));
            }
            (_, None) => {
                let b = empty(&b)?;
                return Ok((
                    ArrayBase { data, layout: a },
                    ArrayBase {
                        data: &mut [],
                        layout: b,
                    },
                ));
            }
            (Some(sa), Some(sb)) => (sa, sb),
        };
        // Everything of one part must lie below where the other starts.
        if sa.1 < sb.0 {
            let (lo, hi) = data.split_at_mut(sb.0);
            b.rebase(sb.0);
            Ok((
                ArrayBase {
                    data: lo,
                    layout: a,
                },
                ArrayBase {
                    data: hi,
                    layout: b,
                },
            ))
        } else if sb.1 < sa.0 {
            let (lo, hi) = data.split_at_mut(sa.0);
            a.rebase(sa.0);
            Ok((
                ArrayBase {
                    data: hi,
                    layout: a,
                },
                ArrayBase {
                    data: lo,
                    layout: b,
                },
            ))
        } else {
            Err(Error::Interleaved { axis })
        }
    }
}

impl<S: Storage, D: Dimension> ArrayBase<S, D> {
    /// The length of each axis.
    pub fn shape(&self) -> &[usize] {
        self.layout.shape()
    }

    /// The shape value (`[usize; N]` or [`IxDyn`]).
    pub fn dim(&self) -> &D {
        self.layout.dim()
    }

    /// Per-axis strides, in elements.
    pub fn strides(&self) -> &[isize] {
        self.layout.strides()
    }

    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.layout.ndim()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.layout.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.layout.is_empty()
    }

    /// The layout: shape, strides and the backing position of the first element.
    pub fn layout(&self) -> &Layout<D> {
        &self.layout
    }

    /// The memory order, when the view is contiguous in one (C wins for 0-d,
    /// 1-d and other arrays contiguous both ways).
    pub fn order(&self) -> Option<Order> {
        if self.layout.is_c_contiguous() {
            Some(Order::C)
        } else if self.layout.is_f_contiguous() {
            Some(Order::F)
        } else {
            None
        }
    }

    /// The element at `index`, or `None` when out of bounds or of the wrong rank.
    #[inline]
    pub fn get(&self, index: impl AsRef<[usize]>) -> Option<&S::Elem> {
        let p = self.layout.position(index.as_ref())?;
        Some(&self.data.slice()[p])
    }

    /// A shared view borrowing this one.
    pub fn view(&self) -> ArrayView<'_, S::Elem, D> {
        ArrayBase {
            data: self.data.slice(),
            layout: self.layout.clone(),
        }
    }

    /// Iterates over the elements in logical (C) order.
    pub fn iter(&self) -> Iter<'_, S::Elem, D> {
        Iter::new(self.data.slice(), &self.layout)
    }

    fn contiguous_range(&self, order: Order) -> Option<core::ops::Range<usize>> {
        let ok = match order {
            Order::C => self.layout.is_c_contiguous(),
            Order::F => self.layout.is_f_contiguous(),
        };
        if !ok {
            return None;
        }
        let start = if self.is_empty() {
            0
        } else {
            self.layout.offset()
        };
        Some(start..start + self.len())
    }

    /// The elements as one slice in logical order, when the view is
    /// C-contiguous (no per-element cost: this is the backing slice).
    pub fn as_slice(&self) -> Option<&[S::Elem]> {
        self.contiguous_range(Order::C)
            .map(|r| &self.data.slice()[r])
    }

    /// The elements as one slice in memory order, when the view is contiguous
    /// in C or Fortran order.
    pub fn as_slice_memory_order(&self) -> Option<&[S::Elem]> {
        self.contiguous_range(Order::C)
            .or_else(|| self.contiguous_range(Order::F))
            .map(|r| &self.data.slice()[r])
    }

    /// Copies the elements, in logical (C) order, into `out`.
    ///
    /// # Errors
    ///
    /// [`Error::BufferLength`] unless `out.len()` equals [`len`](Self::len).
    pub fn copy_to_slice(&self, out: &mut [S::Elem]) -> Result<(), Error>
    where
        S::Elem: Element,
    {
        if out.len() != self.len() {
            return Err(Error::BufferLength {
                expected: self.len(),
                actual: out.len(),
            });
        }
        if let Some(src) = self.as_slice() {
            out.as_mut_bytes().copy_from_slice(src.as_bytes());
        } else {
            for (o, x) in out.iter_mut().zip(self.iter()) {
                o.as_mut_bytes().copy_from_slice(x.as_bytes());
            }
        }
        Ok(())
    }

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

    /// A printable form with a prefix and suffix, wrapped as numpy wraps
    /// `repr(a)`: `a.repr("memmap(", ", dtype=float32)")`.
    pub fn repr<'r>(&'r self, prefix: &'r str, suffix: &'r str) -> Repr<'r, S::Elem, D> {
        Repr::new(self.view(), prefix, suffix)
    }

    /// A shared view of the transpose, borrowing this one.
    pub fn t(&self) -> ArrayView<'_, S::Elem, D> {
        self.view().reversed_axes()
    }
}

impl<S: StorageMut, D: Dimension> ArrayBase<S, D> {
    /// The element at `index`, mutably, or `None` when out of bounds.
    #[inline]
    pub fn get_mut(&mut self, index: impl AsRef<[usize]>) -> Option<&mut S::Elem> {
        let p = self.layout.position(index.as_ref())?;
        Some(&mut self.data.slice_mut()[p])
    }

    /// A mutable view borrowing this one.
    pub fn view_mut(&mut self) -> ArrayViewMut<'_, S::Elem, D> {
        ArrayBase {
            data: self.data.slice_mut(),
            layout: self.layout.clone(),
        }
    }

    /// The elements as one mutable slice in logical order, when C-contiguous.
    pub fn as_slice_mut(&mut self) -> Option<&mut [S::Elem]> {
        let r = self.contiguous_range(Order::C)?;
        Some(&mut self.data.slice_mut()[r])
    }

    /// The elements as one mutable slice in memory order, when contiguous in C or F order.
    pub fn as_slice_memory_order_mut(&mut self) -> Option<&mut [S::Elem]> {
        let r = self
            .contiguous_range(Order::C)
            .or_else(|| self.contiguous_range(Order::F))?;
        Some(&mut self.data.slice_mut()[r])
    }

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

    /// Calls `f` on every element, mutably, in logical (C) order.
    pub fn for_each_mut(&mut self, mut f: impl FnMut(&mut S::Elem)) {
        if let Some(s) = self.as_slice_mut() {
            s.iter_mut().for_each(f);
            return;
        }
        let positions = Positions::new(&self.layout);
        let data = self.data.slice_mut();
        for p in positions {
            f(&mut data[p]);
        }
    }

    /// Sets every element to `value`.
    pub fn fill(&mut self, value: &S::Elem)
    where
        S::Elem: Element,
    {
        let v = value.as_bytes();
        self.for_each_mut(|x| x.as_mut_bytes().copy_from_slice(v));
    }

    /// Copies `other` into this view, element by element in logical order.
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`] or [`Error::ShapeMismatch`] unless the shapes are equal.
    pub fn assign<S2, D2>(&mut self, other: &ArrayBase<S2, D2>) -> Result<(), Error>
    where
        S2: Storage<Elem = S::Elem>,
        D2: Dimension,
        S::Elem: Element,
    {
        let (a, b) = (self.shape(), other.shape());
        if a.len() != b.len() {
            return Err(Error::RankMismatch {
                expected: a.len(),
                actual: b.len(),
            });
        }
        if let Some(axis) = a.iter().zip(b).position(|(x, y)| x != y) {
            return Err(Error::ShapeMismatch {
                axis,
                expected: a[axis],
                actual: b[axis],
            });
        }
        if let Some(src) = other.as_slice()
            && let Some(dst) = self.as_slice_mut()
        {
            dst.as_mut_bytes().copy_from_slice(src.as_bytes());
            return Ok(());
        }
        let mut src = other.iter();
        let positions = Positions::new(&self.layout);
        let data = self.data.slice_mut();
        for p in positions {
            if let Some(x) = src.next() {
                data[p].as_mut_bytes().copy_from_slice(x.as_bytes());
            }
        }
        Ok(())
    }

    /// Copies the elements of `src`, taken in logical (C) order, into this view.
    ///
    /// # Errors
    ///
    /// [`Error::BufferLength`] unless `src.len()` equals [`len`](Self::len).
    pub fn copy_from_slice(&mut self, src: &[S::Elem]) -> Result<(), Error>
    where
        S::Elem: Element,
    {
        if src.len() != self.len() {
            return Err(Error::BufferLength {
                expected: self.len(),
                actual: src.len(),
            });
        }
        self.assign(&ArrayView::from_slice(src, self.dim().clone(), Order::C)?)
    }
}

impl<S: Storage, D: Dimension, I: AsRef<[usize]>> Index<I> for ArrayBase<S, D> {
    type Output = S::Elem;

    /// # Panics
    ///
    /// When the index is out of bounds or has the wrong number of axes, like slice indexing.
    #[inline]
    #[track_caller]
    fn index(&self, index: I) -> &S::Elem {
        match self.layout.checked_position(index.as_ref()) {
            Ok(p) => &self.data.slice()[p],
            Err(e) => panic!("{e}"),
        }
    }
}

impl<S: StorageMut, D: Dimension, I: AsRef<[usize]>> IndexMut<I> for ArrayBase<S, D> {
    /// # Panics
    ///
    /// When the index is out of bounds or has the wrong number of axes.
    #[inline]
    #[track_caller]
    fn index_mut(&mut self, index: I) -> &mut S::Elem {
        match self.layout.checked_position(index.as_ref()) {
            Ok(p) => &mut self.data.slice_mut()[p],
            Err(e) => panic!("{e}"),
        }
    }
}

impl<'v, S: Storage, D: Dimension> IntoIterator for &'v ArrayBase<S, D> {
    type Item = &'v S::Elem;
    type IntoIter = Iter<'v, S::Elem, D>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
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

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn from_bytes_checks_alignment_and_size() {
        let words = [0u32; 4];
        let bytes = words.as_bytes();
        let e = ArrayView::<u32, _>::from_bytes(&bytes[1..13], [3], Order::C).unwrap_err();
        assert_eq!(
            e,
            Error::Misaligned {
                offset: 1,
                align: 4,
                size: 4
            }
        );
        let e = ArrayView::<u32, _>::from_bytes(&bytes[..12], [4], Order::C).unwrap_err();
        assert_eq!(
            e,
            Error::SizeMismatch {
                expected: 16,
                actual: 12
            }
        );
        assert!(ArrayView::<u32, _>::from_bytes(&bytes[4..], [3], Order::C).is_ok());
        // An empty array needs no alignment: it addresses no memory.
        assert!(ArrayView::<u32, _>::from_bytes(&bytes[1..1], [0, 3], Order::C).is_ok());
    }

    #[test]
    fn zero_d_and_empty() {
        let x = [42i64];
        let a = ArrayView::from_slice(&x, [], Order::C).unwrap();
        assert_eq!((a.ndim(), a.len(), a[[]]), (0, 1, 42));
        let e: [i64; 0] = [];
        let b = ArrayView::from_slice(&e, [0, 5], Order::C).unwrap();
        assert!(b.is_empty());
        assert_eq!(b.iter().count(), 0);
        assert_eq!(b.as_slice(), Some(&[][..]));
    }

    #[test]
    fn accessors_keep_the_views_lifetime() {
        let data: Vec<u16> = (0..6).collect();
        let (x, s, all): (&u16, &[u16], Vec<u16>) = {
            let v = ArrayView::from_slice(&data[..], [2, 3], Order::C).unwrap();
            let all = v.clone().into_iter_ref().copied().collect();
            (v.elem(&[1, 2]).unwrap(), v.to_slice().unwrap(), all)
        };
        assert_eq!((*x, s, all), (5, &data[..], data.clone()));
        let v = ArrayView::from_slice(&data[..], [2, 3], Order::C).unwrap();
        assert_eq!(
            v.elem(&[2, 0]),
            Err(Error::IndexOutOfBounds {
                axis: 0,
                index: 2,
                len: 2
            })
        );
        // Transposed: contiguous in memory (F order), not in logical order.
        let t = v.swapped_axes(0, 1).unwrap();
        assert_eq!(
            (t.as_slice(), t.as_slice_memory_order()),
            (None, Some(&data[..]))
        );
        assert_eq!(t.to_slice(), None);

        let mut buf = [0u8; 4];
        let m = ArrayViewMut::from_slice(&mut buf[..], [2, 2], Order::F).unwrap();
        *m.into_elem_mut(&[1, 0]).unwrap() = 9;
        let m = ArrayViewMut::from_slice(&mut buf[..], [2, 2], Order::F).unwrap();
        let shared = ArrayView::from_mut(m);
        assert_eq!(shared.iter().copied().collect::<Vec<_>>(), [0, 0, 9, 0]);
        assert_eq!(buf, [0, 9, 0, 0]);
    }

    #[test]
    fn split_inner_axis_is_refused() {
        let mut d = [0u8; 6];
        let a = ArrayViewMut::from_slice(&mut d, [2, 3], Order::C).unwrap();
        assert_eq!(
            a.split_at(1, 1).unwrap_err(),
            Error::Interleaved { axis: 1 }
        );
    }

    #[test]
    fn split_reversed_axis() {
        let mut d: Vec<u8> = (0..6).collect();
        let a = ArrayViewMut::from_slice(&mut d[..], [3, 2], Order::C).unwrap();
        let a = a.inverted_axis(0).unwrap();
        let (x, y) = a.split_at(0, 1).unwrap();
        assert_eq!(x.iter().copied().collect::<Vec<_>>(), [4, 5]);
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), [2, 3, 0, 1]);
    }
}
