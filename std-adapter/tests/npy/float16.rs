//! numpy's `float16` (feature `half`): `np.float16` arrays in both byte orders map with
//! numpy's values and print as numpy prints them (float16's own shortest digits), and a
//! record with float16 fields has numpy's descr and prints as numpy's `str` of it.

use crate::support::numpy;
use crate::support::private;

use mmarray_std::mmarray::half::f16;
use mmarray_std::mmarray::npy::Descr;
use mmarray_std::zerocopy::{BigEndian, LittleEndian};
use mmarray_std::{F16, Ix1, Ix2, npy};

/// Values where float16's shortest digits differ from float32's, the ends of its range,
/// subnormals, signed zero and the non-finite ones.
const VALUES: &str = "[0.1, 1/3, 65504, 6e-8, -0.0, 1e-5, 1000.5, 2.0, -7.25, 0.007, \
                      float('inf'), float('-inf'), float('nan'), 1e4, 3.14159, 2049]";

#[test]
fn float16_arrays_map_and_print_as_numpy_prints_them() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (le, be, grid) = (
        dir.path().join("le.npy"),
        dir.path().join("be.npy"),
        dir.path().join("grid.npy"),
    );
    let out = numpy::run(
        &py,
        &format!(
            "import numpy as np\n\
             v = np.array({VALUES}, '<f2')\n\
             np.save({le:?}, v)\n\
             np.save({be:?}, v.astype('>f2'))\n\
             g = np.array([[0.1, 0.2, 0.3], [1/3, 2/3, 0.007]], '<f2')\n\
             np.save({grid:?}, g)\n\
             print(repr(v.tobytes().hex()))\n\
             print(repr(np.load({le:?}, mmap_mode='r')))\n\
             print('---')\n\
             print(repr(np.load({grid:?}, mmap_mode='r')))\n\
             print('---')\n\
             for x in v: print(x)",
        ),
    );
    let mut parts = out.split("---\n");
    let (head, grid_text, scalars) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let (hex, array_text) = head.split_once('\n').unwrap();

    let native = private!(npy::open_read::<f16, Ix1>(&le)).unwrap();
    let big = private!(npy::open_read::<F16<BigEndian>, Ix1>(&be)).unwrap();
    let little = private!(npy::open_read::<F16<LittleEndian>, Ix1>(&le)).unwrap();
    // Same bits as numpy's, whichever type reads them.
    let bits: String = native
        .as_slice()
        .iter()
        .flat_map(|x| x.to_bits().to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(format!("'{bits}'"), hex);
    for i in 0..native.len() {
        assert_eq!(native[[i]].to_bits(), big[[i]].get().to_bits());
        assert_eq!(native[[i]].to_bits(), little[[i]].get().to_bits());
    }
    // numpy's repr of the memmap is mmarray's Display, for every byte order.
    assert_eq!(format!("{native}\n"), array_text);
    // The explicit-order types print the same values (their dtype name says the order).
    let body = |s: String| s.split(", dtype").next().unwrap().to_owned();
    assert_eq!(body(big.to_string()), body(array_text.to_owned()));
    assert_eq!(body(little.to_string()), body(array_text.to_owned()));
    // Positional digits are float16's shortest (0.1, not float32's 0.09998).
    let g = private!(npy::open_read::<f16, Ix2>(&grid)).unwrap();
    assert_eq!(format!("{g}\n"), grid_text);
    assert!(grid_text.contains("[[0.1   , 0.2   ,"), "{grid_text}");

    // Each value alone, as numpy's `str` of a float16 scalar, is how a record field prints.
    mmarray_std::record! {
        struct One {
            x: f16,
        }
    }
    let ours: String = native
        .as_slice()
        .iter()
        .map(|&x| {
            let s = One { x }.to_string();
            format!("{}\n", &s[1..s.len() - 1])
        })
        .collect();
    assert_eq!(ours, scalars);
}

mmarray_std::record! {
    /// Half-precision fields in both byte orders, and a sub-array of them.
    struct Halves {
        a: f16,
        b: F16<BigEndian>,
        v: [F16<LittleEndian>; 3],
    }
}

#[test]
fn float16_records_have_numpys_descr_and_print_as_numpy() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("halves.npy");
    let mut m = private!(npy::create::<Halves, Ix1>(&path, 2)).unwrap();
    for i in 0..2 {
        let k = i as f32;
        m[[i]] = Halves {
            a: f16::from_f32(0.1 + k),
            b: F16::new(f16::from_f32(-1.0 / 3.0)),
            v: [0.5, 1e-3, 300.0 + k].map(|x| F16::new(f16::from_f32(x))),
        };
    }
    m.close().unwrap();
    let out = numpy::run(
        &py,
        &format!(
            "import numpy as np\n\
             print(np.lib.format.dtype_to_descr(np.dtype([('a', '<f2'), ('b', '>f2'), ('v', '<f2', (3,))])))\n\
             for r in np.load({path:?}): print(r)"
        ),
    );
    let (descr, records) = out.split_once('\n').unwrap();
    assert_eq!(Descr::of::<Halves>().to_string(), descr);
    let m = private!(npy::open_read::<Halves, Ix1>(&path)).unwrap();
    let ours: String = m.as_slice().iter().map(|r| format!("{r}\n")).collect();
    assert_eq!(ours, records);
}
