//! OFD locks between open file descriptions of this process (which conflict like other
//! processes' would), and between real processes: a re-executed copy of this test binary
//! holds a lock, is stopped, killed, or forks a child that keeps the description.
#![allow(
    unsafe_code,
    reason = "the real-process tests fork (libc::fork) and signal (libc::kill) processes"
)]

use super::*;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

fn two_descriptions() -> (tempfile::NamedTempFile, File, File) {
    let file = tempfile::NamedTempFile::new().unwrap();
    let a = File::options()
        .read(true)
        .write(true)
        .open(file.path())
        .unwrap();
    let b = File::options()
        .read(true)
        .write(true)
        .open(file.path())
        .unwrap();
    (file, a, b)
}

#[test]
fn a_write_lock_is_seen_by_another_description_and_released_by_unlock_or_close() {
    let (_file, a, b) = two_descriptions();
    let slot = LOCKS + 1 + 3;
    assert_eq!(probe(&b, slot), Ok(false), "nobody holds it");
    assert_eq!(try_lock(&a, slot, Kind::Write), Ok(true));
    assert_eq!(probe(&b, slot), Ok(true), "a holds it");
    assert_eq!(probe(&a, slot), Ok(false), "own locks are not reported");
    assert_eq!(probe(&b, slot + 1), Ok(false), "the neighbour byte is free");
    assert_eq!(try_lock(&b, slot, Kind::Write), Ok(false));
    assert_eq!(try_lock(&b, slot, Kind::Read), Ok(false));
    assert_eq!(unlock(&a, slot), Ok(()));
    assert_eq!(probe(&b, slot), Ok(false));
    assert_eq!(try_lock(&a, slot, Kind::Write), Ok(true));
    drop(a);
    assert_eq!(
        probe(&b, slot),
        Ok(false),
        "closing the description released it"
    );
    assert_eq!(try_lock(&b, slot, Kind::Write), Ok(true));
}

/// The classic-POSIX-lock pitfall: closing *another* descriptor of the same file in this
/// process (a `std::fs::read`, a second `File`) drops a process-owned `F_SETLK` lock, but
/// not an OFD lock.
#[test]
fn closing_another_descriptor_of_the_file_keeps_the_lock() {
    let (file, a, b) = two_descriptions();
    let slot = LOCKS + 1;
    assert_eq!(try_lock(&a, slot, Kind::Write), Ok(true));
    let _ = std::fs::read(file.path()).unwrap();
    drop(File::open(file.path()).unwrap());
    assert_eq!(probe(&b, slot), Ok(true), "still held after other closes");
}

#[test]
fn a_session_write_lock_converts_to_read_and_readers_share_it() {
    let (_file, a, b) = two_descriptions();
    assert_eq!(try_lock(&a, LOCKS, Kind::Write), Ok(true));
    assert_eq!(
        try_lock(&b, LOCKS, Kind::Read),
        Ok(false),
        "write excludes read"
    );
    assert_eq!(try_lock(&a, LOCKS, Kind::Read), Ok(true), "converted");
    assert_eq!(try_lock(&b, LOCKS, Kind::Read), Ok(true), "readers share");
    assert_eq!(
        lock_wait(&b, LOCKS, Kind::Read),
        Ok(()),
        "taken already: returns"
    );
    assert_eq!(
        try_lock(&a, LOCKS, Kind::Write),
        Ok(false),
        "b reads: no write"
    );
    assert_eq!(probe(&a, LOCKS), Ok(true));
    drop(b);
    assert_eq!(try_lock(&a, LOCKS, Kind::Write), Ok(true), "alone again");
}

#[test]
fn a_waiting_reader_gets_the_lock_once_the_writer_converts() {
    let (_file, a, b) = two_descriptions();
    assert_eq!(try_lock(&a, LOCKS, Kind::Write), Ok(true));
    std::thread::scope(|s| {
        let waiter = s.spawn(|| lock_wait(&b, LOCKS, Kind::Read));
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished(), "waits while a holds the write lock");
        assert_eq!(try_lock(&a, LOCKS, Kind::Read), Ok(true));
        assert_eq!(waiter.join().unwrap(), Ok(()));
    });
}

/// The file a re-executed holder locks; its absence means "not the holder".
const ENV_PATH: &str = "MMARRAY_OFD_HOLDER_PATH";
/// Set: the holder forks a child that keeps the description, and exits.
const ENV_FORK: &str = "MMARRAY_OFD_HOLDER_FORK";
/// The byte the holder locks: slot 5's.
const SLOT: u64 = LOCKS + 1 + 5;
/// The marker before every message the holder sends on stdout.
const MARK: &str = "OFD-HOLDER ";

/// Forks a child that only waits for signals (async-signal-safe calls only, as a child of a
/// possibly multithreaded process must) and dies of `SIGALRM` after a minute should nobody
/// kill it. Returns the child's pid.
fn fork_sleeper() -> i32 {
    // SAFETY: `fork` has no memory-safety preconditions; the child below makes only
    // async-signal-safe calls (`alarm`, `pause`) and never returns into Rust code that could
    // touch state another thread of the parent held at the fork.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        // SAFETY: `alarm` is async-signal-safe and has no preconditions.
        unsafe { libc::alarm(60) };
        loop {
            // SAFETY: `pause` is async-signal-safe and has no preconditions.
            unsafe { libc::pause() };
        }
    }
    pid
}

/// Sends `signal` to process `pid`.
fn signal(pid: i32, signal: libc::c_int) {
    // SAFETY: `kill` has no memory-safety preconditions; `pid` is a process this test made.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal})");
}

/// The holder side: does nothing unless started by `holder`. Locks slot 5's byte through its
/// own description; then either says so and sleeps until killed, or forks a child that
/// inherits the description, names it, and exits (its own descriptor closed by the exit).
#[test]
fn lock_holder() {
    let Some(path) = std::env::var_os(ENV_PATH) else {
        return;
    };
    let file = File::options().read(true).write(true).open(path).unwrap();
    assert_eq!(try_lock(&file, SLOT, Kind::Write), Ok(true));
    if std::env::var_os(ENV_FORK).is_some() {
        let child = fork_sleeper();
        println!("{MARK}forked {child}");
        return;
    }
    println!("{MARK}held");
    std::thread::sleep(Duration::from_secs(60));
    panic!("the holder was not killed");
}

fn holder(path: &std::path::Path, fork: bool) -> (Child, BufReader<ChildStdout>) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "sys::ofd::tests::lock_holder", "--nocapture"])
        .args(["--test-threads=1"])
        .env(ENV_PATH, path)
        .stdout(Stdio::piped());
    if fork {
        command.env(ENV_FORK, "1");
    }
    let mut child = command.spawn().unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    (child, out)
}

fn next_message(out: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert_ne!(
            out.read_line(&mut line).unwrap(),
            0,
            "the holder said nothing"
        );
        if let Some(at) = line.find(MARK) {
            return line[at + MARK.len()..].trim().to_owned();
        }
    }
}

/// Probes until the byte is free; returns how many probes saw it held and how long it took.
/// Panics after 10 s: the kernel releases a dead process's locks at its exit.
fn probes_until_free(file: &File) -> (u32, Duration) {
    let start = Instant::now();
    let mut held = 0;
    while probe(file, SLOT).unwrap() {
        held += 1;
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still held after 10 s"
        );
        std::thread::yield_now();
    }
    (held, start.elapsed())
}

#[test]
fn a_live_holder_is_held_stopped_or_not_and_free_once_killed() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let (mut child, mut out) = holder(file.path(), false);
    assert_eq!(next_message(&mut out), "held");
    // Probing needs only a readable description; a write lock needs a writable one.
    let me = File::options()
        .read(true)
        .write(true)
        .open(file.path())
        .unwrap();
    assert_eq!(probe(&me, SLOT), Ok(true));
    let pid = i32::try_from(child.id()).unwrap();
    signal(pid, libc::SIGSTOP);
    for _ in 0..100 {
        assert_eq!(probe(&me, SLOT), Ok(true), "a stopped process is alive");
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(probe(&me, SLOT), Ok(true));
    signal(pid, libc::SIGCONT);
    assert_eq!(probe(&me, SLOT), Ok(true));
    child.kill().unwrap(); // SIGKILL
    let (held, took) = probes_until_free(&me);
    eprintln!("SIGKILL to free: {took:?}, {held} probes saw it held");
    assert!(!child.wait().unwrap().success());
    assert_eq!(probe(&me, SLOT), Ok(false));
    assert_eq!(
        try_lock(&me, SLOT, Kind::Write),
        Ok(true),
        "the slot can be taken"
    );
}

/// A child forked by the holder shares its open file description: the holder's exit does not
/// release the lock (its slot looks alive: the safe direction), the child's death does.
#[test]
fn a_forked_child_keeps_the_description_and_its_lock() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let (mut parent, mut out) = holder(file.path(), true);
    let message = next_message(&mut out);
    let forked: i32 = message.strip_prefix("forked ").unwrap().parse().unwrap();
    assert!(parent.wait().unwrap().success(), "the holder exited");
    let me = File::open(file.path()).unwrap();
    assert_eq!(probe(&me, SLOT), Ok(true), "the forked child holds it");
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(probe(&me, SLOT), Ok(true));
    signal(forked, libc::SIGKILL);
    let _ = probes_until_free(&me);
    assert_eq!(probe(&me, SLOT), Ok(false));
}
