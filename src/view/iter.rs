//! Iteration in logical (C) order over any layout.

use core::iter::FusedIterator;

use crate::layout::{Dimension, Layout};

/// Backing positions of a layout's elements, in logical (C) order.
///
/// The last axis is walked in runs (see [`Iterator::fold`]) so that strided
/// iteration costs little more than nested loops over the strides by hand.
#[derive(Clone, Debug)]
pub(crate) struct Positions<D: Dimension> {
    dim: D,
    strides: D::Strides,
    index: D,
    pos: isize,
    remaining: usize,
}

impl<D: Dimension> Positions<D> {
    /// The positions of every element of `layout`.
    pub(crate) fn new(layout: &Layout<D>) -> Self {
        let dim = layout.dim().clone();
        let mut index = dim.clone();
        index.as_mut_slice().iter_mut().for_each(|i| *i = 0);
        let mut strides = dim.zero_strides();
        strides.as_mut().copy_from_slice(layout.strides());
        Positions {
            remaining: layout.len(),
            pos: layout.offset() as isize,
            dim,
            strides,
            index,
        }
    }

    /// Moves to the next element (there is one: `remaining > 0`).
    #[inline]
    fn advance(&mut self) {
        let dims = self.dim.as_slice();
        let strides = self.strides.as_ref();
        let index = self.index.as_mut_slice();
        for a in (0..dims.len()).rev() {
            index[a] += 1;
            self.pos = self.pos.wrapping_add(strides[a]);
            if index[a] < dims[a] {
                return;
            }
            // Wrap this axis: back to index 0 of it, carry into the next.
            self.pos = self
                .pos
                .wrapping_sub(strides[a].wrapping_mul(dims[a] as isize));
            index[a] = 0;
        }
    }

    /// The run of positions left on the current row: (first, stride, count).
    #[inline]
    fn row(&self) -> (isize, isize, usize) {
        match self.dim.as_slice().len() {
            0 => (self.pos, 0, self.remaining.min(1)),
            n => {
                let last = n - 1;
                let left = self.dim.as_slice()[last] - self.index.as_slice()[last];
                (
                    self.pos,
                    self.strides.as_ref()[last],
                    left.min(self.remaining),
                )
            }
        }
    }

    /// Skips `run` positions of the current row (all but possibly crossing to the next row).
    #[inline]
    fn skip_row(&mut self, run: usize) {
        self.remaining -= run;
        if let Some(last) = self.dim.as_slice().len().checked_sub(1) {
            // Stand on the row's last visited element, then step once.
            self.index.as_mut_slice()[last] += run - 1;
            self.pos += self.strides.as_ref()[last] * (run as isize - 1);
        }
        if self.remaining > 0 {
            self.advance();
        }
    }
}

impl<D: Dimension> Iterator for Positions<D> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.remaining == 0 {
            return None;
        }
        let p = self.pos as usize;
        self.remaining -= 1;
        if self.remaining > 0 {
            self.advance();
        }
        Some(p)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }

    fn fold<B, F: FnMut(B, usize) -> B>(mut self, init: B, mut f: F) -> B {
        let mut acc = init;
        while self.remaining > 0 {
            let (first, stride, run) = self.row();
            let mut p = first;
            for _ in 0..run {
                acc = f(acc, p as usize);
                p = p.wrapping_add(stride);
            }
            self.skip_row(run);
        }
        acc
    }
}

impl<D: Dimension> ExactSizeIterator for Positions<D> {}
impl<D: Dimension> FusedIterator for Positions<D> {}

/// The elements of a view in logical (C) order.
///
/// A C-contiguous view iterates its slice directly; any other layout walks
/// its strides row by row.
#[derive(Clone, Debug)]
pub struct Iter<'a, T, D: Dimension> {
    inner: Inner<'a, T, D>,
}

#[derive(Clone, Debug)]
enum Inner<'a, T, D: Dimension> {
    Contiguous(core::slice::Iter<'a, T>),
    Strided {
        data: &'a [T],
        positions: Positions<D>,
    },
}

impl<'a, T, D: Dimension> Iter<'a, T, D> {
    pub(crate) fn new(data: &'a [T], layout: &Layout<D>) -> Self {
        let inner = if layout.is_empty() {
            Inner::Contiguous([].iter())
        } else if layout.is_c_contiguous() {
            let start = layout.offset();
            Inner::Contiguous(data[start..start + layout.len()].iter())
        } else {
            Inner::Strided {
                data,
                positions: Positions::new(layout),
            }
        };
        Iter { inner }
    }
}

impl<'a, T, D: Dimension> Iterator for Iter<'a, T, D> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        match &mut self.inner {
            Inner::Contiguous(it) => it.next(),
            Inner::Strided { data, positions } => positions.next().map(|p| &data[p]),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            Inner::Contiguous(it) => it.size_hint(),
            Inner::Strided { positions, .. } => positions.size_hint(),
        }
    }

    fn fold<B, F: FnMut(B, &'a T) -> B>(self, init: B, mut f: F) -> B {
        match self.inner {
            Inner::Contiguous(it) => it.fold(init, f),
            Inner::Strided {
                data,
                mut positions,
            } => {
                let mut acc = init;
                while positions.remaining > 0 {
                    let (first, stride, run) = positions.row();
                    if stride == 1 {
                        let s = &data[first as usize..first as usize + run];
                        acc = s.iter().fold(acc, &mut f);
                    } else {
                        let mut p = first;
                        for _ in 0..run {
                            acc = f(acc, &data[p as usize]);
                            p = p.wrapping_add(stride);
                        }
                    }
                    positions.skip_row(run);
                }
                acc
            }
        }
    }
}

impl<T, D: Dimension> ExactSizeIterator for Iter<'_, T, D> {}
impl<T, D: Dimension> FusedIterator for Iter<'_, T, D> {}
