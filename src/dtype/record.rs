//! numpy records (structured dtypes): fields at byte offsets, and the macro that
//! describes a `#[repr(C)]` struct as one.

use super::TypeDescr;

/// A record type: fields at explicit byte offsets and a total size.
///
/// Bytes not covered by a field are padding; they are written to a `.npy` descr as numpy
/// does, as unnamed void entries (`('', '|V3')`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// The fields in increasing offset order.
    pub fields: &'static [RecordField],
    /// Total size in bytes (`size_of` the Rust type).
    pub size: usize,
}

/// One named field of a [`Record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordField {
    /// Field name (non-empty).
    pub name: &'static str,
    /// The field's type.
    pub descr: &'static TypeDescr,
    /// Byte offset within the record.
    pub offset: usize,
    /// Sub-array shape (`('pos', '<f4', (3,))`); empty for a plain field.
    pub shape: &'static [usize],
}

impl RecordField {
    /// Size in bytes of the field including its sub-array, or `None` on overflow.
    pub const fn size(&self) -> Option<usize> {
        let mut n = self.descr.itemsize();
        let mut i = 0;
        while i < self.shape.len() {
            n = match n.checked_mul(self.shape[i]) {
                Some(n) => n,
                None => return None,
            };
            i += 1;
        }
        Some(n)
    }
}

impl Record {
    /// Checks the record is well formed: non-empty distinct names, fields in increasing
    /// offset order without overlap, all inside `size`. Used by [`record!`](crate::record)
    /// and [`npy_record!`](crate::npy_record) at compile time.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::{Dtype, Record, RecordField};
    /// static F: [RecordField; 1] = [RecordField { name: "x", descr: &<u32 as Dtype>::DESCR, offset: 0, shape: &[] }];
    /// assert!(Record { fields: &F, size: 4 }.check().is_ok());
    /// assert!(Record { fields: &F, size: 2 }.check().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// A static message naming the broken rule.
    pub const fn check(&self) -> Result<(), &'static str> {
        let mut end = 0usize;
        let mut i = 0;
        while i < self.fields.len() {
            let f = &self.fields[i];
            if f.name.is_empty() {
                return Err("a record field has an empty name");
            }
            let mut j = 0;
            while j < i {
                if const_str_eq(self.fields[j].name, f.name) {
                    return Err("two record fields have the same name");
                }
                j += 1;
            }
            if f.offset < end {
                return Err("record fields overlap or are not in increasing offset order");
            }
            let size = match f.size() {
                Some(s) => s,
                None => return Err("a record field's size overflows usize"),
            };
            end = match f.offset.checked_add(size) {
                Some(e) => e,
                None => return Err("a record field's end overflows usize"),
            };
            i += 1;
        }
        if end > self.size {
            Err("a record field extends past the end of the record")
        } else {
            Ok(())
        }
    }
}

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Implements [`Dtype`](crate::Dtype) for a `#[repr(C)]` struct, listing the fields
/// that numpy should see.
///
/// Prefer [`record!`](crate::record), which declares the struct, its zerocopy traits and its
/// descr at once (and gives sub-arrays, renamed fields and numpy-style printing); this older
/// form stays for structs declared elsewhere. Its field types must be [`Dtype`](crate::Dtype)s
/// (no sub-arrays).
///
/// Fields are given as `name: Type` in declaration order; offsets come from
/// `core::mem::offset_of!`, the size from `size_of`; each listed type must be the field's type
/// (a mismatch does not compile). Struct fields left out of the list (such as
/// explicit `_pad: [u8; 3]` bytes, which zerocopy's `IntoBytes` requires instead of implicit
/// padding) become padding, written as numpy does (`('', '|V3')`). The record is checked at
/// compile time (distinct names, increasing non-overlapping offsets, each field type's descr
/// size equal to its `size_of`).
///
/// # Examples
///
/// ```
/// use mmarray::Dtype;
/// use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};
///
/// #[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy)]
/// #[repr(C)]
/// struct Point {
///     x: f32,
///     y: i32,
/// }
/// mmarray::npy_record!(Point { x: f32, y: i32 });
///
/// assert_eq!(Point::DESCR.itemsize(), 8);
/// ```
#[macro_export]
macro_rules! npy_record {
    ($ty:ident { $($field:ident : $fty:ty),* $(,)? }) => {
        impl $crate::Dtype for $ty {
            const DESCR: $crate::TypeDescr = $crate::TypeDescr::Record(&$crate::Record {
                fields: &[$($crate::RecordField {
                    name: ::core::stringify!($field),
                    descr: &<$fty as $crate::Dtype>::DESCR,
                    offset: ::core::mem::offset_of!($ty, $field),
                    shape: &[],
                }),*],
                size: ::core::mem::size_of::<$ty>(),
            });
        }
        const _: () = {
            // Each listed type is the field's own type: a mismatch (`value: i32` for an
            // `f32` field) is a type error here, not a file numpy reads as garbage.
            #[allow(dead_code)]
            fn listed_types_are_the_fields(record: $ty) {
                $(let _: $fty = record.$field;)*
            }
            $(::core::assert!(
                <$fty as $crate::Dtype>::DESCR.itemsize() == ::core::mem::size_of::<$fty>(),
                "a field type's numpy descr size differs from its size_of"
            );)*
            if let $crate::TypeDescr::Record(r) = <$ty as $crate::Dtype>::DESCR {
                if let ::core::result::Result::Err(msg) = r.check() {
                    ::core::panic!("{}", msg);
                }
            }
        };
    };
}
