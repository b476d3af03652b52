//! A child made by `fork(2)` inherits its parent's row logs and the registry's entries, but
//! must not use what it inherited (the contract of file-backed logs): it opens its own log of
//! the file. The registry records the registering process id, so the inherited entry is stale
//! in the child and its `open` succeeds instead of failing with `AlreadyOpen` forever.
//!
//! The fork is real: std's `Command::pre_exec` runs a closure in the forked child before it
//! execs. So that no other thread of the forking process can hold the registry's lock (or be
//! in the middle of anything else) at the fork, the test re-executes this binary to run just
//! `forking_child`, which holds a log and forks.

use std::os::unix::process::CommandExt;
use std::process::Command;

use mmarray_std::{Error, RowLog};

use crate::support::private;

/// The file the re-executed child uses; its absence means "not the child".
const ENV_PATH: &str = "MMARRAY_FORK_PATH";

/// `EBUSY` and `EIO`, the codes the forked grandchild reports its failures with.
const EBUSY: i32 = 16;
const EIO: i32 = 5;

/// The child side: does nothing unless started by `a_forked_child_opens_its_own_log`. Holds a
/// log of the file, forks, and in the forked process (before it execs `true`) opens the file
/// again as a row log of its own and appends a row.
#[test]
fn forking_child() {
    let Some(path) = std::env::var_os(ENV_PATH) else {
        return;
    };
    // SAFETY: the file is the parent test's own; only row logs of `u64` in this process and
    // its forked child use it, and the child does not touch the inherited `log`.
    let log = unsafe { RowLog::<u64>::open(&path) }.unwrap();
    log.push(7).unwrap();
    let grandchild_path = path.clone();
    let mut command = Command::new("true");
    let in_the_forked_child = move || {
        // SAFETY: as above: the file is used only by row logs of `u64`.
        match unsafe { RowLog::<u64>::open(&grandchild_path) } {
            Ok(own) => {
                let pushed = own.push(8).is_ok() && own.committed_rows() == [7, 8];
                drop(own);
                if pushed {
                    Ok(())
                } else {
                    Err(std::io::Error::from_raw_os_error(EIO))
                }
            }
            Err(Error::AlreadyOpen { .. }) => Err(std::io::Error::from_raw_os_error(EBUSY)),
            Err(_) => Err(std::io::Error::from_raw_os_error(EIO)),
        }
    };
    // SAFETY: the closure runs in the forked child of a process whose other threads (the
    // test harness's main thread, waiting for this test) hold no lock the closure takes: this
    // binary was started to run this one test. It allocates (glibc's `fork` keeps `malloc`
    // usable in the child) and opens, uses and drops a row log of its own; it does not touch
    // the inherited `log`.
    unsafe {
        command.pre_exec(in_the_forked_child);
    }
    let status = match command.status() {
        Ok(status) => status,
        Err(e) if e.raw_os_error() == Some(EBUSY) => {
            panic!("the forked child's open was refused: the inherited entry counted")
        }
        Err(e) => panic!("the forked child failed to use its own log: {e}"),
    };
    assert!(status.success());
    // The child's row reached the shared file, and this process's log sees it.
    assert_eq!(log.committed_rows(), &[7, 8]);
    // And this process still holds the file: a second handle here is refused.
    // SAFETY: as above.
    let second = unsafe { RowLog::<u64>::open(&path) };
    assert!(matches!(second, Err(Error::AlreadyOpen { .. })));
}

#[test]
fn a_forked_child_opens_its_own_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forked.log");
    drop(private!(RowLog::<u64>::create(&path, 16)).unwrap());
    let module = module_path!()
        .split_once("::")
        .map_or("", |(_crate, rest)| rest);
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &format!("{module}::forking_child"),
            "--test-threads=1",
        ])
        .env(ENV_PATH, &path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "the child test ran"
    );
    // The children are gone.
    let log = private!(RowLog::<u64>::open(&path)).unwrap();
    assert_eq!(log.committed_rows(), &[7, 8]);
}
