//! Opening: the one path every constructor takes, as a sequence of named steps.
//!
//! Bad input never changes a file, and the signatures show it: the steps that validate
//! ([`check_params`], [`plan`]) take no file descriptor, only values; the step that reads
//! the file ([`inspect`]) changes nothing; only [`resize`] and [`map_planned`], which run
//! after every check passed, change the file, and [`map_planned`] undoes an extension of
//! ours when the map fails.
#![allow(
    unsafe_code,
    reason = "the file-backed openers are unsafe fns: they pass the file-map contract on to raw"
)]

use std::fs::File;
use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

use mmarray::{Dimension, Element, IxDyn, Layout, Order};

use super::{Growth, Memmap, Pending};
use crate::error::{Error, Result};
use crate::fs::{
    NewFile, empty_for, errno, extend, io_err, open_file, open_or_create, raw_err, sync_dir,
};
use crate::mode::{Access, Mode, ReadWrite, admits};
use crate::raw::{Access as MapAccess, RawMap};
use crate::sys::{self, FileStat};

/// Where the bytes come from.
pub(crate) enum Source<'a> {
    /// A path to open.
    Path(&'a Path),
    /// A caller's descriptor (duplicated if the map must keep it).
    Fd(BorrowedFd<'a>),
    /// A file this crate opened already (for `.npy`, after reading the
    /// header), with its status if that was just read.
    Opened(File, &'a Path, Option<FileStat>),
}

/// The element type's size and alignment: all that opening needs of it.
#[derive(Clone, Copy)]
struct ElemLayout {
    size: usize,
    align: usize,
}

/// What [`open_impl`] hands back, before the element type is attached.
struct Opened {
    map: RawMap,
    dims: IxDyn,
    /// Kept for maps that write their file: to grow it, and to pin it while mapped.
    file: Option<File>,
    filename: Option<PathBuf>,
    /// Whether a write at a file offset lands in the mapped pages: the file is regular and
    /// its descriptor not in append mode.
    positional: bool,
    /// Whether opening created, emptied or extended the file: a change to make durable.
    changed: bool,
}

impl<T: Element, D: Dimension, A: Access> Memmap<T, D, A> {
    /// Opens and maps `src`: the one path every file-backed constructor takes.
    ///
    /// # Errors
    ///
    /// [`Error::ModeMismatch`] if `A` does not admit `mode` (before anything is opened);
    /// otherwise those of the steps below.
    ///
    /// # Safety
    ///
    /// The file-map contract of [`Memmap`].
    #[cfg_attr(
        not(any(test, feature = "npz")),
        allow(
            dead_code,
            reason = "the openers that take no growth choices: npz members"
        )
    )]
    pub(crate) unsafe fn from_source(
        src: Source<'_>,
        mode: Mode,
        offset: u64,
        shape: Option<&D>,
        order: Order,
    ) -> Result<Self> {
        // SAFETY: the caller upholds the file-map contract, which is this function's.
        unsafe { Self::from_source_with(src, mode, offset, shape, order, Growth::default(), false) }
    }

    /// [`from_source`](Memmap::from_source) with the choices of how the file is extended
    /// and synced (preallocated or sparse; durable or not), which the map keeps for
    /// [`grow`](Memmap::grow), and whether every page is read in while mapping
    /// (`MAP_POPULATE`).
    ///
    /// # Errors
    ///
    /// As [`from_source`](Memmap::from_source).
    ///
    /// # Safety
    ///
    /// The file-map contract of [`Memmap`].
    pub(crate) unsafe fn from_source_with(
        src: Source<'_>,
        mode: Mode,
        offset: u64,
        shape: Option<&D>,
        order: Order,
        growth: Growth,
        populate: bool,
    ) -> Result<Self> {
        if let Some(expected) = A::MODE.filter(|_| !admits(A::MODE, mode)) {
            return Err(Error::ModeMismatch { mode, expected });
        }
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
        // SAFETY: the caller upholds the file-map contract, which is this function's.
        let opened = unsafe { open_impl(src, mode, offset, dims, layout, growth, populate) }
            .map_err(named)?;
        let (layout, _) = D::from_dims(opened.dims.as_slice())
            .and_then(|d| Layout::contiguous(d, order))
            .map_err(|e| named(e.into()))?;
        let mut m = Memmap {
            map: opened.map,
            layout,
            order,
            offset,
            mode,
            file: opened.file,
            filename: opened.filename,
            npy: None,
            pending: Pending::default(),
            growth,
            positional: opened.positional,
            _marker: PhantomData,
        };
        m.check_cast().map_err(named)?;
        if opened.changed && m.file.is_some() && !growth.durable {
            // Created, emptied or extended (and not synced already, as a durable open
            // does): a drop or close makes that durable too.
            m.pending.mark_written();
        }
        Ok(m)
    }

    /// Checks, once per construction, that the mapped bytes cast to `[T]`:
    /// alignment beyond a page (huge `#[repr(align)]` types) is the one
    /// property the offset check cannot prove. Every later cast relies on it.
    fn check_cast(&self) -> Result<()> {
        if self.map.is_empty() {
            return Ok(());
        }
        T::slice_from_bytes(self.map.as_bytes())
            .map(drop)
            .ok_or_else(|| {
                let align = core::mem::align_of::<T>();
                mmarray::Error::Misaligned {
                    offset: self.offset,
                    align,
                    size: core::mem::size_of::<T>(),
                }
                .into()
            })
    }

    /// Marks the map as the data of a `.npy` file of format `version` whose header ends at `offset`.
    pub(crate) fn set_npy(&mut self, version: mmarray::npy::Version) {
        self.npy = Some(version);
    }

    /// The format version of the `.npy` file this map holds the data of (`None` for other maps).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Ix1, npy};
    /// use mmarray_std::npy::Version;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("a.npy");
    /// // SAFETY: nothing else writes or truncates the file while it is mapped.
    /// let m = unsafe { npy::create::<f32, Ix1>(&path, [2]) }?;
    /// assert_eq!(m.npy_version(), Some(Version::V1_0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn npy_version(&self) -> Option<mmarray::npy::Version> {
        self.npy
    }
}

impl<T: Element, D: Dimension> Memmap<T, D, ReadWrite> {
    /// Anonymous, zero-filled memory with the array's shape (C order): no
    /// file, so nothing outside the program can change it, and this is safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Ix2, Memmap, ReadWrite};
    /// let mut m: Memmap<u64, Ix2, ReadWrite> = Memmap::anonymous([2, 3])?;
    /// m[[1, 2]] = 7;
    /// assert_eq!(m.as_slice(), &[0, 0, 0, 0, 0, 7]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] for a shape too large to address or a zero-sized `T`;
    /// [`Error::AlignBeyondPage`] for an element type aligned to more than a page;
    /// [`Error::Io`] when the kernel refuses the memory.
    #[doc(alias = "mmap", alias = "anon", alias = "MAP_ANONYMOUS")]
    pub fn anonymous(shape: D) -> Result<Self> {
        if core::mem::size_of::<T>() == 0 {
            return Err(mmarray::Error::ZeroSizedElement.into());
        }
        check_align(core::mem::align_of::<T>())?;
        let (layout, n) = Layout::contiguous(shape, Order::C)?;
        let bytes = n
            .checked_mul(core::mem::size_of::<T>())
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or(mmarray::Error::Overflow)?;
        let map = RawMap::anonymous(bytes).map_err(raw_err(Mode::ReadWrite, None))?;
        let m = Memmap {
            map,
            layout,
            order: Order::C,
            offset: 0,
            mode: Mode::ReadWrite,
            file: None,
            filename: None,
            npy: None,
            pending: Pending::default(),
            growth: Growth::default(),
            positional: false,
            _marker: PhantomData,
        };
        m.check_cast()?;
        Ok(m)
    }
}

/// The whole of numpy.memmap's construction, without the element type: the steps below,
/// in order.
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
    growth: Growth,
    populate: bool,
) -> Result<Opened> {
    let given = check_params(mode, offset, shape, elem)?;
    let file = open_source(src, mode)?;
    let facts = inspect(file.fd(), file.known, file.path, mode)?;
    let plan = plan(given, &facts, mode, offset, elem, file.by_path, file.path)?;
    let now = resize(file.fd(), &plan, &facts.st, growth.sparse, file.path)?;
    // SAFETY: the caller upholds the file-map contract; `now` is the file's status after
    // `resize`, which made the file hold the planned bytes.
    let map = unsafe {
        map_planned(
            file.fd(),
            &plan,
            (mode, populate),
            offset,
            (&facts.st, &now),
            file.path,
        )
    }?;
    if growth.durable && (plan.grow || plan.truncate) {
        make_durable(
            file.fd(),
            file.created.as_ref().is_some_and(NewFile::is_new),
            file.path,
        )?;
    }
    let positional = facts.st.is_regular && !facts.append;
    file.keep(map, plan.dims, mode, positional, plan.grow || plan.truncate)
}

/// Syncs a file that this open created or changed the length of, and the directory of one
/// it created (its name lives there): [`Options::durable`](crate::Options::durable).
fn make_durable(fd: BorrowedFd<'_>, created: bool, path: Option<&Path>) -> Result<()> {
    sys::sync_file(fd, true).map_err(errno("fsync", path))?;
    match path {
        Some(p) if created => sync_dir(p),
        _ => Ok(()),
    }
}

/// Refuses an element type aligned to more than a page: a mapping is only page-aligned, so
/// its bytes could not be cast to such elements once `grow` or `mremap(2)` moves it.
fn check_align(align: usize) -> Result<()> {
    let page = sys::page_size();
    if align > page {
        return Err(Error::AlignBeyondPage { align, page });
    }
    Ok(())
}

/// Step 1, no file: what the parameters alone decide. Returns the given shape and its size
/// in bytes, or `None` when the shape is to be inferred from the file.
fn check_params(
    mode: Mode,
    offset: u64,
    shape: Option<&[usize]>,
    elem: ElemLayout,
) -> Result<Option<(IxDyn, usize)>> {
    if elem.size == 0 {
        return Err(mmarray::Error::ZeroSizedElement.into());
    }
    check_align(elem.align)?;
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
    let Some(s) = shape else {
        return Ok(None);
    };
    let dims = IxDyn::new(s)?;
    let bytes = dims
        .size_checked()
        .and_then(|n| n.checked_mul(elem.size))
        .filter(|&b| b <= isize::MAX as usize)
        .ok_or(mmarray::Error::Overflow)?;
    offset
        .checked_add(bytes as u64)
        .ok_or(mmarray::Error::Overflow)?;
    Ok(Some((dims, bytes)))
}

/// The opened file of step 2: owned or borrowed, with what is known about it.
struct OpenFile<'a> {
    owned: Option<File>,
    borrowed: Option<BorrowedFd<'a>>,
    path: Option<&'a Path>,
    /// The file's status when the caller just read it.
    known: Option<FileStat>,
    /// A file this open created (`'w+'` by path): removed again unless kept.
    created: Option<NewFile<'a>>,
    /// Opened by path (so `'w+'` empties it; a descriptor is only extended).
    by_path: bool,
}

/// Step 2: opens the source, never truncating; `'w+'` by path creates a missing file, which
/// is removed again if a later step fails.
fn open_source(src: Source<'_>, mode: Mode) -> Result<OpenFile<'_>> {
    let by_path = matches!(src, Source::Path(_));
    let mut file = OpenFile {
        owned: None,
        borrowed: None,
        path: None,
        known: None,
        created: None,
        by_path,
    };
    match src {
        Source::Path(p) if mode == Mode::Write => {
            let (f, new) = open_or_create(p)?;
            file.owned = Some(f);
            file.created = Some(new);
            file.path = Some(p);
        }
        Source::Path(p) => {
            file.owned = Some(open_file(p, mode.writes_file())?);
            file.path = Some(p);
        }
        Source::Opened(f, p, st) => {
            file.owned = Some(f);
            file.path = Some(p);
            file.known = st;
        }
        Source::Fd(fd) => file.borrowed = Some(fd),
    }
    Ok(file)
}

impl OpenFile<'_> {
    fn fd(&self) -> BorrowedFd<'_> {
        match (&self.owned, self.borrowed) {
            (Some(f), _) => f.as_fd(),
            (None, Some(fd)) => fd,
            (None, None) => unreachable!("every source gives a descriptor"),
        }
    }

    /// Step 7: the map succeeded. Keeps the descriptor for maps that write their file
    /// (duplicating a borrowed one), makes the path absolute, and keeps a created file.
    fn keep(
        self,
        map: RawMap,
        dims: IxDyn,
        mode: Mode,
        positional: bool,
        changed: bool,
    ) -> Result<Opened> {
        let file = match (mode.writes_file(), self.owned, self.borrowed) {
            (false, _, _) => None,
            (true, Some(f), _) => Some(f),
            (true, None, Some(fd)) => Some(File::from(
                fd.try_clone_to_owned().map_err(io_err("dup", None))?,
            )),
            (true, None, None) => None,
        };
        let filename = match self.path {
            Some(p) => Some(std::path::absolute(p).map_err(io_err("absolute path", Some(p)))?),
            None => None,
        };
        if let Some(new) = self.created {
            new.keep();
        }
        Ok(Opened {
            map,
            dims,
            file,
            filename,
            positional,
            changed,
        })
    }
}

/// What step 3 learns about the file.
struct Facts {
    st: FileStat,
    /// Whether the descriptor allows writing (only asked in modes that write the file).
    writable: bool,
    /// Whether the descriptor is in append mode (`O_APPEND`; only asked in modes that write
    /// the file): positional writes then land at the end, not in the mapped pages.
    append: bool,
}

/// Step 3: looks at the file (`fstat(2)`, unless the caller just did; `fcntl(2)` in modes
/// that write it). Reads only.
fn inspect(
    fd: BorrowedFd<'_>,
    known: Option<FileStat>,
    path: Option<&Path>,
    mode: Mode,
) -> Result<Facts> {
    let st = match known {
        Some(st) => st,
        None => sys::stat(fd).map_err(errno("fstat", path))?,
    };
    let (writable, append) = if mode.writes_file() && !st.is_dir {
        sys::is_writable(fd).map_err(errno("fcntl", path))?
    } else {
        (true, false)
    };
    Ok(Facts {
        st,
        writable,
        append,
    })
}

/// What step 4 decides: the array's shape and size, where it ends, and how the file must
/// change to hold it.
struct Plan {
    dims: IxDyn,
    bytes: usize,
    /// The file offset one past the array's last byte.
    end: u64,
    /// `'w+'` by path: the file is emptied first.
    truncate: bool,
    /// The file is extended to `end` (a regular file too short for a non-empty array).
    grow: bool,
}

/// Step 4, no file: validates what depends on the file (its kind, its access, its length)
/// and plans the change.
fn plan(
    given: Option<(IxDyn, usize)>,
    facts: &Facts,
    mode: Mode,
    offset: u64,
    elem: ElemLayout,
    by_path: bool,
    path: Option<&Path>,
) -> Result<Plan> {
    let st = &facts.st;
    if st.is_dir {
        return Err(Error::NotAFile {
            path: path.map(Path::to_path_buf),
        });
    }
    if !facts.writable {
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
    Ok(Plan {
        dims,
        bytes,
        end,
        truncate,
        grow: st.is_regular && bytes > 0 && end > len,
    })
}

/// Step 5: changes the file as planned — empties it (`'w+'` by path; a too-short file is
/// grown first, see [`empty_for`]) and extends it: preallocated (`fallocate(2)`), so that a
/// lack of space is an error here and not a `SIGBUS` later, or with `sparse` only sized
/// (`ftruncate(2)`; see [`extend`]). A zero-size array never changes the file beyond `'w+'`
/// emptying it. Returns the file's status now.
fn resize(
    fd: BorrowedFd<'_>,
    plan: &Plan,
    st: &FileStat,
    sparse: bool,
    path: Option<&Path>,
) -> Result<FileStat> {
    if plan.truncate {
        empty_for(fd, st, plan.end, path)?;
    }
    if plan.grow || (plan.truncate && plan.end > 0) {
        let len = if plan.truncate { 0 } else { st.len };
        // Only the bytes past the old end are new (the array's part of them).
        let from = len.max(plan.end - plan.bytes as u64);
        extend(fd, len, from, plan.end, sparse, path)?;
    }
    Ok(FileStat {
        len: if plan.grow || plan.truncate {
            plan.end
        } else {
            st.len
        },
        ..*st
    })
}

/// Step 6: maps the planned bytes. In `'r+'`, a failed map after our extension restores
/// the old length (a `'w+'` that fails here, past the emptying, leaves the file empty).
///
/// # Safety
///
/// The file-map contract of [`Memmap`]; `now` is the file's status after [`resize`].
unsafe fn map_planned(
    fd: BorrowedFd<'_>,
    plan: &Plan,
    (mode, populate): (Mode, bool),
    offset: u64,
    (old, now): (&FileStat, &FileStat),
    path: Option<&Path>,
) -> Result<RawMap> {
    let access = match mode {
        Mode::Read => MapAccess::ReadOnly,
        Mode::ReadWrite | Mode::Write => MapAccess::ReadWrite,
        Mode::CopyOnWrite => MapAccess::CopyOnWrite,
    };
    let mapped = if old.is_regular && plan.end > now.len {
        // An empty array past the end of the file (anything else past it was
        // refused or extended): nothing to map.
        RawMap::anonymous(0)
    } else {
        // SAFETY: the caller upholds the file-map contract; offset..end lies within the
        // file (checked by `plan`, or extended by `resize`), and `now` is its status.
        unsafe { RawMap::map_file_with_stat(fd, offset, plan.bytes, access, now, populate) }
    };
    mapped.map_err(|e| {
        if plan.grow && !plan.truncate {
            // Undo our extension: the map never existed.
            let _ = sys::set_len(fd, old.len);
        }
        raw_err(mode, path)(e)
    })
}
