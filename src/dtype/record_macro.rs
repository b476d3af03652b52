//! The `record!` macro: one declaration gives a `#[repr(C)]` struct, its zerocopy traits,
//! its numpy descr and numpy-style printing.
//!
//! A `macro_rules!` macro rather than a `#[derive(Record)]` proc-macro crate: a derive would
//! add `syn`/`quote` builds and a second published crate for what is a mechanical listing of
//! fields, and the compile-time checks that keep the descr honest (offsets from
//! `core::mem::offset_of!`, sizes from `size_of`) are plain `const` code either way.
//!
//! zerocopy's derives name their crate as `::zerocopy` unless told otherwise with
//! `#[zerocopy(crate = "path")]`, whose value must be a string literal, so `$crate` cannot go
//! there (and a path relative to `self` fails in function bodies). The macro passes an
//! absolute path instead: `"::mmarray::zerocopy"` for this crate's `record!` and
//! `"::mmarray_std::zerocopy"` for the adapter's `mmarray_std::record!`, which forwards here.
//! A renamed dependency (`mm = { package = "mmarray" }`) therefore needs the crate's own name
//! in scope; zerocopy's derives have the same rule.

/// Declares a numpy record (structured dtype) once: the struct, its zerocopy layout traits,
/// its [`Dtype`](crate::Dtype) descr, and `Display`/`Debug` in numpy's style.
///
/// The struct gets `#[repr(C)]` and derives `Clone`, `Copy` and zerocopy's `FromBytes`,
/// `IntoBytes`, `Immutable` and `KnownLayout` through this crate's re-export, so only
/// `mmarray` (with this macro) or `mmarray-std` (with `mmarray_std::record!`) is needed in
/// `Cargo.toml`. Each field's numpy type comes from
/// its Rust type through [`FieldType`](crate::FieldType), and its offset from
/// `core::mem::offset_of!`, so the descr cannot disagree with the fields. `[T; N]` fields
/// are sub-arrays (`('pos', '<f4', (3,))`); a nested record is a field of a record type.
///
/// The macro implements `Clone`, `Copy`, `Display` and `Debug` (both numpy's `str` of the
/// record, `(1, [0.5, 2.0])`), so a `#[derive]` among the struct's attributes names other
/// traits (`PartialEq`, `Default`...). Structs with generics, lifetimes or tuple fields are
/// not accepted; records nest instead.
///
/// Field attributes:
/// - `#[npy(name = "x y")]`: the field's numpy name, for names that are not Rust identifiers;
/// - `#[npy(skip)]`: not a numpy field; its bytes are padding (`('', '|V3')`).
///
/// Layouts: a plain record is C's (numpy's `align=True`) layout, in which zerocopy refuses
/// implicit padding: spell it as `#[npy(skip)] _pad: [u8; N]` fields (the descr then lists
/// it as numpy writes an aligned dtype). Add `#[repr(packed)]` for numpy's default packed
/// layout with native-order types, or use unaligned field types
/// (`zerocopy::byteorder::little_endian::F32`...), which need no padding.
///
/// A field whose type has no numpy descr does not compile (``the trait bound `String: FieldType`
/// is not satisfied`` with "`String` has no numpy descr, so it cannot be a record field").
///
/// # Examples
///
/// ```
/// use mmarray::{Dtype, npy::Descr};
///
/// mmarray::record! {
///     /// One sample.
///     pub struct Sample {
///         pub id: u8,
///         #[npy(skip)]
///         _pad: [u8; 3],
///         #[npy(name = "x y")]
///         pub xy: [f32; 2],
///     }
/// }
///
/// let d = Descr::of::<Sample>();
/// assert_eq!(d.to_string(), "[('id', '|u1'), ('', '|V3'), ('x y', '<f4', (2,))]");
/// let s = Sample { id: 7, _pad: [0; 3], xy: [1.0, 2.5] };
/// assert_eq!(s.to_string(), "(7, [1.0, 2.5])");
/// ```
#[macro_export]
macro_rules! record {
    ($($body:tt)*) => {
        $crate::__record!(@start "::mmarray::zerocopy" $($body)*);
    };
}

/// The field muncher behind [`record!`](crate::record). Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __record {
    // `$zc`: the absolute path of zerocopy's re-export in the caller's crate graph.
    (@start $zc:tt
        $(#[$sattr:meta])*
        $svis:vis struct $name:ident {
            $( $(#[$($fattr:tt)*])* $fvis:vis $field:ident : $fty:ty ),* $(,)?
        }
    ) => {
        $crate::__record!(@next
            [$(#[$sattr])* ; [$svis] $name ; $zc]
            [] [] ;
            $( [ $( [$($fattr)*] )* ] [$fvis] $field [$fty] ; )*
        );
    };
    // One more field: sort out its attributes.
    (@next $head:tt $fields:tt $entries:tt ;
        $attrs:tt $fvis:tt $field:ident $fty:tt ; $($rest:tt)*) => {
        $crate::__record!(@attr $head $fields $entries ; [] [] [] ;
            $attrs $fvis $field $fty ; $($rest)*);
    };
    (@attr $head:tt $fields:tt $entries:tt ; $kept:tt $nm:tt $sk:tt ;
        [ [npy(name = $n:literal)] $($more:tt)* ] $fvis:tt $field:ident $fty:tt ; $($rest:tt)*) => {
        $crate::__record!(@attr $head $fields $entries ; $kept [$n] $sk ;
            [ $($more)* ] $fvis $field $fty ; $($rest)*);
    };
    (@attr $head:tt $fields:tt $entries:tt ; $kept:tt $nm:tt $sk:tt ;
        [ [npy(skip)] $($more:tt)* ] $fvis:tt $field:ident $fty:tt ; $($rest:tt)*) => {
        $crate::__record!(@attr $head $fields $entries ; $kept $nm [skip] ;
            [ $($more)* ] $fvis $field $fty ; $($rest)*);
    };
    (@attr $head:tt $fields:tt $entries:tt ; $kept:tt $nm:tt $sk:tt ;
        [ [npy $($bad:tt)*] $($more:tt)* ] $fvis:tt $field:ident $fty:tt ; $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "unknown record field attribute `#[npy", ::core::stringify!($($bad)*),
            "]`; expected `#[npy(name = \"...\")]` or `#[npy(skip)]`"
        ));
    };
    (@attr $head:tt $fields:tt $entries:tt ; [$($kept:tt)*] $nm:tt $sk:tt ;
        [ [$($a:tt)*] $($more:tt)* ] $fvis:tt $field:ident $fty:tt ; $($rest:tt)*) => {
        $crate::__record!(@attr $head $fields $entries ; [$($kept)* #[$($a)*]] $nm $sk ;
            [ $($more)* ] $fvis $field $fty ; $($rest)*);
    };
    // Attributes done: a skipped field goes into the struct only.
    (@attr $head:tt [$($fields:tt)*] $entries:tt ; [$($kept:tt)*] $nm:tt [skip] ;
        [] [$fvis:vis] $field:ident [$fty:ty] ; $($rest:tt)*) => {
        $crate::__record!(@next $head [$($fields)* $($kept)* $fvis $field : $fty,] $entries ;
            $($rest)*);
    };
    (@attr $head:tt [$($fields:tt)*] [$($entries:tt)*] ; [$($kept:tt)*] [] [] ;
        [] [$fvis:vis] $field:ident [$fty:ty] ; $($rest:tt)*) => {
        $crate::__record!(@next $head [$($fields)* $($kept)* $fvis $field : $fty,]
            [$($entries)* { $field ; $fty ; ::core::stringify!($field) }] ; $($rest)*);
    };
    (@attr $head:tt [$($fields:tt)*] [$($entries:tt)*] ; [$($kept:tt)*] [$n:literal] [] ;
        [] [$fvis:vis] $field:ident [$fty:ty] ; $($rest:tt)*) => {
        $crate::__record!(@next $head [$($fields)* $($kept)* $fvis $field : $fty,]
            [$($entries)* { $field ; $fty ; $n }] ; $($rest)*);
    };
    // All fields done: emit.
    (@next [$(#[$sattr:meta])* ; [$svis:vis] $name:ident ; $zc:tt] [$($fields:tt)*]
        [$({ $ef:ident ; $et:ty ; $en:expr })*] ;) => {
        $(#[$sattr])*
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            $crate::zerocopy::FromBytes,
            $crate::zerocopy::IntoBytes,
            $crate::zerocopy::Immutable,
            $crate::zerocopy::KnownLayout,
        )]
        #[zerocopy(crate = $zc)]
        #[repr(C)]
        $svis struct $name { $($fields)* }

        impl $crate::Dtype for $name {
            const DESCR: $crate::TypeDescr = $crate::TypeDescr::Record(&$crate::Record {
                fields: &[$($crate::RecordField {
                    name: $en,
                    descr: &<$et as $crate::FieldType>::DESCR,
                    offset: ::core::mem::offset_of!($name, $ef),
                    shape: <$et as $crate::FieldType>::SHAPE,
                }),*],
                size: ::core::mem::size_of::<$name>(),
            });
        }

        impl $crate::FieldType for $name {
            const DESCR: $crate::TypeDescr = <$name as $crate::Dtype>::DESCR;
            const SHAPE: &'static [usize] = &[];

            const __COLUMNS: usize = 0 $(+ <$et as $crate::FieldType>::__COLUMNS)*;

            fn fmt_field(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str("(")?;
                let mut _first = true;
                $(
                    if !_first {
                        f.write_str(", ")?;
                    }
                    _first = false;
                    // A copy, so that packed fields are never referenced in place.
                    let value: $et = self.$ef;
                    $crate::FieldType::fmt_field(&value, f)?;
                )*
                f.write_str(")")
            }

            fn __widen(&self, widths: &mut [usize]) {
                let mut _at = 0;
                $(
                    let n = <$et as $crate::FieldType>::__COLUMNS;
                    let value: $et = self.$ef;
                    if let ::core::option::Option::Some(w) = widths.get_mut(_at..(_at + n)) {
                        $crate::FieldType::__widen(&value, w);
                    }
                    _at += n;
                )*
            }

            fn __fmt_padded(
                &self,
                f: &mut ::core::fmt::Formatter<'_>,
                widths: &[usize],
            ) -> ::core::fmt::Result {
                f.write_str("(")?;
                let mut _first = true;
                let mut _at = 0;
                $(
                    if !_first {
                        f.write_str(", ")?;
                    }
                    _first = false;
                    let n = <$et as $crate::FieldType>::__COLUMNS;
                    let value: $et = self.$ef;
                    let w = widths.get(_at..(_at + n)).unwrap_or(&[]);
                    $crate::FieldType::__fmt_padded(&value, f, w)?;
                    _at += n;
                )*
                f.write_str(")")
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::FieldType::fmt_field(self, f)
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::FieldType::fmt_field(self, f)
            }
        }

        const _: () = {
            $(::core::assert!(
                $crate::__field_size_matches::<$et>(),
                ::core::concat!(
                    "the numpy descr of field `", ::core::stringify!($ef), "` (type `",
                    ::core::stringify!($et), "`) does not cover its size_of"
                )
            );)*
            if let $crate::TypeDescr::Record(r) = <$name as $crate::Dtype>::DESCR {
                if let ::core::result::Result::Err(msg) = r.check() {
                    ::core::panic!("{}", msg);
                }
            }
        };
    };
}
