//! The parsed header: descr, order, shape; parsing, emitting and in-place shape rewrite.

use core::fmt::{self, Write};

use super::descr::{ShapeRepr, parse_descr};
use super::error::Key;
use super::lex::{Cursor, Encoding, Small};
use super::{Descr, Error, HeaderBytes, ShapeProblem, Version};
use crate::Dtype;
use crate::layout::{IxDyn, Order};

/// The data of a numpy-written `.npy` file starts at a multiple of this many bytes.
pub const ALIGN: usize = 64;

/// numpy's default limit on the header text length, in characters (`max_header_size`).
pub const DEFAULT_MAX_HEADER_LEN: usize = 10_000;

/// Digits reserved for the growth axis by numpy's padding (digits of `8 * 2**64 - 1`).
pub const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// A parsed `.npy` header: the element type, the memory order and the shape.
///
/// # Examples
///
/// Emit the header numpy writes for `np.arange(12, dtype='<f4').reshape(3, 4)` and read it back:
///
/// ```
/// use mmarray::Order;
/// use mmarray::npy::{Descr, Header};
///
/// let h = Header::new(Descr::of::<f32>(), Order::C, &[3, 4])?;
/// let mut buf = [0u8; 128];
/// assert_eq!(h.emitted_len()?, 128);
/// h.emit(&mut buf)?;
/// assert!(buf.starts_with(b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"));
///
/// let (back, data_offset) = Header::parse(&buf)?;
/// assert_eq!(back, h);
/// assert_eq!(data_offset, 128);
/// back.check::<f32>()?;
/// # Ok::<(), mmarray::npy::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    descr: Descr<'a>,
    order: Order,
    shape: IxDyn,
}

/// Where the parts of a parsed header text are (byte offsets into the text).
struct Spans {
    shape: (usize, usize),
    dict_end: usize,
}

impl<'a> Header<'a> {
    /// A header for `shape` elements of `descr` in `order`.
    ///
    /// Any shape numpy can write is accepted, including ones whose data could not be
    /// mapped ([`data_len`](Header::data_len) reports that).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidShape`] (with `at` 0) if `shape` has more than
    /// [`MAX_DIMS`](crate::layout::MAX_DIMS) axes.
    pub fn new(descr: Descr<'a>, order: Order, shape: &[usize]) -> Result<Header<'a>, Error> {
        let dims = heapless::Vec::from_slice(shape).map_err(|_| Error::InvalidShape {
            at: 0,
            problem: ShapeProblem::TooManyDims,
        })?;
        Ok(Header {
            descr,
            order,
            shape: IxDyn(dims),
        })
    }

    /// The element type.
    pub fn descr(&self) -> Descr<'a> {
        self.descr
    }

    /// The memory order (`fortran_order: True` is [`Order::F`]).
    pub fn order(&self) -> Order {
        self.order
    }

    /// Whether the data is in Fortran (column-major) order.
    pub fn fortran_order(&self) -> bool {
        self.order == Order::F
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape.0
    }

    /// The shape as an [`IxDyn`].
    pub fn dim(&self) -> &IxDyn {
        &self.shape
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.0.len()
    }

    /// Number of elements (1 for a 0-d array), or `None` if the shape is not addressable
    /// (the product of its non-zero axis lengths exceeds `isize::MAX`, numpy's rule).
    pub fn element_count(&self) -> Option<usize> {
        crate::layout::element_count(&self.shape.0)
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.shape.0.contains(&0)
    }

    /// Size of the data in bytes: elements times item size.
    ///
    /// # Errors
    ///
    /// [`Error::DataTooLarge`] if that exceeds `isize::MAX` (no slice can hold it), or if
    /// the non-zero axis lengths times the item size do, as numpy refuses such a shape even
    /// when another axis is 0.
    pub fn data_len(&self) -> Result<usize, Error> {
        let itemsize = self.descr.itemsize();
        crate::layout::nonzero_product(&self.shape.0)
            .and_then(|n| n.checked_mul(itemsize))
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or(Error::DataTooLarge)?;
        self.element_count()
            .and_then(|n| n.checked_mul(itemsize))
            .ok_or(Error::DataTooLarge)
    }

    /// Checks that the data is of type `T`, see [`Descr::check`].
    ///
    /// # Errors
    ///
    /// [`Error::DescrMismatch`] naming both descrs.
    pub fn check<T: Dtype>(&self) -> Result<(), Error> {
        self.descr.check::<T>()
    }

    /// Parses the header at the start of `bytes` (a whole file or a prefix of it), with
    /// numpy's default text limit of [`DEFAULT_MAX_HEADER_LEN`] characters.
    ///
    /// Returns the header and the offset of the first data byte. Checks, in numpy's order:
    /// the bytes layer ([`HeaderBytes::new_checked`]), the text length, the literal syntax,
    /// the key set, `shape`, `fortran_order`, `descr`. Allocates nothing.
    ///
    /// # Errors
    ///
    /// Every [`Error`] kind about reading: [`Error::Truncated`] (the `needed` field says how
    /// many bytes to supply), [`Error::BadMagic`], [`Error::UnsupportedVersion`],
    /// [`Error::HeaderTooLong`], [`Error::NotUtf8`], [`Error::Syntax`], [`Error::NotADict`],
    /// [`Error::UnknownKey`], [`Error::DuplicateKey`], [`Error::MissingKey`],
    /// [`Error::InvalidShape`], [`Error::InvalidFortranOrder`], [`Error::InvalidDescr`],
    /// [`Error::ObjectDescr`].
    pub fn parse(bytes: &'a [u8]) -> Result<(Header<'a>, usize), Error> {
        Header::parse_with_max_len(bytes, DEFAULT_MAX_HEADER_LEN)
    }

    /// Like [`Header::parse`] with another limit on the header text length in characters
    /// (numpy's `max_header_size`; pass `usize::MAX` for trusted files).
    ///
    /// # Errors
    ///
    /// As [`Header::parse`].
    pub fn parse_with_max_len(
        bytes: &'a [u8],
        max_len: usize,
    ) -> Result<(Header<'a>, usize), Error> {
        let raw = HeaderBytes::new_checked(bytes)?;
        let (h, _) = parse_text(raw.text(), raw.version(), max_len)?;
        Ok((h, raw.data_offset()))
    }

    /// The format version [`emit`](Header::emit) writes: 1.0 unless the header is longer than
    /// 65535 bytes (2.0) or the text is not latin-1 (3.0), as numpy chooses.
    ///
    /// # Errors
    ///
    /// [`Error::HeaderTooLarge`] if no version can hold the header.
    pub fn version(&self) -> Result<Version, Error> {
        self.layout(None).map(|l| l.version)
    }

    /// [`emitted_len`](Header::emitted_len) in format `version` (`None`: chosen as numpy does).
    ///
    /// # Errors
    ///
    /// [`Error::VersionTooSmall`] if `version` cannot hold the header; [`Error::HeaderTooLarge`].
    pub fn emitted_len_as(&self, version: Option<Version>) -> Result<usize, Error> {
        self.layout(version).map(|l| l.total)
    }

    /// Total length of the emitted header in bytes, which is also the data offset (a multiple of [`ALIGN`]).
    ///
    /// # Errors
    ///
    /// [`Error::HeaderTooLarge`] if no version can hold the header.
    pub fn emitted_len(&self) -> Result<usize, Error> {
        self.emitted_len_as(None)
    }

    /// Writes the header exactly as numpy does into the start of `buf`; returns its length.
    ///
    /// The text is `{'descr': ..., 'fortran_order': ..., 'shape': ..., }`, then the growth
    /// padding (`21 - digits` spaces for the first axis in C order, the last in Fortran
    /// order, none for 0-d), then spaces and a newline so the data starts at a multiple of 64.
    ///
    /// # Errors
    ///
    /// [`Error::BufferTooSmall`], [`Error::HeaderTooLarge`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        self.emit_as(buf, None)
    }

    /// [`emit`](Header::emit) in format `version`, as numpy's
    /// `write_array(version=...)`; `None` chooses as numpy does (see [`version`](Header::version)).
    /// A latin-1 header may be written as 3.0 (UTF-8) and a short one as 2.0.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::Order;
    /// use mmarray::npy::{Descr, Error, Header, Version};
    /// let h = Header::new(Descr::of::<f32>(), Order::C, &[3])?;
    /// let mut buf = [0u8; 128];
    /// let n = h.emit_as(&mut buf, Some(Version::V2_0))?;
    /// assert_eq!((&buf[6..8], n), (&[2, 0][..], 128));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::VersionTooSmall`] if `version` cannot hold the header (nothing is written);
    /// as [`emit`](Header::emit) otherwise.
    pub fn emit_as(&self, buf: &mut [u8], version: Option<Version>) -> Result<usize, Error> {
        let l = self.layout(version)?;
        let got = buf.len();
        let out = buf.get_mut(..l.total).ok_or(Error::BufferTooSmall {
            needed: l.total,
            got,
        })?;
        let mut raw = HeaderBytes::new_unchecked(out);
        raw.set_magic();
        raw.set_version(l.version);
        raw.set_header_len(l.header_len)?;
        let body = raw.text_mut();
        let (text, pad) = body.split_at_mut(l.text_len);
        let mut w = Encoder {
            buf: text,
            pos: 0,
            utf8: l.version.is_utf8(),
        };
        write!(w, "{}", HeaderText(self)).map_err(|_| Error::HeaderTooLarge)?;
        if w.pos != l.text_len {
            return Err(Error::HeaderTooLarge);
        }
        let (last, spaces) = pad.split_last_mut().ok_or(Error::HeaderTooLarge)?;
        spaces.fill(b' ');
        *last = b'\n';
        Ok(l.total)
    }

    fn layout(&self, want: Option<Version>) -> Result<Layout, Error> {
        let mut m = Measure {
            latin1: true,
            chars: 0,
            utf8_len: 0,
        };
        write!(m, "{}", HeaderText(self)).map_err(|_| Error::HeaderTooLarge)?;
        let too_small = |version| match self.layout(None) {
            Ok(auto) => Error::VersionTooSmall {
                version,
                needed: auto.version,
            },
            Err(e) => e,
        };
        let one: [(Version, usize); 1];
        let candidates: &[(Version, usize)] = match want {
            Some(v) if v.is_utf8() => {
                one = [(v, m.utf8_len)];
                &one
            }
            Some(v) if !m.latin1 => return Err(too_small(v)),
            Some(v) => {
                one = [(v, m.chars)];
                &one
            }
            None if m.latin1 => &[(Version::V1_0, m.chars), (Version::V2_0, m.chars)],
            None => &[(Version::V3_0, m.utf8_len)],
        };
        for &(version, text_len) in candidates {
            let pre = version.preamble_len();
            let Some(hlen) = text_len.checked_add(1) else {
                continue;
            };
            let Some(unpadded) = pre.checked_add(hlen) else {
                continue;
            };
            let pad = ALIGN - unpadded % ALIGN;
            let Some(header_len) = hlen.checked_add(pad) else {
                continue;
            };
            let fits = header_len <= version.max_header_len();
            if let (true, Some(total)) = (fits, pre.checked_add(header_len)) {
                return Ok(Layout {
                    version,
                    text_len,
                    header_len,
                    total,
                });
            }
        }
        match want {
            Some(v) => Err(too_small(v)),
            None => Err(Error::HeaderTooLarge),
        }
    }
}

struct Layout {
    version: Version,
    text_len: usize,
    header_len: usize,
    total: usize,
}

/// The header text before alignment padding: the dict and the growth padding.
struct HeaderText<'h, 'a>(&'h Header<'a>);

impl fmt::Display for HeaderText<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.0;
        let fortran = if h.fortran_order() { "True" } else { "False" };
        write!(
            f,
            "{{'descr': {}, 'fortran_order': {}, 'shape': {}, }}",
            h.descr,
            fortran,
            ShapeRepr(h.shape())
        )?;
        let growth = match h.order {
            Order::C => h.shape().first(),
            Order::F => h.shape().last(),
        };
        if let Some(&n) = growth {
            let mut digits = 1;
            let mut v = n;
            while v >= 10 {
                v /= 10;
                digits += 1;
            }
            for _ in digits..GROWTH_AXIS_MAX_DIGITS {
                f.write_char(' ')?;
            }
        }
        Ok(())
    }
}

/// Counts a text's length in latin-1 and UTF-8 and whether latin-1 can encode it.
struct Measure {
    latin1: bool,
    chars: usize,
    utf8_len: usize,
}

impl Write for Measure {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.utf8_len = self.utf8_len.checked_add(s.len()).ok_or(fmt::Error)?;
        for c in s.chars() {
            self.latin1 &= u32::from(c) <= 0xff;
            self.chars = self.chars.checked_add(1).ok_or(fmt::Error)?;
        }
        Ok(())
    }
}

/// Writes text as latin-1 or UTF-8 into a byte buffer.
struct Encoder<'b> {
    buf: &'b mut [u8],
    pos: usize,
    utf8: bool,
}

impl Write for Encoder<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.utf8 {
            let end = self.pos.checked_add(s.len()).ok_or(fmt::Error)?;
            self.buf
                .get_mut(self.pos..end)
                .ok_or(fmt::Error)?
                .copy_from_slice(s.as_bytes());
            self.pos = end;
        } else {
            for c in s.chars() {
                let b = u8::try_from(u32::from(c)).map_err(|_| fmt::Error)?;
                *self.buf.get_mut(self.pos).ok_or(fmt::Error)? = b;
                self.pos += 1;
            }
        }
        Ok(())
    }
}

fn key_of(name: super::Name<'_>) -> Option<Key> {
    [Key::Descr, Key::FortranOrder, Key::Shape]
        .into_iter()
        .find(|k| name == k.as_str())
}

/// Parses header text (everything after the length field).
fn parse_text(text: &[u8], version: Version, max_len: usize) -> Result<(Header<'_>, Spans), Error> {
    let enc = if version.is_utf8() {
        Encoding::Utf8
    } else {
        Encoding::Latin1
    };
    let chars = if version.is_utf8() {
        match core::str::from_utf8(text) {
            Ok(s) => s.chars().count(),
            Err(e) => {
                return Err(Error::NotUtf8 {
                    at: e.valid_up_to(),
                });
            }
        }
    } else {
        text.len()
    };
    if chars > max_len {
        return Err(Error::HeaderTooLong {
            len: chars,
            max: max_len,
        });
    }
    let mut cur = Cursor::new(text, enc, version.allows_long_suffix());
    let not_a_dict = |mut cur: Cursor<'_>| {
        cur.skip_value(0)?;
        cur.skip_ws();
        if cur.at_end() {
            Err(Error::NotADict)
        } else {
            Err(cur.err("the end of the header text"))
        }
    };
    cur.skip_ws();
    let start = cur.pos;
    if cur.peek() != Some(b'{') {
        return not_a_dict(cur);
    }
    cur.pos += 1;
    let mut spans: [Option<(usize, usize)>; 3] = [None; 3];
    let mut unknown = None;
    let mut duplicate = None;
    cur.skip_ws();
    if !cur.eat(b'}') {
        let mut first = true;
        loop {
            cur.skip_ws();
            let key_at = cur.pos;
            let key = if cur.at_string() {
                let lit = cur.string()?;
                if lit.bytes { None } else { key_of(lit.value) }
            } else {
                cur.skip_value(1)?;
                None
            };
            cur.skip_ws();
            if !cur.eat(b':') {
                if first && matches!(cur.peek(), Some(b',' | b'}')) {
                    cur.pos = start;
                    return not_a_dict(cur);
                }
                return Err(cur.err("':' after a dict key"));
            }
            first = false;
            cur.skip_ws();
            let value_at = cur.pos;
            cur.skip_value(1)?;
            match key {
                Some(k) => {
                    let slot = &mut spans[k as usize];
                    if slot.is_some() {
                        duplicate.get_or_insert(k);
                    } else {
                        *slot = Some((value_at, cur.pos));
                    }
                }
                None => {
                    unknown.get_or_insert(key_at);
                }
            }
            cur.skip_ws();
            if cur.eat(b'}') {
                break;
            }
            cur.expect(b',', "',' or '}' after a dict value")?;
            cur.skip_ws();
            if cur.eat(b'}') {
                break;
            }
        }
    }
    let dict_end = cur.pos;
    cur.skip_ws();
    if !cur.at_end() {
        return Err(cur.err("the end of the header text after '}'"));
    }
    if let Some(at) = unknown {
        return Err(Error::UnknownKey { at });
    }
    if let Some(k) = duplicate {
        return Err(Error::DuplicateKey(k));
    }
    let span = |k: Key| spans[k as usize].ok_or(Error::MissingKey(k));
    let (descr_at, shape_at, order_at) = (
        span(Key::Descr)?,
        span(Key::Shape)?,
        span(Key::FortranOrder)?,
    );

    let at = |pos: usize| Cursor {
        text,
        pos,
        enc,
        allow_long: version.allows_long_suffix(),
    };
    let dims = match at(shape_at.0).small(0)? {
        Small::Tuple {
            dims,
            problem: None,
        } => dims,
        Small::Tuple {
            problem: Some((at, problem)),
            ..
        } => return Err(Error::InvalidShape { at, problem }),
        _ => {
            return Err(Error::InvalidShape {
                at: shape_at.0,
                problem: ShapeProblem::NotATuple,
            });
        }
    };
    let order = match at(order_at.0).small(0)? {
        Small::Bool(false) => Order::C,
        Small::Bool(true) => Order::F,
        _ => return Err(Error::InvalidFortranOrder { at: order_at.0 }),
    };
    let descr = parse_descr(&mut at(descr_at.0), 0)?;
    let h = Header {
        descr,
        order,
        shape: IxDyn(dims),
    };
    Ok((
        h,
        Spans {
            shape: shape_at,
            dict_end,
        },
    ))
}

/// Rewrites the shape in the header at the start of `bytes` in place, keeping its length.
///
/// For appending along the growth axis: numpy's growth padding leaves room for the first
/// (C order) or last (Fortran order) axis to grow to 21 digits. The text after the shape is
/// moved as needed and the padding before the final newline absorbs the difference. The
/// header stays valid for numpy; the data offset does not change. The caller resizes the
/// data to match.
///
/// # Examples
///
/// ```
/// use mmarray::Order;
/// use mmarray::npy::{rewrite_shape, Descr, Header};
///
/// let mut buf = [0u8; 128];
/// Header::new(Descr::of::<i64>(), Order::C, &[3, 2])?.emit(&mut buf)?;
/// rewrite_shape(&mut buf, &[1_000_000, 2])?;
///
/// let mut expected = [0u8; 128];
/// Header::new(Descr::of::<i64>(), Order::C, &[1_000_000, 2])?.emit(&mut expected)?;
/// assert_eq!(buf, expected);
/// # Ok::<(), mmarray::npy::Error>(())
/// ```
///
/// # Errors
///
/// Any error of [`Header::parse`] (without a text length limit), [`Error::InvalidShape`] for a
/// shape [`Header::new`] refuses, [`Error::ShapeDoesNotFit`] if the new text is longer than
/// the header. On error `bytes` is unchanged.
pub fn rewrite_shape(bytes: &mut [u8], shape: &[usize]) -> Result<(), Error> {
    let (header_len, shape_span, dict_end) = {
        let raw = HeaderBytes::new_checked(&*bytes)?;
        let (h, spans) = parse_text(raw.text(), raw.version(), usize::MAX)?;
        Header::new(h.descr, h.order, shape)?;
        (raw.header_len(), spans.shape, spans.dict_end)
    };
    let mut m = Measure {
        latin1: true,
        chars: 0,
        utf8_len: 0,
    };
    write!(m, "{}", ShapeRepr(shape)).map_err(|_| Error::HeaderTooLarge)?;
    let new_len = m.utf8_len; // ASCII
    let tail = dict_end - shape_span.1;
    let needed = shape_span
        .0
        .checked_add(new_len)
        .and_then(|n| n.checked_add(tail))
        .and_then(|n| n.checked_add(1))
        .ok_or(Error::HeaderTooLarge)?;
    if needed > header_len {
        return Err(Error::ShapeDoesNotFit {
            needed,
            available: header_len,
        });
    }
    // Checked above: the whole header is there.
    let mut raw = HeaderBytes::new_unchecked(bytes);
    let text = raw.text_mut();
    let new_end = shape_span.0 + new_len;
    text.copy_within(shape_span.1..dict_end, new_end);
    let mut w = Encoder {
        buf: &mut text[shape_span.0..new_end],
        pos: 0,
        utf8: true,
    };
    write!(w, "{}", ShapeRepr(shape)).map_err(|_| Error::HeaderTooLarge)?;
    let (last, rest) = text.split_last_mut().ok_or(Error::HeaderTooLarge)?;
    rest[new_end + tail..].fill(b' ');
    *last = b'\n';
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &[u8]) -> heapless::Vec<u8, 512> {
        let mut v = heapless::Vec::new();
        v.extend_from_slice(b"\x93NUMPY\x01\x00").unwrap();
        v.extend_from_slice(&(text.len() as u16).to_le_bytes())
            .unwrap();
        v.extend_from_slice(text).unwrap();
        v
    }

    #[test]
    fn spans_point_at_the_shape_and_the_closing_brace() {
        let text = b"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }   \n";
        let (_, spans) = parse_text(text, Version::V1_0, 100).unwrap();
        assert_eq!(&text[spans.shape.0..spans.shape.1], b"(3, 4)");
        assert_eq!(&text[..spans.dict_end], &text[..text.len() - 4]);
    }

    #[test]
    fn rewrite_moves_keys_that_follow_the_shape() {
        let mut f = file(b"{'shape': (3,), 'descr': '<u2', 'fortran_order': False}          \n");
        rewrite_shape(&mut f, &[12345]).unwrap();
        assert_eq!(
            HeaderBytes::new_checked(&f[..]).unwrap().text(),
            b"{'shape': (12345,), 'descr': '<u2', 'fortran_order': False}      \n"
        );
        let (h, off) = Header::parse(&f).unwrap();
        assert_eq!((h.shape(), off), (&[12345usize][..], f.len()));
    }

    #[test]
    fn rewrite_refuses_without_changing_anything() {
        let mut f = file(b"{'descr': '<u2', 'fortran_order': False, 'shape': (3,), }\n");
        let before = f.clone();
        assert_eq!(
            rewrite_shape(&mut f, &[30]),
            Err(Error::ShapeDoesNotFit {
                needed: f.len() - 10 + 1,
                available: f.len() - 10
            })
        );
        assert_eq!(f, before);
    }
}
