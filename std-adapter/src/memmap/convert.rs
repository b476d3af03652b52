//! From a mode chosen at run time to its type: [`Memmap<_, _, Dynamic>`](Memmap) →
//! [`ReadOnly`], [`ReadWrite`] or [`CopyOnWrite`], as memmap2's `make_mut` and
//! `make_read_only` turn one map type into another.

use std::marker::PhantomData;

use mmarray::{Dimension, Element};

use super::Memmap;
use crate::error::Error;
use crate::mode::Mode;
use crate::mode::{Access, CopyOnWrite, Dynamic, ReadOnly, ReadWrite, admits};
use crate::raw::RawMap;

impl<T: Element, D: Dimension> Memmap<T, D, Dynamic> {
    /// The map as the read-only type, if it was opened in mode `'r'`: mutable access then
    /// needs no check and does not compile.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Mode, Options};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("x.u8");
    /// std::fs::write(&path, [1, 2, 3])?;
    /// let mode: Mode = "r".parse()?;
    /// // SAFETY: nothing else writes or truncates the file while it is mapped.
    /// let m = unsafe { Options::<u8, [usize; 1]>::new().open(&path, mode) }?;
    /// let m = m.into_read_only()?;
    /// assert_eq!(m.as_slice(), &[1, 2, 3]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`Mismatch`] in any other mode, which hands the map back.
    pub fn into_read_only(self) -> Result<Memmap<T, D, ReadOnly>, Mismatch<T, D>> {
        self.into_access()
    }

    /// The map as the shared read/write type, if it was opened in mode `'r+'` or `'w+'`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Mode, Options};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("x.u8");
    /// std::fs::write(&path, [1, 2, 3])?;
    /// let open = |mode| unsafe { Options::<u8, [usize; 1]>::new().open(&path, mode) };
    /// // SAFETY (both opens): nothing else writes or truncates the file while it is mapped.
    /// let mut m = open(Mode::ReadWrite)?.into_read_write()?;
    /// m[[0]] = 9; // no run-time check any more
    /// let err = open(Mode::Read)?.into_read_write().unwrap_err();
    /// assert_eq!((err.map().mode(), err.expected()), (Mode::Read, Mode::ReadWrite));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`Mismatch`] in mode `'r'` or `'c'`, which hands the map back.
    pub fn into_read_write(self) -> Result<Memmap<T, D, ReadWrite>, Mismatch<T, D>> {
        self.into_access()
    }

    /// The map as the copy-on-write type, if it was opened in mode `'c'`.
    ///
    /// # Errors
    ///
    /// A [`Mismatch`] in any other mode, which hands the map back.
    pub fn into_copy_on_write(self) -> Result<Memmap<T, D, CopyOnWrite>, Mismatch<T, D>> {
        self.into_access()
    }

    /// Moves the map into the access type `B` if `B` admits its mode, else hands it back.
    fn into_access<B: Access>(mut self) -> Result<Memmap<T, D, B>, Mismatch<T, D>> {
        if let Some(expected) = B::MODE.filter(|_| !admits(B::MODE, self.mode)) {
            return Err(Mismatch {
                map: Box::new(self),
                expected,
            });
        }
        // `Memmap` flushes on drop, so its fields are taken, not moved: what is left behind
        // owns no mapping and no file, and drops without a system call.
        Ok(Memmap {
            map: std::mem::replace(&mut self.map, RawMap::empty()),
            layout: self.layout.clone(),
            order: self.order,
            offset: self.offset,
            mode: self.mode,
            file: self.file.take(),
            filename: self.filename.take(),
            npy: self.npy,
            pending: self.pending.take(),
            growth: self.growth,
            positional: self.positional,
            _marker: PhantomData,
        })
    }
}

/// A map whose run-time mode is not the one a conversion asked for, handed back
/// unchanged (still mapped, nothing flushed), as [`std::sync::Arc::try_unwrap`] hands
/// back its `Arc`.
///
/// `?` turns it into [`Error::ModeMismatch`], closing the map; [`into_map`](Self::into_map)
/// keeps it.
///
/// # Examples
///
/// ```
/// use mmarray_std::{Mode, Options};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("x.u8");
/// # std::fs::write(&path, [1, 2, 3])?;
/// // SAFETY: nothing else writes or truncates the file while it is mapped.
/// let m = unsafe { Options::<u8, [usize; 1]>::new().open(&path, Mode::Read) }?;
/// let err = m.into_read_write().unwrap_err();
/// assert_eq!((err.map().mode(), err.expected()), (Mode::Read, Mode::ReadWrite));
/// let m = err.into_map().into_read_only()?; // the same map, now typed
/// assert_eq!(m.as_slice(), &[1, 2, 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Mismatch<T, D: Dimension> {
    // Boxed: an `Err` as large as the map would make every `Result` of a conversion large.
    map: Box<Memmap<T, D, Dynamic>>,
    expected: Mode,
}

impl<T, D: Dimension> Mismatch<T, D> {
    /// The map, as it was.
    pub fn map(&self) -> &Memmap<T, D, Dynamic> {
        &self.map
    }

    /// The map back, still open in its mode.
    pub fn into_map(self) -> Memmap<T, D, Dynamic> {
        *self.map
    }

    /// The mode the conversion asked for (`'r+'` also stands for `'w+'`).
    pub fn expected(&self) -> Mode {
        self.expected
    }

    /// The error this mismatch is, without the map.
    fn error(&self) -> Error {
        Error::ModeMismatch {
            mode: self.map.mode,
            expected: self.expected,
        }
    }
}

impl<T, D: Dimension> std::fmt::Debug for Mismatch<T, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mismatch")
            .field("mode", &self.map.mode)
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

impl<T, D: Dimension> std::fmt::Display for Mismatch<T, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error().fmt(f)
    }
}

impl<T, D: Dimension> std::error::Error for Mismatch<T, D> {}

/// [`Error::ModeMismatch`]; the map is closed (flushed if written, then unmapped).
impl<T, D: Dimension> From<Mismatch<T, D>> for Error {
    fn from(m: Mismatch<T, D>) -> Self {
        m.error()
    }
}

#[cfg(test)]
#[allow(unsafe_code, reason = "the tests open file maps, an unsafe fn")]
mod tests {
    use super::*;
    use crate::Mode;
    use crate::memmap::Source;

    /// A map of the 3-byte file `x.u8` in `dir` (written as `[1, 2, 3]` if missing) in
    /// `mode`, through the `Dynamic` opener.
    fn open(dir: &std::path::Path, mode: Mode) -> Memmap<u8, [usize; 1], Dynamic> {
        let path = dir.join("x.u8");
        if !path.exists() {
            std::fs::write(&path, [1, 2, 3]).unwrap();
        }
        // SAFETY: the file is private to this test and changed only through its maps.
        unsafe { Memmap::from_source(Source::Path(&path), mode, 0, Some(&[3]), mmarray::Order::C) }
            .unwrap()
    }

    #[test]
    fn each_mode_converts_to_its_type_only() {
        let dir = tempfile::tempdir().unwrap();
        let mismatch = |r: crate::Result<()>, mode, expected| match r {
            Err(Error::ModeMismatch {
                mode: m,
                expected: e,
            }) => {
                assert_eq!((m, e), (mode, expected));
            }
            other => panic!("{mode} as {expected}: {other:?}"),
        };
        for mode in [Mode::Read, Mode::ReadWrite, Mode::Write, Mode::CopyOnWrite] {
            let ok = |r: crate::Result<()>| r.unwrap();
            let ro = open(dir.path(), mode)
                .into_read_only()
                .map(drop)
                .map_err(Error::from);
            let rw = open(dir.path(), mode)
                .into_read_write()
                .map(drop)
                .map_err(Error::from);
            let c = open(dir.path(), mode)
                .into_copy_on_write()
                .map(drop)
                .map_err(Error::from);
            match mode {
                Mode::Read => {
                    ok(ro);
                    mismatch(rw, mode, Mode::ReadWrite);
                    mismatch(c, mode, Mode::CopyOnWrite);
                }
                Mode::ReadWrite | Mode::Write => {
                    mismatch(ro, mode, Mode::Read);
                    ok(rw);
                    mismatch(c, mode, Mode::CopyOnWrite);
                }
                Mode::CopyOnWrite => {
                    mismatch(ro, mode, Mode::Read);
                    mismatch(rw, mode, Mode::ReadWrite);
                    ok(c);
                }
            }
        }
    }

    #[test]
    fn a_mismatch_hands_the_map_back_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = open(dir.path(), Mode::ReadWrite);
        m.try_as_mut_slice().unwrap()[0] = 9;
        let err = m.into_read_only().unwrap_err();
        assert_eq!(
            (err.map().mode(), err.expected()),
            (Mode::ReadWrite, Mode::Read)
        );
        assert_eq!(
            err.to_string(),
            Error::ModeMismatch {
                mode: Mode::ReadWrite,
                expected: Mode::Read
            }
            .to_string()
        );
        let mut m = err.into_map().into_read_write().unwrap();
        assert_eq!(m.as_slice(), &[9, 2, 3]);
        m[[2]] = 8;
        m.close().unwrap();
        assert_eq!(std::fs::read(dir.path().join("x.u8")).unwrap(), [9, 2, 8]);
    }

    #[test]
    fn a_converted_map_keeps_its_file_and_its_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.u8");
        let mut m = open(dir.path(), Mode::ReadWrite).into_read_write().unwrap();
        assert_eq!((m.as_slice(), m.mode()), (&[1, 2, 3][..], Mode::ReadWrite));
        assert_eq!(
            m.filename(),
            Some(std::path::absolute(&path).unwrap().as_path())
        );
        m[[1]] = 7;
        m.grow(4).unwrap(); // still holds its file
        m.close().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), [1, 7, 3, 0]);
    }

    #[test]
    fn typed_constructors_refuse_a_mode_their_type_does_not_admit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("never.u8");
        // SAFETY: the file is private to this test (and never created).
        let r = unsafe {
            Memmap::<u8, [usize; 1], ReadOnly>::from_source(
                Source::Path(&path),
                Mode::Write,
                0,
                Some(&[3]),
                mmarray::Order::C,
            )
        };
        assert!(matches!(
            r,
            Err(Error::ModeMismatch {
                mode: Mode::Write,
                expected: Mode::Read
            })
        ));
        assert!(!path.exists(), "refused before the file was created");
    }
}
