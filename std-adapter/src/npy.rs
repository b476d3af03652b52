//! `.npy` files: numpy's `open_memmap` and `np.load(path, mmap_mode=...)`.
//!
//! The header is parsed by the core ([`mmarray::npy::Header`]) from one small
//! read; the element type's descr must match the file's; the data is mapped
//! at the header's end with the header's shape and order, through the same
//! construction as [`Memmap`]. Files that numpy reads are created byte for
//! byte as `np.save` writes them, and [`Memmap::grow`]/[`Memmap::append`]
//! extend them in place (numpy pads the header for exactly this).
#![allow(
    unsafe_code,
    reason = "unsafe constructors forward the file-map contract to raw.rs"
)]

use std::fs::File;
use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;
use std::path::Path;

use mmarray::npy::{self, DEFAULT_MAX_HEADER_LEN, Descr, Header, HeaderBytes, Part, Version};
use mmarray::{Dimension, Dtype, IxDyn, Order};

use crate::error::{Error, Result};
use crate::fs::{empty_for, errno, io_err, open_file, open_or_create};
use crate::memmap::{Growth, Memmap, Source};
use crate::mode::{Access, CopyOnWrite, Dynamic, Mode, ReadOnly, ReadWrite};
use crate::sys;

#[cfg(feature = "ndarray")]
pub use crate::ndarray_io::save_ndarray;

/// What a `.npy` file's header says, owned: for looking before choosing a type.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    let read_err = |e| Error::Io {
        op: "read header",
        path: Some(path.to_path_buf()),
        source: e,
    };
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
    // The text limit is in characters: at most 4 bytes each in UTF-8.
    let cap = max_len.saturating_mul(4).saturating_add(16);
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
pub(crate) fn check_header<T: Dtype, D: Dimension>(
    file: &File,
    path: &Path,
    at: u64,
    avail: u64,
    max_len: usize,
) -> Result<(D, Order, u64)> {
    check_header_impl::<T, D>(file, path, at, avail, max_len).map_err(|e| e.at_path(Some(path)))
}

fn check_header_impl<T: Dtype, D: Dimension>(
    file: &File,
    path: &Path,
    at: u64,
    avail: u64,
    max_len: usize,
) -> Result<(D, Order, u64)> {
    let bytes = read_header(file, path, at, avail, max_len)?;
    let (header, hlen) = Header::parse_with_max_len(&bytes, max_len)?;
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
    Ok((shape, header.order(), hlen as u64))
}

/// Refuses data at `offset` in the file that `T` cannot be mapped at, suggesting the
/// unaligned type of the same descr (the offset is the file's, not the caller's, to choose).
fn check_data_alignment<T: Dtype>(offset: u64) -> Result<()> {
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
fn check_file<T: Dtype, D: Dimension>(
    file: &File,
    path: &Path,
    max_len: usize,
) -> Result<(D, Order, u64, sys::FileStat)> {
    let st = sys::stat(file).map_err(errno("fstat", Some(path)))?;
    let (shape, order, offset) = check_header::<T, D>(file, path, 0, st.len, max_len)?;
    Ok((shape, order, offset, st))
}

/// Reads a `.npy` file's header without mapping anything.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read; [`Error::Header`] for a
/// malformed header (with numpy's default text limit of 10 000 characters).
pub fn info(path: impl AsRef<Path>) -> Result<Info> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::Io {
        op: "open",
        path: Some(path.to_path_buf()),
        source: e,
    })?;
    read_header(&file, path, 0, u64::MAX, DEFAULT_MAX_HEADER_LEN)
        .and_then(|bytes| parse_info(&bytes, DEFAULT_MAX_HEADER_LEN))
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

/// Opening and creating `.npy` files: numpy's `open_memmap`.
///
/// Setters take `&mut self`; finish with [`open_read`](Options::open_read),
/// [`open_read_write`](Options::open_read_write),
/// [`open_copy_on_write`](Options::open_copy_on_write),
/// [`open`](Options::open) (a mode chosen at run time) or
/// [`create`](Options::create).
///
/// # Examples
///
/// ```
/// use mmarray_std::{Ix2, Order, npy};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("a.npy");
/// // numpy: open_memmap(path, mode='w+', dtype='<f4', shape=(3, 4))
/// // SAFETY: nothing else writes or truncates the file while it is mapped.
/// let mut m = unsafe { npy::Options::<f32, Ix2>::new().shape([3, 4]).create(&path) }?;
/// m[[1, 2]] = 6.0;
/// drop(m);
/// let bytes = std::fs::read(&path)?;
/// assert_eq!(&bytes[..10], b"\x93NUMPY\x01\x00v\x00");
/// // numpy: np.load(path, mmap_mode='r')
/// let r = unsafe { npy::open_read::<f32, Ix2>(&path) }?;
/// assert_eq!((r.shape(), r.order(), r[[1, 2]]), (&[3, 4][..], Order::C, 6.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Options<T, D: Dimension = IxDyn> {
    max_header_len: usize,
    shape: Option<D>,
    order: Order,
    growth: Growth,
    _marker: PhantomData<fn() -> T>,
}

impl<T, D: Dimension> Default for Options<T, D> {
    fn default() -> Self {
        Options {
            max_header_len: DEFAULT_MAX_HEADER_LEN,
            shape: None,
            order: Order::C,
            growth: Growth::default(),
            _marker: PhantomData,
        }
    }
}

impl<T: Dtype, D: Dimension> Options<T, D> {
    /// Defaults: numpy's header text limit (10 000 characters), no shape, C order.
    pub fn new() -> Self {
        Self::default()
    }

    /// The longest header text to accept when opening, in characters
    /// (numpy's `max_header_size`): a guard against hostile files.
    pub fn max_header_len(&mut self, chars: usize) -> &mut Self {
        self.max_header_len = chars;
        self
    }

    /// The shape of an array to [`create`](Options::create).
    pub fn shape(&mut self, shape: D) -> &mut Self {
        self.shape = Some(shape);
        self
    }

    /// The order of an array to [`create`](Options::create) (numpy's `fortran_order`).
    pub fn order(&mut self, order: Order) -> &mut Self {
        self.order = order;
        self
    }

    /// Whether [`create`](Options::create) and [`grow`](Memmap::grow) extend the file
    /// sparsely, as numpy's `open_memmap` does; default `false` (preallocated, so a full
    /// disk is an error and not a `SIGBUS`). See
    /// [`memmap::Options::sparse`](crate::Options::sparse).
    #[doc(alias = "fallocate", alias = "posix_fallocate")]
    pub fn sparse(&mut self, sparse: bool) -> &mut Self {
        self.growth.sparse = sparse;
        self
    }

    /// Whether [`create`](Options::create) syncs the new file and its directory, and
    /// [`grow`](Memmap::grow)/[`append`](Memmap::append) sync the rows before the header
    /// names them and then the header, so that they survive a power loss; default
    /// `false`. See [`memmap::Options::durable`](crate::Options::durable).
    #[doc(alias = "fsync", alias = "fdatasync")]
    pub fn durable(&mut self, durable: bool) -> &mut Self {
        self.growth.durable = durable;
        self
    }

    /// Opens an existing `.npy` in `mode` (`'w+'` creates, see
    /// [`create`](Options::create)).
    ///
    /// # Errors
    ///
    /// [`Error::Header`] for a malformed header, a descr that is not `T`'s or a
    /// rank that is not `D`'s (`RankMismatch`);
    /// [`Error::DataTruncated`] when the data is shorter than the header says
    /// (in every mode: numpy's `r+` would silently extend the file);
    /// [`Error::Io`] from the OS. None of them changes the file.
    ///
    /// # Safety
    ///
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
    pub unsafe fn open(&self, path: impl AsRef<Path>, mode: Mode) -> Result<Memmap<T, D, Dynamic>> {
        if mode == Mode::Write {
            let path = path.as_ref();
            // SAFETY: the caller upholds the contract, which is this function's.
            let m =
                unsafe { self.create_impl::<Dynamic>(path) }.map_err(|e| e.at_path(Some(path)))?;
            return Ok(m);
        }
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.open_impl(path.as_ref(), mode) }
    }

    /// Opens an existing `.npy` read-only (`np.load(path, mmap_mode='r')`).
    ///
    /// # Errors
    ///
    /// As [`open`](Options::open).
    ///
    /// # Safety
    ///
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
    pub unsafe fn open_read(&self, path: impl AsRef<Path>) -> Result<Memmap<T, D, ReadOnly>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.open_impl(path.as_ref(), Mode::Read) }
    }

    /// Opens an existing `.npy` for reading and writing (`mmap_mode='r+'`).
    ///
    /// # Errors
    ///
    /// As [`open`](Options::open).
    ///
    /// # Safety
    ///
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
    pub unsafe fn open_read_write(
        &self,
        path: impl AsRef<Path>,
    ) -> Result<Memmap<T, D, ReadWrite>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.open_impl(path.as_ref(), Mode::ReadWrite) }
    }

    /// Opens an existing `.npy` copy-on-write (`mmap_mode='c'`).
    ///
    /// # Errors
    ///
    /// As [`open`](Options::open).
    ///
    /// # Safety
    ///
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
    pub unsafe fn open_copy_on_write(
        &self,
        path: impl AsRef<Path>,
    ) -> Result<Memmap<T, D, CopyOnWrite>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.open_impl(path.as_ref(), Mode::CopyOnWrite) }
    }

    /// Creates or overwrites `path` as a `.npy` of the shape and order given,
    /// all zeros: the header is exactly what `np.save` writes for such an
    /// array, and the data is preallocated (or extended sparsely, with
    /// [`sparse`](Options::sparse)). Like numpy's `open_memmap`,
    /// the map's mode is then `'r+'`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeRequired`] without a shape, [`Error::Header`] for a shape
    /// too large for the format, [`Error::Layout`] for sizes that overflow —
    /// all before the file is touched; [`Error::Io`] from the OS.
    ///
    /// # Safety
    ///
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
    pub unsafe fn create(&self, path: impl AsRef<Path>) -> Result<Memmap<T, D, ReadWrite>> {
        let path = path.as_ref();
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.create_impl(path) }.map_err(|e| e.at_path(Some(path)))
    }

    /// # Safety
    ///
    /// The file-map contract (`Memmap::from_source` refuses a `mode` that `A` does not
    /// admit).
    unsafe fn open_impl<A: Access>(&self, path: &Path, mode: Mode) -> Result<Memmap<T, D, A>> {
        let file = open_file(path, mode.writes_file())?;
        let (shape, order, offset, st) = check_file::<T, D>(&file, path, self.max_header_len)?;
        // SAFETY: the caller upholds the file-map contract, which is this function's.
        let mut m = unsafe {
            Memmap::from_source_with(
                Source::Opened(file, path, Some(st)),
                mode,
                offset,
                Some(&shape),
                order,
                self.growth,
            )
        }?;
        m.set_npy();
        Ok(m)
    }

    /// # Safety
    ///
    /// The file-map contract (`A` is `ReadWrite` or `Dynamic`: `from_source` refuses any
    /// other for mode `'r+'`).
    unsafe fn create_impl<A: Access>(&self, path: &Path) -> Result<Memmap<T, D, A>> {
        let shape = self.shape.as_ref().ok_or(Error::ShapeRequired)?;
        let header = Header::new(Descr::of::<T>(), self.order, shape.as_slice())?;
        let data_len = header.data_len()?;
        let mut bytes = vec![0u8; header.emitted_len()?];
        let hlen = header.emit(&mut bytes)?;
        bytes.truncate(hlen);
        check_data_alignment::<T>(hlen as u64)?;
        let end = (hlen as u64)
            .checked_add(data_len as u64)
            .ok_or(mmarray::Error::Overflow)?;
        let (file, created) = open_or_create(path)?;
        let st = sys::stat(&file).map_err(errno("fstat", Some(path)))?;
        if !st.is_regular {
            return Err(Error::NotAFile {
                path: Some(path.to_path_buf()),
            });
        }
        empty_for(file.as_fd(), &st, end, Some(path))?;
        file.write_all_at(&bytes, 0)
            .map_err(io_err("write header", Some(path)))?;
        if self.growth.durable && data_len == 0 {
            // No data to extend by, so the map will not sync the header: sync it here.
            file.sync_all().map_err(io_err("fsync", Some(path)))?;
        }
        // The file now holds exactly the header; mapping extends it to `end`.
        let st = sys::FileStat {
            len: hlen as u64,
            ..st
        };
        // SAFETY: the caller upholds the file-map contract, which is this function's.
        let mut m = unsafe {
            Memmap::from_source_with(
                Source::Opened(file, path, Some(st)),
                Mode::ReadWrite,
                hlen as u64,
                Some(shape),
                self.order,
                self.growth,
            )
        }?;
        m.set_npy();
        if self.growth.durable && created.is_new() {
            // The map synced the file; its name lives in the directory.
            crate::fs::sync_dir(path)?;
        }
        created.keep();
        Ok(m)
    }
}

/// `np.load(path, mmap_mode='r')`.
///
/// # Errors
///
/// As [`Options::open`].
///
/// # Safety
///
/// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
pub unsafe fn open_read<T: Dtype, D: Dimension>(
    path: impl AsRef<Path>,
) -> Result<Memmap<T, D, ReadOnly>> {
    // SAFETY: the caller upholds the contract, which is this function's.
    unsafe { Options::new().open_read(path) }
}

/// `np.load(path, mmap_mode='r+')`.
///
/// # Errors
///
/// As [`Options::open`].
///
/// # Safety
///
/// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
pub unsafe fn open_read_write<T: Dtype, D: Dimension>(
    path: impl AsRef<Path>,
) -> Result<Memmap<T, D, ReadWrite>> {
    // SAFETY: the caller upholds the contract, which is this function's.
    unsafe { Options::new().open_read_write(path) }
}

/// `open_memmap(path, mode='w+', dtype=T, shape=shape)` in C order.
///
/// # Errors
///
/// As [`Options::create`].
///
/// # Safety
///
/// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
pub unsafe fn create<T: Dtype, D: Dimension>(
    path: impl AsRef<Path>,
    shape: D,
) -> Result<Memmap<T, D, ReadWrite>> {
    // SAFETY: the caller upholds the contract, which is this function's.
    unsafe { Options::new().shape(shape).create(path) }
}
