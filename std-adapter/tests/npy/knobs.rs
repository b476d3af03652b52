//! The `.npy` knobs numpy has, each against real numpy: the format version on create
//! (`write_array(version=...)`), the version a mapped file reports, the header-size limit
//! of `npy::info` (numpy's `max_header_size`), descrs parsed from text, `Order` from
//! `"C"`/`"F"`, shapes from a `usize` or a slice, and zero-sized elements refused.

use crate::support::numpy;
use crate::support::private;

use std::path::Path;

use mmarray_std::mmarray::npy::{self as core_npy, Descr, Version};
use mmarray_std::{Error, Ix1, Ix2, IxDyn, Memmap, Order, npy};

mmarray_std::record! {
    /// A record of no bytes (numpy's `np.dtype([])`).
    struct Empty {}
}

mmarray_std::record! {
    /// Field names only UTF-8 can hold: numpy writes version 3.0.
    struct Wide {
        温度: f32,
    }
}

fn create_as<T: mmarray_std::Dtype>(
    path: &Path,
    shape: &[usize],
    v: Option<Version>,
) -> Result<(), Error> {
    let m = private!(
        npy::Options::<T, IxDyn>::new()
            .shape(shape)
            .version(v)
            .create(path)
    )?;
    if v.is_some() {
        assert_eq!(m.npy_version(), v);
    }
    m.close()
}

#[test]
fn a_chosen_version_writes_numpys_bytes_and_is_reported() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (v, major) in [(Version::V1_0, 1), (Version::V2_0, 2), (Version::V3_0, 3)] {
        let ours = dir.path().join(format!("ours{major}.npy"));
        let theirs = dir.path().join(format!("theirs{major}.npy"));
        create_as::<f32>(&ours, &[2, 3], Some(v)).unwrap();
        numpy::run(
            &py,
            &format!(
                "import numpy as np\n\
                 with open({:?}, 'wb') as f:\n    \
                     np.lib.format.write_array(f, np.zeros((2, 3), '<f4'), version=({major}, 0))",
                theirs.to_str().unwrap()
            ),
        );
        assert_eq!(
            std::fs::read(&ours).unwrap(),
            std::fs::read(&theirs).unwrap(),
            "version {v}"
        );
        // Opening reports the version the file has, whoever wrote it.
        let m = private!(npy::open_read::<f32, Ix2>(&theirs)).unwrap();
        assert_eq!(m.npy_version(), Some(v));
        assert_eq!(npy::info(&theirs).unwrap().version, v);
    }
    // Automatic: 1.0 for a latin-1 header, 3.0 for a UTF-8 one, as numpy chooses.
    let auto = dir.path().join("auto.npy");
    create_as::<Wide>(&auto, &[1], None).unwrap();
    let m = private!(npy::open_read::<Wide, Ix1>(&auto)).unwrap();
    assert_eq!(m.npy_version(), Some(Version::V3_0));
    let out = numpy::run(
        &py,
        &format!(
            "import numpy as np\n\
             f = open({:?}, 'rb')\nprint(np.lib.format.read_magic(f))",
            auto.to_str().unwrap()
        ),
    );
    assert_eq!(out.trim(), "(3, 0)");
}

#[test]
fn a_version_too_small_is_an_error_before_the_file_is_touched() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keep.npy");
    std::fs::write(&path, b"precious bytes").unwrap();
    for v in [Version::V1_0, Version::V2_0] {
        let e = create_as::<Wide>(&path, &[4], Some(v)).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Header {
                    error: core_npy::Error::VersionTooSmall { version, needed: Version::V3_0 },
                    ..
                } if version == v
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("use version 3.0"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"precious bytes");
    }
    // numpy refuses the same requests.
    let out = numpy::run(
        &py,
        "import numpy as np, io\n\
         a = np.zeros(4, [('\u{6e29}\u{5ea6}', '<f4')])\n\
         for v in [(1, 0), (2, 0)]:\n    \
             try:\n        \
                 np.lib.format.write_array(io.BytesIO(), a, version=v)\n        \
                 print('wrote')\n    \
             except (ValueError, UnicodeEncodeError):\n        \
                 print('refused')",
    );
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["refused", "refused"]
    );
}

#[test]
fn a_header_longer_than_65535_bytes_needs_version_2() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    // A shape of 64 axes of a 20-digit length does not make 64 KiB; a long descr does:
    // numpy writes a 2.0 file for it, and refuses 1.0.
    let theirs = dir.path().join("long.npy");
    let out = numpy::run(
        &py,
        &format!(
            "import numpy as np, io\n\
             dt = np.dtype([('f%05d' % i + 'x' * 200, '<u1') for i in range(400)])\n\
             a = np.zeros(2, dt)\n\
             np.save({:?}, a)\n\
             try:\n    \
                 np.lib.format.write_array(io.BytesIO(), a, version=(1, 0))\n    \
                 print('wrote')\n\
             except ValueError:\n    \
                 print('refused')",
            theirs.to_str().unwrap()
        ),
    );
    assert_eq!(out.trim(), "refused");
    let bytes = std::fs::read(&theirs).unwrap();
    let (h, _) = core_npy::Header::parse_with_max_len(&bytes, usize::MAX).unwrap();
    let mut buf = vec![0; h.emitted_len().unwrap()];
    assert!(matches!(
        h.emit_as(&mut buf, Some(Version::V1_0)),
        Err(core_npy::Error::VersionTooSmall {
            version: Version::V1_0,
            needed: Version::V2_0
        })
    ));
    let n = h.emit_as(&mut buf, Some(Version::V2_0)).unwrap();
    assert_eq!(buf[..n], bytes[..n]);
    // Its header text is over numpy's default limit: `info` refuses it as numpy's
    // `np.load` does, and the same limit as opening reads it.
    let text_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    assert!(matches!(
        npy::info(&theirs),
        Err(Error::Header {
            error: core_npy::Error::HeaderTooLong { .. },
            ..
        })
    ));
    let info = npy::info_with_max_header_len(&theirs, text_len).unwrap();
    assert_eq!((info.version, info.shape), (Version::V2_0, vec![2]));
    assert!(npy::info_with_max_header_len(&theirs, text_len - 1).is_err());
    let out = numpy::run(
        &py,
        &format!(
            "import numpy as np\n\
             for n in [{text_len}, {text_len} - 1]:\n    \
                 try:\n        \
                     np.load({:?}, max_header_size=n)\n        \
                     print('read')\n    \
                 except ValueError:\n        \
                     print('refused')",
            theirs.to_str().unwrap()
        ),
    );
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["read", "refused"]
    );
}

#[test]
fn descrs_parse_from_the_text_numpy_writes() {
    let Some(py) = numpy::python() else { return };
    let exprs = [
        "'<f8'",
        "'>i2'",
        "'|b1'",
        "'<M8[ns]'",
        "[('a', '<i4'), ('b', '>f8', (3,))]",
        "np.dtype([('a','u1'),('b','<i4')], align=True)",
        "[('p', [('x', '<f4'), ('y', '<i4')]), ('t', '>u2')]",
    ];
    let script = exprs
        .iter()
        .map(|e| format!("print(np.lib.format.dtype_to_descr(np.dtype({e})))\n"))
        .collect::<String>();
    let out = numpy::run(&py, &format!("import numpy as np\n{script}"));
    let lines: Vec<&str> = out.lines().collect();
    // numpy prints a scalar descr bare (`<f8`) and a record as its list repr.
    assert_eq!(lines[0], "<f8");
    assert_eq!(Descr::parse(lines[0]).unwrap(), Descr::of::<f64>());
    for line in &lines {
        let d = Descr::parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        // Our repr of the parsed descr is numpy's (quoted for scalars).
        let shown = d.to_string();
        assert_eq!(shown.trim_matches('\''), *line);
        assert_eq!(Descr::parse(&shown).unwrap(), d);
    }
    assert!(matches!(
        Descr::parse("<f3"),
        Err(core_npy::Error::InvalidDescr { .. })
    ));
    assert!(matches!(
        Descr::parse("[('a', '<i4')] x"),
        Err(core_npy::Error::Syntax { .. })
    ));
    assert!(Descr::parse("[('a', 'O')]").is_err());
}

#[test]
fn order_parses_as_numpy_names_it() {
    let Some(py) = numpy::python() else { return };
    let out = numpy::run(
        &py,
        "import numpy as np\n\
         for o in ['C', 'F', 'c', 'f', 'x']:\n    \
             try:\n        \
                 a = np.ndarray((2, 3), order=o)\n        \
                 print('F' if a.flags.f_contiguous else 'C')\n    \
             except ValueError:\n        \
                 print('refused')",
    );
    let ours: Vec<String> = ["C", "F", "c", "f", "x"]
        .iter()
        .map(|s| match s.parse::<Order>() {
            Ok(o) => format!("{o:?}"),
            Err(_) => "refused".into(),
        })
        .collect();
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ours);
    assert!(
        "A".parse::<Order>()
            .unwrap_err()
            .to_string()
            .contains("existing array")
    );
}

#[test]
fn shapes_from_a_usize_or_a_slice_write_numpys_files() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.npy"),
        dir.path().join("b.npy"),
        dir.path().join("c.npy"),
    );
    private!(npy::create::<i16, Ix1>(&a, 12))
        .unwrap()
        .close()
        .unwrap();
    let dims = vec![2, 3, 4];
    private!(npy::create::<i16, IxDyn>(&b, &dims))
        .unwrap()
        .close()
        .unwrap();
    // Axis lengths of the wrong rank for a fixed-rank shape are an error of create.
    let e = private!(npy::Options::<i16, Ix2>::new().shape(&dims[..]).create(&c)).unwrap_err();
    assert!(e.to_string().contains("3"), "{e}");
    assert!(!c.exists());
    let out = numpy::run(
        &py,
        &format!(
            "import numpy as np\n\
             for p, s in [({:?}, 12), ({:?}, [2, 3, 4])]:\n    \
                 np.save(p + '.npy', np.zeros(s, '<i2'))\n    \
                 print(open(p, 'rb').read() == open(p + '.npy', 'rb').read())",
            a.to_str().unwrap(),
            b.to_str().unwrap()
        ),
    );
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ["True", "True"]);
}

#[test]
fn zero_sized_elements_are_refused_with_the_librarys_error() {
    // `()` compiles as an element type (it failed to compile inside zerocopy before) and
    // is refused at run time; a zero-sized record too.
    let e = Memmap::<(), Ix1, mmarray_std::ReadWrite>::anonymous([4]).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Layout {
                error: mmarray_std::mmarray::Error::ZeroSizedElement,
                ..
            }
        ),
        "{e:?}"
    );
    let e = mmarray_std::ArrayView::<(), Ix1>::from_bytes(&[], [3], Order::C).unwrap_err();
    assert_eq!(e, mmarray_std::mmarray::Error::ZeroSizedElement);
    let dir = tempfile::tempdir().unwrap();
    let e = private!(npy::create::<Empty, Ix1>(dir.path().join("e.npy"), 3)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Layout {
                error: mmarray_std::mmarray::Error::ZeroSizedElement,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("zero"), "{e}");
}

#[test]
fn raw_maps_take_the_same_shapes_as_np_memmap() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.u2"), dir.path().join("b.u2"));
    let mut m = private!(mmarray_std::Options::<u16, Ix1>::new().shape(12).create(&a)).unwrap();
    m[[11]] = 7;
    m.close().unwrap();
    let dims = vec![2, 3];
    let mut m = private!(
        mmarray_std::Options::<u16, IxDyn>::new()
            .shape(&dims)
            .create(&b)
    )
    .unwrap();
    m[&[1, 2][..]] = 9;
    m.close().unwrap();
    let e = private!(
        mmarray_std::Options::<u16, Ix2>::new()
            .shape(&dims[..1])
            .create(dir.path().join("c"))
    )
    .unwrap_err();
    assert!(matches!(e, Error::Layout { .. }), "{e:?}");
    assert!(!dir.path().join("c").exists());
    let out = numpy::run(
        &py,
        &format!(
            "import numpy as np\n\
             a = np.memmap({:?}, dtype='<u2', mode='r', shape=12)\n\
             b = np.memmap({:?}, dtype='<u2', mode='r', shape=[2, 3])\n\
             print(a.shape, a[11], b.shape, b[1, 2])",
            a.to_str().unwrap(),
            b.to_str().unwrap()
        ),
    );
    assert_eq!(out.trim(), "(12,) 7 (2, 3) 9");
}
