//! Splitting a mutable view into two disjoint mutable views.

use super::{ArrayBase, ArrayViewMut};
use crate::error::Error;
use crate::layout::{Dimension, Layout, Order};

impl<'a, T, D: Dimension> ArrayViewMut<'a, T, D> {
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

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

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
