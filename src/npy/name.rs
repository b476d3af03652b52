//! [`Name`]: the value of a Python string literal in header text (a record field's
//! name or title), decoded lazily from the borrowed bytes without allocating, and
//! [`NameChars`], its characters. The cursor in `lex.rs` finds and validates the
//! literals; this file decodes them.

use core::fmt;

use super::lex::Encoding;

/// Decodes one character; the text is known to be valid for its encoding.
pub(super) fn next_char(bytes: &[u8], enc: Encoding) -> Option<(char, usize)> {
    let b = *bytes.first()?;
    if b < 0x80 || enc == Encoding::Latin1 {
        return Some((char::from(b), 1));
    }
    let w = match b {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    let s = core::str::from_utf8(bytes.get(..w)?).ok()?;
    s.chars().next().map(|c| (c, w))
}

/// The value of a Python string literal in header text, decoded lazily (no allocation).
///
/// Used for field names and titles of record descrs. Compare with `==` against a `&str` or
/// another `Name`; [`chars`](Name::chars) yields the decoded characters.
#[derive(Clone, Copy)]
pub struct Name<'a> {
    pub(super) raw: &'a [u8],
    pub(super) enc: Encoding,
    /// `true` for `r'...'` strings and for text known to hold no escapes.
    pub(super) verbatim: bool,
}

impl<'a> Name<'a> {
    pub(crate) fn from_str(s: &'a str) -> Name<'a> {
        Name {
            raw: s.as_bytes(),
            enc: Encoding::Utf8,
            verbatim: true,
        }
    }

    /// The decoded characters.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::npy::Header;
    /// let text = b"{'descr': [('a\\tb', '<i4')], 'fortran_order': False, 'shape': (), }\n";
    /// let mut file = [0u8; 128];
    /// file[..10].copy_from_slice(b"\x93NUMPY\x01\x00\x76\x00");
    /// file[10..10 + text.len()].copy_from_slice(text);
    /// file[10 + text.len()..].fill(b' ');
    /// file[127] = b'\n';
    /// let (h, _) = Header::parse(&file)?;
    /// let field = h.descr().fields().unwrap().next().unwrap();
    /// assert!(field.name().chars().eq("a\tb".chars()));
    /// # Ok::<(), mmarray::npy::Error>(())
    /// ```
    pub fn chars(&self) -> NameChars<'a> {
        NameChars {
            rest: self.raw,
            enc: self.enc,
            verbatim: self.verbatim,
        }
    }

    /// The name as a `&str` if it can be borrowed as one (no escapes, and UTF-8 or ASCII text).
    pub fn as_str(&self) -> Option<&'a str> {
        let plain = self.verbatim || !self.raw.contains(&b'\\');
        if !plain || (self.enc == Encoding::Latin1 && !self.raw.is_ascii()) {
            return None;
        }
        core::str::from_utf8(self.raw).ok()
    }

    /// Whether the name is empty (numpy's marker for padding entries).
    pub fn is_empty(&self) -> bool {
        self.chars().next().is_none()
    }
}

impl PartialEq for Name<'_> {
    fn eq(&self, other: &Name<'_>) -> bool {
        if self.raw == other.raw && self.enc == other.enc && self.verbatim == other.verbatim {
            return true;
        }
        self.chars().eq(other.chars())
    }
}

impl Eq for Name<'_> {}

impl PartialEq<str> for Name<'_> {
    fn eq(&self, other: &str) -> bool {
        if let Some(s) = self.as_str() {
            return s == other;
        }
        self.chars().eq(other.chars())
    }
}

impl PartialEq<&str> for Name<'_> {
    fn eq(&self, other: &&str) -> bool {
        // The same comparison, with its fast path for names without escapes.
        *self == **other
    }
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        self.chars().try_for_each(|c| f.write_char(c))
    }
}

impl fmt::Debug for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::dtype::write_py_str(f, self.chars())
    }
}

/// Iterator over the characters of a [`Name`].
#[derive(Clone, Debug)]
pub struct NameChars<'a> {
    rest: &'a [u8],
    enc: Encoding,
    verbatim: bool,
}

fn hex_val(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

/// Decodes one escape sequence after a backslash. Returns the character (`None` for a line
/// continuation) and the bytes consumed after the backslash, or `Err` with a reason.
pub(super) fn decode_escape(after: &[u8]) -> Result<(Option<char>, usize), &'static str> {
    let Some(&b) = after.first() else {
        return Err("a character after the backslash");
    };
    let simple = match b {
        b'\n' => return Ok((None, 1)),
        b'\r' => return Ok((None, if after.get(1) == Some(&b'\n') { 2 } else { 1 })),
        b'\\' => '\\',
        b'\'' => '\'',
        b'"' => '"',
        b'a' => '\u{7}',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'v' => '\u{b}',
        b'0'..=b'7' => {
            let mut v = 0u32;
            let mut n = 0;
            while n < 3 {
                match after.get(n) {
                    Some(&d @ b'0'..=b'7') => v = v * 8 + u32::from(d - b'0'),
                    _ => break,
                }
                n += 1;
            }
            // At most 0o777, always a valid char.
            return Ok((char::from_u32(v), n));
        }
        b'x' | b'u' | b'U' => {
            let digits = match b {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let mut v = 0u32;
            for i in 1..=digits {
                let d = after
                    .get(i)
                    .copied()
                    .and_then(hex_val)
                    .ok_or("hex digits in a \\x, \\u or \\U escape")?;
                v = v
                    .checked_mul(16)
                    .and_then(|v| v.checked_add(d))
                    .ok_or("a valid code point")?;
            }
            let c = char::from_u32(v)
                .ok_or("a code point that is not a surrogate and at most U+10FFFF")?;
            return Ok((Some(c), digits + 1));
        }
        b'N' => return Err("no \\N{...} escape (named escapes are not supported)"),
        // Unknown escapes keep the backslash; the next character is read normally.
        _ => return Ok((Some('\\'), 0)),
    };
    Ok((Some(simple), 1))
}

impl Iterator for NameChars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        loop {
            let (c, w) = next_char(self.rest, self.enc)?;
            if c == '\\' && !self.verbatim {
                // Validated when the literal was lexed.
                let (c, used) = decode_escape(&self.rest[1..]).ok()?;
                self.rest = &self.rest[1 + used..];
                match c {
                    Some(c) => return Some(c),
                    None => continue,
                }
            }
            self.rest = &self.rest[w..];
            return Some(c);
        }
    }
}
