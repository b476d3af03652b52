//! `RowLog` with real threads: 2, 4 and 8 writers append to one file-backed log while a
//! reader checks every row it can see and a flusher makes them durable; afterwards the
//! file's bytes, read with `std::fs::read`, hold every row exactly once.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use mmarray::claim::{ClaimError, SetupError, Watermarks};
use mmarray_std::{Error, RowLog};

use crate::support::private;
use crate::support::rows::{Row, mix};
use zerocopy::FromBytes;

/// What a writer did with one row.
#[derive(Clone, Copy, Debug)]
enum Done {
    Wrote(Row),
    Abandoned(u64),
}

/// Writer `w` appends `rows` rows in claims of 1..=5 rows; every 7th claim is abandoned,
/// every other claim is committed explicitly, the rest by dropping the guard.
fn writer(log: &RowLog<Row>, w: u64, rows: u64) -> Vec<Done> {
    let mut done = Vec::new();
    let mut seq = 0;
    let mut state = mix(w + 1);
    let mut claims = 0u64;
    while seq < rows {
        state = mix(state);
        let want = (state % 5 + 1).min(rows - seq);
        let mut guard = log
            .claim(want)
            .expect("capacity is the sum of all writers' rows");
        let start = guard.rows().start;
        assert_eq!(guard.rows().end - start, want);
        claims += 1;
        if claims.is_multiple_of(7) {
            guard[0] = Row::new(start, w, seq); // half-written, then given up
            guard.abandon();
            done.extend((start..start + want).map(Done::Abandoned));
            seq += want;
            continue;
        }
        for (i, slot) in guard.iter_mut().enumerate() {
            let row = Row::new(start + i as u64, w, seq);
            *slot = row;
            done.push(Done::Wrote(row));
            seq += 1;
        }
        if claims.is_multiple_of(2) {
            guard.commit();
        } else {
            drop(guard);
        }
    }
    done
}

/// Runs `writers` writers, a reader and a flusher on a log in `path`; returns the writers'
/// records.
fn run(path: &Path, writers: u64, rows_each: u64) -> Vec<Done> {
    let capacity = writers * rows_each;
    let log = private!(RowLog::<Row>::create(path, capacity)).unwrap();
    let finished = AtomicBool::new(false);
    let records = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut seen = 0u64;
            let mut snapshots = 0u64;
            loop {
                let Watermarks { durable, committed } = log.watermarks();
                assert!(
                    durable <= committed,
                    "durable {durable} > committed {committed}"
                );
                assert!(committed >= seen, "the committed watermark went backwards");
                let rows = log.committed_rows();
                let len = rows.len() as u64;
                assert!(
                    len >= committed,
                    "the slice is at least the watermark read before"
                );
                for (position, row) in rows.iter().enumerate().skip(seen as usize) {
                    assert!(row.is_valid_at(position as u64), "row {position}: {row:?}");
                }
                seen = len;
                snapshots += 1;
                if seen == capacity {
                    return snapshots;
                }
                std::thread::yield_now();
            }
        });
        let flusher = s.spawn(|| {
            let mut last = 0;
            loop {
                let stop = finished.load(Ordering::Acquire);
                let durable = log.flush().unwrap().durable;
                assert!(durable >= last, "the durable watermark went backwards");
                assert!(durable <= log.committed());
                last = durable;
                if stop {
                    return last;
                }
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        });
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let log = &log;
                s.spawn(move || writer(log, w, rows_each))
            })
            .collect();
        let records: Vec<Done> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        finished.store(true, Ordering::Release);
        assert!(reader.join().unwrap() >= 1);
        assert_eq!(
            flusher.join().unwrap(),
            capacity,
            "the last flush after all commits"
        );
        records
    });
    assert_eq!(log.committed(), capacity);
    assert_eq!(log.hole().map(|h| h.rows), None);
    assert_eq!(log.durable(), capacity);
    drop(log);
    records
}

fn check_file(path: &Path, capacity: u64, records: &[Done]) {
    let bytes = std::fs::read(path).unwrap();
    let offset = RowLog::<Row>::rows_offset(capacity).unwrap();
    assert_eq!(bytes.len(), RowLog::<Row>::file_len(capacity).unwrap());
    let rows = <[Row]>::ref_from_bytes(&bytes[offset..]).unwrap();
    assert_eq!(rows.len() as u64, capacity);
    // Every row index was handed to exactly one writer...
    let mut owners = vec![0u32; rows.len()];
    for record in records {
        let index = match *record {
            Done::Wrote(row) => {
                assert_eq!(
                    rows[row.index as usize], row,
                    "row {} in the file",
                    row.index
                );
                row.index
            }
            Done::Abandoned(index) => {
                assert_eq!(rows[index as usize], Row::ZERO, "abandoned row {index}");
                index
            }
        };
        owners[index as usize] += 1;
    }
    assert!(owners.iter().all(|&n| n == 1), "every row exactly once");
    // ...and every writer's rows are there with distinct sequence numbers.
    let written: HashSet<(u64, u64)> = records
        .iter()
        .filter_map(|r| match r {
            Done::Wrote(row) => Some((row.writer, row.seq)),
            Done::Abandoned(_) => None,
        })
        .collect();
    let wrote = records
        .iter()
        .filter(|r| matches!(r, Done::Wrote(_)))
        .count();
    assert_eq!(written.len(), wrote);
    // The header says what the log said: all rows claimed, committed and durable.
    let counter = |at: usize| u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap());
    assert_eq!(
        (counter(32), counter(40), counter(48)),
        (capacity, capacity, capacity)
    );
}

fn writers_reader_flusher(writers: u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.log");
    let rows_each = 3000;
    let records = run(&path, writers, rows_each);
    assert!(records.iter().any(|r| matches!(r, Done::Abandoned(_))));
    check_file(&path, writers * rows_each, &records);

    // A fresh handle sees the same rows.
    let again = private!(RowLog::<Row>::open(&path)).unwrap();
    assert_eq!(again.capacity(), writers * rows_each);
    assert_eq!(again.committed_rows().len() as u64, writers * rows_each);
    assert!(
        again
            .committed_rows()
            .iter()
            .enumerate()
            .all(|(i, row)| row.is_valid_at(i as u64))
    );
}

#[test]
fn two_writers() {
    writers_reader_flusher(2);
}

#[test]
fn four_writers() {
    writers_reader_flusher(4);
}

#[test]
fn eight_writers() {
    writers_reader_flusher(8);
}

#[test]
fn handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<RowLog<Row>>();
    send::<mmarray_std::RowsMut<'static, Row>>();
}

#[test]
fn a_full_log_refuses_and_changes_nothing() {
    let log = RowLog::<u32>::anonymous(5).unwrap();
    let held = log.claim(3).unwrap();
    let err = log.claim(3).unwrap_err();
    assert!(matches!(
        err,
        Error::Claim(ClaimError::Full {
            requested: 3,
            available: 2,
            capacity: 5
        })
    ));
    assert_eq!(
        err.to_string(),
        "cannot claim 3 rows: only 2 of 5 rows are unclaimed; claim at most 2 rows or create \
         the array with a larger capacity"
    );
    assert_eq!(
        std::io::Error::from(err).kind(),
        std::io::ErrorKind::StorageFull
    );
    assert_eq!(log.claimed(), 3);
    drop(held);
    assert_eq!(log.claim_up_to(3).unwrap().rows(), 3..5);
    assert_eq!(log.committed(), 5);
}

#[test]
fn a_panicking_writer_publishes_zeros_not_half_rows() {
    let log = std::sync::Arc::new(RowLog::<u64>::anonymous(4).unwrap());
    let writer = {
        let log = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            let mut rows = log.claim(2).unwrap();
            rows[0] = 11;
            panic!("the writer fails half-way");
        })
    };
    assert!(writer.join().is_err());
    log.push(33).unwrap();
    assert_eq!(log.committed_rows(), &[0, 0, 33]);
}

#[test]
fn a_forgotten_guard_stalls_readers_until_forced() {
    let mut log = RowLog::<u64>::anonymous(6).unwrap();
    log.push(1).unwrap();
    let mut lost = log.claim(2).unwrap();
    lost[0] = 99;
    let lost_rows = lost.rows();
    std::mem::forget(lost);
    log.push(4).unwrap();
    assert_eq!(
        (log.committed(), log.hole().map(|h| h.rows)),
        (1, Some(1..3))
    );
    assert_eq!(log.committed_rows(), &[1]);
    // Rows outside the stalled range are refused, and nothing changes.
    // SAFETY: an anonymous log has no writers in other processes.
    let err = unsafe { log.force_complete(0..3) }.unwrap_err();
    assert!(matches!(
        err,
        Error::NotStalled {
            start: 0,
            end: 3,
            committed: 1,
            stalled_end: 3
        }
    ));
    assert!(
        err.to_string()
            .starts_with("rows 0..3 are not all claimed-but-incomplete")
    );
    #[allow(
        clippy::reversed_empty_ranges,
        reason = "the reversed range is the input under test"
    )]
    let reversed = 3..2;
    // SAFETY: as above.
    let reversed = unsafe { log.force_complete(reversed) }.unwrap_err();
    assert!(matches!(reversed, Error::Recover(_)));
    assert_eq!(log.committed(), 1);
    // SAFETY: as above.
    assert_eq!(unsafe { log.force_complete(lost_rows) }.unwrap(), 4);
    assert_eq!(
        log.committed_rows(),
        &[1, 0, 0, 4],
        "the hole reads as zeros"
    );
}

#[test]
fn the_file_layout_is_the_documented_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layout.log");
    let log = private!(RowLog::<u32>::create(&path, 3)).unwrap();
    log.push(0xAABB_CCDD).unwrap();
    let _open = log.claim(1).unwrap();
    log.flush().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut golden = Vec::new();
    golden.extend_from_slice(b"MMACLAIM");
    golden.extend_from_slice(&1u32.to_ne_bytes());
    golden.extend_from_slice(&0x0102_0304u32.to_ne_bytes());
    // capacity, row size, tail, committed, durable, bitmap word (empty: row 0 was
    // committed at the watermark, which needs no completion bit)
    for field in [3u64, 4, 2, 1, 1, 0] {
        golden.extend_from_slice(&field.to_ne_bytes());
    }
    // Void bitmap word, closer word (temporary placement), then zeros up to 128.
    golden.extend_from_slice(&[0; 16]);
    golden.extend_from_slice(&[0; 48]);
    assert_eq!(
        golden.len(),
        128,
        "the rows start at the next multiple of 64"
    );
    golden.extend_from_slice(&0xAABB_CCDDu32.to_ne_bytes());
    golden.extend_from_slice(&[0; 8]);
    assert_eq!(bytes, golden);
}

#[test]
fn open_refuses_what_is_not_a_log_of_this_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.log");
    let log = private!(RowLog::<u64>::create(&path, 10)).unwrap();
    drop(log);
    let err = private!(RowLog::<u32>::open(&path)).unwrap_err();
    assert!(matches!(
        err,
        Error::ClaimHeader {
            error: SetupError::RowSizeMismatch {
                expected: 4,
                found: 8
            },
            path: Some(_)
        }
    ));
    assert_eq!(
        std::io::Error::from(err).kind(),
        std::io::ErrorKind::InvalidData
    );

    let full_len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(full_len - 1)
        .unwrap();
    let err = private!(RowLog::<u64>::open(&path)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::DataTruncated {
                needed: 80,
                len: 79,
                path: Some(_)
            }
        ),
        "the 10 rows' 80 bytes after the header region, and what is left of them: {err}"
    );
    assert_eq!(full_len % 64, 80 % 64, "the rows start at a multiple of 64");

    // Ending inside the completion bitmap (1000 rows: 16 words after the 56-byte header) is
    // a short claims header, not missing rows.
    let big = dir.path().join("big.bin");
    drop(private!(RowLog::<u64>::create(&big, 1000)).unwrap());
    let region = mmarray::claim::Mapped::region_len(1000).unwrap();
    assert_eq!(region, 56 + 2 * 16 * 8 + 8);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(100)
        .unwrap();
    let err = private!(RowLog::<u64>::open(&big)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::ClaimHeader {
                error: SetupError::TooShort {
                    needed: 320,
                    actual: 100
                },
                path: Some(_)
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{} is 100 bytes, shorter than the 320-byte header of a row log: it is not a row \
             log; open a file made by RowLog::create",
            big.display()
        )
    );

    let other = dir.path().join("other.bin");
    std::fs::write(&other, [7u8; 100]).unwrap();
    let err = private!(RowLog::<u64>::open(&other)).unwrap_err();
    assert!(matches!(
        err,
        Error::ClaimHeader { error: SetupError::BadMagic { found }, path: Some(_) } if found == [7; 8]
    ));
    std::fs::write(&other, [0u8; 10]).unwrap();
    let err = private!(RowLog::<u64>::open(&other)).unwrap_err();
    assert!(matches!(
        err,
        Error::ClaimHeader {
            error: SetupError::TooShort {
                needed: 56,
                actual: 10
            },
            path: Some(_)
        }
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "{} is 10 bytes, shorter than the 56-byte header of a row log: it is not a row \
             log; open a file made by RowLog::create",
            other.display()
        )
    );

    // Refused before the file is touched, and named.
    let before = std::fs::read(&other).unwrap();
    let err = private!(RowLog::<u64>::create(&other, u64::MAX)).unwrap_err();
    assert!(
        matches!(&err, Error::Layout { path: Some(p), .. } if p == &other),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&other).unwrap(), before);
}

#[test]
fn recover_keeps_durable_rows_and_reclaims_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.log");
    let log = private!(RowLog::<u64>::create(&path, 8)).unwrap();
    for v in [10, 11, 12] {
        log.push(v).unwrap();
    }
    assert_eq!(log.flush().unwrap().durable, 3);
    log.push(13).unwrap(); // committed, not durable
    std::mem::forget(log.claim(2).unwrap()); // held when the "crash" happens
    log.push(16).unwrap();
    drop(log);

    let (log, _) = private!(RowLog::<u64>::recover(&path)).unwrap();
    assert_eq!(
        (log.claimed(), log.watermarks()),
        (
            3,
            Watermarks {
                durable: 3,
                committed: 3
            }
        )
    );
    assert_eq!(log.committed_rows(), &[10, 11, 12]);
    let mut again = log.claim(5).unwrap();
    assert_eq!(again.rows(), 3..8);
    again.copy_from_slice(&[20, 21, 22, 23, 24]);
    again.commit();
    assert_eq!(log.committed_rows(), &[10, 11, 12, 20, 21, 22, 23, 24]);
}
