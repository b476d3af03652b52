//! Running real numpy from tests: the independent reference for interop.
//!
//! The interpreter is `$MMARRAY_PYTHON` (ci/test sets it to the venv it
//! builds with a pinned numpy), else `target/venv/bin/python` of the
//! workspace. A missing numpy fails the test — a test that compares nothing must
//! not pass — unless `MMARRAY_SKIP_NUMPY=1` asks to skip the numpy comparisons
//! (never set by ci/test); a skipped test says so on its output.

#![allow(dead_code, reason = "each test binary uses its own subset")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The python that has numpy, or `None` when there is none and `MMARRAY_SKIP_NUMPY=1`
/// asks to skip; without that, a missing numpy fails the calling test.
pub fn python() -> Option<PathBuf> {
    let candidates = std::env::var_os("MMARRAY_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/venv/bin/python")]);
    for py in candidates {
        let ok = Command::new(&py)
            .args(["-c", "import numpy"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            return Some(py);
        }
    }
    let skip = std::env::var_os("MMARRAY_SKIP_NUMPY").is_some_and(|v| v == "1");
    assert!(
        skip && std::env::var_os("CI").is_none() && std::env::var_os("MMARRAY_PYTHON").is_none(),
        "no python with numpy was found: run `ci/test test` (it installs numpy into \
         target/venv), or set MMARRAY_PYTHON to a python that has numpy, or set \
         MMARRAY_SKIP_NUMPY=1 to skip the comparisons with numpy"
    );
    eprintln!("skipped: no python with numpy (MMARRAY_SKIP_NUMPY=1)");
    None
}

/// Runs `script` with `python`, returning its standard output; panics with
/// its standard error when it fails.
pub fn run(python: &PathBuf, script: &str) -> String {
    run_with_arg(python, script, None)
}

/// Runs `script` with `python` and `arg` (if any) as `sys.argv[1]`, returning its standard
/// output; panics with its standard error (and the script) when it fails.
pub fn run_with_arg(python: &PathBuf, script: &str, arg: Option<&Path>) -> String {
    let out = Command::new(python)
        .args(["-c", script])
        .args(arg)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed:\n{}\n--- script ---\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}
