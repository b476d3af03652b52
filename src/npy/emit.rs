//! Emitting a `.npy` header as numpy writes it, and rewriting its shape in place for
//! appends: the byte-exact side of [`Header`], written through [`HeaderBytes`].

use core::fmt::{self, Write};

use super::descr::ShapeRepr;
use super::header::parse_text;
use super::{ALIGN, Error, GROWTH_AXIS_MAX_DIGITS, Header, HeaderBytes, Version};
use crate::layout::Order;

impl Header<'_> {
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
pub(super) struct Measure {
    pub(super) latin1: bool,
    pub(super) chars: usize,
    pub(super) utf8_len: usize,
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
pub(super) struct Encoder<'b> {
    pub(super) buf: &'b mut [u8],
    pub(super) pos: usize,
    pub(super) utf8: bool,
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
