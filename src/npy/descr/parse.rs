//! Parsing a `descr` value at the cursor: a type string (`'<f8'`, `'float64'`, `'<M8[5s]'`)
//! or a record's field list, validated fully once so that [`Fields`](super::Fields) can
//! re-read a parsed record lazily without failing.

use super::{Descr, Field, Repr};
use crate::npy::Error;
use crate::npy::lex::{Cursor, IntLit, MAX_DEPTH, MAX_RECORD_DEPTH, Small};
use crate::npy::name::Name;
use crate::{ByteOrder, Kind, Scalar, TimeUnit};

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
pub(super) fn parse_field<'a>(
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
                        .map_err(|_| bad(crate::npy::ShapeProblem::TooManyDims))?;
                }
                Small::Int { negative: true, .. } => {
                    return Err(bad(crate::npy::ShapeProblem::Negative));
                }
                Small::Int {
                    value: IntLit::Overflow,
                    ..
                } => return Err(bad(crate::npy::ShapeProblem::Overflow)),
                Small::Tuple {
                    dims,
                    problem: None,
                } => shape = dims,
                Small::Tuple {
                    problem: Some((at, problem)),
                    ..
                } => return Err(Error::InvalidShape { at, problem }),
                Small::Bool(_) | Small::Other => {
                    return Err(bad(crate::npy::ShapeProblem::NotAnInteger));
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
pub(super) fn parse_typestr(value: Name<'_>, at: usize) -> Result<Scalar, Error> {
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
