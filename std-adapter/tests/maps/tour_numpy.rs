//! The tour (the main job) prints every array exactly as numpy does at the
//! same step of numpy.memmap's docstring: the example binary's output is
//! compared with real numpy running those steps.

use crate::support::numpy;

use std::path::PathBuf;
use std::process::Command;

/// The tour binary `cargo test` built beside this test (target/<profile>/examples/tour).
fn tour_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    profile_dir.join("examples").join("tour")
}

/// The `memmap(...)` blocks of a printout, in order.
fn reprs(out: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in out.lines() {
        if let Some(block) = current.as_mut() {
            block.push('\n');
            block.push_str(line);
        } else if line.starts_with("memmap(") {
            current = Some(line.to_string());
        }
        if current.as_ref().is_some_and(|b| b.ends_with(')')) {
            blocks.extend(current.take());
        }
    }
    blocks
}

const DOCSTRING: &str = r#"
import numpy as np, os, sys, tempfile
data = np.arange(12, dtype='float32'); data.resize((3,4))
filename = os.path.join(tempfile.mkdtemp(), 'newfile.dat')
fp = np.memmap(filename, dtype='float32', mode='w+', shape=(3,4)); print(repr(fp))
fp[:] = data[:]; print(repr(fp))
del fp
newfp = np.memmap(filename, dtype='float32', mode='r', shape=(3,4)); print(repr(newfp))
fpr = np.memmap(filename, dtype='float32', mode='r', shape=(3,4))
fpc = np.memmap(filename, dtype='float32', mode='c', shape=(3,4)); print(repr(fpc))
fpc[0,:] = 0; print(repr(fpc))
print(repr(fpr))
fpo = np.memmap(filename, dtype='float32', mode='r', offset=16); print(repr(fpo))
"#;

#[test]
fn the_tour_prints_what_numpy_prints() {
    let bin = tour_binary();
    assert!(
        bin.exists(),
        "the tour example was not built at {}",
        bin.display()
    );
    let out = Command::new(&bin).output().expect("run the tour");
    assert!(
        out.status.success(),
        "the tour failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = reprs(&String::from_utf8(out.stdout).expect("utf-8"));
    assert_eq!(ours.len(), 7, "the tour prints seven arrays: {ours:#?}");
    let Some(py) = numpy::python() else { return };
    let theirs = reprs(&numpy::run(&py, DOCSTRING));
    assert_eq!(ours, theirs);
}
