//! Building views: from a typed slice, from bytes (zerocopy checks size and
//! alignment), from a kept [`Layout`]; and a mutable view turned shared.

use super::{ArrayBase, ArrayView, ArrayViewMut};
use crate::element::Element;
use crate::error::Error;
use crate::layout::{Dimension, Layout, Order};

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
    // A zero-sized element occupies no bytes: the region cannot say how many there are.
    if core::mem::size_of::<T>() == 0 {
        return Err(Error::ZeroSizedElement);
    }
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
            T::slice_from_bytes(bytes).ok_or_else(|| cast_error::<T>(bytes, expected))?
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
}

/// A shared view of a mutable view's elements for the rest of `'a`.
///
/// # Examples
///
/// ```
/// use mmarray::{ArrayView, ArrayViewMut, Order};
/// let mut buf = [1u8, 2, 3, 4];
/// let mut m = ArrayViewMut::from_slice(&mut buf, [2, 2], Order::C).unwrap();
/// m[[0, 1]] = 9;
/// let shared = ArrayView::from(m);
/// assert_eq!(shared[[0, 1]], 9);
/// ```
impl<'a, T, D: Dimension> From<ArrayViewMut<'a, T, D>> for ArrayView<'a, T, D> {
    fn from(v: ArrayViewMut<'a, T, D>) -> Self {
        ArrayBase {
            data: v.data,
            layout: v.layout,
        }
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
            T::slice_from_bytes_mut(bytes).ok_or(err)?
        };
        Ok(ArrayBase { data, layout })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use zerocopy::IntoBytes;

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
}
