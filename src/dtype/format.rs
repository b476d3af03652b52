//! Formatting one element as numpy prints it: the value an element shows
//! ([`ScalarValue`], [`NumpyFormat`]) and the format every element of one array
//! shares — a common integer width, numpy's `maxprec` floats (shortest unique
//! digits, at most 8 after the point, scientific when the magnitudes call for
//! it) and complex pairs. The array printer in `print.rs` chooses and applies it.

use core::fmt::Write;

use zerocopy::byteorder::{self, ByteOrder};

use super::{Bool, Complex, shortest_f16};

/// numpy's default `precision` (digits after the point, at most).
const PRECISION: usize = 8;

/// An element's value as numpy's printer sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ScalarValue {
    /// `True` / `False`.
    Bool(bool),
    /// A signed integer.
    Int(i128),
    /// An unsigned integer.
    UInt(u128),
    /// A single-precision float (printed with float32's shortest digits).
    F32(f32),
    /// A double-precision float.
    F64(f64),
    /// A half-precision float (numpy's `float16`), widened exactly; printed with float16's
    /// shortest digits.
    F16(f32),
    /// A single-precision complex number (real, imaginary).
    C64(f32, f32),
    /// A double-precision complex number (real, imaginary).
    C128(f64, f64),
}

/// Element types that print like numpy scalars.
///
/// Implemented for the primitive numbers, `bool` and zerocopy's byte-order
/// types; implement it for your own element types to print them with
/// [`Display`](core::fmt::Display).
pub trait NumpyFormat {
    /// The value to print.
    fn scalar(&self) -> ScalarValue;
}

macro_rules! numpy_format {
    ($variant:ident as $wide:ty: $($t:ty),*) => {$(
        impl NumpyFormat for $t {
            fn scalar(&self) -> ScalarValue {
                ScalarValue::$variant(<$wide>::from(*self))
            }
        }
    )*};
}
numpy_format!(Int as i128: i8, i16, i32, i64, i128);
numpy_format!(UInt as u128: u8, u16, u32, u64, u128);
numpy_format!(Bool as bool: bool);
numpy_format!(F32 as f32: f32);
numpy_format!(F64 as f64: f64);

impl NumpyFormat for isize {
    fn scalar(&self) -> ScalarValue {
        ScalarValue::Int(*self as i128)
    }
}
impl NumpyFormat for usize {
    fn scalar(&self) -> ScalarValue {
        ScalarValue::UInt(*self as u128)
    }
}

macro_rules! numpy_format_endian {
    ($($variant:ident as $wide:ty: $($t:ident),*;)*) => {$($(
        impl<O: ByteOrder> NumpyFormat for byteorder::$t<O> {
            fn scalar(&self) -> ScalarValue {
                ScalarValue::$variant(<$wide>::from(self.get()))
            }
        }
    )*)*};
}
numpy_format_endian! {
    Int as i128: I16, I32, I64, I128;
    UInt as u128: U16, U32, U64, U128;
    F32 as f32: F32;
    F64 as f64: F64;
}

/// A float of either width, formatted with its own shortest digits.
#[derive(Clone, Copy)]
pub(crate) enum Fl {
    /// float16, widened exactly to f32.
    H(f32),
    S(f32),
    D(f64),
}

impl Fl {
    fn wide(self) -> f64 {
        match self {
            Fl::H(x) | Fl::S(x) => f64::from(x),
            Fl::D(x) => x,
        }
    }
}

/// A small stack buffer for one formatted word.
pub(crate) type Word = heapless::String<384>;

fn push(w: &mut Word, s: &str) {
    // Words are bounded (a positional float below 1e8 with 8 decimals, an
    // exponent form, a 39-digit integer); a full buffer would only truncate.
    let _ = w.push_str(s);
}

/// The number of digits after the point in `s` (0 when it has no point).
fn frac_digits(s: &str) -> usize {
    s.find('.').map_or(0, |i| s.len() - i - 1)
}

fn trim_zeros(w: &mut Word) {
    if w.contains('.') {
        while w.ends_with('0') {
            w.pop();
        }
    }
}

/// Unique digits of `x` in positional form, at most `PRECISION` after the
/// point, trailing zeros trimmed but the point kept: `1.`, `0.25`, `-3.1`.
///
/// The digit count is that of the shortest representation that reads back
/// as `x`; the digits themselves come from exact formatting to that many
/// places, which rounds exact ties to even as numpy's Dragon4 does (the
/// shortest-digits algorithm may pick the other neighbour of a tie).
fn positional(x: Fl, plus: bool) -> Word {
    let mut shortest = Word::new();
    let _ = match x {
        Fl::H(v) => write!(shortest, "{}", shortest_f16(v)),
        Fl::S(v) => write!(shortest, "{v}"),
        Fl::D(v) => write!(shortest, "{v}"),
    };
    let k = frac_digits(&shortest).min(PRECISION);
    let mut w = Word::new();
    if plus && x.wide() >= 0.0 && x.wide().is_sign_positive() {
        push(&mut w, "+");
    }
    let _ = match x {
        Fl::H(v) | Fl::S(v) => write!(w, "{v:.k$}"),
        Fl::D(v) => write!(w, "{v:.k$}"),
    };
    trim_zeros(&mut w);
    if !w.contains('.') {
        push(&mut w, ".");
    }
    w
}

/// Scientific digits: mantissa with `prec` decimals (or the unique ones, at
/// most `PRECISION`, when `None`), exponent with a sign and at least
/// `exp_digits` digits.
fn scientific(x: Fl, prec: Option<usize>, exp_digits: usize, plus: bool) -> Word {
    let p = prec.unwrap_or_else(|| {
        let mut shortest = Word::new();
        let _ = match x {
            Fl::H(v) => write!(shortest, "{:e}", shortest_f16(v)),
            Fl::S(v) => write!(shortest, "{v:e}"),
            Fl::D(v) => write!(shortest, "{v:e}"),
        };
        let mant = shortest.split_once('e').map_or(&shortest[..], |(m, _)| m);
        frac_digits(mant).min(PRECISION)
    });
    let mut raw = Word::new();
    let _ = match x {
        Fl::H(v) | Fl::S(v) => write!(raw, "{v:.p$e}"),
        Fl::D(v) => write!(raw, "{v:.p$e}"),
    };
    let (mant, exp) = raw.split_once('e').unwrap_or((&raw, "0"));
    let mut m = Word::new();
    push(&mut m, mant);
    if prec.is_none() {
        trim_zeros(&mut m);
    }
    if !m.contains('.') {
        push(&mut m, ".");
    }
    let mut w = Word::new();
    if plus && !m.starts_with('-') {
        push(&mut w, "+");
    }
    push(&mut w, &m);
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    let _ = write!(w, "e{sign}{digits:0>exp_digits$}");
    w
}

/// Visits every shown float: numpy's format functions look at the data first.
pub(crate) type EachFloat<'a> = &'a mut dyn FnMut(&mut dyn FnMut(Fl));

/// numpy's `FloatingFormat` after `fillFormat` has seen the data.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FloatSpec {
    exp: bool,
    pad_left: usize,
    pad_right: usize,
    precision: usize,
    exp_size: usize,
    plus: bool,
}

impl FloatSpec {
    pub(crate) fn new(values: EachFloat<'_>, plus: bool) -> Self {
        let mut spec = FloatSpec {
            plus,
            ..FloatSpec::default()
        };
        let (mut max_val, mut min_val, mut any_finite) = (0.0f64, f64::INFINITY, false);
        let (mut any_nan, mut any_neg_inf, mut any_inf) = (false, false, false);
        values(&mut |x| {
            let v = x.wide();
            if v.is_finite() {
                any_finite = true;
                let a = v.abs();
                if a != 0.0 {
                    max_val = max_val.max(a);
                    min_val = min_val.min(a);
                }
            } else if v.is_nan() {
                any_nan = true;
            } else if v < 0.0 {
                any_neg_inf = true;
            } else {
                any_inf = true;
            }
        });
        if !any_finite {
            spec.pad_left = 0;
            spec.pad_right = 0;
        } else {
            spec.exp = min_val.is_finite()
                && (max_val >= 1e8 || min_val < 1e-4 || max_val / min_val > 1e3);
            if spec.exp {
                let (mut prec, mut exp_size, mut int_len) = (0usize, 2usize, 0usize);
                values(&mut |x| {
                    if !x.wide().is_finite() {
                        return;
                    }
                    let w = scientific(x, None, 2, plus);
                    let (mant, exp) = w.split_once('e').unwrap_or((&w, "+00"));
                    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
                    prec = prec.max(frac.len());
                    int_len = int_len.max(int.len());
                    exp_size = exp_size.max(exp.len() - 1);
                });
                spec.precision = prec;
                spec.exp_size = exp_size;
                spec.pad_left = int_len;
                spec.pad_right = exp_size + 2 + prec;
            } else {
                let (mut left, mut right) = (0usize, 0usize);
                values(&mut |x| {
                    if !x.wide().is_finite() {
                        return;
                    }
                    let w = positional(x, plus);
                    let (int, frac) = w.split_once('.').unwrap_or((&w, ""));
                    left = left.max(int.len());
                    right = right.max(frac.len());
                });
                spec.pad_left = left;
                spec.pad_right = right;
            }
        }
        if any_nan || any_inf || any_neg_inf {
            let offset = spec.pad_right + 1;
            let inf_len = 3 + usize::from(any_neg_inf || plus);
            let nan_len = 3 + usize::from(plus);
            spec.pad_left = spec.pad_left.max(nan_len.saturating_sub(offset));
            spec.pad_left = spec.pad_left.max(inf_len.saturating_sub(offset));
        }
        spec
    }

    /// Every element's width: the integer part, the point, the rest.
    fn width(&self) -> usize {
        self.pad_left + 1 + self.pad_right
    }

    pub(crate) fn write(&self, x: Fl, out: &mut Word) {
        let v = x.wide();
        if !v.is_finite() {
            let s = match (v.is_nan(), v < 0.0, self.plus) {
                (true, _, false) => "nan",
                (true, _, true) => "+nan",
                (false, true, _) => "-inf",
                (false, false, false) => "inf",
                (false, false, true) => "+inf",
            };
            let _ = write!(out, "{s:>w$}", w = self.width());
            return;
        }
        if self.exp {
            let w = scientific(x, Some(self.precision), self.exp_size, self.plus);
            let _ = write!(out, "{w:>l$}", l = self.width());
        } else {
            let w = positional(x, self.plus);
            let (int, frac) = w.split_once('.').unwrap_or((&w, ""));
            let _ = write!(
                out,
                "{int:>l$}.{frac:<r$}",
                l = self.pad_left,
                r = self.pad_right
            );
        }
    }
}

/// How every element of one array is formatted (numpy's format function).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Spec {
    Bool { zero_d: bool },
    Int { width: usize },
    Float(FloatSpec),
    Complex { re: FloatSpec, im: FloatSpec },
    Empty,
}

impl Spec {
    pub(crate) fn write(&self, s: ScalarValue, out: &mut Word) {
        match (*self, s) {
            (Spec::Bool { zero_d }, ScalarValue::Bool(b)) => {
                let t = match (b, zero_d) {
                    (true, true) => "True",
                    (true, false) => " True",
                    (false, _) => "False",
                };
                push(out, t);
            }
            (Spec::Int { width }, ScalarValue::Int(v)) => {
                let _ = write!(out, "{v:>width$}");
            }
            (Spec::Int { width }, ScalarValue::UInt(v)) => {
                let _ = write!(out, "{v:>width$}");
            }
            (Spec::Float(f), ScalarValue::F16(v)) => f.write(Fl::H(v), out),
            (Spec::Float(f), ScalarValue::F32(v)) => f.write(Fl::S(v), out),
            (Spec::Float(f), ScalarValue::F64(v)) => f.write(Fl::D(v), out),
            (Spec::Complex { re, im }, ScalarValue::C64(r, i)) => {
                complex(re, im, Fl::S(r), Fl::S(i), out)
            }
            (Spec::Complex { re, im }, ScalarValue::C128(r, i)) => {
                complex(re, im, Fl::D(r), Fl::D(i), out)
            }
            // A type whose scalar kind changes between elements: print plainly.
            (_, other) => {
                let _ = write!(out, "{other:?}");
            }
        }
    }
}

fn complex(re: FloatSpec, im: FloatSpec, r: Fl, i: Fl, out: &mut Word) {
    re.write(r, out);
    let mut w = Word::new();
    im.write(i, &mut w);
    let trimmed = w.trim_end();
    push(out, trimmed);
    push(out, "j");
    for _ in trimmed.len()..w.len() {
        push(out, " ");
    }
}

pub(crate) fn split_complex(s: ScalarValue) -> Option<(Fl, Fl)> {
    match s {
        ScalarValue::C64(r, i) => Some((Fl::S(r), Fl::S(i))),
        ScalarValue::C128(r, i) => Some((Fl::D(r), Fl::D(i))),
        _ => None,
    }
}

impl NumpyFormat for Bool {
    fn scalar(&self) -> ScalarValue {
        ScalarValue::Bool(self.get())
    }
}

impl NumpyFormat for Complex<f32> {
    fn scalar(&self) -> ScalarValue {
        ScalarValue::C64(self.re, self.im)
    }
}

impl NumpyFormat for Complex<f64> {
    fn scalar(&self) -> ScalarValue {
        ScalarValue::C128(self.re, self.im)
    }
}
