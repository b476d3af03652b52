//! `.npz` archives written by numpy, mapped in place (numpy itself ignores
//! `mmap_mode` for them and reads every member into memory).
//!
//! numpy writes the archives and checks that `np.load` gives the values the
//! test expects; mmarray maps each member and must give the same values. The
//! offsets of the members' data are computed independently, in Python, from
//! the zip local headers.

use crate::support::numpy;
use crate::support::private;

use std::path::Path;

use mmarray_std::npy::{HeaderError, Version};
use mmarray_std::zerocopy::byteorder::{big_endian, little_endian};
use mmarray_std::{Bool, ByteStr, Complex};
use mmarray_std::{Error, Ix0, Ix1, Ix2, IxDyn, Order, npz};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A record of unaligned fields, so it maps at any offset: `[('x', '<f4'), ('y', '<i4')]`.
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Point {
    x: little_endian::F32,
    y: little_endian::I32,
}
mmarray_std::mmarray::npy_record!(Point {
    x: little_endian::F32,
    y: little_endian::I32
});

/// Writes the archive `a.npz` in `dir` with numpy, checks numpy loads the
/// expected values, and returns each member's data offset as Python computes
/// it from the zip local header and the `.npy` header.
fn savez(py: &std::path::PathBuf, dir: &Path, how: &str) -> Vec<(String, u64)> {
    let script = format!(
        "import numpy as np, zipfile, struct\n\
         D = {dir:?}\n\
         k = np.arange(24)\n\
         arrays = dict(\n    \
             a=k[:5] * 0.5,\n    \
             b=(k[:6] * 3 - 7).astype('>i4').reshape(2, 3),\n    \
             c=np.asfortranarray((k[:12] * 7).astype('<u2').reshape(3, 4)),\n    \
             d=(k[:7] % 3 == 0),\n    \
             e=np.array([(i * 0.5, -i) for i in range(4)], dtype=[('x', '<f4'), ('y', '<i4')]),\n    \
             f=np.array(1.5 - 2j, dtype='<c16'),\n    \
             g=np.zeros((0, 5)),\n    \
             s=np.array([b'x', b'yy', b'zzz'], dtype='S3'),\n\
         )\n\
         np.{how}(f'{{D}}/a.npz', **arrays)\n\
         z = np.load(f'{{D}}/a.npz')\n\
         assert sorted(z.files) == sorted(arrays), z.files\n\
         for name, a in arrays.items():\n    \
             b = z[name]\n    \
             assert b.dtype == a.dtype and b.shape == a.shape and np.array_equal(a, b), name\n    \
             assert b.flags.f_contiguous == a.flags.f_contiguous, name\n\
         raw = open(f'{{D}}/a.npz', 'rb').read()\n\
         for zi in zipfile.ZipFile(f'{{D}}/a.npz').infolist():\n    \
             n, e = struct.unpack('<HH', raw[zi.header_offset + 26:zi.header_offset + 30])\n    \
             start = zi.header_offset + 30 + n + e\n    \
             hlen, = struct.unpack('<H', raw[start + 8:start + 10])\n    \
             print(zi.filename[:-4], start + 10 + hlen)\n",
        dir = dir.to_str().unwrap(),
    );
    numpy::run(py, &script)
        .lines()
        .map(|l| {
            let (name, off) = l.split_once(' ').unwrap();
            (name.to_owned(), off.parse().unwrap())
        })
        .collect()
}

#[test]
fn savez_members_map_to_the_values_numpy_loads() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let offsets = savez(&py, dir.path(), "savez");
    let path = dir.path().join("a.npz");
    let before = std::fs::read(&path).unwrap();
    let archive = npz::Archive::open(&path).unwrap();

    // The directory: every member, stored, with its header and data where Python says.
    let names: Vec<&str> = archive.members().map(|m| m.name()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e", "f", "g", "s"]);
    assert_eq!(
        offsets.len(),
        names.len(),
        "python reported every member's offset"
    );
    for (name, data_at) in &offsets {
        let m = archive.member(name).unwrap();
        assert_eq!(m.file_name(), format!("{name}.npy"));
        assert!(!m.is_compressed());
        let info = archive.info(name).unwrap();
        assert_eq!(info.version, Version::V1_0);
        assert_eq!(m.offset() + info.data_offset, *data_at, "{name}");
        assert_eq!(info.data_offset + info.data_len, m.len(), "{name}");
    }
    let info = archive.info("c").unwrap();
    assert_eq!(
        (info.descr.as_str(), info.order, &info.shape[..]),
        ("'<u2'", Order::F, &[3, 4][..])
    );

    let a = private!(archive.map_read::<little_endian::F64, Ix1>("a")).unwrap();
    let want: Vec<_> = (0..5)
        .map(|k| little_endian::F64::new(k as f64 * 0.5))
        .collect();
    assert_eq!(a.as_slice(), &want[..]);

    let b = private!(archive.map_read::<big_endian::I32, Ix2>("b")).unwrap();
    assert_eq!(b.shape(), &[2, 3]);
    for (i, j) in [(0, 0), (0, 2), (1, 0), (1, 2)] {
        assert_eq!(b[[i, j]].get(), (i * 3 + j) as i32 * 3 - 7);
    }

    let c = private!(archive.map_read::<little_endian::U16, Ix2>("c")).unwrap();
    assert_eq!((c.shape(), c.order()), (&[3, 4][..], Order::F));
    for i in 0..3 {
        for j in 0..4 {
            assert_eq!(c[[i, j]].get(), ((i * 4 + j) * 7) as u16);
        }
    }

    let d = private!(archive.map_read::<Bool, Ix1>("d")).unwrap();
    let want: Vec<bool> = (0..7).map(|k| k % 3 == 0).collect();
    assert_eq!(
        d.as_slice().iter().map(|b| b.get()).collect::<Vec<_>>(),
        want
    );

    let e = private!(archive.map_read::<Point, Ix1>("e")).unwrap();
    assert_eq!(e.len(), 4);
    for (k, p) in e.as_slice().iter().enumerate() {
        assert_eq!((p.x.get(), p.y.get()), (k as f32 * 0.5, -(k as i32)));
    }

    let f = private!(archive.map_read::<Complex<little_endian::F64>, Ix0>("f")).unwrap();
    assert_eq!((f[[]].re.get(), f[[]].im.get()), (1.5, -2.0));

    let g = private!(archive.map_read::<little_endian::F64, IxDyn>("g.npy")).unwrap();
    assert_eq!((g.shape(), g.len()), (&[0, 5][..], 0));

    let s = private!(archive.map_read::<ByteStr<3>, Ix1>("s")).unwrap();
    let got: Vec<&[u8]> = s.as_slice().iter().map(|x| x.trimmed()).collect();
    assert_eq!(got, [&b"x"[..], b"yy", b"zzz"]);
    drop(archive);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the archive is unchanged"
    );
}

/// np.savez does not align members: a type that needs alignment gets the
/// usual error (naming an unaligned type to use) exactly when the data's
/// offset in the archive is not a multiple of its alignment.
#[test]
fn unaligned_members_need_unaligned_types() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let offsets = savez(&py, dir.path(), "savez");
    let archive = npz::Archive::open(dir.path().join("a.npz")).unwrap();
    let at = |n: &str| offsets.iter().find(|(m, _)| m == n).unwrap().1;

    let r = private!(archive.map_read::<f64, Ix1>("a"));
    if at("a") % 8 == 0 {
        assert_eq!(r.unwrap().as_slice(), &[0.0, 0.5, 1.0, 1.5, 2.0]);
    } else {
        let e = r.unwrap_err();
        assert!(
            matches!(&e, Error::Header { error: HeaderError::DataMisaligned { offset, align: 8, .. }, path: Some(p) } if *offset == at("a") && p == archive.path()),
            "{e:?}"
        );
        // A member's offset is the archive's, not the caller's: the hint is the type.
        let msg = e.to_string();
        assert!(
            msg.ends_with(&format!(
                "the array data starts at byte {}, which is not a multiple of 8, the alignment \
                 of '<f8'; map it as little_endian::F64, which has alignment 1",
                at("a")
            )),
            "{msg}"
        );
        assert!(!msg.contains("offset that is"), "{msg}");
    }
    // The unaligned type with the same descr maps at any offset.
    let a = private!(archive.map_read::<little_endian::F64, Ix1>("a")).unwrap();
    assert_eq!(a[[4]].get(), 2.0);
    assert!(
        offsets.iter().any(|(_, off)| off % 8 != 0),
        "np.savez left some member unaligned: {offsets:?}"
    );
}

#[test]
fn copy_on_write_members_keep_writes_in_memory() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    savez(&py, dir.path(), "savez");
    let path = dir.path().join("a.npz");
    let before = std::fs::read(&path).unwrap();
    let archive = npz::Archive::open(&path).unwrap();
    let mut b = private!(archive.map_copy_on_write::<big_endian::I32, Ix2>("b")).unwrap();
    b[[1, 2]] = big_endian::I32::new(12345);
    assert_eq!(b[[1, 2]].get(), 12345);
    b.flush().unwrap();
    drop(b);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let b = private!(archive.map_read::<big_endian::I32, Ix2>("b")).unwrap();
    assert_eq!(b[[1, 2]].get(), 8);
}

#[test]
fn compressed_members_are_refused_with_the_reason() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    savez(&py, dir.path(), "savez_compressed");
    let archive = npz::Archive::open(dir.path().join("a.npz")).unwrap();
    assert_eq!(archive.members().len(), 8);
    assert!(archive.members().all(|m| m.is_compressed()));
    let e = private!(archive.map_read::<little_endian::F64, Ix1>("a")).unwrap_err();
    match &e {
        Error::Compressed { member, method } => {
            assert_eq!((member.as_str(), *method), ("a.npy", "deflate"));
        }
        other => panic!("expected Compressed, got {other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("compressed") && msg.contains("np.savez_compressed"),
        "{msg}"
    );
    assert!(matches!(archive.info("b"), Err(Error::Compressed { .. })));
    let e = private!(archive.map_copy_on_write::<Bool, Ix1>("d")).unwrap_err();
    assert!(matches!(e, Error::Compressed { .. }), "{e:?}");
}

#[test]
fn wrong_names_types_ranks_and_files_are_typed_errors() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    savez(&py, dir.path(), "savez");
    let path = dir.path().join("a.npz");
    let archive = npz::Archive::open(&path).unwrap();
    let e = private!(archive.map_read::<u8, Ix1>("nope")).unwrap_err();
    assert!(
        matches!(&e, Error::NoSuchMember { name } if name == "nope"),
        "{e:?}"
    );
    let e = private!(archive.map_read::<little_endian::I64, Ix1>("a")).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Header {
                error: HeaderError::DescrMismatch { .. },
                ..
            }
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains("<f8") && msg.contains("<i8"), "{msg}");
    let e = private!(archive.map_read::<little_endian::F64, Ix2>("a")).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Header {
                error: HeaderError::RankMismatch {
                    found: 1,
                    expected: 2
                },
                path: Some(_)
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("the file has 1 axis, the type asks for 2"),
        "{e}"
    );
    // A .npy file is not an archive.
    let npy = dir.path().join("x.npy");
    numpy::run(
        &py,
        &format!(
            "import numpy as np\nnp.save({:?}, np.arange(3))\n",
            npy.to_str().unwrap()
        ),
    );
    let e = npz::Archive::open(&npy).unwrap_err();
    assert!(matches!(e, Error::BadArchive { .. }), "{e:?}");
    let e = npz::Archive::open(dir.path().join("missing.npz")).unwrap_err();
    assert!(matches!(&e, Error::Io { op: "open", .. }), "{e:?}");
}

/// A stored member whose data is shorter than its header says is refused,
/// not mapped over the archive's directory.
#[test]
fn a_member_shorter_than_its_header_says_is_truncated() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.npz");
    numpy::run(
        &py,
        &format!(
            "import numpy as np, io, zipfile\n\
             b = io.BytesIO()\n\
             np.save(b, np.arange(100, dtype='u1'))\n\
             with zipfile.ZipFile({:?}, 'w') as z:\n    \
                 z.writestr(zipfile.ZipInfo('t.npy'), b.getvalue()[:-90])\n    \
                 z.writestr(zipfile.ZipInfo('ok.npy'), b.getvalue())\n",
            path.to_str().unwrap()
        ),
    );
    let archive = npz::Archive::open(&path).unwrap();
    let e = private!(archive.map_read::<u8, Ix1>("t")).unwrap_err();
    assert!(
        matches!(
            e,
            Error::DataTruncated {
                path: Some(_),
                needed: 100,
                len: 10
            }
        ),
        "{e:?}"
    );
    let ok = private!(archive.map_read::<u8, Ix1>("ok")).unwrap();
    assert_eq!(ok.as_slice(), &(0..100).collect::<Vec<u8>>()[..]);
}
