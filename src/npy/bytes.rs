//! The bytes layer: the one owner of the `.npy` preamble's offsets, with a checked reader
//! and setters over any byte buffer (smoltcp's `Packet` style).

use core::fmt;

use super::Error;
use super::error::Part;

/// The six magic bytes every `.npy` file starts with.
pub const MAGIC: [u8; 6] = *b"\x93NUMPY";

/// Where each field of the preamble lies: every offset of the format, named once.
mod field {
    use core::ops::Range;

    /// A span of bytes from the start of the file.
    pub(super) type Field = Range<usize>;

    /// The magic string, [`MAGIC`](super::MAGIC).
    pub(super) const MAGIC: Field = 0..6;
    /// The major version byte.
    pub(super) const MAJOR: usize = 6;
    /// The minor version byte.
    pub(super) const MINOR: usize = 7;
    /// Magic and version: what must be read before the length field's width is known.
    pub(super) const FIXED: Field = 0..8;
    /// Version 1.0's header length: a little-endian `u16`.
    pub(super) const HEADER_LEN_V1: Field = FIXED.end..FIXED.end + 2;
    /// Versions 2.0 and 3.0's header length: a little-endian `u32`.
    pub(super) const HEADER_LEN_V2: Field = FIXED.end..FIXED.end + 4;
    /// Where version 1.0's header text starts.
    pub(super) const TEXT_V1: usize = HEADER_LEN_V1.end;
    /// Where versions 2.0 and 3.0's header text starts.
    pub(super) const TEXT_V2: usize = HEADER_LEN_V2.end;
}
/// A `.npy` format version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// 1.0: 16-bit header length, latin-1 text. numpy's default whenever it fits.
    V1_0,
    /// 2.0: 32-bit header length, latin-1 text.
    V2_0,
    /// 3.0: 32-bit header length, UTF-8 text.
    V3_0,
}

impl Version {
    /// The version for the two version bytes, or `None` if unsupported.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::npy::Version;
    /// assert_eq!(Version::from_bytes(2, 0), Some(Version::V2_0));
    /// assert_eq!(Version::from_bytes(1, 1), None);
    /// ```
    pub const fn from_bytes(major: u8, minor: u8) -> Option<Version> {
        match (major, minor) {
            (1, 0) => Some(Version::V1_0),
            (2, 0) => Some(Version::V2_0),
            (3, 0) => Some(Version::V3_0),
            _ => None,
        }
    }

    /// Major version byte.
    pub const fn major(self) -> u8 {
        match self {
            Version::V1_0 => 1,
            Version::V2_0 => 2,
            Version::V3_0 => 3,
        }
    }

    /// Minor version byte (always 0).
    pub const fn minor(self) -> u8 {
        0
    }

    /// Width in bytes of the little-endian header length field: 2 for 1.0, 4 otherwise.
    pub const fn length_field_len(self) -> usize {
        let f = self.length_field();
        f.end - f.start
    }

    /// Bytes before the header text: magic, version and length field (10 or 12), which is
    /// where the text starts.
    pub const fn preamble_len(self) -> usize {
        match self {
            Version::V1_0 => field::TEXT_V1,
            Version::V2_0 | Version::V3_0 => field::TEXT_V2,
        }
    }

    /// Where the header length field lies.
    const fn length_field(self) -> field::Field {
        match self {
            Version::V1_0 => field::HEADER_LEN_V1,
            Version::V2_0 | Version::V3_0 => field::HEADER_LEN_V2,
        }
    }

    /// Whether the header text is UTF-8 (3.0) rather than latin-1 (1.0, 2.0).
    pub const fn is_utf8(self) -> bool {
        matches!(self, Version::V3_0)
    }

    /// Whether Python 2 long integers (`3L`) are accepted in the text (1.0, 2.0).
    pub(crate) const fn allows_long_suffix(self) -> bool {
        !self.is_utf8()
    }

    /// The largest header length (the text including padding and newline) the length field can hold.
    pub const fn max_header_len(self) -> usize {
        match self {
            Version::V1_0 => u16::MAX as usize,
            // u32::MAX may not fit a 32-bit usize's sum with the preamble; callers use checked math.
            Version::V2_0 | Version::V3_0 => {
                if usize::BITS > 32 {
                    u32::MAX as usize
                } else {
                    usize::MAX
                }
            }
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major(), self.minor())
    }
}

/// Reader and writer of the fixed part of a `.npy` file over any byte buffer: magic,
/// version, header length and the span of the header text. The parsed form is
/// [`Header`](super::Header).
///
/// [`new_checked`](HeaderBytes::new_checked) (or [`new_unchecked`](HeaderBytes::new_unchecked)
/// then [`check_len`](HeaderBytes::check_len)) checks, in numpy's order: at least 8 bytes;
/// the magic; a supported version; the length field present; the whole header text present.
/// After that every getter is infallible. Setters exist where the buffer is writable
/// (`T: AsMut<[u8]>`); [`Header::emit`](super::Header::emit) writes through them.
///
/// # Examples
///
/// ```
/// use mmarray::npy::{HeaderBytes, Version};
/// let mut file = [b' '; 128];
/// file[..10].copy_from_slice(b"\x93NUMPY\x01\x00\x76\x00");
/// file[127] = b'\n';
/// let h = HeaderBytes::new_checked(&file)?;
/// assert_eq!(h.version(), Version::V1_0);
/// assert_eq!(h.header_len(), 118);
/// assert_eq!(h.data_offset(), 128);
///
/// // The same preamble, written through the setters.
/// let mut out = [b' '; 128];
/// let mut w = HeaderBytes::new_unchecked(&mut out[..]);
/// w.set_magic();
/// w.set_version(Version::V1_0);
/// w.set_header_len(118)?;
/// w.text_mut()[117] = b'\n';
/// assert_eq!(out, file);
/// # Ok::<(), mmarray::npy::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderBytes<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> HeaderBytes<T> {
    /// Wraps `buffer` (the start of a file; may be longer than the header) without checks.
    ///
    /// The getters panic on a buffer that [`check_len`](HeaderBytes::check_len) refuses;
    /// use [`new_checked`](HeaderBytes::new_checked) for input that may be malformed.
    pub const fn new_unchecked(buffer: T) -> HeaderBytes<T> {
        HeaderBytes { buffer }
    }

    /// Wraps and checks `buffer`: [`new_unchecked`](HeaderBytes::new_unchecked) followed by
    /// [`check_len`](HeaderBytes::check_len).
    ///
    /// # Errors
    ///
    /// As [`check_len`](HeaderBytes::check_len).
    pub fn new_checked(buffer: T) -> Result<HeaderBytes<T>, Error> {
        let h = HeaderBytes::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// Checks that the buffer holds a whole supported preamble and header text.
    ///
    /// A [`Error::Truncated`] for [`Part::Text`] means the preamble itself checked out:
    /// [`version`](HeaderBytes::version), [`header_len`](HeaderBytes::header_len),
    /// [`text_start`](HeaderBytes::text_start) and [`data_offset`](HeaderBytes::data_offset)
    /// may be called, and its `needed` field is the number of bytes to supply (a reader that
    /// took a short prefix reads up to it).
    ///
    /// # Errors
    ///
    /// [`Error::Truncated`] (with the bytes needed so far), [`Error::BadMagic`],
    /// [`Error::UnsupportedVersion`].
    pub fn check_len(&self) -> Result<(), Error> {
        let bytes = self.buffer.as_ref();
        let got = bytes.len();
        let Some(head) = bytes.get(field::FIXED) else {
            return Err(Error::Truncated {
                part: Part::Magic,
                needed: field::FIXED.end,
                got,
            });
        };
        if head[field::MAGIC] != MAGIC {
            let mut found = [0u8; 6];
            found.copy_from_slice(&head[field::MAGIC]);
            return Err(Error::BadMagic { found });
        }
        let (major, minor) = (head[field::MAJOR], head[field::MINOR]);
        let Some(version) = Version::from_bytes(major, minor) else {
            return Err(Error::UnsupportedVersion { major, minor });
        };
        let pre = version.preamble_len();
        if got < pre {
            return Err(Error::Truncated {
                part: Part::LengthField,
                needed: pre,
                got,
            });
        }
        let needed = pre.saturating_add(self.header_len());
        if needed > got {
            return Err(Error::Truncated {
                part: Part::Text,
                needed,
                got,
            });
        }
        Ok(())
    }

    /// The buffer, given back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The format version.
    ///
    /// # Panics
    ///
    /// If the first 8 bytes are missing or hold an unsupported version (never after
    /// [`check_len`](HeaderBytes::check_len) succeeded or reported [`Part::Text`]).
    pub fn version(&self) -> Version {
        let b = self.buffer.as_ref();
        match Version::from_bytes(b[field::MAJOR], b[field::MINOR]) {
            Some(v) => v,
            None => panic!("HeaderBytes::version on an unchecked buffer"),
        }
    }

    /// The value of the length field: bytes of header text including padding and newline.
    ///
    /// On 16- and 32-bit targets a 32-bit length that does not fit `usize` reads as
    /// `usize::MAX` (no buffer can hold it either).
    ///
    /// # Panics
    ///
    /// As [`version`](HeaderBytes::version), or if the length field is missing.
    pub fn header_len(&self) -> usize {
        let f = &self.buffer.as_ref()[self.version().length_field()];
        match *f {
            [a, b] => usize::from(u16::from_le_bytes([a, b])),
            [a, b, c, d] => usize::try_from(u32::from_le_bytes([a, b, c, d])).unwrap_or(usize::MAX),
            _ => unreachable!("length fields are 2 or 4 bytes"),
        }
    }

    /// Offset of the first byte of header text: [`Version::preamble_len`].
    ///
    /// # Panics
    ///
    /// As [`version`](HeaderBytes::version).
    pub fn text_start(&self) -> usize {
        self.version().preamble_len()
    }

    /// Offset of the first data byte from the start of the input (the total header size).
    ///
    /// # Panics
    ///
    /// As [`header_len`](HeaderBytes::header_len).
    pub fn data_offset(&self) -> usize {
        self.text_start().saturating_add(self.header_len())
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> HeaderBytes<&'a T> {
    /// The header text bytes (latin-1 for 1.0 and 2.0, UTF-8 for 3.0), borrowed for as long
    /// as the buffer.
    ///
    /// # Panics
    ///
    /// If [`check_len`](HeaderBytes::check_len) would fail.
    pub fn text(&self) -> &'a [u8] {
        let span = self.text_start()..self.data_offset();
        &self.buffer.as_ref()[span]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> HeaderBytes<T> {
    /// Writes the magic string.
    ///
    /// # Panics
    ///
    /// If the buffer is shorter than 6 bytes.
    pub fn set_magic(&mut self) {
        self.buffer.as_mut()[field::MAGIC].copy_from_slice(&MAGIC);
    }

    /// Writes the two version bytes. Set the version before the header length: it decides
    /// the length field's width.
    ///
    /// # Panics
    ///
    /// If the buffer is shorter than 8 bytes.
    pub fn set_version(&mut self, version: Version) {
        let b = self.buffer.as_mut();
        b[field::MAJOR] = version.major();
        b[field::MINOR] = version.minor();
    }

    /// Writes the header length (text including padding and newline) in the width the
    /// version gives it.
    ///
    /// # Errors
    ///
    /// [`Error::HeaderTooLarge`] if `len` does not fit the version's length field; the
    /// buffer is unchanged then.
    ///
    /// # Panics
    ///
    /// If the version bytes are missing or unsupported, or the length field is missing.
    pub fn set_header_len(&mut self, len: usize) -> Result<(), Error> {
        let version = self.version();
        let f = &mut self.buffer.as_mut()[version.length_field()];
        match version {
            Version::V1_0 => {
                let n = u16::try_from(len).map_err(|_| Error::HeaderTooLarge)?;
                f.copy_from_slice(&n.to_le_bytes());
            }
            Version::V2_0 | Version::V3_0 => {
                let n = u32::try_from(len).map_err(|_| Error::HeaderTooLarge)?;
                f.copy_from_slice(&n.to_le_bytes());
            }
        }
        Ok(())
    }

    /// The header text bytes, writable: the `header_len` bytes after the length field.
    ///
    /// # Panics
    ///
    /// If [`check_len`](HeaderBytes::check_len) would fail.
    pub fn text_mut(&mut self) -> &mut [u8] {
        let span = self.text_start()..self.data_offset();
        &mut self.buffer.as_mut()[span]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_write_what_the_getters_read_in_every_version() {
        for (v, golden) in [
            (Version::V1_0, &b"\x93NUMPY\x01\x00\x04\x00"[..]),
            (Version::V2_0, &b"\x93NUMPY\x02\x00\x04\x00\x00\x00"[..]),
            (Version::V3_0, &b"\x93NUMPY\x03\x00\x04\x00\x00\x00"[..]),
        ] {
            let mut buf = [0u8; 16];
            let mut w = HeaderBytes::new_unchecked(&mut buf[..]);
            w.set_magic();
            w.set_version(v);
            w.set_header_len(4).unwrap();
            w.text_mut().copy_from_slice(b"{} \n");
            assert_eq!(w.text_start(), golden.len());
            assert_eq!(&buf[..golden.len()], golden);
            let r = HeaderBytes::new_checked(&buf[..]).unwrap();
            assert_eq!(
                (r.version(), r.header_len(), r.text(), r.data_offset()),
                (v, 4, &b"{} \n"[..], golden.len() + 4)
            );
        }
    }

    #[test]
    fn a_length_the_field_cannot_hold_is_refused_unchanged() {
        let mut buf = [0u8; 12];
        let mut w = HeaderBytes::new_unchecked(&mut buf[..]);
        w.set_magic();
        w.set_version(Version::V1_0);
        assert_eq!(w.set_header_len(65_536), Err(Error::HeaderTooLarge));
        assert_eq!(&buf[8..10], [0, 0]);
    }

    #[test]
    fn a_short_text_reports_the_total_a_reader_must_supply() {
        let r = HeaderBytes::new_unchecked(&b"\x93NUMPY\x02\x00\x00\x01\x00\x00{"[..]);
        assert_eq!(
            r.check_len(),
            Err(Error::Truncated {
                part: Part::Text,
                needed: 12 + 256,
                got: 13
            })
        );
        // The preamble checked out, so its getters answer.
        assert_eq!(
            (r.version(), r.text_start(), r.data_offset()),
            (Version::V2_0, 12, 268)
        );
    }
}
