//! Printing arrays the way numpy prints them, without allocating.
//!
//! This follows numpy's `array2string` with its default options (numpy ≥ 1.14
//! style): elements are formatted to one common width, arrays of more than
//! 1000 elements are summarised with `...` around 3 edge items per axis, rows
//! wrap at 75 columns with a hanging indent, and floats use numpy's
//! `maxprec` mode (shortest unique digits, at most 8 after the point, padded
//! so the points line up; scientific notation when the values span too many
//! orders of magnitude).

use core::fmt::{self, Write};

use zerocopy::byteorder::{self, ByteOrder};

use super::ArrayView;
use crate::layout::Dimension;

/// numpy's default `threshold`: arrays with more elements are summarised.
const THRESHOLD: usize = 1000;
/// numpy's default `edgeitems`.
const EDGE_ITEMS: usize = 3;
/// numpy's default `linewidth`.
const LINE_WIDTH: usize = 75;
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
    /// A single-precision complex number (real, imaginary).
    C64(f32, f32),
    /// A double-precision complex number (real, imaginary).
    C128(f64, f64),
}

/// Element types that print like numpy scalars.
///
/// Implemented for the primitive numbers, `bool` and zerocopy's byte-order
/// types; implement it for your own element types to print them with
/// [`Display`](fmt::Display).
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
enum Fl {
    S(f32),
    D(f64),
}

impl Fl {
    fn wide(self) -> f64 {
        match self {
            Fl::S(x) => f64::from(x),
            Fl::D(x) => x,
        }
    }
}

/// A small stack buffer for one formatted word.
type Word = heapless::String<384>;

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
        Fl::S(v) => write!(shortest, "{v}"),
        Fl::D(v) => write!(shortest, "{v}"),
    };
    let k = frac_digits(&shortest).min(PRECISION);
    let mut w = Word::new();
    if plus && x.wide() >= 0.0 && x.wide().is_sign_positive() {
        push(&mut w, "+");
    }
    let _ = match x {
        Fl::S(v) => write!(w, "{v:.k$}"),
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
            Fl::S(v) => write!(shortest, "{v:e}"),
            Fl::D(v) => write!(shortest, "{v:e}"),
        };
        let mant = shortest.split_once('e').map_or(&shortest[..], |(m, _)| m);
        frac_digits(mant).min(PRECISION)
    });
    let mut raw = Word::new();
    let _ = match x {
        Fl::S(v) => write!(raw, "{v:.p$e}"),
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
type EachFloat<'a> = &'a mut dyn FnMut(&mut dyn FnMut(Fl));

/// numpy's `FloatingFormat` after `fillFormat` has seen the data.
#[derive(Clone, Copy, Debug, Default)]
struct FloatSpec {
    exp: bool,
    pad_left: usize,
    pad_right: usize,
    precision: usize,
    exp_size: usize,
    plus: bool,
}

impl FloatSpec {
    fn new(values: EachFloat<'_>, plus: bool) -> Self {
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

    fn write(&self, x: Fl, out: &mut Word) {
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
enum Spec {
    Bool { zero_d: bool },
    Int { width: usize },
    Float(FloatSpec),
    Complex { re: FloatSpec, im: FloatSpec },
    Empty,
}

impl Spec {
    fn write(&self, s: ScalarValue, out: &mut Word) {
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

fn split_complex(s: ScalarValue) -> Option<(Fl, Fl)> {
    match s {
        ScalarValue::C64(r, i) => Some((Fl::S(r), Fl::S(i))),
        ScalarValue::C128(r, i) => Some((Fl::D(r), Fl::D(i))),
        _ => None,
    }
}

/// Calls `f` on every element numpy would show (all, or the edge items of
/// every axis when the array is summarised), in logical order.
fn for_each_shown<T, D: Dimension>(
    v: &ArrayView<'_, T, D>,
    summarise: bool,
    f: &mut dyn FnMut(&T),
) {
    fn rec<T>(
        data: &[T],
        dims: &[usize],
        strides: &[isize],
        pos: isize,
        summarise: bool,
        f: &mut dyn FnMut(&T),
    ) {
        let Some((&n, rest)) = dims.split_first() else {
            f(&data[pos as usize]);
            return;
        };
        let s = strides[0];
        let mut visit = |i: usize| {
            rec(
                data,
                rest,
                &strides[1..],
                pos + i as isize * s,
                summarise,
                f,
            )
        };
        if summarise && 2 * EDGE_ITEMS < n {
            (0..EDGE_ITEMS).for_each(&mut visit);
            (n - EDGE_ITEMS..n).for_each(&mut visit);
        } else {
            (0..n).for_each(&mut visit);
        }
    }
    if v.is_empty() {
        return;
    }
    let l = v.layout();
    rec(
        v.data,
        l.shape(),
        l.strides(),
        l.offset() as isize,
        summarise,
        f,
    );
}

fn spec_for<T: NumpyFormat, D: Dimension>(v: &ArrayView<'_, T, D>, summarise: bool) -> Spec {
    let mut first = None;
    for_each_shown(v, summarise, &mut |x| {
        if first.is_none() {
            first = Some(x.scalar());
        }
    });
    let Some(first) = first else {
        return Spec::Empty;
    };
    match first {
        ScalarValue::Bool(_) => Spec::Bool {
            zero_d: v.ndim() == 0,
        },
        ScalarValue::Int(_) | ScalarValue::UInt(_) => {
            let mut width = 0;
            for_each_shown(v, summarise, &mut |x| {
                let mut w = Word::new();
                let _ = match x.scalar() {
                    ScalarValue::Int(i) => write!(w, "{i}"),
                    ScalarValue::UInt(u) => write!(w, "{u}"),
                    other => write!(w, "{other:?}"),
                };
                width = width.max(w.len());
            });
            Spec::Int { width }
        }
        ScalarValue::F32(_) | ScalarValue::F64(_) => {
            let mut each = |g: &mut dyn FnMut(Fl)| {
                for_each_shown(v, summarise, &mut |x| match x.scalar() {
                    ScalarValue::F32(a) => g(Fl::S(a)),
                    ScalarValue::F64(a) => g(Fl::D(a)),
                    _ => {}
                })
            };
            Spec::Float(FloatSpec::new(&mut each, false))
        }
        ScalarValue::C64(..) | ScalarValue::C128(..) => {
            let mut re = |g: &mut dyn FnMut(Fl)| {
                for_each_shown(v, summarise, &mut |x| {
                    if let Some((r, _)) = split_complex(x.scalar()) {
                        g(r)
                    }
                })
            };
            let re = FloatSpec::new(&mut re, false);
            let mut im = |g: &mut dyn FnMut(Fl)| {
                for_each_shown(v, summarise, &mut |x| {
                    if let Some((_, i)) = split_complex(x.scalar()) {
                        g(i)
                    }
                })
            };
            let im = FloatSpec::new(&mut im, true);
            Spec::Complex { re, im }
        }
    }
}

/// Streams numpy's `_formatArray` output, tracking the column.
struct Printer<'f, 'g> {
    out: &'f mut fmt::Formatter<'g>,
    col: usize,
    /// A separator's space not yet written: dropped if the line wraps.
    pending_space: bool,
    summarise: bool,
    spec: Spec,
}

impl Printer<'_, '_> {
    fn raw(&mut self, s: &str) -> fmt::Result {
        self.col += s.chars().count();
        self.out.write_str(s)
    }

    fn newline(&mut self, indent: usize) -> fmt::Result {
        self.out.write_char('\n')?;
        for _ in 0..indent {
            self.out.write_char(' ')?;
        }
        self.col = indent;
        Ok(())
    }

    /// numpy's `_extendLine`: wrap before `word` if it would pass `width`,
    /// unless the line holds nothing but the indent.
    fn word(&mut self, word: &str, width: usize, indent: usize) -> fmt::Result {
        let len = word.chars().count();
        if self.col + len > width && self.col > indent {
            self.pending_space = false;
            self.newline(indent)?;
        } else if self.pending_space {
            self.pending_space = false;
            self.out.write_char(' ')?;
        }
        self.raw(word)
    }

    fn separator(&mut self) -> fmt::Result {
        self.raw(",")?;
        self.col += 1;
        self.pending_space = true;
        Ok(())
    }

    /// One axis: `indent` is the hanging indent of this level (its `[` sits
    /// one column before it), `width` numpy's `curr_width`.
    fn array<T: NumpyFormat>(
        &mut self,
        data: &[T],
        dims: &[usize],
        strides: &[isize],
        pos: isize,
        indent: usize,
        width: usize,
    ) -> fmt::Result {
        let n = dims[0];
        let s = strides[0];
        let show_summary = self.summarise && 2 * EDGE_ITEMS < n;
        let (lead, trail) = if show_summary {
            (EDGE_ITEMS, EDGE_ITEMS)
        } else {
            (0, n)
        };
        let items = (0..lead).chain(n - trail..n);
        self.raw("[")?;
        if dims.len() == 1 {
            let elem_width = width.saturating_sub(1);
            for (k, i) in items.enumerate() {
                if k == lead && show_summary {
                    self.word("...", elem_width, indent)?;
                    self.separator()?;
                }
                let mut w = Word::new();
                self.spec
                    .write(data[(pos + i as isize * s) as usize].scalar(), &mut w);
                self.word(&w, elem_width, indent)?;
                if i + 1 < n {
                    self.separator()?;
                }
            }
        } else {
            let blank_lines = dims.len() - 1;
            let sep = |p: &mut Self| -> fmt::Result {
                p.raw(",")?;
                for _ in 0..blank_lines {
                    p.out.write_char('\n')?;
                }
                p.col = 0;
                Ok(())
            };
            for (k, i) in items.enumerate() {
                if k == lead && show_summary {
                    self.pad(indent)?;
                    self.raw("...")?;
                    sep(self)?;
                }
                if k > 0 {
                    self.pad(indent)?;
                }
                let child = pos + i as isize * s;
                self.array(
                    data,
                    &dims[1..],
                    &strides[1..],
                    child,
                    indent + 1,
                    width.saturating_sub(1),
                )?;
                if i + 1 < n {
                    sep(self)?;
                }
            }
        }
        self.raw("]")
    }

    fn pad(&mut self, to: usize) -> fmt::Result {
        while self.col < to {
            self.out.write_char(' ')?;
            self.col += 1;
        }
        Ok(())
    }
}

/// Writes the body of numpy's repr: `[[0., 1.], [2., 3.]]` with wrapping,
/// as if `prefix_len` columns were already used on the first line.
fn write_body<T: NumpyFormat, D: Dimension>(
    v: &ArrayView<'_, T, D>,
    f: &mut fmt::Formatter<'_>,
    prefix_len: usize,
    line_width: usize,
) -> fmt::Result {
    if v.is_empty() {
        return f.write_str("[]");
    }
    let summarise = v.len() > THRESHOLD;
    let spec = spec_for(v, summarise);
    let mut p = Printer {
        out: f,
        col: prefix_len,
        pending_space: false,
        summarise,
        spec,
    };
    let l = v.layout();
    if v.ndim() == 0 {
        let mut w = Word::new();
        spec.write(v.data[l.offset()].scalar(), &mut w);
        return p.raw(&w);
    }
    p.array(
        v.data,
        l.shape(),
        l.strides(),
        l.offset() as isize,
        prefix_len + 1,
        line_width,
    )
}

/// A view printed as numpy's `repr`: `memmap([...], dtype=float32)`.
///
/// Made by [`ArrayBase::repr`](super::ArrayBase::repr).
pub struct Repr<'r, T, D: Dimension> {
    view: ArrayView<'r, T, D>,
    name: &'r str,
    extras: &'r str,
}

impl<'r, T, D: Dimension> Repr<'r, T, D> {
    pub(crate) fn new(view: ArrayView<'r, T, D>, name: &'r str, extras: &'r str) -> Self {
        Repr { view, name, extras }
    }
}

/// Counts what is written, to learn the length of the last line.
struct LastLine(usize);
impl Write for LastLine {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match s.rfind('\n') {
            Some(i) => self.0 = s[i + 1..].chars().count(),
            None => self.0 += s.chars().count(),
        }
        Ok(())
    }
}

struct Body<'a, 'r, T, D: Dimension>(&'a Repr<'r, T, D>);
impl<T: NumpyFormat, D: Dimension> fmt::Display for Body<'_, '_, T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // numpy reserves one column for the closing parenthesis.
        let prefix = self.0.name.chars().count() + 1;
        write_body(&self.0.view, f, prefix, LINE_WIDTH - 1)
    }
}

impl<T: NumpyFormat, D: Dimension> fmt::Display for Repr<'_, T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = Body(self);
        if self.extras.is_empty() {
            return write!(f, "{}({body})", self.name);
        }
        let mut last = LastLine(0);
        write!(last, "{}({body},", self.name)?;
        write!(f, "{}({body},", self.name)?;
        if last.0 + self.extras.chars().count() + 2 > LINE_WIDTH {
            f.write_char('\n')?;
            for _ in 0..=self.name.chars().count() {
                f.write_char(' ')?;
            }
        } else {
            f.write_char(' ')?;
        }
        write!(f, "{})", self.extras)
    }
}

impl<S: super::Storage, D: Dimension> fmt::Display for super::ArrayBase<S, D>
where
    S::Elem: NumpyFormat,
{
    /// Prints the elements as numpy's `repr` does inside `array(...)`, with
    /// `, ` separators: `[[0., 1.],\n [2., 3.]]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_body(&self.view(), f, 0, LINE_WIDTH)
    }
}

impl<S: super::Storage, D: Dimension> fmt::Debug for super::ArrayBase<S, D>
where
    S::Elem: fmt::Debug,
{
    /// Nested lists of the elements' `Debug` forms, summarised like numpy
    /// (edge items around `...` beyond 1000 elements), with the shape.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn rec<T: fmt::Debug>(
            f: &mut fmt::Formatter<'_>,
            data: &[T],
            dims: &[usize],
            strides: &[isize],
            pos: isize,
            summarise: bool,
        ) -> fmt::Result {
            let Some((&n, rest)) = dims.split_first() else {
                return write!(f, "{:?}", data[pos as usize]);
            };
            f.write_char('[')?;
            let cut = summarise && 2 * EDGE_ITEMS < n;
            for i in 0..n {
                if cut && (EDGE_ITEMS..n - EDGE_ITEMS).contains(&i) {
                    if i == EDGE_ITEMS {
                        f.write_str("..., ")?;
                    }
                    continue;
                }
                rec(
                    f,
                    data,
                    rest,
                    &strides[1..],
                    pos + i as isize * strides[0],
                    summarise,
                )?;
                if i + 1 < n {
                    f.write_str(", ")?;
                }
            }
            f.write_char(']')
        }
        let l = &self.layout;
        if self.is_empty() {
            f.write_str("[]")?;
        } else {
            rec(
                f,
                self.data.slice(),
                l.shape(),
                l.strides(),
                l.offset() as isize,
                self.len() > THRESHOLD,
            )?;
        }
        write!(f, ", shape={:?}", l.shape())
    }
}

impl NumpyFormat for crate::element::Bool {
    fn scalar(&self) -> ScalarValue {
        ScalarValue::Bool(self.get())
    }
}

impl NumpyFormat for crate::element::Complex<f32> {
    fn scalar(&self) -> ScalarValue {
        ScalarValue::C64(self.re, self.im)
    }
}

impl NumpyFormat for crate::element::Complex<f64> {
    fn scalar(&self) -> ScalarValue {
        ScalarValue::C128(self.re, self.im)
    }
}
