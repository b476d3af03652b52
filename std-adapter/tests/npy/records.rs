//! Records declared once with `record!`, checked against real numpy: each record's descr
//! equals what numpy builds for the same dtype (`np.lib.format.dtype_to_descr`, the text
//! `np.save` writes); records written by mmarray load in numpy with the same values, and
//! numpy's `str` of each loaded record is what mmarray's `Display` prints; records written
//! by numpy map with numpy's values.

use crate::support::numpy;
use crate::support::private;

use mmarray_std::mmarray::npy::Descr;
use mmarray_std::mmarray::{ByteStr, Datetime64, Timedelta64, Unicode, unit};
use mmarray_std::zerocopy::byteorder::{big_endian, little_endian};
use mmarray_std::{Bool, Complex, Dtype, Ix1, npy};

mmarray_std::record! {
    /// Plain numbers in C (numpy `align=True`) layout, padding spelled out.
    #[derive(PartialEq)]
    struct Aligned {
        a: u8,
        #[npy(skip)]
        _pad: [u8; 3],
        b: i32,
        c: f64,
    }
}

mmarray_std::record! {
    /// numpy's default packed layout with native-order fields.
    #[repr(packed)]
    struct Packed {
        a: u8,
        b: i32,
        c: f64,
    }
}

mmarray_std::record! {
    /// Both byte orders, unaligned (packed without `repr(packed)`).
    struct Endian {
        le: little_endian::I32,
        be: big_endian::F64,
        beu: big_endian::U16,
    }
}

mmarray_std::record! {
    /// Sub-arrays, 1-D and 2-D, and a renamed field; packed.
    #[repr(packed)]
    struct Shaped {
        id: u16,
        #[npy(name = "x y")]
        xy: [i16; 2],
        grid: [[f32; 3]; 2],
    }
}

mmarray_std::record! {
    /// Every other kind of element: bool, complex, bytes, text, datetime; packed.
    #[repr(packed)]
    struct Kinds {
        ok: Bool,
        z: Complex<f64>,
        s: ByteStr<4>,
        u: Unicode<3>,
        t: Datetime64<unit::S>,
    }
}

mmarray_std::record! {
    /// A nested record, an array of records, and trailing padding.
    struct Nested {
        inner: Aligned,
        pts: [Endian; 2],
        tag: u8,
        #[npy(skip)]
        _tail: [u8; 3],
    }
}

/// The numpy dtype expression for each record, as a numpy user writes it.
const DTYPES: &[(&str, &str)] = &[
    (
        "aligned",
        "np.dtype([('a','u1'),('b','<i4'),('c','<f8')], align=True)",
    ),
    ("packed", "np.dtype([('a','u1'),('b','<i4'),('c','<f8')])"),
    (
        "endian",
        "np.dtype([('le','<i4'),('be','>f8'),('beu','>u2')])",
    ),
    (
        "shaped",
        "np.dtype([('id','<u2'),('x y','<i2',(2,)),('grid','<f4',(2,3))])",
    ),
    (
        "kinds",
        "np.dtype([('ok','?'),('z','<c16'),('s','S4'),('u','<U3'),('t','<M8[s]')])",
    ),
    (
        "nested",
        "np.dtype([('inner', np.dtype([('a','u1'),('b','<i4'),('c','<f8')], align=True)), \
         ('pts', np.dtype([('le','<i4'),('be','>f8'),('beu','>u2')]), (2,)), ('tag','u1')], align=True)",
    ),
];

fn descrs() -> Vec<(&'static str, String)> {
    vec![
        ("aligned", Descr::of::<Aligned>().to_string()),
        ("packed", Descr::of::<Packed>().to_string()),
        ("endian", Descr::of::<Endian>().to_string()),
        ("shaped", Descr::of::<Shaped>().to_string()),
        ("kinds", Descr::of::<Kinds>().to_string()),
        ("nested", Descr::of::<Nested>().to_string()),
    ]
}

#[test]
fn every_record_descr_is_numpys() {
    let Some(py) = numpy::python() else { return };
    let mut script = String::from("import numpy as np\n");
    for (tag, expr) in DTYPES {
        script += &format!("print({tag:?}, repr(np.lib.format.dtype_to_descr({expr})))\n");
    }
    let out = numpy::run(&py, &script);
    let theirs: Vec<(String, String)> = out
        .lines()
        .map(|l| {
            let (t, d) = l.split_once(' ').unwrap();
            (t.to_owned(), d.to_owned())
        })
        .collect();
    let ours = descrs();
    assert_eq!(theirs.len(), ours.len());
    for ((t, d), (ot, od)) in theirs.iter().zip(&ours) {
        assert_eq!(t, ot);
        // numpy writes '|u1' for 'u1' and the same field order; our Display is numpy's repr.
        assert_eq!(d, od, "descr of {t}");
    }
    // The itemsize matches numpy's too (numpy's aligned itemsize includes trailing padding).
    let sizes = numpy::run(
        &py,
        &format!(
            "import numpy as np\nprint(*[d.itemsize for d in [{}]])",
            DTYPES
                .iter()
                .map(|(_, e)| *e)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let ours: Vec<String> = [
        Aligned::DESCR.itemsize(),
        Packed::DESCR.itemsize(),
        Endian::DESCR.itemsize(),
        Shaped::DESCR.itemsize(),
        Kinds::DESCR.itemsize(),
        Nested::DESCR.itemsize(),
    ]
    .iter()
    .map(|n| n.to_string())
    .collect();
    assert_eq!(sizes.split_whitespace().collect::<Vec<_>>(), ours);
}

fn aligned(k: i32) -> Aligned {
    Aligned {
        a: k as u8,
        _pad: [0; 3],
        b: -1000 * k,
        c: f64::from(k) * 0.25 + 1e20 * f64::from(k % 2),
    }
}

fn endian(k: i32) -> Endian {
    Endian {
        le: little_endian::I32::new(k - 5),
        be: big_endian::F64::new(f64::from(k) / 8.0),
        // 0, then three and four digits: numpy pads each field across the records of a
        // sub-array to one width.
        beu: big_endian::U16::new(k as u16 * 450),
    }
}

/// Writes `n` records with mmarray and returns numpy's `str` of each, one per line.
fn numpy_strs<T: Dtype + Copy>(py: &std::path::PathBuf, values: &[T], name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.npy"));
    let mut m = private!(
        npy::Options::<T, Ix1>::new()
            .shape(Ix1::from([values.len()]))
            .create(&path)
    )
    .unwrap();
    m.as_mut_slice().copy_from_slice(values);
    m.close().unwrap();
    numpy::run(
        py,
        &format!(
            "import numpy as np\na = np.load({:?}, mmap_mode='r')\nfor r in a: print(r)",
            path.to_str().unwrap()
        ),
    )
}

fn lines<T: std::fmt::Display>(values: &[T]) -> String {
    values.iter().map(|v| format!("{v}\n")).collect()
}

#[test]
fn records_written_by_mmarray_load_in_numpy_and_print_alike() {
    let Some(py) = numpy::python() else { return };
    let a: Vec<Aligned> = (0..4).map(aligned).collect();
    assert_eq!(numpy_strs(&py, &a, "aligned"), lines(&a));
    let p: Vec<Packed> = (0..4)
        .map(|k| Packed {
            a: 200 + k as u8,
            b: i32::MIN + k,
            c: 1.0 / f64::from(k + 3),
        })
        .collect();
    assert_eq!(numpy_strs(&py, &p, "packed"), lines(&p));
    let e: Vec<Endian> = (0..4).map(endian).collect();
    assert_eq!(numpy_strs(&py, &e, "endian"), lines(&e));
    let s: Vec<Shaped> = (0..3)
        .map(|k| Shaped {
            id: k as u16,
            xy: [k as i16, -(k as i16)],
            grid: [[0.5, 1.0, 1e-5], [k as f32, 999999.0, 1e6]],
        })
        .collect();
    assert_eq!(numpy_strs(&py, &s, "shaped"), lines(&s));
    let n: Vec<Nested> = (0..3)
        .map(|k| Nested {
            inner: aligned(k),
            pts: [endian(k), endian(k + 1)],
            tag: 9,
            _tail: [0; 3],
        })
        .collect();
    assert_eq!(numpy_strs(&py, &n, "nested"), lines(&n));
    assert_eq!(
        n[1].to_string(),
        "((1, -1000, 1e+20), [(-4, 0.125, 450), (-3, 0.25, 900)], 9)"
    );
}

#[test]
fn kinds_round_trip_through_numpy_by_field() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kinds.npy");
    let v = Kinds {
        ok: Bool::from(true),
        z: Complex { re: 1.5, im: -2.0 },
        s: ByteStr(*b"ab\0\0"),
        u: Unicode(['h' as u32, 'é' as u32, 0]),
        t: Datetime64::new(86_400 + 5),
    };
    let mut m = private!(
        npy::Options::<Kinds, Ix1>::new()
            .shape(Ix1::from([1]))
            .create(&path)
    )
    .unwrap();
    m[[0]] = v;
    m.close().unwrap();
    let out = numpy::run(
        &py,
        &format!(
            "import numpy as np\nr = np.load({:?})[0]\n\
             print(r['ok'], r['z'], r['s'], r['u'], r['t'])\nprint(r)",
            path.to_str().unwrap()
        ),
    );
    let (fields, record) = out.split_once('\n').unwrap();
    assert_eq!(fields, "True (1.5-2j) b'ab' hé 1970-01-02T00:00:05");
    assert_eq!(record.trim_end(), v.to_string());
    assert_eq!(
        v.to_string(),
        "(True, 1.5-2.j, b'ab', 'hé', '1970-01-02T00:00:05')"
    );
}

#[test]
fn numpy_written_records_map_with_numpys_values() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shaped.npy");
    let out = numpy::run(
        &py,
        &format!(
            "import numpy as np\n\
             a = np.zeros(4, np.dtype([('id','<u2'),('x y','<i2',(2,)),('grid','<f4',(2,3))]))\n\
             k = np.arange(4)\n\
             a['id'] = k * 11\n\
             a['x y'] = np.stack([k, -k], 1)\n\
             a['grid'] = (np.arange(24).reshape(4, 2, 3) / 4).astype('<f4')\n\
             np.save({:?}, a)\n\
             for r in a: print(r)",
            path.to_str().unwrap()
        ),
    );
    let m = private!(npy::Options::<Shaped, Ix1>::new().open_read(&path)).unwrap();
    assert_eq!(lines(m.as_slice()), out);
    assert_eq!({ m[[3]].grid }[1][2], 23.0 / 4.0);
    assert_eq!({ m[[2]].xy }, [2, -2]);
}

mmarray_std::record! {
    /// A datetime in every unit, and timedeltas.
    struct Times {
        y: Datetime64<unit::Y>,
        mo: Datetime64<unit::M>,
        w: Datetime64<unit::W>,
        d: Datetime64<unit::D>,
        h: Datetime64<unit::H>,
        mi: Datetime64<unit::Min>,
        s: Datetime64<unit::S>,
        ms: Datetime64<unit::Ms>,
        us: Datetime64<unit::Us>,
        ns: Datetime64<unit::Ns>,
        ps: Datetime64<unit::Ps>,
        fs: Datetime64<unit::Fs>,
        at: Datetime64<unit::As>,
        td: Timedelta64<unit::S>,
        tds: [Timedelta64<unit::D>; 2],
    }
}

#[test]
fn datetime_fields_print_as_numpy_prints_them() {
    let Some(py) = numpy::python() else { return };
    // Before and after the epoch, leap days, centuries, and NaT.
    let counts: [i64; 6] = [
        0,
        -1,
        1_700_000_000_123,
        951_782_400_789,
        -2_208_988_801_001,
        i64::MIN,
    ];
    let values: Vec<Times> = counts
        .iter()
        .map(|&c| {
            let k = if c == i64::MIN { c } else { c / 1000 };
            Times {
                y: Datetime64::new(if c == i64::MIN { c } else { k / 31_557_600 }),
                mo: Datetime64::new(if c == i64::MIN { c } else { k / 2_629_800 }),
                w: Datetime64::new(if c == i64::MIN { c } else { k / 604_800 }),
                d: Datetime64::new(if c == i64::MIN { c } else { k / 86_400 }),
                h: Datetime64::new(if c == i64::MIN { c } else { k / 3600 }),
                mi: Datetime64::new(if c == i64::MIN { c } else { k / 60 }),
                s: Datetime64::new(k),
                ms: Datetime64::new(c),
                us: Datetime64::new(if c == i64::MIN { c } else { c * 1000 }),
                ns: Datetime64::new(if c == i64::MIN { c } else { c * 1_000_000 + 7 }),
                ps: Datetime64::new(if c == i64::MIN {
                    c
                } else {
                    (c % 1_000_000) * 1_000_000_000 + 5
                }),
                fs: Datetime64::new(if c == i64::MIN {
                    c
                } else {
                    (c % 1000) * 1_000_000_000_000 - 3
                }),
                at: Datetime64::new(if c == i64::MIN {
                    c
                } else {
                    (c % 1000) * 1_000_000_000_000_000 + 1
                }),
                td: Timedelta64::new(k),
                tds: [
                    Timedelta64::new(-3),
                    Timedelta64::new(if c == i64::MIN { c } else { 4 }),
                ],
            }
        })
        .collect();
    assert_eq!(numpy_strs(&py, &values, "times"), lines(&values));
}
