//! `.npy` files and ndarray (feature `ndarray`), checked against real numpy:
//!
//! - `npy::save_ndarray` of C, F, strided, negatively strided, transposed, permuted, 0-d and
//!   empty arrays writes byte for byte what `np.save` writes for the same array built in
//!   numpy (so the order numpy chooses too), and `np.load` gives the values;
//! - `npy::Options::like` creates a mapped `.npy` with the shape and order of an array;
//! - the issue's walk-through: numpy writes a Fortran-order 3-D `.npy`, mmarray maps it and
//!   takes `a[:, 1, ::-1].T`, ndarray multiplies it by its transpose, and the product equals
//!   numpy's.

use crate::support::numpy;
use crate::support::private;

use std::path::Path;

use mmarray_std::ndarray::{self as nd, ArrayD, IxDyn, ShapeBuilder, s};
use mmarray_std::zerocopy::byteorder::big_endian::I16;
use mmarray_std::{Error, Ix3, Order, Slice, npy};

/// `0., 1., ...` laid out in `shape` and order (F when `f`): numpy's
/// `np.arange(n, dtype='<f8').reshape(shape, order=...)`.
fn arange(shape: &[usize], f: bool) -> ArrayD<f64> {
    let n = shape.iter().product::<usize>();
    let values = (0..n).map(|k| k as f64).collect();
    if f {
        ArrayD::from_shape_vec(IxDyn(shape).f(), values).unwrap()
    } else {
        ArrayD::from_shape_vec(IxDyn(shape), values).unwrap()
    }
}

/// Runs numpy on `(file name, numpy expression)` pairs for files in `dir`: each file must
/// be byte for byte `np.save` of the expression, and load with its dtype, shape and values.
fn numpy_agrees(py: &std::path::PathBuf, dir: &Path, cases: &[(&str, &str)]) {
    let list: String = cases
        .iter()
        .map(|(name, expr)| format!("    ({name:?}, {expr}),\n"))
        .collect();
    let script = format!(
        r#"
import io, numpy as np
A = lambda shape, order: np.arange(int(np.prod(shape)), dtype='<f8').reshape(shape, order=order)
cases = [
{list}]
bad = []
for name, e in cases:
    p = {dir:?} + '/' + name + '.npy'
    want = io.BytesIO()
    np.save(want, e)
    got = open(p, 'rb').read()
    if got != want.getvalue():
        bad.append((name, 'bytes', got[:128], want.getvalue()[:128]))
    x = np.load(p)
    if x.dtype != e.dtype or x.shape != e.shape or not np.array_equal(x, e):
        bad.append((name, 'values', x, e))
print('ok' if not bad else bad)
"#,
        dir = dir.to_str().unwrap(),
    );
    assert_eq!(numpy::run(py, &script).trim(), "ok");
}

#[test]
fn save_ndarray_writes_what_np_save_writes() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(format!("{name}.npy"));

    let c = arange(&[3, 4], false);
    npy::save_ndarray(at("c"), &c).unwrap();
    npy::save_ndarray(at("f3"), &arange(&[2, 3, 4], true)).unwrap();
    npy::save_ndarray(at("t"), &c.t()).unwrap();
    let strided = arange(&[4, 6], false);
    npy::save_ndarray(at("strided"), &strided.slice(s![1..;2, ..;3])).unwrap();
    let f = arange(&[3, 4], true);
    npy::save_ndarray(at("neg"), &f.slice(s![..;-1, 1..;2])).unwrap();
    npy::save_ndarray(at("rev_f"), &f.slice(s![..;-1, ..])).unwrap();
    npy::save_ndarray(at("rev_t"), &f.slice(s![.., ..;-1]).t()).unwrap();
    npy::save_ndarray(at("neg_all"), &c.slice(s![..;-1, ..;-1])).unwrap();
    let p = arange(&[2, 3, 4], false).permuted_axes(IxDyn(&[1, 0, 2]));
    npy::save_ndarray(at("perm"), &p).unwrap();
    npy::save_ndarray(at("zero_d"), &nd::arr0(7.5)).unwrap();
    npy::save_ndarray(at("empty"), &arange(&[0, 3], false)).unwrap();
    npy::save_ndarray(at("empty_f"), &arange(&[3, 0], true)).unwrap();
    npy::save_ndarray(at("row_f"), &arange(&[1, 4], true)).unwrap();
    let big = nd::Array2::from_shape_fn((3, 4).f(), |(i, j)| I16::new((i + 3 * j) as i16 - 5));
    npy::save_ndarray(at("big_endian_f"), &big).unwrap();

    numpy_agrees(
        &py,
        dir.path(),
        &[
            ("c", "A((3, 4), 'C')"),
            ("f3", "A((2, 3, 4), 'F')"),
            ("t", "A((3, 4), 'C').T"),
            ("strided", "A((4, 6), 'C')[1::2, ::3]"),
            ("neg", "A((3, 4), 'F')[::-1, 1::2]"),
            ("rev_f", "A((3, 4), 'F')[::-1]"),
            ("rev_t", "A((3, 4), 'F')[:, ::-1].T"),
            ("neg_all", "A((3, 4), 'C')[::-1, ::-1]"),
            ("perm", "A((2, 3, 4), 'C').transpose(1, 0, 2)"),
            ("zero_d", "np.array(7.5)"),
            ("empty", "A((0, 3), 'C')"),
            ("empty_f", "A((3, 0), 'F')"),
            ("row_f", "A((1, 4), 'F')"),
            (
                "big_endian_f",
                "(np.arange(12) - 5).astype('>i2').reshape((3, 4), order='F')",
            ),
        ],
    );
}

#[test]
fn options_like_creates_a_map_numpy_loads() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = arange(&[2, 3, 4], true)
        .into_dimensionality::<nd::Ix3>()
        .unwrap();
    let path = dir.path().join("like_f.npy");
    let mut m = private!(npy::Options::like(&a).unwrap().create(&path)).unwrap();
    assert_eq!((m.shape(), m.order()), (&[2, 3, 4][..], Order::F));
    m.as_ndarray_mut().assign(&a);
    m.close().unwrap();
    // A non-contiguous array: C order, as np.save would choose.
    let b = arange(&[4, 5], false);
    let b = b.slice(s![..;-2, 1..]);
    let path = dir.path().join("like_c.npy");
    let mut m = private!(npy::Options::like(&b).unwrap().create(&path)).unwrap();
    assert_eq!(m.order(), Order::C);
    m.as_ndarray_mut().assign(&b);
    m.close().unwrap();
    numpy_agrees(
        &py,
        dir.path(),
        &[
            ("like_f", "A((2, 3, 4), 'F')"),
            ("like_c", "A((4, 5), 'C')[::-2, 1:]"),
        ],
    );
}

#[test]
fn options_like_refuses_more_axes_than_a_map_has() {
    let a = ArrayD::<f32>::zeros(IxDyn(&[1; 65]));
    let e = npy::Options::like(&a).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Layout {
                error: mmarray_std::mmarray::Error::TooManyDims { ndim: 65 },
                ..
            }
        ),
        "{e:?}"
    );
    assert!(matches!(
        mmarray_std::Options::like(&a),
        Err(Error::Layout { .. })
    ));
    // Saving one is refused by the header, before a file exists.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    assert!(matches!(
        npy::save_ndarray(&path, &a),
        Err(Error::Header { .. })
    ));
    assert!(!path.exists());
}

#[test]
fn dot_of_a_mapped_sliced_transposed_view_equals_numpy() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    let out = numpy::run(
        &py,
        &format!(
            r#"
import numpy as np
a = np.asfortranarray(np.arange(60, dtype='<f8').reshape(3, 4, 5) * 0.5 - 7)
np.save({path:?}, a)
b = a[:, 1, ::-1].T
for r in (b @ b.T, b.T @ b):
    print(' '.join(repr(float(x)) for x in r.ravel()))
"#,
            path = path.to_str().unwrap()
        ),
    );
    let want: Vec<Vec<f64>> = out
        .lines()
        .map(|l| l.split(' ').map(|x| x.parse().unwrap()).collect())
        .collect();

    let m = private!(npy::open_read::<f64, Ix3>(&path)).unwrap();
    assert_eq!(m.order(), Order::F);
    let b = m
        .view()
        .index_axis(1, 1)
        .unwrap()
        .slice(&[Slice::full(), Slice::full().step_by(-1)])
        .unwrap()
        .reversed_axes();
    let b = b.as_ndarray();
    let bbt = b.dot(&b.t());
    let btb = b.t().dot(&b);
    assert_eq!(bbt.shape(), &[5, 5]);
    assert_eq!(btb.shape(), &[3, 3]);
    assert_eq!(bbt.iter().copied().collect::<Vec<_>>(), want[0]);
    assert_eq!(btb.iter().copied().collect::<Vec<_>>(), want[1]);
}

/// Saving a map's own view over its own file replaces the file (written beside it and
/// renamed): the map keeps its pages — an in-place truncation would make them raise
/// SIGBUS — and the new file holds the view's values.
#[test]
fn save_ndarray_over_the_file_a_map_views_leaves_the_map_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("self.npy");
    let a = nd::Array2::from_shape_fn((3, 4), |(i, j)| (10 * i + j) as u32);
    npy::save_ndarray(&path, &a).unwrap();
    let m = private!(npy::open_read::<u32, mmarray_std::Ix2>(&path)).unwrap();
    // The transpose, saved over the file the map holds.
    npy::save_ndarray(&path, &m.as_ndarray().t()).unwrap();
    assert_eq!(m.as_ndarray(), a, "the map still reads its old pages");
    let back = private!(npy::open_read::<u32, mmarray_std::Ix2>(&path)).unwrap();
    assert_eq!(back.as_ndarray(), a.t());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["self.npy"], "no temporary file left");
    // `From` for maps too.
    let v: nd::ArrayView2<'_, u32> = (&back).into();
    assert_eq!(v, a.t());
}
