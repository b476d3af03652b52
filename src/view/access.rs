//! Reading a view: its attributes, element access and indexing, and its
//! elements as one contiguous slice.

use core::ops::{Index, IndexMut};

use zerocopy::IntoBytes;

use super::{ArrayBase, ArrayView, ArrayViewMut, Iter, Storage, StorageMut};
use crate::element::Element;
use crate::error::Error;
use crate::layout::{Dimension, Layout, Order};

impl<'a, T, D: Dimension> ArrayView<'a, T, D> {
    /// The element at `index`, with the view's full lifetime, or the reason it is not there.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::{ArrayView, Order};
    /// let data = [1u8, 2, 3, 4, 5, 6];
    /// let a = ArrayView::from_slice(&data, [2, 3], Order::C).unwrap();
    /// let x: &u8 = a.clone().into_elem(&[1, 0]).unwrap();
    /// assert_eq!(*x, 4);
    /// assert!(a.into_elem(&[2, 0]).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::RankMismatch`], [`Error::IndexOutOfBounds`].
    pub fn into_elem(self, index: &[usize]) -> Result<&'a T, Error> {
        let data: &'a [T] = self.data;
        self.layout.checked_position(index).map(|p| &data[p])
    }

    /// The elements as one slice in logical order, with the view's full
    /// lifetime, when the view is C-contiguous.
    pub fn to_slice(&self) -> Option<&'a [T]> {
        let data: &'a [T] = self.data;
        self.contiguous_range(Order::C).map(|r| &data[r])
    }
}

/// Iterates over the elements in logical (C) order, with the view's full lifetime.
impl<'a, T, D: Dimension> IntoIterator for ArrayView<'a, T, D> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T, D>;
    fn into_iter(self) -> Iter<'a, T, D> {
        Iter::new(self.data, &self.layout)
    }
}

impl<'a, T, D: Dimension> ArrayViewMut<'a, T, D> {
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
}

impl<S: Storage, D: Dimension> ArrayBase<S, D> {
    /// The length of each axis.
    pub fn shape(&self) -> &[usize] {
        self.layout.shape()
    }

    /// The shape value (`[usize; N]` or [`IxDyn`](crate::IxDyn)).
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

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn accessors_keep_the_views_lifetime() {
        let data: Vec<u16> = (0..6).collect();
        let (x, s, all): (&u16, &[u16], Vec<u16>) = {
            let v = ArrayView::from_slice(&data[..], [2, 3], Order::C).unwrap();
            let all = v.clone().into_iter().copied().collect();
            (
                v.clone().into_elem(&[1, 2]).unwrap(),
                v.to_slice().unwrap(),
                all,
            )
        };
        assert_eq!((*x, s, all), (5, &data[..], data.clone()));
        let v = ArrayView::from_slice(&data[..], [2, 3], Order::C).unwrap();
        assert_eq!(
            v.clone().into_elem(&[2, 0]),
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
        let shared = ArrayView::from(m);
        assert_eq!(shared.iter().copied().collect::<Vec<_>>(), [0, 0, 9, 0]);
        assert_eq!(buf, [0, 9, 0, 0]);
    }
}
