//! The buffered writer of a row log: rows pushed from many threads land exactly once,
//! readers only ever see complete rows, and unused chunk ends are given back or zeroed.

use crate::support::private;
use mmarray_std::RowLog;

/// A row that names itself: writer, sequence number, and a checksum of both.
fn row(writer: u64, seq: u64) -> [u64; 3] {
    [
        writer + 1,
        seq,
        (writer + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seq,
    ]
}

mmarray_std::record! {
    /// The same three words as a record, for a file-backed log (which names its dtype).
    struct Triple {
        words: [u64; 3],
    }
}

fn is_valid(r: &[u64; 3]) -> bool {
    r[0] != 0 && r[2] == r[0].wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ r[1]
}

#[test]
fn one_writer_gives_back_the_unused_end_of_its_chunk() {
    let log = RowLog::<[u64; 3]>::anonymous(100).unwrap();
    {
        let mut w = log.writer(64);
        for i in 0..5 {
            assert_eq!(w.push(row(0, i)).unwrap(), i);
        }
        assert_eq!(log.committed(), 0, "nothing is visible before a publish");
        assert_eq!(w.publish(), 5);
        assert_eq!(log.committed_rows().len(), 5);
        w.push(row(0, 5)).unwrap();
    }
    // Dropped: the sixth row is committed, the other 58 rows of the chunk went back.
    assert_eq!((log.committed(), log.claimed()), (6, 6));
    let mut next = log.claim(1).unwrap();
    assert_eq!(next.rows(), 6..7);
    next[0] = row(1, 0);
    next.commit();
    assert!(log.committed_rows().iter().all(is_valid));
}

#[test]
fn a_full_log_stops_the_writer_and_keeps_what_it_wrote() {
    let log = RowLog::<[u64; 3]>::anonymous(10).unwrap();
    let mut w = log.writer(4);
    for i in 0..10 {
        w.push(row(0, i)).unwrap();
    }
    assert!(w.push(row(0, 10)).is_err(), "the log is full");
    drop(w);
    assert_eq!(log.committed(), 10);
    let seqs: Vec<u64> = log.committed_rows().iter().map(|r| r[1]).collect();
    assert_eq!(seqs, (0..10).collect::<Vec<_>>());
}

#[test]
fn many_writers_land_every_row_exactly_once() {
    const WRITERS: u64 = 4;
    const PER: u64 = 2_000;
    let cap = WRITERS * PER + WRITERS * 7; // room for every chunk's unused end
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("writers.log");
    let log = private!(RowLog::<Triple>::create(&path, cap)).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut seen = 0;
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                let rows = log.committed_rows();
                assert!(rows.len() >= seen, "the watermark never goes back");
                // Every visible row is complete: valid, or zeros of an abandoned chunk end.
                for r in &rows[seen..] {
                    let r = r.words;
                    assert!(is_valid(&r) || r == [0; 3], "a torn row is visible: {r:?}");
                }
                seen = rows.len();
            }
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|t| {
                let log = &log;
                s.spawn(move || {
                    let mut w = log.writer(8);
                    for i in 0..PER {
                        w.push(Triple { words: row(t, i) }).unwrap();
                        if i % 500 == 499 {
                            w.publish();
                        }
                    }
                })
            })
            .collect();
        for h in writers {
            h.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Release);
        reader.join().unwrap();
    });
    assert_eq!(log.committed(), log.claimed(), "no hole is left");
    log.flush().unwrap();
    drop(log);
    // The file itself: every (writer, seq) exactly once, the rest zeros.
    let bytes = std::fs::read(&path).unwrap();
    let rows_at = RowLog::<Triple>::header_len().unwrap();
    let rows_end = rows_at + usize::try_from(cap).unwrap() * 24;
    let mut seen = vec![vec![false; PER as usize]; WRITERS as usize];
    let mut zeros = 0;
    for chunk in bytes[rows_at..rows_end].chunks_exact(24) {
        let r: [u64; 3] = std::array::from_fn(|k| {
            u64::from_ne_bytes(chunk[8 * k..8 * k + 8].try_into().unwrap())
        });
        if r == [0; 3] {
            zeros += 1;
            continue;
        }
        assert!(is_valid(&r), "a torn row on disk: {r:?}");
        let slot = &mut seen[(r[0] - 1) as usize][r[1] as usize];
        assert!(!*slot, "row {r:?} landed twice");
        *slot = true;
    }
    assert!(
        seen.iter().flatten().all(|&s| s),
        "every pushed row is in the file"
    );
    assert_eq!(zeros, cap - WRITERS * PER, "the rest of the log is zeros");
}
