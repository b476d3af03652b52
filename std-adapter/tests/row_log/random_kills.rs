//! Writers killed at random points, many times over (issue 12 §1): three writer processes
//! append checksummed rows (claims and a buffered writer, publishing at random points and
//! reporting every committed end) and are killed with `SIGKILL` at random delays. Each
//! iteration runs two rounds on the same file, so holes of the first round stay void under
//! the second's rows.
//!
//! Who closes the dead writers' holes depends on the round ([`survivor::Mode`], in turn):
//!
//! - nobody during the round: the next `open` (alone: its session start closes every hole);
//! - a *survivor*, the test process itself, joined before the writers start and holding the
//!   log across the kills, and no session start. It steps with one kind of call — `flush`,
//!   `hole()`, `committed()` (a reader), commits of its own rows, or a random mix — while the
//!   writers run and the first ones are killed (closing their holes beside live writers), and
//!   again once the last one is killed and every writer reaped: then its steps must move the
//!   watermark past every hole left (polled, with a deadline of seconds; `flush` and `hole()`
//!   probe at once, so for them the first step must do it), and the holes, read from the
//!   file's done bitmap before, must be zero-filled and void in the file and not valid
//!   through the API, every other row's bytes unchanged.
//!
//! After every round, with the survivor's handle and again through a fresh `open`: every
//! reported commit (and every row the survivor committed) present exactly once, valid; no torn
//! row valid (the checksum); void rows zero; `claimed == committed`.
//!
//! 200 iterations by default, the design's count (`docs/row-log-v2.md` §10): 400 rounds,
//! 26–31 s of a debug build on the shared 2-core CI machine (`ci/test` runs it twice, in
//! `test` and `msrv`). `MMARRAY_KILL_ITERS=10000` for a soak, `MMARRAY_KILL_ITERS=20` for a
//! quick run.

mod survivor;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use mmarray_std::RowLog;

use crate::support::private;
use crate::support::rows::mix;
use survivor::Mode;

/// The file a writer child joins; its absence means "not a child".
const ENV_PATH: &str = "MMARRAY_KILLS_PATH";
/// The child's writer id and its seed.
const ENV_ID: &str = "MMARRAY_KILLS_ID";
const ENV_SEED: &str = "MMARRAY_KILLS_SEED";
/// Writers per round.
const WRITERS: u64 = 3;
/// Rows a writer appends at most per round (it may overshoot by one chunk: [`SEQS`]).
const MAX_ROWS: u64 = 20_000;
/// Sequence numbers of one writer id are below this.
const SEQS: u64 = MAX_ROWS + 512;
/// Writer ids of a round: its writers, then its survivor.
const IDS_PER_ROUND: u64 = WRITERS + 1;
/// Rounds per iteration (on one file).
const ROUNDS: u64 = 2;
/// Writer ids are `1..ID_END`.
const ID_END: u64 = 1 + ROUNDS * IDS_PER_ROUND;
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
/// a random number of rows) and claims of 1..=40 rows, pausing in the middle of half of them,
/// and says `committed <end>` whenever every row below `end` is committed. Stops when the log
/// is full, and waits to be killed.
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
    // Half the time a writer pauses in the middle of its rows, holding the claim (a slow
    // producer): a kill then leaves a hole for the living to close.
    let pause = || std::thread::sleep(Duration::from_micros(50));
    while seq < MAX_ROWS && !full {
        if next(2) == 0 {
            let mut w = log.writer(1 + next(64));
            let n = 1 + next(500);
            let pause_at = if next(2) == 0 { n / 2 } else { n };
            for i in 0..n {
                if i == pause_at {
                    pause();
                }
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
            let pause_at = if next(2) == 0 {
                rows.len() / 2
            } else {
                rows.len()
            };
            for (i, row) in rows.iter_mut().enumerate() {
                if i == pause_at {
                    pause();
                }
                *row = Checked::new(id, seq);
                seq += 1;
            }
            rows.commit();
        }
        say(&format!("committed {seq}"));
        // Pacing: a round lasts long enough (tens of ms) for the kills to land mid-write.
        pause();
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

/// Runs the writers of one round: starts them, kills each at a random delay after it is
/// ready (calling `before_last_kill` just before the last kill), reaps them (so their slots'
/// locks are gone), and returns every writer's last reported committed end.
fn writers(
    path: &Path,
    first_id: u64,
    seed: u64,
    before_last_kill: impl FnOnce(),
) -> Vec<(u64, u64)> {
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
    let mut before_last_kill = Some(before_last_kill);
    for (i, child) in children.iter_mut().enumerate() {
        let delay = mix(seed.wrapping_add(i as u64 * 31)) % 15;
        std::thread::sleep(Duration::from_millis(delay));
        if i as u64 == WRITERS - 1
            && let Some(f) = before_last_kill.take()
        {
            f();
        }
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

/// Checks `log`'s committed rows against every reported commit: each present exactly once
/// and valid, no valid row torn or zero, every void row zero. Returns the void rows.
fn verify(log: &RowLog<Checked>, reported: &[(u64, u64)]) -> u64 {
    // How often each (writer, seq) is among the valid rows: a flat table (a hash map costs
    // more than the rest of the check in a debug build).
    let mut seen = vec![0u8; usize::try_from(ID_END * SEQS).unwrap()];
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
        assert!(
            (1..ID_END).contains(&row.writer) && row.seq < SEQS,
            "row {position} is of no writer: {row:?}"
        );
        let n = &mut seen[usize::try_from(row.writer * SEQS + row.seq).unwrap()];
        *n += 1;
        assert_eq!(*n, 1, "a row is present twice: {row:?}");
    }
    for &(id, end) in reported {
        for seq in 0..end {
            assert_eq!(
                seen[usize::try_from(id * SEQS + seq).unwrap()],
                1,
                "writer {id}'s committed row {seq} is missing"
            );
        }
    }
    void
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
    verify(&log, reported)
}

#[test]
fn every_reported_commit_survives_random_kills() {
    let iterations: u64 = std::env::var("MMARRAY_KILL_ITERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let base = u64::from(std::process::id())
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
    let mut void = 0;
    let mut stats = survivor::Stats::default();
    for iteration in 0..iterations {
        let seed = mix(base ^ iteration);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kills.log");
        let capacity = ROUNDS * IDS_PER_ROUND * MAX_ROWS;
        drop(private!(RowLog::<Checked>::create(&path, capacity)).unwrap());
        let mut reported = Vec::new();
        for round in 0..ROUNDS {
            let first_id = 1 + round * IDS_PER_ROUND;
            let seed = mix(seed ^ round);
            // Every mode in turn, so that even a short run sees each of them.
            let mode =
                survivor::MODES[((iteration * ROUNDS + round) as usize) % survivor::MODES.len()];
            if mode == Mode::None {
                reported.extend(writers(&path, first_id, seed, || {}));
            } else {
                let survivor_id = first_id + WRITERS;
                survivor::round(&path, mode, survivor_id, seed, &mut reported, &mut stats);
            }
            void += check(&path, &reported);
        }
        if iteration == 0 {
            eprintln!("seed {seed}: {reported:?}");
        }
    }
    // Rows became void: killed writers' holes closed by the survivors and session starts (and
    // chunk ends abandoned by writers that could not give them back).
    assert!(
        void > 0,
        "no writer died holding a claim in {iterations} iterations"
    );
    eprintln!("{iterations} iterations: {void} void rows");
    stats.report(iterations);
}
