//! `durable(true)`: creating a file syncs it and then its directory (where its name lives),
//! and an append syncs the rows before the header names them, then the header. A power loss
//! cannot be staged in a test, so the child process (this test binary, re-executed) runs
//! under `strace`, and the test reads the order of `pwrite`, `fsync` and `fdatasync` calls
//! from the trace (skipped, saying so, where `strace` is missing or may not trace).

use std::path::Path;
use std::process::Command;

use mmarray_std::{Ix1, Ix2, Options, npy};

use crate::support::private;

/// The directory the child works in; its absence means "not a child".
const ENV_DIR: &str = "MMARRAY_DURABLE_DIR";

/// The child side: does nothing unless started by the test below.
#[test]
fn child_durable() {
    let Some(dir) = std::env::var_os(ENV_DIR) else {
        return;
    };
    let dir = Path::new(&dir);
    // Not durable: nothing is synced until the drop flushes what this map changed.
    let mut m = private!(npy::create::<u64, Ix2>(dir.join("plain.npy"), [2, 3])).unwrap();
    m.append(&[1, 2, 3]).unwrap();
    drop(m);
    // Durable.
    let mut m = private!(
        npy::Options::<u64, Ix2>::new()
            .shape([2, 3])
            .durable(true)
            .create(dir.join("d.npy"))
    )
    .unwrap();
    m.as_mut_slice().copy_from_slice(&[1, 2, 3, 4, 5, 6]);
    m.append(&[7, 8, 9]).unwrap();
    drop(m);
    let m = private!(
        Options::<u8, Ix1>::new()
            .shape([100])
            .durable(true)
            .create(dir.join("r.dat"))
    )
    .unwrap();
    drop(m);
}

/// One traced call: its name, the path of its descriptor, and (for `pwrite64`) the offset.
#[derive(Debug, PartialEq, Eq)]
struct Call {
    name: String,
    path: String,
    offset: Option<u64>,
}

/// The calls of an `strace -f -y` trace, in order.
fn calls(trace: &str) -> Vec<Call> {
    trace
        .lines()
        .filter_map(|line| {
            // `PID name(FD</path>, ...) = RESULT`
            let rest = line
                .split_once(' ')
                .map_or(line, |(_pid, r)| r)
                .trim_start();
            let (name, args) = rest.split_once('(')?;
            let path = args.split_once('<')?.1.split_once('>')?.0.to_owned();
            let offset = if name == "pwrite64" {
                let (call, _) = args.rsplit_once(") =")?;
                Some(call.rsplit_once(", ")?.1.trim().parse().ok()?)
            } else {
                None
            };
            Some(Call {
                name: name.to_owned(),
                path,
                offset,
            })
        })
        .collect()
}

#[test]
fn durable_syncs_the_new_file_its_directory_and_appended_rows_before_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().canonicalize().unwrap();
    let trace = dir_path.join("trace.txt");
    let exe = std::env::current_exe().unwrap();
    let module = module_path!()
        .split_once("::")
        .map_or("", |(_crate, rest)| rest);
    let out = Command::new("strace")
        .args([
            "-f",
            "-y",
            "-qq",
            "-e",
            "trace=pwrite64,fsync,fdatasync",
            "-o",
        ])
        .arg(&trace)
        .arg(&exe)
        .args([
            "--exact",
            &format!("{module}::child_durable"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV_DIR, &dir_path)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            crate::support::skip(format_args!("strace cannot run here: {e}"));
            return;
        }
    };
    if !out.status.success() && !trace.exists() {
        crate::support::skip(format_args!(
            "strace may not trace here: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
        return;
    }
    assert!(
        out.status.success(),
        "the child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = calls(&std::fs::read_to_string(&trace).unwrap());
    let of = |name: &str| -> Vec<(&str, Option<u64>)> {
        let file = dir_path.join(name).to_string_lossy().into_owned();
        let d = dir_path.to_string_lossy().into_owned();
        all.iter()
            .filter(|c| c.path == file || (c.path == d && c.name == "fsync"))
            .map(|c| {
                let what = match (c.name.as_str(), c.path == d) {
                    (_, true) => "fsync dir",
                    ("fsync", _) => "fsync",
                    ("fdatasync", _) => "fdatasync",
                    _ => "pwrite",
                };
                (what, c.offset)
            })
            .collect()
    };
    // Not durable: the writes, and only the drop's flush of the rows appended through the
    // file (fdatasync), after the header: no sync orders rows before the header.
    let plain: Vec<&str> = of("plain.npy")
        .into_iter()
        .map(|(w, _)| w)
        .filter(|w| *w != "fsync dir")
        .collect();
    assert_eq!(
        plain,
        ["pwrite", "pwrite", "pwrite", "fdatasync"],
        "{:?}",
        of("plain.npy")
    );
    // Durable `.npy`: the header, the file synced, its directory synced; then the append:
    // the row (at the end of the 2 x 3 data), synced, the header's shape, synced.
    let hlen = 128;
    let d = of("d.npy");
    let first_dir = d
        .iter()
        .position(|c| c.0 == "fsync dir")
        .expect("a directory fsync");
    let d: Vec<_> = d[..=first_dir]
        .iter()
        .chain(d[first_dir + 1..].iter().filter(|c| c.0 != "fsync dir"))
        .copied()
        .collect();
    assert_eq!(
        d,
        [
            ("pwrite", Some(0)),
            ("fsync", None),
            ("fsync dir", None),
            ("pwrite", Some(hlen + 48)),
            ("fdatasync", None),
            ("pwrite", d.get(5).and_then(|c| c.1).filter(|&o| o < hlen)),
            ("fdatasync", None),
        ],
        "{d:?}"
    );
    // A durable raw create: the file, then its directory.
    let r = of("r.dat");
    let r: Vec<&str> = r.iter().map(|c| c.0).collect();
    let at = r
        .iter()
        .position(|&w| w == "fsync")
        .expect("the file synced");
    assert_eq!(r.get(at + 1), Some(&"fsync dir"), "{r:?}");
}
