//! One row-log handle per file per process: `create`, `open` and `recover` refuse a file this
//! process already holds as a row log — through any path that reaches it — with
//! `Error::AlreadyOpen`, before anything changes the file; the file is free again once the
//! handle drops, also after a constructor failed part-way; of threads racing to open one
//! file, exactly one gets it.

use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::SystemTime;

use mmarray_std::{Error, RowLog};

use crate::support::{Snapshot, private, snapshot};

/// The file's length, bytes and modification time.
fn state(path: &Path) -> (Snapshot, SystemTime) {
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    (snapshot(path), modified)
}

/// Whether `r` is the refusal of a second handle: `AlreadyOpen` naming the path it was given
/// and the path the holder was opened by.
fn refused<X>(r: mmarray_std::Result<X>, given: &Path, first: &Path) -> Error {
    let Err(err) = r else {
        panic!("{} was opened a second time", given.display());
    };
    assert!(
        matches!(&err, Error::AlreadyOpen { path: Some(p), first: f } if p == given && f == first),
        "{}: {err:?}",
        given.display()
    );
    err
}

/// Every call that would make a second handle of the file at `held` (held by a log made
/// from `first`), tried through `path`: each is refused and changes nothing in the file.
fn assert_every_call_refused(path: &Path, first: &Path, held: &Path) {
    let before = state(held);
    refused(private!(RowLog::<u64>::open(path)), path, first);
    refused(private!(RowLog::<u64>::recover(path)), path, first);
    refused(private!(RowLog::<u64>::create(path, 10)), path, first);
    refused(private!(RowLog::<u64>::create(path, 3)), path, first);
    // Another row type: refused for the same reason, not for the header.
    refused(private!(RowLog::<u32>::open(path)), path, first);
    refused(
        private!(RowLog::<[u8; 32]>::create(path, 1000)),
        path,
        first,
    );
    assert!(
        state(held) == before,
        "{}: a refused call changed the file",
        path.display()
    );
}

#[test]
fn a_second_handle_is_refused_by_every_path_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    let log = private!(RowLog::<u64>::create(&path, 10)).unwrap();
    for v in [10, 11, 12] {
        log.push(v).unwrap();
    }
    log.flush().unwrap();
    // What a second handle would write under: a live guard and a live slice of committed rows.
    let mut guard = log.claim(2).unwrap();
    guard.copy_from_slice(&[13, 14]);
    let rows = log.committed_rows();

    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let hard = dir.path().join("hard.log");
    std::fs::hard_link(&path, &hard).unwrap();
    let soft = dir.path().join("soft.log");
    std::os::unix::fs::symlink(&path, &soft).unwrap();
    let via_dir_link = dir.path().join("dir-link");
    std::os::unix::fs::symlink(dir.path(), &via_dir_link).unwrap();
    let mut paths: Vec<PathBuf> = vec![
        path.clone(),
        dir.path().join(".").join("a.log"),
        dir.path().join("sub").join("..").join("a.log"),
        hard.clone(),
        soft,
        via_dir_link.join("a.log"),
    ];
    let fd_file = std::fs::File::open(&path).unwrap();
    let proc_fd = PathBuf::from(format!("/proc/self/fd/{}", fd_file.as_raw_fd()));
    if Path::new("/proc/self/fd").is_dir() {
        paths.push(proc_fd);
    }
    for p in &paths {
        assert_every_call_refused(p, &path, &path);
    }

    // The message says what was wrong and what would be right, naming both paths.
    let err = refused(private!(RowLog::<u64>::open(&hard)), &hard, &path);
    assert_eq!(
        err.to_string(),
        format!(
            "{} is open (or being opened) as a row log in this process (opened as {}), and a second \
             handle could change rows under the first one's references; share the first \
             handle (by reference, or in an Arc), or drop it first",
            hard.display(),
            path.display()
        )
    );
    let err = refused(private!(RowLog::<u64>::open(&path)), &path, &path);
    assert!(
        err.to_string().starts_with(&format!(
            "{} is open (or being opened) as a row log in this process, and",
            path.display()
        )),
        "the same path is not named twice: {err}"
    );
    assert_eq!(
        std::io::Error::from(err).kind(),
        std::io::ErrorKind::ResourceBusy
    );

    // The first handle is untouched: its slice and its guard still hold their rows, and it
    // goes on.
    assert_eq!(rows, &[10, 11, 12]);
    assert_eq!(&guard[..], &[13, 14]);
    drop(guard);
    assert_eq!(log.committed_rows(), &[10, 11, 12, 13, 14]);
    assert_eq!(log.flush().unwrap().durable, 5);
    drop(fd_file);
    drop(log);

    // Once it is dropped, the file opens again, through any of its names.
    let again = private!(RowLog::<u64>::open(&hard)).unwrap();
    assert_eq!(again.committed_rows(), &[10, 11, 12, 13, 14]);
    // ... and is held again, now under the name it was opened by.
    assert_every_call_refused(&path, &hard, &path);
}

#[test]
fn the_file_is_free_again_when_the_handle_drops() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.log");
    let log = private!(RowLog::<u64>::create(&path, 4)).unwrap();
    log.push(1).unwrap();
    log.flush().unwrap();
    drop(log);
    let log = private!(RowLog::<u64>::open(&path)).unwrap();
    assert_eq!(log.committed_rows(), &[1]);
    assert_every_call_refused(&path, &path, &path);
    drop(log);
    let (log, _) = private!(RowLog::<u64>::recover(&path)).unwrap();
    assert_eq!(log.committed_rows(), &[1]);
    assert_every_call_refused(&path, &path, &path);
    drop(log);
    let log = private!(RowLog::<u64>::create(&path, 4)).unwrap();
    assert_eq!(log.committed(), 0, "created afresh");

    // Shared instead of opened twice: by reference across scoped threads.
    std::thread::scope(|s| {
        for i in 0..4 {
            let log = &log;
            s.spawn(move || log.push(i).unwrap());
        }
    });
    assert_eq!(log.committed(), 4);

    // Other files and anonymous logs are not affected by a held file.
    let other = private!(RowLog::<u64>::create(dir.path().join("c.log"), 4)).unwrap();
    let (anon_a, anon_b) = (
        RowLog::<u64>::anonymous(4).unwrap(),
        RowLog::<u64>::anonymous(4).unwrap(),
    );
    drop((other, anon_a, anon_b));
}

#[test]
fn a_constructor_that_fails_part_way_leaves_the_file_free() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.log");
    drop(private!(RowLog::<u64>::create(&path, 10)).unwrap());

    // Refused by the `.npy` header's descr (registered by then).
    let err = private!(RowLog::<u32>::open(&path)).unwrap_err();
    assert!(matches!(err, Error::Header { .. }), "{err:?}");
    let err = private!(RowLog::<u32>::recover(&path)).unwrap_err();
    assert!(matches!(err, Error::Header { .. }), "{err:?}");
    drop(private!(RowLog::<u64>::open(&path)).unwrap());

    // Refused for a short file after registering.
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 8)
        .unwrap();
    let err = private!(RowLog::<u64>::open(&path)).unwrap_err();
    assert!(matches!(err, Error::ClaimHeader { .. }), "{err:?}");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(300)
        .unwrap();
    let err = private!(RowLog::<u64>::open(&path)).unwrap_err();
    assert!(matches!(err, Error::DataTruncated { .. }), "{err:?}");
    // Not a row log at all.
    std::fs::write(&path, [7u8; 100]).unwrap();
    let err = private!(RowLog::<u64>::recover(&path)).unwrap_err();
    assert!(matches!(err, Error::Header { .. }), "{err:?}");
    drop(private!(RowLog::<u64>::create(&path, 10)).unwrap());

    // `create` registers before sizing the file; a log of 64 PiB (2^40 - 1 rows, the most a
    // log holds, of 64 KiB) cannot be sized (the file system's size limit) or, where it
    // can, not mapped (no address space is that large): the call fails after registering.
    type Huge = [u8; 1 << 16];
    let huge = dir.path().join("huge.log");
    let err = private!(RowLog::<Huge>::create(&huge, (1 << 40) - 1)).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(!huge.exists(), "the file it created is removed again");
    std::fs::write(&huge, b"").unwrap();
    let err = private!(RowLog::<Huge>::create(&huge, (1 << 40) - 1)).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    let log = private!(RowLog::<u8>::create(&huge, 10)).unwrap();
    log.push(9).unwrap();
    assert_eq!(log.committed_rows(), &[9]);
}

/// Runs `open` on `threads` threads at once, keeping every result until all have returned.
fn race(
    threads: usize,
    open: impl Fn(usize) -> mmarray_std::Result<RowLog<u64>> + Sync,
) -> Vec<mmarray_std::Result<RowLog<u64>>> {
    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (barrier, open) = (&barrier, &open);
                s.spawn(move || {
                    barrier.wait();
                    open(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Exactly one of `results` is a log; every other is `AlreadyOpen`. Returns the log.
fn one_winner(results: Vec<mmarray_std::Result<RowLog<u64>>>) -> RowLog<u64> {
    let mut winner = None;
    for r in results {
        match r {
            Ok(log) => assert!(winner.replace(log).is_none(), "two handles of one file"),
            Err(Error::AlreadyOpen { .. }) => {}
            Err(e) => panic!("neither a handle nor the refusal: {e:?}"),
        }
    }
    winner.expect("one thread gets the file")
}

#[test]
fn of_threads_racing_for_one_file_exactly_one_gets_it() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..100 {
        // Creating a file that does not exist yet: one thread's open creates it, and a thread
        // that loses (even the one whose open created it) must not remove it: it is the
        // winner's. (Without that rule this test fails within a few dozen rounds.)
        let path = dir.path().join(format!("race{round}.log"));
        let log = one_winner(race(6, |_| private!(RowLog::<u64>::create(&path, 100))));
        assert!(
            path.exists(),
            "round {round}: the winner's file keeps its name"
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            RowLog::<u64>::file_len(100).unwrap() as u64
        );
        log.push(round).unwrap();
        log.flush().unwrap();
        drop(log);
        if round % 5 != 0 {
            continue;
        }

        // Joining, recovering and creating an existing log at once, through two names.
        let link = dir.path().join(format!("race{round}.link"));
        std::fs::hard_link(&path, &link).unwrap();
        // The `.npy` header and the rows (every joiner rewrites its owner slot after them).
        let rows_part = |path: &Path| {
            let len = RowLog::<u64>::header_len().unwrap() + 100 * 8;
            std::fs::read(path).unwrap()[..len].to_vec()
        };
        let before = rows_part(&path);
        let log = one_winner(race(6, |i| {
            let p = if i % 2 == 0 { &path } else { &link };
            match i % 3 {
                0 => private!(RowLog::<u64>::open(p)),
                1 => private!(RowLog::<u64>::recover(p)).map(|(log, _)| log),
                _ => private!(RowLog::<u64>::create(p, 50)),
            }
        }));
        if log.capacity() == 100 {
            // An open or a recover won, and the creates were refused: nobody emptied the file
            // (and recovering a log whose rows are all durable changes no byte).
            assert_eq!(log.committed_rows(), &[round]);
            assert!(rows_part(&path) == before, "round {round}");
        } else {
            // A create won: the others were refused before touching the file, which is now
            // the new, empty log.
            assert_eq!((log.capacity(), log.committed()), (50, 0));
        }
        drop(log);
        std::fs::remove_file(&link).unwrap();
    }
}
