//! Python's `repr` of a string: how numpy prints field names, byte strings and unicode
//! values, and how `.npy` headers spell names.

use core::fmt::{self, Write};

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
