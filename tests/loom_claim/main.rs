//! loom models of the concurrent-writers protocol in `mmarray::claim`.
//!
//! Built only with `--cfg mmarray_loom` (run `ci/loom`), which makes the library's atomics
//! loom's, so loom explores every interleaving and every value a load may legally return under
//! the C++/Rust memory model (up to the preemption bound).
//!
//! Row contents are modelled as two loom atomics written and read with `Relaxed`: a reader with
//! no happens-before edge from the writer may then read the initial zeros, and loom will find
//! that execution. So "the reader saw the row's contents, not just the index" is checked by
//! the memory model, not assumed.

#![cfg(mmarray_loom)]

mod closing;

use loom::sync::Arc;
use loom::sync::atomic::Ordering::{Relaxed, SeqCst};
use loom::sync::atomic::{AtomicBool, AtomicU64};
use loom::thread;
use mmarray::claim::{ClaimError, Claims, Inline, Mapped, Watermarks};

/// The protocol plus the rows it governs.
struct Shared<const W: usize> {
    claims: Claims<Inline<W>>,
    /// Per row: `[writer + 1, check(row, writer)]`; zeros until written.
    rows: Vec<[AtomicU64; 2]>,
}

fn shared<const W: usize>(capacity: u64) -> Arc<Shared<W>> {
    Arc::new(Shared {
        claims: Claims::new(Inline::new(capacity).expect("bitmap large enough")),
        rows: (0..capacity)
            .map(|_| [AtomicU64::new(0), AtomicU64::new(0)])
            .collect(),
    })
}

fn check(row: u64, writer: u64) -> u64 {
    (row + 1) * 1000 + writer
}

impl<const W: usize> Shared<W> {
    /// Writes `rows` as `writer` would: both words, `Relaxed` (the protocol must publish them).
    fn write(&self, rows: core::ops::Range<u64>, writer: u64) {
        for row in rows {
            let cell = &self.rows[row as usize];
            cell[0].store(writer + 1, Relaxed);
            cell[1].store(check(row, writer), Relaxed);
        }
    }

    /// Reads row `row` and returns its writer, panicking if it is not fully written.
    fn read(&self, row: u64) -> u64 {
        let cell = &self.rows[row as usize];
        let tag = cell[0].load(Relaxed);
        let sum = cell[1].load(Relaxed);
        assert_ne!(tag, 0, "row {row} is below the watermark but unwritten");
        assert_eq!(sum, check(row, tag - 1), "row {row} is half-written");
        tag - 1
    }

    /// Reads every row below the committed watermark.
    fn read_committed(&self) -> u64 {
        let committed = self.claims.committed();
        for row in 0..committed {
            self.read(row);
        }
        committed
    }
}

/// Claims `rows` rows as `writer`, writes them, commits.
fn write_and_commit<const W: usize>(s: &Shared<W>, rows: u64, writer: u64) {
    let claim = s.claims.claim(rows).expect("capacity covers every writer");
    s.write(claim.rows(), writer);
    claim.commit();
}

/// [`write_and_commit`], also checking just before committing that the watermark has not
/// passed the open claim. (Kept out of the reader models: loom's bounded search is not
/// complete, and this extra load happens to hide some executions of the publication race
/// from it, as the broken-ordering experiment showed.)
fn write_check_and_commit<const W: usize>(s: &Shared<W>, rows: u64, writer: u64) {
    let claim = s.claims.claim(rows).expect("capacity covers every writer");
    s.write(claim.rows(), writer);
    assert!(
        s.claims.committed() <= claim.start(),
        "the watermark passed the open claim {claim:?}"
    );
    claim.commit();
}

/// Two writers, one row each, and a reader: the reader never sees an unwritten or half-written
/// row below the watermark; at the end each row was written by exactly one writer.
#[test]
fn two_writers_and_a_reader() {
    loom::model(|| {
        let s = shared::<1>(2);
        let writers: Vec<_> = (0..2)
            .map(|writer| {
                let s = Arc::clone(&s);
                thread::spawn(move || write_and_commit(&s, 1, writer))
            })
            .collect();
        s.read_committed();
        for w in writers {
            w.join().expect("writer");
        }
        assert_eq!(s.read_committed(), 2);
        let mut by = [s.read(0), s.read(1)];
        by.sort_unstable();
        assert_eq!(by, [0, 1], "each writer got exactly one row");
    });
}

/// Three writers committing in every order, with the rows split across two bitmap words
/// (rows 0..64 and 64, 65): the watermark never passes an open claim, and once every claim is
/// committed it reaches the end (no commit is lost, even when two committers set bits in
/// different words and each could miss the other's).
#[test]
fn out_of_order_commits() {
    loom::model(|| {
        let s = shared::<2>(66);
        let writers: Vec<_> = [(64, 0), (1, 1)]
            .into_iter()
            .map(|(rows, writer)| {
                let s = Arc::clone(&s);
                thread::spawn(move || write_check_and_commit(&s, rows, writer))
            })
            .collect();
        write_check_and_commit(&s, 1, 2);
        for w in writers {
            w.join().expect("writer");
        }
        assert_eq!(s.claims.committed(), 66, "a commit was lost");
        assert_eq!(s.claims.stalled(), None);
        s.read_committed();
    });
}

/// Three claimers race for a capacity of 3 rows, asking for 2, 2 and 1: exactly the capacity is
/// handed out, the claims never overlap, a refused claim reports what was left and changes
/// nothing, and all granted rows commit.
#[test]
fn claims_race_at_capacity() {
    loom::model(|| {
        let s = shared::<1>(3);
        let try_claim = |s: &Shared<1>, rows: u64| match s.claims.claim(rows) {
            Ok(claim) => {
                let range = claim.rows();
                claim.commit();
                Some(range)
            }
            Err(ClaimError::Full {
                requested,
                available,
                capacity,
            }) => {
                assert_eq!((requested, capacity), (rows, 3));
                assert!(
                    available < rows,
                    "refused {rows} rows with {available} free"
                );
                None
            }
            Err(other) => panic!("unexpected {other:?}"),
        };
        let racers: Vec<_> = [2, 2]
            .into_iter()
            .map(|rows| {
                let s = Arc::clone(&s);
                thread::spawn(move || try_claim(&s, rows))
            })
            .collect();
        let mut granted: Vec<_> = try_claim(&s, 1).into_iter().collect();
        for r in racers {
            granted.extend(r.join().expect("claimer"));
        }
        granted.sort_by_key(|r| r.start);
        let mut next = 0;
        for range in &granted {
            assert_eq!(
                range.start, next,
                "claims overlap or leave a gap: {granted:?}"
            );
            next = range.end;
        }
        assert_eq!(next, 3, "exactly the capacity is handed out: {granted:?}");
        assert_eq!(s.claims.claimed(), 3);
        assert_eq!(s.claims.committed(), 3);
    });
}

/// A flusher races two committing writers and a reader: the flusher is only ever asked to
/// persist committed rows, the durable watermark never exceeds the committed one as seen by the
/// reader, and after a final flush everything is durable.
#[test]
fn flush_races_commits() {
    loom::model(|| {
        let s = shared::<1>(2);
        let mut threads: Vec<_> = (0..2)
            .map(|writer| {
                let s = Arc::clone(&s);
                thread::spawn(move || write_and_commit(&s, 1, writer))
            })
            .collect();
        threads.push({
            let s = Arc::clone(&s);
            thread::spawn(move || {
                let durable = s
                    .claims
                    .flush(|rows| {
                        // "Persisting" reads the rows: they must be complete.
                        for row in rows.clone() {
                            s.read(row);
                        }
                        assert!(rows.end <= s.claims.committed());
                        Ok::<(), ()>(())
                    })
                    .expect("persist succeeds");
                assert!(durable <= s.claims.committed());
            })
        });
        let Watermarks { durable, committed } = s.claims.watermarks();
        assert!(
            durable <= committed,
            "durable {durable} > committed {committed}"
        );
        for t in threads {
            t.join().expect("thread");
        }
        assert_eq!(s.claims.flush(|_| Ok::<(), ()>(())), Ok(2));
        assert_eq!(
            s.claims.watermarks(),
            Watermarks {
                durable: 2,
                committed: 2
            }
        );
    });
}

/// A committer stops between setting its completion bits and its advance loop (a process
/// killed there: `mark_and_die`), racing a writer that commits and a participant that runs
/// `advance_committed` and reads what it published. The advancer never publishes an
/// unwritten row (it sees the dead writer's contents through its bits), the live commit is
/// never lost, and one more advance by anyone afterwards — a joining process — takes the
/// watermark to the end, where without it the full array would stay frozen.
#[test]
fn anyone_advances_past_a_committer_that_died_before_advancing() {
    loom::model(|| {
        let s = shared::<1>(2);
        let dier = {
            let s = Arc::clone(&s);
            thread::spawn(move || {
                let claim = s.claims.claim(1).expect("room for 2 x 1");
                s.write(claim.rows(), 0);
                claim.mark_and_die();
            })
        };
        let committer = {
            let s = Arc::clone(&s);
            thread::spawn(move || write_and_commit(&s, 1, 1))
        };
        let w = s.claims.advance_committed();
        for row in 0..w {
            s.read(row);
        }
        dier.join().expect("dier");
        committer.join().expect("committer");
        // The joiner's advance: everything is complete, so it reaches the end.
        assert_eq!(
            s.claims.advance_committed(),
            2,
            "the watermark stayed frozen"
        );
        assert_eq!(s.claims.stalled(), None);
        s.read_committed();
    });
}

/// A region of 24 atomic words standing in for a mapped file: a `Mapped` region (16 header
/// words, one done and one void bitmap word, padding; no slots) for up to 64 rows, shared by
/// the "processes" of a model.
fn region() -> Arc<Vec<AtomicU64>> {
    Arc::new((0..24).map(|_| AtomicU64::new(0)).collect())
}

/// A joiner's `Mapped::open` racing two committers (one committing out of order, so bits and
/// the advance loop are involved) and a flusher in other "processes": the join never refuses
/// the live header. `Mapped::open` reads durable, then committed, then the bitmap, then the
/// tail; reading the tail first lets a join see `committed > tail` and refuse a healthy header
/// with `InconsistentCounters` (this model finds that mutant).
#[test]
fn open_races_committers() {
    loom::model(|| {
        let r = region();
        Mapped::create(&r, 4, 1).expect("24 words hold a region for 4 rows");
        let committer = {
            let r = Arc::clone(&r);
            thread::spawn(move || {
                let c = Claims::new(Mapped::open(&r, 4, 1).expect("a valid header"));
                let a = c.claim(1).expect("room");
                let b = c.claim(1).expect("room");
                b.commit();
                a.commit();
            })
        };
        let flusher = {
            let r = Arc::clone(&r);
            thread::spawn(move || {
                let c = Claims::new(Mapped::open(&r, 4, 1).expect("a valid header"));
                c.flush(|_| Ok::<(), ()>(())).expect("persist succeeds");
            })
        };
        let joined = Mapped::open(&r, 4, 1);
        assert!(
            joined.is_ok(),
            "a live join was refused: {:?}",
            joined.err()
        );
        committer.join().expect("committer");
        flusher.join().expect("flusher");
    });
}

/// The frozen full array of 8 rows a committer killed between its two steps leaves: rows 0..4
/// committed, 4..8 complete (bits set), the watermark still at 4, the tail at 8.
fn frozen_region() -> Arc<Vec<AtomicU64>> {
    let r = region();
    let c = Claims::new(Mapped::create(&r, 8, 1).expect("24 words hold a region for 8 rows"));
    c.claim(4).expect("room").commit();
    c.claim(4).expect("room").mark_and_die();
    drop(c);
    r
}

/// `truncate`'s rule kept: a supervisor's `stalled()` (an advance, which writes `committed`)
/// in another "process" is over before the rewind starts, so the rewind sees its result and
/// the counters stay consistent (`committed <= tail`), whatever the interleaving of the rest.
#[test]
fn truncate_after_every_other_participant_left() {
    loom::model(|| {
        let r = frozen_region();
        let supervisor = {
            let r = Arc::clone(&r);
            thread::spawn(move || {
                let c = Claims::new(Mapped::open(&r, 8, 1).expect("a valid header"));
                c.stalled()
            })
        };
        assert_eq!(supervisor.join().expect("supervisor"), None);
        let mut a = Claims::new(Mapped::open(&r, 8, 1).expect("a valid header"));
        assert_eq!(
            a.committed(),
            8,
            "the supervisor's advance carried the frozen watermark"
        );
        assert_eq!(a.truncate(4), Ok(4..8));
        assert_eq!((a.committed(), a.claimed()), (4, 4));
        assert!(a.committed() <= a.claimed());
    });
}

/// `truncate`'s rule broken — why it says "no other participant at all", readers included: a
/// supervisor's `stalled()` racing process A's `truncate(4)` on the frozen array can leave
/// `committed` 8 above the tail 4 (the advance reads the old bits and raises the watermark
/// after the rewind). Loom finds that interleaving; this model documents that it exists.
#[test]
#[should_panic(expected = "above the tail")]
fn stalled_racing_truncate_breaks_the_counters() {
    loom::model(|| {
        let r = frozen_region();
        let mut a = Claims::new(Mapped::open(&r, 8, 1).expect("a valid header"));
        let joined = Arc::new(AtomicBool::new(false));
        let supervisor = {
            let (r, joined) = (Arc::clone(&r), Arc::clone(&joined));
            thread::spawn(move || {
                // Joined before the rewind starts: a participant already there, not a joiner.
                let c = Claims::new(Mapped::open(&r, 8, 1).expect("a valid header"));
                joined.store(true, SeqCst);
                c.stalled();
            })
        };
        while !joined.load(SeqCst) {
            thread::yield_now();
        }
        let _ = a.truncate(4);
        supervisor.join().expect("supervisor");
        let (committed, tail) = (a.committed(), a.claimed());
        assert!(
            committed <= tail,
            "committed {committed} above the tail {tail}"
        );
    });
}
