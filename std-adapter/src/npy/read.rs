//! Reading a `.npy` header from a file and checking it against the element type and rank:
//! one small read (a second, sized from the bytes layer's shortfall, for a long header), the
//! parse, the descr, rank, alignment and data-length checks; and [`info`] for a look before
//! choosing a type.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use mmarray::npy::{self, HeaderBytes, Part};
use mmarray::{Dimension, Dtype, Order};

use super::{DEFAULT_MAX_HEADER_LEN, Header, Version};
use crate::error::{Error, Result};
use crate::fs::{errno, io_err, open_file};
use crate::sys;

/// What a `.npy` file's header says, owned: for looking before choosing a type.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Info {
    /// The format version.
    pub version: Version,
    /// The descr as numpy would print it (`'<f4'`, `[('x', '<f4'), ...]`).
    pub descr: String,
    /// C or Fortran order of the data.
    pub order: Order,
    /// The array's shape.
    pub shape: Vec<usize>,
    /// Where the data starts: the header's length, a multiple of 64 for numpy's files.
    pub data_offset: u64,
    /// The data's length in bytes.
    pub data_len: u64,
}

/// Reads the first bytes of a `.npy` file that starts at byte `at` of
/// `file` (0, or a member's start in an `.npz` archive) and is at most
/// `limit` bytes long: the whole header, however long.
///
/// A header too long for `max_len` characters whatever it holds (UTF-8
/// has at most 4 bytes a character) is not read into memory: when it is all
/// there, this is [`HeaderTooLong`](mmarray::npy::Error::HeaderTooLong), as
/// numpy says after reading it; when it is not, `Truncated` with the bytes
/// present, as numpy's "EOF: reading array header".
pub(crate) fn read_header(
    file: &File,
    path: &Path,
    at: u64,
    limit: u64,
    max_len: usize,
) -> Result<Vec<u8>> {
    let read_err = |e| io_err("read header", Some(path))(e);
    // One small read covers every ordinary header (numpy's are 128 bytes).
    let mut buf = vec![0u8; usize::try_from(limit).map_or(512, |l| l.min(512))];
    let n = read_full_at(file, &mut buf, at).map_err(read_err)?;
    buf.truncate(n);
    // The bytes layer says how much header there is; fetch the rest if needed.
    let raw = HeaderBytes::new_unchecked(&buf[..]);
    let Err(npy::Error::Truncated {
        part: Part::Text,
        needed: total,
        ..
    }) = raw.check_len()
    else {
        // Complete, or malformed in a way the parser reports from these bytes.
        return Ok(buf);
    };
    // A `Part::Text` shortfall means the preamble checked out: its getters may be called.
    let (version, text_start) = (raw.version(), raw.text_start());
    // The text limit is in characters: at most 4 bytes each in UTF-8, after the preamble.
    let cap = max_len.saturating_mul(4).saturating_add(text_start);
    if total <= cap {
        buf.resize(usize::try_from(limit).map_or(total, |l| total.min(l)), 0);
        let from = at.checked_add(n as u64).ok_or(mmarray::Error::Overflow)?;
        let m = read_full_at(file, &mut buf[n..], from).map_err(read_err)?;
        buf.truncate(n + m);
        return Ok(buf);
    }
    let file_len = file.metadata().map_err(read_err)?.len();
    let avail = file_len.saturating_sub(at).min(limit);
    if avail >= total as u64 {
        let text_len = total - text_start;
        let len = if version.is_utf8() {
            count_utf8_chars(file, at.saturating_add(text_start as u64), text_len)
                .map_err(read_err)?
        } else {
            text_len
        };
        return Err(npy::Error::HeaderTooLong { len, max: max_len }.into());
    }
    // avail < total: it fits in usize.
    Err(npy::Error::Truncated {
        part: Part::Text,
        needed: total,
        got: avail as usize,
    }
    .into())
}

/// The characters in `len` bytes of UTF-8 at `at`: the bytes that do not
/// continue a character. Reads in pieces, holding none of it.
fn count_utf8_chars(file: &File, mut at: u64, len: usize) -> std::io::Result<usize> {
    let mut buf = vec![0u8; 64 * 1024];
    let (mut left, mut chars) = (len, 0);
    while left > 0 {
        let k = left.min(buf.len());
        let got = read_full_at(file, &mut buf[..k], at)?;
        if got < k {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        chars += buf[..k].iter().filter(|&&b| b & 0xC0 != 0x80).count();
        left -= k;
        at += k as u64;
    }
    Ok(chars)
}

/// Reads until `buf` is full or the file ends; returns how much was read.
fn read_full_at(file: &File, buf: &mut [u8], mut at: u64) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], at) {
            Ok(0) => break,
            Ok(k) => {
                done += k;
                at += k as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Reads and checks the `.npy` header that starts at byte `at` of `file` (0, or
/// a member's start in an `.npz` archive) for mapping as `T` with a `D` shape:
/// the descr, the rank, and that the `avail` bytes from `at` hold all the data.
/// Returns the shape, the order and the header's length.
#[cfg(feature = "npz")]
pub(crate) fn check_header<T: Dtype, D: Dimension>(
    file: &File,
    path: &Path,
    at: u64,
    avail: u64,
    max_len: usize,
) -> Result<(D, Order, u64)> {
    check_header_impl::<T, D>(file, path, at, avail, max_len)
        .map(|(shape, order, hlen, _)| (shape, order, hlen))
        .map_err(|e| e.at_path(Some(path)))
}

fn check_header_impl<T: Dtype, D: Dimension>(
    file: &File,
    path: &Path,
    at: u64,
    avail: u64,
    max_len: usize,
) -> Result<(D, Order, u64, Version)> {
    let bytes = read_header(file, path, at, avail, max_len)?;
    let (header, hlen) = Header::parse_with_max_len(&bytes, max_len)?;
    let version = HeaderBytes::new_checked(&bytes[..])?.version();
    header.check::<T>()?;
    let shape = D::from_dims(header.shape()).map_err(|e| match e {
        mmarray::Error::RankMismatch { expected, actual } => {
            Error::from(npy::Error::RankMismatch {
                found: actual,
                expected,
            })
        }
        other => other.into(),
    })?;
    let data_len = header.data_len()? as u64;
    let have = avail.saturating_sub(hlen as u64);
    if have < data_len {
        return Err(Error::DataTruncated {
            path: None,
            needed: data_len,
            len: have,
        });
    }
    let data_at = at
        .checked_add(hlen as u64)
        .ok_or(mmarray::Error::Overflow)?;
    check_data_alignment::<T>(data_at)?;
    Ok((shape, header.order(), hlen as u64, version))
}

/// Refuses data at `offset` in the file that `T` cannot be mapped at, suggesting the
/// unaligned type of the same descr (the offset is the file's, not the caller's, to choose).
pub(super) fn check_data_alignment<T: Dtype>(offset: u64) -> Result<()> {
    let align = core::mem::align_of::<T>();
    if offset.is_multiple_of(align as u64) {
        return Ok(());
    }
    Err(npy::Error::DataMisaligned {
        offset,
        align,
        expected: &T::DESCR,
    }
    .into())
}

/// [`check_header`] for a whole `.npy` file, with the file's status.
pub(super) fn check_file<T: Dtype, D: Dimension>(
    file: &File,
    path: &Path,
    max_len: usize,
) -> Result<(D, Order, u64, Version, sys::FileStat)> {
    let st = sys::stat(file).map_err(errno("fstat", Some(path)))?;
    let (shape, order, offset, version) = check_header_impl::<T, D>(file, path, 0, st.len, max_len)
        .map_err(|e| e.at_path(Some(path)))?;
    Ok((shape, order, offset, version, st))
}

/// Reads a `.npy` file's header without mapping anything.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read; [`Error::Header`] for a
/// malformed header (with numpy's default text limit of 10 000 characters; see
/// [`info_with_max_header_len`] for another).
pub fn info(path: impl AsRef<Path>) -> Result<Info> {
    info_with_max_header_len(path, DEFAULT_MAX_HEADER_LEN)
}

/// [`info`] accepting header texts of up to `max_len` characters, the limit
/// [`Options::max_header_len`](super::Options::max_header_len) sets for opening (numpy's `max_header_size`).
///
/// # Examples
///
/// ```
/// use mmarray_std::{Ix1, npy};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("a.npy");
/// // SAFETY: nothing else writes or truncates the file while it is mapped.
/// drop(unsafe { npy::create::<u8, Ix1>(&path, [3]) }?);
/// assert_eq!(npy::info_with_max_header_len(&path, 200)?.shape, [3]);
/// assert!(npy::info_with_max_header_len(&path, 50).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`info`]; a longer header text is [`HeaderTooLong`](mmarray::npy::Error::HeaderTooLong).
pub fn info_with_max_header_len(path: impl AsRef<Path>, max_len: usize) -> Result<Info> {
    let path = path.as_ref();
    let file = open_file(path, false)?;
    if !sys::stat(&file)
        .map_err(errno("fstat", Some(path)))?
        .is_regular
    {
        return Err(Error::NotAFile {
            path: Some(path.to_path_buf()),
        });
    }
    read_header(&file, path, 0, u64::MAX, max_len)
        .and_then(|bytes| parse_info(&bytes, max_len))
        .map_err(|e| e.at_path(Some(path)))
}

/// The owned [`Info`] of the header at the start of `bytes`.
pub(crate) fn parse_info(bytes: &[u8], max_len: usize) -> Result<Info> {
    let (h, offset) = Header::parse_with_max_len(bytes, max_len)?;
    let version = HeaderBytes::new_checked(bytes)?.version();
    Ok(Info {
        version,
        descr: h.descr().to_string(),
        order: h.order(),
        shape: h.shape().to_vec(),
        data_offset: offset as u64,
        data_len: h.data_len()? as u64,
    })
}
