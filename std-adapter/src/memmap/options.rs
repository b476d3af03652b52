//! [`Options`]: numpy.memmap's parameters and the finishing calls that pick the mode, and
//! numpy's one-line functions ([`open_read`], [`create`], ...).
#![allow(
    unsafe_code,
    reason = "the constructors are unsafe fns: they pass the file-map contract on to raw"
)]

use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::path::Path;

use mmarray::{Dimension, Element, IntoShape, IxDyn, Order};

use super::{Growth, Memmap, Source};
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::mode::{Access, CopyOnWrite, Dynamic, Mode, ReadOnly, ReadWrite};

/// numpy.memmap's parameters: offset, shape, order; the mode is the finishing call.
///
/// Setters take `&mut self` like [`std::fs::OpenOptions`]; finish with
/// [`open`](Options::open) and friends (a path) or [`map`](Options::map) and
/// friends (an open file or descriptor).
///
/// # Examples
///
/// ```
/// use mmarray::{Ix2, Order};
/// use mmarray_std::Options;
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("a.dat");
/// // numpy: np.memmap(path, dtype='float32', mode='w+', shape=(3, 4), order='F')
/// let mut m = unsafe { Options::<f32, Ix2>::new().shape([3, 4]).order(Order::F).create(&path) }?;
/// m[[2, 0]] = 1.5;
/// m.flush()?;
/// assert_eq!(&std::fs::read(&path)?[8..12], &1.5f32.to_ne_bytes());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Options<T, D: Dimension = IxDyn> {
    offset: u64,
    shape: Option<core::result::Result<D, mmarray::Error>>,
    order: Order,
    populate: bool,
    growth: Growth,
    _marker: PhantomData<fn() -> T>,
}

impl<T, D: Dimension> Default for Options<T, D> {
    fn default() -> Self {
        Options {
            offset: 0,
            shape: None,
            order: Order::C,
            populate: false,
            growth: Growth::default(),
            _marker: PhantomData,
        }
    }
}

impl<T: Element, D: Dimension> Options<T, D> {
    /// Defaults: offset 0, shape inferred (1-D over the rest of the file), order C.
    pub fn new() -> Self {
        Self::default()
    }

    /// The byte offset of element 0 in the file. Any offset works: the map
    /// starts at the page boundary below it. It must be a multiple of `T`'s
    /// alignment (use an unaligned type such as `little_endian::F32` otherwise).
    pub fn offset(&mut self, offset: u64) -> &mut Self {
        self.offset = offset;
        self
    }

    /// The array's shape: a `D`, a `usize` for one axis (numpy's `shape=12`) or axis
    /// lengths by reference (`&dims`), see [`IntoShape`]; lengths of the wrong rank for `D`
    /// are an error of the finishing call. Without one, the array is 1-D over the rest of
    /// the file (and the rest must be a whole number of elements).
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

    /// C (row-major, the default) or Fortran (column-major) order of the file's bytes.
    pub fn order(&mut self, order: Order) -> &mut Self {
        self.order = order;
        self
    }

    /// Reads every page of the array in and maps it while opening (`MAP_POPULATE`; Linux,
    /// ignored elsewhere), so that a first scan takes no page fault per page. Off by default.
    /// A copy-on-write map made this way gets a private copy of every page at once.
    /// For a map that is already open, see [`Memmap::populate_read`].
    #[doc(alias = "MAP_POPULATE")]
    pub fn populate(&mut self, populate: bool) -> &mut Self {
        self.populate = populate;
        self
    }

    /// Whether to extend the file sparsely (`ftruncate(2)` only), as numpy does, when
    /// creating (`'w+'`), opening `'r+'` past the end, [`grow`](Memmap::grow)ing and
    /// [`append`](Memmap::append)ing. Default `false`: the new bytes are preallocated
    /// (`fallocate(2)`), so that a full disk or quota is an error of the call that extends
    /// the file (`ENOSPC`, `EDQUOT`) — every write through the map then has its space.
    ///
    /// Sparse extension is instant and takes no space until pages are written: for huge
    /// arrays that are mostly never written. Its hazard is in the
    /// [safety contract](Memmap#safety-contract-of-file-backed-maps): a store to a page
    /// the file system has no room for raises `SIGBUS` and kills the process. Where the
    /// file system cannot preallocate (`EOPNOTSUPP`), the file is extended sparsely either
    /// way. Appended rows are written through the file and take their space then, sparse
    /// or not.
    #[doc(alias = "fallocate", alias = "posix_fallocate")]
    pub fn sparse(&mut self, sparse: bool) -> &mut Self {
        self.growth.sparse = sparse;
        self
    }

    /// Whether calls that create or extend the file wait until the change is on the disk,
    /// so that it survives a power loss. Default `false`: changes are in the page cache at
    /// once, where every process sees them and a killed process cannot lose them, and reach
    /// the disk later.
    ///
    /// When `true`: creating a file (`'w+'`) or extending it at open syncs the file
    /// (`fsync(2)`), and a file this call created also its directory, which holds its name;
    /// [`grow`](Memmap::grow) and [`append`](Memmap::append) sync the new rows before the
    /// header names them, then the header (`fdatasync(2)`). Writes through the map itself
    /// are made durable by [`flush`](Memmap::flush), as before.
    #[doc(alias = "fsync", alias = "fdatasync")]
    pub fn durable(&mut self, durable: bool) -> &mut Self {
        self.growth.durable = durable;
        self
    }

    /// Opens `path` in a mode chosen at run time.
    ///
    /// # Errors
    ///
    /// Bad parameters give a typed error before the file is touched (see
    /// [`Error`]); OS failures give [`Error::Io`].
    ///
    /// # Safety
    ///
    /// What the [safety contract](Memmap#safety-contract-of-file-backed-maps) asks in `mode`,
    /// while the map lives: in every mode, nothing else changes the mapped range of the file or
    /// truncates the file, in this or any other process (no other writable map or row log of
    /// it, no `write(2)`, no other program); in `'r+'` and `'w+'`, also no other map or row log
    /// of that range is alive in this process. mmarray checks none of this.
    #[doc(alias = "mmap")]
    pub unsafe fn open(&self, path: impl AsRef<Path>, mode: Mode) -> Result<Memmap<T, D, Dynamic>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Path(path.as_ref()), mode) }
    }

    /// Opens `path` read-only (`'r'`).
    ///
    /// # Errors
    ///
    /// As [`open`](Options::open); also [`Error::PastEnd`] when the array
    /// would end past the end of the file.
    ///
    /// # Safety
    ///
    /// While the map lives, nothing changes the mapped range of the file or truncates the file,
    /// in this or any other process: no writable map or row log of it, no `write(2)`, no other
    /// program. Other `'r'` and `'c'` maps of it may coexist. mmarray checks none of this; see
    /// the [safety contract](Memmap#safety-contract-of-file-backed-maps).
    #[doc(alias = "mmap")]
    pub unsafe fn open_read(&self, path: impl AsRef<Path>) -> Result<Memmap<T, D, ReadOnly>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Path(path.as_ref()), Mode::Read) }
    }

    /// Opens an existing file for reading and writing (`'r+'`), extending it
    /// (with zeros, preallocated unless [`sparse`](Options::sparse)) when the array ends past its end. Never shrinks it.
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
    #[doc(alias = "mmap")]
    #[doc(alias = "ftruncate")]
    pub unsafe fn open_read_write(
        &self,
        path: impl AsRef<Path>,
    ) -> Result<Memmap<T, D, ReadWrite>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Path(path.as_ref()), Mode::ReadWrite) }
    }

    /// Creates or overwrites `path` (`'w+'`) with room for the array, all
    /// zeros. The shape is required.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeRequired`] without a shape (the file is not touched); as
    /// [`open`](Options::open) otherwise.
    ///
    /// # Safety
    ///
    /// While the map lives, it is the only handle that writes the mapped range of the file and
    /// the only map of that range in this process: no other handle writes it, in this or any
    /// other process (no other writable map or row log, no `write(2)`, no other program), no
    /// other map or row log of it is alive in this process, and nothing truncates the file.
    /// mmarray checks none of this; see the
    /// [safety contract](Memmap#safety-contract-of-file-backed-maps).
    #[doc(alias = "mmap")]
    #[doc(alias = "ftruncate")]
    pub unsafe fn create(&self, path: impl AsRef<Path>) -> Result<Memmap<T, D, ReadWrite>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Path(path.as_ref()), Mode::Write) }
    }

    /// Opens `path` copy-on-write (`'c'`): the file is opened read-only, the
    /// map is writable, and writes never reach the file.
    ///
    /// # Errors
    ///
    /// As [`open_read`](Options::open_read).
    ///
    /// # Safety
    ///
    /// While the map lives, nothing changes the mapped range of the file or truncates the file,
    /// in this or any other process: no writable map or row log of it, no `write(2)`, no other
    /// program (this map's own writes are private and do not count). Other `'r'` and `'c'` maps
    /// of it may coexist. mmarray checks none of this; see the
    /// [safety contract](Memmap#safety-contract-of-file-backed-maps).
    #[doc(alias = "mmap")]
    pub unsafe fn open_copy_on_write(
        &self,
        path: impl AsRef<Path>,
    ) -> Result<Memmap<T, D, CopyOnWrite>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Path(path.as_ref()), Mode::CopyOnWrite) }
    }

    /// Maps an open file (`&File`, `BorrowedFd`, ...) in a mode chosen at run
    /// time. The file's own access must allow the mode (`'r+'` and `'w+'` need
    /// a descriptor opened for reading and writing). As in numpy, `'w+'` on a
    /// descriptor does not truncate: it only extends when needed. The
    /// descriptor's file position is not used or moved. Maps that may grow
    /// keep a duplicate of the descriptor.
    ///
    /// # Errors
    ///
    /// As [`open`](Options::open).
    ///
    /// # Safety
    ///
    /// What the [safety contract](Memmap#safety-contract-of-file-backed-maps) asks in `mode`,
    /// while the map lives: in every mode, nothing else changes the mapped range of the file or
    /// truncates the file, in this or any other process (no other writable map or row log of
    /// it, no `write(2)`, no other program); in `'r+'` and `'w+'`, also no other map or row log
    /// of that range is alive in this process. mmarray checks none of this.
    /// The descriptor given here counts as another handle: write the file through the map, not
    /// through it.
    #[doc(alias = "mmap")]
    pub unsafe fn map(&self, file: impl AsFd, mode: Mode) -> Result<Memmap<T, D, Dynamic>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Fd(file.as_fd()), mode) }
    }

    /// Maps an open file read-only (`'r'`).
    ///
    /// # Errors
    ///
    /// As [`open_read`](Options::open_read).
    ///
    /// # Safety
    ///
    /// While the map lives, nothing changes the mapped range of the file or truncates the file,
    /// in this or any other process: no writable map or row log of it, no `write(2)`, no other
    /// program. Other `'r'` and `'c'` maps of it may coexist. mmarray checks none of this; see
    /// the [safety contract](Memmap#safety-contract-of-file-backed-maps).
    #[doc(alias = "mmap")]
    pub unsafe fn map_read(&self, file: impl AsFd) -> Result<Memmap<T, D, ReadOnly>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Fd(file.as_fd()), Mode::Read) }
    }

    /// Maps an open file read/write (`'r+'`).
    ///
    /// # Errors
    ///
    /// As [`map`](Options::map).
    ///
    /// # Safety
    ///
    /// While the map lives, it is the only handle that writes the mapped range of the file and
    /// the only map of that range in this process: no other handle writes it, in this or any
    /// other process (no other writable map or row log, no `write(2)`, no other program), no
    /// other map or row log of it is alive in this process, and nothing truncates the file.
    /// mmarray checks none of this; see the
    /// [safety contract](Memmap#safety-contract-of-file-backed-maps).
    /// The descriptor given here counts as another handle: write the file through the map, not
    /// through it.
    #[doc(alias = "mmap")]
    #[doc(alias = "ftruncate")]
    pub unsafe fn map_read_write(&self, file: impl AsFd) -> Result<Memmap<T, D, ReadWrite>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Fd(file.as_fd()), Mode::ReadWrite) }
    }

    /// Maps an open file copy-on-write (`'c'`).
    ///
    /// # Errors
    ///
    /// As [`map`](Options::map).
    ///
    /// # Safety
    ///
    /// While the map lives, nothing changes the mapped range of the file or truncates the file,
    /// in this or any other process: no writable map or row log of it, no `write(2)`, no other
    /// program (this map's own writes are private and do not count). Other `'r'` and `'c'` maps
    /// of it may coexist. mmarray checks none of this; see the
    /// [safety contract](Memmap#safety-contract-of-file-backed-maps).
    #[doc(alias = "mmap")]
    pub unsafe fn map_copy_on_write(&self, file: impl AsFd) -> Result<Memmap<T, D, CopyOnWrite>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Fd(file.as_fd()), Mode::CopyOnWrite) }
    }

    /// # Safety
    ///
    /// The file-map contract (`from_source` refuses a `mode` that `A` does not admit).
    unsafe fn finish<A: Access>(&self, src: Source<'_>, mode: Mode) -> Result<Memmap<T, D, A>> {
        let shape = self.shape.clone().transpose()?;
        // SAFETY: the caller upholds the file-map contract, which is this function's.
        unsafe {
            Memmap::from_source_with(
                src,
                mode,
                self.offset,
                shape.as_ref(),
                self.order,
                self.growth,
                self.populate,
            )
        }
    }
}

/// `np.memmap(path, dtype=T, mode='r')`: the whole file, read-only, as a 1-D array.
///
/// # Examples
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("x.u16");
/// std::fs::write(&path, [1u8, 0, 2, 0, 3, 0])?;
/// // SAFETY: nothing else writes or truncates the file while it is mapped.
/// let m = unsafe { mmarray_std::open_read::<u16>(&path) }?;
/// assert_eq!(m.as_slice(), &[1u16.to_le(), 2u16.to_le(), 3u16.to_le()]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`Options::open_read`].
///
/// # Safety
///
/// While the map lives, nothing changes the mapped range of the file or truncates the file,
/// in this or any other process: no writable map or row log of it, no `write(2)`, no other
/// program. Other `'r'` and `'c'` maps of it may coexist. mmarray checks none of this; see
/// the [safety contract](Memmap#safety-contract-of-file-backed-maps).
#[doc(alias = "mmap")]
pub unsafe fn open_read<T: Element>(
    path: impl AsRef<Path>,
) -> Result<Memmap<T, [usize; 1], ReadOnly>> {
    // SAFETY: the caller upholds the contract, which is this function's.
    unsafe { Options::new().open_read(path) }
}

/// `np.memmap(path, dtype=T, mode='r+')`: the whole existing file, read/write, as a 1-D array.
///
/// # Errors
///
/// As [`Options::open_read_write`].
///
/// # Safety
///
/// While the map lives, it is the only handle that writes the mapped range of the file and
/// the only map of that range in this process: no other handle writes it, in this or any
/// other process (no other writable map or row log, no `write(2)`, no other program), no
/// other map or row log of it is alive in this process, and nothing truncates the file.
/// mmarray checks none of this; see the
/// [safety contract](Memmap#safety-contract-of-file-backed-maps).
#[doc(alias = "mmap")]
#[doc(alias = "ftruncate")]
pub unsafe fn open_read_write<T: Element>(
    path: impl AsRef<Path>,
) -> Result<Memmap<T, [usize; 1], ReadWrite>> {
    // SAFETY: the caller upholds the contract, which is this function's.
    unsafe { Options::new().open_read_write(path) }
}

/// `np.memmap(path, dtype=T, mode='w+', shape=shape)`: a new zero-filled file of that shape (C order).
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
#[doc(alias = "mmap")]
#[doc(alias = "ftruncate")]
pub unsafe fn create<T: Element, D: Dimension>(
    path: impl AsRef<Path>,
    shape: impl IntoShape<D>,
) -> Result<Memmap<T, D, ReadWrite>> {
    // SAFETY: the caller upholds the contract, which is this function's.
    unsafe { Options::new().shape(shape).create(path) }
}

/// `np.memmap(path, dtype=T, mode='c')`: the whole file, copy-on-write, as a 1-D array.
///
/// # Errors
///
/// As [`Options::open_copy_on_write`].
///
/// # Safety
///
/// While the map lives, nothing changes the mapped range of the file or truncates the file,
/// in this or any other process: no writable map or row log of it, no `write(2)`, no other
/// program (this map's own writes are private and do not count). Other `'r'` and `'c'` maps
/// of it may coexist. mmarray checks none of this; see the
/// [safety contract](Memmap#safety-contract-of-file-backed-maps).
#[doc(alias = "mmap")]
pub unsafe fn open_copy_on_write<T: Element>(
    path: impl AsRef<Path>,
) -> Result<Memmap<T, [usize; 1], CopyOnWrite>> {
    // SAFETY: the caller upholds the contract, which is this function's.
    unsafe { Options::new().open_copy_on_write(path) }
}
