//! A failed write-back (`msync(2)` failing, injected per thread by `sys::calls::fail_msync`)
//! at each `msync` of a flush: what the failing flush reports and leaves in the file, and
//! that the handle reports [`Error::WriteBackFailed`] from then on, even once `msync` would
//! succeed again, until the log is opened again.

use std::path::Path;
use std::time::Duration;

use mmarray::claim::ClaimHeader;
use mmarray::npy::Header;

use super::*;
use crate::sys::{Errno, calls};

/// `msync(2)` calls made by this thread so far.
fn msyncs() -> u64 {
    calls::get().0
}

/// What numpy reads as the number of rows: the shape in the file's `.npy` header.
fn shape(bytes: &[u8]) -> u64 {
    let (header, _) = Header::parse(bytes).expect("the header parses");
    header.shape()[0] as u64
}

/// The claims header word at `offset` (from the region's start) in the file's bytes.
fn word(log: &RowLog<u64>, bytes: &[u8], offset: usize) -> u64 {
    let at = log.layout.region_at + offset;
    u64::from_ne_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// The durable watermark the file's claims header holds.
fn durable_in(log: &RowLog<u64>, bytes: &[u8]) -> u64 {
    word(log, bytes, ClaimHeader::DURABLE_OFFSET)
}

/// A log of 1000 rows at `path` with rows 0..10 flushed and 10..25 committed only.
fn log_with_unflushed_rows(path: &Path) -> RowLog<u64> {
    // SAFETY: the file is private to this test (a temporary directory's); only this row log
    // uses it while it is mapped.
    let log = unsafe { RowLog::<u64>::create(path, 1000) }.expect("create");
    for i in 0..10 {
        log.push(i).expect("room");
    }
    assert_eq!(log.flush().expect("flush").durable, 10);
    for i in 10..25 {
        log.push(i).expect("room");
    }
    log
}

/// The `n`th `msync` (from 0) of a flush that writes back new rows, and what it writes back.
const CALLS: [&str; 4] = [
    "the rows",
    "their void words",
    "the claims header",
    "the .npy header",
];

#[cfg(target_os = "linux")]
#[test]
fn a_flush_of_new_rows_makes_one_msync_per_part() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let log = log_with_unflushed_rows(&dir.path().join("parts.npy"));
    let before = msyncs();
    assert_eq!(log.flush().expect("flush").durable, 25);
    assert_eq!(
        msyncs() - before,
        CALLS.len() as u64,
        "one msync for each of {CALLS:?}"
    );
}

#[test]
fn a_failed_write_back_raises_nothing_and_is_reported_until_the_log_is_opened_again() {
    for (failing, part) in CALLS.iter().enumerate() {
        let failing = failing as u64;
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("samples.npy");
        let log = log_with_unflushed_rows(&path);
        let before = std::fs::read(&path).expect("read");
        assert_eq!((shape(&before), durable_in(&log, &before)), (10, 10));

        // The flush: the `failing`th msync fails with EIO, after those before it went through.
        let calls_before = msyncs();
        let failure = calls::fail_msync(failing, Errno::IO);
        let err = log.flush().expect_err(part);
        match &err {
            Error::Io {
                op: "msync(2)",
                path: Some(p),
                source,
            } if p == &path && source.raw_os_error() == Some(Errno::IO.raw_os_error()) => {}
            other => panic!("writing back {part}: expected msync's EIO, got {other:?}"),
        }
        assert_eq!(
            msyncs() - calls_before,
            failing + 1,
            "writing back {part}: the flush stopped at the failure"
        );
        let after = std::fs::read(&path).expect("read");
        let h = log.layout.rows;
        assert_eq!(
            after[h..log.layout.region_at],
            before[h..log.layout.region_at],
            "writing back {part}: the rows changed"
        );
        if failing < 2 {
            // The rows are not known to be on disk: nothing says they are — not the durable
            // watermark, not the file's copy of it, not numpy's shape. Not a byte changed.
            assert_eq!(log.durable(), 10, "writing back {part}");
            assert!(after == before, "writing back {part}: the file changed");
        } else {
            // The rows are on disk, and the watermark says so; the file's copy of the watermark
            // (written, its page not known on disk) and the shape may lag, never lead.
            assert_eq!(log.durable(), 25, "writing back {part}");
            assert_eq!(durable_in(&log, &after), 25);
            let mut expected = before.clone();
            let at = log.layout.region_at + ClaimHeader::DURABLE_OFFSET;
            expected[at..at + 8].copy_from_slice(&25u64.to_ne_bytes());
            if failing == 2 {
                assert_eq!(shape(&after), 10, "the shape is published after the page");
                assert!(after == expected, "only the durable word changed");
            } else {
                assert_eq!(
                    shape(&after),
                    25,
                    "the shape was rewritten, its page not synced"
                );
            }
        }
        assert!(shape(&after) <= durable_in(&log, &after));

        // msync works again (the kernel would not report the lost pages' error twice), but
        // this handle keeps refusing: without calling msync, naming the file.
        drop(failure);
        let whole = log.layout.len;
        assert!(log.map.flush_range(0, whole, true).is_ok(), "msync works");
        let durable = log.durable();
        let file_durable = durable_in(&log, &std::fs::read(&path).expect("read"));
        let file_shape = shape(&std::fs::read(&path).expect("read"));
        log.push(25).expect("room");
        let calls_before = msyncs();
        let refused = |err: Error| match &err {
            Error::WriteBackFailed { path: Some(p) } if p == &path => {
                let text = err.to_string();
                assert!(
                    text.contains(&path.display().to_string())
                        && text.contains("an earlier write-back of this row log failed"),
                    "{text}"
                );
            }
            other => panic!("after writing back {part} failed: {other:?}"),
        };
        refused(log.flush().expect_err(part));
        refused(log.flush().expect_err(part));
        // The wait ends at once: the flush's error, not a timeout's `NotDurable`.
        refused(
            log.flush_until_durable(Duration::from_secs(5))
                .expect_err(part),
        );
        refused(log.flush_until(26, Duration::from_secs(5)).expect_err(part));
        let mut w = log.writer(4);
        w.push(26).expect("room");
        refused(
            w.flush_until_durable(Duration::from_secs(5))
                .expect_err(part),
        );
        drop(w);
        assert_eq!(msyncs(), calls_before, "a refused flush makes no msync");
        assert_eq!((log.durable(), log.committed()), (durable, 27));
        let now = std::fs::read(&path).expect("read");
        assert_eq!(
            (durable_in(&log, &now), shape(&now)),
            (file_durable, file_shape),
            "after writing back {part} failed: the file's watermark or shape was raised"
        );
        drop(log);

        // Opened again (what the error says to do), the log flushes: every committed row.
        // SAFETY: as in `log_with_unflushed_rows`; the first handle is dropped.
        let log = unsafe { RowLog::<u64>::open(&path) }.expect("open");
        let flushed = log.flush().expect("flush after opening again");
        assert_eq!((flushed.durable, flushed.committed), (27, 27));
        let bytes = std::fs::read(&path).expect("read");
        assert_eq!((shape(&bytes), durable_in(&log, &bytes)), (27, 27));
        assert_eq!(log.committed_rows(), (0..27).collect::<Vec<u64>>());
    }
}
