//! Arrays print exactly as numpy's `repr` prints them: the same bytes are
//! loaded by numpy and by mmarray, and the two strings must be equal.

use crate::support::numpy;
use crate::support::private;

use mmarray_std::ScalarValue;
use mmarray_std::mmarray::Element;
use mmarray_std::{ArrayView, IxDyn, Memmap, NumpyFormat, Options};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// numpy's `|b1`: one byte, printed as `True`/`False`.
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(transparent)]
struct B(u8);

impl NumpyFormat for B {
    fn scalar(&self) -> ScalarValue {
        ScalarValue::Bool(self.0 != 0)
    }
}

/// One printing case: raw bytes of `dtype` with `shape`, and numpy's
/// expression for the array shown (`a` is the loaded array).
struct Case {
    dtype: &'static str,
    shape: Vec<usize>,
    bytes: Vec<u8>,
    expr: &'static str,
}

fn bytes_of<T: Element>(v: &[T]) -> Vec<u8> {
    v.iter().flat_map(|x| x.as_bytes().to_vec()).collect()
}

/// Deterministic pseudo-random numbers (a 64-bit LCG), so both sides see the same data.
fn lcg(n: usize, seed: u64) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 11
        })
        .collect()
}

fn f64_cases() -> Vec<(Vec<f64>, Vec<usize>)> {
    let r = lcg(64, 1);
    let unit: Vec<f64> = r.iter().map(|&x| x as f64 / (1u64 << 53) as f64).collect();
    vec![
        ((0..12).map(f64::from).collect(), vec![3, 4]),
        ((0..12).map(f64::from).collect(), vec![12]),
        (unit[..10].to_vec(), vec![10]),
        (
            unit[..12].iter().map(|x| (x - 0.5) * 200.0).collect(),
            vec![3, 4],
        ),
        (
            vec![0.1, 0.25, 1.0 / 3.0, 2.0 / 3.0, 100.0, -7.5],
            vec![2, 3],
        ),
        (vec![1e-5, 1.0, 2.5], vec![3]),
        (vec![1e8, 1.0, 12345.678], vec![3]),
        (vec![1.5e300, -2.0e-300, 0.0], vec![3]),
        (
            vec![f64::NAN, 1.0, f64::INFINITY, -f64::INFINITY, -0.0],
            vec![5],
        ),
        (vec![f64::NAN, f64::INFINITY], vec![2]),
        (vec![3.25], vec![]),
        (vec![], vec![0]),
        (vec![], vec![0, 4]),
        ((0..60).map(|i| f64::from(i) * 1.5).collect(), vec![60]),
        ((0..2000).map(f64::from).collect(), vec![2000]),
        (
            (0..1600).map(|i| f64::from(i) / 7.0).collect(),
            vec![40, 40],
        ),
        ((0..1210).map(f64::from).collect(), vec![10, 11, 11]),
        (
            (0..24).map(|i| f64::from(i) - 11.5).collect(),
            vec![2, 3, 4],
        ),
        (unit[..30].iter().map(|x| x * 1e6).collect(), vec![5, 6]),
    ]
}

fn cases() -> Vec<Case> {
    let mut out = vec![];
    for (v, shape) in f64_cases() {
        out.push(Case {
            dtype: "<f8",
            shape: shape.clone(),
            bytes: bytes_of(&v),
            expr: "a",
        });
        let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
        out.push(Case {
            dtype: "<f4",
            shape,
            bytes: bytes_of(&v32),
            expr: "a",
        });
    }
    let ints: Vec<i64> = (0..24).map(|i| (i - 12) * 37).collect();
    out.push(Case {
        dtype: "<i8",
        shape: vec![4, 6],
        bytes: bytes_of(&ints),
        expr: "a",
    });
    out.push(Case {
        dtype: "<i8",
        shape: vec![4, 6],
        bytes: bytes_of(&ints),
        expr: "a.T",
    });
    out.push(Case {
        dtype: "<i8",
        shape: vec![4, 6],
        bytes: bytes_of(&ints),
        expr: "a[1:, ::-2]",
    });
    let big: Vec<i32> = (0..3000).map(|i| i * 1000).collect();
    out.push(Case {
        dtype: "<i4",
        shape: vec![3000],
        bytes: bytes_of(&big),
        expr: "a",
    });
    let small: Vec<u8> = (0..=255).collect();
    out.push(Case {
        dtype: "|u1",
        shape: vec![16, 16],
        bytes: small.clone(),
        expr: "a",
    });
    let i8s: Vec<u8> = small.iter().map(|&x| x.wrapping_sub(128)).collect();
    out.push(Case {
        dtype: "|i1",
        shape: vec![256],
        bytes: i8s,
        expr: "a",
    });
    let bools: Vec<u8> = (0..10).map(|i| u8::from(i % 3 == 0)).collect();
    out.push(Case {
        dtype: "|b1",
        shape: vec![2, 5],
        bytes: bools.clone(),
        expr: "a",
    });
    out.push(Case {
        dtype: "|b1",
        shape: vec![],
        bytes: vec![1],
        expr: "a",
    });
    out.push(Case {
        dtype: "|b1",
        shape: vec![3],
        bytes: vec![1, 1, 1],
        expr: "a",
    });
    let be: Vec<u8> = (0u16..6).flat_map(|x| (x * 300).to_be_bytes()).collect();
    out.push(Case {
        dtype: ">u2",
        shape: vec![2, 3],
        bytes: be,
        expr: "a",
    });
    out
}

/// numpy's repr extras: the dtype unless it is implied, the shape for
/// empty non-(0,) arrays and summarised arrays (numpy >= 2.2).
fn extras(dtype: &str, shape: &[usize]) -> String {
    let size: usize = shape.iter().product();
    let mut parts = vec![];
    if (size == 0 && shape != [0]) || size > 1000 {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let tuple = if dims.len() == 1 {
            format!("({},)", dims[0])
        } else {
            format!("({})", dims.join(", "))
        };
        parts.push(format!("shape={tuple}"));
    }
    let name = match dtype {
        "<f8" => None,
        "<i8" => None,
        "|b1" => None,
        "<f4" => Some("float32"),
        "<i4" => Some("int32"),
        "|u1" => Some("uint8"),
        "|i1" => Some("int8"),
        ">u2" => Some("'>u2'"),
        other => panic!("no dtype name for {other}"),
    };
    if let Some(n) = name.or(if size == 0 { Some("float64") } else { None }) {
        parts.push(format!("dtype={n}"));
    }
    parts.join(", ")
}

fn show<T: Element + NumpyFormat>(path: &std::path::Path, c: &Case) -> String {
    let shape = IxDyn::new(&c.shape).unwrap();
    let m: Memmap<T, IxDyn, _> = private!(Options::new().shape(shape).open_read(path)).unwrap();
    let v: ArrayView<'_, T, IxDyn> = m.view();
    let v = match c.expr {
        "a" => v,
        "a.T" => v.reversed_axes(),
        "a[1:, ::-2]" => v
            .slice(&[
                mmarray_std::Slice::from(1..),
                mmarray_std::Slice::full().step_by(-2),
            ])
            .unwrap(),
        other => panic!("unknown expr {other}"),
    };
    let shape: Vec<usize> = v.shape().to_vec();
    v.repr("array", &extras(c.dtype, &shape)).to_string()
}

#[test]
fn reprs_equal_numpys() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let mut script = String::from("import numpy as np\n");
    let mut ours = vec![];
    for (k, c) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{k}.bin"));
        std::fs::write(&path, &c.bytes).unwrap();
        let shape: Vec<String> = c.shape.iter().map(|d| format!("{d},")).collect();
        script += &format!(
            "a = np.fromfile({:?}, dtype={:?}).reshape(({}))\nprint(repr({}))\nprint('\\x00')\n",
            path.to_str().unwrap(),
            c.dtype,
            shape.join(""),
            c.expr
        );
        let s = match c.dtype {
            "<f8" => show::<f64>(&path, c),
            "<f4" => show::<f32>(&path, c),
            "<i8" => show::<i64>(&path, c),
            "<i4" => show::<i32>(&path, c),
            "|u1" => show::<u8>(&path, c),
            "|i1" => show::<i8>(&path, c),
            "|b1" => show::<B>(&path, c),
            ">u2" => show::<mmarray_std::zerocopy::byteorder::big_endian::U16>(&path, c),
            other => panic!("{other}"),
        };
        ours.push(s);
    }
    let out = numpy::run(&py, &script);
    let theirs: Vec<&str> = out.split("\n\u{0}\n").collect();
    let mut failures = 0;
    // The output ends with a separator: one more piece than cases.
    assert_eq!(
        theirs.len(),
        ours.len() + 1,
        "numpy printed a different number of arrays"
    );
    for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        if a != b {
            failures += 1;
            eprintln!(
                "case {k} ({} {:?} {}):\n--- numpy\n{b}\n--- mmarray\n{a}\n",
                cases[k].dtype, cases[k].shape, cases[k].expr
            );
        }
    }
    assert_eq!(
        failures,
        0,
        "{failures} of {} reprs differ from numpy's",
        cases.len()
    );
}

/// `Display` of a map is numpy's `repr(np.memmap(...))`, `dtype=` and `shape=` included.
#[test]
fn memmap_display_equals_numpys_repr() {
    use mmarray_std::mmarray::Complex;
    use mmarray_std::zerocopy::byteorder::big_endian::U16;
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut script = String::from("import numpy as np\n");
    let mut ours = Vec::new();
    let mut case = |dtype: &str,
                    shape: &[usize],
                    bytes: Vec<u8>,
                    show: &dyn Fn(&std::path::Path) -> String| {
        let path = dir.path().join(format!("m{}.bin", ours.len()));
        std::fs::write(&path, &bytes).unwrap();
        let dims: Vec<String> = shape.iter().map(|d| format!("{d},")).collect();
        // numpy cannot map an empty file in 'r' ("cannot mmap an empty file"):
        // for empty arrays it gets a memmap-class view of an empty array instead.
        let expr = if bytes.is_empty() {
            format!(
                "np.zeros(({}), dtype={dtype:?}).view(np.memmap)",
                dims.join("")
            )
        } else {
            format!(
                "np.memmap({:?}, dtype={dtype:?}, mode='r', shape=({}))",
                path.to_str().unwrap(),
                dims.join("")
            )
        };
        script += &format!("print(repr({expr}))\nprint('\\x00')\n");
        ours.push(show(&path));
    };
    fn open<T: mmarray_std::Element>(
        p: &std::path::Path,
        shape: &[usize],
    ) -> Memmap<T, IxDyn, mmarray_std::ReadOnly> {
        private!(
            Options::new()
                .shape(IxDyn::new(shape).unwrap())
                .open_read(p)
        )
        .unwrap()
    }
    let f32s: Vec<f32> = (0..12).map(|i| i as f32 / 4.0).collect();
    case("<f4", &[3, 4], bytes_of(&f32s), &|p| {
        open::<f32>(p, &[3, 4]).to_string()
    });
    let f64s: Vec<f64> = (0..5).map(|i| f64::from(i) * 1e9).collect();
    case("<f8", &[5], bytes_of(&f64s), &|p| {
        open::<f64>(p, &[5]).to_string()
    });
    let i64s: Vec<i64> = vec![-3, 0, 7, 100_000];
    case("<i8", &[2, 2], bytes_of(&i64s), &|p| {
        open::<i64>(p, &[2, 2]).to_string()
    });
    case("|b1", &[3], vec![1, 0, 1], &|p| {
        open::<mmarray_std::mmarray::Bool>(p, &[3]).to_string()
    });
    let be: Vec<u8> = (0u16..6).flat_map(|x| (x * 999).to_be_bytes()).collect();
    case(">u2", &[2, 3], be, &|p| open::<U16>(p, &[2, 3]).to_string());
    let c: Vec<Complex<f32>> = vec![
        Complex { re: 1.0, im: -2.5 },
        Complex { re: 0.0, im: 3.0 },
        Complex { re: -1.5, im: 0.0 },
    ];
    case("<c8", &[3], bytes_of(&c), &|p| {
        open::<Complex<f32>>(p, &[3]).to_string()
    });
    let c16: Vec<Complex<f64>> = vec![Complex { re: 1e-5, im: 1.0 }, Complex { re: 2.0, im: -1e6 }];
    case("<c16", &[2], bytes_of(&c16), &|p| {
        open::<Complex<f64>>(p, &[2]).to_string()
    });
    let big: Vec<u8> = (0..2000).map(|i| (i % 251) as u8).collect();
    case("|u1", &[2000], big, &|p| open::<u8>(p, &[2000]).to_string());
    let i16s: Vec<i16> = (0..1200).map(|i| (i * 37 % 2001 - 1000) as i16).collect();
    case("<i2", &[30, 40], bytes_of(&i16s), &|p| {
        open::<i16>(p, &[30, 40]).to_string()
    });
    case("<f4", &[0, 4], vec![], &|p| {
        open::<f32>(p, &[0, 4]).to_string()
    });
    case("<f8", &[0], vec![], &|p| open::<f64>(p, &[0]).to_string());
    let out = numpy::run(&py, &script);
    let theirs: Vec<&str> = out.split("\n\u{0}\n").collect();
    assert_eq!(
        theirs.len(),
        ours.len() + 1,
        "numpy printed a different number of arrays"
    );
    for (k, a) in ours.iter().enumerate() {
        assert_eq!(a, theirs[k], "case {k}");
    }
}
