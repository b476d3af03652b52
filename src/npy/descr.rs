//! The `descr` value: a scalar type string or a record's field list.
//!
//! Design (no allocation): a scalar descr is parsed into an [`Scalar`] on
//! the spot. A record descr keeps the borrowed span of its list literal in the header text
//! plus its item size and field count; [`Descr::fields`] re-lexes that span lazily, one
//! field per step. The span was fully validated by [`Header::parse`](super::Header::parse),
//! so iteration cannot fail. Descrs of Rust types ([`Descr::of`]) point at the type's
//! `'static` [`TypeDescr`] instead; both kinds iterate, compare and print the same way.

mod parse;

use crate::dtype::write_py_str;
pub(crate) use parse::parse_descr;
use parse::{parse_field, parse_typestr};

use core::fmt::{self, Write};

use super::Error;
use super::lex::{Cursor, Encoding};
use super::name::Name;
use crate::{ByteOrder, Dtype, Kind, MAX_DIMS, Record, Scalar, TimeUnit, TypeDescr};

/// A data type descriptor: the `descr` of a `.npy` header or of a Rust element type.
///
/// Equality is semantic: `'<f8'`, `"<f8"`, `'=f8'` (on little-endian hosts), `'f8'` and
/// `'float64'` are equal; records are equal when their named fields have the same names,
/// types, offsets and sub-array shapes and the item sizes agree (padding entries only
/// contribute offsets). `Display` writes numpy's repr (`'<f8'`, `[('x', '<f4'), ('y', '<i4')]`).
///
/// # Examples
///
/// ```
/// use mmarray::npy::Descr;
/// assert_eq!(Descr::of::<f32>().to_string_in(&mut [0; 16]), Some("'<f4'"));
/// assert!(Descr::of::<f32>() != Descr::of::<f64>());
/// ```
#[derive(Clone, Copy)]
pub struct Descr<'a>(Repr<'a>);

#[derive(Clone, Copy)]
enum Repr<'a> {
    Scalar(Scalar),
    Parsed {
        list: &'a [u8],
        enc: Encoding,
        allow_long: bool,
        itemsize: usize,
    },
    Static(&'static Record),
}

impl<'a> Descr<'a> {
    /// The descr of a Rust element type.
    pub fn of<T: Dtype>() -> Descr<'static> {
        Descr::from_type(&T::DESCR)
    }

    /// The descr for a static type descriptor.
    pub fn from_type(t: &'static TypeDescr) -> Descr<'static> {
        match t {
            TypeDescr::Scalar(s) => Descr(Repr::Scalar(*s)),
            TypeDescr::Record(r) => Descr(Repr::Static(r)),
        }
    }

    /// Parses a descr from its text as numpy writes it: a type string, bare (`<f8`) or
    /// quoted (`'<f8'`), or a list of fields (`[('a', '<i4'), ('b', '>f8', (3,))]`),
    /// with the `.npy` header parser's rules (see [the module docs](super#what-the-parser-accepts))
    /// and surrounding whitespace allowed.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::npy::Descr;
    /// assert_eq!(Descr::parse("<f8")?, Descr::of::<f64>());
    /// let d = Descr::parse("[('a', '<i4'), ('b', '>f8', (3,))]")?;
    /// assert_eq!((d.itemsize(), d.fields().unwrap().count()), (28, 2));
    /// assert!(Descr::parse("<f3").is_err());
    /// # Ok::<(), mmarray::npy::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The parser's: [`Error::InvalidDescr`] or [`Error::Syntax`] with the byte offset in
    /// `text`, [`Error::ObjectDescr`] for `'O'`, and [`Error::Syntax`] for text after the descr.
    pub fn parse(text: &'a str) -> Result<Descr<'a>, Error> {
        let bytes = text.as_bytes();
        let start = bytes.len() - text.trim_start().len();
        let trimmed = text.trim();
        if !trimmed.is_empty() && !trimmed.starts_with(['\'', '"', '[']) {
            return parse_typestr(Name::from_str(trimmed), start).map(Descr::scalar_type);
        }
        let mut cur = Cursor::new(bytes, Encoding::Utf8, false);
        let d = parse_descr(&mut cur, 0)?;
        cur.skip_ws();
        if !cur.at_end() {
            return Err(Error::Syntax {
                at: cur.pos,
                expected: "the end of the descr",
            });
        }
        Ok(d)
    }

    /// A scalar descr.
    pub fn scalar_type(s: Scalar) -> Descr<'static> {
        Descr(Repr::Scalar(s))
    }

    /// The scalar type, or `None` for a record.
    pub fn scalar(&self) -> Option<Scalar> {
        match self.0 {
            Repr::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is a record (numpy structured dtype).
    pub fn is_record(&self) -> bool {
        self.scalar().is_none()
    }

    /// Item size in bytes.
    pub fn itemsize(&self) -> usize {
        match self.0 {
            Repr::Scalar(s) => s.size(),
            Repr::Parsed { itemsize, .. } => itemsize,
            Repr::Static(r) => r.size,
        }
    }

    /// The record's entries (named fields and padding) in offset order; `None` for a scalar.
    pub fn fields(&self) -> Option<Fields<'a>> {
        match self.0 {
            Repr::Scalar(_) => None,
            Repr::Parsed {
                list,
                enc,
                allow_long,
                ..
            } => {
                let mut cur = Cursor::new(list, enc, allow_long);
                cur.pos = 1; // past '['
                Some(Fields(FieldsRepr::Parsed { cur, offset: 0 }))
            }
            Repr::Static(r) => Some(Fields(FieldsRepr::Static {
                record: r,
                index: 0,
                offset: 0,
            })),
        }
    }

    /// Whether this descr describes the Rust type `T`.
    pub fn matches<T: Dtype>(&self) -> bool {
        *self == Descr::of::<T>()
    }

    /// Checks that this descr describes the Rust type `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::npy::Descr;
    /// let e = Descr::of::<f64>().check::<f32>().unwrap_err();
    /// assert_eq!(e.to_string(), "header descr '<f8' does not match the element type's descr '<f4'");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::DescrMismatch`] naming both descrs.
    pub fn check<T: Dtype>(&self) -> Result<(), Error> {
        if self.matches::<T>() {
            return Ok(());
        }
        let mut found = super::error::Snippet::new();
        let _ = write!(found, "{self}");
        Err(Error::DescrMismatch {
            found,
            expected: &T::DESCR,
        })
    }

    /// Writes numpy's repr into `buf` and returns it, or `None` if `buf` is too small.
    pub fn to_string_in<'b>(&self, buf: &'b mut [u8]) -> Option<&'b str> {
        let mut w = SliceWriter { buf, len: 0 };
        write!(w, "{self}").ok()?;
        let len = w.len;
        core::str::from_utf8(&w.buf[..len]).ok()
    }
}

struct SliceWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl PartialEq for Descr<'_> {
    fn eq(&self, other: &Descr<'_>) -> bool {
        match (self.0, other.0) {
            (Repr::Scalar(a), Repr::Scalar(b)) => a == b,
            (Repr::Scalar(_), _) | (_, Repr::Scalar(_)) => false,
            _ => {
                if self.itemsize() != other.itemsize() {
                    return false;
                }
                let (Some(a), Some(b)) = (self.fields(), other.fields()) else {
                    return false;
                };
                let mut a = a.filter(|f| !f.is_padding());
                let mut b = b.filter(|f| !f.is_padding());
                loop {
                    match (a.next(), b.next()) {
                        (None, None) => return true,
                        (Some(x), Some(y)) => {
                            if x.offset != y.offset
                                || x.shape != y.shape
                                || x.name != y.name
                                || x.title != y.title
                                || x.descr != y.descr
                            {
                                return false;
                            }
                        }
                        _ => return false,
                    }
                }
            }
        }
    }
}

impl Eq for Descr<'_> {}

impl fmt::Debug for Descr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Descr({self})")
    }
}

impl fmt::Display for Descr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Scalar(s) => write!(f, "'{}'", TypeStr(s)),
            _ => {
                f.write_char('[')?;
                for (i, field) in self.fields().into_iter().flatten().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{field}")?;
                }
                f.write_char(']')
            }
        }
    }
}

/// Display adapter for a static type descriptor (numpy repr).
pub(crate) struct Render(pub(crate) &'static TypeDescr);

impl fmt::Display for Render {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Descr::from_type(self.0))
    }
}

/// numpy's type string for a scalar (`<f8`, `|S10`, `<M8[ns]`), without quotes.
struct TypeStr(Scalar);

impl fmt::Display for TypeStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let n = if s.kind() == Kind::Unicode {
            s.size() / 4
        } else {
            s.size()
        };
        write!(f, "{}{}{}", s.order().as_char(), s.kind().as_char(), n)?;
        if let Kind::Datetime { unit, count } | Kind::Timedelta { unit, count } = s.kind()
            && unit != TimeUnit::Generic
        {
            f.write_char('[')?;
            if count != 1 {
                write!(f, "{count}")?;
            }
            write!(f, "{}]", unit.code())?;
        }
        Ok(())
    }
}

/// Python repr of a shape tuple: `()`, `(3,)`, `(3, 4)`.
pub(crate) struct ShapeRepr<'s>(pub(crate) &'s [usize]);

impl fmt::Display for ShapeRepr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        if self.0.len() == 1 {
            f.write_char(',')?;
        }
        f.write_char(')')
    }
}

/// One entry of a record descr: a named field or a padding entry (`('', '|V3')`).
#[derive(Clone, Debug)]
pub struct Field<'a> {
    name: Name<'a>,
    title: Option<Name<'a>>,
    descr: Descr<'a>,
    offset: usize,
    shape: heapless::Vec<usize, MAX_DIMS>,
}

impl<'a> Field<'a> {
    /// The field name (empty for padding).
    pub fn name(&self) -> Name<'a> {
        self.name
    }

    /// The title, for fields written as `(('title', 'name'), descr)`.
    pub fn title(&self) -> Option<Name<'a>> {
        self.title
    }

    /// The field's type (of one sub-array element if [`shape`](Field::shape) is not empty).
    pub fn descr(&self) -> Descr<'a> {
        self.descr
    }

    /// Byte offset within the record.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The sub-array shape (`('pos', '<f4', (3,))`); empty for a plain field.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Size in bytes including the sub-array (validated not to overflow).
    pub fn size(&self) -> usize {
        self.shape
            .iter()
            .fold(self.descr.itemsize(), |n, &d| n.saturating_mul(d))
    }

    /// Whether this is a padding entry: empty name and a void type, as numpy treats it.
    pub fn is_padding(&self) -> bool {
        self.title.is_none()
            && self.name.is_empty()
            && self.shape.is_empty()
            && self.descr.scalar().is_some_and(|s| s.kind() == Kind::Void)
    }
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        match self.title {
            Some(t) => {
                f.write_char('(')?;
                write_py_str(f, t.chars())?;
                f.write_str(", ")?;
                write_py_str(f, self.name.chars())?;
                f.write_char(')')?;
            }
            None => write_py_str(f, self.name.chars())?,
        }
        write!(f, ", {}", self.descr)?;
        if !self.shape.is_empty() {
            write!(f, ", {}", ShapeRepr(&self.shape))?;
        }
        f.write_char(')')
    }
}

/// Iterator over the entries of a record descr, see [`Descr::fields`].
#[derive(Clone, Debug)]
pub struct Fields<'a>(FieldsRepr<'a>);

#[derive(Clone, Debug)]
enum FieldsRepr<'a> {
    Parsed {
        cur: Cursor<'a>,
        offset: usize,
    },
    Static {
        record: &'static Record,
        index: usize,
        offset: usize,
    },
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;

    fn next(&mut self) -> Option<Field<'a>> {
        match &mut self.0 {
            FieldsRepr::Parsed { cur, offset } => {
                cur.skip_ws();
                if cur.peek() == Some(b']') {
                    return None;
                }
                // Validated at parse time; errors cannot happen here.
                let (field, _) = parse_field(cur, 1, *offset).ok()?;
                *offset = offset.checked_add(field.size())?;
                cur.skip_ws();
                cur.eat(b',');
                Some(field)
            }
            FieldsRepr::Static {
                record,
                index,
                offset,
            } => {
                let pad = |size| Field {
                    name: Name::from_str(""),
                    title: None,
                    descr: Descr(Repr::Scalar(Scalar::known(
                        ByteOrder::NotApplicable,
                        Kind::Void,
                        size,
                    ))),
                    offset: *offset,
                    shape: heapless::Vec::new(),
                };
                let Some(rf) = record.fields.get(*index) else {
                    if *offset < record.size {
                        let f = pad(record.size - *offset);
                        *offset = record.size;
                        return Some(f);
                    }
                    return None;
                };
                if rf.offset > *offset {
                    let f = pad(rf.offset - *offset);
                    *offset = rf.offset;
                    return Some(f);
                }
                *index += 1;
                let f = Field {
                    name: Name::from_str(rf.name),
                    title: None,
                    descr: Descr::from_type(rf.descr),
                    offset: rf.offset,
                    shape: heapless::Vec::from_slice(rf.shape).ok()?,
                };
                *offset = rf.offset.checked_add(f.size())?;
                Some(f)
            }
        }
    }
}
