//! Fixed-length byte strings (`S`), text (`U`) and raw bytes (`V`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{ByteOrder, Dtype, Kind, Scalar, TypeDescr};

impl<const N: usize> Dtype for [u8; N] {
    const DESCR: TypeDescr =
        TypeDescr::Scalar(Scalar::known(ByteOrder::NotApplicable, Kind::Void, N));
}

/// numpy's fixed-length byte string `|S<N>`: `N` bytes, zero-padded at the end.
///
/// # Examples
///
/// ```
/// use mmarray::ByteStr;
/// assert_eq!(ByteStr(*b"ab\0\0").trimmed(), b"ab");
/// ```
#[derive(
    FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug, PartialEq, Eq, Hash,
)]
#[repr(transparent)]
pub struct ByteStr<const N: usize>(pub [u8; N]);

impl<const N: usize> ByteStr<N> {
    /// The bytes without trailing zero bytes (how numpy reads an `S` value).
    pub fn trimmed(&self) -> &[u8] {
        let end = self.0.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        &self.0[..end]
    }
}

impl<const N: usize> Dtype for ByteStr<N> {
    const DESCR: TypeDescr =
        TypeDescr::Scalar(Scalar::known(ByteOrder::NotApplicable, Kind::Bytes, N));
}

/// numpy's fixed-length text `<U<N>`: `N` UCS-4 code units in native byte order, zero-padded.
///
/// # Examples
///
/// ```
/// use mmarray::Unicode;
/// let s = Unicode([104, 105, 0]);
/// assert!(s.chars().eq("hi".chars()));
/// ```
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Unicode<const N: usize>(pub [u32; N]);

impl<const N: usize> Unicode<N> {
    /// The characters up to the first trailing zero; invalid code points become U+FFFD.
    pub fn chars(&self) -> impl Iterator<Item = char> + '_ {
        let end = self.0.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
        self.0[..end]
            .iter()
            .map(|&c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
    }
}

impl<const N: usize> Dtype for Unicode<N> {
    const DESCR: TypeDescr = TypeDescr::Scalar(Scalar::known(
        ByteOrder::NATIVE,
        Kind::Unicode,
        match N.checked_mul(4) {
            Some(n) => n,
            None => panic!("Unicode<N> is too large"),
        },
    ));
}
