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

use std::marker::PhantomData;
use std::os::unix::fs::FileExt;
use std::path::Path;

use mmarray::npy::HeaderBytes;
use mmarray::{Dimension, Dtype, IntoShape, IxDyn, Order};

use crate::error::{Error, Result};
use crate::fs::{create_emptied, io_err, open_file};
use crate::memmap::{Growth, Memmap, Source};
use crate::mode::{Access, CopyOnWrite, Dynamic, Mode, ReadOnly, ReadWrite};
use crate::sys;

mod read;

#[cfg(feature = "ndarray")]
pub use crate::ndarray_io::save_ndarray;
/// The core's `.npy` header types, so that a user of this module needs no other import:
/// [`Info`] holds a [`Version`] and a [`Descr`]; [`Error::Header`] holds a [`HeaderError`].
pub use mmarray::npy::{
    DEFAULT_MAX_HEADER_LEN, Descr, Error as HeaderError, Field, Fields, Header, Key,
    Part as HeaderPart, ShapeProblem, Version,
};
pub use read::{Info, info, info_with_max_header_len};
use read::{check_data_alignment, check_file};
#[cfg(feature = "npz")]
pub(crate) use read::{check_header, parse_info, read_header};

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
    version: Option<Version>,
    shape: Option<core::result::Result<D, mmarray::Error>>,
    order: Order,
    growth: Growth,
    populate: bool,
    _marker: PhantomData<fn() -> T>,
}

impl<T, D: Dimension> Default for Options<T, D> {
    fn default() -> Self {
        Options {
            max_header_len: DEFAULT_MAX_HEADER_LEN,
            version: None,
            shape: None,
            order: Order::C,
            growth: Growth::default(),
            populate: false,
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

    /// The shape of an array to [`create`](Options::create): a `D`, a `usize` for one axis
    /// (numpy's `shape=12`) or axis lengths by reference (`&[3, 4][..]`, `&vec`), see
    /// [`IntoShape`]. Axis lengths of the wrong rank for `D` are an error
    /// of `create`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Ix1, IxDyn, npy};
    /// # let dir = tempfile::tempdir()?;
    /// # let (a, b) = (dir.path().join("a.npy"), dir.path().join("b.npy"));
    /// // SAFETY: nothing else writes or truncates the files while they are mapped.
    /// let m = unsafe { npy::Options::<u8, Ix1>::new().shape(12).create(&a) }?;
    /// assert_eq!(m.shape(), &[12]);
    /// let dims: Vec<usize> = vec![2, 3, 4];
    /// let m = unsafe { npy::Options::<u8, IxDyn>::new().shape(&dims).create(&b) }?;
    /// assert_eq!(m.shape(), &[2, 3, 4]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shape(&mut self, shape: impl IntoShape<D>) -> &mut Self {
        self.shape = Some(shape.into_shape());
        self
    }

    /// [`shape`](Self::shape) from a shape value of the type itself, for generic `D`.
    #[cfg(feature = "ndarray")]
    pub(crate) fn set_shape(&mut self, shape: D) -> &mut Self {
        self.shape = Some(Ok(shape));
        self
    }

    /// The order of an array to [`create`](Options::create) (numpy's `fortran_order`).
    pub fn order(&mut self, order: Order) -> &mut Self {
        self.order = order;
        self
    }

    /// The format version to [`create`](Options::create) the file in, as numpy's
    /// `write_array(version=(2, 0))`; by default (or `None`) 1.0 unless the header needs 2.0
    /// (longer than 65535 bytes) or 3.0 (not latin-1), as numpy chooses.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Ix1, npy};
    /// use mmarray_std::npy::Version;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("a.npy");
    /// // SAFETY: nothing else writes or truncates the file while it is mapped.
    /// let m = unsafe {
    ///     npy::Options::<f64, Ix1>::new().shape([4]).version(Version::V2_0).create(&path)
    /// }?;
    /// assert_eq!(m.npy_version(), Some(Version::V2_0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn version(&mut self, version: impl Into<Option<Version>>) -> &mut Self {
        self.version = version.into();
        self
    }

    /// Reads every page of the array in and maps it while opening or creating
    /// (`MAP_POPULATE`; Linux, ignored elsewhere). See
    /// [`memmap::Options::populate`](crate::Options::populate).
    #[doc(alias = "MAP_POPULATE")]
    pub fn populate(&mut self, populate: bool) -> &mut Self {
        self.populate = populate;
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
    /// What the [safety contract](Memmap#safety-contract-of-file-backed-maps) asks in `mode`,
    /// while the map lives: in every mode, nothing else changes the mapped range of the file or
    /// truncates the file, in this or any other process (no other writable map or row log of
    /// it, no `write(2)`, no other program); in `'r+'` and `'w+'`, also no other map or row log
    /// of that range is alive in this process. mmarray checks none of this.
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
    /// While the map lives, nothing changes the mapped range of the file or truncates the file,
    /// in this or any other process: no writable map or row log of it, no `write(2)`, no other
    /// program. Other `'r'` and `'c'` maps of it may coexist. mmarray checks none of this; see
    /// the [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
    /// While the map lives, it is the only handle that writes the mapped range of the file and
    /// the only map of that range in this process: no other handle writes it, in this or any
    /// other process (no other writable map or row log, no `write(2)`, no other program), no
    /// other map or row log of it is alive in this process, and nothing truncates the file.
    /// mmarray checks none of this; see the
    /// [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
    /// While the map lives, nothing changes the mapped range of the file or truncates the file,
    /// in this or any other process: no writable map or row log of it, no `write(2)`, no other
    /// program (this map's own writes are private and do not count). Other `'r'` and `'c'` maps
    /// of it may coexist. mmarray checks none of this; see the
    /// [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
    /// While the map lives, it is the only handle that writes the mapped range of the file and
    /// the only map of that range in this process: no other handle writes it, in this or any
    /// other process (no other writable map or row log, no `write(2)`, no other program), no
    /// other map or row log of it is alive in this process, and nothing truncates the file.
    /// mmarray checks none of this; see the
    /// [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
        let (shape, order, offset, version, st) =
            check_file::<T, D>(&file, path, self.max_header_len)?;
        // SAFETY: the caller upholds the file-map contract, which is this function's.
        let mut m = unsafe {
            Memmap::from_source_with(
                Source::Opened(file, path, Some(st)),
                mode,
                offset,
                Some(&shape),
                order,
                self.growth,
                self.populate,
            )
        }?;
        m.set_npy(version);
        Ok(m)
    }

    /// # Safety
    ///
    /// The file-map contract (`A` is `ReadWrite` or `Dynamic`: `from_source` refuses any
    /// other for mode `'r+'`).
    unsafe fn create_impl<A: Access>(&self, path: &Path) -> Result<Memmap<T, D, A>> {
        let shape = self.shape.clone().ok_or(Error::ShapeRequired)??;
        let shape = &shape;
        let header = Header::new(Descr::of::<T>(), self.order, shape.as_slice())?;
        let data_len = header.data_len()?;
        // Before the file is touched: a version too small for the header is an error here.
        let mut bytes = vec![0u8; header.emitted_len_as(self.version)?];
        let hlen = header.emit_as(&mut bytes, self.version)?;
        let version = HeaderBytes::new_checked(&bytes[..])?.version();
        bytes.truncate(hlen);
        check_data_alignment::<T>(hlen as u64)?;
        let end = (hlen as u64)
            .checked_add(data_len as u64)
            .ok_or(mmarray::Error::Overflow)?;
        let (file, created, st) = create_emptied(path, end)?;
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
                self.populate,
            )
        }?;
        m.set_npy(version);
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
/// While the map lives, nothing changes the mapped range of the file or truncates the file,
/// in this or any other process: no writable map or row log of it, no `write(2)`, no other
/// program. Other `'r'` and `'c'` maps of it may coexist. mmarray checks none of this; see
/// the [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
/// While the map lives, it is the only handle that writes the mapped range of the file and
/// the only map of that range in this process: no other handle writes it, in this or any
/// other process (no other writable map or row log, no `write(2)`, no other program), no
/// other map or row log of it is alive in this process, and nothing truncates the file.
/// mmarray checks none of this; see the
/// [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
/// While the map lives, it is the only handle that writes the mapped range of the file and
/// the only map of that range in this process: no other handle writes it, in this or any
/// other process (no other writable map or row log, no `write(2)`, no other program), no
/// other map or row log of it is alive in this process, and nothing truncates the file.
/// mmarray checks none of this; see the
/// [safety contract](Memmap#safety-contract-of-file-backed-maps).
pub unsafe fn create<T: Dtype, D: Dimension>(
    path: impl AsRef<Path>,
    shape: impl IntoShape<D>,
) -> Result<Memmap<T, D, ReadWrite>> {
    // SAFETY: the caller upholds the contract, which is this function's.
    unsafe { Options::new().shape(shape).create(path) }
}
