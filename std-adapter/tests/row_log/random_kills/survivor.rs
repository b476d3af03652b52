//! The survivor of a round (see the parent module): the test process joins the log before the
//! writers start, steps with one kind of call while they run and the first ones are killed,
//! and once the last one is killed and reaped steps on until the committed watermark has
//! passed every dead writer's hole — with no session start. The holes are read from the file's bytes (the done bitmap of
//! the [file layout](mmarray_std::RowLog#file-layout)) before the survivor closes them, and
//! checked there afterwards.

use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mmarray::claim::ClaimError;
use mmarray_std::{Error, RowLog};

use super::{Checked, MAX_ROWS, WRITERS, verify, writers};
use crate::support::rows::mix;

/// How long the survivor may take to pass the holes after the kills: 400 times the grace
/// period (50 ms) after which a reader's or a committer's step probes the owners, so reached
/// only if a hole is never closed. A bound on liveness, not a timing.
const DEADLINE: Duration = Duration::from_secs(20);
/// The survivor's pause between two steps.
const PAUSE: Duration = Duration::from_millis(1);

/// What the test process does in a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// Nothing: it is not joined, and the next session start closes the writers' holes.
    None,
    /// `flush()`es (probes the owners at once).
    Flush,
    /// Asks for the `hole()` (probes at once).
    Hole,
    /// Reads: `committed()` (a passer-by: probes once per grace period), then checks the
    /// committed rows that became visible since its last read.
    Committed,
    /// Commits rows of its own, one `push` a step (a commit left behind a hole is a
    /// passer-by too).
    Commit,
    /// One of the four above at random, each step.
    Mixed,
}

/// The modes, in the order rounds take them.
pub(super) const MODES: [Mode; 6] = [
    Mode::None,
    Mode::Flush,
    Mode::Hole,
    Mode::Committed,
    Mode::Commit,
    Mode::Mixed,
];

impl Mode {
    /// Whether a step of this mode probes the owners at once, so that one step after the
    /// kills closes every dead writer's hole.
    fn at_once(self) -> bool {
        matches!(self, Mode::Flush | Mode::Hole)
    }

    fn index(self) -> usize {
        MODES.iter().position(|&m| m == self).unwrap()
    }
}

/// What the survivors of a run met, by mode.
#[derive(Default)]
pub(super) struct Stats {
    by_mode: [ModeStats; MODES.len()],
}

#[derive(Default, Clone, Copy)]
struct ModeStats {
    rounds: u64,
    /// Rounds in which a hole was left after the kills.
    with_holes: u64,
    /// Rows of those holes.
    hole_rows: u64,
    /// Most steps it took to pass them.
    max_steps: u64,
}

impl Stats {
    /// Prints the table, and checks that the survivors of each mode had holes to close.
    pub(super) fn report(&self, iterations: u64) {
        for (mode, s) in MODES.iter().zip(&self.by_mode).skip(1) {
            eprintln!(
                "survivor {mode:?}: {} rounds, {} with holes after the kills ({} rows), \
                 passed in at most {} steps",
                s.rounds, s.with_holes, s.hole_rows, s.max_steps
            );
            // A writer dies holding a claim in about half the rounds: by the default
            // iterations, never having a hole to close means the test checked nothing.
            if s.rounds >= 30 {
                assert!(
                    s.with_holes > 0,
                    "{mode:?}: no survivor round had a hole to close in {iterations} iterations"
                );
            }
        }
    }
}

/// The survivor's state between steps.
struct Survivor<'l> {
    log: &'l RowLog<Checked>,
    mode: Mode,
    /// Its writer id: its rows are `seq = 0..pushed` of it.
    id: u64,
    pushed: u64,
    rng: u64,
    /// Committed rows below this were checked by a reading step.
    read: usize,
}

impl Survivor<'_> {
    /// One call of the mode (of a mode picked at random for [`Mode::Mixed`]); returns it.
    fn step(&mut self) -> Mode {
        let mode = match self.mode {
            Mode::Mixed => {
                self.rng = mix(self.rng.wrapping_add(1));
                MODES[1 + (self.rng % 4) as usize]
            }
            mode => mode,
        };
        match mode {
            Mode::Flush => {
                let flushed = self.log.flush().unwrap();
                assert!(flushed.durable <= flushed.committed, "{flushed:?}");
            }
            Mode::Hole => drop(self.log.hole()),
            Mode::Committed => self.read(),
            Mode::Commit => self.commit(),
            Mode::None | Mode::Mixed => unreachable!("not a step"),
        }
        mode
    }

    fn commit(&mut self) {
        if self.pushed == MAX_ROWS {
            return self.read();
        }
        match self.log.push(Checked::new(self.id, self.pushed)) {
            Ok(_) => self.pushed += 1,
            Err(Error::Claim(ClaimError::Full { .. })) => {}
            Err(e) => panic!("the survivor's commit failed: {e}"),
        }
    }

    /// Reads as a reader does — `committed()` first (it passes holes) — and checks the rows
    /// that became visible since the last read: valid ones whole, void ones zero.
    fn read(&mut self) {
        let committed = self.log.committed();
        let (rows, validity) = self.log.committed_rows_with_validity();
        assert!(rows.len() as u64 >= committed);
        for (position, row) in rows.iter().enumerate().skip(self.read) {
            if validity.is_valid(position as u64) {
                assert!(row.is_valid(), "a reader saw row {position} torn: {row:?}");
            } else {
                assert_eq!(*row, Checked::ZERO, "a reader saw void row {position}");
            }
        }
        self.read = rows.len();
    }
}

/// Sets a flag when dropped (also when a panic unwinds), so the stepping thread stops.
struct StopOnDrop<'f>(&'f AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Where the rows, the claims header and the bitmaps of the log lie in its file (the
/// [file layout](mmarray_std::RowLog#file-layout)), to read them from the file's bytes.
struct FileLayout {
    rows_at: usize,
    region_at: usize,
    done_at: usize,
    void_at: usize,
}

impl FileLayout {
    fn of(log: &RowLog<Checked>) -> Self {
        let void_at = usize::try_from(log.void_offset()).unwrap();
        // The done bitmap: after the region's 128-byte header, one bit per row, right
        // before the void bitmap.
        let done_at = void_at - 8 * usize::try_from(log.capacity().div_ceil(64)).unwrap();
        FileLayout {
            rows_at: RowLog::<Checked>::header_len().unwrap(),
            region_at: done_at - 128,
            done_at,
            void_at,
        }
    }

    fn bit(bytes: &[u8], at: usize, row: u64) -> bool {
        let word = at + 8 * usize::try_from(row / 64).unwrap();
        u64::from_ne_bytes(bytes[word..word + 8].try_into().unwrap()) >> (row % 64) & 1 == 1
    }

    fn done(&self, bytes: &[u8], row: u64) -> bool {
        Self::bit(bytes, self.done_at, row)
    }

    fn void(&self, bytes: &[u8], row: u64) -> bool {
        Self::bit(bytes, self.void_at, row)
    }

    fn rows<'b>(&self, bytes: &'b [u8], rows: Range<u64>) -> &'b [u8] {
        let size = size_of::<Checked>();
        let start = self.rows_at + size * usize::try_from(rows.start).unwrap();
        &bytes[start..start + size * usize::try_from(rows.end - rows.start).unwrap()]
    }

    /// The claims header's word `i` (2: rows claimed, 3: committed).
    fn word(&self, bytes: &[u8], i: usize) -> u64 {
        let at = self.region_at + 8 * i;
        u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap())
    }
}

/// A round with a survivor: the test process joins, steps (in a thread) while the writers
/// run and are killed, then passes their holes and checks them; adds the writers' and its own
/// committed ends to `reported` and checks every row.
pub(super) fn round(
    path: &Path,
    mode: Mode,
    id: u64,
    seed: u64,
    reported: &mut Vec<(u64, u64)>,
    stats: &mut Stats,
) {
    // SAFETY: only row logs of `Checked` use the file: this test's (one at a time) and its
    // writer children's; nothing truncates it.
    let log = unsafe { RowLog::<Checked>::open(path) }.unwrap();
    let mut survivor = Survivor {
        log: &log,
        mode,
        id,
        pushed: 0,
        rng: seed,
        read: 0,
    };
    let stop = AtomicBool::new(false);
    let ends = std::thread::scope(|s| {
        let _stop = StopOnDrop(&stop);
        let survivor = &mut survivor;
        let stepper = s.spawn(|| {
            while !stop.load(Ordering::Acquire) {
                survivor.step();
                std::thread::sleep(PAUSE);
            }
        });
        // The steps stop before the last kill: what that writer leaves, only the steps
        // after the kills close. A failed step fails the round once every writer is reaped.
        let mut stepped = None;
        let ends = writers(path, id - WRITERS, seed, || {
            stop.store(true, Ordering::Release);
            stepped = Some(stepper.join());
        });
        if let Some(Err(panic)) = stepped {
            std::panic::resume_unwind(panic);
        }
        ends
    });

    // Every writer is reaped, so its slots' locks are gone; nobody else claims. The holes
    // between the committed watermark and the tail are the rows whose done bit is clear in the
    // file (a plain read of the watermark: `watermarks()` closes nothing).
    let tail = log.claimed();
    let from = log.watermarks().committed;
    let file = FileLayout::of(&log);
    let before = std::fs::read(path).unwrap();
    assert_eq!(
        (file.word(&before, 2), file.word(&before, 3)),
        (tail, from),
        "the file's claims header"
    );
    let holes: Vec<u64> = (from..tail).filter(|&r| !file.done(&before, r)).collect();

    let start = Instant::now();
    let mut steps = 0;
    while log.watermarks().committed < tail {
        assert!(
            start.elapsed() < DEADLINE,
            "{mode:?}: {steps} steps in {DEADLINE:?} did not pass the dead writers' holes \
             (watermark {}, tail {tail}, {} hole rows from {:?})",
            log.watermarks().committed,
            holes.len(),
            holes.first()
        );
        let used = survivor.step();
        steps += 1;
        if used.at_once() {
            assert!(
                log.watermarks().committed >= tail,
                "{used:?} probes at once, but did not close the holes of dead writers \
                 below {tail} (watermark {})",
                log.watermarks().committed
            );
            if used == Mode::Flush {
                assert!(log.durable() >= tail, "durable {}", log.durable());
            }
        }
        std::thread::sleep(PAUSE);
    }
    assert_eq!(log.hole(), None);

    // In the file: the holes zero-filled, done and void; every other row below the tail, and
    // its void bit, as it was.
    let after = std::fs::read(path).unwrap();
    assert_eq!(
        file.rows(&before, 0..from),
        file.rows(&after, 0..from),
        "a row below the watermark changed"
    );
    let validity = log.validity();
    for row in from..tail {
        let bytes = file.rows(&after, row..row + 1);
        if holes.binary_search(&row).is_ok() {
            assert!(
                file.done(&after, row) && file.void(&after, row),
                "closed row {row} is not done and void in the file"
            );
            assert!(bytes.iter().all(|&b| b == 0), "closed row {row} not zero");
            assert!(!validity.is_valid(row), "closed row {row} reads as valid");
        } else {
            assert_eq!(file.rows(&before, row..row + 1), bytes, "row {row} changed");
            assert_eq!(file.void(&before, row), file.void(&after, row), "row {row}");
        }
    }
    for row in 0..from {
        assert_eq!(file.void(&before, row), file.void(&after, row), "row {row}");
    }

    // Every reported commit (and the survivor's) exactly once, before any session start.
    reported.extend(ends);
    reported.push((id, survivor.pushed));
    assert_eq!(log.claimed(), log.committed());
    verify(&log, reported);

    let s = &mut stats.by_mode[mode.index()];
    s.rounds += 1;
    if !holes.is_empty() {
        s.with_holes += 1;
        s.hole_rows += holes.len() as u64;
    }
    s.max_steps = s.max_steps.max(steps);
}
