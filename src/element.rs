//! The element bound: what may live in a mapped array.
//!
//! [`Element`] is the one requirement views put on their element type: zerocopy's four
//! traits, so that a byte region can be cast to `[T]` without `unsafe`. It is implemented for
//! every type that has them; what an element is in numpy's terms (for `.npy` files) is the
//! separate, narrower bound [`Dtype`](crate::Dtype).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A type whose values can be viewed in place inside raw bytes.
///
/// Every bit pattern is a valid value ([`FromBytes`]), the value has no padding
/// ([`IntoBytes`]), no interior mutability ([`Immutable`]) and a layout zerocopy
/// understands ([`KnownLayout`]). Implemented automatically for every such type:
/// the primitive numbers, `#[derive]`d `#[repr(C)]` records, byte arrays and
/// zerocopy's endian-aware types such as
/// [`little_endian::F32`](zerocopy::byteorder::little_endian::F32).
pub trait Element: FromBytes + IntoBytes + Immutable + KnownLayout + Sized {
    /// The elements in `bytes`: zerocopy's `<[T]>::ref_from_bytes`, or `None` when `bytes`
    /// is misaligned for `Self` or not a whole number of elements, or `Self` is zero-sized.
    ///
    /// Unlike `ref_from_bytes`, which refuses to compile for a zero-sized `T` (a
    /// post-monomorphization error deep inside zerocopy), this compiles for every element
    /// type, so the library can refuse zero-sized ones with its own error
    /// ([`Error::ZeroSizedElement`](crate::Error::ZeroSizedElement)).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::Element;
    /// use mmarray::zerocopy::byteorder::little_endian::U16;
    /// let words = U16::slice_from_bytes(&[1, 0, 2, 0][..]).unwrap();
    /// assert_eq!((words[0].get(), words[1].get()), (1, 2));
    /// assert!(U16::slice_from_bytes(&[1, 0, 2][..]).is_none());
    /// assert_eq!(<()>::slice_from_bytes(&[]), None);
    /// ```
    fn slice_from_bytes(bytes: &[u8]) -> Option<&[Self]> {
        let size = core::mem::size_of::<Self>();
        if size == 0 {
            return None;
        }
        <[Self]>::ref_from_bytes_with_elems(bytes, bytes.len() / size).ok()
    }

    /// [`slice_from_bytes`](Element::slice_from_bytes) for mutable bytes.
    fn slice_from_bytes_mut(bytes: &mut [u8]) -> Option<&mut [Self]> {
        let size = core::mem::size_of::<Self>();
        if size == 0 {
            return None;
        }
        let n = bytes.len() / size;
        <[Self]>::mut_from_bytes_with_elems(bytes, n).ok()
    }
}

impl<T: FromBytes + IntoBytes + Immutable + KnownLayout> Element for T {}
