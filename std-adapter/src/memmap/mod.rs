//! [`Memmap`]: a file (or anonymous memory) mapped as a typed N-d array.
//!
//! This file holds the type, its accessors and its mutable views; the rest of its methods
//! are split by concern: [`Options`] and numpy's one-line functions (`options.rs`), opening
//! as a sequence of named steps (`open.rs`), flushing and advice (`flush.rs`), growth
//! (`grow.rs`), writing through the file (`write.rs`), the conversions of a run-time mode to its type (`convert.rs`) and numpy's
//! `repr` (`repr.rs`). No file of this module touches a pointer: the `unsafe` in `options.rs`
//! and `open.rs` only passes the file-map contract on to `raw`.

mod convert;
pub use convert::Mismatch;
mod flush;
mod grow;
mod open;
mod options;
mod repr;
mod write;

use std::fs::File;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};
use std::path::{Path, PathBuf};

use mmarray::{ArrayView, ArrayViewMut, Dimension, Element, IxDyn, Layout, Order};

use crate::error::{Error, Result};
use crate::mode::{Access, CopyOnWrite, Dynamic, Mode, ReadOnly, ReadWrite, Writable};
use crate::raw::RawMap;

use flush::Pending;
pub(crate) use grow::Growth;
pub(crate) use open::Source;
pub use options::{Options, create, open_copy_on_write, open_read, open_read_write};

/// A file mapped into memory as a typed N-d array: numpy.memmap in Rust.
///
/// `T` is the element type, `D` the shape type (`[usize; N]` for a rank known
/// at compile time, [`IxDyn`] otherwise) and `A` the access: [`ReadOnly`],
/// [`ReadWrite`], [`CopyOnWrite`] — checked at compile time — or [`Dynamic`],
/// a [`Mode`] chosen at run time and checked when a mutable view is asked for
/// (or once, by [`into_read_only`](Memmap::into_read_only),
/// [`into_read_write`](Memmap::into_read_write) or
/// [`into_copy_on_write`](Memmap::into_copy_on_write)). Views borrow the map, so they cannot outlive it (numpy segfaults here), and
/// growing takes `&mut self`, so no view is alive while the mapping moves.
///
/// Build one with [`Options`] (numpy's `offset`, `shape`, `order`, `mode`),
/// or [`Memmap::anonymous`] for anonymous memory.
///
/// # Making changes durable
///
/// Stores through views, slices or indexing cost no system call; [`flush`](Memmap::flush)
/// (`msync(2)`) or [`flush_range`](Memmap::flush_range) then writes back every page they
/// touched, whole (on kernels that cache files in large folios, up to 2 MiB per store). For
/// a few scattered updates that must be durable, [`write_at`](Memmap::write_at) and
/// [`write_many`](Memmap::write_many) write through the file (`pwrite(2)`), dirtying only the
/// blocks they change, and the following `flush` is an `fdatasync(2)` of just those. A map
/// that was only read drops and closes without flushing.
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
/// the map. While the map (or any view of it) is alive, the caller promises:
///
/// 1. **Nothing but this map changes the mapped range of the file** — no other
///    handle of the file writes it, in this or any other process: no second
///    writable map (a `Memmap` in `'r+'` or `'w+'`, a
///    [`RowLog`](crate::RowLog)), no `write(2)` through a
///    [`File`] or another descriptor (the one a map was made from
///    included; this map's own [`write_at`](Memmap::write_at),
///    [`grow`](Memmap::grow) and [`append`](Memmap::append) are the map's), no
///    other program. A concurrent write is a data race on memory that Rust
///    believes immutable (or exclusively borrowed): undefined behaviour.
/// 2. **A writable map (`'r+'`, `'w+'`) is the only map of its range in this
///    process**: no other `Memmap` of it, of any mode, and no `RowLog` of the
///    file, whose `&[T]` would alias this map's `&mut [T]`. Maps that never write
///    the file (`'r'`, and `'c'`, whose writes are private) may coexist with each
///    other, in this and in other processes.
/// 3. **Nothing truncates the file** below the mapped range, in this or any
///    other process: a later access would fault with `SIGBUS`.
///
/// mmarray checks none of this for maps. The kernel cannot enforce it for
/// ordinary files, advisory locks do not bind other processes, and
/// copy-on-write (`'c'`) does not isolate the map from later writes to the file
/// either. Unlike [`RowLog`](crate::RowLog), whose constructors refuse a file
/// this process already holds as a row log (see its
/// [contract](crate::RowLog#safety-contract-of-file-backed-logs)), `Memmap`
/// keeps no registry: `'r'` and `'c'` maps of one file coexist legitimately,
/// and the row logs' registry does not see maps — so a map of a file that this
/// process also holds as a row log is excluded by the contracts of both, not
/// refused. The caller promises it — e.g. the file is private to the program,
/// or every writer is this map. Anonymous maps ([`Memmap::anonymous`]) have no
/// such hazard and are safe to create.
///
/// **A full disk on the sparse path.** A store through a map cannot return an
/// error: when it needs a block that the file system has no room for (the disk
/// or the quota is full), the kernel raises `SIGBUS`, which kills the process.
/// By default the bytes that [`Options::create`], an `'r+'` open past the end,
/// [`grow`](Memmap::grow) and [`append`](Memmap::append) add to the file are
/// preallocated (`fallocate(2)`), so a lack of space is an error of those calls
/// (`ENOSPC`, `EDQUOT`) and no store can meet it. With
/// [`Options::sparse`]`(true)`, where the file system cannot preallocate
/// (`EOPNOTSUPP`, the file is then extended sparsely), in the holes of a file
/// that was sparse before it was opened (numpy makes such files), and on
/// copy-on-write file systems (btrfs, ZFS), which need new blocks for a rewrite,
/// the caller also promises that the file system has room for every page the
/// program writes — or accepts that the process dies with `SIGBUS`, which is not
/// undefined behaviour but ends the program without unwinding.
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
    /// The format version of the `.npy` whose header (before `offset`) holds the shape;
    /// `None` when the file is not a `.npy`.
    npy: Option<mmarray::npy::Version>,
    /// What this map changed since it was last flushed: mutable memory handed out, bytes
    /// written through the file. Dropping and closing flush only when something is pending.
    pending: Pending,
    /// How growth extends and syncs the file.
    growth: grow::Growth,
    /// Whether a write at a file offset (`pwrite(2)`) lands in the mapped pages: the file
    /// is regular and its descriptor not in append mode (`O_APPEND`). When not,
    /// [`write_at`](Memmap::write_at) stores through the map and `grow` is refused.
    positional: bool,
    _marker: PhantomData<(T, A)>,
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
        match T::slice_from_bytes(self.map.as_bytes()) {
            Some(s) => s,
            None => unreachable!("a validated map failed to cast"),
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
        self.map.len()
    }
}

impl<T, D: Dimension, A: Access> Memmap<T, D, A> {
    /// The mapped elements, mutably: every map but a read-only one is writable, and
    /// read-only ones never get here (their types or modes refuse first).
    ///
    /// Every mutable access to the mapped memory goes through here (or through `append`,
    /// which marks it too), so this is where the map notes that it has stores to flush.
    #[inline]
    fn elems_mut(&mut self) -> &mut [T]
    where
        T: Element,
    {
        self.pending.mark_stored();
        let Some(bytes) = self.map.as_bytes_mut() else {
            unreachable!("a mutable view was asked of a read-only map");
        };
        if bytes.is_empty() {
            return &mut [];
        }
        match T::slice_from_bytes_mut(bytes) {
            Some(s) => s,
            None => unreachable!("a validated map failed to cast"),
        }
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

/// Compile-time checks of what callers rely on: maps and their views cross
/// threads when the element type allows, and read-only maps do too.
const _: () = {
    const fn send_sync<X: Send + Sync>() {}
    send_sync::<Memmap<f32, [usize; 2], ReadOnly>>();
    send_sync::<Memmap<u8, IxDyn, ReadWrite>>();
    send_sync::<Memmap<u64, [usize; 1], CopyOnWrite>>();
    send_sync::<Memmap<i16, IxDyn, Dynamic>>();
};
