//! What a record field may be: [`FieldType`], a numpy type with an optional sub-array
//! shape, and how its value prints inside a record (numpy's `str` of a structured scalar).

use core::fmt::{self, Write};

use super::{
    Bool, ByteStr, Complex, Datetime64, Dtype, TimeUnit, Timedelta64, TypeDescr, Unicode, unit,
};
use crate::dtype::{NumpyFormat, ScalarValue};
use crate::element::Element;
use crate::layout::MAX_DIMS;

/// A type that can be a field of a [`record!`](crate::record): a numpy element type
/// ([`DESCR`](FieldType::DESCR)) repeated over a sub-array [`SHAPE`](FieldType::SHAPE).
///
/// Implemented for every scalar [`Dtype`] of this crate (numbers in both byte orders,
/// [`Bool`], [`Complex`], [`ByteStr`], [`Unicode`], datetimes), for records declared with
/// [`record!`](crate::record) (nested records) and for `[T; N]` of any of them, which is a
/// sub-array: `[f32; 3]` is `('name', '<f4', (3,))` and `[[u8; 2]; 4]` is `(4, 2)`.
///
/// # Examples
///
/// ```
/// use mmarray::FieldType;
/// assert_eq!(<[[f32; 2]; 3] as FieldType>::SHAPE, &[3, 2]);
/// assert_eq!(<[[f32; 2]; 3] as FieldType>::DESCR.itemsize(), 4);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no numpy descr, so it cannot be a record field",
    label = "this field's type has no numpy descr",
    note = "record fields are numbers, Bool, Complex, ByteStr, Unicode, Datetime64, Timedelta64, records declared with `record!`, or `[T; N]` arrays of them"
)]
pub trait FieldType: Element {
    /// The numpy type of one element (of the sub-array, if [`SHAPE`](FieldType::SHAPE) is not empty).
    const DESCR: TypeDescr;
    /// The sub-array shape; empty for a plain field.
    const SHAPE: &'static [usize];

    /// Writes the value as numpy's `str` shows it inside a record: `1`, `2.5`, `True`,
    /// `b'ab'`, `[1.0, 2.0]`, `(1, 2)`.
    ///
    /// # Errors
    ///
    /// Those of the formatter.
    fn fmt_field(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;

    /// How many independently aligned columns the value has inside a sub-array: 1 for a
    /// scalar, the element's for an array, the sum of the fields' for a record (numpy
    /// aligns each field of the records in a sub-array on its own).
    #[doc(hidden)]
    const __COLUMNS: usize = 1;

    /// Widens `widths` (one per column) to this value's: the formatted width of integers,
    /// bools and timedeltas, which numpy right-aligns; floats and text are not aligned.
    #[doc(hidden)]
    fn __widen(&self, widths: &mut [usize]) {
        let _ = widths;
    }

    /// [`fmt_field`](FieldType::fmt_field) with each column right-aligned to `widths`.
    #[doc(hidden)]
    fn __fmt_padded(&self, f: &mut fmt::Formatter<'_>, widths: &[usize]) -> fmt::Result {
        let _ = widths;
        self.fmt_field(f)
    }
}

/// The most columns a sub-array's elements may have for numpy's alignment; beyond it
/// (records of more than 64 scalar fields in a sub-array) values are printed unaligned.
const MAX_COLUMNS: usize = 64;

/// Displays a field value with [`FieldType::fmt_field`].
struct Shown<'a, T>(&'a T);

impl<T: FieldType> fmt::Display for Shown<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_field(f)
    }
}

/// Counts the characters written.
struct Count(usize);

impl Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.chars().count();
        Ok(())
    }
}

fn shown_width<T: FieldType>(v: &T) -> usize {
    let mut c = Count(0);
    let _ = write!(c, "{}", Shown(v));
    c.0
}

fn fmt_right<T: FieldType>(v: &T, f: &mut fmt::Formatter<'_>, width: usize) -> fmt::Result {
    for _ in shown_width(v)..width {
        f.write_char(' ')?;
    }
    v.fmt_field(f)
}

/// A sub-array shape built at compile time: `N` followed by the element's own shape.
#[derive(Clone, Copy)]
struct SubShape {
    dims: [usize; MAX_DIMS],
    len: usize,
}

impl SubShape {
    const fn prepend(n: usize, inner: &[usize]) -> SubShape {
        assert!(
            inner.len() < MAX_DIMS,
            "a record field's sub-array has more axes than MAX_DIMS"
        );
        let mut dims = [0; MAX_DIMS];
        dims[0] = n;
        let mut i = 0;
        while i < inner.len() {
            dims[i + 1] = inner[i];
            i += 1;
        }
        SubShape {
            dims,
            len: inner.len() + 1,
        }
    }
}

struct ArrayShape<T, const N: usize>(core::marker::PhantomData<T>);

impl<T: FieldType, const N: usize> ArrayShape<T, N> {
    const SHAPE: SubShape = SubShape::prepend(N, T::SHAPE);
}

impl<T: FieldType, const N: usize> FieldType for [T; N] {
    const DESCR: TypeDescr = T::DESCR;
    const SHAPE: &'static [usize] = ArrayShape::<T, N>::SHAPE
        .dims
        .split_at(ArrayShape::<T, N>::SHAPE.len)
        .0;

    const __COLUMNS: usize = T::__COLUMNS;

    fn fmt_field(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut widths = [0; MAX_COLUMNS];
        match widths.get_mut(..T::__COLUMNS) {
            Some(w) => {
                self.__widen(w);
                self.__fmt_padded(f, w)
            }
            None => self.__fmt_padded(f, &[]),
        }
    }

    fn __widen(&self, widths: &mut [usize]) {
        for x in self {
            x.__widen(widths);
        }
    }

    fn __fmt_padded(&self, f: &mut fmt::Formatter<'_>, widths: &[usize]) -> fmt::Result {
        f.write_char('[')?;
        for (i, x) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            x.__fmt_padded(f, widths)?;
        }
        f.write_char(']')
    }
}

/// Widens column 0 to `v`'s formatted width.
fn widen_one<T: FieldType>(v: &T, widths: &mut [usize]) {
    if let Some(w) = widths.first_mut() {
        *w = (*w).max(shown_width(v));
    }
}

/// `v` right-aligned to column 0's width (unaligned when there is none).
fn fmt_column<T: FieldType>(v: &T, f: &mut fmt::Formatter<'_>, widths: &[usize]) -> fmt::Result {
    fmt_right(v, f, widths.first().copied().unwrap_or(0))
}

/// numpy's `str` of a float scalar from its shortest round-trip digits in scientific form
/// (Rust's `{:e}`, e.g. `2.5e0`): positional for decimal exponents from -4 to `max_exp`
/// (numpy: 2 for float16, 5 for float32, 15 for float64, as Python's `repr`), else `1e+20`.
fn write_py_float(f: &mut dyn Write, sci: &str, max_exp: i32) -> fmt::Result {
    let (mant, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => return f.write_str(sci), // inf, NaN
    };
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    if neg {
        f.write_char('-')?;
    }
    let digits = mant.bytes().filter(u8::is_ascii_digit);
    let n = digits.clone().count() as i32;
    if (-4..=max_exp).contains(&exp) {
        if exp < 0 {
            f.write_str("0.")?;
            for _ in 0..(-exp - 1) {
                f.write_char('0')?;
            }
            digits.clone().try_for_each(|d| f.write_char(char::from(d)))
        } else {
            for (i, d) in digits.enumerate() {
                if i as i32 == exp + 1 {
                    f.write_char('.')?;
                }
                f.write_char(char::from(d))?;
            }
            for _ in n..=exp {
                f.write_char('0')?;
            }
            if n <= exp + 1 {
                f.write_str(".0")?;
            }
            Ok(())
        }
    } else {
        f.write_str(mant)?;
        write!(f, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

struct Adapter<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl Write for Adapter<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write_str(s)
    }
}

fn float_field(f: &mut fmt::Formatter<'_>, sci: fmt::Arguments<'_>, max_exp: i32) -> fmt::Result {
    let mut buf = heapless::String::<64>::new();
    buf.write_fmt(sci)?;
    let s = buf.as_str();
    match s {
        "inf" => f.write_str("inf"),
        "-inf" => f.write_str("-inf"),
        "NaN" => f.write_str("nan"),
        _ => write_py_float(&mut Adapter(f), s, max_exp),
    }
}

/// numpy's `str` of a scalar inside a record.
pub(crate) fn fmt_scalar(v: ScalarValue, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match v {
        ScalarValue::Bool(b) => f.write_str(if b { "True" } else { "False" }),
        ScalarValue::Int(i) => write!(f, "{i}"),
        ScalarValue::UInt(u) => write!(f, "{u}"),
        ScalarValue::F16(x) => {
            let x = super::shortest_f16(x);
            float_field(f, format_args!("{x:e}"), 2)
        }
        ScalarValue::F32(x) => float_field(f, format_args!("{x:e}"), 5),
        ScalarValue::F64(x) => float_field(f, format_args!("{x:e}"), 15),
        ScalarValue::C64(..) | ScalarValue::C128(..) => complex_field(f, v),
    }
}

/// A complex number as numpy's array printer shows one (`1.5-2.j`): the way numpy's
/// `str` of a record prints a complex field.
fn complex_field(f: &mut fmt::Formatter<'_>, v: ScalarValue) -> fmt::Result {
    let mut w = heapless::String::<128>::new();
    let r = match v {
        ScalarValue::C64(re, im) => one_element(&mut w, Complex { re, im }),
        ScalarValue::C128(re, im) => one_element(&mut w, Complex { re, im }),
        _ => Err(fmt::Error),
    };
    r?;
    // `[1.5-2.j]`: the brackets of the one-element array go.
    f.write_str(w.trim_start_matches('[').trim_end_matches(']'))
}

fn one_element<T: NumpyFormat + Element>(w: &mut heapless::String<128>, v: T) -> fmt::Result {
    let one = [v];
    let view = crate::ArrayView::from_slice(&one, [1], crate::Order::C).map_err(|_| fmt::Error)?;
    write!(w, "{view}")
}

macro_rules! scalar_field {
    ($($ty:ty),* $(,)?) => {$(
        impl FieldType for $ty {
            const DESCR: TypeDescr = <$ty as Dtype>::DESCR;
            const SHAPE: &'static [usize] = &[];
            fn fmt_field(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_scalar(NumpyFormat::scalar(self), f)
            }
            fn __widen(&self, widths: &mut [usize]) {
                if let ScalarValue::Bool(_) | ScalarValue::Int(_) | ScalarValue::UInt(_) =
                    NumpyFormat::scalar(self)
                {
                    widen_one(self, widths);
                }
            }
            fn __fmt_padded(&self, f: &mut fmt::Formatter<'_>, widths: &[usize]) -> fmt::Result {
                fmt_column(self, f, widths)
            }
        }
    )*};
}

mod zbo {
    pub(super) use zerocopy::byteorder::{
        BigEndian as BE, F32, F64, I16, I32, I64, LittleEndian as LE, U16, U32, U64,
    };
}

scalar_field!(
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    Bool,
    zbo::I16<zbo::LE>,
    zbo::I32<zbo::LE>,
    zbo::I64<zbo::LE>,
    zbo::U16<zbo::LE>,
    zbo::U32<zbo::LE>,
    zbo::U64<zbo::LE>,
    zbo::F32<zbo::LE>,
    zbo::F64<zbo::LE>,
    zbo::I16<zbo::BE>,
    zbo::I32<zbo::BE>,
    zbo::I64<zbo::BE>,
    zbo::U16<zbo::BE>,
    zbo::U32<zbo::BE>,
    zbo::U64<zbo::BE>,
    zbo::F32<zbo::BE>,
    zbo::F64<zbo::BE>,
    Complex<f32>,
    Complex<f64>,
);

#[cfg(feature = "half")]
scalar_field!(::half::f16, super::F16<zbo::LE>, super::F16<zbo::BE>,);

macro_rules! complex_endian_field {
    ($($ty:ty => $wide:ty),* $(,)?) => {$(
        impl FieldType for Complex<$ty> {
            const DESCR: TypeDescr = <Complex<$ty> as Dtype>::DESCR;
            const SHAPE: &'static [usize] = &[];
            fn fmt_field(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                complex_field(f, <Complex<$wide> as NumpyFormat>::scalar(&Complex {
                    re: self.re.get(),
                    im: self.im.get(),
                }))
            }
        }
    )*};
}

complex_endian_field!(
    zbo::F32<zbo::LE> => f32, zbo::F64<zbo::LE> => f64,
    zbo::F32<zbo::BE> => f32, zbo::F64<zbo::BE> => f64,
);

impl<const N: usize> FieldType for ByteStr<N> {
    const DESCR: TypeDescr = <Self as Dtype>::DESCR;
    const SHAPE: &'static [usize] = &[];

    fn fmt_field(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Python's bytes repr: printable ASCII as is, the rest escaped.
        let b = self.trimmed();
        let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
            '"'
        } else {
            '\''
        };
        write!(f, "b{quote}")?;
        for &c in b {
            match c {
                b'\\' => f.write_str("\\\\")?,
                b'\t' => f.write_str("\\t")?,
                b'\n' => f.write_str("\\n")?,
                b'\r' => f.write_str("\\r")?,
                c if char::from(c) == quote => write!(f, "\\{quote}")?,
                0x20..=0x7e => f.write_char(char::from(c))?,
                c => write!(f, "\\x{c:02x}")?,
            }
        }
        f.write_char(quote)
    }
}

impl<const N: usize> FieldType for Unicode<N> {
    const DESCR: TypeDescr = <Self as Dtype>::DESCR;
    const SHAPE: &'static [usize] = &[];

    fn fmt_field(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = self.0.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
        let chars = self.0[..end]
            .iter()
            .map(|&c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
        crate::dtype::write_py_str(f, chars)
    }
}

impl<U: unit::Unit + Copy + 'static> FieldType for Datetime64<U> {
    const DESCR: TypeDescr = <Self as Dtype>::DESCR;
    const SHAPE: &'static [usize] = &[];

    /// numpy's ISO 8601 text to the unit's precision, quoted: `'2023-11-14T22:13:20'`,
    /// `'1971-02'`, `'NaT'`.
    fn fmt_field(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value == i64::MIN {
            return f.write_str("'NaT'");
        }
        f.write_char('\'')?;
        write_datetime(f, i128::from(self.value), U::UNIT)?;
        f.write_char('\'')
    }
}

impl<U: unit::Unit + Copy + 'static> FieldType for Timedelta64<U> {
    const DESCR: TypeDescr = <Self as Dtype>::DESCR;
    const SHAPE: &'static [usize] = &[];

    /// The count of units, as numpy's `str` of a record shows a timedelta (`'NaT'` for NaT).
    fn fmt_field(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value == i64::MIN {
            return f.write_str("'NaT'");
        }
        write!(f, "{}", self.value)
    }

    /// numpy aligns timedeltas in a sub-array as it aligns integers.
    fn __widen(&self, widths: &mut [usize]) {
        widen_one(self, widths);
    }

    fn __fmt_padded(&self, f: &mut fmt::Formatter<'_>, widths: &[usize]) -> fmt::Result {
        fmt_column(self, f, widths)
    }
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i128) -> (i128, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i128::from(m <= 2);
    (y, m, d)
}

/// numpy's text of a datetime64 `v` in `unit` (its `datetime_as_string` with the unit's
/// precision): the date, then as many time parts as the unit has.
fn write_datetime(f: &mut fmt::Formatter<'_>, v: i128, unit: TimeUnit) -> fmt::Result {
    // Per-day counts and fraction digits of the units finer than a day.
    let (per_day, level, frac) = match unit {
        TimeUnit::Generic => return write!(f, "{v}"),
        TimeUnit::Years => return write!(f, "{:04}", 1970 + v),
        TimeUnit::Months => {
            let (y, m) = (1970 + v.div_euclid(12), v.rem_euclid(12) + 1);
            return write!(f, "{y:04}-{m:02}");
        }
        TimeUnit::Weeks | TimeUnit::Days => {
            let days = if unit == TimeUnit::Weeks { v * 7 } else { v };
            let (y, m, d) = civil_from_days(days);
            return write!(f, "{y:04}-{m:02}-{d:02}");
        }
        TimeUnit::Hours => (24, 0, 0),
        TimeUnit::Minutes => (1440, 1, 0),
        TimeUnit::Seconds => (86_400, 2, 0),
        TimeUnit::Millis => (86_400_000, 2, 3),
        TimeUnit::Micros => (86_400_000_000, 2, 6),
        TimeUnit::Nanos => (86_400_000_000_000, 2, 9),
        TimeUnit::Picos => (86_400_000_000_000_000, 2, 12),
        TimeUnit::Femtos => (86_400_000_000_000_000_000, 2, 15),
        TimeUnit::Attos => (86_400_000_000_000_000_000_000, 2, 18),
    };
    let (days, tod) = (v.div_euclid(per_day), v.rem_euclid(per_day));
    let (y, m, d) = civil_from_days(days);
    write!(f, "{y:04}-{m:02}-{d:02}T")?;
    // Units per hour of this unit, then split the time of day.
    let per_hour = per_day / 24;
    let (h, rest) = (tod / per_hour, tod % per_hour);
    write!(f, "{h:02}")?;
    if level == 0 {
        return Ok(());
    }
    let per_minute = per_hour / 60;
    let (mi, rest) = (rest / per_minute, rest % per_minute);
    write!(f, ":{mi:02}")?;
    if level == 1 {
        return Ok(());
    }
    let per_second = per_minute / 60;
    let (s, sub) = (rest / per_second, rest % per_second);
    write!(f, ":{s:02}")?;
    if frac > 0 {
        write!(f, ".{sub:0frac$}")?;
    }
    Ok(())
}

/// Checks at compile time that a field type's descr and shape cover exactly its bytes.
#[doc(hidden)]
pub const fn field_size_matches<T: FieldType>() -> bool {
    let mut n = T::DESCR.itemsize();
    let mut i = 0;
    while i < T::SHAPE.len() {
        n = match n.checked_mul(T::SHAPE[i]) {
            Some(n) => n,
            None => return false,
        };
        i += 1;
    }
    n == core::mem::size_of::<T>()
}
