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
pub trait Element: FromBytes + IntoBytes + Immutable + KnownLayout + Sized {}

impl<T: FromBytes + IntoBytes + Immutable + KnownLayout> Element for T {}
