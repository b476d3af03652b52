//! numpy data types: what an element type is, in a `.npy` descr's terms.
//!
//! A [`Dtype`] is an [`Element`] that names its numpy type through a `'static`
//! [`TypeDescr`]: a [`Scalar`] (byte order, [`Kind`], item size) or a [`Record`] of named
//! fields. This module implements it for Rust's numbers and zerocopy's explicit-endian
//! numbers; the files beside it hold numpy's types that Rust lacks ([`Bool`], [`Complex`],
//! byte strings and text, datetimes) and records with their macro. The `.npy` parser
//! compares the parsed descr of a file with these (`npy::Descr::of`).

mod bool;
mod complex;
mod field;
mod float16;
mod format;
mod pystr;
mod record;
mod record_macro;
mod strings;
mod time;

pub use bool::Bool;
pub use complex::Complex;
pub use field::FieldType;
#[doc(hidden)]
pub use field::field_size_matches as __field_size_matches;
#[cfg(feature = "half")]
pub use float16::F16;
pub(crate) use float16::shortest_f16;
pub(crate) use format::{Fl, FloatSpec, Spec, Word, split_complex};
pub use format::{NumpyFormat, ScalarValue};
pub(crate) use pystr::write_py_str;
pub use record::{Record, RecordField};

pub use strings::{ByteStr, Unicode};
pub use time::{Datetime64, Timedelta64, unit};

use crate::element::Element;

/// Byte order of a scalar data type, as written in the first character of a numpy type string.
///
/// Native order (`=` or no prefix in a header) is resolved to [`ByteOrder::NATIVE`] when a
/// descriptor is built, so two descriptors for the same bytes always compare equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Least significant byte first: `<`.
    Little,
    /// Most significant byte first: `>`.
    Big,
    /// Byte order does not apply (one-byte items, bytes and void): `|`.
    NotApplicable,
}

impl ByteOrder {
    /// The byte order of the machine this crate was compiled for.
    pub const NATIVE: ByteOrder = if cfg!(target_endian = "little") {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };

    /// The character numpy writes for this order: `<`, `>` or `|`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::ByteOrder;
    /// assert_eq!(ByteOrder::Big.as_char(), '>');
    /// ```
    pub const fn as_char(self) -> char {
        match self {
            ByteOrder::Little => '<',
            ByteOrder::Big => '>',
            ByteOrder::NotApplicable => '|',
        }
    }
}

/// The unit of a numpy `datetime64` / `timedelta64` (the part in brackets, `<M8[ns]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// No unit (`<M8`): numpy's generic unit.
    Generic,
    /// `Y`
    Years,
    /// `M`
    Months,
    /// `W`
    Weeks,
    /// `D`
    Days,
    /// `h`
    Hours,
    /// `m`
    Minutes,
    /// `s`
    Seconds,
    /// `ms`
    Millis,
    /// `us` (numpy also reads `μs`)
    Micros,
    /// `ns`
    Nanos,
    /// `ps`
    Picos,
    /// `fs`
    Femtos,
    /// `as`
    Attos,
}

impl TimeUnit {
    /// The unit code numpy writes between the brackets (empty for [`TimeUnit::Generic`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::TimeUnit;
    /// assert_eq!(TimeUnit::Micros.code(), "us");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            TimeUnit::Generic => "",
            TimeUnit::Years => "Y",
            TimeUnit::Months => "M",
            TimeUnit::Weeks => "W",
            TimeUnit::Days => "D",
            TimeUnit::Hours => "h",
            TimeUnit::Minutes => "m",
            TimeUnit::Seconds => "s",
            TimeUnit::Millis => "ms",
            TimeUnit::Micros => "us",
            TimeUnit::Nanos => "ns",
            TimeUnit::Picos => "ps",
            TimeUnit::Femtos => "fs",
            TimeUnit::Attos => "as",
        }
    }

    /// The unit for a code as numpy writes it (`"ns"`, `"D"`, `"μs"`...); `None` if unknown.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::TimeUnit;
    /// assert_eq!(TimeUnit::from_code("D"), Some(TimeUnit::Days));
    /// assert_eq!(TimeUnit::from_code("d"), None);
    /// ```
    pub fn from_code(code: &str) -> Option<TimeUnit> {
        Some(match code {
            "" | "generic" => TimeUnit::Generic,
            "Y" => TimeUnit::Years,
            "M" => TimeUnit::Months,
            "W" => TimeUnit::Weeks,
            "D" => TimeUnit::Days,
            "h" => TimeUnit::Hours,
            "m" => TimeUnit::Minutes,
            "s" => TimeUnit::Seconds,
            "ms" => TimeUnit::Millis,
            "us" | "\u{3bc}s" => TimeUnit::Micros,
            "ns" => TimeUnit::Nanos,
            "ps" => TimeUnit::Picos,
            "fs" => TimeUnit::Femtos,
            "as" => TimeUnit::Attos,
            _ => return None,
        })
    }
}

/// The kind of a scalar numpy data type (the letter of a type string, `<f8` → `f`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `b`: numpy bool, one byte.
    Bool,
    /// `i`: signed integer.
    Int,
    /// `u`: unsigned integer.
    Uint,
    /// `f`: IEEE float.
    Float,
    /// `c`: complex, two floats.
    Complex,
    /// `S`: zero-padded bytes.
    Bytes,
    /// `U`: UCS-4 text; the type string counts characters, the item size is 4 per character.
    Unicode,
    /// `V`: raw bytes.
    Void,
    /// `M`: datetime64, an `i64` count of `count` × `unit` since the epoch.
    Datetime {
        /// The unit.
        unit: TimeUnit,
        /// The multiplier in `[5s]` (1 when absent).
        count: u32,
    },
    /// `m`: timedelta64, an `i64` count of `count` × `unit`.
    Timedelta {
        /// The unit.
        unit: TimeUnit,
        /// The multiplier in `[5s]` (1 when absent).
        count: u32,
    },
}

impl Kind {
    /// The kind letter numpy writes.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::Kind;
    /// assert_eq!(Kind::Float.as_char(), 'f');
    /// ```
    pub const fn as_char(self) -> char {
        match self {
            Kind::Bool => 'b',
            Kind::Int => 'i',
            Kind::Uint => 'u',
            Kind::Float => 'f',
            Kind::Complex => 'c',
            Kind::Bytes => 'S',
            Kind::Unicode => 'U',
            Kind::Void => 'V',
            Kind::Datetime { .. } => 'M',
            Kind::Timedelta { .. } => 'm',
        }
    }
}

/// A scalar (non-record) numpy data type: byte order, kind and item size in bytes.
///
/// Built only through [`Scalar::new`], which refuses sizes numpy has no type for and
/// normalises the byte order the way numpy does (`|` for one-byte kinds, bytes and void;
/// an explicit order otherwise), so equal types compare equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scalar {
    order: ByteOrder,
    kind: Kind,
    size: usize,
}

impl Scalar {
    /// A scalar type, or `None` if numpy has no such type.
    ///
    /// `size` is the item size in bytes (for [`Kind::Unicode`] 4 per character, so a
    /// multiple of 4). Valid sizes: bool 1; ints 1, 2, 4, 8; floats 2, 4, 8, 12, 16;
    /// complex 8, 16, 24, 32; datetime/timedelta 8; bytes and void any size.
    /// [`ByteOrder::NotApplicable`] on a multi-byte kind means native order, as in numpy.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::{ByteOrder, Kind, Scalar};
    /// let s = Scalar::new(ByteOrder::Little, Kind::Int, 1).unwrap();
    /// assert_eq!(s.order(), ByteOrder::NotApplicable); // '<i1' is '|i1'
    /// assert!(Scalar::new(ByteOrder::Little, Kind::Float, 3).is_none());
    /// ```
    pub const fn new(order: ByteOrder, kind: Kind, size: usize) -> Option<Scalar> {
        let valid = match kind {
            Kind::Bool => size == 1,
            Kind::Int | Kind::Uint => matches!(size, 1 | 2 | 4 | 8),
            Kind::Float => matches!(size, 2 | 4 | 8 | 12 | 16),
            Kind::Complex => matches!(size, 8 | 16 | 24 | 32),
            Kind::Bytes | Kind::Void => true,
            Kind::Unicode => size.is_multiple_of(4),
            Kind::Datetime { count, .. } | Kind::Timedelta { count, .. } => size == 8 && count > 0,
        };
        if !valid {
            return None;
        }
        let order = match kind {
            Kind::Bool | Kind::Bytes | Kind::Void => ByteOrder::NotApplicable,
            Kind::Int | Kind::Uint if size == 1 => ByteOrder::NotApplicable,
            _ => match order {
                ByteOrder::NotApplicable => ByteOrder::NATIVE,
                o => o,
            },
        };
        // Generic datetime units carry no multiplier.
        let kind = match kind {
            Kind::Datetime {
                unit: TimeUnit::Generic,
                ..
            } => Kind::Datetime {
                unit: TimeUnit::Generic,
                count: 1,
            },
            Kind::Timedelta {
                unit: TimeUnit::Generic,
                ..
            } => Kind::Timedelta {
                unit: TimeUnit::Generic,
                count: 1,
            },
            k => k,
        };
        Some(Scalar { order, kind, size })
    }

    /// [`Scalar::new`] for the crate's own `const` descriptors, which name only types numpy has.
    ///
    /// # Panics
    ///
    /// If [`Scalar::new`] would return `None`; every caller is a `const` item, so at compile time.
    pub(crate) const fn known(order: ByteOrder, kind: Kind, size: usize) -> Scalar {
        match Scalar::new(order, kind, size) {
            Some(s) => s,
            None => panic!("numpy has no scalar type of this kind and size"),
        }
    }

    /// The (normalised) byte order.
    pub const fn order(&self) -> ByteOrder {
        self.order
    }

    /// The kind.
    pub const fn kind(&self) -> Kind {
        self.kind
    }

    /// The item size in bytes.
    pub const fn size(&self) -> usize {
        self.size
    }
}

/// What an element type is, in numpy's terms: a scalar type or a record of named fields.
///
/// This is the static side of a `.npy` descr; the parsed side is `npy::Descr`, and the two
/// compare semantically (`npy::Descr::of::<T>()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeDescr {
    /// A scalar such as `<f4`.
    Scalar(Scalar),
    /// A record (numpy structured dtype).
    Record(&'static Record),
}

impl TypeDescr {
    /// Item size in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::Dtype;
    /// assert_eq!(<u16 as Dtype>::DESCR.itemsize(), 2);
    /// ```
    pub const fn itemsize(&self) -> usize {
        match self {
            TypeDescr::Scalar(s) => s.size,
            TypeDescr::Record(r) => r.size,
        }
    }
}

/// An element type with a numpy data type: the bound for reading or writing `.npy` files.
///
/// Implemented for the native numbers (`i8`..`i64`, `u8`..`u64`, `f32`, `f64`, in the
/// machine's byte order), [`Bool`], [`Complex`], zerocopy's explicit-endian numbers
/// (`big_endian::F32` is `>f4`), `[u8; N]` (`|VN`), [`ByteStr`] (`|SN`), [`Unicode`]
/// (`<UN`), [`Datetime64`] / [`Timedelta64`], and records declared with [`record!`](crate::record).
///
/// # Examples
///
/// ```
/// use mmarray::{Bool, Dtype, TypeDescr};
/// assert_eq!(<f64 as Dtype>::DESCR.itemsize(), 8);
/// assert!(matches!(<Bool as Dtype>::DESCR, TypeDescr::Scalar(_)));
/// ```
pub trait Dtype: Element {
    /// The type's descriptor. Its [`itemsize`](TypeDescr::itemsize) equals `size_of::<Self>()`.
    const DESCR: TypeDescr;
}

macro_rules! impl_dtype {
    ($($ty:ty => $order:expr, $kind:expr, $size:expr;)*) => {
        $(impl Dtype for $ty {
            const DESCR: TypeDescr = TypeDescr::Scalar(Scalar::known($order, $kind, $size));
        })*
    };
}

mod zbo {
    pub(super) use zerocopy::byteorder::{
        BigEndian as BE, F32, F64, I16, I32, I64, LittleEndian as LE, U16, U32, U64,
    };
}

impl_dtype! {
    i8 => ByteOrder::NATIVE, Kind::Int, 1;
    i16 => ByteOrder::NATIVE, Kind::Int, 2;
    i32 => ByteOrder::NATIVE, Kind::Int, 4;
    i64 => ByteOrder::NATIVE, Kind::Int, 8;
    u8 => ByteOrder::NATIVE, Kind::Uint, 1;
    u16 => ByteOrder::NATIVE, Kind::Uint, 2;
    u32 => ByteOrder::NATIVE, Kind::Uint, 4;
    u64 => ByteOrder::NATIVE, Kind::Uint, 8;
    f32 => ByteOrder::NATIVE, Kind::Float, 4;
    f64 => ByteOrder::NATIVE, Kind::Float, 8;
    Bool => ByteOrder::NotApplicable, Kind::Bool, 1;
    zbo::I16<zbo::LE> => ByteOrder::Little, Kind::Int, 2;
    zbo::I32<zbo::LE> => ByteOrder::Little, Kind::Int, 4;
    zbo::I64<zbo::LE> => ByteOrder::Little, Kind::Int, 8;
    zbo::U16<zbo::LE> => ByteOrder::Little, Kind::Uint, 2;
    zbo::U32<zbo::LE> => ByteOrder::Little, Kind::Uint, 4;
    zbo::U64<zbo::LE> => ByteOrder::Little, Kind::Uint, 8;
    zbo::F32<zbo::LE> => ByteOrder::Little, Kind::Float, 4;
    zbo::F64<zbo::LE> => ByteOrder::Little, Kind::Float, 8;
    zbo::I16<zbo::BE> => ByteOrder::Big, Kind::Int, 2;
    zbo::I32<zbo::BE> => ByteOrder::Big, Kind::Int, 4;
    zbo::I64<zbo::BE> => ByteOrder::Big, Kind::Int, 8;
    zbo::U16<zbo::BE> => ByteOrder::Big, Kind::Uint, 2;
    zbo::U32<zbo::BE> => ByteOrder::Big, Kind::Uint, 4;
    zbo::U64<zbo::BE> => ByteOrder::Big, Kind::Uint, 8;
    zbo::F32<zbo::BE> => ByteOrder::Big, Kind::Float, 4;
    zbo::F64<zbo::BE> => ByteOrder::Big, Kind::Float, 8;
    Complex<f32> => ByteOrder::NATIVE, Kind::Complex, 8;
    Complex<f64> => ByteOrder::NATIVE, Kind::Complex, 16;
    Complex<zbo::F32<zbo::LE>> => ByteOrder::Little, Kind::Complex, 8;
    Complex<zbo::F64<zbo::LE>> => ByteOrder::Little, Kind::Complex, 16;
    Complex<zbo::F32<zbo::BE>> => ByteOrder::Big, Kind::Complex, 8;
    Complex<zbo::F64<zbo::BE>> => ByteOrder::Big, Kind::Complex, 16;
}
