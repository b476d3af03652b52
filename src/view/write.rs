//! Writing through a view: per-element mutation, filling, and copying from
//! another view or a slice, in logical order, whatever the strides.

use zerocopy::IntoBytes;

use super::{ArrayBase, ArrayView, Positions, Storage, StorageMut};
use crate::element::Element;
use crate::error::Error;
use crate::layout::{Dimension, Order};

impl<S: StorageMut, D: Dimension> ArrayBase<S, D> {
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
