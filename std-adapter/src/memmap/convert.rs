//! From a mode chosen at run time to its type: [`Memmap<_, _, Dynamic>`](Memmap) →
//! [`ReadOnly`], [`ReadWrite`] or [`CopyOnWrite`], as memmap2's `make_mut` and
//! `make_read_only` turn one map type into another.

use std::marker::PhantomData;

use mmarray::{Dimension, Element};

use super::Memmap;
use crate::error::{Error, Result};
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
    /// [`Error::ModeMismatch`] in any other mode; the map is closed then.
    pub fn into_read_only(self) -> Result<Memmap<T, D, ReadOnly>> {
        self.into_access()
    }

    /// The map as the shared read/write type, if it was opened in mode `'r+'` or `'w+'`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::{Error, Mode, Options};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("x.u8");
    /// std::fs::write(&path, [1, 2, 3])?;
    /// let open = |mode| unsafe { Options::<u8, [usize; 1]>::new().open(&path, mode) };
    /// // SAFETY (both opens): nothing else writes or truncates the file while it is mapped.
    /// let mut m = open(Mode::ReadWrite)?.into_read_write()?;
    /// m[[0]] = 9; // no run-time check any more
    /// let err = open(Mode::Read)?.into_read_write().unwrap_err();
    /// assert!(matches!(err, Error::ModeMismatch { mode: Mode::Read, expected: Mode::ReadWrite }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::ModeMismatch`] in mode `'r'` or `'c'`; the map is closed then.
    pub fn into_read_write(self) -> Result<Memmap<T, D, ReadWrite>> {
        self.into_access()
    }

    /// The map as the copy-on-write type, if it was opened in mode `'c'`.
    ///
    /// # Errors
    ///
    /// [`Error::ModeMismatch`] in any other mode; the map is closed then.
    pub fn into_copy_on_write(self) -> Result<Memmap<T, D, CopyOnWrite>> {
        self.into_access()
    }

    /// Moves the map into the access type `B` if `B` admits its mode.
    fn into_access<B: Access>(mut self) -> Result<Memmap<T, D, B>> {
        if let Some(expected) = B::MODE.filter(|_| !admits(B::MODE, self.mode)) {
            return Err(Error::ModeMismatch {
                mode: self.mode,
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
            growth: self.growth,
            _marker: PhantomData,
        })
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
        let mismatch = |r: Result<()>, mode, expected| match r {
            Err(Error::ModeMismatch {
                mode: m,
                expected: e,
            }) => {
                assert_eq!((m, e), (mode, expected));
            }
            other => panic!("{mode} as {expected}: {other:?}"),
        };
        for mode in [Mode::Read, Mode::ReadWrite, Mode::Write, Mode::CopyOnWrite] {
            let ok = |r: Result<()>| r.unwrap();
            let ro = open(dir.path(), mode).into_read_only().map(drop);
            let rw = open(dir.path(), mode).into_read_write().map(drop);
            let c = open(dir.path(), mode).into_copy_on_write().map(drop);
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
