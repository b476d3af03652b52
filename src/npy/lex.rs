//! A cursor over header text: the subset of Python literal syntax a header can hold.
//!
//! Grammar accepted (what `ast.literal_eval` accepts for headers, minus rarities listed in
//! the module docs of [`npy`](super)): whitespace (space, tab, newline, CR, form feed),
//! `#` comments and backslash line continuations between tokens; strings in single or double
//! quotes with an optional `u`/`r` prefix (a `b` prefix makes a bytes literal) and Python's
//! escapes; integers in decimal (with `_` separators), `0x`, `0o`, `0b`; a Python 2 `L`
//! suffix in versions 1.0 and 2.0; `True`, `False`, `None`; tuples, lists, dicts and sets.
//!
//! The decoded value of a string literal is a [`Name`] (`name.rs`).

use super::Error;
use super::name::{Name, decode_escape, next_char};

/// Nesting deeper than this is refused when skipping values (Python's own parser
/// stops near 200); skipping uses small stack frames.
pub(crate) const MAX_DEPTH: usize = 32;

/// Nested records deeper than this are refused: each level of record parsing takes
/// a few KiB of stack, and the parser must stay usable on small stacks (64 KiB is
/// tested). numpy writes nesting only as deep as the dtype is.
pub(crate) const MAX_RECORD_DEPTH: usize = 8;

/// Parenthesised values (shapes, bools) nested deeper than this, counted from the
/// top of the header and through any records around them, are refused: numpy never
/// writes a nested parenthesis in a shape, and each level takes about 2 KiB of stack.
pub(crate) const MAX_SMALL_DEPTH: usize = MAX_RECORD_DEPTH + 4;

/// Text encoding of a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Encoding {
    Latin1,
    Utf8,
}

/// A string literal as lexed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StrLit<'a> {
    pub(crate) value: Name<'a>,
    pub(crate) bytes: bool,
}

/// An integer literal as lexed (sign applied by the caller).
#[derive(Clone, Copy, Debug)]
pub(crate) enum IntLit {
    Value(usize),
    Overflow,
}

/// What a "small value" turned out to be: used for shapes, sub-array shapes and bools.
// The tuple variant is large (an inline shape) but lives only briefly on the stack.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub(crate) enum Small {
    Int {
        negative: bool,
        value: IntLit,
    },
    Bool(bool),
    Tuple {
        dims: heapless::Vec<usize, { crate::layout::MAX_DIMS }>,
        problem: Option<(usize, super::ShapeProblem)>,
    },
    Other,
}

/// Position in header text.
#[derive(Clone, Debug)]
pub(crate) struct Cursor<'a> {
    pub(crate) text: &'a [u8],
    pub(crate) pos: usize,
    pub(crate) enc: Encoding,
    pub(crate) allow_long: bool,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a [u8], enc: Encoding, allow_long: bool) -> Cursor<'a> {
        Cursor {
            text,
            pos: 0,
            enc,
            allow_long,
        }
    }

    pub(crate) fn err(&self, expected: &'static str) -> Error {
        Error::Syntax {
            at: self.pos,
            expected,
        }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.text.get(self.pos.checked_add(n)?).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// Skips whitespace, comments and backslash continuations.
    pub(crate) fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => self.pos += 1,
                b'#' => {
                    while let Some(b) = self.peek() {
                        if b == b'\n' || b == b'\r' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                b'\\' if matches!(self.peek_at(1), Some(b'\n' | b'\r')) => self.pos += 2,
                _ => break,
            }
        }
    }

    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect(&mut self, b: u8, expected: &'static str) -> Result<(), Error> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(self.err(expected))
        }
    }

    /// Length of a string prefix (`u`, `r`, `b`, `rb`, ...) at the cursor if a quote follows.
    fn string_prefix(&self) -> Option<(usize, bool, bool)> {
        let mut raw = false;
        let mut bytes = false;
        let mut n = 0;
        while n < 2 {
            match self.peek_at(n) {
                Some(b'r' | b'R') if !raw => raw = true,
                Some(b'b' | b'B') if !bytes => bytes = true,
                Some(b'u' | b'U') if n == 0 => {
                    n += 1;
                    break;
                }
                _ => break,
            }
            n += 1;
        }
        matches!(self.peek_at(n), Some(b'\'' | b'"')).then_some((n, raw, bytes))
    }

    pub(crate) fn at_string(&self) -> bool {
        self.string_prefix().is_some()
    }

    /// Lexes a string literal at the cursor.
    pub(crate) fn string(&mut self) -> Result<StrLit<'a>, Error> {
        let Some((plen, raw, bytes)) = self.string_prefix() else {
            return Err(self.err("a string"));
        };
        self.pos += plen;
        let quote = self.text[self.pos];
        if self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote) {
            return Err(
                self.err("a single- or double-quoted string (triple quotes are not supported)")
            );
        }
        self.pos += 1;
        let start = self.pos;
        let mut escapes = false;
        loop {
            // Fast path over ordinary bytes (UTF-8 multi-byte sequences never contain the
            // quote, backslash or line-end bytes, so skipping them byte-wise is exact).
            while let Some(&b) = self.text.get(self.pos) {
                if b == quote || b == b'\\' || b == b'\n' || b == b'\r' || (bytes && b >= 0x80) {
                    break;
                }
                self.pos += 1;
            }
            let Some((c, w)) = next_char(&self.text[self.pos..], self.enc) else {
                return Err(self.err("the closing quote of the string"));
            };
            if bytes && !c.is_ascii() {
                return Err(self.err("only ASCII characters in a bytes literal"));
            }
            match c {
                '\n' | '\r' => return Err(self.err("the closing quote before the end of the line")),
                '\\' => {
                    escapes = true;
                    if raw {
                        // In raw strings a backslash still protects the next character from
                        // ending the literal, and both characters are kept.
                        // Any next character, a line end included, is kept with it.
                        let Some((_, nw)) = next_char(&self.text[self.pos + 1..], self.enc) else {
                            return Err(self.err("the closing quote of the string"));
                        };
                        self.pos += 1 + nw;
                        continue;
                    }
                    let after = &self.text[self.pos + 1..];
                    match decode_escape(after) {
                        Ok((_, used)) => self.pos += 1 + used,
                        Err(expected) => {
                            self.pos += 1;
                            return Err(self.err(expected));
                        }
                    }
                }
                c if c == char::from(quote) => {
                    let raw_text = &self.text[start..self.pos];
                    self.pos += 1;
                    let value = Name {
                        raw: raw_text,
                        enc: self.enc,
                        verbatim: raw || !escapes,
                    };
                    let save = self.pos;
                    self.skip_ws();
                    if self.at_string() {
                        return Err(self
                            .err("one string literal (implicit concatenation is not supported)"));
                    }
                    self.pos = save;
                    return Ok(StrLit { value, bytes });
                }
                _ => self.pos += w,
            }
        }
    }

    /// Lexes an unsigned integer literal (no sign) at the cursor.
    /// Returns `Ok(None)` if the token is a number but not an integer (float, complex).
    pub(crate) fn integer(&mut self) -> Result<Option<IntLit>, Error> {
        let start = self.pos;
        // Consume the whole number-like token.
        while let Some(b) = self.peek() {
            let exp_sign = matches!(b, b'+' | b'-')
                && self.pos > start
                && matches!(self.text[self.pos - 1], b'e' | b'E')
                && !matches!(self.text.get(start + 1), Some(b'x' | b'X'));
            if is_ident_byte(b) || b == b'.' || exp_sign {
                self.pos += 1;
            } else {
                break;
            }
        }
        let mut tok = &self.text[start..self.pos];
        if tok.is_empty() {
            return Err(self.err("a number"));
        }
        if let [rest @ .., b'l' | b'L'] = tok
            && !rest.is_empty()
            && parse_int(rest).is_some()
        {
            if !self.allow_long {
                return Err(Error::Syntax {
                    at: start,
                    expected: "an integer without the Python 2 'L' suffix (allowed only in versions 1.0 and 2.0)",
                });
            }
            tok = rest;
        }
        if let Some(v) = parse_int(tok) {
            return Ok(Some(v));
        }
        if is_python_number(tok) {
            Ok(None)
        } else {
            Err(Error::Syntax {
                at: start,
                expected: "a valid number",
            })
        }
    }

    /// Lexes an identifier (True, False, None, ...).
    fn ident(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_byte) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    /// Skips any literal value, checking its syntax.
    pub(crate) fn skip_value(&mut self, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(self.err("less deeply nested brackets"));
        }
        self.skip_ws();
        let Some(b) = self.peek() else {
            return Err(self.err("a value"));
        };
        match b {
            b'(' | b'[' => {
                let close = if b == b'(' { b')' } else { b']' };
                self.pos += 1;
                self.skip_ws();
                if self.eat(close) {
                    return Ok(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    self.skip_ws();
                    if self.eat(close) {
                        return Ok(());
                    }
                    self.expect(b',', "',' or a closing bracket")?;
                    self.skip_ws();
                    if self.eat(close) {
                        return Ok(());
                    }
                }
            }
            b'{' => {
                self.pos += 1;
                self.skip_ws();
                if self.eat(b'}') {
                    return Ok(());
                }
                let mut dict = None;
                loop {
                    self.skip_value(depth + 1)?;
                    self.skip_ws();
                    let is_pair = self.eat(b':');
                    match dict {
                        None => dict = Some(is_pair),
                        Some(d) if d != is_pair => return Err(self.err("a consistent dict or set")),
                        Some(_) => {}
                    }
                    if is_pair {
                        self.skip_value(depth + 1)?;
                        self.skip_ws();
                    }
                    if self.eat(b'}') {
                        return Ok(());
                    }
                    self.expect(b',', "',' or '}'")?;
                    self.skip_ws();
                    if self.eat(b'}') {
                        return Ok(());
                    }
                }
            }
            b'+' | b'-' => {
                self.pos += 1;
                self.skip_ws();
                match self.peek() {
                    Some(b'0'..=b'9' | b'.') => self.integer().map(|_| ()),
                    _ => Err(self.err("a number after the sign")),
                }
            }
            b'0'..=b'9' | b'.' => self.integer().map(|_| ()),
            _ if self.at_string() => self.string().map(|_| ()),
            _ => {
                let start = self.pos;
                match self.ident() {
                    b"True" | b"False" | b"None" => Ok(()),
                    _ => Err(Error::Syntax {
                        at: start,
                        expected: "a Python literal",
                    }),
                }
            }
        }
    }

    /// Parses an int, a bool or a tuple of ints (with parentheses around any of them);
    /// anything else is syntax-checked and reported as `Small::Other`.
    pub(crate) fn small(&mut self, depth: usize) -> Result<Small, Error> {
        if depth > MAX_SMALL_DEPTH {
            return Err(self.err("less deeply nested brackets"));
        }
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some(b'(') => {
                self.pos += 1;
                self.skip_ws();
                if self.eat(b')') {
                    return Ok(Small::Tuple {
                        dims: heapless::Vec::new(),
                        problem: None,
                    });
                }
                let elem_at = self.pos;
                let first = self.small(depth + 1)?;
                self.skip_ws();
                if self.eat(b')') {
                    return Ok(first); // parenthesised expression
                }
                self.expect(b',', "',' or ')'")?;
                let mut dims = heapless::Vec::new();
                let mut problem = None;
                let mut record = |at: usize, value: Small| {
                    let p = match value {
                        Small::Int {
                            negative: false,
                            value: IntLit::Value(v),
                        }
                        | Small::Int {
                            negative: true,
                            value: IntLit::Value(v @ 0),
                        } => dims.push(v).err().map(|_| super::ShapeProblem::TooManyDims),
                        Small::Int { negative: true, .. } => Some(super::ShapeProblem::Negative),
                        Small::Int {
                            negative: false,
                            value: IntLit::Overflow,
                        } => Some(super::ShapeProblem::Overflow),
                        _ => Some(super::ShapeProblem::NotAnInteger),
                    };
                    if problem.is_none() {
                        problem = p.map(|p| (at, p));
                    }
                };
                record(elem_at, first);
                loop {
                    self.skip_ws();
                    if self.eat(b')') {
                        break;
                    }
                    let at = self.pos;
                    let value = self.small(depth + 1)?;
                    record(at, value);
                    self.skip_ws();
                    if self.eat(b')') {
                        break;
                    }
                    self.expect(b',', "',' or ')'")?;
                }
                Ok(Small::Tuple { dims, problem })
            }
            Some(b'+' | b'-') => {
                let negative = self.peek() == Some(b'-');
                self.pos += 1;
                self.skip_ws();
                if !matches!(self.peek(), Some(b'0'..=b'9' | b'.')) {
                    return Err(self.err("a number after the sign"));
                }
                Ok(match self.integer()? {
                    Some(value) => Small::Int { negative, value },
                    None => Small::Other,
                })
            }
            Some(b'0'..=b'9' | b'.') => Ok(match self.integer()? {
                Some(value) => Small::Int {
                    negative: false,
                    value,
                },
                None => Small::Other,
            }),
            Some(b'T' | b'F') if !self.at_string() => match self.ident() {
                b"True" => Ok(Small::Bool(true)),
                b"False" => Ok(Small::Bool(false)),
                _ => Err(Error::Syntax {
                    at: start,
                    expected: "a Python literal",
                }),
            },
            _ => {
                self.skip_value(depth)?;
                Ok(Small::Other)
            }
        }
    }
}

/// Parses a Python integer token (no sign, no suffix): decimal with `_` separators, `0x`, `0o`, `0b`.
fn parse_int(tok: &[u8]) -> Option<IntLit> {
    let (radix, digits) = match tok {
        [b'0', b'x' | b'X', rest @ ..] => (16, rest),
        [b'0', b'o' | b'O', rest @ ..] => (8, rest),
        [b'0', b'b' | b'B', rest @ ..] => (2, rest),
        _ => (10, tok),
    };
    // Radix prefixes may be followed by one underscore: 0x_ff.
    let digits = if radix != 10 {
        digits.strip_prefix(b"_").unwrap_or(digits)
    } else {
        digits
    };
    if digits.is_empty() || digits.first() == Some(&b'_') || digits.last() == Some(&b'_') {
        return None;
    }
    if digits.windows(2).any(|w| w == b"__") {
        return None;
    }
    // Decimal with a leading zero must be all zeros (Python 3 rule).
    if radix == 10 && digits[0] == b'0' && digits.iter().any(|&d| d != b'0' && d != b'_') {
        return None;
    }
    let mut v: Option<usize> = Some(0);
    for &d in digits {
        if d == b'_' {
            continue;
        }
        let d = char::from(d).to_digit(radix)?;
        v = v
            .and_then(|v| v.checked_mul(radix as usize))
            .and_then(|v| v.checked_add(d as usize));
    }
    Some(match v {
        Some(v) => IntLit::Value(v),
        None => IntLit::Overflow,
    })
}

/// Whether a token is a Python float or imaginary literal (loosely: digits, one dot, exponent, `j`).
fn is_python_number(tok: &[u8]) -> bool {
    let tok = match tok {
        [rest @ .., b'j' | b'J'] => rest,
        _ => tok,
    };
    let (mant, exp) = match tok.iter().position(|&b| b == b'e' || b == b'E') {
        Some(i) => (&tok[..i], Some(&tok[i + 1..])),
        None => (tok, None),
    };
    let digits_ok = |s: &[u8]| !s.is_empty() && s.iter().all(|&b| b.is_ascii_digit() || b == b'_');
    let mant_ok = match mant.iter().position(|&b| b == b'.') {
        Some(i) => {
            let (a, b) = (&mant[..i], &mant[i + 1..]);
            (a.is_empty() || digits_ok(a))
                && (b.is_empty() || digits_ok(b))
                && !(a.is_empty() && b.is_empty())
        }
        None => digits_ok(mant),
    };
    let exp_ok = match exp {
        None => true,
        Some(e) => digits_ok(
            e.strip_prefix(b"+")
                .or_else(|| e.strip_prefix(b"-"))
                .unwrap_or(e),
        ),
    };
    mant_ok && exp_ok
}
