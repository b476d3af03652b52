//! Helpers shared by every adapter test binary (`maps`, `npy`, `npz`, `row_log`), each of
//! which includes this module with `#[path = "../support/mod.rs"] mod support;`:
//! opening a test's own files ([`private!`]), files with recognisable bytes ([`patterned_file`]),
//! hand-made `.npy` files ([`npy_file`]), snapshots of a file, element decoding, running real
//! numpy ([`numpy`]) and the self-checking row of the row-log tests ([`rows`]).
#![allow(
    dead_code,
    unused_imports,
    reason = "each test binary uses a different subset"
)]

pub mod messages;
pub mod numpy;
pub mod rows;

use std::path::{Path, PathBuf};

/// Evaluates `$open` — one call that opens, creates or maps a file the test made in its
/// own temporary directory (`Options::open_*`/`create`/`map_*`, `npy::open_*`/`create`,
/// `Archive::map_*`, `RowLog::create`/`open`/`recover`) — as `unsafe`, with the safety
/// argument below stated once for every test.
///
/// Use it for nothing else: a call with another contract (`RowLog::force_complete`, a device
/// file, a file shared with child processes, two maps that overlap) keeps its own `unsafe`
/// block and its own `// SAFETY:` argument.
macro_rules! private {
    ($open:expr) => {{
        // SAFETY: the file lives in a `tempfile` directory the test created (or is a path in
        // it that does not exist), so no other process or test knows the path. The test never
        // truncates the file while a map of it is alive, and changes its bytes only through
        // the maps it opened (a row log's file only through row logs of the same type) or,
        // between accesses to a map, through another map or `std::fs`: no reference into a
        // map is alive while the bytes under it change. That is the contract of every
        // file-backed constructor (`Memmap`'s and `RowLog`'s "safety contract").
        unsafe { $open }
    }};
}
pub(crate) use private;

/// The system page size.
pub fn page() -> usize {
    rustix::param::page_size()
}

/// Bytes that differ from their neighbours and from zero fill (never 0), so
/// misplaced reads and unwanted zeroing both show.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 31 + 7) % 251 + 1).unwrap())
        .collect()
}

/// Writes `len` bytes of [`pattern`] to `a.dat` inside `dir`; returns the path and the bytes.
pub fn patterned_file(dir: &Path, len: usize) -> (PathBuf, Vec<u8>) {
    let bytes = pattern(len);
    let path = file_with(dir, "a.dat", &bytes);
    (path, bytes)
}

/// Writes `bytes` to `name` inside `dir` and returns the path.
pub fn file_with(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A hand-made `.npy` file: format `major`.0 with header text `text`, padded as numpy pads
/// it (spaces, then a newline, to a multiple of 64 bytes), followed by 64 bytes of data.
/// Written independently of the library's own header code, so it can be malformed at will.
pub fn npy_file(major: u8, text: &[u8]) -> Vec<u8> {
    let pre = if major == 1 { 10 } else { 12 };
    let mut t = text.to_vec();
    while !(pre + t.len() + 1).is_multiple_of(64) {
        t.push(b' ');
    }
    t.push(b'\n');
    let mut f = b"\x93NUMPY".to_vec();
    f.extend([major, 0]);
    if major == 1 {
        f.extend(u16::try_from(t.len()).unwrap().to_le_bytes());
    } else {
        f.extend(u32::try_from(t.len()).unwrap().to_le_bytes());
    }
    f.extend(t);
    f.extend([0u8; 64]);
    f
}

/// `n` as a `u64` (lengths in tests are small).
pub fn u64_of(n: usize) -> u64 {
    u64::try_from(n).unwrap()
}

/// A file's length and bytes, for before/after comparisons.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The length from the file's metadata.
    pub len: u64,
    /// The bytes read with `std::fs::read`.
    pub bytes: Vec<u8>,
}

/// The file's length and bytes right now.
pub fn snapshot(path: &Path) -> Snapshot {
    Snapshot {
        len: std::fs::metadata(path).unwrap().len(),
        bytes: std::fs::read(path).unwrap(),
    }
}

/// The native-endian `f32` stored at byte `at` of `bytes`.
pub fn f32_at(bytes: &[u8], at: usize) -> f32 {
    f32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// The native-endian `u32` stored at byte `at` of `bytes`.
pub fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// The native-endian `u16` stored at byte `at` of `bytes`.
pub fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes(bytes[at..at + 2].try_into().unwrap())
}

/// The native-endian `u64` stored at byte `at` of `bytes`.
pub fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap())
}

/// The bytes of `values`, native-endian, one after another (what a file
/// holding them in memory order contains).
pub fn u32_bytes(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_ne_bytes()).collect()
}

/// Skips the rest of a test that needs something this machine lacks (a tool, root), saying
/// so — except in CI (`CI` set, as on the project's CI machines, which have every such
/// tool and run as root), where a test that checks nothing must fail instead.
pub fn skip(reason: std::fmt::Arguments<'_>) {
    assert!(
        std::env::var_os("CI").is_none(),
        "in CI every test must run, but this one would be skipped: {reason}"
    );
    eprintln!("skipped: {reason}");
}

/// Runs the test `name` of this test binary again, in a child under `sh` with `ulimit -f 64`
/// (32 or 64 KiB, by the shell's unit) and `SIGXFSZ` ignored (an ignored signal stays ignored
/// across `exec`), so that writes past the limit fail with `EFBIG` in the child only; `var`
/// is set to `path` to make the test run its child part. Asserts that the child ran exactly
/// that test and that it passed.
pub fn rerun_under_file_size_limit(name: &str, var: &str, path: &Path) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 64 && trap '' XFSZ && exec \"$0\" \"$@\"")
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(var, path)
        .output()
        .expect("sh runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{text}");
    assert!(text.contains("1 passed"), "the child ran the test:\n{text}");
}
