//! numpy's `datetime64` and `timedelta64`, with the unit in the type.

// zerocopy's `KnownLayout` derive on a struct generic in its last field adds a hidden
// helper type without `Debug`; the two public types here implement it.
#![allow(missing_debug_implementations)]

use core::marker::PhantomData;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::{ByteOrder, Dtype, Kind, Scalar, TypeDescr};

/// Type-level time units for [`Datetime64`] and [`Timedelta64`].
///
/// One marker type per numpy unit (`Ns` is `[ns]`, `D` is `[D]`, `Generic` is the bare
/// `<M8`), so that the unit is part of the element type: `Datetime64<unit::Ns>` is numpy's
/// `<M8[ns]`, and a file written in seconds does not open as nanoseconds. Each marker names
/// its [`TimeUnit`](crate::TimeUnit) through [`Unit::UNIT`](unit::Unit::UNIT).
///
/// # Examples
///
/// ```
/// use mmarray::unit::{self, Unit};
/// use mmarray::TimeUnit;
/// assert_eq!(<unit::Ms as Unit>::UNIT, TimeUnit::Millis);
/// ```
pub mod unit {
    use crate::TimeUnit;

    /// A marker type naming a [`TimeUnit`].
    pub trait Unit {
        /// The unit.
        const UNIT: TimeUnit;
    }

    macro_rules! units {
        ($($name:ident = $unit:ident, $code:literal;)*) => {$(
            #[doc = concat!("The unit `[", $code, "]`.")]
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
            pub struct $name;
            impl Unit for $name {
                const UNIT: TimeUnit = TimeUnit::$unit;
            }
        )*};
    }

    units! {
        Generic = Generic, "";
        Y = Years, "Y";
        M = Months, "M";
        W = Weeks, "W";
        D = Days, "D";
        H = Hours, "h";
        Min = Minutes, "m";
        S = Seconds, "s";
        Ms = Millis, "ms";
        Us = Micros, "us";
        Ns = Nanos, "ns";
        Ps = Picos, "ps";
        Fs = Femtos, "fs";
        As = Attos, "as";
    }
}

macro_rules! time_type {
    ($(#[$doc:meta])* $name:ident, $variant:ident) => {
        $(#[$doc])*
        #[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[repr(transparent)]
        pub struct $name<U> {
            /// The count of units (numpy's `NaT` is `i64::MIN`).
            pub value: i64,
            unit: PhantomData<U>,
        }

        // Not derived: a derive would ask `U: Debug` of the unit marker.
        impl<U> core::fmt::Debug for $name<U> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("value", &self.value)
                    .finish_non_exhaustive()
            }
        }

        impl<U> $name<U> {
            /// A value of `value` units.
            pub const fn new(value: i64) -> Self {
                Self { value, unit: PhantomData }
            }
        }

        impl<U: unit::Unit + Copy + 'static> Dtype for $name<U> {
            const DESCR: TypeDescr = TypeDescr::Scalar(Scalar::known(ByteOrder::NATIVE, Kind::$variant { unit: U::UNIT, count: 1 }, 8));
        }
    };
}

time_type!(
    /// numpy `datetime64` with its unit in the type: `Datetime64<unit::Ns>` is `<M8[ns]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::{unit, Datetime64};
    /// let t = Datetime64::<unit::Ns>::new(1_700_000_000_000_000_000);
    /// assert_eq!(t.value, 1_700_000_000_000_000_000);
    /// ```
    Datetime64,
    Datetime
);
time_type!(
    /// numpy `timedelta64` with its unit in the type: `Timedelta64<unit::D>` is `<m8[D]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::{unit, Timedelta64};
    /// assert_eq!(Timedelta64::<unit::D>::new(3).value, 3);
    /// ```
    Timedelta64,
    Timedelta
);
