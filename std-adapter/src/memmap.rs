//! [`Memmap`]: a file (or anonymous memory) mapped as a typed N-d array.
//!
//! The `unsafe` here is only the file-map contract passed along: the public
//! constructors are `unsafe fn`s whose contract is [`RawMap::map_file`]'s, and
//! their one `unsafe` block calls it. No pointer is touched in this file.
#![allow(
    unsafe_code,
    reason = "unsafe constructors forward the file-map contract to raw.rs"
)]

use std::fs::{File, OpenOptions};
use std::marker::PhantomData;
use std::ops::{Index, IndexMut, Range};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

use mmarray::zerocopy::IntoBytes;
use mmarray::{ArrayView, ArrayViewMut, Dimension, Element, IxDyn, Layout, Order};

use crate::error::{Error, Result};
use crate::mode::{Access, CopyOnWrite, Dynamic, Mode, ReadOnly, ReadWrite, Writable};
use crate::raw::{self, Access as MapAccess, Advice, RawMap};
use crate::sys;

/// A file mapped into memory as a typed N-d array: numpy.memmap in Rust.
///
/// `T` is the element type, `D` the shape type (`[usize; N]` for a rank known
/// at compile time, [`IxDyn`] otherwise) and `A` the access: [`ReadOnly`],
/// [`ReadWrite`], [`CopyOnWrite`] — checked at compile time — or [`Dynamic`],
/// a [`Mode`] chosen at run time and checked when a mutable view is asked for.
/// Views borrow the map, so they cannot outlive it (numpy segfaults here), and
/// growing takes `&mut self`, so no view is alive while the mapping moves.
///
/// Build one with [`Options`] (numpy's `offset`, `shape`, `order`, `mode`),
/// or [`Memmap::anon`] for anonymous memory.
///
/// # What does not compile
///
/// Writing to a map opened read-only (numpy raises at run time):
///
/// ```compile_fail
/// # fn f(path: &std::path::Path) -> mmarray_std::Result<()> {
/// let mut m = unsafe { mmarray_std::open_read::<f32>(path) }?;
/// m[[0]] = 1.0; // no IndexMut for Memmap<_, _, ReadOnly>
/// # Ok(()) }
/// ```
///
/// ```compile_fail
/// # fn f(path: &std::path::Path) -> mmarray_std::Result<()> {
/// let mut m = unsafe { mmarray_std::open_read::<f32>(path) }?;
/// m.view_mut().fill(&0.0); // no view_mut either
/// # Ok(()) }
/// ```
///
/// Using a view after its map is gone (numpy segfaults, gh-13510):
///
/// ```compile_fail
/// # fn f(path: &std::path::Path) -> mmarray_std::Result<()> {
/// let m = unsafe { mmarray_std::open_read::<f32>(path) }?;
/// let v = m.view();
/// drop(m); // cannot move out of `m` while `v` borrows it
/// println!("{}", v);
/// # Ok(()) }
/// ```
///
/// Growing while a view is alive (the mapping may move):
///
/// ```compile_fail
/// # fn f(path: &std::path::Path) -> mmarray_std::Result<()> {
/// let mut m = unsafe { mmarray_std::open_read_write::<f32>(path) }?;
/// let v = m.view();
/// m.grow(100)?; // needs `&mut m` while `v` borrows it
/// println!("{}", v);
/// # Ok(()) }
/// ```
///
/// The same code with the views dropped in time compiles:
///
/// ```
/// # fn f(path: &std::path::Path) -> mmarray_std::Result<()> {
/// let mut m = unsafe { mmarray_std::open_read_write::<f32>(path) }?;
/// println!("{}", m.view());
/// m.grow(100)?;
/// m[[99]] = 1.0;
/// # Ok(()) }
/// ```
///
/// # Safety contract of file-backed maps
///
/// Every constructor that maps a file is `unsafe`, as in memmap2, because the
/// compiler's promises about `&[T]` and `&mut [T]` can be broken from outside
/// the program: while the map (or any view of it) is alive, **no other process,
/// thread or mapping may write to the mapped range of the file, and nothing
/// may truncate the file** below the mapped range. A concurrent write is a data
/// race on memory that Rust believes immutable (or exclusively borrowed), which
/// is undefined behaviour; a truncation makes later accesses fault with
/// `SIGBUS`. The kernel cannot enforce this for ordinary files, advisory locks
/// do not bind other processes, and copy-on-write (`'c'`) does not isolate the
/// map from later writes to the file either. The caller promises it — e.g. the
/// file is private to the program, or every writer is this map. Anonymous maps
/// ([`Memmap::anon`]) have no such hazard and are safe to create.
pub struct Memmap<T, D: Dimension = IxDyn, A: Access = Dynamic> {
    map: RawMap,
    /// The array's contiguous layout over the mapped elements, validated once.
    layout: Layout<D>,
    order: Order,
    offset: u64,
    mode: Mode,
    /// Kept for maps that write their file (`r+`, `w+`): to grow it, and as the
    /// sign that flushing does something. `None` for `'r'`, `'c'` and anonymous
    /// maps, and after [`Memmap::close`] has flushed.
    file: Option<File>,
    filename: Option<PathBuf>,
    /// Whether the file is a `.npy` whose header (before `offset`) holds the shape.
    npy: bool,
    _marker: PhantomData<(T, A)>,
}

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
    shape: Option<D>,
    order: Order,
    _marker: PhantomData<fn() -> T>,
}

impl<T, D: Dimension> Default for Options<T, D> {
    fn default() -> Self {
        Options {
            offset: 0,
            shape: None,
            order: Order::C,
            _marker: PhantomData,
        }
    }
}

/// Where the bytes come from.
pub(crate) enum Source<'a> {
    /// A path to open.
    Path(&'a Path),
    /// A caller's descriptor (duplicated if the map must keep it).
    Fd(BorrowedFd<'a>),
    /// A file this crate opened already (for `.npy`, after reading the
    /// header), with its status if that was just read.
    Opened(File, &'a Path, Option<sys::FileStat>),
}

/// What `open_impl` hands back, before the element type is attached.
struct Opened {
    map: RawMap,
    dims: IxDyn,
    #[allow(
        dead_code,
        reason = "kept open for growth (append) and to pin the file while mapped"
    )]
    file: Option<File>,
    filename: Option<PathBuf>,
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

    /// The array's shape. Without one, the array is 1-D over the rest of the
    /// file (and the rest must be a whole number of elements).
    pub fn shape(&mut self, shape: D) -> &mut Self {
        self.shape = Some(shape);
        self
    }

    /// C (row-major, the default) or Fortran (column-major) order of the file's bytes.
    pub fn order(&mut self, order: Order) -> &mut Self {
        self.order = order;
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
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
    pub unsafe fn open_read(&self, path: impl AsRef<Path>) -> Result<Memmap<T, D, ReadOnly>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Path(path.as_ref()), Mode::Read) }
    }

    /// Opens an existing file for reading and writing (`'r+'`), extending it
    /// (sparsely, with zeros) when the array ends past its end. Never shrinks it.
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
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
    /// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
    pub unsafe fn map_copy_on_write(&self, file: impl AsFd) -> Result<Memmap<T, D, CopyOnWrite>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.finish(Source::Fd(file.as_fd()), Mode::CopyOnWrite) }
    }

    /// # Safety
    ///
    /// The file-map contract; `A` must agree with `mode` (the callers above
    /// pair them).
    unsafe fn finish<A: Access>(&self, src: Source<'_>, mode: Mode) -> Result<Memmap<T, D, A>> {
        // SAFETY: the caller upholds the contract and pairs `A` with `mode`.
        unsafe { Memmap::from_source(src, mode, self.offset, self.shape.as_ref(), self.order) }
    }
}

impl<T: Element, D: Dimension, A: Access> Memmap<T, D, A> {
    /// Opens and maps `src`: the one path every file-backed constructor takes.
    ///
    /// # Safety
    ///
    /// The file-map contract; `A` must agree with `mode`.
    pub(crate) unsafe fn from_source(
        src: Source<'_>,
        mode: Mode,
        offset: u64,
        shape: Option<&D>,
        order: Order,
    ) -> Result<Self> {
        let path = match &src {
            Source::Path(p) | Source::Opened(_, p, _) => Some(*p),
            Source::Fd(_) => None,
        };
        let named = |e: Error| e.at_path(path);
        let dims = match shape {
            Some(d) => Some(d.as_slice()),
            None => {
                // An inferred shape is 1-D: D must be able to hold it.
                D::from_dims(&[0]).map_err(|e| named(e.into()))?;
                None
            }
        };
        let layout = ElemLayout {
            size: core::mem::size_of::<T>(),
            align: core::mem::align_of::<T>(),
        };
        // SAFETY: the caller upholds the file-map contract.
        let opened = unsafe { open_impl(src, mode, offset, dims, layout) }.map_err(named)?;
        let (layout, _) = D::from_dims(opened.dims.as_slice())
            .and_then(|d| Layout::contiguous(d, order))
            .map_err(|e| named(e.into()))?;
        let m = Memmap {
            map: opened.map,
            layout,
            order,
            offset,
            mode,
            file: opened.file,
            filename: opened.filename,
            npy: false,
            _marker: PhantomData,
        };
        m.check_cast().map_err(named)?;
        Ok(m)
    }

    /// Checks, once per construction, that the mapped bytes cast to `[T]`:
    /// alignment beyond a page (huge `#[repr(align)]` types) is the one
    /// property the offset check cannot prove. Every later cast relies on it.
    fn check_cast(&self) -> Result<()> {
        if self.map.is_empty() {
            return Ok(());
        }
        <[T] as mmarray::zerocopy::FromBytes>::ref_from_bytes(self.map.as_bytes())
            .map(drop)
            .map_err(|_| {
                let align = core::mem::align_of::<T>();
                mmarray::Error::Misaligned {
                    offset: self.offset,
                    align,
                    size: core::mem::size_of::<T>(),
                }
                .into()
            })
    }

    /// Marks the map as the data of a `.npy` file whose header ends at `offset`.
    pub(crate) fn set_npy(&mut self) {
        self.npy = true;
    }
}

#[derive(Clone, Copy)]
struct ElemLayout {
    size: usize,
    align: usize,
}

pub(crate) fn io_err<'p>(
    op: &'static str,
    path: Option<&'p Path>,
) -> impl FnOnce(std::io::Error) -> Error + 'p {
    move |source| Error::Io {
        op,
        path: path.map(Path::to_path_buf),
        source,
    }
}

pub(crate) fn errno<'p>(
    op: &'static str,
    path: Option<&'p Path>,
) -> impl FnOnce(sys::Errno) -> Error + 'p {
    move |e| io_err(op, path)(e.into())
}

/// The raw layer's errors, in this crate's terms, for the map of `path` in `mode`.
pub(crate) fn raw_err(path: Option<&Path>, mode: Mode) -> impl FnOnce(raw::Error) -> Error + '_ {
    move |e| Error::from_raw(e, path, mode)
}

/// Empties a file (`st` is its status) that is about to receive `end` bytes of
/// new contents. When it is too short, it is grown first, so that a size the
/// file system refuses (EFBIG, EDQUOT, ...) fails before the old contents are
/// thrown away. An empty file needs neither step.
pub(crate) fn empty_for(
    fd: BorrowedFd<'_>,
    st: &sys::FileStat,
    end: u64,
    path: Option<&Path>,
) -> Result<()> {
    if st.len == 0 {
        return Ok(());
    }
    if st.is_regular && end > st.len {
        sys::set_len(fd, end).map_err(errno("ftruncate", path))?;
    }
    sys::set_len(fd, 0).map_err(errno("ftruncate", path))
}

/// Opens `path` for reading (and writing), never creating or truncating it;
/// a directory is [`Error::NotAFile`].
pub(crate) fn open_file(path: &Path, write: bool) -> Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(write);
    o.open(path).map_err(open_err(path))
}

fn open_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| match e.kind() {
        std::io::ErrorKind::IsADirectory => Error::NotAFile {
            path: Some(path.to_path_buf()),
        },
        _ => io_err("open", Some(path))(e),
    }
}

/// A file that this call created: removed again when dropped, unless
/// [`kept`](NewFile::keep) — so that an open that fails after creating its
/// file leaves no file behind (bad input never changes the file system).
pub(crate) struct NewFile<'p>(Option<&'p Path>);

impl NewFile<'_> {
    /// The operation succeeded: the file stays.
    pub(crate) fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for NewFile<'_> {
    fn drop(&mut self) {
        if let Some(p) = self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Opens `path` for reading and writing, creating it if it does not exist;
/// never truncates. The guard removes a file created here unless kept.
pub(crate) fn open_or_create(path: &Path) -> Result<(File, NewFile<'_>)> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create_new(true);
    match o.open(path) {
        Ok(f) => Ok((f, NewFile(Some(path)))),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok((open_file(path, true)?, NewFile(None)))
        }
        Err(e) => Err(open_err(path)(e)),
    }
}

/// The whole of numpy.memmap's construction, without the element type.
///
/// Order: validate every parameter that needs no file, open without
/// truncating, check the file and validate what depends on its length, and
/// only then truncate/extend and map. A failed map after an extension
/// restores the old length.
///
/// # Safety
///
/// The file-map contract of [`Memmap`].
unsafe fn open_impl(
    src: Source<'_>,
    mode: Mode,
    offset: u64,
    shape: Option<&[usize]>,
    elem: ElemLayout,
) -> Result<Opened> {
    // 1. Parameters alone.
    if elem.size == 0 {
        return Err(mmarray::Error::ZeroSizedElement.into());
    }
    if mode == Mode::Write && shape.is_none() {
        return Err(Error::ShapeRequired);
    }
    if !offset.is_multiple_of(elem.align as u64) {
        return Err(mmarray::Error::Misaligned {
            offset,
            align: elem.align,
            size: elem.size,
        }
        .into());
    }
    let given = match shape {
        Some(s) => {
            let dims = IxDyn::new(s)?;
            let bytes = dims
                .size_checked()
                .and_then(|n| n.checked_mul(elem.size))
                .filter(|&b| b <= isize::MAX as usize)
                .ok_or(mmarray::Error::Overflow)?;
            offset
                .checked_add(bytes as u64)
                .ok_or(mmarray::Error::Overflow)?;
            Some((dims, bytes))
        }
        None => None,
    };

    // 2. Open (never truncating here) and look at the file.
    let by_path = matches!(src, Source::Path(_));
    let mut created = None;
    let (owned, borrowed, path) = match src {
        Source::Path(p) if mode == Mode::Write => {
            let (f, new) = open_or_create(p)?;
            created = Some(new);
            (Some(f), None, Some((p, None)))
        }
        Source::Path(p) => {
            let f = open_file(p, mode.writes_file())?;
            (Some(f), None, Some((p, None)))
        }
        Source::Opened(f, p, st) => (Some(f), None, Some((p, st))),
        Source::Fd(fd) => (None, Some(fd), None),
    };
    let (path, known) = match path {
        Some((p, st)) => (Some(p), st),
        None => (None, None),
    };
    let fd = match (&owned, borrowed) {
        (Some(f), _) => f.as_fd(),
        (None, Some(fd)) => fd,
        (None, None) => unreachable!("every source gives a descriptor"),
    };
    let st = match known {
        Some(st) => st,
        None => sys::stat(fd).map_err(errno("fstat", path))?,
    };
    if st.is_dir {
        return Err(Error::NotAFile {
            path: path.map(Path::to_path_buf),
        });
    }
    if mode.writes_file() && !sys::is_writable(fd).map_err(errno("fcntl", path))? {
        return Err(io_err("map for writing", path)(
            std::io::ErrorKind::PermissionDenied.into(),
        ));
    }
    let truncate = mode == Mode::Write && by_path;
    // Devices have no meaningful length: only regular files are checked and grown.
    let len = if truncate {
        0
    } else if st.is_regular {
        st.len
    } else {
        u64::MAX
    };

    // 3. What depends on the file's length.
    let (dims, bytes) = match given {
        Some(x) => x,
        None if !st.is_regular => {
            return Err(Error::NotAFile {
                path: path.map(Path::to_path_buf),
            });
        }
        None => {
            let rest = len.checked_sub(offset).ok_or(Error::OffsetPastEnd {
                path: None,
                offset,
                len,
            })?;
            if !rest.is_multiple_of(elem.size as u64) {
                return Err(mmarray::Error::NotWholeElements {
                    len: rest,
                    size: elem.size,
                }
                .into());
            }
            let n =
                usize::try_from(rest / elem.size as u64).map_err(|_| mmarray::Error::Overflow)?;
            let bytes = n * elem.size;
            if bytes > isize::MAX as usize {
                return Err(mmarray::Error::Overflow.into());
            }
            (IxDyn::new(&[n])?, bytes)
        }
    };
    let end = offset + bytes as u64;
    if end > len && !mode.writes_file() {
        return Err(Error::PastEnd {
            path: None,
            mode,
            end,
            len,
        });
    }

    // 4. Change the file: empty it ('w+' by path), extend it to hold the data.
    // A zero-size array never changes the file beyond 'w+' emptying it.
    let old_len = st.len;
    if truncate {
        empty_for(fd, &st, end, path)?;
    }
    let grown = st.is_regular && bytes > 0 && end > len;
    if grown || (truncate && end > 0) {
        sys::set_len(fd, end).map_err(errno("ftruncate", path))?;
    }
    // The file's length now: what we made it, or as it was.
    let now = sys::FileStat {
        len: if grown || truncate { end } else { st.len },
        ..st
    };

    // 5. Map.
    let access = match mode {
        Mode::Read => MapAccess::ReadOnly,
        Mode::ReadWrite | Mode::Write => MapAccess::ReadWrite,
        Mode::CopyOnWrite => MapAccess::CopyOnWrite,
    };
    let mapped = if st.is_regular && end > now.len {
        // An empty array past the end of the file (anything else past it was
        // refused or extended above): nothing to map.
        RawMap::anonymous(0)
    } else {
        // SAFETY: the caller upholds the file-map contract; offset..end lies
        // within the file (checked, or extended just above), and `now` is its status.
        unsafe { RawMap::map_file_with_stat(fd, offset, bytes, access, &now) }
    };
    let map = match mapped {
        Ok(m) => m,
        Err(e) => {
            if grown && !truncate {
                // Undo our extension: the map never existed.
                let _ = sys::set_len(fd, old_len);
            }
            return Err(raw_err(path, mode)(e));
        }
    };

    let file = match (mode.writes_file(), owned, borrowed) {
        (false, _, _) => None,
        (true, Some(f), _) => Some(f),
        (true, None, Some(fd)) => Some(File::from(
            fd.try_clone_to_owned().map_err(io_err("dup", None))?,
        )),
        (true, None, None) => None,
    };
    let filename = match path {
        Some(p) => Some(std::path::absolute(p).map_err(io_err("absolute path", Some(p)))?),
        None => None,
    };
    if let Some(new) = created {
        new.keep();
    }
    Ok(Opened {
        map,
        dims,
        file,
        filename,
    })
}

impl<T: Element, D: Dimension, A: Access> Memmap<T, D, A> {
    /// Anonymous, zero-filled memory with the array's shape (C order): no
    /// file, so nothing outside the program can change it, and this is safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::Memmap;
    /// let mut m = Memmap::<u64, [usize; 2]>::anon([2, 3])?;
    /// m[[1, 2]] = 7;
    /// assert_eq!(m.as_slice(), &[0, 0, 0, 0, 0, 7]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] for a shape too large to address; [`Error::Io`] when
    /// the kernel refuses the memory.
    pub fn anon(shape: D) -> Result<Memmap<T, D, ReadWrite>> {
        let (layout, n) = Layout::contiguous(shape, Order::C)?;
        let bytes = n
            .checked_mul(core::mem::size_of::<T>())
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or(mmarray::Error::Overflow)?;
        let map = RawMap::anonymous(bytes).map_err(raw_err(None, Mode::ReadWrite))?;
        let m = Memmap {
            map,
            layout,
            order: Order::C,
            offset: 0,
            mode: Mode::ReadWrite,
            file: None,
            filename: None,
            npy: false,
            _marker: PhantomData,
        };
        m.check_cast()?;
        Ok(m)
    }
}

impl<T: Element, D: Dimension, A: Access> Memmap<T, D, A> {
    /// A shared view of the whole array.
    pub fn view(&self) -> ArrayView<'_, T, D> {
        match ArrayView::with_layout(self.as_slice(), self.layout.clone()) {
            Ok(v) => v,
            // The layout was validated against exactly these elements.
            Err(e) => unreachable!("a validated map failed to cast: {e}"),
        }
    }

    /// The elements in memory (file) order, without any per-element cost.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        if self.map.is_empty() {
            return &[];
        }
        match <[T] as mmarray::zerocopy::FromBytes>::ref_from_bytes(self.map.as_bytes()) {
            Ok(s) => s,
            Err(_) => unreachable!("a validated map failed to cast"),
        }
    }

    /// The element at `index`, or `None` when out of bounds.
    #[inline]
    pub fn get(&self, index: impl AsRef<[usize]>) -> Option<&T> {
        let p = self.layout.position(index.as_ref())?;
        self.as_slice().get(p)
    }

    /// The path the map was opened from, made absolute (symbolic links are
    /// kept, like numpy's `os.path.abspath`); `None` for descriptors and
    /// anonymous maps.
    pub fn filename(&self) -> Option<&Path> {
        self.filename.as_deref()
    }

    /// The byte offset given when opening (numpy's `offset`).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The mode the map was opened in (numpy's `mode`).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The length of each axis.
    pub fn shape(&self) -> &[usize] {
        self.layout.shape()
    }

    /// The shape value.
    pub fn dim(&self) -> &D {
        self.layout.dim()
    }

    /// The order of the elements in the file.
    pub fn order(&self) -> Order {
        self.order
    }

    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.layout.ndim()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.layout.len()
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The size of the array's data in bytes.
    pub fn nbytes(&self) -> usize {
        self.map.as_bytes().len()
    }

    /// Whether flushing does anything: the map writes its (still open) file.
    fn flushes(&self) -> bool {
        self.file.is_some()
    }

    /// Writes changes to the file and waits for the disk (`msync(2)` with
    /// `MS_SYNC` over the whole map). A no-op in modes `'r'` and `'c'` and for
    /// anonymous maps. Other processes see writes before any flush; flushing
    /// is about durability.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when `msync` fails (e.g. an I/O error writing back).
    pub fn flush(&self) -> Result<()> {
        if !self.flushes() {
            return Ok(());
        }
        self.map
            .flush(true)
            .map_err(raw_err(self.filename(), self.mode))
    }

    /// Starts writing changes to the file without waiting (`MS_ASYNC`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when `msync` fails.
    pub fn flush_async(&self) -> Result<()> {
        if !self.flushes() {
            return Ok(());
        }
        self.map
            .flush(false)
            .map_err(raw_err(self.filename(), self.mode))
    }

    /// Flushes the elements `range` (positions in memory order, as in
    /// [`as_slice`](Memmap::as_slice)) and waits: only the pages holding them
    /// are written, so flushing a few rows of a huge array costs a few pages.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] when the range is not within `0..len()`;
    /// [`Error::Io`] when `msync` fails.
    pub fn flush_range(&self, range: Range<usize>) -> Result<()> {
        let len = self.len();
        if range.start > range.end || range.end > len {
            return Err(Error::OutOfRange {
                start: range.start,
                end: range.end,
                len,
            });
        }
        if !self.flushes() || range.is_empty() {
            return Ok(());
        }
        let size = core::mem::size_of::<T>();
        self.map
            .flush_range(range.start * size, (range.end - range.start) * size, true)
            .map_err(raw_err(self.filename(), self.mode))
    }

    /// Tells the kernel how the map will be read (`madvise(2)`): e.g.
    /// [`Advice::Random`] for sparse gathers from a huge file, which stops
    /// readahead from pulling in pages nobody reads.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when `madvise` fails.
    pub fn advise(&self, advice: Advice) -> Result<()> {
        self.map
            .advise(advice)
            .map_err(raw_err(self.filename(), self.mode))
    }

    /// Flushes (as [`flush`](Memmap::flush)) and unmaps, reporting a flush
    /// error that dropping would have to ignore. numpy has no such call.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the flush fails; the map is unmapped either way.
    pub fn close(mut self) -> Result<()> {
        let r = self.flush();
        // Flushed: dropping the file tells `drop` not to flush again.
        self.file = None;
        r
    }
}

impl<T, D: Dimension, A: Access> Memmap<T, D, A> {
    /// The mapped elements, mutably: every map but a read-only one is writable, and
    /// read-only ones never get here (their types or modes refuse first).
    #[inline]
    fn elems_mut(&mut self) -> &mut [T]
    where
        T: Element,
    {
        let Some(bytes) = self.map.as_bytes_mut() else {
            unreachable!("a mutable view was asked of a read-only map");
        };
        if bytes.is_empty() {
            return &mut [];
        }
        match <[T] as mmarray::zerocopy::FromBytes>::mut_from_bytes(bytes) {
            Ok(s) => s,
            Err(_) => unreachable!("a validated map failed to cast"),
        }
    }
}

impl<T: Element, D: Dimension, A: Access> Memmap<T, D, A> {
    /// The growth axis: the one whose elements are outermost in the file
    /// (axis 0 in C order, the last in Fortran order), or `None` for 0-d.
    pub fn growth_axis(&self) -> Option<usize> {
        match (self.ndim(), self.order) {
            (0, _) => None,
            (_, Order::C) => Some(0),
            (n, Order::F) => Some(n - 1),
        }
    }

    /// Grows the array in place along its [growth axis](Memmap::growth_axis)
    /// to `new_len`, filling the new part with zeros: the file is extended
    /// (sparsely), a `.npy` header gets the new shape, and the mapping is
    /// moved if it must be (`mremap` on Linux). numpy has no API for this.
    ///
    /// Readers of the file always see a valid array: the file is extended
    /// before the header names the new shape, never the other way round,
    /// and numpy ignores bytes past the data. Taking `&mut self` proves no
    /// view of the old mapping is alive.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("log.f64");
    /// use mmarray_std::{Ix2, Options};
    /// // SAFETY: nothing else writes or truncates the file while it is mapped.
    /// let mut m = unsafe { Options::<f64, Ix2>::new().shape([2, 3]).create(&path) }?;
    /// m.append(&[1.0, 2.0, 3.0])?;
    /// assert_eq!(m.shape(), &[3, 3]);
    /// assert_eq!(m[[2, 1]], 2.0);
    /// assert_eq!(std::fs::metadata(&path)?.len(), 72);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CannotGrow`] for maps that do not write their file (`'r'`,
    /// `'c'`, anonymous), 0-d arrays, and `new_len` below the current
    /// length; [`Error::Layout`] for sizes that overflow;
    /// [`Error::Header`] when a `.npy` header has no room for the new shape;
    /// [`Error::Io`] when the OS refuses. On an error before the file was
    /// extended, nothing changed; after, the file may be longer than the data.
    pub fn grow(&mut self, new_len: usize) -> Result<()> {
        let Some(axis) = self.growth_axis() else {
            return Err(Error::CannotGrow {
                reason: "a 0-d array has no axis to grow along",
            });
        };
        let Some(file) = self.file.as_ref() else {
            return Err(Error::CannotGrow {
                reason: "only maps that write their file ('r+', 'w+') can grow it",
            });
        };
        let old_len = self.shape()[axis];
        if new_len < old_len {
            return Err(Error::CannotGrow {
                reason: "shrinking would cut pages other maps of the file may use; give a larger length",
            });
        }
        let mut shape = self.dim().clone();
        shape.as_mut_slice()[axis] = new_len;
        let bytes = shape
            .size_checked()
            .and_then(|n| n.checked_mul(core::mem::size_of::<T>()))
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or(mmarray::Error::Overflow)?;
        let end = self
            .offset
            .checked_add(bytes as u64)
            .ok_or(mmarray::Error::Overflow)?;
        let path = self.filename.as_deref();

        // The new header first, in memory: if the shape does not fit, nothing changed.
        let header = if self.npy {
            let mut h =
                vec![0u8; usize::try_from(self.offset).map_err(|_| mmarray::Error::Overflow)?];
            std::os::unix::fs::FileExt::read_exact_at(file, &mut h, 0)
                .map_err(io_err("read header", path))?;
            mmarray::npy::rewrite_shape(&mut h, shape.as_slice())
                .map_err(|e| Error::from(e).at_path(path))?;
            Some(h)
        } else {
            None
        };
        // 1. Room for the data, 2. the shape that names it, 3. the mapping.
        let st = sys::stat(file).map_err(errno("fstat", path))?;
        if end > st.len {
            sys::set_len(file, end).map_err(errno("ftruncate", path))?;
        }
        if let Some(h) = header {
            std::os::unix::fs::FileExt::write_all_at(file, &h, 0)
                .map_err(io_err("write header", path))?;
        }
        if self.map.access() == MapAccess::ReadWrite {
            self.map
                .remap(file, bytes)
                .map_err(raw_err(path, self.mode))?;
        } else {
            // An empty array past the old end had no file mapping to move.
            // SAFETY: the contract the caller accepted when opening this map
            // covers the file; offset..end lies within it (extended above).
            self.map = unsafe { RawMap::map_file(file, self.offset, bytes, MapAccess::ReadWrite) }
                .map_err(raw_err(path, self.mode))?;
        }
        self.layout = Layout::contiguous(shape, self.order)?.0;
        Ok(())
    }

    /// Appends `data` along the [growth axis](Memmap::growth_axis): it must
    /// hold whole slices of that axis (a multiple of the product of the
    /// other axes), in memory order. See [`grow`](Memmap::grow).
    ///
    /// # Errors
    ///
    /// As [`grow`](Memmap::grow); [`Error::Layout`] with
    /// [`BufferLength`](mmarray::Error::BufferLength) when `data` is not whole slices.
    pub fn append(&mut self, data: &[T]) -> Result<()> {
        let Some(axis) = self.growth_axis() else {
            return Err(Error::CannotGrow {
                reason: "a 0-d array has no axis to grow along",
            });
        };
        let dims = self.shape();
        let slice: usize = dims
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != axis)
            .map(|(_, &d)| d)
            .product();
        let rows = match data.len().checked_div(slice) {
            Some(r) if r * slice == data.len() => r,
            None if data.is_empty() => 0,
            _ => {
                return Err(Error::Ragged {
                    len: data.len(),
                    slice,
                });
            }
        };
        let old = self.len();
        let new_len = dims[axis]
            .checked_add(rows)
            .ok_or(mmarray::Error::Overflow)?;
        self.grow(new_len)?;
        let bytes = match self.map.as_bytes_mut() {
            Some(b) => b,
            None => unreachable!("a map that writes its file is writable"),
        };
        let size = core::mem::size_of::<T>();
        bytes[old * size..].copy_from_slice(data.as_bytes());
        Ok(())
    }
}

impl<T: Element, D: Dimension, A: Writable> Memmap<T, D, A> {
    /// A mutable view of the whole array.
    pub fn view_mut(&mut self) -> ArrayViewMut<'_, T, D> {
        let layout = self.layout.clone();
        match ArrayViewMut::with_layout(self.elems_mut(), layout) {
            Ok(v) => v,
            Err(e) => unreachable!("a validated map failed to cast: {e}"),
        }
    }

    /// The elements in memory (file) order, mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self.elems_mut()
    }
}

impl<T: Element, D: Dimension> Memmap<T, D, Dynamic> {
    /// A mutable view, unless the map was opened in mode `'r'`.
    ///
    /// # Errors
    ///
    /// [`Error::ReadOnly`] in mode `'r'`.
    pub fn try_view_mut(&mut self) -> Result<ArrayViewMut<'_, T, D>> {
        let layout = self.layout.clone();
        Ok(ArrayViewMut::with_layout(self.try_as_mut_slice()?, layout)?)
    }

    /// The elements in memory order, mutably, unless the map is read-only.
    ///
    /// # Errors
    ///
    /// [`Error::ReadOnly`] in mode `'r'`.
    pub fn try_as_mut_slice(&mut self) -> Result<&mut [T]> {
        if !self.mode.is_writable() {
            return Err(Error::ReadOnly);
        }
        Ok(self.elems_mut())
    }
}

impl<T: Element, D: Dimension, A: Access, I: AsRef<[usize]>> Index<I> for Memmap<T, D, A> {
    type Output = T;

    /// # Panics
    ///
    /// When the index is out of bounds or has the wrong number of axes.
    #[track_caller]
    fn index(&self, index: I) -> &T {
        match self.layout.checked_position(index.as_ref()) {
            Ok(p) => &self.as_slice()[p],
            Err(e) => panic!("{e}"),
        }
    }
}

impl<T: Element, D: Dimension, A: Writable, I: AsRef<[usize]>> IndexMut<I> for Memmap<T, D, A> {
    /// # Panics
    ///
    /// When the index is out of bounds or has the wrong number of axes.
    #[track_caller]
    fn index_mut(&mut self, index: I) -> &mut T {
        match self.layout.checked_position(index.as_ref()) {
            Ok(p) => &mut self.elems_mut()[p],
            Err(e) => panic!("{e}"),
        }
    }
}

impl<T, D: Dimension, A: Access> Drop for Memmap<T, D, A> {
    /// Flushes (best effort: errors are ignored; use [`Memmap::close`] to see
    /// them) and unmaps.
    fn drop(&mut self) {
        // As `flushes`: only a map that still holds its file writes it.
        if self.file.is_some() {
            let _ = self.map.flush(true);
        }
    }
}

impl<T, D: Dimension, A: Access> std::fmt::Debug for Memmap<T, D, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memmap")
            .field("filename", &self.filename)
            .field("offset", &self.offset)
            .field("mode", &self.mode)
            .field("shape", &self.layout.shape())
            .field("order", &self.order)
            .finish_non_exhaustive()
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
/// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
/// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
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
/// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
pub unsafe fn create<T: Element, D: Dimension>(
    path: impl AsRef<Path>,
    shape: D,
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
/// See the [safety contract](Memmap#safety-contract-of-file-backed-maps).
pub unsafe fn open_copy_on_write<T: Element>(
    path: impl AsRef<Path>,
) -> Result<Memmap<T, [usize; 1], CopyOnWrite>> {
    // SAFETY: the caller upholds the contract, which is this function's.
    unsafe { Options::new().open_copy_on_write(path) }
}

/// Compile-time checks of what callers rely on: maps and their views cross
/// threads when the element type allows, and read-only maps do too.
const _: () = {
    const fn send_sync<X: Send + Sync>() {}
    send_sync::<Memmap<f32, [usize; 2], ReadOnly>>();
    send_sync::<Memmap<u8, IxDyn, ReadWrite>>();
    send_sync::<Memmap<u64, [usize; 1], CopyOnWrite>>();
    send_sync::<Memmap<i16, IxDyn, Dynamic>>();
};

/// numpy's `dtype_short_repr`: the `dtype=` text of an array repr, and whether
/// numpy leaves it out (`float64`, `int64`, `complex128` and `bool` are implied).
fn dtype_short_repr(descr: &mmarray::npy::Descr<'_>) -> (String, bool) {
    use mmarray::element::{ByteOrder, Kind};
    let Some(s) = descr.scalar() else {
        // Records print as their field list.
        return (descr.to_string().trim_matches('\'').to_string(), false);
    };
    let quoted = || (descr.to_string(), false);
    if s.order() != ByteOrder::NATIVE && s.order() != ByteOrder::NotApplicable {
        return quoted();
    }
    let bits = s.size() * 8;
    let name = match s.kind() {
        Kind::Bool => return ("bool".into(), true),
        Kind::Int => format!("int{bits}"),
        Kind::Uint => format!("uint{bits}"),
        Kind::Float => format!("float{bits}"),
        Kind::Complex => format!("complex{bits}"),
        Kind::Datetime { .. } | Kind::Timedelta { .. } => {
            // 'datetime64[ns]': not a plain name, so numpy quotes it.
            let code = descr.to_string();
            let unit = code.find('[').map_or("", |i| &code[i..code.len() - 1]);
            let base = if matches!(s.kind(), Kind::Datetime { .. }) {
                "datetime64"
            } else {
                "timedelta64"
            };
            return (format!("'{base}{unit}'"), false);
        }
        _ => return quoted(),
    };
    let implied = matches!(name.as_str(), "float64" | "int64" | "complex128");
    (name, implied)
}

/// The text after the data in numpy's repr: `shape=` for empty arrays other
/// than `(0,)` and for summarised ones (numpy >= 2.2), `dtype=` unless implied.
fn repr_extras(shape: &[usize], descr: &mmarray::npy::Descr<'_>) -> String {
    let size: usize = shape.iter().product();
    let mut parts = Vec::new();
    if (size == 0 && shape != [0]) || size > 1000 {
        let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
        parts.push(match dims.len() {
            1 => format!("shape=({},)", dims[0]),
            _ => format!("shape=({})", dims.join(", ")),
        });
    }
    let (name, implied) = dtype_short_repr(descr);
    if !implied || size == 0 {
        parts.push(format!("dtype={name}"));
    }
    parts.join(", ")
}

impl<T, D, A> std::fmt::Display for Memmap<T, D, A>
where
    T: mmarray::Dtype + mmarray::NumpyFormat,
    D: Dimension,
    A: Access,
{
    /// Prints the array as numpy's `repr` of a memmap does:
    /// `memmap([[0., 1.], [2., 3.]], dtype=float32)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let extras = repr_extras(self.shape(), &mmarray::npy::Descr::of::<T>());
        write!(f, "{}", self.view().repr("memmap", &extras))
    }
}
