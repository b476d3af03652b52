//! Growth in place: [`Memmap::grow`] and [`Memmap::append`], and how a map extends and syncs
//! its file ([`Growth`]).
//!
//! # The order of the steps
//!
//! Growing changes three things: the file's length, the rows past the old end, and (for a
//! `.npy`) the shape in the header. They are changed in an order that leaves a valid array
//! after every prefix of the steps, so that a process killed at any point (or a step that
//! fails) leaves a file that this crate and numpy read correctly:
//!
//! 1. **Room**: the file is extended past the old end — preallocated (`fallocate(2)`), or
//!    sparsely (`ftruncate(2)`) with [`sparse`](crate::Options::sparse). A file longer than
//!    the data is a valid `.npy`: numpy and this crate ignore bytes past the data.
//! 2. **Rows**: appended rows are written through the file (`pwrite(2)`), so they are in the
//!    page cache, which every reader of the file shares, before anything names them; space
//!    they need and do not get is an error here (`ENOSPC`), never a `SIGBUS` later.
//! 3. **Sync** (only when [`durable`](crate::Options::durable)): `fdatasync(2)`, so the rows
//!    and the new length reach the disk before the header names them.
//! 4. **Header**: the new shape is written with one `pwrite(2)` of just the bytes that
//!    changed (the shape text and the padding after it: tens of bytes, inside the first
//!    page for every header numpy writes). A kill cannot tear it: a signal is acted on only
//!    on the way back to user space, and the kernel copies a write into one page of the
//!    page cache under that page's lock, so a write within one page lands whole or not at
//!    all (it can only be cut short between pages). A power loss cannot tear it either
//!    when, as for numpy's headers, the changed bytes lie in one 512-byte sector, which
//!    disks write atomically. Only a header longer than a page whose shape text straddles
//!    a page boundary could be torn by a kill; numpy writes no such header.
//! 5. **Sync** again when durable: the new shape is on disk when `grow` returns.
//! 6. **Map**: the mapping is moved or extended (`mremap(2)`).
//!
//! A failure at steps 1–4 restores the old length and is an error; the old array was never
//! touched. A failure at step 6 writes the old shape back and restores the old length (best
//! effort: should that fail too, the header names rows that were written, and the map still
//! shows the old array, a prefix of them — every state is a valid file).
#![allow(
    unsafe_code,
    reason = "mapping afresh after growing an empty map passes on the file-map contract \
              the caller accepted when opening it"
)]

use std::fs::File;
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;

use mmarray::zerocopy::IntoBytes;
use mmarray::{Dimension, Element, Layout, Order};

use super::Memmap;
use crate::error::{Error, Result};
use crate::fs::{errno, extend, io_err, raw_err};
use crate::mode::Access;
use crate::raw::{Access as MapAccess, RawMap};
use crate::sys;

/// How a map extends and syncs its file: the choices of
/// [`Options::sparse`](crate::Options::sparse) and
/// [`Options::durable`](crate::Options::durable), kept by the map for its later growth.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Growth {
    /// Extend with `ftruncate(2)` only (a sparse tail) instead of preallocating.
    pub(crate) sparse: bool,
    /// Sync the file (and a new file's directory) before returning from calls that
    /// create or grow it.
    pub(crate) durable: bool,
}

/// The new header of a `.npy` being grown, and how to put it in the file.
struct HeaderPatch {
    /// The header as it is in the file.
    old: Vec<u8>,
    /// The header with the new shape (the same length).
    new: Vec<u8>,
    /// The bytes that differ: the one range to write.
    changed: core::ops::Range<usize>,
}

impl HeaderPatch {
    /// Reads the `hlen` bytes of header at the start of `file` and rewrites its shape.
    fn new(
        file: &File,
        hlen: u64,
        shape: &[usize],
        path: Option<&std::path::Path>,
    ) -> Result<Self> {
        let mut old = vec![0u8; usize::try_from(hlen).map_err(|_| mmarray::Error::Overflow)?];
        file.read_exact_at(&mut old, 0)
            .map_err(io_err("read header", path))?;
        let mut new = old.clone();
        mmarray::npy::rewrite_shape(&mut new, shape).map_err(|e| Error::from(e).at_path(path))?;
        let first = old.iter().zip(&new).position(|(a, b)| a != b);
        let last = old.iter().zip(&new).rposition(|(a, b)| a != b);
        let changed = match (first, last) {
            (Some(a), Some(b)) => a..b + 1,
            _ => 0..0,
        };
        Ok(Self { old, new, changed })
    }

    /// Writes the changed bytes of `which` (the new header, or the old one to undo).
    fn write(&self, file: &File, new: bool, path: Option<&std::path::Path>) -> Result<()> {
        let bytes = if new { &self.new } else { &self.old };
        let at = self.changed.start as u64;
        file.write_all_at(&bytes[self.changed.clone()], at)
            .map_err(io_err("write header", path))
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
    /// (preallocated, or sparsely with [`sparse`](crate::Options::sparse)), a
    /// `.npy` header gets the new shape, and the mapping is moved if it must be
    /// (`mremap` on Linux; on other platforms a fresh `mmap` of the longer range
    /// replaces the old one: same result, same errors). numpy has no API for this.
    ///
    /// Readers of the file always see a valid array, even if the process is
    /// killed half-way: the file is extended before the header names the new
    /// shape, never the other way round, and numpy ignores bytes past the data.
    /// With [`durable`](crate::Options::durable) the new length and then the
    /// new shape are synced to the disk before this returns. Taking `&mut self`
    /// proves no view of the old mapping is alive.
    ///
    /// In a `.npy` the new rows are zeros even where an interrupted append left
    /// bytes past the data; in a raw file they show the file's bytes past the
    /// old end, as numpy's `r+` with a larger shape does, and zeros past its end.
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
    /// [`Error::Io`] when the OS refuses, e.g. `ENOSPC`, `EDQUOT` or `EFBIG`
    /// when there is no room for the new rows. On every error the array and
    /// the file's length are as they were.
    #[doc(alias = "mremap", alias = "ftruncate", alias = "fallocate")]
    pub fn grow(&mut self, new_len: usize) -> Result<()> {
        let axis = self.growable()?;
        let old_len = self.shape()[axis];
        if new_len < old_len {
            return Err(Error::CannotGrow {
                reason: "shrinking would cut pages other maps of the file may use; give a larger length",
            });
        }
        self.extend_to(axis, new_len, None)?;
        if !self.growth.durable {
            // The file grew (and a `.npy` header changed): a drop or close makes it durable
            // (a durable map synced both already).
            self.pending.mark_written();
        }
        Ok(())
    }

    /// Appends `data` along the [growth axis](Memmap::growth_axis): it must
    /// hold whole slices of that axis (a multiple of the product of the
    /// other axes), in memory order. See [`grow`](Memmap::grow).
    ///
    /// The rows are written to the file (`pwrite(2)`) before the header names
    /// them, so a process killed during `append` leaves either the old array or
    /// the new one, never a header that names rows not written. Space the rows
    /// need is taken by that write: a full disk is an error, not a `SIGBUS`.
    ///
    /// # Errors
    ///
    /// As [`grow`](Memmap::grow); [`Error::Ragged`] when `data` is not whole slices.
    #[doc(alias = "mremap", alias = "pwrite")]
    pub fn append(&mut self, data: &[T]) -> Result<()> {
        let axis = self.growable()?;
        let dims = self.shape();
        // The product of the other axes: at most `isize::MAX` when none is zero (the
        // layout's invariant), but checked all the same.
        let slice = dims
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != axis)
            .try_fold(1usize, |acc, (_, &d)| acc.checked_mul(d))
            .ok_or(mmarray::Error::Overflow)?;
        let rows = match data.len().checked_div(slice) {
            Some(r) if r.checked_mul(slice) == Some(data.len()) => r,
            None if data.is_empty() => 0,
            _ => {
                return Err(Error::Ragged {
                    len: data.len(),
                    slice,
                });
            }
        };
        let new_len = dims[axis]
            .checked_add(rows)
            .ok_or(mmarray::Error::Overflow)?;
        self.extend_to(axis, new_len, Some(data.as_bytes()))?;
        if !self.growth.durable {
            // The rows went through the file: a drop or close makes them durable (a
            // durable map synced them, and the header, already).
            self.pending.mark_written();
        }
        Ok(())
    }

    /// The growth axis of a map that can grow its file, or why it cannot.
    fn growable(&self) -> Result<usize> {
        let Some(axis) = self.growth_axis() else {
            return Err(Error::CannotGrow {
                reason: "a 0-d array has no axis to grow along",
            });
        };
        if self.file.is_none() {
            return Err(Error::CannotGrow {
                reason: "only maps that write their file ('r+', 'w+') can grow it",
            });
        }
        if !self.positional {
            return Err(Error::CannotGrow {
                reason: "writes at an offset of this descriptor do not reach the mapped pages (it \
                         is in append mode, O_APPEND, or not a regular file); map a regular file \
                         opened without O_APPEND to grow it",
            });
        }
        Ok(axis)
    }

    /// Grows the array to `new_len` along `axis`, the new part being `rows` (exactly the
    /// new bytes) or zeros, in the order of the module docs.
    fn extend_to(&mut self, axis: usize, new_len: usize, rows: Option<&[u8]>) -> Result<()> {
        let Some(file) = self.file.as_ref() else {
            return Err(Error::CannotGrow {
                reason: "only maps that write their file ('r+', 'w+') can grow it",
            });
        };
        let path = self.filename.as_deref();
        let mut shape = self.dim().clone();
        shape.as_mut_slice()[axis] = new_len;
        let (layout, n) = Layout::contiguous(shape, self.order)?;
        let bytes = n
            .checked_mul(core::mem::size_of::<T>())
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or(mmarray::Error::Overflow)?;
        let old_end = self
            .offset
            .checked_add(self.map.len() as u64)
            .ok_or(mmarray::Error::Overflow)?;
        let end = self
            .offset
            .checked_add(bytes as u64)
            .ok_or(mmarray::Error::Overflow)?;
        if bytes == self.map.len() {
            // Nothing to add (appending no rows, or growing an empty axis of an empty array).
            return match &self.header_patch(layout.shape())? {
                Some(h) if !h.changed.is_empty() => self.publish(h, layout),
                _ => {
                    self.layout = layout;
                    Ok(())
                }
            };
        }
        // The new header, in memory: if the shape does not fit, nothing changed.
        let header = self.header_patch(layout.shape())?;
        let st = sys::stat(file).map_err(errno("fstat", path))?;
        let restore = |e: Error| {
            // Undo our extension; the old array was never touched.
            if sys::stat(file).is_ok_and(|now| now.len != st.len) {
                let _ = sys::set_len(file, st.len);
            }
            e
        };
        // 1. Room. A `.npy`'s bytes past the data are not zeros after an interrupted
        // append: cut them before growing with zeros.
        if self.npy.is_some() && rows.is_none() && st.len > old_end {
            sys::set_len(file, old_end).map_err(errno("ftruncate", path))?;
        }
        if rows.is_none() {
            let len = if self.npy.is_some() {
                st.len.min(old_end)
            } else {
                st.len
            };
            extend(file.as_fd(), len, old_end, end, self.growth.sparse, path).map_err(restore)?;
        }
        // 2. Rows: written through the file, which allocates their space or fails.
        if let Some(r) = rows {
            file.write_all_at(r, old_end)
                .map_err(io_err("write rows", path))
                .map_err(restore)?;
        }
        // 3. Sync the rows and the length before the header names them.
        if self.growth.durable {
            file.sync_data()
                .map_err(io_err("fdatasync", path))
                .map_err(restore)?;
        }
        // 4., 5. The header.
        if let Some(h) = &header {
            h.write(file, true, path).map_err(restore)?;
            if self.growth.durable {
                file.sync_data().map_err(io_err("fdatasync", path))?;
            }
        }
        // 6. The mapping.
        let mapped = if self.map.access() == MapAccess::ReadWrite {
            self.map
                .remap(file, bytes)
                .map_err(raw_err(self.mode, path))
        } else {
            // An empty array past the old end had no file mapping to move.
            // SAFETY: the contract the caller accepted when opening this map
            // covers the file; offset..end lies within it (extended above).
            unsafe { RawMap::map_file(file, self.offset, bytes, MapAccess::ReadWrite) }
                .map(|m| self.map = m)
                .map_err(raw_err(self.mode, path))
        };
        if let Err(e) = mapped {
            // Best effort: the old shape, then the old length (see the module docs).
            if let Some(h) = &header
                && h.write(file, false, path).is_err()
            {
                return Err(e);
            }
            return Err(restore(e));
        }
        self.layout = layout;
        Ok(())
    }

    /// The `.npy` header patch for `shape`, or `None` for a raw file.
    fn header_patch(&self, shape: &[usize]) -> Result<Option<HeaderPatch>> {
        if self.npy.is_none() {
            return Ok(None);
        }
        let Some(file) = self.file.as_ref() else {
            return Ok(None);
        };
        HeaderPatch::new(file, self.offset, shape, self.filename.as_deref()).map(Some)
    }

    /// Writes a header whose shape changed but whose data did not (an empty array).
    fn publish(&mut self, h: &HeaderPatch, layout: Layout<D>) -> Result<()> {
        if let Some(file) = self.file.as_ref() {
            let path = self.filename.as_deref();
            h.write(file, true, path)?;
            if self.growth.durable {
                file.sync_data().map_err(io_err("fdatasync", path))?;
            }
        }
        self.layout = layout;
        Ok(())
    }
}
