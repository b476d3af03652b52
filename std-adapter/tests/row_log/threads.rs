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
    let offset = RowLog::<Row>::header_len().unwrap();
    assert_eq!(bytes.len(), RowLog::<Row>::file_len(capacity).unwrap());
    let end = offset + capacity as usize * size_of::<Row>();
    let rows = <[Row]>::ref_from_bytes(&bytes[offset..end]).unwrap();
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
    let region = mmarray::claim::Geometry::new(capacity, size_of::<Row>() as u64)
        .with_header_len(offset as u64)
        .region_offset()
        .unwrap() as usize;
    let counter =
        |at: usize| u64::from_ne_bytes(bytes[region + at..region + at + 8].try_into().unwrap());
    assert_eq!(
        (counter(16), counter(24), counter(32)),
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
    // The `.npy` header: 256 bytes, the durable row count (1) in the second shape slot
    // (the first flush's), the comment naming the void bitmap at 4096 + 128 + 8.
    let mut golden = Vec::new();
    golden.extend_from_slice(b"\x93NUMPY\x01\x00");
    golden.extend_from_slice(&246u16.to_le_bytes());
    golden.extend_from_slice(b"{'descr': '<u4', 'fortran_order': False, 'shape': (");
    golden.extend_from_slice(&[b' '; 40]);
    golden.extend_from_slice(b"1,), } # mmarray row log v2; capacity 3; void bitmap at byte 4232");
    golden.resize(255, b' ');
    golden.push(b'\n');
    // The rows at 256: row 0 committed, row 1 claimed (zero), row 2 never claimed.
    golden.extend_from_slice(&0xAABB_CCDDu32.to_ne_bytes());
    golden.extend_from_slice(&[0; 8]);
    // Zeros up to the claims region at the next multiple of 4096.
    golden.resize(4096, 0);
    golden.extend_from_slice(b"MMRLOG\x02\0");
    golden.extend_from_slice(&2u32.to_ne_bytes());
    golden.extend_from_slice(&0x0102_0304u32.to_ne_bytes());
    // tail, committed, durable, allocated, capacity, row size, npy header length
    for field in [2u64, 1, 1, 3, 3, 4, 256] {
        golden.extend_from_slice(&field.to_ne_bytes());
    }
    golden.extend_from_slice(&64u32.to_ne_bytes()); // slots
    golden.extend_from_slice(&32u32.to_ne_bytes()); // entries per slot
    // boot id (two words, this boot's: `/proc/sys/kernel/random/boot_id`, low half first),
    // published (1, parity 1), header writer, closer, header target
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let boot = u128::from_str_radix(&boot.trim().replace('-', ""), 16).unwrap();
    for field in [boot as u64, (boot >> 64) as u64, 1 | 1 << 62, 0, 0, 1] {
        golden.extend_from_slice(&field.to_ne_bytes());
    }
    // Done bitmap (empty: row 0 was committed at the watermark, which needs no bit), void
    // bitmap, padding to 192, then 64 slots of 8 + 8 * 32 words. Slot 0 is this process's
    // (taken at create): generation 1, pid, start time (`/proc/self/stat` field 22, counted
    // after the parenthesised name), pid namespace; one of its entries (each thread starts
    // its search at its own entry) announces the open claim of row 1 (`start | len << 40`;
    // the push's announcement was retired).
    golden.resize(4096 + 192, 0);
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let start_ticks: u64 = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap();
    let pid_ns =
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata("/proc/self/ns/pid").unwrap());
    for field in [1, u64::from(std::process::id()), start_ticks, pid_ns] {
        golden.extend_from_slice(&field.to_ne_bytes());
    }
    let entries_at = 4096 + 192 + 64;
    let announcing: Vec<usize> = (0..32)
        .filter(|e| bytes[entries_at + 64 * e..entries_at + 64 * (e + 1)] != [0; 64])
        .collect();
    assert_eq!(announcing.len(), 1, "one entry announces the open claim");
    golden.resize(entries_at + 64 * announcing[0], 0);
    golden.extend_from_slice(&(1u64 | 1 << 40).to_ne_bytes());
    golden.resize(4096 + 192 + 64 * 2112, 0);
    assert_eq!(bytes.len(), golden.len());
    assert_eq!(bytes[..4096 + 192], golden[..4096 + 192]);
    assert_eq!(bytes, golden);
    assert_eq!(RowLog::<u32>::header_len(), Some(256));
    assert_eq!(RowLog::<u32>::file_len(3), Some(golden.len()));
}

#[test]
fn open_refuses_what_is_not_a_log_of_this_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.log");
    let log = private!(RowLog::<u64>::create(&path, 10)).unwrap();
    drop(log);
    // The `.npy` header names the rows' type: another type is refused by its descr.
    let err = private!(RowLog::<u32>::open(&path)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Header {
                error: mmarray::npy::Error::DescrMismatch { .. },
                path: Some(_)
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        std::io::Error::from(err).kind(),
        std::io::ErrorKind::InvalidData
    );

    // Cut inside the claims region, after the rows.
    let full_len = std::fs::metadata(&path).unwrap().len();
    let cut = |len: u64| {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len)
            .unwrap();
    };
    cut(full_len - 1);
    let err = private!(RowLog::<u64>::open(&path)).unwrap_err();
    let region_len = full_len as usize - 4096;
    assert!(
        matches!(
            err,
            Error::ClaimHeader {
                error: SetupError::TooShort { needed, actual },
                path: Some(_)
            } if needed == region_len && actual == region_len - 1
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("claims region"), "{err}");
    // Cut inside the rows (10 rows of 8 bytes at 256) and their padding up to 4096.
    cut(300);
    let err = private!(RowLog::<u64>::open(&path)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::DataTruncated {
                needed: 3840,
                len: 44,
                path: Some(_)
            }
        ),
        "{err:?}"
    );
    // Cut inside the `.npy` header.
    cut(100);
    let err = private!(RowLog::<u64>::open(&path)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Header {
                error: mmarray::npy::Error::Truncated { .. },
                path: Some(_)
            }
        ),
        "{err:?}"
    );

    let other = dir.path().join("other.bin");
    for junk in [&[7u8; 100][..], &[0u8; 10]] {
        std::fs::write(&other, junk).unwrap();
        let err = private!(RowLog::<u64>::open(&other)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Header {
                    error: mmarray::npy::Error::BadMagic { .. },
                    path: Some(_)
                }
            ),
            "{err:?}"
        );
    }
    // A plain `.npy` file is not a row log.
    let plain = dir.path().join("plain.npy");
    drop(
        private!(mmarray_std::npy::create::<u64, mmarray_std::Ix1>(
            &plain,
            [4]
        ))
        .unwrap(),
    );
    let err = private!(RowLog::<u64>::open(&plain)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Header {
                error: mmarray::npy::Error::NotARowLog { .. },
                path: Some(_)
            }
        ),
        "{err:?}"
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
fn a_version_1_log_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.log");
    // The first bytes of a version-1 log: its claims header at byte 0.
    let mut v1 = Vec::new();
    v1.extend_from_slice(b"MMACLAIM");
    v1.extend_from_slice(&1u32.to_ne_bytes());
    v1.extend_from_slice(&0x0102_0304u32.to_ne_bytes());
    for word in [10u64, 8, 0, 0, 0, 0] {
        v1.extend_from_slice(&word.to_ne_bytes());
    }
    v1.resize(64 + 80, 0);
    std::fs::write(&path, &v1).unwrap();
    for err in [
        private!(RowLog::<u64>::open(&path)).unwrap_err(),
        private!(RowLog::<u64>::recover(&path)).unwrap_err(),
    ] {
        assert!(
            matches!(
                err,
                Error::ClaimHeader {
                    error: SetupError::UnsupportedVersion {
                        found: 1,
                        supported: 2
                    },
                    path: Some(_)
                }
            ),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("version 1"), "{message}");
        assert!(message.contains("create a new log"), "{message}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), v1, "the file is unchanged");
}

/// A log of 8 rows left by a "crash": rows 0..3 durable, 3 committed, 4..6 held by a claim
/// that never ended, 6 committed above it.
fn crashed_log(path: &std::path::Path) {
    let log = private!(RowLog::<u64>::create(path, 8)).unwrap();
    for v in [10, 11, 12] {
        log.push(v).unwrap();
    }
    assert_eq!(log.flush().unwrap().durable, 3);
    log.push(13).unwrap(); // committed, not durable
    std::mem::forget(log.claim(2).unwrap()); // held when the "crash" happens
    log.push(16).unwrap();
    drop(log);
}

#[test]
fn recover_on_the_same_boot_keeps_every_committed_row_and_voids_the_hole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.log");
    crashed_log(&path);
    let (log, recovered) = private!(RowLog::<u64>::recover(&path)).unwrap();
    assert_eq!(
        (recovered.kept, recovered.closed, recovered.rewound),
        (7, 2, 0)
    );
    assert_eq!(
        (log.claimed(), log.watermarks()),
        (
            7,
            Watermarks {
                durable: 3,
                committed: 7
            }
        )
    );
    assert_eq!(log.committed_rows(), &[10, 11, 12, 13, 0, 0, 16]);
    assert_eq!(log.push(17).unwrap(), 7);
}

#[test]
fn recover_after_a_reboot_keeps_durable_rows_and_reclaims_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.log");
    crashed_log(&path);
    // Another boot's session: the boot id (region words 10 and 11, the region at 4096 after
    // the header and 8 rows) is not this machine's now.
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&file, &[0; 16], 4096 + 80).unwrap();
    drop(file);

    let (log, recovered) = private!(RowLog::<u64>::recover(&path)).unwrap();
    assert_eq!((recovered.kept, recovered.rewound), (3, 4));
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
