//! Owner slots are taken lazily (design `docs/row-log-v2.md` §2.4), across real processes:
//! a process that only reads (committed rows, valid rows, flush) takes none, so more processes
//! than there are slots join at once; its first claim takes one; with every slot held, a
//! first claim fails with `NoSlot` and changes nothing, and the process still reads; a
//! process that never claimed takes a slot to close a dead writer's hole.

use std::time::{Duration, Instant};

use mmarray::claim::Geometry;
use mmarray_std::{Error, RowLog};

use super::children::{self, holding};
use crate::support::private;
use crate::support::rows::Row;

/// Slots and entries of a file-backed log's owner table.
const SLOTS: u32 = Geometry::DEFAULT_SLOTS;
const ENTRIES: u32 = Geometry::DEFAULT_ENTRIES;

/// Where the claims region and the slot table of a log of `capacity` rows lie in its file.
fn geometry(capacity: u64) -> (usize, usize, usize) {
    let g = Geometry::new(capacity, size_of::<Row>() as u64)
        .with_header_len(RowLog::<Row>::header_len().unwrap() as u64)
        .with_owners(SLOTS, ENTRIES);
    let region = g.region_offset().unwrap() as usize;
    (
        region,
        region + g.slots_offset().unwrap(),
        8 * g.owners_words().unwrap(),
    )
}

/// The slot table's bytes, read from the file (`read(2)`: the page cache every map shares).
fn table(path: &std::path::Path, capacity: u64) -> Vec<u8> {
    let (_, at, len) = geometry(capacity);
    std::fs::read(path).unwrap()[at..at + len].to_vec()
}

/// The bytes of slot `slot` in `table`.
fn slot(table: &[u8], slot: u32) -> &[u8] {
    let len = table.len() / SLOTS as usize;
    &table[slot as usize * len..(slot as usize + 1) * len]
}

/// Slot `slot`'s generation and pid, from `table`.
fn owner(table: &[u8], s: u32) -> (u64, u32) {
    let bytes = slot(table, s);
    (
        u64::from_ne_bytes(bytes[..8].try_into().unwrap()),
        u32::from_ne_bytes(bytes[8..12].try_into().unwrap()),
    )
}

/// Word `word` of the claims region (12: published, 13: header writer, 14: closer).
fn region_word(path: &std::path::Path, capacity: u64, word: usize) -> u64 {
    let (region, _, _) = geometry(capacity);
    let bytes = std::fs::read(path).unwrap();
    u64::from_ne_bytes(
        bytes[region + 8 * word..region + 8 * word + 8]
            .try_into()
            .unwrap(),
    )
}

/// The row count the file's `.npy` header shows.
fn npy_shape(path: &std::path::Path) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    let (header, _) = mmarray::npy::Header::parse(&bytes).unwrap();
    header.shape()[0] as u64
}

#[test]
fn readers_hold_no_slot_so_more_of_them_than_slots_join_at_once_and_a_first_claim_takes_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("readers.log");
    let capacity = 64;
    let log = private!(RowLog::<Row>::create(&path, capacity)).unwrap();
    for i in 0..3 {
        log.push(Row::new(i, 1, i)).unwrap();
    }
    let before = table(&path, capacity);
    assert_eq!(
        owner(&before, 0),
        (1, std::process::id()),
        "the writer's slot"
    );
    assert!((1..SLOTS).all(|s| owner(&before, s) == (0, 0)));

    // More readers than slots, all joined at once; each reads, checks and flushes.
    let mut readers: Vec<children::Child> = (0..=SLOTS)
        .map(|_| children::spawn(&path, "read", false))
        .collect();
    for reader in &mut readers {
        assert_eq!(reader.next(), "read 3 3 3");
    }
    assert_eq!(table(&path, capacity), before, "no reader took a slot");
    // A reader's flush published the rows (as a process, not a slot) and let go.
    assert_eq!((log.durable(), npy_shape(&path)), (3, 3));
    assert_eq!(region_word(&path, capacity, 13), 0, "header writer free");
    assert_eq!(region_word(&path, capacity, 14), 0, "closer free");

    // The first claim of one of them takes the lowest free slot: generation 1, its pid.
    readers[0].tell("claim");
    assert_eq!(readers[0].next(), "claimed 3");
    let after = table(&path, capacity);
    assert_eq!(owner(&after, 1), (1, readers[0].pid()));
    for s in (0..SLOTS).filter(|&s| s != 1) {
        assert_eq!(slot(&after, s), slot(&before, s), "slot {s}");
    }
    assert!(
        slot(&after, 1)[64..].iter().all(|&b| b == 0),
        "its announcement retired"
    );
    // Its second claim reuses the slot; the other readers still read, holding none.
    readers[0].tell("claim");
    assert_eq!(readers[0].next(), "claimed 4");
    readers[1].tell("read");
    assert_eq!(readers[1].next(), "read 5 5 5");
    assert_eq!(table(&path, capacity), after);
    for reader in readers {
        reader.finish();
    }
    assert_eq!(log.committed(), 5);
}

#[test]
fn with_every_slot_held_a_first_claim_fails_with_no_slot_changes_nothing_and_reads_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.log");
    let all = u64::from(SLOTS * ENTRIES);
    let capacity = all + 8;
    let log = private!(RowLog::<Row>::create(&path, capacity)).unwrap();
    for i in 0..3 {
        log.push(Row::new(i, 1, i)).unwrap();
    }
    // This process holds as many claims as there are entries: every slot is held by a
    // live writer.
    let held: Vec<_> = (0..all).map(|_| log.claim(1).unwrap()).collect();
    let full = table(&path, capacity);
    assert!((0..SLOTS).all(|s| owner(&full, s) == (1, std::process::id())));
    assert!(matches!(log.claim(1), Err(Error::NoSlot { slots: 64, .. })));

    let mut reader = children::spawn(&path, "read", false);
    assert_eq!(reader.next(), "read 3 3 3");
    let snapshot = std::fs::read(&path).unwrap();
    reader.tell("claim");
    let refused = reader.next();
    let text = refused.strip_prefix("refused ").expect(&refused);
    assert!(
        text.contains(&path.display().to_string()) && text.contains("all 64 owner slots"),
        "{text}"
    );
    assert!(
        std::fs::read(&path).unwrap() == snapshot,
        "a refused claim changes nothing"
    );
    reader.tell("read");
    assert_eq!(reader.next(), "read 3 3 3", "and the process still reads");
    assert!(std::fs::read(&path).unwrap() == snapshot);
    reader.finish();
    drop(held); // each guard commits its (zero) row
    assert_eq!(log.committed(), 3 + all);
}

#[test]
fn a_process_that_never_claimed_takes_a_slot_to_close_a_dead_writers_hole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closer.log");
    let capacity = 64;
    // This process only reads and flushes: it holds no slot.
    let log = private!(RowLog::<Row>::create(&path, capacity)).unwrap();
    let mut child = children::spawn(&path, "hold", false);
    let hole = holding(&child.next());
    let writer = child.pid();
    let before = table(&path, capacity);
    assert_eq!(owner(&before, 0), (1, writer));
    assert!(
        (1..SLOTS).all(|s| owner(&before, s) == (0, 0)),
        "none of ours"
    );
    assert_eq!(log.flush().unwrap().durable, hole.start, "the writer lives");
    assert_eq!(table(&path, capacity), before);

    child.kill();
    let start = Instant::now();
    while log.flush().unwrap().committed < hole.end {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the dead writer's hole stays open: {:?}",
            log.hole()
        );
        std::thread::yield_now();
    }
    assert!(
        log.committed_rows()[hole.start as usize..]
            .iter()
            .all(|r| *r == Row::ZERO)
    );
    assert_eq!(log.valid_rows().count() as u64, hole.start);
    // Closing named this process by a slot: the lowest one free and not pending (the dead
    // writer's slot 0 still announced the hole when it was taken).
    let after = table(&path, capacity);
    assert_eq!(owner(&after, 1), (1, std::process::id()));
    assert_eq!(region_word(&path, capacity, 14), 0, "closer free");
}

/// The announcements in `table`: (slot, entry, rows) of every entry whose range word is set.
fn announcements(table: &[u8]) -> Vec<(u32, u32, std::ops::Range<u64>)> {
    let mut found = Vec::new();
    for s in 0..SLOTS {
        let bytes = slot(table, s);
        for e in 0..ENTRIES {
            let at = 64 + 64 * e as usize;
            let word = u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap());
            if word != 0 {
                let start = word & ((1 << 40) - 1);
                found.push((s, e, start..start + (word >> 40)));
            }
        }
    }
    found
}

/// Threads of a process that holds no slot claim at once, more of them than a slot has
/// entries, and keep their claims: the file's table shows each claim announced in an entry of
/// its own, and exactly the slots the claims need (`slots.rs`: a burst of `C` claims that keep
/// their entries takes `ceil(C / E)` slots).
#[test]
fn racing_first_claims_announce_each_claim_in_its_own_entry_and_take_only_the_slots_needed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("burst.log");
    let threads = ENTRIES as usize + 9; // two slots' worth
    let capacity = 64;
    let log = private!(RowLog::<Row>::create(&path, capacity)).unwrap();
    let barrier = std::sync::Barrier::new(threads + 1);
    let (seen, mut ends) = std::thread::scope(|scope| {
        let claimers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    let claim = log.claim(1);
                    barrier.wait(); // every claim is held until the table is read
                    barrier.wait();
                    let mut rows = claim.unwrap();
                    let at = rows.rows().start;
                    rows.copy_from_slice(&[Row::new(at, 3, 0)]);
                    at
                })
            })
            .collect();
        barrier.wait();
        barrier.wait();
        let seen = table(&path, capacity);
        barrier.wait(); // released before anything is checked: a failed check must not hang
        let ends: Vec<u64> = claimers.into_iter().map(|c| c.join().unwrap()).collect();
        (seen, ends)
    });
    let mut announced = announcements(&seen);
    announced.sort_by_key(|(_, _, rows)| rows.start);
    let rows: Vec<_> = announced.iter().map(|(_, _, r)| r.clone()).collect();
    let expected: Vec<_> = (0..threads as u64).map(|r| r..r + 1).collect();
    assert_eq!(
        rows, expected,
        "each live claim announced once: {announced:?}"
    );
    let entries: std::collections::HashSet<_> = announced.iter().map(|&(s, e, _)| (s, e)).collect();
    assert_eq!(entries.len(), threads, "in an entry of its own");
    let taken: Vec<u32> = (0..SLOTS).filter(|&s| owner(&seen, s).0 != 0).collect();
    assert_eq!(taken, [0, 1], "ceil({threads} / {ENTRIES}) slots");
    assert!(
        taken
            .iter()
            .all(|&s| owner(&seen, s).1 == std::process::id())
    );
    ends.sort_unstable();
    assert_eq!(ends, (0..threads as u64).collect::<Vec<_>>());
    assert_eq!(log.committed(), threads as u64);
    assert!(
        announcements(&table(&path, capacity)).is_empty(),
        "all retired"
    );
}
