//! Growth that can fail for lack of space fails as an error, not as a `SIGBUS`: by default
//! the bytes a call adds to a file are preallocated (`fallocate(2)`), so a full disk or a
//! file-size limit is an error of `create`/`grow`/`append`, and the file is unchanged;
//! `sparse(true)` extends with `ftruncate(2)` only, as numpy does.
//!
//! A full file system is a 1 MiB tmpfs mounted in a private mount namespace (`unshare -m`,
//! as root; skipped, saying so, where that is not allowed); a file-size limit is
//! `RLIMIT_FSIZE` (`prlimit`) with `SIGXFSZ` ignored, so the kernel answers `EFBIG`. Both
//! run in a child process: this test binary, re-executed.

use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use mmarray_std::{Error, Ix1, Ix2, Options, RowLog, npy};

use crate::support::{private, snapshot};

const MIB: usize = 1 << 20;

/// Bytes the file system allocated to the file at `path`.
fn allocated(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().blocks() * 512
}

#[test]
fn new_bytes_are_preallocated_unless_sparse_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let n = 8 * MIB;
    for sparse in [false, true] {
        let what = if sparse { "sparse" } else { "default" };
        let raw = dir.path().join(format!("{what}.dat"));
        let mut m = private!(
            Options::<u8, Ix1>::new()
                .shape([n])
                .sparse(sparse)
                .create(&raw)
        )
        .unwrap();
        m.grow(2 * n).unwrap();
        let npy_path = dir.path().join(format!("{what}.npy"));
        let mut a = private!(
            npy::Options::<u8, Ix2>::new()
                .shape([n / 1024, 1024])
                .sparse(sparse)
                .create(&npy_path)
        )
        .unwrap();
        a.grow(2 * n / 1024).unwrap();
        for (path, len) in [(&raw, 2 * n), (&npy_path, 2 * n)] {
            let got = allocated(path);
            if sparse {
                assert!(got < 1 << 20, "{what} {path:?}: {got} bytes allocated");
            } else {
                assert!(
                    got >= len as u64,
                    "{what} {path:?}: only {got} of {len} allocated"
                );
            }
        }
        // Either way the new bytes read as zeros.
        assert!(m.as_slice().iter().all(|&b| b == 0));
        assert!(a.as_slice().iter().all(|&b| b == 0));
    }
}

/// The environment variable that makes `child` run a scenario.
const ENV_SCENARIO: &str = "MMARRAY_PREALLOCATE_SCENARIO";
/// The directory the scenario works in.
const ENV_DIR: &str = "MMARRAY_PREALLOCATE_DIR";
/// What the child prints when it cannot set the scenario up (not root, no `unshare`).
const SKIP: &str = "PREALLOCATE_SKIPPED";

/// The errno of an [`Error::Io`].
fn errno_of(e: &Error) -> Option<i32> {
    match e {
        Error::Io { source, .. } => source.raw_os_error(),
        _ => None,
    }
}

/// The scenarios, run in a child process: does nothing unless started by `run_child`.
#[test]
fn child() {
    let Ok(scenario) = std::env::var(ENV_SCENARIO) else {
        return;
    };
    let dir = std::path::PathBuf::from(std::env::var(ENV_DIR).unwrap());
    match scenario.as_str() {
        "full_disk" => full_disk(&dir),
        "file_size_limit" => file_size_limit(&dir),
        other => panic!("unknown scenario {other}"),
    }
}

/// On a 1 MiB file system: creating an 8 MiB array, appending 2 MiB of rows and growing
/// past the space are errors (`ENOSPC`), leave no file or the file unchanged, and the map
/// goes on working. Before preallocation, the create succeeded and the first store past the
/// space killed the process with `SIGBUS`.
fn full_disk(dir: &Path) {
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        println!("{SKIP}: cannot mount a tmpfs");
        return;
    }
    const NOSPC: i32 = 28;
    let big = dir.join("big.dat");
    let e = private!(Options::<u8, Ix1>::new().shape([8 * MIB]).create(&big)).unwrap_err();
    assert_eq!(errno_of(&e), Some(NOSPC), "create: {e}");
    assert!(!big.exists(), "a failed create left its file");
    let e = private!(npy::create::<u8, Ix2>(dir.join("big.npy"), [8, MIB])).unwrap_err();
    assert_eq!(errno_of(&e), Some(NOSPC), "npy create: {e}");
    assert!(!dir.join("big.npy").exists());

    let path = dir.join("small.npy");
    let mut m = private!(npy::create::<u8, Ix2>(&path, [64, 1024])).unwrap();
    m.as_mut_slice().fill(7);
    m.flush().unwrap();
    let before = snapshot(&path);
    let e = m.append(&vec![9u8; 2 * MIB]).unwrap_err();
    assert_eq!(errno_of(&e), Some(NOSPC), "append: {e}");
    assert_eq!(snapshot(&path), before, "a failed append changed the file");
    let e = m.grow(8 * 1024).unwrap_err();
    assert_eq!(errno_of(&e), Some(NOSPC), "grow: {e}");
    assert_eq!(snapshot(&path), before, "a failed grow changed the file");
    assert_eq!(m.shape(), &[64, 1024]);
    assert!(m.as_slice().iter().all(|&b| b == 7));
    // What fits still works.
    m.append(&[5u8; 1024]).unwrap();
    assert_eq!(m.shape(), &[65, 1024]);
    drop(m);
    let r = private!(npy::open_read::<u8, Ix2>(&path)).unwrap();
    assert_eq!(r.shape(), &[65, 1024]);
    assert!(r.as_slice()[64 * 1024..].iter().all(|&b| b == 5));
    // A row log is preallocated too: a log bigger than the file system is refused at
    // create, and its new file is gone; the sparse constructor succeeds (the hazard is the
    // caller's). Before, `RowLog::create` succeeded and a writer died of SIGBUS later.
    let log_path = dir.join("big.log");
    let e = private!(RowLog::<[u8; 16]>::create(&log_path, 1 << 20)).unwrap_err();
    assert_eq!(errno_of(&e), Some(NOSPC), "row log create: {e}");
    assert!(!log_path.exists(), "a failed row-log create left its file");
    let sparse_log = private!(RowLog::<[u8; 16]>::create_sparse(&log_path, 1 << 20)).unwrap();
    assert_eq!(sparse_log.capacity(), 1 << 20);
    drop(sparse_log);
    std::fs::remove_file(&log_path).unwrap();
    // Sparse on request: the create succeeds, and the hazard is the caller's (a store to a
    // page the file system has no room for raises SIGBUS; see the safety contract).
    let sparse = dir.join("sparse.dat");
    let m = private!(
        Options::<u8, Ix1>::new()
            .shape([8 * MIB])
            .sparse(true)
            .create(&sparse)
    )
    .unwrap();
    assert_eq!(m.len(), 8 * MIB);
    println!("PREALLOCATE_DONE");
}

/// Under a file-size limit: growth past it is an error (`EFBIG`), and the file is unchanged.
fn file_size_limit(dir: &Path) {
    const FBIG: i32 = 27;
    let path = dir.join("a.npy");
    let mut m = private!(npy::open_read_write::<u8, Ix2>(&path)).unwrap();
    let before = snapshot(&path);
    let e = m.append(&vec![1u8; 64 * 1024]).unwrap_err();
    assert_eq!(errno_of(&e), Some(FBIG), "append: {e}");
    assert_eq!(snapshot(&path), before);
    let e = m.grow(1024).unwrap_err();
    assert_eq!(errno_of(&e), Some(FBIG), "grow: {e}");
    assert_eq!(snapshot(&path), before);
    for sparse in [false, true] {
        let raw = dir.join("a.dat");
        std::fs::write(&raw, [3u8; 100]).unwrap();
        let e = private!(
            Options::<u8, Ix1>::new()
                .shape([MIB])
                .sparse(sparse)
                .open_read_write(&raw)
        )
        .unwrap_err();
        assert_eq!(errno_of(&e), Some(FBIG), "r+ sparse={sparse}: {e}");
        assert_eq!(std::fs::read(&raw).unwrap(), [3u8; 100]);
    }
    println!("PREALLOCATE_DONE");
}

/// The name the test harness knows `child` by, which `--exact` needs.
fn child_test() -> String {
    let module = module_path!()
        .split_once("::")
        .map_or("", |(_crate, rest)| rest);
    format!("{module}::child")
}

/// Runs `scenario` in a child started by `program` with `args` before this test binary;
/// returns its standard output, or `None` if the child could not set the scenario up.
fn run_child(scenario: &str, dir: &Path, program: &str, args: &[&str]) -> Option<String> {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(program)
        .args(args)
        .arg(&exe)
        .args(["--exact", &child_test(), "--nocapture", "--test-threads=1"])
        .env(ENV_SCENARIO, scenario)
        .env(ENV_DIR, dir)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            crate::support::skip(format_args!("{program} is not installed"));
            return None;
        }
        Err(e) => panic!("{program}: {e}"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if stdout.contains(SKIP) || (!out.status.success() && program == "unshare" && stdout.is_empty())
    {
        crate::support::skip(format_args!(
            "{scenario} needs root ({})",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
        return None;
    }
    assert!(
        out.status.success() && stdout.contains("PREALLOCATE_DONE"),
        "{scenario}: the child failed ({:?}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(stdout)
}

#[test]
fn a_full_file_system_is_an_error_of_create_append_and_grow() {
    let dir = tempfile::tempdir().unwrap();
    // A private mount namespace: the tmpfs vanishes with the child, whatever happens.
    run_child(
        "full_disk",
        dir.path(),
        "unshare",
        &["--mount", "--propagation", "private"],
    );
}

#[test]
fn a_file_size_limit_is_an_error_and_leaves_the_file_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    let mut m = private!(npy::create::<u8, Ix2>(&path, [16, 1024])).unwrap();
    m.as_mut_slice().fill(4);
    m.close().unwrap();
    let before = snapshot(&path);
    // `SIGXFSZ` ignored (kept across exec), so the kernel answers EFBIG; the limit is the
    // file's size rounded up, so nothing may grow.
    let limit = format!("--fsize={}", before.len.div_ceil(4096) * 4096);
    let script = "trap '' XFSZ; exec prlimit \"$0\" -- \"$@\"";
    run_child("file_size_limit", dir.path(), "sh", &["-c", script, &limit]);
    assert_eq!(snapshot(&path), before);
}
