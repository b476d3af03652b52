//! Liveness of a row log's writers across real processes (design `docs/row-log-v2.md` §2.3,
//! §3, §8): a hole whose owner lives is waited on (also while the owner is stopped), and
//! named with its pid by `hole()` and `NotDurable`; a hole whose owner was killed is closed
//! by the next flush, with no `unsafe` call; a child forked by the owner keeps it alive (the
//! safe direction); `create` and `recover` are refused while another process is joined.

use std::time::{Duration, Instant};

use mmarray_std::{Error, Owner, RowLog};

use super::children::{self, HOLD, holding, signal};
use crate::support::private;
use crate::support::rows::Row;

/// A log for the children, and a child holding a claim in it; the parent then commits one
/// row above the hole (its own rows wait for the child's).
fn held(
    fork: bool,
) -> (
    tempfile::TempDir,
    RowLog<Row>,
    children::Child,
    std::ops::Range<u64>,
    Option<u32>,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.log");
    let log = private!(RowLog::<Row>::create(&path, 64)).unwrap();
    let mut child = children::spawn(&path, "hold", fork);
    let forked = fork.then(|| {
        let message = child.next();
        message.strip_prefix("forked ").unwrap().parse().unwrap()
    });
    let hole = holding(&child.next());
    assert_eq!(hole, 1..1 + HOLD);
    let mine = log.push(Row::new(hole.end, 1, 0)).unwrap();
    assert_eq!(mine, hole.end);
    (dir, log, child, hole, forked)
}

#[test]
fn a_live_owner_is_waited_on_while_stopped_and_named_with_its_pid() {
    let (_dir, log, mut child, hole, _) = held(false);
    let pid = child.pid();
    let owner_is_the_child =
        |owner: Owner| matches!(owner, Owner::Alive { pid: p, .. } if p == pid);
    let found = log.hole().expect("the child holds rows at the watermark");
    assert_eq!(found.rows, hole);
    assert!(owner_is_the_child(found.owner), "{found:?}");

    signal(pid, libc::SIGSTOP);
    std::thread::sleep(Duration::from_millis(120)); // past the grace period
    assert_eq!(log.committed(), hole.start, "a stopped owner is not closed");
    let err = log
        .flush_until_durable(Duration::from_millis(100))
        .unwrap_err();
    match &err {
        Error::NotDurable {
            wanted,
            durable,
            hole: Some(h),
            ..
        } => {
            assert_eq!((*wanted, *durable), (hole.end + 1, hole.start));
            assert_eq!(h.rows, hole);
            assert!(owner_is_the_child(h.owner), "{h:?}");
        }
        other => panic!("expected NotDurable, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&format!("process {pid}")) && text.contains("alive"),
        "{text}"
    );

    signal(pid, libc::SIGCONT);
    child.tell("commit");
    assert_eq!(child.next(), "committed");
    let flushed = log.flush_until_durable(Duration::from_secs(10)).unwrap();
    assert!(flushed.covers_mine(), "{flushed:?}");
    assert_eq!(flushed.durable, hole.end + 1);
    for (position, row) in log.committed_rows().iter().enumerate() {
        assert!(
            row.is_complete_at(position as u64),
            "row {position}: {row:?}"
        );
    }
    assert_eq!(log.hole(), None);
    child.finish();
}

#[test]
fn a_killed_owner_is_closed_by_the_next_flush() {
    let (_dir, log, child, hole, _) = held(false);
    child.kill();
    let start = Instant::now();
    let flushed = loop {
        // `flush` probes at once; the kernel drops the lock once the process is gone.
        let flushed = log.flush().unwrap();
        if flushed.covers_mine() || start.elapsed() > Duration::from_secs(10) {
            break flushed;
        }
        std::thread::yield_now();
    };
    assert!(flushed.covers_mine(), "{flushed:?}");
    assert_eq!(
        (flushed.committed, flushed.durable),
        (hole.end + 1, hole.end + 1)
    );
    let rows = log.committed_rows();
    for position in hole.clone() {
        assert_eq!(
            rows[position as usize],
            Row::ZERO,
            "closed rows read as zeros"
        );
    }
    assert!(rows[0].is_complete_at(0) && rows[hole.end as usize].is_complete_at(hole.end));
    assert_eq!(log.hole(), None);
}

#[test]
fn a_forked_child_keeps_its_dead_parents_slot_alive() {
    let (_dir, log, child, hole, forked) = held(true);
    let parent_pid = child.pid();
    child.kill();
    // The parent is dead, but its forked child shares the open file description.
    std::thread::sleep(Duration::from_millis(60));
    let found = log.hole().unwrap();
    assert!(
        matches!(found.owner, Owner::Alive { pid, .. } if pid == parent_pid),
        "{found:?}"
    );
    assert!(matches!(
        log.flush_until_durable(Duration::from_millis(60)),
        Err(Error::NotDurable { .. })
    ));
    signal(forked.unwrap(), libc::SIGKILL);
    let flushed = log.flush_until_durable(Duration::from_secs(10)).unwrap();
    assert!(flushed.covers_mine());
    assert_eq!(flushed.committed, hole.end + 1);
}

#[test]
fn create_and_recover_are_refused_while_another_process_is_joined() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.log");
    let log = private!(RowLog::<Row>::create(&path, 16)).unwrap();
    log.push(Row::new(0, 1, 0)).unwrap();
    drop(log);
    let mut child = children::spawn(&path, "join", false);
    assert_eq!(child.next(), "joined");

    let err = private!(RowLog::<Row>::create(&path, 16)).unwrap_err();
    assert!(matches!(&err, Error::InUse { op: "create", .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    let err = private!(RowLog::<Row>::recover(&path)).unwrap_err();
    assert!(
        matches!(&err, Error::InUse { op: "recover", .. }),
        "{err:?}"
    );
    // Joining beside it is what `open` is for; the file is unchanged.
    let joined = private!(RowLog::<Row>::open(&path)).unwrap();
    assert_eq!(joined.committed_rows(), &[Row::new(0, 1, 0)]);
    drop(joined);

    child.finish();
    let (log, _recovered) = private!(RowLog::<Row>::recover(&path)).unwrap();
    assert_eq!(log.committed_rows(), &[Row::new(0, 1, 0)]);
}

/// Percentile `p` (0..=100) of sorted `times`.
fn percentile(times: &[Duration], p: usize) -> Duration {
    times[(times.len() - 1) * p / 100]
}

/// Death-to-watermark: the time from `SIGKILL` of a writer holding a claim to the committed
/// watermark passing its hole, seen by a reader calling `committed()` (which probes once per
/// grace period), by `hole()` (which probes at once and writes nothing) and by a flusher
/// calling `flush()` (which probes at once, then writes back and publishes the header, whose
/// rewrites are paced 10 ms apart). A measurement,
/// not a test: run with `cargo test -p mmarray-std --test row_log -- --ignored --nocapture
/// death_to_watermark` (`MMARRAY_DEATH_ITERS`, default 50).
#[test]
#[ignore = "a measurement; prints its numbers"]
fn death_to_watermark() {
    let iterations: usize = std::env::var("MMARRAY_DEATH_ITERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    for via in ["committed()", "hole()", "flush()"] {
        let mut times = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let (_dir, log, mut child, hole, _) = held(false);
            let start = Instant::now();
            child.process.kill().unwrap();
            loop {
                let committed = match via {
                    "committed()" => log.committed(),
                    "hole()" => {
                        let _ = log.hole();
                        log.committed()
                    }
                    _ => log.flush().unwrap().committed,
                };
                if committed > hole.start {
                    break;
                }
                assert!(start.elapsed() < Duration::from_secs(10));
                std::thread::yield_now();
            }
            times.push(start.elapsed());
            let _ = child.process.wait();
        }
        times.sort();
        println!(
            "death to watermark via {via}: {iterations} kills, p50 {:?}, p99 {:?}, max {:?}",
            percentile(&times, 50),
            percentile(&times, 99),
            times[times.len() - 1]
        );
    }
}
