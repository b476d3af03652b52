//! Appending 16-byte rows to a fresh file map from 1 and 2 threads, one row per claim:
//! `RowLog` claims (lock-free claims, commit bits, committed watermark) against a
//! `Mutex<usize>` cursor over a memmap2 `MmapMut` of a file of the same size (lock, take the
//! next index, write the row, unlock). A second round takes 16 rows per claim (and per lock).
//!
//! Each iteration appends `ROWS` rows to a freshly sized file, so both sides pay the same
//! page faults; creating and mapping the file is outside the timed part.
//!
//! `raw_stores` is the machine's limit: the same rows stored into a fresh preallocated file
//! map with no protocol at all (`raw_stores_populated`: each thread's half faulted in with one
//! `madvise` first, as the row log does a window at a time ahead of its claims).
//!
//! Run with `cargo bench -p mmarray-bench --bench append`.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use std::fs::File;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mmarray_std::RowLog;
use zerocopy::IntoBytes;

/// Rows appended per iteration (1 MiB of rows).
const ROWS: u64 = 1 << 16;

mmarray_std::record! {
    /// A 16-byte row (a record: a file-backed row log names its rows' numpy dtype).
    struct Row {
        k: u64,
        t: u64,
    }
}

/// Runs `work(thread, rows)` on `threads` threads (the caller's own thread when 1) and
/// returns the wall time.
fn timed(threads: u64, work: impl Fn(u64, u64) + Sync) -> Duration {
    let per_thread = ROWS / threads;
    let start = Instant::now();
    if threads == 1 {
        work(0, per_thread);
    } else {
        std::thread::scope(|s| {
            for t in 0..threads {
                let work = &work;
                s.spawn(move || work(t, per_thread));
            }
        });
    }
    start.elapsed()
}

fn row_log(path: &Path, threads: u64, batch: u64, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        // SAFETY: the file is private to this benchmark; only this row log uses it.
        let log = unsafe { RowLog::<Row>::create(path, ROWS) }.expect("create the log");
        total += timed(threads, |t, rows| {
            for i in (0..rows).step_by(batch as usize) {
                let mut claimed = log.claim(batch).expect("ROWS rows fit");
                for (k, row) in (i..).zip(claimed.iter_mut()) {
                    *row = Row { k, t };
                }
                claimed.commit();
            }
        });
        assert_eq!(log.committed(), ROWS);
    }
    total
}

/// One row per `push` through each thread's buffered [`RowLog::writer`] (chunks of 64 rows).
fn row_log_writer(path: &Path, threads: u64, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        // SAFETY: the file is private to this benchmark; only this row log uses it.
        let log = unsafe { RowLog::<Row>::create(path, ROWS) }.expect("create the log");
        total += timed(threads, |t, rows| {
            let mut w = log.writer(64);
            for k in 0..rows {
                w.push(Row { k, t }).expect("ROWS rows fit");
            }
        });
        assert_eq!(log.committed(), ROWS);
    }
    total
}

/// `path` opened for reading and writing, created or emptied.
fn empty_file(path: &Path) -> File {
    File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .expect("open")
}

fn mutex_cursor(path: &Path, threads: u64, batch: u64, iters: u64) -> Duration {
    let len = usize::try_from(ROWS).expect("fits") * size_of::<Row>();
    let file = empty_file(path);
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        file.set_len(0).expect("empty the file");
        file.set_len(len as u64).expect("size the file");
        // SAFETY: the file is private to this benchmark; nothing else writes or truncates it
        // while it is mapped (it is emptied above only after the previous map is dropped).
        let map = unsafe { memmap2::MmapMut::map_mut(&file) }.expect("map");
        let state = Mutex::new((0usize, map));
        total += timed(threads, |t, rows| {
            for i in (0..rows).step_by(batch as usize) {
                let mut guard = state.lock().expect("not poisoned");
                let (cursor, map) = &mut *guard;
                for k in i..i + batch {
                    let row = Row { k, t };
                    let at = *cursor * size_of::<Row>();
                    map[at..at + size_of::<Row>()].copy_from_slice(row.as_bytes());
                    *cursor += 1;
                }
            }
        });
        assert_eq!(state.lock().expect("not poisoned").0 as u64, ROWS);
    }
    total
}

/// The machine's limit: the same rows stored straight into a fresh, preallocated file map
/// (memmap2; no claims, no lock, each thread its own contiguous half). With `populate`, each
/// thread first faults its half in with one `MADV_POPULATE_WRITE` (inside the timed part),
/// the technique the row log uses ahead of its claims; without, every page pays its
/// first-write fault.
fn raw_stores(path: &Path, threads: u64, populate: bool, iters: u64) -> Duration {
    let len = usize::try_from(ROWS).expect("fits") * size_of::<Row>();
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let file = empty_file(path);
        rustix::fs::fallocate(&file, rustix::fs::FallocateFlags::empty(), 0, len as u64)
            .expect("preallocate");
        // SAFETY: the file is private to this benchmark; nothing else maps or changes it.
        let mut map = unsafe { memmap2::MmapMut::map_mut(&file) }.expect("map");
        let halves: Vec<&mut [u8]> = map.chunks_mut(len / threads as usize).collect();
        let halves: Vec<Mutex<&mut [u8]>> = halves.into_iter().map(Mutex::new).collect();
        total += timed(threads, |t, rows| {
            let mut half = halves[t as usize].lock().expect("not poisoned");
            if populate {
                // SAFETY: the advice faults pages of this thread's own half of the map in,
                // changing no byte and no mapping.
                unsafe {
                    rustix::mm::madvise(
                        half.as_mut_ptr().cast(),
                        half.len(),
                        rustix::mm::Advice::LinuxPopulateWrite,
                    )
                }
                .expect("populate");
            }
            for (k, at) in (0..rows).zip(half.chunks_exact_mut(size_of::<Row>())) {
                at.copy_from_slice(Row { k, t }.as_bytes());
            }
        });
    }
    total
}

fn append(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut group = c.benchmark_group("append_16B_rows");
    group
        .throughput(Throughput::Elements(ROWS))
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    // One row per append through each thread's buffered writer, against the mutex cursor's
    // one row per lock below.
    for threads in [1, 2] {
        let id = format!("{threads}_threads_1_row_per_push");
        let path = dir.path().join(format!("writer_{id}"));
        group.bench_function(BenchmarkId::new("row_log_writer", &id), |b| {
            b.iter_custom(|iters| row_log_writer(&path, threads, iters));
        });
    }
    for (populate, name) in [(false, "raw_stores"), (true, "raw_stores_populated")] {
        for threads in [1, 2] {
            let id = format!("{threads}_threads");
            let path = dir.path().join(format!("{name}_{id}"));
            group.bench_function(BenchmarkId::new(name, &id), |b| {
                b.iter_custom(|iters| raw_stores(&path, threads, populate, iters));
            });
        }
    }
    // One row per claim/lock (the comparison asked for), then 16 rows per claim/lock.
    for batch in [1, 16] {
        for threads in [1, 2] {
            let id = format!("{threads}_threads_{batch}_rows_per_claim");
            let path = dir.path().join(format!("row_log_{id}"));
            group.bench_function(BenchmarkId::new("row_log", &id), |b| {
                b.iter_custom(|iters| row_log(&path, threads, batch, iters));
            });
            let path = dir.path().join(format!("mutex_{id}"));
            group.bench_function(BenchmarkId::new("mutex_cursor", &id), |b| {
                b.iter_custom(|iters| mutex_cursor(&path, threads, batch, iters));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);
