//! Maps handed to ndarray (feature `ndarray`): a mutable ndarray view of a sliced,
//! transposed view writes through to the file's bytes; a whole map converts without a view;
//! a read-only map refuses a mutable one. (The property tests of the view conversions are
//! the core's: `tests/views/ndarray_props.rs`.)

use crate::support::private;

use mmarray_std::ndarray::{self as nd, Axis};
use mmarray_std::{Ix2, Ix3, Options, Order, Slice};

#[test]
fn a_mutable_ndarray_view_writes_through_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.f64");
    // numpy: a = np.memmap(path, dtype='f8', mode='w+', shape=(3, 4, 5), order='F')
    let mut opts = Options::<f64, Ix3>::new();
    opts.shape([3, 4, 5]).order(Order::F);
    let mut m = private!(opts.create(&path)).unwrap();
    {
        // a[:, 1, ::-1].T[...] = 100 + arange(15).reshape(5, 3), through ndarray
        let v = m.view_mut();
        let v = v
            .index_axis(1, 1)
            .unwrap()
            .slice(&[Slice::full(), Slice::full().step_by(-1)])
            .unwrap()
            .reversed_axes();
        let mut nd: nd::ArrayViewMut<'_, f64, nd::Ix2> = v.into();
        assert_eq!(
            (nd.shape(), nd.strides()),
            (&[5, 3][..], &[-12isize, 1][..])
        );
        for (k, x) in nd.iter_mut().enumerate() {
            *x = 100.0 + k as f64;
        }
    }
    m.close().unwrap();

    let bytes = std::fs::read(&path).unwrap();
    let got: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_ne_bytes(c.try_into().unwrap()))
        .collect();
    // Element (i, 1, k) of the F-order file sits at i + 3·(1 + 4·k); view index (r, i) of
    // the transpose is (i, 1, 4 - r), the k-th in C order for k = 3r + i.
    let mut want = vec![0.0; 60];
    for r in 0..5 {
        for i in 0..3 {
            want[i + 3 * (1 + 4 * (4 - r))] = 100.0 + (3 * r + i) as f64;
        }
    }
    assert_eq!(got, want);
}

#[test]
fn a_whole_map_converts_without_a_view() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.u16");
    let mut opts = Options::<u16, Ix2>::new();
    opts.shape([2, 3]).order(Order::F);
    let mut m = private!(opts.create(&path)).unwrap();
    m.as_ndarray_mut()
        .assign(&nd::array![[1u16, 2, 3], [4, 5, 6]]);
    assert_eq!(m.as_ndarray().strides(), &[1, 2]);
    assert_eq!(m.as_ndarray().sum_axis(Axis(0)), nd::array![5u16, 7, 9]);
    m.close().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes, [1u16, 4, 2, 5, 3, 6].map(u16::to_ne_bytes).concat());

    // A map whose mode is chosen at run time refuses a mutable view when read-only.
    let mut d = private!(opts.open(&path, mmarray_std::Mode::Read)).unwrap();
    assert!(matches!(
        d.try_as_ndarray_mut(),
        Err(mmarray_std::Error::ReadOnly)
    ));
    assert_eq!(d.as_ndarray()[[1, 2]], 6);
}
