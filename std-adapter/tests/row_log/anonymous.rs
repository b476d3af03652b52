//! Reader, writer and flusher threads over an anonymous log, small enough for Miri
//! (`ci/test miri` runs this module under Stacked Borrows and Tree Borrows with several
//! seeds): every way a guard ends — `commit`, drop, `abandon`, `split_at` then both, a
//! buffered [`Writer`](mmarray_std::Writer)'s publish, give-back and drop — publishes rows
//! that a reader thread may be reading at that moment; the reader also walks `valid_rows`.
//!
//! Under Stacked Borrows this caught guards that published their rows while their own
//! `&mut [T]` field was still a protected argument of `commit`/`abandon`: on the code before
//! the fix, with CI's flags (`-Zmiri-disable-isolation`), Stacked Borrows failed on seeds 1,
//! 8 and 9 of 0..12 and Tree Borrows (after `abandon`'s zero-fill) on seeds 1 and 9 — seed 1
//! is inside the `0..4` that `ci/test miri` runs by default. The borrow-checker facts the
//! guards' proof rests on (no slice of a guard outlives its commit or split; `force_complete`
//! cannot run while a guard or a committed slice is alive) are pinned by the trybuild cases
//! `ui/tests/ui/compile_fail/{row_slice_*,force_complete_*}.rs`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use mmarray_std::RowLog;

use crate::support::rows::{Row, mix};

/// Rows each guard writer claims.
const GUARD_ROWS: u64 = 12;
/// Guard writer threads (writers `0..GUARD_WRITERS`).
const GUARD_WRITERS: u64 = 2;
/// Rows the buffered writer pushes: chunks of 4, a publish after every 3rd row.
const BUFFERED_ROWS: u64 = 10;
/// The buffered writer's number.
const BUFFERED: u64 = GUARD_WRITERS;
/// What a buffered row has for an index: it is written before its index is known.
const UNKNOWN: u64 = u64::MAX;

/// Room for every writer, plus the buffered writer's unused chunk ends.
const CAPACITY: u64 = GUARD_WRITERS * GUARD_ROWS + BUFFERED_ROWS + 8;

/// Claims `GUARD_ROWS` rows as writer `w`, writes each, and ends the guards every way
/// there is. Returns the rows committed, as `(writer, seq)`.
fn guard_writer(log: &RowLog<Row>, w: u64) -> Vec<(u64, u64)> {
    let mut committed = Vec::new();
    let mut seq = 0;
    let mut state = mix(w + 1);
    let mut claims = 0u64;
    while seq < GUARD_ROWS {
        state = mix(state);
        let want = (state % 3 + 1).min(GUARD_ROWS - seq);
        let mut guard = log.claim(want).expect("the capacity covers every writer");
        let start = guard.rows().start;
        assert_eq!(guard.len() as u64, want);
        for (i, slot) in guard.iter_mut().enumerate() {
            *slot = Row::new(start + i as u64, w, seq + i as u64);
        }
        claims += 1;
        match claims % 4 {
            0 => {
                guard.commit();
                committed.extend((seq..seq + want).map(|s| (w, s)));
            }
            1 => {
                drop(guard);
                committed.extend((seq..seq + want).map(|s| (w, s)));
            }
            2 => {
                guard.abandon();
            }
            _ => {
                let (first, rest) = guard.split_at(1);
                drop(rest);
                first.commit();
                committed.extend((seq..seq + want).map(|s| (w, s)));
            }
        }
        seq += want;
    }
    committed
}

/// Pushes `BUFFERED_ROWS` rows through a buffered writer with chunks of 4, publishing
/// after every third; dropping it publishes the rest and gives back (or abandons) the
/// chunk's unused end.
fn buffered_writer(log: &RowLog<Row>) {
    let mut writer = log.writer(4);
    for seq in 0..BUFFERED_ROWS {
        writer
            .push(Row::new(UNKNOWN, BUFFERED, seq))
            .expect("the capacity covers every writer");
        if seq % 3 == 2 {
            writer.publish();
        }
    }
}

/// A row a reader may see at `position`: complete, a buffered writer's row, or zeros.
fn readable(row: &Row, position: u64) -> bool {
    row.is_valid_at(position) || *row == Row::new(UNKNOWN, BUFFERED, row.seq)
}

#[test]
fn readers_see_rows_that_guards_and_writers_publish_meanwhile() {
    let log = RowLog::<Row>::anonymous(CAPACITY).unwrap();
    let writers_done = AtomicBool::new(false);
    let committed = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut seen = 0;
            loop {
                // Read before checking whether the writers are done, so the last look sees
                // everything.
                let stop = writers_done.load(Ordering::Acquire);
                let rows = log.committed_rows();
                assert!(rows.len() >= seen, "the committed watermark went backwards");
                for (position, row) in rows.iter().enumerate() {
                    assert!(readable(row, position as u64), "row {position}: {row:?}");
                }
                // The valid rows are data, never the zeros of a void row.
                for (position, row) in log.valid_rows() {
                    assert!(*row != Row::ZERO, "valid row {position} is zeros");
                    assert!(readable(row, position), "valid row {position}: {row:?}");
                }
                seen = rows.len();
                if stop {
                    return seen;
                }
                std::thread::yield_now();
            }
        });
        let flusher = s.spawn(|| {
            let mut last = 0;
            loop {
                let stop = writers_done.load(Ordering::Acquire);
                let durable = log.flush().unwrap().durable;
                assert!(durable >= last, "the durable watermark went backwards");
                last = durable;
                if stop {
                    return last;
                }
                std::thread::yield_now();
            }
        });
        let guards: Vec<_> = (0..GUARD_WRITERS)
            .map(|w| {
                let log = &log;
                s.spawn(move || guard_writer(log, w))
            })
            .collect();
        let buffered = s.spawn(|| buffered_writer(&log));
        let committed: Vec<_> = guards.into_iter().flat_map(|h| h.join().unwrap()).collect();
        buffered.join().unwrap();
        writers_done.store(true, Ordering::Release);
        assert_eq!(reader.join().unwrap(), log.committed() as usize);
        assert_eq!(flusher.join().unwrap(), log.committed());
        committed
    });
    // Every writer's guard ended, the buffered writer was dropped: no hole.
    assert_eq!(log.committed(), log.claimed());
    assert_eq!(log.hole().map(|h| h.rows), None);
    let mut expected: HashSet<(u64, u64)> = committed.into_iter().collect();
    expected.extend((0..BUFFERED_ROWS).map(|seq| (BUFFERED, seq)));
    let mut found = HashSet::new();
    for (position, row) in log.committed_rows().iter().enumerate() {
        assert!(readable(row, position as u64), "row {position}: {row:?}");
        if *row != Row::ZERO {
            assert!(
                found.insert((row.writer, row.seq)),
                "row {row:?} landed twice"
            );
        }
    }
    assert_eq!(
        found, expected,
        "every committed row exactly once, nothing else"
    );
    // Without looking at the contents: the valid rows are exactly the committed ones, and
    // every other row below the watermark is void and zeros.
    let valid: Vec<(u64, u64)> = log.valid_rows().map(|(_, r)| (r.writer, r.seq)).collect();
    assert_eq!(valid.len(), expected.len(), "no row valid twice");
    assert_eq!(valid.into_iter().collect::<HashSet<_>>(), expected);
    let (rows, validity) = log.committed_rows_with_validity();
    for (position, row) in rows.iter().enumerate() {
        if !validity.is_valid(position as u64) {
            assert_eq!(*row, Row::ZERO, "void row {position}");
        }
    }
}
