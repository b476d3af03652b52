//! Growth in place: [`Memmap::grow`] and [`Memmap::append`].
#![allow(
    unsafe_code,
    reason = "mapping afresh after growing an empty map passes on the file-map contract \
              the caller accepted when opening it"
)]

use mmarray::zerocopy::IntoBytes;
use mmarray::{Dimension, Element, Layout, Order};

use super::Memmap;
use crate::error::{Error, Result};
use crate::fs::{errno, io_err, raw_err};
use crate::mode::Access;
use crate::raw::{Access as MapAccess, RawMap};
use crate::sys;

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
    /// moved if it must be (`mremap` on Linux; on other platforms a fresh
    /// `mmap` of the longer range replaces the old one: same result, same
    /// errors). numpy has no API for this.
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
    #[doc(alias = "mremap", alias = "ftruncate")]
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
                .map_err(raw_err(self.mode, path))?;
        } else {
            // An empty array past the old end had no file mapping to move.
            // SAFETY: the contract the caller accepted when opening this map
            // covers the file; offset..end lies within it (extended above).
            self.map = unsafe { RawMap::map_file(file, self.offset, bytes, MapAccess::ReadWrite) }
                .map_err(raw_err(self.mode, path))?;
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
    #[doc(alias = "mremap", alias = "ftruncate")]
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
