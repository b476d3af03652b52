//! numpy's file modes, as a value and as types.

use core::fmt;
use core::str::FromStr;

use crate::error::Error;

/// How a file is opened and mapped: numpy.memmap's `mode`.
///
/// | mode | numpy | file | map | writes |
/// |---|---|---|---|---|
/// | [`Mode::Read`] | `'r'`, `'readonly'` | read-only | shared | impossible |
/// | [`Mode::ReadWrite`] | `'r+'`, `'readwrite'` | must exist, read/write; extended (never shrunk) to fit | shared | reach the file |
/// | [`Mode::Write`] | `'w+'`, `'write'` | created or emptied; the shape is required | shared | reach the file |
/// | [`Mode::CopyOnWrite`] | `'c'`, `'copyonwrite'` | read-only | private | stay in memory |
///
/// # Examples
///
/// ```
/// use mmarray_std::Mode;
/// assert_eq!("readwrite".parse::<Mode>().unwrap(), Mode::ReadWrite);
/// assert_eq!(Mode::CopyOnWrite.as_str(), "c");
/// let err = "rb".parse::<Mode>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "mode 'rb' is not one of 'r', 'c', 'r+', 'w+', 'readonly', 'copyonwrite', 'readwrite', 'write'"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// `'r'`: read-only, shared.
    Read,
    /// `'r+'`: read/write, shared; numpy's default mode.
    #[default]
    ReadWrite,
    /// `'w+'`: create or overwrite, read/write, shared.
    Write,
    /// `'c'`: copy-on-write; the file is opened read-only and never changes.
    CopyOnWrite,
}

/// The mode names numpy accepts, in numpy's order.
pub const MODE_NAMES: [&str; 8] = [
    "r",
    "c",
    "r+",
    "w+",
    "readonly",
    "copyonwrite",
    "readwrite",
    "write",
];

impl Mode {
    /// numpy's short name: `"r"`, `"r+"`, `"w+"` or `"c"` (what `memmap.mode` holds).
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Read => "r",
            Mode::ReadWrite => "r+",
            Mode::Write => "w+",
            Mode::CopyOnWrite => "c",
        }
    }

    /// Whether writes through the map reach the file (`r+`, `w+`).
    pub const fn writes_file(self) -> bool {
        matches!(self, Mode::ReadWrite | Mode::Write)
    }

    /// Whether the map can be written at all (`r+`, `w+`, `c`).
    pub const fn is_writable(self) -> bool {
        !matches!(self, Mode::Read)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = Error;

    /// Parses numpy's names and aliases, exactly and case-sensitively.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMode`], which lists the valid names.
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "r" | "readonly" => Mode::Read,
            "r+" | "readwrite" => Mode::ReadWrite,
            "w+" | "write" => Mode::Write,
            "c" | "copyonwrite" => Mode::CopyOnWrite,
            other => return Err(Error::InvalidMode(other.into())),
        })
    }
}

mod sealed {
    pub trait Sealed {}
}

/// The access a [`Memmap`](crate::Memmap) has, as a type: [`ReadOnly`],
/// [`ReadWrite`], [`CopyOnWrite`], or [`Dynamic`] (chosen at run time).
pub trait Access: sealed::Sealed + Send + Sync + 'static {
    /// The mode when it is fixed by the type (`ReadWrite` covers `r+` and `w+`).
    const MODE: Option<Mode>;
}

/// Whether an access type whose fixed mode is `access` (`None`: chosen at run time) admits
/// a map in `mode`: `ReadWrite` covers `'r+'` and `'w+'`, the others their one mode.
pub(crate) const fn admits(access: Option<Mode>, mode: Mode) -> bool {
    match (access, mode) {
        (None, _)
        | (Some(Mode::Read), Mode::Read)
        | (Some(Mode::ReadWrite | Mode::Write), Mode::ReadWrite | Mode::Write)
        | (Some(Mode::CopyOnWrite), Mode::CopyOnWrite) => true,
        (Some(_), _) => false,
    }
}

/// Access types whose maps can always be written: mutable views need no check.
pub trait Writable: Access {}

/// Read-only access (`'r'`): no mutable view exists.
#[derive(Debug)]
pub enum ReadOnly {}
/// Shared read/write access (`'r+'` or `'w+'`).
#[derive(Debug)]
pub enum ReadWrite {}
/// Private copy-on-write access (`'c'`).
#[derive(Debug)]
pub enum CopyOnWrite {}
/// Access chosen at run time (a [`Mode`] value, e.g. parsed from a string):
/// mutable views are checked and refused with an error in `'r'` mode.
#[derive(Debug)]
pub enum Dynamic {}

impl sealed::Sealed for ReadOnly {}
impl sealed::Sealed for ReadWrite {}
impl sealed::Sealed for CopyOnWrite {}
impl sealed::Sealed for Dynamic {}
impl Access for ReadOnly {
    const MODE: Option<Mode> = Some(Mode::Read);
}
impl Access for ReadWrite {
    const MODE: Option<Mode> = Some(Mode::ReadWrite);
}
impl Access for CopyOnWrite {
    const MODE: Option<Mode> = Some(Mode::CopyOnWrite);
}
impl Access for Dynamic {
    const MODE: Option<Mode> = None;
}
impl Writable for ReadWrite {}
impl Writable for CopyOnWrite {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_numpy_name_parses_to_its_short_form() {
        let short = ["r", "c", "r+", "w+", "r", "c", "r+", "w+"];
        for (name, s) in MODE_NAMES.iter().zip(short) {
            assert_eq!(name.parse::<Mode>().unwrap().as_str(), s);
        }
        for bad in ["R", "rb", "w", "", "r+b", " r"] {
            assert!(matches!(bad.parse::<Mode>(), Err(Error::InvalidMode(ref s)) if s == bad));
        }
    }

    #[test]
    fn each_access_type_admits_exactly_its_modes() {
        use Mode::{CopyOnWrite as C, Read as R, ReadWrite as RW, Write as W};
        let all = [R, RW, W, C];
        for mode in all {
            assert!(admits(Dynamic::MODE, mode));
            assert_eq!(admits(ReadOnly::MODE, mode), mode == R);
            assert_eq!(admits(ReadWrite::MODE, mode), mode == RW || mode == W);
            assert_eq!(admits(self::CopyOnWrite::MODE, mode), mode == C);
        }
    }
}
