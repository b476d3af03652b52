//! numpy's one-byte bool, which Rust's `bool` cannot view in place.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// numpy's one-byte bool (`|b1`): any byte pattern is accepted, nonzero means `true`.
///
/// `bool` itself cannot be viewed in place (bytes other than 0 and 1 would be undefined
/// behaviour), hence this newtype.
///
/// # Examples
///
/// ```
/// use mmarray::Bool;
/// assert!(Bool(2).get());
/// assert_eq!(Bool::from(true), Bool(1));
/// ```
#[derive(
    FromBytes,
    IntoBytes,
    Immutable,
    KnownLayout,
    Unaligned,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Default,
)]
#[repr(transparent)]
pub struct Bool(pub u8);

impl Bool {
    /// `true` unless the byte is zero (numpy's reading of a bool byte).
    pub const fn get(self) -> bool {
        self.0 != 0
    }
}

impl From<bool> for Bool {
    fn from(b: bool) -> Bool {
        Bool(b as u8)
    }
}

impl From<Bool> for bool {
    fn from(b: Bool) -> bool {
        b.get()
    }
}
