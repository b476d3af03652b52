//! The parsed header: descr, order, shape; parsing, emitting and in-place shape rewrite.

use super::descr::parse_descr;
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
    pub(super) descr: Descr<'a>,
    pub(super) order: Order,
    pub(super) shape: IxDyn,
}

/// Where the parts of a parsed header text are (byte offsets into the text).
pub(super) struct Spans {
    pub(super) shape: (usize, usize),
    pub(super) dict_end: usize,
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
}

fn key_of(name: super::Name<'_>) -> Option<Key> {
    [Key::Descr, Key::FortranOrder, Key::Shape]
        .into_iter()
        .find(|k| name == k.as_str())
}

/// Parses header text (everything after the length field).
pub(super) fn parse_text(
    text: &[u8],
    version: Version,
    max_len: usize,
) -> Result<(Header<'_>, Spans), Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::rewrite_shape;

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
