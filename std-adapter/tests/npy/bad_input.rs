//! Malformed `.npy` files through the adapter: every mode ('r', 'r+', 'c',
//! and a mode chosen at run time) gives the exact error kind, nothing
//! panics, and the file's bytes and length are unchanged — in particular a
//! truncated file is refused in 'r+' too, where numpy silently extends it.

use crate::support::{npy_file, private};
use std::path::Path;

use mmarray_std::npy::{HeaderError as NpyError, HeaderPart as Part, Key, ShapeProblem};
use mmarray_std::{Error, Ix1, Ix2, IxDyn, Mode, npy};

/// A version 1.0 file with header text `text` (see [`npy_file`]).
fn v1(text: &str) -> Vec<u8> {
    npy_file(1, text.as_bytes())
}

/// The offset of `needle` in the header text (numpy-style errors count from there).
fn at(text: &str, needle: &str) -> usize {
    text.find(needle).unwrap()
}

/// Opens `bytes` (written to a file) as `f64` in every way and returns the
/// one error they all give; checks the file is unchanged after each.
fn open_everywhere(dir: &Path, bytes: &[u8]) -> Error {
    let path = dir.join("bad.npy");
    std::fs::write(&path, bytes).unwrap();
    let check_unchanged = || {
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file changed");
    };
    let o = npy::Options::<f64, IxDyn>::new();
    let errors = [
        private!(npy::open_read::<f64, IxDyn>(&path)).map(drop),
        private!(npy::open_read_write::<f64, IxDyn>(&path)).map(drop),
        private!(o.open_copy_on_write(&path)).map(drop),
        private!(o.open(&path, Mode::ReadWrite)).map(drop),
        private!(o.open(&path, Mode::Read)).map(drop),
    ];
    check_unchanged();
    let mut errors = errors
        .into_iter()
        .map(|r| r.expect_err("a malformed file opened"));
    let first = errors.next().unwrap();
    for e in errors {
        assert_eq!(
            format!("{e:?}"),
            format!("{first:?}"),
            "every mode gives the same error"
        );
    }
    first
}

fn npy_error(dir: &Path, bytes: &[u8]) -> NpyError {
    match open_everywhere(dir, bytes) {
        Error::Header { error: e, .. } => {
            // `info` reads the same header and says the same.
            let path = dir.join("bad.npy");
            match npy::info(&path) {
                Err(Error::Header { error: i, .. }) => assert_eq!(i, e, "npy::info agrees"),
                other => panic!("npy::info: expected {e:?}, got {other:?}"),
            }
            e
        }
        other => panic!("expected Error::Header, got {other:?}"),
    }
}

const GOOD: &str = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";

#[test]
fn the_good_header_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("good.npy");
    std::fs::write(&path, v1(GOOD)).unwrap();
    let m = private!(npy::open_read::<f64, Ix1>(&path)).unwrap();
    assert_eq!(m.shape(), &[3]);
}

#[test]
fn broken_preambles() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = v1(GOOD);
    assert_eq!(
        npy_error(d, &[]),
        NpyError::Truncated {
            part: Part::Magic,
            needed: 8,
            got: 0
        }
    );
    assert_eq!(
        npy_error(d, &good[..5]),
        NpyError::Truncated {
            part: Part::Magic,
            needed: 8,
            got: 5
        }
    );
    assert_eq!(
        npy_error(d, &good[..9]),
        NpyError::Truncated {
            part: Part::LengthField,
            needed: 10,
            got: 9
        }
    );
    assert_eq!(
        npy_error(d, &good[..50]),
        NpyError::Truncated {
            part: Part::Text,
            needed: 128,
            got: 50
        }
    );
    let mut bad = good.clone();
    bad[0] = 0x92;
    assert_eq!(
        npy_error(d, &bad),
        NpyError::BadMagic {
            found: *b"\x92NUMPY"
        }
    );
    let mut bad = good.clone();
    bad[7] = 1;
    assert_eq!(
        npy_error(d, &bad),
        NpyError::UnsupportedVersion { major: 1, minor: 1 }
    );
    let mut bad = good.clone();
    bad[6] = 4;
    assert_eq!(
        npy_error(d, &bad),
        NpyError::UnsupportedVersion { major: 4, minor: 0 }
    );
}

#[test]
fn headers_longer_than_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Just over numpy's 10 000 characters: read, measured, refused.
    let long = format!("{GOOD}{}", " ".repeat(10_000));
    let bytes = v1(&long);
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    assert_eq!(
        npy_error(d, &bytes),
        NpyError::HeaderTooLong {
            len: header_len,
            max: 10_000
        }
    );
    // Far over it (more than 4 bytes a character could explain): refused
    // without being read into memory, with the same error.
    let longer = format!("{GOOD}{}", " ".repeat(60_000));
    let bytes = v1(&longer);
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    assert_eq!(
        npy_error(d, &bytes),
        NpyError::HeaderTooLong {
            len: header_len,
            max: 10_000
        }
    );
    // Version 3.0 counts characters, not bytes: 'é' is two bytes of UTF-8.
    let text = format!(
        "{{'descr': [('{}', '<f8')], 'fortran_order': False, 'shape': (3,), }}",
        "\u{e9}".repeat(30_000)
    );
    let bytes = npy_file(3, text.as_bytes());
    let header_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    assert_eq!(
        npy_error(d, &bytes),
        NpyError::HeaderTooLong {
            len: header_len - 30_000,
            max: 10_000
        }
    );
    // A huge declared length with the header not all there is a truncation.
    let mut cut = v1(&longer);
    let header_len = usize::from(u16::from_le_bytes([cut[8], cut[9]]));
    cut.truncate(20_000);
    assert_eq!(
        npy_error(d, &cut),
        NpyError::Truncated {
            part: Part::Text,
            needed: 10 + header_len,
            got: 20_000
        }
    );
}

#[test]
fn broken_header_texts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let e = |text: &str| npy_error(d, &v1(text));

    let t = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), ";
    assert!(matches!(e(t), NpyError::Syntax { .. }), "{:?}", e(t));
    let t = "{'descr' '<f8', 'fortran_order': False, 'shape': (3,), }";
    assert!(matches!(e(t), NpyError::Syntax { .. }), "{:?}", e(t));
    assert_eq!(e("[1, 2]"), NpyError::NotADict);
    assert_eq!(
        e("{'descr': '<f8', 'fortran_order': False}"),
        NpyError::MissingKey(Key::Shape)
    );
    assert_eq!(
        e("{'fortran_order': False, 'shape': (3,)}"),
        NpyError::MissingKey(Key::Descr)
    );
    let t = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}";
    assert_eq!(
        e(t),
        NpyError::UnknownKey {
            at: at(t, "'extra'")
        }
    );
    assert_eq!(
        e("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3,)}"),
        NpyError::DuplicateKey(Key::Descr)
    );
    let t = "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}";
    assert_eq!(e(t), NpyError::InvalidFortranOrder { at: at(t, "0,") });
    let t = "{'descr': 'x', 'fortran_order': False, 'shape': (3,)}";
    assert!(matches!(e(t), NpyError::InvalidDescr { .. }), "{:?}", e(t));
    let t = "{'descr': '|O', 'fortran_order': False, 'shape': (3,)}";
    assert!(matches!(e(t), NpyError::ObjectDescr { .. }), "{:?}", e(t));
    let t = "{'descr': [('a', '<f8'), ('b', '|O')], 'fortran_order': False, 'shape': (3,)}";
    assert!(matches!(e(t), NpyError::ObjectDescr { .. }), "{:?}", e(t));
    // Data that no slice could hold.
    let t = "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,)}";
    assert_eq!(e(t), NpyError::DataTooLarge);

    // Version 3.0 text that is not UTF-8.
    let mut text = b"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }".to_vec();
    text[11] = 0xff;
    assert_eq!(
        npy_error(d, &npy_file(3, &text)),
        NpyError::NotUtf8 { at: 11 }
    );
}

#[test]
fn broken_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let problem = |shape: &str| {
        let t = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}}}");
        match npy_error(d, &v1(&t)) {
            NpyError::InvalidShape { problem, .. } => problem,
            other => panic!("shape {shape}: expected InvalidShape, got {other:?}"),
        }
    };
    assert_eq!(problem("[3]"), ShapeProblem::NotATuple);
    assert_eq!(problem("3"), ShapeProblem::NotATuple);
    assert_eq!(problem("('a',)"), ShapeProblem::NotAnInteger);
    assert_eq!(problem("(1.5,)"), ShapeProblem::NotAnInteger);
    assert_eq!(problem("(True,)"), ShapeProblem::NotAnInteger);
    assert_eq!(problem("(-1,)"), ShapeProblem::Negative);
    assert_eq!(
        problem("(99999999999999999999999,)"),
        ShapeProblem::Overflow
    );
    let dims = "1, ".repeat(65);
    assert_eq!(problem(&format!("({dims})")), ShapeProblem::TooManyDims);
}

/// Data shorter than the header says: an error in every mode (numpy's 'r+'
/// silently extends the file), and the file is left as it was.
#[test]
fn truncated_data_is_refused_in_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{'descr': '<f8', 'fortran_order': False, 'shape': (100,), }";
    let mut bytes = v1(text);
    bytes.truncate(128 + 8 * 50 + 3);
    bytes.resize(128 + 8 * 50 + 3, 7);
    let e = open_everywhere(dir.path(), &bytes);
    assert!(
        matches!(
            e,
            Error::DataTruncated {
                path: Some(_),
                needed: 800,
                len: 403
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("truncated"), "{e}");
    // Only the header: no data at all.
    let e = open_everywhere(dir.path(), &bytes[..128]);
    assert!(
        matches!(
            e,
            Error::DataTruncated {
                path: Some(_),
                needed: 800,
                len: 0
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_descr_that_is_not_the_types_names_both() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.npy");
    let bytes = v1(GOOD);
    std::fs::write(&path, &bytes).unwrap();
    let e = private!(npy::open_read_write::<i32, Ix1>(&path)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Header {
                error: NpyError::DescrMismatch { .. },
                ..
            }
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains("'<f8'") && msg.contains("<i4"), "{msg}");
    let e = private!(npy::open_read::<
        mmarray_std::zerocopy::byteorder::big_endian::F64,
        Ix1,
    >(&path))
    .unwrap_err();
    assert!(e.to_string().contains(">f8"), "{e}");
    // The same values in the other byte order: the hint names the type that reads them.
    assert!(
        e.to_string()
            .ends_with("; the data has the other byte order: use little_endian::F64"),
        "{e}"
    );
    assert!(
        e.to_string().starts_with(&format!("{}: ", path.display())),
        "{e}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_file_of_the_other_byte_order_suggests_the_type_that_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("be.npy");
    let (file, host) = if cfg!(target_endian = "little") {
        ("'>f4'", "big_endian")
    } else {
        ("'<f4'", "little_endian")
    };
    let bytes = v1(&format!(
        "{{'descr': {file}, 'fortran_order': False, 'shape': (2,), }}"
    ));
    let mut bytes = bytes;
    bytes.extend_from_slice(&[0; 8]);
    std::fs::write(&path, &bytes).unwrap();
    let e = private!(npy::open_read::<f32, Ix1>(&path)).unwrap_err();
    assert!(
        e.to_string().ends_with(&format!(
            "the data has the other byte order: use {host}::F32"
        )),
        "{e}"
    );
    // A descr of another kind or size gets no byte-order hint.
    let e = private!(npy::open_read::<i32, Ix1>(&path)).unwrap_err();
    assert!(!e.to_string().contains("byte order"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_rank_that_is_not_the_files_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.npy");
    let bytes = v1(GOOD);
    std::fs::write(&path, &bytes).unwrap();
    let e = private!(npy::open_read_write::<f64, Ix2>(&path)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Header {
                error: NpyError::RankMismatch {
                    found: 1,
                    expected: 2
                },
                path: Some(_)
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "{}: the file has 1 axis, the type asks for 2; use a dimension type of 1 axis or IxDyn",
            path.display()
        )
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // numpy's example: a 3-d array opened as 2-d.
    let cube = dir.path().join("cube.npy");
    let mut bytes = v1("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }");
    bytes.extend_from_slice(&[0; 8]);
    std::fs::write(&cube, &bytes).unwrap();
    let e = private!(npy::open_read::<f64, Ix2>(&cube)).unwrap_err();
    assert!(
        e.to_string()
            .contains("the file has 3 axes, the type asks for 2"),
        "{e}"
    );
    assert_eq!(std::fs::read(&cube).unwrap(), bytes);
}

/// A larger limit lets a long header through; a smaller one refuses a
/// numpy-sized one.
#[test]
fn the_header_limit_is_the_callers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.npy");
    let long = format!("{GOOD}{}", " ".repeat(60_000));
    std::fs::write(&path, v1(&long)).unwrap();
    let mut o = npy::Options::<f64, Ix1>::new();
    o.max_header_len(70_000);
    assert_eq!(private!(o.open_read(&path)).unwrap().shape(), &[3]);
    std::fs::write(&path, v1(GOOD)).unwrap();
    o.max_header_len(100);
    let e = private!(o.open_read(&path)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Header {
                error: NpyError::HeaderTooLong { len: 118, max: 100 },
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn info_of_a_directory_or_a_missing_file_names_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    match npy::info(dir.path()) {
        Err(Error::NotAFile { path: Some(p) }) => assert_eq!(p, dir.path()),
        other => panic!("expected NotAFile, got {other:?}"),
    }
    let missing = dir.path().join("missing.npy");
    match npy::info(&missing) {
        Err(Error::Io {
            op,
            path: Some(p),
            source,
        }) => {
            assert_eq!((op, p.as_path()), ("open", missing.as_path()));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected an open error, got {other:?}"),
    }
}
