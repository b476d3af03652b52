//! The concurrent-writers protocol under real threads: 2 to 8 writers, a reader that checks
//! every row as it becomes visible, and a flusher; afterwards every row is present exactly once.
//!
//! Rows carry their own identity (writer, sequence number) and a checksum over it and the row
//! index, written with `Relaxed` stores: only the protocol's release/acquire edges make them
//! visible, so a reader that sees a row below the watermark unwritten or half-written has found
//! a publication bug.

#![cfg(not(mmarray_loom))]

use mmarray::claim::{Borrowed, ClaimError, Claims, Inline, Mapped, Store, Watermarks};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;
use std::thread;

/// `native` rows, or `miri` under Miri, which interprets every step: a few hundred rows
/// give the same interleavings (claim, commit, watermark advance, flush) at a small
/// fraction of the cost.
const fn rows_for(native: u64, miri: u64) -> u64 {
    if cfg!(miri) { miri } else { native }
}

struct Row {
    /// `(writer + 1) << 40 | sequence number within the writer`; 0 = unwritten.
    payload: AtomicU64,
    /// [`checksum`] of the row index and payload.
    check: AtomicU64,
}

fn rows(n: u64) -> Vec<Row> {
    (0..n)
        .map(|_| Row {
            payload: AtomicU64::new(0),
            check: AtomicU64::new(0),
        })
        .collect()
}

/// splitmix64 finaliser over the row index and payload.
fn checksum(row: u64, payload: u64) -> u64 {
    let mut z = row.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ payload;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Reads row `row`, panicking unless it is fully written; returns its payload.
fn read(rows: &[Row], row: u64) -> u64 {
    let r = &rows[row as usize];
    let payload = r.payload.load(Relaxed);
    let check = r.check.load(Relaxed);
    assert_ne!(payload, 0, "row {row} is visible but unwritten");
    assert_eq!(
        check,
        checksum(row, payload),
        "row {row} is visible but half-written"
    );
    payload
}

/// One writer: claims batches of 1..=7 rows until the array is full, writes and commits them.
/// Returns how many rows it wrote.
fn writer<S: Store>(claims: &Claims<S>, rows: &[Row], id: u64) -> u64 {
    let mut state = id.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
    let mut seq = 0;
    loop {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let want = state % 7 + 1;
        let claim = match claims.claim(want) {
            Ok(claim) => claim,
            Err(ClaimError::Full { available: 0, .. }) => return seq,
            // Fewer rows left than wanted: take what is left (someone may beat us to it).
            Err(ClaimError::Full { .. }) => match claims.claim_up_to(want) {
                Ok(claim) => claim,
                Err(_) => return seq,
            },
            Err(other) => panic!("unexpected {other}"),
        };
        if state.is_multiple_of(4) {
            // Widen the window between claiming and committing, so that other writers'
            // commits and the reader's scans land inside it.
            thread::yield_now();
        }
        for row in claim.rows() {
            let payload = ((id + 1) << 40) | seq;
            rows[row as usize].payload.store(payload, Relaxed);
            rows[row as usize]
                .check
                .store(checksum(row, payload), Relaxed);
            seq += 1;
        }
        claim.commit();
    }
}

/// Runs `writers` writers, a reader and a flusher over `claims` and `rows` (as long as the
/// capacity), then checks every row is present exactly once.
fn hammer<S: Store + Sync>(claims: &Claims<S>, rows: &[Row], writers: u64) {
    let capacity = claims.capacity();
    let written: Vec<u64> = thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|id| scope.spawn(move || writer(claims, rows, id)))
            .collect();
        // Reader: every row below the watermark is complete; the watermark only grows.
        scope.spawn(|| {
            let mut seen = 0;
            while seen < capacity {
                let Watermarks { durable, committed } = claims.watermarks();
                assert!(
                    durable <= committed,
                    "durable {durable} > committed {committed}"
                );
                assert!(
                    committed >= seen,
                    "watermark went back from {seen} to {committed}"
                );
                for row in seen..committed {
                    read(rows, row);
                }
                seen = committed;
                thread::yield_now();
            }
        });
        // Flusher: asked to persist only committed, complete rows, in non-overlapping order.
        scope.spawn(|| {
            let mut durable = 0;
            while durable < capacity {
                let now = claims
                    .flush(|range| {
                        assert!(range.start >= durable && range.end <= claims.committed());
                        for row in range {
                            read(rows, row);
                        }
                        Ok::<(), ()>(())
                    })
                    .expect("persist never fails here");
                assert!(now >= durable, "durable went back from {durable} to {now}");
                durable = now;
                thread::yield_now();
            }
        });
        handles
            .into_iter()
            .map(|h| h.join().expect("writer"))
            .collect()
    });

    assert_eq!(
        written.iter().sum::<u64>(),
        capacity,
        "rows handed out: {written:?}"
    );
    assert_eq!(
        claims.watermarks(),
        Watermarks {
            durable: capacity,
            committed: capacity
        }
    );
    // Every row exactly once: each writer's sequence numbers are 0..written, each seen once,
    // in increasing row order (a writer's claims only move forward).
    let mut next_seq = vec![0u64; writers as usize];
    for row in 0..capacity {
        let payload = read(rows, row);
        let id = (payload >> 40) - 1;
        let seq = payload & ((1 << 40) - 1);
        assert!(id < writers, "row {row} has writer {id}");
        assert_eq!(
            seq, next_seq[id as usize],
            "row {row}: writer {id} out of sequence"
        );
        next_seq[id as usize] += 1;
    }
    assert_eq!(next_seq, written);
}

#[test]
fn writers_reader_and_flusher_on_a_heap_bitmap() {
    for writers in [2, 4, 8] {
        let capacity = rows_for(100_000, 256);
        let mut bitmap: Vec<AtomicU64> = (0..2 * (capacity / 64 + 1))
            .map(|_| AtomicU64::new(0))
            .collect();
        let claims = Claims::new(Borrowed::new(&mut bitmap, capacity).expect("bitmap fits"));
        hammer(&claims, &rows(capacity), writers);
    }
}

#[test]
fn writers_reader_and_flusher_on_an_inline_store_in_a_box() {
    let capacity = rows_for(4000, 200);
    let claims = Box::new(Claims::new(
        Inline::<64>::new(capacity).expect("64 words hold 4096"),
    ));
    hammer(&claims, &rows(capacity), 3);
}

#[test]
fn writers_reader_and_flusher_on_an_in_file_header() {
    let capacity = rows_for(10_000, 256);
    let words = Mapped::region_words(capacity, 0, 0).expect("fits");
    let region: Vec<AtomicU64> = (0..words).map(|_| AtomicU64::new(0)).collect();
    let store = Mapped::create(&region, capacity, 16).expect("region sized by region_words");
    // Other "processes" join while the writers run: `Mapped::open`'s read order must never
    // see the live counters as inconsistent, and the joiner's advance must not disturb them.
    let done = std::sync::atomic::AtomicBool::new(false);
    let joins = thread::scope(|scope| {
        let joiner = scope.spawn(|| {
            let mut joins = 0u64;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::Acquire);
                let joined = Claims::new(Mapped::open(&region, capacity, 16).expect("live join"));
                let committed = joined.advance_committed();
                assert!(
                    committed <= joined.claimed(),
                    "committed {committed} above tail"
                );
                joins += 1;
                if finished {
                    return joins;
                }
            }
        });
        hammer(&Claims::new(store), &rows(capacity), 4);
        done.store(true, std::sync::atomic::Ordering::Release);
        joiner.join().expect("joiner")
    });
    assert!(joins > 0, "the joiner joined at least once");
    // A second "process" joining the same words sees the final state.
    let joined = Claims::new(Mapped::open(&region, capacity, 16).expect("a valid header"));
    assert_eq!((joined.claimed(), joined.committed()), (capacity, capacity));
}

/// A writer dies holding a claim: the others finish, the watermark stops at the hole, and a
/// supervisor fills the dead rows (with a checkable tombstone here; zeros in real use) and
/// force-completes them, after which the watermark reaches the end.
#[test]
fn a_dead_writer_leaves_a_hole_that_a_supervisor_closes() {
    let capacity = rows_for(5000, 300);
    let rows = rows(capacity);
    let mut claims = Claims::new(Inline::<79>::new(capacity).expect("79 words hold 5056"));
    let (shared, rows_ref) = (&claims, &rows[..]);
    let dead = thread::scope(|scope| {
        // Let some rows commit first, so the hole is in the middle.
        let first = writer_batch(shared, rows_ref, 0, 100);
        assert_eq!(first, 100);
        let victim = scope
            .spawn(|| {
                let claim = shared.claim(10).expect("room");
                let rows = claim.rows();
                drop(claim); // the thread "dies" without committing or abandoning
                rows
            })
            .join()
            .expect("victim");
        let others: Vec<_> = (1..4)
            .map(|id| scope.spawn(move || writer(shared, rows_ref, id)))
            .collect();
        let written: u64 = others.into_iter().map(|h| h.join().expect("writer")).sum();
        assert_eq!(written + 100 + 10, capacity);
        victim
    });
    assert_eq!(dead, 100..110);
    assert_eq!(claims.committed(), 100, "the watermark stops at the hole");
    assert_eq!(claims.stalled(), Some(100..110));
    for row in dead.clone() {
        let tombstone = u64::MAX;
        rows[row as usize].payload.store(tombstone, Relaxed);
        rows[row as usize]
            .check
            .store(checksum(row, tombstone), Relaxed);
    }
    assert_eq!(claims.force_complete(dead), Ok(capacity));
    for row in 0..capacity {
        read(&rows, row);
    }
}

/// Writes exactly `n` rows as writer `id` in one claim.
fn writer_batch<S: Store>(claims: &Claims<S>, rows: &[Row], id: u64, n: u64) -> u64 {
    let claim = claims.claim(n).expect("room");
    for (seq, row) in claim.rows().enumerate() {
        let payload = ((id + 1) << 40) | seq as u64;
        rows[row as usize].payload.store(payload, Relaxed);
        rows[row as usize]
            .check
            .store(checksum(row, payload), Relaxed);
    }
    claim.commit();
    n
}
