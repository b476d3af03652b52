//! mmarray + ndarray (feature `ndarray`): a map handed to ndarray without a copy, an ndarray
//! array saved as a `.npy`, and maps created with the shape and order of an ndarray array.
//!
//! The views themselves are converted by the core ([`ArrayView::into_ndarray`](
//! mmarray::ArrayView::into_ndarray)), in safe code; this module adds the map's shortcuts
//! and the way back to files.

use std::io::{BufWriter, Write};
use std::path::Path;

use mmarray::ndarray::{self as nd, ArrayRef};
use mmarray::npy::{Descr, Header};
use mmarray::zerocopy::IntoBytes;
use mmarray::{Dimension, Dtype, Element, FromNdarrayDim, NdarrayDim, Order};

use crate::error::Result;
use crate::fs::io_err;
use crate::memmap::{self, Memmap};
use crate::mode::{Access, Dynamic, Writable};
use crate::npy;

impl<T: Element, D: NdarrayDim, A: Access> Memmap<T, D, A> {
    /// The whole array as an [`ndarray::ArrayView`](nd::ArrayView), borrowing the map: the
    /// same shape, strides and element order, no copy. For a slice or transpose, convert
    /// the view: `m.view().slice(..)?.as_ndarray()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Ix2, Memmap, ReadWrite};
    /// let mut m = Memmap::<f64, Ix2, ReadWrite>::anonymous([2, 2])?;
    /// m.as_mut_slice().copy_from_slice(&[1., 2., 3., 4.]);
    /// let a = m.as_ndarray();
    /// assert_eq!(a.dot(&a), mmarray_std::ndarray::array![[7., 10.], [15., 22.]]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn as_ndarray(&self) -> nd::ArrayView<'_, T, D::Nd> {
        self.view().into_ndarray()
    }
}

impl<T: Element, D: NdarrayDim, A: Writable> Memmap<T, D, A> {
    /// The whole array as an [`ndarray::ArrayViewMut`](nd::ArrayViewMut), borrowing the map
    /// exclusively: writes through it go to the mapped memory (and to the file, for a map
    /// that writes its file).
    pub fn as_ndarray_mut(&mut self) -> nd::ArrayViewMut<'_, T, D::Nd> {
        self.view_mut().into_ndarray_mut()
    }
}

impl<T: Element, D: NdarrayDim> Memmap<T, D, Dynamic> {
    /// [`as_ndarray_mut`](Memmap::as_ndarray_mut) for a mode chosen at run time.
    ///
    /// # Errors
    ///
    /// [`Error::ReadOnly`](crate::Error::ReadOnly) in mode `'r'`.
    pub fn try_as_ndarray_mut(&mut self) -> Result<nd::ArrayViewMut<'_, T, D::Nd>> {
        Ok(self.try_view_mut()?.into_ndarray_mut())
    }
}

/// [`Memmap::as_ndarray`].
impl<'a, T: Element, D: NdarrayDim, A: Access> From<&'a Memmap<T, D, A>>
    for nd::ArrayView<'a, T, D::Nd>
{
    fn from(m: &'a Memmap<T, D, A>) -> Self {
        m.as_ndarray()
    }
}

/// [`Memmap::as_ndarray_mut`].
impl<'a, T: Element, D: NdarrayDim, A: Writable> From<&'a mut Memmap<T, D, A>>
    for nd::ArrayViewMut<'a, T, D::Nd>
{
    fn from(m: &'a mut Memmap<T, D, A>) -> Self {
        m.as_ndarray_mut()
    }
}

/// The order `np.save` writes `arr` in: Fortran when the array is F-contiguous and not
/// C-contiguous (numpy's `a.flags.f_contiguous and not a.flags.c_contiguous`), else C.
fn numpy_order<T, E: nd::Dimension>(arr: &ArrayRef<T, E>) -> Order {
    if !arr.is_standard_layout() && arr.t().is_standard_layout() {
        Order::F
    } else {
        Order::C
    }
}

/// `arr`'s shape in this crate's shape type of the same rank.
fn dim_of<T, E: FromNdarrayDim>(arr: &ArrayRef<T, E>) -> Result<E::Dim> {
    Ok(E::Dim::from_dims(arr.shape())?)
}

/// Writes `arr` to a new `.npy` at `path` (replacing any file there), byte for byte as
/// `np.save` writes the same values: C order unless the array is F-contiguous (and not
/// C-contiguous), as numpy chooses. Any array works — owned or a view, with any strides,
/// negative or not — and the elements are written in one pass, without a copy of the array.
///
/// # Examples
///
/// ```
/// use mmarray_std::ndarray::{Array2, ShapeBuilder, s};
/// use mmarray_std::{Ix2, Order, npy};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("a.npy");
/// let a = Array2::from_shape_fn((3, 4).f(), |(i, j)| (10 * i + j) as i32);
/// // numpy: np.save(path, a[::-1, 1::2])
/// npy::save_ndarray(&path, &a.slice(s![..;-1, 1..;2]))?;
/// // SAFETY: nothing else writes or truncates this file while it is mapped.
/// let m = unsafe { npy::open_read::<i32, Ix2>(&path) }?;
/// assert_eq!((m.shape(), m.order()), (&[3, 2][..], Order::C));
/// assert_eq!(m.as_slice(), [21, 23, 11, 13, 1, 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The file is written beside `path` and renamed over it: `path` is replaced whole (a new
/// file, so hard links to the old one keep the old contents) or, on error, not at all; a
/// map of the old file, even the one `arr` views, keeps its data.
///
/// # Errors
///
/// [`Error::Header`](crate::Error::Header) for a shape the format cannot hold (more than
/// [`MAX_DIMS`](mmarray::MAX_DIMS) axes) before the file is touched;
/// [`Error::Io`](crate::Error::Io) from the OS.
pub fn save_ndarray<T: Dtype, E: nd::Dimension>(
    path: impl AsRef<Path>,
    arr: &ArrayRef<T, E>,
) -> Result<()> {
    let path = path.as_ref();
    save_impl(path, arr).map_err(|e| e.at_path(Some(path)))
}

fn save_impl<T: Dtype, E: nd::Dimension>(path: &Path, arr: &ArrayRef<T, E>) -> Result<()> {
    let order = numpy_order(arr);
    let header = Header::new(Descr::of::<T>(), order, arr.shape())?;
    let mut head = vec![0u8; header.emitted_len()?];
    let hlen = header.emit(&mut head)?;
    head.truncate(hlen);

    // Written beside the target and renamed over it: the target is replaced whole or not
    // at all, and a map of the old file (even the one `arr` views) keeps its pages — a
    // truncation in place would make its pages raise SIGBUS.
    let tmp = temp_beside(path);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(io_err("create", Some(&tmp)))?;
    let mut out = BufWriter::new(file);
    let write = io_err("write", Some(&tmp));
    let result = (|| {
        out.write_all(&head)?;
        // Memory order for the file is C order of the array, or of its transpose for F.
        let logical = match order {
            Order::C => arr.view(),
            Order::F => arr.t(),
        };
        match logical.as_slice() {
            Some(elems) => out.write_all(elems.as_bytes())?,
            None => {
                for x in logical.iter() {
                    out.write_all(x.as_bytes())?;
                }
            }
        }
        out.flush()
    })();
    let result = result
        .map_err(write)
        .and_then(|()| std::fs::rename(&tmp, path).map_err(io_err("rename", Some(path))));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A name beside `path` for the file that replaces it: hidden, and unique to this process
/// and call.
fn temp_beside(path: &Path) -> std::path::PathBuf {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

impl<T: Dtype, D: Dimension> npy::Options<T, D> {
    /// Options with the shape and order of `arr` (the order `np.save` would write it in: see
    /// [`save_ndarray`]), for [`create`](npy::Options::create)-ing a mapped `.npy` that
    /// mirrors it; the shape type is `arr`'s counterpart (`Ix2` → `[usize; 2]`).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::ndarray::{Array3, ShapeBuilder};
    /// use mmarray_std::{Order, npy};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("a.npy");
    /// let a = Array3::<f32>::zeros((2, 3, 4).f());
    /// // SAFETY: nothing else writes or truncates this file while it is mapped.
    /// let mut m = unsafe { npy::Options::like(&a)?.create(&path) }?;
    /// assert_eq!((m.shape(), m.order()), (&[2, 3, 4][..], Order::F));
    /// m.as_ndarray_mut().assign(&a);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Layout`](crate::Error::Layout) when `arr` has more than
    /// [`MAX_DIMS`](mmarray::MAX_DIMS) axes (a dynamic-rank ndarray array can).
    pub fn like<E: FromNdarrayDim<Dim = D>>(arr: &ArrayRef<T, E>) -> Result<Self> {
        let mut o = Self::new();
        o.set_shape(dim_of(arr)?).order(numpy_order(arr));
        Ok(o)
    }
}

impl<T: Element, D: Dimension> memmap::Options<T, D> {
    /// Options with the shape and order of `arr` (C, or F when `arr` is F-contiguous and not
    /// C-contiguous), for a raw map that mirrors it — e.g. `create` a file of its size.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::ndarray::Array2;
    /// use mmarray_std::Options;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("a.dat");
    /// let a = Array2::from_shape_fn((2, 3), |(i, j)| (i * 3 + j) as u16);
    /// // SAFETY: nothing else writes or truncates this file while it is mapped.
    /// let mut m = unsafe { Options::like(&a.t())?.create(&path) }?;
    /// m.as_ndarray_mut().assign(&a.t());
    /// drop(m);
    /// // a.T is F-contiguous: the file holds a's bytes in a's own (C) order.
    /// assert_eq!(std::fs::read(&path)?, [0u16, 1, 2, 3, 4, 5].map(u16::to_ne_bytes).concat());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`npy::Options::like`].
    pub fn like<E: FromNdarrayDim<Dim = D>>(arr: &ArrayRef<T, E>) -> Result<Self> {
        let mut o = Self::new();
        o.set_shape(dim_of(arr)?).order(numpy_order(arr));
        Ok(o)
    }
}
