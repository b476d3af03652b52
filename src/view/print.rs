//! Printing arrays the way numpy prints them, without allocating: the array printer.
//!
//! This follows numpy's `array2string` with its default options (numpy ≥ 1.14
//! style): elements are formatted to one common width, arrays of more than
//! 1000 elements are summarised with `...` around 3 edge items per axis, rows
//! wrap at 75 columns with a hanging indent, and floats use numpy's
//! `maxprec` mode (shortest unique digits, at most 8 after the point, padded
//! so the points line up; scientific notation when the values span too many
//! orders of magnitude).

use core::fmt::{self, Write};

use super::{ArrayBase, ArrayView, Storage};
use crate::dtype::{Fl, FloatSpec, NumpyFormat, ScalarValue, Spec, Word, split_complex};
use crate::layout::Dimension;

/// numpy's default `threshold`: arrays with more elements are summarised.
const THRESHOLD: usize = 1000;
/// numpy's default `edgeitems`.
const EDGE_ITEMS: usize = 3;
/// numpy's default `linewidth`.
const LINE_WIDTH: usize = 75;

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
        ScalarValue::F16(_) | ScalarValue::F32(_) | ScalarValue::F64(_) => {
            let mut each = |g: &mut dyn FnMut(Fl)| {
                for_each_shown(v, summarise, &mut |x| match x.scalar() {
                    ScalarValue::F16(a) => g(Fl::H(a)),
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
/// Made by [`ArrayBase::repr`](ArrayBase::repr).
pub struct Repr<'r, T, D: Dimension> {
    view: ArrayView<'r, T, D>,
    name: &'r str,
    extras: &'r str,
}

impl<T, D: Dimension> fmt::Debug for Repr<'_, T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repr")
            .field("name", &self.name)
            .field("shape", &self.view.shape())
            .field("extras", &self.extras)
            .finish_non_exhaustive()
    }
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

impl<S: Storage, D: Dimension> fmt::Display for ArrayBase<S, D>
where
    S::Elem: NumpyFormat,
{
    /// Prints the elements as numpy's `repr` does inside `array(...)`, with
    /// `, ` separators: `[[0., 1.],\n [2., 3.]]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_body(&self.view(), f, 0, LINE_WIDTH)
    }
}

impl<S: Storage, D: Dimension> fmt::Debug for ArrayBase<S, D>
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

impl<S: Storage, D: Dimension> ArrayBase<S, D> {
    /// A printable form with a prefix and suffix, wrapped as numpy wraps
    /// `repr(a)`: `a.repr("memmap(", ", dtype=float32)")`.
    pub fn repr<'r>(&'r self, prefix: &'r str, suffix: &'r str) -> Repr<'r, S::Elem, D> {
        Repr::new(self.view(), prefix, suffix)
    }
}
