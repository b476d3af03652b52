//! The bytes layer: checked accessors over the fixed part of a `.npy` file.

use core::fmt;

use super::Error;
use super::error::Part;

/// The six magic bytes every `.npy` file starts with.
pub const MAGIC: [u8; 6] = *b"\x93NUMPY";

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
        match self {
            Version::V1_0 => 2,
            Version::V2_0 | Version::V3_0 => 4,
        }
    }

    /// Bytes before the header text: magic, version and length field (10 or 12).
    pub const fn preamble_len(self) -> usize {
        8 + self.length_field_len()
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

/// Checked view of the fixed part of a `.npy` file: magic, version, header length and the
/// span of the header text. The parsed form is [`Header`](super::Header).
///
/// Construction checks, in numpy's order: at least 8 bytes; the magic; a supported version;
/// the length field present; the whole header text present. After that every accessor is
/// infallible.
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
/// # Ok::<(), mmarray::npy::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderBytes<'a> {
    bytes: &'a [u8],
    version: Version,
    header_len: usize,
}

impl<'a> HeaderBytes<'a> {
    /// Checks `bytes` (the start of a file; may be longer than the header).
    ///
    /// # Errors
    ///
    /// [`Error::Truncated`] (with the number of bytes needed so far), [`Error::BadMagic`],
    /// [`Error::UnsupportedVersion`].
    pub fn new_checked(bytes: &'a [u8]) -> Result<HeaderBytes<'a>, Error> {
        let got = bytes.len();
        let Some(head) = bytes.get(..8) else {
            return Err(Error::Truncated {
                part: Part::Magic,
                needed: 8,
                got,
            });
        };
        if head[..6] != MAGIC {
            let mut found = [0u8; 6];
            found.copy_from_slice(&head[..6]);
            return Err(Error::BadMagic { found });
        }
        let Some(version) = Version::from_bytes(head[6], head[7]) else {
            return Err(Error::UnsupportedVersion {
                major: head[6],
                minor: head[7],
            });
        };
        let pre = version.preamble_len();
        let Some(field) = bytes.get(8..pre) else {
            return Err(Error::Truncated {
                part: Part::LengthField,
                needed: pre,
                got,
            });
        };
        let header_len = match *field {
            [a, b] => usize::from(u16::from_le_bytes([a, b])),
            [a, b, c, d] => {
                let n = u32::from_le_bytes([a, b, c, d]);
                // On 16/32-bit targets a u32 that does not fit cannot be present either.
                usize::try_from(n).unwrap_or(usize::MAX)
            }
            _ => {
                return Err(Error::Truncated {
                    part: Part::LengthField,
                    needed: pre,
                    got,
                });
            }
        };
        let needed = pre.saturating_add(header_len);
        if needed > got {
            return Err(Error::Truncated {
                part: Part::Text,
                needed,
                got,
            });
        }
        Ok(HeaderBytes {
            bytes,
            version,
            header_len,
        })
    }

    /// The format version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The value of the length field: bytes of header text including padding and newline.
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The header text bytes (latin-1 for 1.0 and 2.0, UTF-8 for 3.0).
    pub fn text(&self) -> &'a [u8] {
        &self.bytes[self.version.preamble_len()..self.data_offset()]
    }

    /// Offset of the first data byte from the start of the input (the total header size).
    pub fn data_offset(&self) -> usize {
        // Checked in `new_checked`: this sum is at most `bytes.len()`.
        self.version.preamble_len() + self.header_len
    }
}
