//! Running real numpy from tests: the independent reference for interop.
//!
//! The interpreter is `$MMARRAY_PYTHON` (ci/test sets it to the venv it
//! builds with a pinned numpy), else `target/venv/bin/python` of the
//! workspace. In CI (`CI` set), and whenever `MMARRAY_PYTHON` is set (as ci/test
//! does), a missing numpy fails the test; only a plain `cargo test` on a machine
//! without numpy skips it, saying so.

#![allow(dead_code, reason = "each test binary uses its own subset")]

use std::path::PathBuf;
use std::process::Command;

/// The python that has numpy, or `None` (outside CI) when there is none.
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
    assert!(
        std::env::var_os("CI").is_none() && std::env::var_os("MMARRAY_PYTHON").is_none(),
        "numpy is required in CI and whenever MMARRAY_PYTHON is set (ci/test sets it), \
         but no python with numpy was found"
    );
    eprintln!("skipped: no python with numpy (set MMARRAY_PYTHON)");
    None
}

/// Runs `script` with `python`, returning its standard output; panics with
/// its standard error when it fails.
pub fn run(python: &PathBuf, script: &str) -> String {
    let out = Command::new(python)
        .args(["-c", script])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed:\n{}\n--- script ---\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}
