//! Writers killed at random points, many times over (issue 12 §1): three writer processes
//! append checksummed rows (claims and a buffered writer, publishing at random points and
//! reporting every committed end) and are killed with `SIGKILL` at random delays; then a
//! fresh `open` (alone: its session start closes every hole) must show every reported commit
//! exactly once, valid; no torn row valid (the checksum); `claimed == committed`. Each
//! iteration runs two rounds on the same file, so holes of the first round stay void under
//! the second's rows.
//!
//! 30 iterations by default; `MMARRAY_KILL_ITERS=10000` for a soak.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use mmarray_std::RowLog;

use crate::support::private;
use crate::support::rows::mix;

/// The file a writer child joins; its absence means "not a child".
const ENV_PATH: &str = "MMARRAY_KILLS_PATH";
/// The child's writer id and its seed.
const ENV_ID: &str = "MMARRAY_KILLS_ID";
const ENV_SEED: &str = "MMARRAY_KILLS_SEED";
/// Writers per round.
const WRITERS: u64 = 3;
/// Rows a writer appends at most per round.
const MAX_ROWS: u64 = 20_000;
/// The marker before every message a child sends its parent on stdout.
const MARK: &str = "KILLS ";

fn say(message: &str) {
    crate::support::messages::say(MARK, message);
}

mmarray_std::record! {
    /// A row that checks itself: a torn row (some words of a writer's, some zeros or another
    /// row's) fails the checksum, and an all-zero (void) row is never valid.
    #[derive(PartialEq, Eq)]
    struct Checked {
        writer: u64,
        seq: u64,
        payload: u64,
        check: u64,
    }
}

impl Checked {
    const ZERO: Checked = Checked {
        writer: 0,
        seq: 0,
        payload: 0,
        check: 0,
    };

    fn new(writer: u64, seq: u64) -> Self {
        let payload = mix(writer << 40 ^ seq);
        Checked {
            writer,
            seq,
            payload,
            check: mix(payload ^ writer.rotate_left(7) ^ seq.rotate_left(29)) | 1,
        }
    }

    fn is_valid(&self) -> bool {
        *self == Self::new(self.writer, self.seq)
    }
}

/// The writer side: does nothing unless started by the test. Appends rows `seq = 0..` of its
/// writer id, alternating at random between a buffered writer (random chunk, published after
/// a random number of rows) and claims of 1..=40 rows, and says `committed <end>` whenever
/// every row below `end` is committed. Stops when the log is full, and waits to be killed.
#[test]
fn random_child() {
    let Some(path) = std::env::var_os(ENV_PATH) else {
        return;
    };
    let id: u64 = std::env::var(ENV_ID).unwrap().parse().unwrap();
    let mut rng: u64 = std::env::var(ENV_SEED).unwrap().parse().unwrap();
    let mut next = |n: u64| {
        rng = mix(rng.wrapping_add(0x9e37_79b9_7f4a_7c15));
        rng % n
    };
    // SAFETY: only row logs of `Checked`, in the parent test and its children, use the file.
    let log = unsafe { RowLog::<Checked>::open(&path) }.unwrap();
    say("ready");
    let mut seq = 0;
    let mut full = false;
    while seq < MAX_ROWS && !full {
        if next(2) == 0 {
            let mut w = log.writer(1 + next(64));
            for _ in 0..1 + next(500) {
                if w.push(Checked::new(id, seq)).is_err() {
                    full = true;
                    break;
                }
                seq += 1;
            }
            w.publish();
            drop(w); // gives the unused rest of its chunk back (or abandons it)
        } else {
            let Ok(mut rows) = log.claim(1 + next(40)) else {
                break;
            };
            for row in rows.iter_mut() {
                *row = Checked::new(id, seq);
                seq += 1;
            }
            rows.commit();
        }
        say(&format!("committed {seq}"));
        // Pacing: a round lasts long enough (tens of ms) for the kills to land mid-write.
        std::thread::sleep(Duration::from_micros(50));
    }
    std::thread::sleep(Duration::from_secs(60));
}

fn spawn(path: &Path, id: u64, seed: u64) -> std::process::Child {
    let module = module_path!()
        .split_once("::")
        .map_or("", |(_crate, rest)| rest);
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &format!("{module}::random_child"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV_PATH, path)
        .env(ENV_ID, id.to_string())
        .env(ENV_SEED, seed.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs one round: starts the writers, kills each at a random delay after it is ready, and
/// returns every writer's last reported committed end.
fn round(path: &Path, first_id: u64, seed: u64) -> Vec<(u64, u64)> {
    let mut children: Vec<_> = (0..WRITERS)
        .map(|i| spawn(path, first_id + i, mix(seed ^ i)))
        .collect();
    let mut outs: Vec<_> = children
        .iter_mut()
        .map(|c| BufReader::new(c.stdout.take().unwrap()))
        .collect();
    for out in &mut outs {
        let mut line = String::new();
        while !line.contains("KILLS ready") {
            line.clear();
            assert_ne!(out.read_line(&mut line).unwrap(), 0, "a writer ended early");
        }
    }
    for (i, child) in children.iter_mut().enumerate() {
        let delay = mix(seed.wrapping_add(i as u64 * 31)) % 15;
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
    }
    let mut ends = Vec::new();
    for (i, (mut child, out)) in children.into_iter().zip(outs).enumerate() {
        child.wait().unwrap();
        let mut end = 0;
        for line in out.lines() {
            let line = line.unwrap();
            if let Some(message) = crate::support::messages::heard(&line, MARK)
                && let Some(n) = message.strip_prefix("committed ")
            {
                end = n.parse().unwrap();
            }
        }
        ends.push((first_id + i as u64, end));
    }
    ends
}

/// Opens the file afresh (no other process is joined: the session start closes every hole)
/// and checks it against every round's reported commits. Returns the void rows.
fn check(path: &Path, reported: &[(u64, u64)]) -> u64 {
    let log = private!(RowLog::<Checked>::open(path)).unwrap();
    assert_eq!(
        log.claimed(),
        log.committed(),
        "a hole survived the session start"
    );
    let mut seen = HashMap::<(u64, u64), u32>::new();
    let mut void = 0;
    let (rows, validity) = log.committed_rows_with_validity();
    assert_eq!(rows.len() as u64, validity.rows());
    for (position, row) in rows.iter().enumerate() {
        if !validity.is_valid(position as u64) {
            // Void (closed, abandoned, or a chunk end that could not be given back): zeros.
            assert_eq!(
                *row,
                Checked::ZERO,
                "void row {position} is not zero-filled"
            );
            void += 1;
            continue;
        }
        assert_ne!(
            *row,
            Checked::ZERO,
            "valid row {position} was never written"
        );
        assert!(row.is_valid(), "row {position} is torn: {row:?}");
        *seen.entry((row.writer, row.seq)).or_default() += 1;
    }
    assert!(seen.values().all(|&n| n == 1), "a row is present twice");
    for &(id, end) in reported {
        for seq in 0..end {
            assert_eq!(
                seen.get(&(id, seq)),
                Some(&1),
                "writer {id}'s committed row {seq} is missing"
            );
        }
    }
    void
}

#[test]
fn every_reported_commit_survives_random_kills() {
    let iterations: u64 = std::env::var("MMARRAY_KILL_ITERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(30);
    let base = u64::from(std::process::id())
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
    let mut void = 0;
    for iteration in 0..iterations {
        let seed = mix(base ^ iteration);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kills.log");
        drop(private!(RowLog::<Checked>::create(&path, 2 * WRITERS * MAX_ROWS)).unwrap());
        let mut reported = round(&path, 1, seed);
        void += check(&path, &reported);
        reported.extend(round(&path, 1 + WRITERS, mix(seed)));
        void += check(&path, &reported);
        if iteration == 0 {
            eprintln!("seed {seed}: {reported:?}");
        }
    }
    // Rows became void: killed writers' holes closed by the session starts (and chunk ends
    // abandoned by writers that could not give them back).
    assert!(
        void > 0,
        "no writer died holding a claim in {iterations} iterations"
    );
    eprintln!("{iterations} iterations: {void} void rows");
}
