//! `.npy` interop with real numpy, both ways.
//!
//! numpy -> mmarray: files written by `np.save`, `open_memmap` and raw
//! `np.memmap` (with offsets) read back with the values numpy put there, for
//! every element type, both byte orders, C and F order, 0-d and empty
//! shapes, a version 2.0 header (a record of 300 long-named fields) and a
//! version 3.0 header (CJK field names).
//!
//! mmarray -> numpy: files mmarray creates are byte for byte what `np.save`
//! writes for the same array, and `np.load` (with and without
//! `mmap_mode='r'`) gives the same values, shape, dtype and order.
//!
//! Both sides compute the same values from each element's C-order position
//! `k` (numpy from `k = np.arange(n)`, Rust from `Sample::at`), so every
//! element is checked at its logical index, whatever the file's order.
//! (F-order arrays are built by assignment into `np.zeros(..., order='F')`:
//! `np.asfortranarray` copies records field by field and may leave stale
//! memory in their padding bytes, which would make byte comparisons
//! meaningless; padding is not compared as a value either.)

use crate::support::numpy;
use crate::support::private;

use std::fmt::Debug;
use std::path::Path;

use mmarray_std::mmarray::{Bool, Complex, Dtype};
use mmarray_std::mmarray::{ByteStr, Datetime64, Timedelta64, Unicode, unit};
use mmarray_std::npy::Version;
use mmarray_std::zerocopy::byteorder::{big_endian, little_endian};
use mmarray_std::{Access, Error, IxDyn, Memmap, Options, Order, npy};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// An element type with a numpy expression for the same values.
trait Sample: Dtype + PartialEq + Debug + Copy {
    /// numpy: a 1-D array of the values from `k = np.arange(n)`.
    const NP: &'static str;
    /// The value at C-order position `k`.
    fn at(k: usize) -> Self;
}

macro_rules! sample {
    ($($t:ty => $np:literal, |$k:ident| $v:expr;)*) => {$(
        impl Sample for $t {
            const NP: &'static str = $np;
            fn at($k: usize) -> Self {
                $v
            }
        }
    )*};
}

fn ki(k: usize) -> i64 {
    k as i64
}

fn byte_str<const N: usize>(s: &str) -> ByteStr<N> {
    let mut b = [0u8; N];
    b[..s.len()].copy_from_slice(s.as_bytes());
    ByteStr(b)
}

fn unicode<const N: usize>(s: &str) -> Unicode<N> {
    let mut u = [0u32; N];
    for (slot, c) in u.iter_mut().zip(s.chars()) {
        *slot = c as u32;
    }
    Unicode(u)
}

mmarray_std::mmarray::record! {
    /// A record: `[('x', '<f4'), ('y', '<i4')]`.
    #[derive(PartialEq)]
    struct Point {
        x: f32,
        y: i32,
    }
}

mmarray_std::mmarray::record! {
    /// numpy's aligned struct: `[('a', '|u1'), ('', '|V3'), ('b', '<i4')]`.
    struct Padded {
        a: u8,
        #[npy(skip)]
        _pad: [u8; 3],
        b: i32,
    }
}

/// Padding is not part of the value (numpy copies whatever it holds).
impl PartialEq for Padded {
    fn eq(&self, o: &Self) -> bool {
        (self.a, self.b) == (o.a, o.b)
    }
}

mmarray_std::mmarray::record! {
    /// A nested record with a big-endian field and trailing padding:
    /// `[('p', [('x', '<f4'), ('y', '<i4')]), ('t', '>u2'), ('', '|V2')]`.
    struct Outer {
        p: Point,
        t: big_endian::U16,
        #[npy(skip)]
        _pad: [u8; 2],
    }
}

impl PartialEq for Outer {
    fn eq(&self, o: &Self) -> bool {
        (self.p, self.t) == (o.p, o.t)
    }
}

mmarray_std::mmarray::record! {
    /// Field names that are not latin-1: numpy writes a version 3.0 (UTF-8) header.
    #[derive(PartialEq)]
    struct Messung {
        温度: f64,
        時間: i64,
    }
}

sample! {
    i8 => "(k*3-20).astype('|i1')", |k| (ki(k) * 3 - 20) as i8;
    i16 => "(k*3-20).astype('<i2')", |k| (ki(k) * 3 - 20) as i16;
    i32 => "(k*3-20).astype('<i4')", |k| (ki(k) * 3 - 20) as i32;
    i64 => "(k*3-20).astype('<i8')", |k| ki(k) * 3 - 20;
    u8 => "(k*7).astype('|u1')", |k| (k * 7) as u8;
    u16 => "(k*7).astype('<u2')", |k| (k * 7) as u16;
    u32 => "(k*7).astype('<u4')", |k| (k * 7) as u32;
    u64 => "(k*7).astype('<u8')", |k| (k * 7) as u64;
    f32 => "(k*0.5-3).astype('<f4')", |k| k as f32 * 0.5 - 3.0;
    f64 => "(k*0.5-3).astype('<f8')", |k| k as f64 * 0.5 - 3.0;
    Bool => "(k%3==0)", |k| Bool::from(k.is_multiple_of(3));
    big_endian::I16 => "(k*3-20).astype('>i2')", |k| big_endian::I16::new((ki(k) * 3 - 20) as i16);
    big_endian::I32 => "(k*3-20).astype('>i4')", |k| big_endian::I32::new((ki(k) * 3 - 20) as i32);
    big_endian::I64 => "(k*3-20).astype('>i8')", |k| big_endian::I64::new(ki(k) * 3 - 20);
    big_endian::U16 => "(k*7).astype('>u2')", |k| big_endian::U16::new((k * 7) as u16);
    big_endian::U32 => "(k*7).astype('>u4')", |k| big_endian::U32::new((k * 7) as u32);
    big_endian::U64 => "(k*7).astype('>u8')", |k| big_endian::U64::new((k * 7) as u64);
    big_endian::F32 => "(k*0.5-3).astype('>f4')", |k| big_endian::F32::new(k as f32 * 0.5 - 3.0);
    big_endian::F64 => "(k*0.5-3).astype('>f8')", |k| big_endian::F64::new(k as f64 * 0.5 - 3.0);
    little_endian::I32 => "(k*3-20).astype('<i4')", |k| little_endian::I32::new((ki(k) * 3 - 20) as i32);
    little_endian::F64 => "(k*0.5-3).astype('<f8')", |k| little_endian::F64::new(k as f64 * 0.5 - 3.0);
    Complex<f32> => "(k*0.5-1j*k).astype('<c8')", |k| Complex { re: k as f32 * 0.5, im: 0.0 - k as f32 };
    Complex<f64> => "(k*0.5-1j*k).astype('<c16')", |k| Complex { re: k as f64 * 0.5, im: 0.0 - k as f64 };
    Complex<big_endian::F64> => "(k*0.5-1j*k).astype('>c16')",
        |k| Complex { re: big_endian::F64::new(k as f64 * 0.5), im: big_endian::F64::new(0.0 - k as f64) };
    ByteStr<5> => "np.array([b'b%d' % i for i in k], dtype='S5')", |k| byte_str(&format!("b{k}"));
    Unicode<4> => "np.array(['\u{fc}%d' % i for i in k], dtype='<U4')", |k| unicode(&format!("\u{fc}{k}"));
    [u8; 3] => "np.array([bytes([i, i+1, 7]) for i in k], dtype='V3')", |k| [k as u8, k as u8 + 1, 7];
    Datetime64<unit::Ns> => "(k*1000-5).astype('<M8[ns]')", |k| Datetime64::new(ki(k) * 1000 - 5);
    Datetime64<unit::D> => "(k+19000).astype('<M8[D]')", |k| Datetime64::new(ki(k) + 19000);
    Timedelta64<unit::Us> => "(k-3).astype('<m8[us]')", |k| Timedelta64::new(ki(k) - 3);
    Point => "mk(k, [('x','<f4'),('y','<i4')], {('x',): k*0.5, ('y',): -k})",
        |k| Point { x: k as f32 * 0.5, y: -(k as i32) };
    Padded => "mk(k, np.dtype([('a','u1'),('b','<i4')], align=True), {('a',): k, ('b',): k*1000})",
        |k| Padded { a: k as u8, _pad: [0; 3], b: k as i32 * 1000 };
    Outer => "mk(k, np.dtype({'names':['p','t'],'formats':[[('x','<f4'),('y','<i4')],'>u2'],\
               'offsets':[0,8],'itemsize':12}), {('p','x'): k*0.5, ('p','y'): -k, ('t',): k+300})",
        |k| Outer {
            p: Point { x: k as f32 * 0.5, y: -(k as i32) },
            t: big_endian::U16::new(k as u16 + 300),
            _pad: [0; 2],
        };
    Messung => "mk(k, [('\u{6e29}\u{5ea6}','<f8'),('\u{6642}\u{9593}','<i8')], \
                {('\u{6e29}\u{5ea6}',): k*0.25, ('\u{6642}\u{9593}',): -7*k})",
        |k| Messung { 温度: k as f64 * 0.25, 時間: -7 * ki(k) };
}

/// Shapes and orders: 0-d, empty, 1-D, n-D in C order; n-D in F order
/// (only where numpy would write `fortran_order: True`, i.e. the array is
/// F- but not C-contiguous).
const SHAPES: &[(&[usize], Order)] = &[
    (&[], Order::C),
    (&[0], Order::C),
    (&[0, 5], Order::C),
    (&[7], Order::C),
    (&[3, 4], Order::C),
    (&[2, 3, 4], Order::C),
    (&[3, 4], Order::F),
    (&[2, 3, 4], Order::F),
];

/// One element type, type-erased.
struct Case {
    tag: String,
    np: &'static str,
    read: fn(&Path, &[usize], Order),
    create: fn(&Path, &[usize], Order),
}

fn case<T: Sample>(tag: &str) -> Case {
    Case {
        tag: tag.to_owned(),
        np: T::NP,
        read: read_all_modes::<T>,
        create: create_with_values::<T>,
    }
}

fn cases() -> Vec<Case> {
    vec![
        case::<i8>("i8"),
        case::<i16>("i16"),
        case::<i32>("i32"),
        case::<i64>("i64"),
        case::<u8>("u8"),
        case::<u16>("u16"),
        case::<u32>("u32"),
        case::<u64>("u64"),
        case::<f32>("f32"),
        case::<f64>("f64"),
        case::<Bool>("bool"),
        case::<big_endian::I16>("bei16"),
        case::<big_endian::I32>("bei32"),
        case::<big_endian::I64>("bei64"),
        case::<big_endian::U16>("beu16"),
        case::<big_endian::U32>("beu32"),
        case::<big_endian::U64>("beu64"),
        case::<big_endian::F32>("bef32"),
        case::<big_endian::F64>("bef64"),
        case::<little_endian::I32>("lei32"),
        case::<little_endian::F64>("lef64"),
        case::<Complex<f32>>("c8"),
        case::<Complex<f64>>("c16"),
        case::<Complex<big_endian::F64>>("bec16"),
        case::<ByteStr<5>>("s5"),
        case::<Unicode<4>>("u4str"),
        case::<[u8; 3]>("v3"),
        case::<Datetime64<unit::Ns>>("m8ns"),
        case::<Datetime64<unit::D>>("m8d"),
        case::<Timedelta64<unit::Us>>("td_us"),
        case::<Point>("point"),
        case::<Padded>("padded"),
        case::<Outer>("outer"),
        case::<Messung>("messung"),
    ]
}

/// Every multi-index of `shape` in C order (position `k` is the k-th).
fn c_indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let n: usize = shape.iter().product();
    (0..n)
        .map(|mut k| {
            let mut idx = vec![0; shape.len()];
            for ax in (0..shape.len()).rev() {
                idx[ax] = k % shape[ax];
                k /= shape[ax];
            }
            idx
        })
        .collect()
}

fn dyn_shape(shape: &[usize]) -> IxDyn {
    IxDyn::new(shape).unwrap()
}

fn check_values<T: Sample, A: Access>(
    m: &Memmap<T, IxDyn, A>,
    shape: &[usize],
    order: Order,
    what: &str,
) {
    assert_eq!(m.shape(), shape, "{what}: shape");
    assert_eq!(m.order(), order, "{what}: order");
    let idx = c_indices(shape);
    assert_eq!(m.len(), idx.len(), "{what}: length");
    for (k, i) in idx.iter().enumerate() {
        assert_eq!(m[i.as_slice()], T::at(k), "{what}: element {i:?}");
    }
}

/// Opens in 'r', 'c' and 'r+' and checks every element; the file is unchanged.
fn read_all_modes<T: Sample>(path: &Path, shape: &[usize], order: Order) {
    let before = std::fs::read(path).unwrap();
    let what = path.display().to_string();
    let m = private!(npy::open_read::<T, IxDyn>(path)).unwrap_or_else(|e| panic!("{what}: {e}"));
    check_values(&m, shape, order, &what);
    let m = private!(npy::Options::<T, IxDyn>::new().open_copy_on_write(path)).unwrap();
    check_values(&m, shape, order, &what);
    let m = private!(npy::open_read_write::<T, IxDyn>(path)).unwrap();
    check_values(&m, shape, order, &what);
    assert_eq!(std::fs::read(path).unwrap(), before, "{what}: file changed");
}

/// Creates `path` with mmarray and writes every element at its logical index.
fn create_with_values<T: Sample>(path: &Path, shape: &[usize], order: Order) {
    let mut m = private!(
        npy::Options::<T, IxDyn>::new()
            .shape(dyn_shape(shape))
            .order(order)
            .create(path)
    )
    .unwrap();
    for (k, i) in c_indices(shape).iter().enumerate() {
        m[i.as_slice()] = T::at(k);
    }
    m.close().unwrap();
}

/// The python side: `mk` builds records, `arr` an array of a case's values
/// with a shape and order; `CASES` and `SHAPES` are this file's.
fn prelude(dir: &Path, cases: &[Case]) -> String {
    let mut s = String::from(
        "import numpy as np, warnings\n\
         warnings.simplefilter('ignore')\n\
         def mk(k, dt, f):\n    \
             a = np.zeros(k.shape, dt)\n    \
             for path, v in f.items():\n        \
                 sub = a\n        \
                 for p in path[:-1]:\n            \
                     sub = sub[p]\n        \
                 sub[path[-1]] = v\n    \
             return a\n\
         def arr(f, shape, order):\n    \
             k = np.arange(int(np.prod(shape)))\n    \
             a = f(k).reshape(shape)\n    \
             if order == 'C':\n        \
                 return a\n    \
             b = np.zeros(a.shape, a.dtype, order='F')\n    \
             b[...] = a\n    \
             return b\n",
    );
    s += &format!("D = {:?}\n", dir.to_str().unwrap());
    s += "CASES = [\n";
    for c in cases {
        s += &format!("    ({:?}, lambda k: {}),\n", c.tag, c.np);
    }
    s += "]\nSHAPES = [\n";
    for (shape, order) in SHAPES {
        let t: String = shape.iter().map(|d| format!("{d},")).collect();
        s += &format!(
            "    (({t}), '{}'),\n",
            if *order == Order::F { 'F' } else { 'C' }
        );
    }
    s += "]\n";
    s
}

#[test]
fn numpy_files_read_back_with_numpys_values() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let script = prelude(dir.path(), &cases)
        + "n = 0\n\
           for tag, f in CASES:\n    \
               for i, (shape, order) in enumerate(SHAPES):\n        \
                   a = arr(f, shape, order)\n        \
                   np.save(f'{D}/save-{tag}-{i}.npy', a)\n        \
                   m = np.lib.format.open_memmap(f'{D}/om-{tag}-{i}.npy', mode='w+', dtype=a.dtype,\n            \
                       shape=shape, fortran_order=(order == 'F'))\n        \
                   m[...] = a\n        \
                   m.flush()\n        \
                   del m\n        \
                   n += 2\n\
           print(n)\n";
    let n: usize = numpy::run(&py, &script).trim().parse().unwrap();
    assert_eq!(n, cases.len() * SHAPES.len() * 2);
    for c in &cases {
        for (i, (shape, order)) in SHAPES.iter().enumerate() {
            for kind in ["save", "om"] {
                let path = dir.path().join(format!("{kind}-{}-{i}.npy", c.tag));
                (c.read)(&path, shape, *order);
            }
        }
    }
}

#[test]
fn non_latin1_field_names_are_a_version_3_header() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cases = vec![case::<Messung>("messung")];
    let script =
        prelude(dir.path(), &cases) + "np.save(f'{D}/m.npy', arr(CASES[0][1], (5,), 'C'))\n";
    numpy::run(&py, &script);
    let path = dir.path().join("m.npy");
    let info = npy::info(&path).unwrap();
    assert_eq!(info.version, Version::V3_0);
    assert_eq!(info.shape, [5]);
    read_all_modes::<Messung>(&path, &[5], Order::C);
}

#[test]
fn mmarray_files_are_np_save_byte_for_byte_and_load_in_numpy() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    for c in &cases {
        for (i, (shape, order)) in SHAPES.iter().enumerate() {
            let path = dir.path().join(format!("mm-{}-{i}.npy", c.tag));
            (c.create)(&path, shape, *order);
        }
    }
    let script = prelude(dir.path(), &cases)
        + "n = 0\n\
           for tag, f in CASES:\n    \
               for i, (shape, order) in enumerate(SHAPES):\n        \
                   a = arr(f, shape, order)\n        \
                   np.save(f'{D}/ref-{tag}-{i}.npy', a)\n        \
                   for b in (np.load(f'{D}/mm-{tag}-{i}.npy'),\n                  \
                             np.load(f'{D}/mm-{tag}-{i}.npy', mmap_mode='r')):\n            \
                       assert b.dtype == a.dtype, (tag, i, b.dtype, a.dtype)\n            \
                       assert b.shape == a.shape, (tag, i, b.shape)\n            \
                       assert np.array_equal(a, b), (tag, i, a, b)\n            \
                       assert b.flags.c_contiguous if order == 'C' else b.flags.f_contiguous, (tag, i)\n            \
                       n += 1\n\
           print(n)\n";
    let n: usize = numpy::run(&py, &script).trim().parse().unwrap();
    assert_eq!(n, cases.len() * SHAPES.len() * 2);
    for c in &cases {
        for (i, shape) in SHAPES.iter().enumerate() {
            let ours = std::fs::read(dir.path().join(format!("mm-{}-{i}.npy", c.tag))).unwrap();
            let theirs = std::fs::read(dir.path().join(format!("ref-{}-{i}.npy", c.tag))).unwrap();
            assert!(
                ours == theirs,
                "{} shape {:?}: mmarray's file differs from np.save's\n ours: {:?}\ntheirs: {:?}",
                c.tag,
                shape,
                String::from_utf8_lossy(&ours[..ours.len().min(256)]),
                String::from_utf8_lossy(&theirs[..theirs.len().min(256)]),
            );
        }
    }
}

/// Raw files written by `np.memmap` at an offset, read by mmarray's memmap
/// with the same offset, shape and order.
#[test]
fn np_memmap_files_with_offsets_read_back() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cases = vec![
        case::<f64>("f64"),
        case::<big_endian::I32>("bei32"),
        case::<Complex<f32>>("c8"),
        case::<Point>("point"),
    ];
    // (tag, offset): offsets that are multiples of the alignment, and odd
    // ones for the unaligned big-endian type.
    let runs: &[(&str, u64)] = &[
        ("f64", 0),
        ("f64", 24),
        ("f64", 4096 + 8),
        ("bei32", 13),
        ("bei32", 4099),
        ("c8", 12),
        ("point", 40),
    ];
    let mut script = prelude(dir.path(), &cases) + "C = dict(CASES)\n";
    for (tag, off) in runs {
        script += &format!(
            "a = arr(C['{tag}'], (3, 4), 'F')\n\
             m = np.memmap(f'{{D}}/{tag}-{off}.dat', dtype=a.dtype, mode='w+', offset={off},\n    \
                 shape=(3, 4), order='F')\n\
             m[...] = a\n\
             m.flush()\n\
             del m\n"
        );
    }
    numpy::run(&py, &script);
    fn read<T: Sample>(path: &Path, off: u64) {
        let m = private!(
            Options::<T, IxDyn>::new()
                .offset(off)
                .shape(dyn_shape(&[3, 4]))
                .order(Order::F)
                .open_read(path)
        )
        .unwrap();
        check_values(&m, &[3, 4], Order::F, &path.display().to_string());
        let len = std::fs::metadata(path).unwrap().len();
        assert_eq!(len, off + 12 * size_of::<T>() as u64);
    }
    for (tag, off) in runs {
        let path = dir.path().join(format!("{tag}-{off}.dat"));
        match *tag {
            "f64" => read::<f64>(&path, *off),
            "bei32" => read::<big_endian::I32>(&path, *off),
            "c8" => read::<Complex<f32>>(&path, *off),
            _ => read::<Point>(&path, *off),
        }
    }
}

// --- A record of 300 fields with 220-character names: a version 2.0 header. ---

const WIDE_FIELDS: usize = 300;
const NAME_LEN: usize = 220;

/// The field names, back to back: `f000xxx...`, `f001xxx...`, ...
static WIDE_NAMES: [u8; WIDE_FIELDS * NAME_LEN] = {
    let mut b = [b'x'; WIDE_FIELDS * NAME_LEN];
    let mut i = 0;
    while i < WIDE_FIELDS {
        b[i * NAME_LEN] = b'f';
        b[i * NAME_LEN + 1] = b'0' + (i / 100) as u8;
        b[i * NAME_LEN + 2] = b'0' + (i / 10 % 10) as u8;
        b[i * NAME_LEN + 3] = b'0' + (i % 10) as u8;
        i += 1;
    }
    b
};

static F32_DESCR: mmarray_std::mmarray::TypeDescr = <f32 as Dtype>::DESCR;

static WIDE_RECORD_FIELDS: [mmarray_std::mmarray::RecordField; WIDE_FIELDS] = {
    use mmarray_std::mmarray::RecordField;
    let mut f = [RecordField {
        name: "",
        descr: &F32_DESCR,
        offset: 0,
        shape: &[],
    }; WIDE_FIELDS];
    let mut i = 0;
    while i < WIDE_FIELDS {
        let (_, rest) = WIDE_NAMES.split_at(i * NAME_LEN);
        let (name, _) = rest.split_at(NAME_LEN);
        let name = match core::str::from_utf8(name) {
            Ok(s) => s,
            Err(_) => panic!("field names are ASCII"),
        };
        f[i] = RecordField {
            name,
            descr: &F32_DESCR,
            offset: 4 * i,
            shape: &[],
        };
        i += 1;
    }
    f
};

/// 300 `<f4` fields: a record numpy can only describe in a header longer
/// than 65 535 bytes.
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Wide([f32; WIDE_FIELDS]);

/// `Wide`'s record description: a `static`, not a borrowed temporary, because Rust 1.88
/// (the `rust-version`, which the tests build on too) does not promote a constant's
/// temporary that points into a `static` (E0716).
static WIDE_RECORD: mmarray_std::mmarray::Record = mmarray_std::mmarray::Record {
    fields: &WIDE_RECORD_FIELDS,
    size: 4 * WIDE_FIELDS,
};

impl Dtype for Wide {
    const DESCR: mmarray_std::mmarray::TypeDescr =
        mmarray_std::mmarray::TypeDescr::Record(&WIDE_RECORD);
}

fn wide_at(j: usize) -> Wide {
    Wide(std::array::from_fn(|i| (j * WIDE_FIELDS + i) as f32))
}

const WIDE_PY: &str = "import numpy as np, warnings\n\
    warnings.simplefilter('ignore')\n\
    names = ['f%03d' % i + 'x' * 216 for i in range(300)]\n\
    dt = np.dtype([(n, '<f4') for n in names])\n\
    a = np.arange(4 * 300, dtype='<f4').view(dt)\n";

#[test]
fn a_record_of_300_long_named_fields_is_a_version_2_header() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (theirs, ours) = (dir.path().join("np.npy"), dir.path().join("mm.npy"));
    numpy::run(
        &py,
        &format!("{WIDE_PY}np.save({:?}, a)\n", theirs.to_str().unwrap()),
    );
    let before = std::fs::read(&theirs).unwrap();
    assert_eq!(&before[6..8], &[2, 0], "numpy wrote a version 2.0 header");

    // numpy's default header limit (10 000 characters) refuses it, as numpy does.
    let e = private!(npy::open_read::<Wide, [usize; 1]>(&theirs)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Header {
                error: mmarray_std::npy::HeaderError::HeaderTooLong { max: 10_000, .. },
                ..
            }
        ),
        "{e}"
    );
    let mut opts = npy::Options::<Wide, [usize; 1]>::new();
    opts.max_header_len(100_000);
    let m = private!(opts.open_read(&theirs)).unwrap();
    assert_eq!(m.shape(), &[4]);
    for j in 0..4 {
        assert_eq!(m[[j]], wide_at(j));
    }
    drop(m);
    assert_eq!(std::fs::read(&theirs).unwrap(), before);

    // mmarray writes the same bytes as np.save, and numpy loads them.
    let mut m = private!(npy::create::<Wide, [usize; 1]>(&ours, [4])).unwrap();
    for j in 0..4 {
        m[[j]] = wide_at(j);
    }
    m.close().unwrap();
    assert!(
        std::fs::read(&ours).unwrap() == before,
        "byte-identical to np.save"
    );
    let out = numpy::run(
        &py,
        &format!(
            "{WIDE_PY}b = np.load({:?}, mmap_mode='r', max_header_size=100000)\n\
             print(b.dtype == dt and np.array_equal(a, b))\n",
            ours.to_str().unwrap()
        ),
    );
    assert_eq!(out.trim(), "True");
}
