//! `.npz` archives, mapped in place: what `np.load(path, mmap_mode='r')`
//! promises for `.npz` files and does not do (numpy reads every member into
//! memory, gh-5976).
//!
//! An `.npz` is a zip archive of `.npy` files. [`np.savez`] stores them
//! uncompressed, so each member's array data lies contiguously in the
//! archive, after the member's zip local header and its `.npy` header: it can
//! be mapped where it is. [`Archive::open`] reads only the zip directory
//! (through the [`zip`] crate, no codecs); [`Archive::map_read`] and
//! [`Archive::map_copy_on_write`] parse one member's `.npy` header, check it
//! against the element type like [`npy::Options::open_read`](crate::npy::Options::open_read)
//! does, and map the member's data at its offset in the archive.
//!
//! `np.savez` does not align its members: the data of a member usually
//! starts at an odd offset, which types that need alignment (`f64`, `i32`,
//! ...) refuse with [`DataMisaligned`](mmarray::npy::Error::DataMisaligned). Map such
//! members with zerocopy's unaligned byte-order types
//! ([`little_endian::F64`](mmarray::zerocopy::little_endian::F64), ...), which
//! have the same descr (`'<f8'`) and work at any offset.
//!
//! Compressed members (`np.savez_compressed`) are refused with
//! [`Error::Compressed`]. Archives cannot be written or grown here: the
//! modes are `'r'` and `'c'` only.
//!
//! [`np.savez`]: https://numpy.org/doc/stable/reference/generated/numpy.savez.html
#![allow(
    unsafe_code,
    reason = "unsafe constructors forward the file-map contract to raw.rs"
)]

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use mmarray::npy::DEFAULT_MAX_HEADER_LEN;
use mmarray::{Dimension, Dtype};
use zip::CompressionMethod;
use zip::result::ZipError;

use crate::error::{Error, Result};
use crate::fs::{io_err, open_file};
use crate::memmap::{Memmap, Source};
use crate::mode::{Access, CopyOnWrite, Mode, ReadOnly};
use crate::npy::{Info, check_header, parse_info, read_header};

/// One member of an archive, as its zip directory describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    file_name: String,
    offset: u64,
    len: u64,
    method: Option<&'static str>,
    encrypted: bool,
}

impl Member {
    /// The array's name: the member's file name without its `.npy` suffix
    /// (numpy's `NpzFile.files`); `np.savez(path, x=a)` names it `x`.
    pub fn name(&self) -> &str {
        self.file_name
            .strip_suffix(".npy")
            .unwrap_or(&self.file_name)
    }

    /// The member's file name in the archive, e.g. `x.npy`.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Where the member's bytes (its `.npy` file, header first) start in the
    /// archive. The array data starts [`Info::data_offset`] bytes later.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The member's length in bytes, uncompressed: the size of its `.npy` file.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the member is empty (zero bytes, so not a `.npy` file).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the member is compressed (`np.savez_compressed`) or
    /// encrypted, so that its bytes in the archive are not its contents and
    /// it cannot be mapped.
    pub fn is_compressed(&self) -> bool {
        self.method.is_some() || self.encrypted
    }

    /// The reason the member's bytes cannot be mapped, if any.
    fn check_stored(&self, path: &Path) -> Result<()> {
        if let Some(method) = self.method {
            return Err(Error::Compressed {
                member: self.file_name.clone(),
                method,
            });
        }
        if self.encrypted {
            return Err(Error::BadArchive {
                path: Some(path.to_path_buf()),
                reason: format!(
                    "member '{}' is encrypted; only unencrypted members can be mapped",
                    self.file_name
                ),
            });
        }
        Ok(())
    }
}

/// A zip compression method's name, or `None` for stored (uncompressed) data.
fn method_name(m: CompressionMethod) -> Option<&'static str> {
    const NAMES: [(CompressionMethod, &str); 7] = [
        (CompressionMethod::DEFLATE, "deflate"),
        (CompressionMethod::DEFLATE64, "deflate64"),
        (CompressionMethod::BZIP2, "bzip2"),
        (CompressionMethod::LZMA, "lzma"),
        (CompressionMethod::ZSTD, "zstd"),
        (CompressionMethod::XZ, "xz"),
        (CompressionMethod::IMPLODE, "implode"),
    ];
    if m == CompressionMethod::STORE {
        return None;
    }
    Some(
        NAMES
            .iter()
            .find(|(c, _)| *c == m)
            .map_or("an unknown method", |&(_, n)| n),
    )
}

/// An `.npz` archive opened for mapping its members: numpy's `NpzFile`, with
/// members mapped in place instead of read into memory.
///
/// # Examples
///
/// ```
/// use mmarray_std::{Ix1, npz};
/// # use std::io::Write;
/// # let dir = tempfile::tempdir()?;
/// # let (npy, path) = (dir.path().join("x.npy"), dir.path().join("a.npz"));
/// # {
/// #     let mut m = unsafe { mmarray_std::npy::create::<f64, Ix1>(&npy, [4]) }?;
/// #     m.as_mut_slice().copy_from_slice(&[0.0, 1.0, 2.0, 3.0]);
/// # }
/// # // np.savez(path, x=np.arange(4.0)), with the member aligned (np.savez does not align).
/// # let mut w = zip::ZipWriter::new(std::fs::File::create(&path)?);
/// # let stored = zip::write::SimpleFileOptions::default()
/// #     .compression_method(zip::CompressionMethod::Stored)
/// #     .with_alignment(64);
/// # w.start_file("x.npy", stored)?;
/// # w.write_all(&std::fs::read(&npy)?)?;
/// # w.finish()?;
/// let archive = npz::Archive::open(&path)?;
/// let names: Vec<&str> = archive.members().map(|m| m.name()).collect();
/// assert_eq!(names, ["x"]);
/// assert_eq!(archive.info("x")?.shape, [4]);
/// // SAFETY: nothing writes or truncates the archive while it is mapped.
/// let x = unsafe { archive.map_read::<f64, Ix1>("x") }?;
/// assert_eq!(x.as_slice(), &[0.0, 1.0, 2.0, 3.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Archive {
    file: File,
    path: PathBuf,
    members: Vec<Member>,
    max_header_len: usize,
}

impl Archive {
    /// Opens `path` and reads its zip directory (and each member's local
    /// header, for where its bytes start). Nothing is mapped, and the file
    /// is only read, so this is safe.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be opened or read;
    /// [`Error::BadArchive`] when it is not a zip archive the [`zip`] crate
    /// can read. Compressed members are listed here and refused when mapped.
    pub fn open(path: impl AsRef<Path>) -> Result<Archive> {
        let path = path.as_ref();
        let file = open_file(path, false)?;
        let zip_err = |e: ZipError| match e {
            ZipError::Io(source) => Error::Io {
                op: "read zip directory",
                path: Some(path.to_path_buf()),
                source,
            },
            other => Error::BadArchive {
                path: Some(path.to_path_buf()),
                reason: other.to_string(),
            },
        };
        let mut zip = zip::ZipArchive::new(BufReader::new(&file)).map_err(zip_err)?;
        let mut members = Vec::with_capacity(zip.len());
        for i in 0..zip.len() {
            let f = zip.by_index_raw(i).map_err(zip_err)?;
            let file_name = f.name().map_err(zip_err)?.into_owned();
            let Some(offset) = f.data_start() else {
                return Err(Error::BadArchive {
                    path: Some(path.to_path_buf()),
                    reason: format!("the start of member '{file_name}' is unknown"),
                });
            };
            members.push(Member {
                file_name,
                offset,
                len: f.size(),
                method: method_name(f.compression()),
                encrypted: f.encrypted(),
            });
        }
        let path = std::path::absolute(path).map_err(io_err("absolute path", Some(path)))?;
        Ok(Archive {
            file,
            path,
            members,
            max_header_len: DEFAULT_MAX_HEADER_LEN,
        })
    }

    /// The archive's path, made absolute.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The members, in the order of the zip directory.
    pub fn members(&self) -> impl ExactSizeIterator<Item = &Member> + '_ {
        self.members.iter()
    }

    /// The member named `name`: an array name (`x`, as [`Member::name`]) or a
    /// file name in the archive (`x.npy`), as numpy's `NpzFile[...]` accepts.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.name() == name)
            .or_else(|| self.members.iter().find(|m| m.file_name == name))
    }

    /// The longest `.npy` header text to accept in a member, in characters
    /// (numpy's `max_header_size`, 10 000 by default).
    pub fn max_header_len(&mut self, chars: usize) -> &mut Self {
        self.max_header_len = chars;
        self
    }

    /// What a member's `.npy` header says. [`Info::data_offset`] counts from
    /// the member's start ([`Member::offset`]).
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchMember`]; [`Error::Compressed`] for a compressed
    /// member (its header cannot be read without decompressing it);
    /// [`Error::Header`] for a malformed header; [`Error::Io`] from the OS.
    pub fn info(&self, name: &str) -> Result<Info> {
        let m = self.find(name)?;
        self.header_bytes(m)
            .and_then(|bytes| parse_info(&bytes, self.max_header_len))
            .map_err(|e| e.at_path(Some(&self.path)))
    }

    /// Maps member `name` read-only (`'r'`), in place in the archive.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchMember`]; [`Error::Compressed`] for a member of
    /// `np.savez_compressed`; [`Error::Header`] for a malformed header, a
    /// descr that is not `T`'s, a rank that is not `D`'s, or data whose offset in the
    /// archive is not a multiple of `T`'s alignment (`DataMisaligned`: use an
    /// unaligned type such as `little_endian::F64`); [`Error::DataTruncated`] when the member
    /// holds less data than its header says; [`Error::Io`] from the OS.
    ///
    /// # Safety
    ///
    /// While the map lives, nothing changes the archive's file where the member lies or
    /// truncates the file, in this or any other process: no writable map or row log of it,
    /// no `write(2)` (rewriting the archive, e.g. `np.savez` to the same path, included), no
    /// other program. Other `'r'` and `'c'` maps of it may coexist. mmarray checks none of
    /// this; see the [safety contract](Memmap#safety-contract-of-file-backed-maps).
    pub unsafe fn map_read<T: Dtype, D: Dimension>(
        &self,
        name: &str,
    ) -> Result<Memmap<T, D, ReadOnly>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.map_impl(name, Mode::Read) }
    }

    /// Maps member `name` copy-on-write (`'c'`): writes stay in memory and
    /// never reach the archive.
    ///
    /// # Errors
    ///
    /// As [`map_read`](Archive::map_read).
    ///
    /// # Safety
    ///
    /// As [`map_read`](Archive::map_read): while the map lives, nothing changes the
    /// archive's file where the member lies or truncates the file, in this or any other
    /// process (this map's own writes are private and do not count).
    pub unsafe fn map_copy_on_write<T: Dtype, D: Dimension>(
        &self,
        name: &str,
    ) -> Result<Memmap<T, D, CopyOnWrite>> {
        // SAFETY: the caller upholds the contract, which is this function's.
        unsafe { self.map_impl(name, Mode::CopyOnWrite) }
    }

    fn find(&self, name: &str) -> Result<&Member> {
        let m = self.member(name).ok_or_else(|| Error::NoSuchMember {
            name: name.to_owned(),
        })?;
        m.check_stored(&self.path)?;
        Ok(m)
    }

    /// The first bytes of a stored member, never past its end.
    fn header_bytes(&self, m: &Member) -> Result<Vec<u8>> {
        read_header(&self.file, &self.path, m.offset, m.len, self.max_header_len)
    }

    /// # Safety
    ///
    /// The file-map contract (`mode` is `'r'` or `'c'`; `Memmap::from_source` refuses one
    /// that `A` does not admit).
    unsafe fn map_impl<T: Dtype, D: Dimension, A: Access>(
        &self,
        name: &str,
        mode: Mode,
    ) -> Result<Memmap<T, D, A>> {
        let m = self.find(name)?;
        let (shape, order, hlen) =
            check_header::<T, D>(&self.file, &self.path, m.offset, m.len, self.max_header_len)?;
        let offset = m.offset.checked_add(hlen).ok_or(mmarray::Error::Overflow)?;
        let file = self
            .file
            .try_clone()
            .map_err(io_err("dup", Some(&self.path)))?;
        // SAFETY: the caller upholds the file-map contract for the archive.
        unsafe {
            Memmap::from_source(
                Source::Opened(file, &self.path, None),
                mode,
                offset,
                Some(&shape),
                order,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_drop_only_a_final_npy_suffix() {
        let m = |n: &str| Member {
            file_name: n.to_owned(),
            offset: 0,
            len: 0,
            method: None,
            encrypted: false,
        };
        assert_eq!(m("x.npy").name(), "x");
        assert_eq!(m("x.npy.npy").name(), "x.npy");
        assert_eq!(m("notes.txt").name(), "notes.txt");
        assert_eq!(m("dir/x.npy").name(), "dir/x");
    }

    #[test]
    fn only_stored_data_has_no_method_name() {
        assert_eq!(method_name(CompressionMethod::STORE), None);
        assert_eq!(method_name(CompressionMethod::DEFLATE), Some("deflate"));
        assert_eq!(method_name(CompressionMethod::BZIP2), Some("bzip2"));
        assert_eq!(
            method_name(CompressionMethod::JPEG),
            Some("an unknown method")
        );
    }
}
