//! The `.npy` file format: header bytes, parsed header, descrs.
//!
//! Two layers, in the style of smoltcp's `Packet`/`Repr`:
//!
//! - [`HeaderBytes`]: the one owner of the preamble's offsets. A checked reader over any
//!   `T: AsRef<[u8]>` (magic, version, header length, the span of the header text, the data
//!   offset) with setters where `T: AsMut<[u8]>`; everything else reads and writes the
//!   preamble through it.
//! - [`Header`]: the parsed header text (descr, order, shape), with [`Header::parse`] and
//!   [`Header::emit`] writing exactly the bytes numpy writes, and [`rewrite_shape`] to patch
//!   the shape in place when appending.
//! - [`RowLogHeader`]: the header of a row log (`mmarray_std::RowLog`), a plain 1-d
//!   structured `.npy` header whose shape is a two-slot field that concurrent readers can
//!   never misread as too large, and [`shape_stores`], the word stores that rewrite it.
//!
//! Nothing here allocates: text is borrowed from the input, shapes are stored inline and
//! record descrs are walked lazily (see [`Descr`]).
//!
//! # What the parser accepts
//!
//! What numpy's reader accepts for the three keys, with these deliberate differences:
//! duplicate keys, negative or boolean shape entries, object types anywhere in the descr,
//! Python-2 `L` suffixes in version 3.0 and shapes whose data would exceed `isize::MAX` bytes
//! are refused; triple-quoted strings, implicit string concatenation, `\N{...}` escapes,
//! dict-form and sub-array (`('<i4', (2,))`) top-level descrs and platform-dependent type
//! codes (`'l'`, `'g'`, `'int'`) are not supported.

mod bytes;
mod descr;
mod emit;
mod error;
mod header;
mod lex;
mod name;
mod row_log;

pub use bytes::{HeaderBytes, MAGIC, Version};
pub use descr::{Descr, Field, Fields};
pub use emit::rewrite_shape;
pub use error::{Error, Key, Part, ShapeProblem, Snippet};
pub use header::{ALIGN, DEFAULT_MAX_HEADER_LEN, GROWTH_AXIS_MAX_DIGITS, Header};
pub use name::{Name, NameChars};
pub use row_log::{
    ParsedRowLog, RowLogHeader, SLOT_WIDTH, ShapeSlot, WordStore, WordStores, shape_stores,
};
