//! The element bound: what may live in a mapped array.

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

// ---------------------------------------------------------------------------
// .npy data types: what a Rust element type is, in numpy's `descr` terms.
// ---------------------------------------------------------------------------

use core::marker::PhantomData;
use zerocopy::Unaligned;

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
    /// use mmarray::element::ByteOrder;
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
    /// use mmarray::element::TimeUnit;
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
    /// use mmarray::element::TimeUnit;
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
    /// use mmarray::element::Kind;
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
    /// use mmarray::element::{ByteOrder, Kind, Scalar};
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

    /// Like [`Scalar::new`] in native byte order, for `const` descriptors.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::element::{Kind, Scalar};
    /// const S: Scalar = Scalar::native(Kind::Float, 8);
    /// assert_eq!(S.size(), 8);
    /// ```
    ///
    /// # Panics
    ///
    /// If [`Scalar::new`] would return `None` (at compile time when used in a `const`).
    pub const fn native(kind: Kind, size: usize) -> Scalar {
        Scalar::with_order(ByteOrder::NATIVE, kind, size)
    }

    /// Like [`Scalar::new`], for `const` descriptors.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::element::{ByteOrder, Kind, Scalar};
    /// const S: Scalar = Scalar::with_order(ByteOrder::Big, Kind::Int, 4);
    /// assert_eq!(S.order(), ByteOrder::Big);
    /// ```
    ///
    /// # Panics
    ///
    /// If [`Scalar::new`] would return `None` (at compile time when used in a `const`).
    pub const fn with_order(order: ByteOrder, kind: Kind, size: usize) -> Scalar {
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
    /// use mmarray::element::Dtype;
    /// assert_eq!(<u16 as Dtype>::DESCR.itemsize(), 2);
    /// ```
    pub const fn itemsize(&self) -> usize {
        match self {
            TypeDescr::Scalar(s) => s.size,
            TypeDescr::Record(r) => r.size,
        }
    }
}

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
    /// offset order without overlap, all inside `size`. Used by [`npy_record!`](crate::npy_record)
    /// at compile time.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::element::{Dtype, Record, RecordField};
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

/// An element type with a numpy data type: the bound for reading or writing `.npy` files.
///
/// Implemented for the native numbers (`i8`..`i64`, `u8`..`u64`, `f32`, `f64`, in the
/// machine's byte order), [`Bool`], [`Complex`], zerocopy's explicit-endian numbers
/// (`big_endian::F32` is `>f4`), `[u8; N]` (`|VN`), [`ByteStr`] (`|SN`), [`Unicode`]
/// (`<UN`), [`Datetime64`] / [`Timedelta64`], and records via [`npy_record!`](crate::npy_record).
///
/// # Examples
///
/// ```
/// use mmarray::element::{Bool, Dtype, TypeDescr};
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
            const DESCR: TypeDescr = TypeDescr::Scalar(Scalar::with_order($order, $kind, $size));
        })*
    };
}

mod zbo {
    pub use zerocopy::byteorder::{
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

/// numpy's one-byte bool (`|b1`): any byte pattern is accepted, nonzero means `true`.
///
/// `bool` itself cannot be viewed in place (bytes other than 0 and 1 would be undefined
/// behaviour), hence this newtype.
///
/// # Examples
///
/// ```
/// use mmarray::element::Bool;
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

/// A complex number as numpy stores it: real part then imaginary part (`<c8` for `f32`, `<c16` for `f64`).
///
/// # Examples
///
/// ```
/// use mmarray::element::{Complex, Dtype};
/// let z = Complex { re: 1.0f32, im: -2.0 };
/// assert_eq!(z.im, -2.0);
/// assert_eq!(<Complex<f64> as Dtype>::DESCR.itemsize(), 16);
/// ```
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug, PartialEq, Default)]
#[repr(C)]
pub struct Complex<T> {
    /// Real part.
    pub re: T,
    /// Imaginary part.
    pub im: T,
}

impl<const N: usize> Dtype for [u8; N] {
    const DESCR: TypeDescr =
        TypeDescr::Scalar(Scalar::with_order(ByteOrder::NotApplicable, Kind::Void, N));
}

/// numpy's fixed-length byte string `|S<N>`: `N` bytes, zero-padded at the end.
///
/// # Examples
///
/// ```
/// use mmarray::element::ByteStr;
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
        TypeDescr::Scalar(Scalar::with_order(ByteOrder::NotApplicable, Kind::Bytes, N));
}

/// numpy's fixed-length text `<U<N>`: `N` UCS-4 code units in native byte order, zero-padded.
///
/// # Examples
///
/// ```
/// use mmarray::element::Unicode;
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
    const DESCR: TypeDescr = TypeDescr::Scalar(Scalar::native(
        Kind::Unicode,
        match N.checked_mul(4) {
            Some(n) => n,
            None => panic!("Unicode<N> is too large"),
        },
    ));
}

/// Type-level time units for [`Datetime64`] and [`Timedelta64`].
pub mod unit {
    use super::TimeUnit;

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
        #[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        #[repr(transparent)]
        pub struct $name<U> {
            /// The count of units (numpy's `NaT` is `i64::MIN`).
            pub value: i64,
            unit: PhantomData<U>,
        }

        impl<U> $name<U> {
            /// A value of `value` units.
            pub const fn new(value: i64) -> Self {
                Self { value, unit: PhantomData }
            }
        }

        impl<U: unit::Unit + Copy + 'static> Dtype for $name<U> {
            const DESCR: TypeDescr = TypeDescr::Scalar(Scalar::native(Kind::$variant { unit: U::UNIT, count: 1 }, 8));
        }
    };
}

time_type!(
    /// numpy `datetime64` with its unit in the type: `Datetime64<unit::Ns>` is `<M8[ns]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::element::{unit, Datetime64};
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
    /// use mmarray::element::{unit, Timedelta64};
    /// assert_eq!(Timedelta64::<unit::D>::new(3).value, 3);
    /// ```
    Timedelta64,
    Timedelta
);

/// Implements [`Dtype`](crate::element::Dtype) for a `#[repr(C)]` struct, listing the fields
/// that numpy should see.
///
/// Fields are given as `name: Type` in declaration order; offsets come from
/// `core::mem::offset_of!`, the size from `size_of`. Struct fields left out of the list (such as
/// explicit `_pad: [u8; 3]` bytes, which zerocopy's `IntoBytes` requires instead of implicit
/// padding) become padding, written as numpy does (`('', '|V3')`). The record is checked at
/// compile time (distinct names, increasing non-overlapping offsets, each field type's descr
/// size equal to its `size_of`).
///
/// # Examples
///
/// ```
/// use mmarray::element::Dtype;
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
        impl $crate::element::Dtype for $ty {
            const DESCR: $crate::element::TypeDescr = $crate::element::TypeDescr::Record(&$crate::element::Record {
                fields: &[$($crate::element::RecordField {
                    name: ::core::stringify!($field),
                    descr: &<$fty as $crate::element::Dtype>::DESCR,
                    offset: ::core::mem::offset_of!($ty, $field),
                    shape: &[],
                }),*],
                size: ::core::mem::size_of::<$ty>(),
            });
        }
        const _: () = {
            $(::core::assert!(
                <$fty as $crate::element::Dtype>::DESCR.itemsize() == ::core::mem::size_of::<$fty>(),
                "a field type's numpy descr size differs from its size_of"
            );)*
            if let $crate::element::TypeDescr::Record(r) = <$ty as $crate::element::Dtype>::DESCR {
                if let ::core::result::Result::Err(msg) = r.check() {
                    ::core::panic!("{}", msg);
                }
            }
        };
    };
}
