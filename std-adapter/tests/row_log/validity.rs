//! Row validity without sentinels: after a mixed run — pushes, abandoned claims, buffered
//! writers whose chunk end could not go back, one that could, two writer threads, a
//! force-completed hole, a flush — `valid_rows()` is exactly the rows the test committed, and
//! numpy, with nothing but `np.load`, `np.memmap` and `np.unpackbits` (the snippet of the
//! README), finds the same valid rows among the durable ones.

use std::collections::BTreeMap;

use mmarray_std::RowLog;

use crate::support::{numpy, private};

mmarray_std::record! {
    /// A row: who wrote it, its sequence number, a value.
    #[derive(PartialEq)]
    pub struct Event {
        pub t: u64,
        pub id: u32,
        pub value: f32,
    }
}

/// Row `t` of writer `id`: never all zeros (a void row reads as zeros).
fn event(id: u32, t: u64) -> Event {
    Event {
        t,
        id,
        value: t as f32 * 0.25 + id as f32,
    }
}

/// The independent model: row index -> the row the test committed there.
type Model = BTreeMap<u64, Event>;

/// Pushes `n` rows of writer `id` one at a time and records them.
fn push(log: &RowLog<Event>, model: &mut Model, id: u32, n: u64) {
    for t in 0..n {
        let row = event(id, t);
        let at = log.push(row).unwrap();
        assert!(model.insert(at, row).is_none(), "row {at} handed out twice");
    }
}

/// The mixed run. Returns the model of what was committed, and the rows that must be void.
fn mixed_run(log: &mut RowLog<Event>) -> (Model, Vec<u64>) {
    let mut model = Model::new();
    let mut void = Vec::new();
    push(log, &mut model, 1, 10); // rows 0..10
    // An abandoned claim.
    let abandoned = log.claim(5).unwrap();
    void.extend(abandoned.rows());
    abandoned.abandon(); // rows 10..15
    // A buffered writer whose unused chunk end cannot go back: another claim follows it.
    let mut writer = log.writer(32); // rows 15..47
    for t in 0..3 {
        let at = writer.push(event(2, t)).unwrap();
        model.insert(at, event(2, t));
    }
    push(log, &mut model, 3, 1); // row 47
    drop(writer);
    void.extend(18..47);
    // One whose chunk end can: it is handed out again and never void.
    let mut writer = log.writer(50); // rows 48..98
    for t in 0..2 {
        let at = writer.push(event(4, t)).unwrap();
        model.insert(at, event(4, t));
    }
    drop(writer); // rows 48..50 committed, 50..98 back to the log
    assert_eq!(log.claimed(), 50);
    // Two threads with buffered writers: their chunk ends race for the tail.
    let rows: Vec<Vec<(u64, Event)>> = std::thread::scope(|s| {
        let log = &*log;
        let threads: Vec<_> = (5..7u32)
            .map(|id| {
                s.spawn(move || {
                    let mut writer = log.writer(16);
                    (0..500)
                        .map(|t| (writer.push(event(id, t)).unwrap(), event(id, t)))
                        .collect()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for (at, row) in rows.into_iter().flatten() {
        assert!(model.insert(at, row).is_none(), "row {at} handed out twice");
    }
    // Rows the threads claimed and did not write are void: the gaps up to the tail.
    let end = log.claimed();
    void.extend((50..end).filter(|r| !model.contains_key(r)));
    // A writer dies holding a claim (its guard is forgotten); the hole is closed for it.
    let lost = log.claim(3).unwrap();
    let lost_rows = lost.rows();
    std::mem::forget(lost);
    push(log, &mut model, 8, 4);
    let stalled = log.hole().expect("the dead claim holds the watermark").rows;
    assert_eq!(stalled, lost_rows);
    void.extend(stalled.clone());
    // SAFETY: the rows' writer is the forgotten guard of this process; no other process
    // uses the test's private file.
    unsafe { log.force_complete(stalled) }.unwrap();
    void.sort_unstable();
    (model, void)
}

#[test]
fn valid_rows_are_the_committed_ones_and_numpy_finds_the_same_with_the_void_mask() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.npy");
    let capacity = 2000;
    let mut log = private!(RowLog::<Event>::create(&path, capacity)).unwrap();
    let (mut model, void) = mixed_run(&mut log);
    let committed = log.committed();
    assert_eq!(committed, log.claimed(), "no hole is left");
    // Every committed row is either the model's or void, never both.
    let mut all: Vec<u64> = model.keys().copied().chain(void.iter().copied()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..committed).collect::<Vec<_>>());

    let valid: Vec<(u64, Event)> = log.valid_rows().map(|(i, r)| (i, *r)).collect();
    let expected: Vec<(u64, Event)> = model.iter().map(|(&i, &r)| (i, r)).collect();
    assert_eq!(valid, expected, "valid_rows() is what the test committed");
    assert_eq!(log.count_valid(), model.len() as u64);
    let (rows, validity) = log.committed_rows_with_validity();
    assert_eq!(rows.len() as u64, validity.rows());
    for &r in &void {
        assert!(!validity.is_valid(r), "row {r} is void");
        assert_eq!(rows[r as usize], event(0, 0), "void row {r} reads as zeros");
    }
    let runs: Vec<u64> = log
        .valid_runs()
        .flat_map(|(run, slice)| {
            assert_eq!(slice.len() as u64, run.end - run.start);
            run
        })
        .collect();
    assert_eq!(runs, model.keys().copied().collect::<Vec<_>>());

    assert_eq!(log.flush().unwrap().durable, committed);
    // Rows committed after the flush: valid to Rust, not yet in numpy's shape.
    push(&log, &mut model, 9, 7);
    let durable = log.durable();
    assert_eq!(durable, committed);

    // Where numpy finds the void bitmap: after the rows rounded up to 4096 bytes, the
    // 128-byte region header and the done bitmap. Here 256 + 2000 * 16 -> 32768.
    let v = 32768 + 128 + 8 * capacity.div_ceil(64);
    assert_eq!(log.void_offset(), v);
    let Some(py) = numpy::python() else { return };
    // The README's snippet, with V read from the header's comment (stdlib `re` only).
    let script = "
import re, sys, numpy as np
path = sys.argv[1]
V = int(re.search(rb'void bitmap at byte (\\d+)', open(path, 'rb').read(4096)).group(1))
print(V)
for mode in ('r', None):
    a = np.load(path, mmap_mode=mode)
    void = np.unpackbits(np.memmap(path, np.uint8, 'r', offset=V, shape=((len(a) + 7) // 8,)),
                         bitorder='little')[:len(a)].astype(bool)
    valid = a[~void]
    print(len(a), len(valid), int((a[void].view(np.uint8) != 0).sum()))
    print(' '.join(f'{i}:{r[\"t\"]}:{r[\"id\"]}:{float(r[\"value\"])!r}'
                   for i, r in zip(np.flatnonzero(~void), valid)))
";
    let out = numpy::run_with_arg(&py, script, Some(&path));
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(v.to_string().as_str()),
        "V in the comment"
    );
    let in_rust: Vec<(u64, Event)> = log
        .valid_rows()
        .filter(|&(i, _)| i < durable)
        .map(|(i, r)| (i, *r))
        .collect();
    let in_model: Vec<(u64, Event)> = model.range(..durable).map(|(&i, &r)| (i, r)).collect();
    assert_eq!(in_rust, in_model);
    for mode in ["mmap_mode='r'", "np.load"] {
        let counts: Vec<u64> = lines
            .next()
            .unwrap()
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(
            counts,
            [durable, in_model.len() as u64, 0],
            "{mode}: rows, valid rows, nonzero bytes in void rows"
        );
        let seen: Vec<(u64, Event)> = lines
            .next()
            .unwrap()
            .split_whitespace()
            .map(|item| {
                let f: Vec<&str> = item.split(':').collect();
                let row = Event {
                    t: f[1].parse().unwrap(),
                    id: f[2].parse().unwrap(),
                    value: f[3].parse().unwrap(),
                };
                (f[0].parse().unwrap(), row)
            })
            .collect();
        assert_eq!(
            seen, in_model,
            "{mode}: numpy's valid rows are the committed ones"
        );
    }
}
