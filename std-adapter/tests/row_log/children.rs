//! Child processes for the liveness tests: this test binary, re-executed to run just
//! [`child`], which plays the role named in its environment. Parents spawn them with
//! [`spawn`], read their messages with [`Child::next`] and signal them with [`signal`].

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{ChildStdin, ChildStdout, Command, Stdio};

use mmarray_std::RowLog;

use crate::support::rows::Row;

/// The file a child joins; its absence means "not a child".
const ENV_PATH: &str = "MMARRAY_LIVE_PATH";
/// The child's role.
const ENV_ROLE: &str = "MMARRAY_LIVE_ROLE";
/// Set: the `hold` child forks a sleeper that inherits its descriptors.
const ENV_FORK: &str = "MMARRAY_LIVE_FORK";
/// Rows the `hold` child claims and holds.
pub const HOLD: u64 = 5;
/// The marker before every message a child sends its parent on stdout.
const MARK: &str = "LIVE ";

fn say(message: &str) {
    crate::support::messages::say(MARK, message);
}

/// The next line the parent sends, or `None` at end of input (the parent closed it or died).
fn hear() -> Option<String> {
    let mut line = String::new();
    match std::io::stdin().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim().to_owned()),
    }
}

/// Forks a child that only waits for signals (async-signal-safe calls only) and dies of
/// `SIGALRM` after a minute should nobody kill it; it inherits every descriptor of this
/// process, the row log's among them. Returns its pid.
#[allow(unsafe_code, reason = "fork(2) and the calls its child may make")]
fn fork_sleeper() -> i32 {
    // SAFETY: `fork` has no memory-safety preconditions. The child makes only
    // async-signal-safe calls (`alarm`, `pause`) and never returns into Rust code, so no lock
    // or state another thread held at the fork is touched; it uses nothing it inherited.
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

/// Sends `signal` (`libc::SIGSTOP`, ...) to process `pid`.
#[allow(unsafe_code, reason = "kill(2)")]
pub fn signal(pid: u32, signal: libc::c_int) {
    let pid = i32::try_from(pid).unwrap();
    // SAFETY: `kill` has no memory-safety preconditions; `pid` is a process this test made.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal})");
}

/// The child side: does nothing unless started by [`spawn`].
///
/// - `hold`: joins the log, commits one row, claims [`HOLD`] rows and writes them, reads the
///   whole file through another descriptor (which would drop a classic POSIX lock), says
///   `holding <start> <end>` (after `forked <pid>` with [`ENV_FORK`]); then commits on
///   `commit` (saying `committed`), and exits at the end of its input.
/// - `join`: joins the log, says `joined`, and exits at the end of its input.
/// - `read`: joins the log and reads it ([`read`]: committed rows, valid rows, a flush),
///   saying `read <committed> <valid> <durable>`; then, for each line of its input, `read`
///   again, or `claim` one row (`claimed <row>`, or `refused <error>`); exits at the end of
///   its input.
#[test]
fn child() {
    let Some(path) = std::env::var_os(ENV_PATH) else {
        return;
    };
    // SAFETY: only row logs of `Row`, in the parent test and its children, use the file.
    let log = unsafe { RowLog::<Row>::open(&path) }.unwrap();
    match std::env::var(ENV_ROLE).unwrap().as_str() {
        "hold" => {
            let at = log.push(Row::new(log.claimed(), 99, 0)).unwrap();
            let mut held = log.claim(HOLD).unwrap();
            let rows = held.rows();
            for (i, slot) in held.iter_mut().enumerate() {
                *slot = Row::new(rows.start + i as u64, 99, at + 1 + i as u64);
            }
            // Closing another descriptor of the file drops classic POSIX locks, not ours.
            drop(std::fs::read(&path).unwrap());
            if std::env::var_os(ENV_FORK).is_some() {
                say(&format!("forked {}", fork_sleeper()));
            }
            say(&format!("holding {} {}", rows.start, rows.end));
            match hear().as_deref() {
                Some("commit") => {
                    held.commit();
                    say("committed");
                    while hear().is_some() {}
                }
                // The parent is gone: leave the rows to the liveness protocol.
                _ => std::mem::forget(held),
            }
        }
        "join" => {
            say("joined");
            while hear().is_some() {}
        }
        "read" => {
            say(&read(&log));
            while let Some(line) = hear() {
                let message = match line.as_str() {
                    "read" => read(&log),
                    "claim" => match log.claim(1) {
                        Ok(mut rows) => {
                            let at = rows.rows().start;
                            rows.copy_from_slice(&[Row::new(at, 7, 0)]);
                            rows.commit();
                            format!("claimed {at}")
                        }
                        Err(e) => format!("refused {e}"),
                    },
                    other => panic!("unknown command {other}"),
                };
                say(&message);
            }
        }
        role => panic!("unknown role {role}"),
    }
}

/// What a `read` child reports: `read <committed> <valid> <durable>`, from
/// `committed_rows` (each row whole or zero), `valid_rows` and a `flush`.
fn read(log: &RowLog<Row>) -> String {
    let rows = log.committed_rows();
    for (position, row) in rows.iter().enumerate() {
        assert!(row.is_valid_at(position as u64), "row {position}: {row:?}");
    }
    let valid = log.valid_rows().count();
    let durable = log.flush().unwrap().durable;
    format!("read {} {valid} {durable}", rows.len())
}

/// A running child.
pub struct Child {
    pub process: std::process::Child,
    out: BufReader<ChildStdout>,
    input: Option<ChildStdin>,
}

impl Child {
    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// The child's next message.
    pub fn next(&mut self) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            assert_ne!(
                self.out.read_line(&mut line).unwrap(),
                0,
                "the child ended before saying anything"
            );
            if let Some(message) = crate::support::messages::heard(&line, MARK) {
                return message.to_owned();
            }
        }
    }

    /// Sends the child a line.
    pub fn tell(&mut self, line: &str) {
        let input = self.input.as_mut().unwrap();
        writeln!(input, "{line}").unwrap();
        input.flush().unwrap();
    }

    /// Closes the child's input (it exits) and waits for it.
    pub fn finish(mut self) {
        drop(self.input.take());
        assert!(self.process.wait().unwrap().success());
    }

    /// SIGKILLs the child and waits for it.
    pub fn kill(mut self) {
        self.process.kill().unwrap();
        let _ = self.process.wait().unwrap();
    }
}

/// The name the test harness knows [`child`] by (`--exact` needs its full path).
fn child_test() -> String {
    let module = module_path!()
        .split_once("::")
        .map_or("", |(_crate, rest)| rest);
    format!("{module}::child")
}

/// Starts a child in `role` on the log at `path`; `fork` asks the `hold` child to fork a
/// sleeper that keeps its descriptors.
pub fn spawn(path: &Path, role: &str, fork: bool) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", &child_test(), "--nocapture", "--test-threads=1"])
        .env(ENV_PATH, path)
        .env(ENV_ROLE, role)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    if fork {
        command.env(ENV_FORK, "1");
    }
    let mut process = command.spawn().unwrap();
    let out = BufReader::new(process.stdout.take().unwrap());
    let input = process.stdin.take();
    Child {
        process,
        out,
        input,
    }
}

/// The rows of a `holding <start> <end>` message.
pub fn holding(message: &str) -> std::ops::Range<u64> {
    let numbers: Vec<u64> = message
        .strip_prefix("holding ")
        .unwrap_or_else(|| panic!("not a holding message: {message}"))
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    numbers[0]..numbers[1]
}
