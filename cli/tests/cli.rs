//! The `mmarray` binary on files numpy made, truncated files, a directory and row logs:
//! what it prints, and exit status 1 with the library's message (never a panic) for bad
//! files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mmarray_std::RowLog;

fn mmarray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mmarray"))
        .args(args)
        .output()
        .expect("run the mmarray binary")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `$MMARRAY_PYTHON`, else the venv ci/test makes, else `python3`; it must have numpy.
fn python() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/venv/bin/python");
    std::env::var_os("MMARRAY_PYTHON")
        .map(PathBuf::from)
        .or_else(|| venv.exists().then_some(venv))
        .unwrap_or_else(|| "python3".into())
}

/// Runs numpy code with `sys.argv[1]` = `dir`.
fn numpy(dir: &Path, code: &str) {
    let status = Command::new(python())
        .args([
            "-c",
            &format!("import sys, numpy as np\nd = sys.argv[1]\n{code}"),
        ])
        .arg(dir)
        .status()
        .expect("python with numpy (set MMARRAY_PYTHON)");
    assert!(status.success(), "numpy failed: {code}");
}

/// A bad file: exit status 1, the message on stderr, no panic.
fn assert_refused(o: &Output, message: &str) {
    let (_, err) = text(o);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(err.contains(message), "{message:?} not in {err:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn info_prints_the_header_and_numpys_summary_of_a_numpy_file() {
    let dir = tempfile::tempdir().unwrap();
    numpy(
        dir.path(),
        "np.save(d + '/big.npy', np.arange(2000, dtype='<f8').reshape(40, 50))\n\
         np.save(d + '/f.npy', np.asfortranarray(np.arange(6, dtype='>i4').reshape(2, 3)))",
    );
    let o = mmarray(&["info", dir.path().join("big.npy").to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    for line in [
        "  version      1.0\n",
        "  descr        '<f8'\n",
        "  shape        [40, 50]\n",
        "  order        C\n",
        "  data offset  128\n",
        "  data length  16000\n",
        "  file size    16128\n",
        "  complete     yes (0 bytes after the data)\n",
        "    [[0.000e+00, 1.000e+00, 2.000e+00, ..., 4.700e+01, 4.800e+01, 4.900e+01],\n",
        "     ...,\n",
        "     [1.950e+03, 1.951e+03, 1.952e+03, ..., 1.997e+03, 1.998e+03, 1.999e+03]]\n",
    ] {
        assert!(out.contains(line), "{line:?} not in\n{out}");
    }

    let o = mmarray(&["info", dir.path().join("f.npy").to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("  descr        '>i4'\n"), "{out}");
    assert!(out.contains("  order        F (fortran_order)\n"), "{out}");
    assert!(out.contains("    [[0, 1, 2],\n     [3, 4, 5]]\n"), "{out}");
}

#[test]
fn info_describes_every_member_of_a_numpy_npz() {
    let dir = tempfile::tempdir().unwrap();
    numpy(
        dir.path(),
        "np.savez(d + '/a.npz', x=np.arange(5, dtype='<i8'), y=np.ones((2, 2), dtype='<f4'))",
    );
    let o = mmarray(&["info", dir.path().join("a.npz").to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains(".npz archive, "), "{out}");
    assert!(out.contains(", 2 members\n"), "{out}");
    assert!(out.contains("\nmember x (at byte "), "{out}");
    assert!(out.contains("    [0, 1, 2, 3, 4]\n"), "{out}");
    assert!(out.contains("\nmember y (at byte "), "{out}");
    assert!(out.contains("    [[1., 1.],\n     [1., 1.]]\n"), "{out}");
}

#[test]
fn truncated_files_a_directory_and_other_files_exit_1_with_the_librarys_message() {
    let dir = tempfile::tempdir().unwrap();
    numpy(
        dir.path(),
        "np.save(d + '/big.npy', np.arange(2000, dtype='<f8'))\n\
         np.save(d + '/rec.npy', np.zeros(10, dtype=[('x', '<f4'), ('y', '<i4')]))",
    );
    let bytes = std::fs::read(dir.path().join("big.npy")).unwrap();
    let cut = dir.path().join("cut.npy");

    // The data cut short: the header is shown, then the error.
    std::fs::write(&cut, &bytes[..1000]).unwrap();
    let o = mmarray(&["info", cut.to_str().unwrap()]);
    assert_refused(&o, "holds 872 bytes of data but its header says 16000");
    assert!(
        text(&o)
            .0
            .contains("complete     no: the data needs 16128 bytes, there are 1000")
    );

    // A type the tool does not print (a record) is still checked for completeness.
    let rec = std::fs::read(dir.path().join("rec.npy")).unwrap();
    std::fs::write(&cut, &rec[..rec.len() - 1]).unwrap();
    let o = mmarray(&["info", cut.to_str().unwrap()]);
    assert_refused(&o, "holds 79 bytes of data but its header says 80");
    assert!(
        text(&o)
            .0
            .contains("descr        [('x', '<f4'), ('y', '<i4')]")
    );
    std::fs::write(&cut, &rec).unwrap();
    let o = mmarray(&["info", cut.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o).1);
    assert!(
        text(&o)
            .0
            .contains("values       not shown: no element type for descr")
    );

    // The header cut short, and an empty file.
    for len in [40, 0] {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        assert_refused(&mmarray(&["info", cut.to_str().unwrap()]), "cut.npy");
    }

    assert_refused(
        &mmarray(&["info", dir.path().to_str().unwrap()]),
        "is not a regular file",
    );
    assert_refused(
        &mmarray(&["info", dir.path().join("missing.npy").to_str().unwrap()]),
        "No such file or directory",
    );
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, "not numpy").unwrap();
    assert_refused(
        &mmarray(&["info", text_file.to_str().unwrap()]),
        "not a .npy file",
    );
    // A row log is not a .npy, and a .npy is not a row log.
    assert_refused(
        &mmarray(&["rowlog", dir.path().join("big.npy").to_str().unwrap()]),
        "big.npy",
    );
    assert_refused(
        &mmarray(&["rowlog", dir.path().to_str().unwrap()]),
        "Is a directory",
    );
    // Usage errors: status 2.
    assert_eq!(mmarray(&["frobnicate", "x"]).status.code(), Some(2));
    assert_eq!(mmarray(&[]).status.code(), Some(2));
}

#[test]
fn rowlog_prints_the_counters_of_a_live_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.rowlog");
    // SAFETY: the test's own file; only this log (and the tool, reading) touches it.
    let log = unsafe { RowLog::<Reading>::create(&path, 10) }.unwrap();
    let reading = |i: u64| Reading {
        id: i,
        temp: i as f64,
    };
    for i in 0..3 {
        log.push(reading(i)).unwrap();
    }
    log.flush().unwrap();
    log.push(reading(3)).unwrap();
    let held = log.claim(2).unwrap(); // claimed, not committed: the watermark stalls at 4
    log.push(reading(6)).unwrap();

    let o = mmarray(&["rowlog", path.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    for line in [
        "  capacity     10 rows of 16 bytes\n",
        "  claimed      7\n",
        "  committed    4\n",
        "  durable      3\n",
        "  npy shape    (3,) (durable rows as of a flush)\n",
        "  dtype        [('id', '<u8'), ('temp K', '<f8')]\n",
        "  in flight    3 (claimed, not yet committed)\n",
        "  stalled      rows 4..6 (2 rows claimed, not complete)\n",
        "  rows start   byte 256 (after the .npy header)\n",
        "  region at    byte 4096\n",
    ] {
        assert!(out.contains(line), "{line:?} not in\n{out}");
    }
    // The region: 128 + 2 * 8 bytes of header and bitmaps, padded to 192, then 64 slots.
    assert!(
        out.contains(&format!("  file size    {}\n", 4096 + 192 + 64 * 2112)),
        "{out}"
    );
    drop(held);
    drop(log);

    // A log cut inside its header.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..30]).unwrap();
    assert_refused(&mmarray(&["rowlog", path.to_str().unwrap()]), "truncated");
}

#[test]
fn rowlog_prints_the_valid_rows_and_where_the_void_bitmap_lies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.npy");
    // SAFETY: the test's own file; only this log (and the tool, reading) touches it.
    let log = unsafe { RowLog::<Reading>::create(&path, 100) }.unwrap();
    let reading = |i: u64| Reading {
        id: i,
        temp: i as f64,
    };
    // Rows 0..2 data, 2..5 abandoned, 5 data, then a writer whose chunk end 7..10 cannot
    // go back (another claim follows it), then row 10.
    log.push(reading(0)).unwrap();
    log.push(reading(1)).unwrap();
    log.claim(3).unwrap().abandon();
    log.push(reading(5)).unwrap();
    let mut writer = log.writer(4); // rows 6..10
    writer.push(reading(6)).unwrap();
    log.push(reading(10)).unwrap();
    drop(writer);
    log.flush().unwrap();
    let void = [2u64, 3, 4, 7, 8, 9];

    let o = mmarray(&["rowlog", path.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    // The void bitmap after the region header (128 bytes) and the done bitmap (2 words of
    // 100 rows), the region at 4096 (256-byte .npy header + 1600 bytes of rows, rounded up).
    let v = 4096 + 128 + 16;
    for line in [
        "  committed    11\n".to_string(),
        "  valid        5 of 11 committed rows (6 void: abandoned, given up or closed)\n".into(),
        format!(
            "  void bitmap  byte {v} (named in the .npy header's comment), one bit per row, little bit order\n"
        ),
    ] {
        assert!(out.contains(&line), "{line:?} not in\n{out}");
    }
    // The bytes there are the void rows' bits, as a script reading the file sees them.
    let bytes = std::fs::read(&path).unwrap();
    let bits: Vec<u64> = (0..11u64)
        .filter(|&r| bytes[v + (r / 8) as usize] & (1 << (r % 8)) != 0)
        .collect();
    assert_eq!(bits, void);

    let o = mmarray(&["rowlog", "--mask-offset", path.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, format!("{v}\n"));
    assert_refused(
        &mmarray(&[
            "rowlog",
            "--mask-offset",
            dir.path().join("none").to_str().unwrap(),
        ]),
        "none",
    );
    drop(log);
}

// This crate depends on `mmarray-std` alone (no zerocopy, no mmarray): the one place in the
// workspace that shows a record declared with nothing else in Cargo.toml compiles and works.
mmarray_std::record! {
    /// A reading, as a user of `mmarray-std` alone declares it.
    #[derive(PartialEq)]
    struct Reading {
        id: u64,
        #[npy(name = "temp K")]
        temp: f64,
    }
}

#[test]
fn a_record_needs_mmarray_std_alone() {
    use mmarray_std::mmarray::npy::Descr;
    let r = Reading { id: 7, temp: 293.5 };
    assert_eq!(r.to_string(), "(7, 293.5)");
    assert_eq!(
        Descr::of::<Reading>().to_string(),
        "[('id', '<u8'), ('temp K', '<f8')]"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.npy");
    // SAFETY: the file is private to this test.
    let mut m =
        unsafe { mmarray_std::npy::create::<Reading, mmarray_std::Ix1>(&path, [2]) }.unwrap();
    m[[1]] = Reading { id: 9, temp: 1.5 };
    drop(m);
    // SAFETY: as above.
    let m = unsafe { mmarray_std::npy::open_read::<Reading, mmarray_std::Ix1>(&path) }.unwrap();
    assert!(m[[1]] == Reading { id: 9, temp: 1.5 }, "{:?}", m[[1]]);
}
