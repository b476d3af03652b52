//! A `.npy` append that a kill cannot tear: a child process (this test binary, re-executed)
//! appends self-checking rows to a `.npy` in a loop — small rows and rows longer than a
//! page, one row per append and many — and the parent kills it with SIGKILL at a random
//! moment. After every kill the file must load, with this crate and with real numpy, as an
//! array whose every row is the row written at that index: the header never names a row
//! that was not written (an unwritten row reads as zeros, which no written row is).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use mmarray_std::{Ix2, npy};

use crate::support::numpy;
use crate::support::rows::mix;

/// The file a child appends to; its absence means "not a child".
const ENV_PATH: &str = "MMARRAY_KILLED_APPEND_PATH";
/// The seed that picks the child's row width and batch sizes.
const ENV_SEED: &str = "MMARRAY_KILLED_APPEND_SEED";
/// The marker before the child's one message on stdout.
const MARK: &str = "KILLED_APPEND ";
/// A child stops appending (and waits to be killed) once its data reaches this size.
const MAX_DATA: u64 = 4 << 20;

/// Element `j` of row `i`: never zero, different in every row and column.
fn value(i: u64, j: u64) -> u64 {
    i * 1_000_003 + j + 1
}

/// The row width (elements of 8 bytes) and the largest batch of iteration `seed`: small
/// rows, rows longer than a page (so a row straddles pages), one row per append or many.
fn plan(seed: u64) -> (u64, u64) {
    let width = [1, 3, 1025][usize::try_from(mix(seed) % 3).unwrap()];
    let batch = if mix(seed ^ 0xBA7C).is_multiple_of(2) {
        1
    } else {
        64
    };
    (width, batch)
}

/// The child side: does nothing unless started by `spawn_child`.
#[test]
fn child_appender() {
    let Some(path) = std::env::var_os(ENV_PATH) else {
        return;
    };
    let seed: u64 = std::env::var(ENV_SEED).unwrap().parse().unwrap();
    let (width, max_batch) = plan(seed);
    // SAFETY: the file belongs to the parent test, which neither maps nor writes it while
    // this child lives; this map is its only user.
    let mut m = unsafe { npy::open_read_write::<u64, Ix2>(&path) }.unwrap();
    assert_eq!(m.shape()[1], usize::try_from(width).unwrap());
    let mut out = std::io::stdout().lock();
    writeln!(out, "{MARK}ready").unwrap();
    out.flush().unwrap();
    let mut rows = Vec::new();
    let mut k = 0u64;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let n = u64::try_from(m.shape()[0]).unwrap();
        if n * width * 8 >= MAX_DATA {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        let batch = mix(seed.wrapping_add(k)) % max_batch + 1;
        k += 1;
        rows.clear();
        rows.extend((n..n + batch).flat_map(|i| (0..width).map(move |j| value(i, j))));
        m.append(&rows).unwrap();
    }
    panic!("the appender was not killed within 30 s");
}

/// The name the test harness knows `child_appender` by (`killed_append::child_appender`),
/// which `--exact` needs.
fn child_test() -> String {
    let module = module_path!()
        .split_once("::")
        .map_or("", |(_crate, rest)| rest);
    format!("{module}::child_appender")
}

fn spawn_child(path: &Path, seed: u64) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &child_test(), "--nocapture", "--test-threads=1"])
        .env(ENV_PATH, path)
        .env(ENV_SEED, seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    (child, out)
}

/// Waits for the child's `ready`.
fn wait_ready(out: &mut BufReader<ChildStdout>) {
    let mut line = String::new();
    loop {
        line.clear();
        assert_ne!(
            out.read_line(&mut line).unwrap(),
            0,
            "the child ended before it was ready"
        );
        if line.contains(&format!("{MARK}ready")) {
            return;
        }
    }
}

/// The rows this crate reads from the file, after checking each against [`value`].
fn rows_by_library(path: &Path, width: u64, what: &str) -> usize {
    // SAFETY: the child that wrote the file is dead; nothing else uses the file.
    let m = unsafe { npy::open_read::<u64, Ix2>(path) }
        .unwrap_or_else(|e| panic!("{what}: the library cannot open the file: {e}"));
    assert_eq!(m.shape()[1], usize::try_from(width).unwrap(), "{what}");
    for (k, &v) in m.as_slice().iter().enumerate() {
        let (i, j) = (
            u64::try_from(k).unwrap() / width,
            u64::try_from(k).unwrap() % width,
        );
        assert_eq!(
            v,
            value(i, j),
            "{what}: row {i} of {} holds {v} at column {j}, not what was written \
             (0: the header names a row that was never written)",
            m.shape()[0]
        );
    }
    m.shape()[0]
}

/// A python process with numpy that checks files on request: for each line
/// `path width` it loads the file (both `np.load` and `mmap_mode='r'`), compares every row
/// with [`value`] and answers `rows ok` or `rows bad ...`.
struct NumpyChecker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

const CHECKER: &str = "\
import sys
import numpy as np
for line in sys.stdin:
    path, width = line.split()
    width = int(width)
    try:
        for a in (np.load(path), np.load(path, mmap_mode='r')):
            n = a.shape[0]
            want = (np.arange(n, dtype=np.uint64)[:, None] * np.uint64(1000003)
                    + np.arange(width, dtype=np.uint64)[None, :] + np.uint64(1))
            if a.dtype != np.dtype('<u8') or a.shape != (n, width) or not np.array_equal(a, want):
                bad = [i for i in range(n) if not np.array_equal(a[i], want[i])][:3]
                print(n, 'bad', a.dtype, a.shape, 'rows', bad, flush=True)
                break
        else:
            print(n, 'ok', flush=True)
    except Exception as e:
        print(-1, 'bad', repr(e).replace(chr(10), ' '), flush=True)
";

impl NumpyChecker {
    fn start(python: &Path) -> Self {
        let mut child = Command::new(python)
            .args(["-c", CHECKER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    /// numpy's row count of the file, after checking every row.
    fn rows(&mut self, path: &Path, width: u64, what: &str) -> usize {
        writeln!(self.stdin, "{} {width}", path.to_str().unwrap()).unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let mut words = line.split_whitespace();
        let n: i64 = words.next().unwrap().parse().unwrap();
        assert_eq!(words.next(), Some("ok"), "{what}: numpy says {line}");
        usize::try_from(n).unwrap()
    }
}

impl Drop for NumpyChecker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_killed_append_never_leaves_a_header_naming_unwritten_rows() {
    let mut checker = numpy::python().map(|py| NumpyChecker::start(&py));
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (mut kills, mut grown) = (0u32, 0u32);
    for seed in 0..400u64 {
        if started.elapsed() > Duration::from_secs(15) && kills >= 100 {
            break;
        }
        let (width, batch) = plan(seed);
        let what = format!("kill {seed} (rows of {width} u64, up to {batch} per append)");
        let path = dir.path().join(format!("k{seed}.npy"));
        // An empty array, or a few rows already there.
        let first = mix(seed ^ 0xF1) % 3;
        {
            let shape = [
                usize::try_from(first).unwrap(),
                usize::try_from(width).unwrap(),
            ];
            // SAFETY: the file is new in this test's own directory; the child opens it only
            // after this map is closed.
            let mut m = unsafe { npy::create::<u64, Ix2>(&path, shape) }.unwrap();
            for (k, v) in m.as_mut_slice().iter_mut().enumerate() {
                let k = u64::try_from(k).unwrap();
                *v = value(k / width, k % width);
            }
            m.close().unwrap();
        }
        let (mut child, mut out) = spawn_child(&path, seed);
        wait_ready(&mut out);
        // Up to 4 ms of appending: many appends, killed at an arbitrary step of one.
        std::thread::sleep(Duration::from_micros(mix(seed ^ 0x51EE) % 4000));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "{what}: the child was not killed");
        kills += 1;
        let ours = rows_by_library(&path, width, &what);
        if ours > usize::try_from(first).unwrap() {
            grown += 1;
        }
        if let Some(c) = checker.as_mut() {
            assert_eq!(
                c.rows(&path, width, &what),
                ours,
                "{what}: numpy's row count"
            );
        }
        std::fs::remove_file(&path).unwrap();
    }
    assert!(kills >= 100, "only {kills} kills in the time allowed");
    // The kills landed while appending, not all before the first append.
    assert!(grown * 4 >= kills, "only {grown} of {kills} files grew");
    eprintln!("{kills} kills, {grown} files grew, {:?}", started.elapsed());
}
