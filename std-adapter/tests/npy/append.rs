//! Appending to a `.npy` in place: the file is extended, the shape in the
//! header rewritten without changing the header's length, and numpy loads
//! the result with the new shape and values; after every append the file is
//! byte for byte what `np.save` writes for the grown array.

use crate::support::numpy;
use crate::support::private;

use std::path::{Path, PathBuf};

use mmarray_std::{Error, Ix0, Ix2, IxDyn, Order, npy};

fn py_path(p: &Path) -> String {
    format!("{:?}", p.to_str().unwrap())
}

/// numpy saves `expr` (an array expression) to `reference`, and checks that
/// `np.load(path)` and `np.load(path, mmap_mode='r')` equal it.
fn numpy_agrees(py: &PathBuf, path: &Path, reference: &Path, expr: &str) {
    let out = numpy::run(
        py,
        &format!(
            "import numpy as np\n\
             a = {expr}\n\
             np.save({r}, a)\n\
             for b in (np.load({p}), np.load({p}, mmap_mode='r')):\n    \
                 assert b.dtype == a.dtype and b.shape == a.shape, (b.dtype, b.shape)\n    \
                 assert np.array_equal(a, b)\n    \
                 assert b.flags.f_contiguous == a.flags.f_contiguous\n\
             print(a.shape)\n",
            r = py_path(reference),
            p = py_path(path),
        ),
    );
    assert!(!out.is_empty());
    let (ours, theirs) = (
        std::fs::read(path).unwrap(),
        std::fs::read(reference).unwrap(),
    );
    assert!(
        ours == theirs,
        "after appending, the file differs from np.save's for {expr}:\n ours: {:?}\ntheirs: {:?}",
        String::from_utf8_lossy(&ours[..128.min(ours.len())]),
        String::from_utf8_lossy(&theirs[..128.min(theirs.len())]),
    );
}

#[test]
fn appending_rows_in_c_order() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (path, reference) = (dir.path().join("c.npy"), dir.path().join("ref.npy"));
    let mut m = private!(npy::create::<f64, Ix2>(&path, [2, 3])).unwrap();
    m.as_mut_slice()
        .copy_from_slice(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    // 2 -> 3 rows, then 3 -> 12: the shape's length in the header changes.
    m.append(&[6.0, 7.0, 8.0]).unwrap();
    assert_eq!(m.shape(), &[3, 3]);
    m.flush().unwrap();
    numpy_agrees(&py, &path, &reference, "np.arange(9.0).reshape(3, 3)");
    let more: Vec<f64> = (9..36).map(f64::from).collect();
    m.append(&more).unwrap();
    assert_eq!((m.shape(), m[[11, 2]]), (&[12, 3][..], 35.0));
    m.flush().unwrap();
    numpy_agrees(&py, &path, &reference, "np.arange(36.0).reshape(12, 3)");
    let info = npy::info(&path).unwrap();
    assert_eq!((info.data_offset, info.shape), (128, vec![12, 3]));
}

#[test]
fn appending_columns_in_f_order() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (path, reference) = (dir.path().join("f.npy"), dir.path().join("ref.npy"));
    let mut m = private!(
        npy::Options::<i32, Ix2>::new()
            .shape([3, 2])
            .order(Order::F)
            .create(&path)
    )
    .unwrap();
    assert_eq!(m.growth_axis(), Some(1));
    // Column j holds 10 * j + i: whole columns are contiguous in F order.
    m.as_mut_slice().copy_from_slice(&[0, 1, 2, 10, 11, 12]);
    m.append(&[20, 21, 22, 30, 31, 32]).unwrap();
    assert_eq!((m.shape(), m[[2, 3]]), (&[3, 4][..], 32));
    m.close().unwrap();
    numpy_agrees(
        &py,
        &path,
        &reference,
        "np.asfortranarray(np.add.outer(np.arange(3), 10 * np.arange(4)).astype('<i4'))",
    );
}

/// A file numpy wrote, opened 'r+' by mmarray and grown: numpy reads the
/// grown file, and mmarray's header rewrite keeps np.save's exact bytes.
#[test]
fn growing_a_file_numpy_wrote() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (path, reference) = (dir.path().join("np.npy"), dir.path().join("ref.npy"));
    numpy::run(
        &py,
        &format!(
            "import numpy as np\nnp.save({}, np.arange(8, dtype='>u2').reshape(4, 2))\n",
            py_path(&path)
        ),
    );
    let mut m = private!(npy::open_read_write::<
        mmarray_std::zerocopy::byteorder::big_endian::U16,
        IxDyn,
    >(&path))
    .unwrap();
    // Grow well past a page (zeros), then write the last row.
    m.grow(5000).unwrap();
    assert_eq!(m.shape(), &[5000, 2]);
    assert_eq!(m[[3, 1]].get(), 7, "old data kept");
    assert_eq!(m[[4, 0]].get(), 0, "new rows are zeros");
    m[[4999, 1]] = 9.into();
    m.close().unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 128 + 5000 * 2 * 2);
    numpy_agrees(
        &py,
        &path,
        &reference,
        "np.concatenate([np.arange(8), np.zeros(9992, int)]).astype('>u2').reshape(5000, 2); \
         a[4999, 1] = 9",
    );
}

/// The header has room for the longest shape numpy can write on the growth
/// axis: growing an array of zero-size rows to 10^18 of them (no data at
/// all) keeps the header's length, and numpy reads the shape.
#[test]
fn the_header_has_room_for_a_19_digit_length() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (path, reference) = (dir.path().join("z.npy"), dir.path().join("ref.npy"));
    let mut m = private!(npy::create::<u8, Ix2>(&path, [2, 0])).unwrap();
    for n in [9, 10, 99_999, 1_000_000_000_000_000_000] {
        m.grow(n).unwrap();
        assert_eq!(m.shape(), &[n, 0]);
        let info = npy::info(&path).unwrap();
        assert_eq!((info.data_offset, &info.shape[..]), (128, &[n, 0][..]));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 128);
    }
    drop(m);
    numpy_agrees(&py, &path, &reference, "np.zeros((10**18, 0), dtype='u1')");
}

fn unchanged_after(path: &Path, f: impl FnOnce()) {
    let before = std::fs::read(path).unwrap();
    f();
    assert_eq!(std::fs::read(path).unwrap(), before, "the file changed");
}

#[test]
fn what_cannot_grow_says_so_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    let mut m = private!(npy::create::<f32, Ix2>(&path, [4, 2])).unwrap();
    m.as_mut_slice().fill(1.5);
    m.close().unwrap();

    unchanged_after(&path, || {
        let mut m = private!(npy::open_read_write::<f32, Ix2>(&path)).unwrap();
        let e = m.grow(3).unwrap_err();
        assert!(matches!(e, Error::CannotGrow { .. }), "shrink: {e:?}");
        assert!(e.to_string().contains("larger length"), "{e}");
        let e = m.append(&[1.0, 2.0, 3.0]).unwrap_err();
        assert!(
            matches!(e, Error::Ragged { len: 3, slice: 2 }),
            "ragged: {e:?}"
        );
        m.grow(4).unwrap(); // the same length: nothing to do
        assert_eq!(m.shape(), &[4, 2]);
    });
    unchanged_after(&path, || {
        let mut m = private!(npy::open_read::<f32, Ix2>(&path)).unwrap();
        let e = m.grow(8).unwrap_err();
        assert!(matches!(e, Error::CannotGrow { .. }), "'r': {e:?}");
        assert_eq!(m.shape(), &[4, 2]);
    });
    unchanged_after(&path, || {
        let mut m = private!(npy::Options::<f32, Ix2>::new().open_copy_on_write(&path)).unwrap();
        let e = m.append(&[0.0, 0.0]).unwrap_err();
        assert!(matches!(e, Error::CannotGrow { .. }), "'c': {e:?}");
        assert_eq!(m.shape(), &[4, 2]);
    });

    let zero_d = dir.path().join("0d.npy");
    let mut m = private!(npy::create::<f64, Ix0>(&zero_d, [])).unwrap();
    m[[]] = 2.5;
    m.close().unwrap();
    unchanged_after(&zero_d, || {
        let mut m = private!(npy::open_read_write::<f64, Ix0>(&zero_d)).unwrap();
        assert_eq!(m.growth_axis(), None);
        let e = m.grow(1).unwrap_err();
        assert!(matches!(e, Error::CannotGrow { .. }), "0-d: {e:?}");
        let e = m.append(&[1.0]).unwrap_err();
        assert!(matches!(e, Error::CannotGrow { .. }), "0-d: {e:?}");
    });
}

/// The file is extended before the header names the new shape: when the OS
/// refuses the extension (a length past the largest file offset), the
/// header still has the old shape, the file is unchanged and the map still
/// works.
#[cfg(target_pointer_width = "64")]
#[test]
fn a_length_the_os_refuses_publishes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    let mut m = private!(npy::create::<u8, [usize; 1]>(&path, [3])).unwrap();
    m.as_mut_slice().copy_from_slice(&[1, 2, 3]);
    m.flush().unwrap();
    let before = std::fs::read(&path).unwrap();
    // At most isize::MAX bytes of data (so the size itself is valid), but
    // ending past i64::MAX: no file can be that long.
    let n = isize::MAX as usize - 64;
    let e = m.grow(n).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Io {
                // Preallocated by default: `fallocate(2)` refuses the length.
                op: "fallocate",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "nothing was published"
    );
    assert_eq!((m.shape(), m.as_slice()), (&[3][..], &[1u8, 2, 3][..]));
    m.append(&[4]).unwrap();
    assert_eq!(npy::info(&path).unwrap().shape, [4]);
}

/// An interrupted append leaves rows past the data that the header does not name (numpy
/// ignores them). Growing with zeros must not reveal them: the new rows are zeros.
#[test]
fn growing_after_an_interrupted_append_gives_zeros_not_the_leftover_rows() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    let mut m = private!(npy::create::<u8, Ix2>(&path, [2, 3])).unwrap();
    m.as_mut_slice().copy_from_slice(&[1, 2, 3, 4, 5, 6]);
    m.close().unwrap();
    // What a killed append leaves behind: two rows written, the header not yet rewritten.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(&[9; 6])
        .unwrap();
    let mut m = private!(npy::open_read_write::<u8, Ix2>(&path)).unwrap();
    assert_eq!(m.shape(), &[2, 3]);
    m.grow(4).unwrap();
    assert_eq!(m.as_slice(), &[1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0]);
    // And appending overwrites the leftovers with the rows given.
    m.append(&[7, 7, 7]).unwrap();
    m.close().unwrap();
    let r = private!(npy::open_read::<u8, Ix2>(&path)).unwrap();
    assert_eq!(r.shape(), &[5, 3]);
    assert_eq!(&r.as_slice()[6..], &[0, 0, 0, 0, 0, 0, 7, 7, 7]);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 128 + 15);
}
