//! Element types aligned beyond a page are refused by every constructor with a typed error:
//! a mapping is only page-aligned, and `grow` may move it (with `mremap`) to any page, so
//! such a type could not be cast from it afterwards (this used to pass the checks at open
//! and panic with `unreachable!` after `grow`). And shapes whose products overflow are
//! typed errors, while an empty array's length is 0 whatever its other axes.

use std::os::fd::AsFd;

use mmarray_std::{Error, Ix1, Ix3, Memmap, Mode, Options, ReadWrite, RowLog};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::support::{page, private};

/// An element aligned to 8 KiB: more than the 4 KiB page of x86-64 and most of aarch64.
#[derive(Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C, align(8192))]
struct Big {
    x: [u8; 8192],
}

fn assert_refused<T: std::fmt::Debug>(r: Result<T, Error>, what: &str) {
    match r {
        Err(Error::AlignBeyondPage { align, page: p }) => {
            assert_eq!((align, p), (8192, page()), "{what}");
        }
        other => panic!("{what}: {other:?}"),
    }
}

#[test]
fn every_constructor_refuses_an_element_aligned_beyond_a_page() {
    if page() >= 8192 {
        eprintln!(
            "skipped: the page ({} bytes) is not smaller than 8 KiB",
            page()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.dat");
    // 'w+' by path: refused before the file is created.
    assert_refused(
        private!(Options::<Big, Ix1>::new().shape([0]).create(&path)),
        "create",
    );
    assert!(!path.exists(), "a refused create left a file");
    // An empty existing file, in every mode by path and by descriptor.
    std::fs::write(&path, b"").unwrap();
    for mode in [Mode::Read, Mode::ReadWrite, Mode::Write, Mode::CopyOnWrite] {
        let o = {
            let mut o = Options::<Big, Ix1>::new();
            o.shape([0]);
            o
        };
        assert_refused(private!(o.open(&path, mode)), &format!("open {mode}"));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        assert_refused(private!(o.map(file.as_fd(), mode)), &format!("map {mode}"));
    }
    assert_refused(
        private!(Options::<Big, Ix1>::new().open_read_write(&path)),
        "inferred shape",
    );
    assert_refused(Memmap::<Big, Ix1, ReadWrite>::anonymous([1]), "anonymous");
    assert_refused(
        Memmap::<Big, Ix1, ReadWrite>::anonymous([0]),
        "anonymous, empty",
    );
    // The row log refuses it the same way.
    // (File-backed row logs need a row type with a numpy descr, which `Big` has not; the
    // row log's own 64-byte limit is tested in `row_log/npy_view`.)
    assert_refused(RowLog::<Big>::anonymous(4), "row log");
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        0,
        "the file changed"
    );
}

/// The case that used to panic: an empty array opens (nothing is mapped, so the cast check
/// has nothing to check), then `grow` maps it at a page that is not 8 KiB-aligned.
#[test]
fn growing_an_empty_map_of_such_elements_cannot_panic() {
    if page() >= 8192 {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.dat");
    match private!(Options::<Big, Ix1>::new().shape([0]).create(&path)) {
        Err(e) => assert!(matches!(e, Error::AlignBeyondPage { .. }), "{e:?}"),
        Ok(mut m) => {
            // Before the fix: grow maps the file, and the next look panics.
            for n in 1..4 {
                m.grow(n).unwrap();
                assert_eq!(m.as_slice().len(), n);
            }
            panic!("an element aligned beyond a page was accepted");
        }
    }
}

#[cfg(target_pointer_width = "64")]
#[test]
fn an_empty_array_has_length_0_whatever_its_other_axes() {
    let big = 1usize << 31; // big * big = 2^62: addressable together
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.dat");
    let mut m = private!(Options::<u8, Ix3>::new().shape([0, big, big]).create(&path)).unwrap();
    assert_eq!((m.len(), m.is_empty(), m.nbytes()), (0, true, 0));
    assert_eq!(m.as_slice(), &[] as &[u8]);
    // The slice product of the append is 2^62: nothing to append is fine, anything else
    // is a ragged append, not an overflow.
    m.append(&[]).unwrap();
    match m.append(&[1, 2, 3]) {
        Err(Error::Ragged { len: 3, slice }) => assert_eq!(slice, big * big),
        other => panic!("{other:?}"),
    }
    m.grow(0).unwrap();
    assert_eq!(m.shape(), &[0, big, big]);
    // The empty axis last: Fortran order grows it along the last axis.
    let m = Memmap::<u8, Ix3, ReadWrite>::anonymous([big, big, 0]).unwrap();
    assert_eq!((m.len(), m.is_empty()), (0, true));
    // Non-zero axes that cannot be addressed together are refused, as numpy refuses them.
    for shape in [
        [0, 1 << 32, 1 << 32],
        [1 << 32, 1 << 32, 0],
        [usize::MAX, 2, 0],
    ] {
        let r = private!(Options::<u8, Ix3>::new().shape(shape).create(&path));
        assert!(
            matches!(
                r,
                Err(Error::Layout {
                    error: mmarray::Error::Overflow,
                    ..
                })
            ),
            "{shape:?}: {r:?}"
        );
        let r = Memmap::<u8, Ix3, ReadWrite>::anonymous(shape);
        assert!(
            matches!(
                r,
                Err(Error::Layout {
                    error: mmarray::Error::Overflow,
                    ..
                })
            ),
            "{shape:?}: {r:?}"
        );
    }
}
