//! The `descr` value: a scalar type string or a record's field list.
//!
//! Design (no allocation): a scalar descr is parsed into an [`element::Scalar`](Scalar) on
//! the spot. A record descr keeps the borrowed span of its list literal in the header text
//! plus its item size and field count; [`Descr::fields`] re-lexes that span lazily, one
//! field per step. The span was fully validated by [`Header::parse`](super::Header::parse),
//! so iteration cannot fail. Descrs of Rust types ([`Descr::of`]) point at the type's
//! `'static` [`TypeDescr`] instead; both kinds iterate, compare and print the same way.

use core::fmt::{self, Write};

use super::Error;
use super::lex::{Cursor, Encoding, IntLit, MAX_DEPTH, MAX_RECORD_DEPTH, Name, Small};
use crate::element::{ByteOrder, Dtype, Kind, Record, Scalar, TimeUnit, TypeDescr};
use crate::layout::MAX_DIMS;

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

/// Writes a Python `repr` of a string: single quotes unless the text has a `'` and no `"`.
///
/// Non-printable characters are escaped as Python does for ASCII and latin-1 controls
/// (`\t`, `\n`, `\r`, `\xNN`); other non-ASCII characters are written as they are (Python
/// escapes a few more non-printable ones; the text still reads back to the same string).
pub(crate) fn write_py_str<W: Write>(
    w: &mut W,
    chars: impl Iterator<Item = char> + Clone,
) -> fmt::Result {
    let (mut single, mut double) = (false, false);
    for c in chars.clone() {
        single |= c == '\'';
        double |= c == '"';
    }
    let quote = if single && !double { '"' } else { '\'' };
    w.write_char(quote)?;
    for c in chars {
        match c {
            '\\' => w.write_str("\\\\")?,
            '\t' => w.write_str("\\t")?,
            '\n' => w.write_str("\\n")?,
            '\r' => w.write_str("\\r")?,
            c if c == quote => {
                w.write_char('\\')?;
                w.write_char(c)?;
            }
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) || c == '\u{ad}' => {
                write!(w, "\\x{:02x}", c as u32)?
            }
            c => w.write_char(c)?,
        }
    }
    w.write_char(quote)
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
                    descr: Descr(Repr::Scalar(Scalar::with_order(
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

/// Parses a descr value at the cursor (a type string or a field list), validating it fully.
pub(crate) fn parse_descr<'a>(cur: &mut Cursor<'a>, depth: usize) -> Result<Descr<'a>, Error> {
    if depth > MAX_RECORD_DEPTH {
        return Err(Error::InvalidDescr {
            at: cur.pos,
            reason: "records are nested too deeply",
        });
    }
    cur.skip_ws();
    let at = cur.pos;
    if cur.at_string() {
        let lit = cur.string()?;
        if lit.bytes {
            return Err(Error::InvalidDescr {
                at,
                reason: "a bytes literal; expected a str such as '<f8'",
            });
        }
        return parse_typestr(lit.value, at).map(|s| Descr(Repr::Scalar(s)));
    }
    if cur.peek() != Some(b'[') {
        cur.skip_value(depth)?;
        return Err(Error::InvalidDescr {
            at,
            reason: "expected a type string such as '<f8' or a list of (name, type) fields",
        });
    }
    cur.pos += 1;
    let mut offset = 0usize;
    let mut count = 0usize;
    let mut seen = [0u64; 128];
    loop {
        cur.skip_ws();
        if cur.eat(b']') {
            break;
        }
        let field_at = cur.pos;
        let (field, name_at) = parse_field(cur, depth, offset)?;
        offset = offset
            .checked_add(field.size())
            .ok_or(Error::InvalidDescr {
                at: field_at,
                reason: "the record size overflows usize",
            })?;
        if !field.name.is_empty() {
            // Duplicate names without allocation: an 8192-bit Bloom filter (three bits per
            // name, 1 KiB of stack), and a scan of the earlier fields only when the filter
            // reports a possible repeat. Near-linear up to about a thousand fields; degrades
            // towards quadratic for many thousands.
            let h = name_hash(field.name);
            let bits = [
                (h & 8191) as usize,
                ((h >> 13) & 8191) as usize,
                ((h >> 26) & 8191) as usize,
            ];
            let is_set = |b: usize| seen[b / 64] & (1u64 << (b % 64)) != 0;
            if bits.iter().all(|&b| is_set(b)) {
                let mut earlier = Cursor {
                    text: cur.text,
                    pos: at + 1,
                    enc: cur.enc,
                    allow_long: cur.allow_long,
                };
                for _ in 0..count {
                    earlier.skip_ws();
                    if entry_name(&earlier) == Some(field.name) {
                        return Err(Error::InvalidDescr {
                            at: name_at,
                            reason: "a field name occurs more than once",
                        });
                    }
                    earlier.skip_value(depth)?;
                    earlier.skip_ws();
                    earlier.eat(b',');
                }
            }
            for b in bits {
                seen[b / 64] |= 1u64 << (b % 64);
            }
        }
        count += 1;
        cur.skip_ws();
        if cur.eat(b']') {
            break;
        }
        cur.expect(b',', "',' or ']' in the field list")?;
    }
    Ok(Descr(Repr::Parsed {
        list: &cur.text[at..cur.pos],
        enc: cur.enc,
        allow_long: cur.allow_long,
        itemsize: offset,
    }))
}

/// Parses one `(name, descr[, shape])` entry; returns it and the offset of its name.
fn parse_field<'a>(
    cur: &mut Cursor<'a>,
    depth: usize,
    offset: usize,
) -> Result<(Field<'a>, usize), Error> {
    cur.skip_ws();
    let at = cur.pos;
    let expected_tuple = "expected a field tuple (name, type) or (name, type, shape)";
    if !cur.eat(b'(') {
        cur.skip_value(depth)?;
        return Err(Error::InvalidDescr {
            at,
            reason: expected_tuple,
        });
    }
    cur.skip_ws();
    let name_at = cur.pos;
    let (title, name) = if cur.eat(b'(') {
        let title = field_name(cur)?;
        cur.skip_ws();
        cur.expect(b',', "',' between a field's title and name")?;
        let name = field_name(cur)?;
        cur.skip_ws();
        cur.eat(b',');
        cur.skip_ws();
        cur.expect(b')', "')' after a field's title and name")?;
        (Some(title), name)
    } else {
        (None, field_name(cur)?)
    };
    cur.skip_ws();
    cur.expect(b',', "',' after the field name")?;
    let descr = parse_descr(cur, depth + 1)?;
    cur.skip_ws();
    let mut shape = heapless::Vec::new();
    if cur.eat(b',') {
        cur.skip_ws();
        if cur.peek() != Some(b')') {
            let shape_at = cur.pos;
            let bad = |problem| Error::InvalidShape {
                at: shape_at,
                problem,
            };
            match cur.small(depth + 1)? {
                Small::Int {
                    negative: false,
                    value: IntLit::Value(v),
                } => {
                    shape
                        .push(v)
                        .map_err(|_| bad(super::ShapeProblem::TooManyDims))?;
                }
                Small::Int { negative: true, .. } => {
                    return Err(bad(super::ShapeProblem::Negative));
                }
                Small::Int {
                    value: IntLit::Overflow,
                    ..
                } => return Err(bad(super::ShapeProblem::Overflow)),
                Small::Tuple {
                    dims,
                    problem: None,
                } => shape = dims,
                Small::Tuple {
                    problem: Some((at, problem)),
                    ..
                } => return Err(Error::InvalidShape { at, problem }),
                Small::Bool(_) | Small::Other => {
                    return Err(bad(super::ShapeProblem::NotAnInteger));
                }
            }
            cur.skip_ws();
            cur.eat(b',');
            cur.skip_ws();
        }
    }
    if !cur.eat(b')') {
        return Err(Error::InvalidDescr {
            at: cur.pos,
            reason: "expected ')' closing the field tuple",
        });
    }
    let field = Field {
        name,
        title,
        descr,
        offset,
        shape,
    };
    let mut size = descr.itemsize();
    for &d in field.shape() {
        size = size.checked_mul(d).ok_or(Error::InvalidDescr {
            at,
            reason: "the field size overflows usize",
        })?;
    }
    Ok((field, name_at))
}

/// FNV-1a over the UTF-8 encoding of a name's decoded characters, then murmur3's
/// finaliser (FNV alone spreads similar names such as `field_1`, `field_2` poorly).
fn name_hash(name: Name<'_>) -> u64 {
    let step = |h: u64, b: &u8| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    let seed = 0xcbf2_9ce4_8422_2325;
    let mut h = match name.as_str() {
        Some(s) => s.as_bytes().iter().fold(seed, step),
        None => name.chars().fold(seed, |h, c| {
            let mut buf = [0u8; 4];
            c.encode_utf8(&mut buf).as_bytes().iter().fold(h, step)
        }),
    };
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The name of the (already validated) field entry at the cursor, without moving it.
fn entry_name<'a>(cur: &Cursor<'a>) -> Option<Name<'a>> {
    let mut c = cur.clone();
    c.expect(b'(', "").ok()?;
    c.skip_ws();
    if c.eat(b'(') {
        c.skip_ws();
        c.string().ok()?;
        c.skip_ws();
        c.expect(b',', "").ok()?;
        c.skip_ws();
    }
    c.string().ok().map(|lit| lit.value)
}

fn field_name<'a>(cur: &mut Cursor<'a>) -> Result<Name<'a>, Error> {
    cur.skip_ws();
    let at = cur.pos;
    if !cur.at_string() {
        cur.skip_value(MAX_DEPTH)?;
        return Err(Error::InvalidDescr {
            at,
            reason: "a field name is not a string",
        });
    }
    let lit = cur.string()?;
    if lit.bytes {
        return Err(Error::InvalidDescr {
            at,
            reason: "a field name is a bytes literal; expected a str",
        });
    }
    Ok(lit.value)
}

/// Parses a scalar type string (already decoded from its literal).
fn parse_typestr(value: Name<'_>, at: usize) -> Result<Scalar, Error> {
    let invalid = |reason| Error::InvalidDescr { at, reason };
    let not_understood = "not a numpy type string such as '<f8', '|u1', '<M8[ns]' or 'float64'";
    // Type strings are short ASCII; 'μs' is the one non-ASCII spelling (of 'us').
    let mut buf = [0u8; 40];
    let mut n = 0;
    for c in value.chars() {
        let b = match c {
            '\u{3bc}' => b'u',
            c if c.is_ascii() => c as u8,
            _ => return Err(invalid(not_understood)),
        };
        *buf.get_mut(n).ok_or(invalid(not_understood))? = b;
        n += 1;
    }
    let s = &buf[..n];
    if let Some(scalar) = named_type(s) {
        return scalar.ok_or(Error::ObjectDescr { at });
    }
    let (order, rest) = match s.first() {
        Some(b'<') => (ByteOrder::Little, &s[1..]),
        Some(b'>') => (ByteOrder::Big, &s[1..]),
        Some(b'|') => (ByteOrder::NotApplicable, &s[1..]),
        Some(b'=') => (ByteOrder::NATIVE, &s[1..]),
        _ => (ByteOrder::NATIVE, s),
    };
    let Some((&code, rest)) = rest.split_first() else {
        return Err(invalid(not_understood));
    };
    let digits_end = rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, suffix) = rest.split_at(digits_end);
    let num = if digits.is_empty() {
        None
    } else {
        let mut v = 0usize;
        for &d in digits {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(usize::from(d - b'0')))
                .ok_or(invalid("the item size overflows usize"))?;
        }
        Some(v)
    };
    if code == b'O' && suffix.is_empty() {
        return Err(Error::ObjectDescr { at });
    }
    let kind_time = |unit, count| {
        if code == b'M' {
            Kind::Datetime { unit, count }
        } else {
            Kind::Timedelta { unit, count }
        }
    };
    let (kind, size) = match (code, num) {
        (b'M' | b'm', None | Some(8)) => {
            let (unit, count) = parse_unit(suffix)
                .ok_or(invalid("not a datetime unit such as [ns], [D] or [5s]"))?;
            (kind_time(unit, count), 8)
        }
        _ if !suffix.is_empty() => return Err(invalid(not_understood)),
        (b'?', None) => (Kind::Bool, 1),
        (b'b', Some(n)) => (Kind::Bool, n),
        (b'b', None) => (Kind::Int, 1),
        (b'B', None) => (Kind::Uint, 1),
        (b'h', None) => (Kind::Int, 2),
        (b'H', None) => (Kind::Uint, 2),
        (b'i', None) => (Kind::Int, 4),
        (b'I', None) => (Kind::Uint, 4),
        (b'q', None) => (Kind::Int, 8),
        (b'Q', None) => (Kind::Uint, 8),
        (b'i', Some(n)) => (Kind::Int, n),
        (b'u', Some(n)) => (Kind::Uint, n),
        (b'u', None) => (Kind::Uint, 4),
        (b'e', None) => (Kind::Float, 2),
        (b'f', None) => (Kind::Float, 4),
        (b'd', None) => (Kind::Float, 8),
        (b'f', Some(n)) => (Kind::Float, n),
        (b'F', None) => (Kind::Complex, 8),
        (b'D', None) => (Kind::Complex, 16),
        (b'c', Some(n)) => (Kind::Complex, n),
        (b'c', None) => (Kind::Bytes, 1),
        (b'S', n) => (Kind::Bytes, n.unwrap_or(0)),
        (b'V', n) => (Kind::Void, n.unwrap_or(0)),
        (b'U', n) => (
            Kind::Unicode,
            n.unwrap_or(0)
                .checked_mul(4)
                .ok_or(invalid("the item size overflows usize"))?,
        ),
        _ => return Err(invalid(not_understood)),
    };
    Scalar::new(order, kind, size).ok_or(invalid("numpy has no type of this kind and size"))
}

/// `[unit]`, `[5unit]` or nothing (generic).
fn parse_unit(s: &[u8]) -> Option<(TimeUnit, u32)> {
    if s.is_empty() {
        return Some((TimeUnit::Generic, 1));
    }
    let inner = s.strip_prefix(b"[")?.strip_suffix(b"]")?;
    let split = inner
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(inner.len());
    let (digits, code) = inner.split_at(split);
    let count = if digits.is_empty() {
        1
    } else {
        core::str::from_utf8(digits)
            .ok()?
            .parse::<u32>()
            .ok()
            .filter(|&c| c > 0)?
    };
    let unit = TimeUnit::from_code(core::str::from_utf8(code).ok()?)?;
    if unit == TimeUnit::Generic && !digits.is_empty() {
        return None;
    }
    Some((unit, count))
}

/// numpy's type names (`'float64'`); `Some(None)` for object types.
fn named_type(s: &[u8]) -> Option<Option<Scalar>> {
    let (kind, size) = match s {
        b"object" | b"object_" => return Some(None),
        b"bool" | b"bool_" => (Kind::Bool, 1),
        b"int8" | b"byte" => (Kind::Int, 1),
        b"int16" | b"short" => (Kind::Int, 2),
        b"int32" | b"intc" => (Kind::Int, 4),
        b"int64" | b"longlong" => (Kind::Int, 8),
        b"uint8" | b"ubyte" => (Kind::Uint, 1),
        b"uint16" | b"ushort" => (Kind::Uint, 2),
        b"uint32" | b"uintc" => (Kind::Uint, 4),
        b"uint64" | b"ulonglong" => (Kind::Uint, 8),
        b"float16" | b"half" => (Kind::Float, 2),
        b"float32" | b"single" => (Kind::Float, 4),
        b"float64" | b"double" | b"float" => (Kind::Float, 8),
        b"complex64" | b"csingle" => (Kind::Complex, 8),
        b"complex128" | b"cdouble" | b"complex" => (Kind::Complex, 16),
        _ => {
            if let Some(r) = s.strip_prefix(b"datetime64") {
                let (unit, count) = parse_unit(r)?;
                (Kind::Datetime { unit, count }, 8)
            } else if let Some(r) = s.strip_prefix(b"timedelta64") {
                let (unit, count) = parse_unit(r)?;
                (Kind::Timedelta { unit, count }, 8)
            } else {
                return None;
            }
        }
    };
    Some(Scalar::new(ByteOrder::NATIVE, kind, size))
}
