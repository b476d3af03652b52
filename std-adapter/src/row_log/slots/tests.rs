//! Slots over a heap table, with separate open file descriptions of one temporary file
//! standing in for separate processes (OFD locks conflict between descriptions, also within
//! one process). Real processes: `tests/row_log/liveness.rs`.

use super::*;
use std::fs::File;
use std::os::fd::AsFd;

fn table(words: &[AtomicU64], slots: u32, entries: u32) -> Owners<'_> {
    Owners::new(words, slots, entries).unwrap()
}

fn words(slots: u32, entries: u32) -> Vec<AtomicU64> {
    let n = slots as usize * (8 + 8 * entries as usize);
    (0..n).map(|_| AtomicU64::new(0)).collect()
}

fn open(path: &Path) -> File {
    File::options().read(true).write(true).open(path).unwrap()
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn each_description_takes_its_own_slot_and_sees_the_other_alive_until_it_closes() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let w = words(4, 2);
    let t = table(&w, 4, 2);
    let (fa, fb) = (open(file.path()), open(file.path()));
    let a = Slots::new(t, true, GRACE);
    let b = Slots::new(t, true, GRACE);
    assert_eq!(a.me(), None);
    assert_eq!(a.take_slot(t, fa.as_fd(), || 0, None).unwrap(), 0);
    assert_eq!(b.take_slot(t, fb.as_fd(), || 0, None).unwrap(), 1);
    assert_eq!((a.me(), b.me()), (Some(0), Some(1)));
    assert_eq!(a.liveness(fa.as_fd(), 0), Liveness::Alive, "own slot");
    assert_eq!(a.liveness(fa.as_fd(), 1), Liveness::Alive);
    assert_eq!(b.liveness(fb.as_fd(), 0), Liveness::Alive);
    assert_eq!(b.liveness(fb.as_fd(), 2), Liveness::Dead, "never taken");
    let me = Me::now();
    let holder = t.owner(0).unwrap();
    assert_eq!(
        (
            holder.generation,
            holder.pid,
            holder.start_ticks,
            holder.pid_ns
        ),
        (1, me.pid, me.start_ticks, me.pid_ns)
    );
    drop(fa); // the "process" ends: the kernel drops its locks with the description
    assert_eq!(b.liveness(fb.as_fd(), 0), Liveness::Dead);
    // A new joiner reuses the free slot 0 with a new (odd) generation.
    let fc = open(file.path());
    let c = Slots::new(t, true, GRACE);
    assert_eq!(c.take_slot(t, fc.as_fd(), || 0, None).unwrap(), 0);
    assert_eq!(t.owner(0).unwrap().generation, 3);
    assert_eq!(b.liveness(fb.as_fd(), 0), Liveness::Alive);
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn a_dead_slot_with_pending_entries_is_skipped_until_the_watermark_passes_them() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let w = words(3, 2);
    let t = table(&w, 3, 2);
    let fa = open(file.path());
    let a = Slots::new(t, true, GRACE);
    assert_eq!(a.take_slot(t, fa.as_fd(), || 0, None).unwrap(), 0);
    let entry = a.take_entry(t, fa.as_fd(), || 0, None).unwrap().unwrap();
    assert_eq!(entry, Entry { slot: 0, index: 0 });
    w[8 + 8].store(10 | 10 << 40, Ordering::Release); // entry 1 of slot 0: rows 10..20
    drop(fa); // dies holding the announcement

    let fb = open(file.path());
    let b = Slots::new(t, true, GRACE);
    assert_eq!(
        b.take_slot(t, fb.as_fd(), || 19, None).unwrap(),
        1,
        "pending: skipped"
    );
    assert_eq!(
        t.announced(Entry { slot: 0, index: 1 }),
        Some(10..20),
        "evidence kept"
    );
    assert_eq!(
        b.liveness(fb.as_fd(), 0),
        Liveness::Dead,
        "and its lock was given back"
    );

    let fc = open(file.path());
    let c = Slots::new(t, true, GRACE);
    assert_eq!(
        c.take_slot(t, fc.as_fd(), || 20, None).unwrap(),
        0,
        "all below committed"
    );
    assert_eq!(
        t.announced(Entry { slot: 0, index: 1 }),
        None,
        "entries cleared"
    );
    assert_eq!(t.owner(0).unwrap().generation, 3);
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn entries_run_out_into_another_slot_and_then_into_no_slot() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let w = words(3, 2);
    let t = table(&w, 3, 2);
    let (fa, fb) = (open(file.path()), open(file.path()));
    let b = Slots::new(t, true, GRACE);
    assert_eq!(b.take_slot(t, fb.as_fd(), || 0, None).unwrap(), 0);
    let a = Slots::new(t, true, GRACE);
    let path = Some(file.path());
    assert_eq!(a.take_slot(t, fa.as_fd(), || 0, path).unwrap(), 1);
    let take = || a.take_entry(t, fa.as_fd(), || 0, path).unwrap().unwrap();
    let (e0, e1) = (take(), take());
    assert_eq!((e0.slot, e1.slot), (1, 1));
    assert_ne!(e0.index, e1.index);
    let e2 = take();
    assert_eq!(e2.slot, 2, "a second slot");
    assert!(a.is_mine(2) && a.is_mine(1) && !a.is_mine(0));
    assert_eq!(a.me(), Some(1), "me() stays the first slot");
    let _e3 = take();
    let err = a.take_entry(t, fa.as_fd(), || 0, path).unwrap_err();
    assert!(
        matches!(&err, Error::NoSlot { slots: 3, path: Some(p) } if p == file.path()),
        "{err:?}"
    );
    assert!(err.to_string().contains("all 3 owner slots"), "{err}");
    a.share(e1); // split: two guards
    a.release(Lease {
        entry: e1,
        kept: false,
    });
    assert!(
        matches!(
            a.take_entry(t, fa.as_fd(), || 0, path),
            Err(Error::NoSlot { .. })
        ),
        "one part still holds it"
    );
    a.release(Lease {
        entry: e1,
        kept: false,
    });
    assert_eq!(take(), e1, "a released entry is reused");
    // A kept entry (a writer's) is not given back when its last claim part ends.
    a.share(e1);
    a.release(Lease {
        entry: e1,
        kept: true,
    });
    a.release(Lease {
        entry: e1,
        kept: true,
    });
    assert!(
        matches!(
            a.take_entry(t, fa.as_fd(), || 0, path),
            Err(Error::NoSlot { .. })
        ),
        "the writer keeps it"
    );
}

#[test]
fn without_tracking_no_slot_is_taken_and_others_are_unknown() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let w = words(2, 2);
    let fa = open(file.path());
    let t = table(&w, 2, 2);
    let a = Slots::new(t, false, GRACE);
    assert!(!a.tracking());
    assert_eq!(a.take_entry(t, fa.as_fd(), || 0, None).unwrap(), None);
    assert_eq!(a.liveness(fa.as_fd(), 1), Liveness::Unknown);
    // A store without an owner table tracks nothing either.
    let none = Slots::new(Owners::NONE, true, GRACE);
    assert_eq!(none.liveness(fa.as_fd(), 0), Liveness::Unknown);
    assert_eq!(
        none.take_entry(Owners::NONE, fa.as_fd(), || 0, None)
            .unwrap(),
        None
    );
}

#[test]
fn passers_by_probe_once_per_grace_period_and_urgent_callers_always() {
    let w = words(1, 1);
    let grace = Duration::from_millis(40);
    let s = Slots::new(table(&w, 1, 1), true, grace);
    assert!(s.due(false), "never probed");
    assert!(!s.due(false), "just probed");
    assert!(s.due(true), "at once");
    assert!(!s.due(false));
    // The timer is the coarse clock: one tick (up to 10 ms) of resolution on each reading.
    std::thread::sleep(grace + Duration::from_millis(25));
    assert!(s.due(false), "the grace period passed");
}

/// The range word of `entry` in a table of `entries` entries a slot.
fn range_word(entries: u32, entry: Entry) -> usize {
    entry.slot as usize * (8 + 8 * entries as usize) + 8 + 8 * entry.index as usize
}

/// Announces rows `start..start + 1` in `entry`'s range word of `w` (a table of `entries`
/// entries a slot), as the core's `claim_as` does before its compare-exchange.
fn announce(w: &[AtomicU64], entries: u32, entry: Entry, start: u64) {
    w[range_word(entries, entry)].store(start | 1 << 40, Ordering::Release);
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn nothing_is_taken_before_the_first_entry_and_the_first_entry_takes_the_first_slot() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let w = words(3, 2);
    let t = table(&w, 3, 2);
    let fa = open(file.path());
    let a = Slots::new(t, true, GRACE);
    let before: Vec<u64> = w.iter().map(|x| x.load(Ordering::Relaxed)).collect();
    // Probing and the probe timer take nothing (a reader's close passes do this).
    assert_eq!(a.liveness(fa.as_fd(), 1), Liveness::Dead);
    assert!(a.due(true));
    assert_eq!((a.me(), a.is_mine(0)), (None, false));
    let after: Vec<u64> = w.iter().map(|x| x.load(Ordering::Relaxed)).collect();
    assert_eq!(before, after, "the table is untouched");
    let fb = open(file.path());
    let b = Slots::new(t, true, GRACE);
    assert_eq!(b.liveness(fb.as_fd(), 0), Liveness::Dead, "no lock held");

    let e = a.take_entry(t, fa.as_fd(), || 0, None).unwrap().unwrap();
    assert_eq!(e.slot, 0);
    assert_eq!(a.me(), Some(0));
    assert_eq!(t.owner(0).unwrap().generation, 1);
    assert_eq!(t.owner(0).unwrap().pid, std::process::id());
    assert_eq!(b.liveness(fb.as_fd(), 0), Liveness::Alive);
    // The first slot's other entry is free for the next claim; the third needs a slot more.
    let second = a.take_entry(t, fa.as_fd(), || 0, None).unwrap().unwrap();
    assert_eq!(second.slot, 0);
    assert_ne!(second.index, e.index);
    assert_eq!(
        a.take_entry(t, fa.as_fd(), || 0, None)
            .unwrap()
            .unwrap()
            .slot,
        1
    );
    // `first_slot` names the slot held and takes none more.
    assert_eq!(a.first_slot(t, fa.as_fd(), || 0, None).unwrap(), 0);
    assert_eq!(t.owner(2).unwrap().generation, 0);
    // A process that never claimed takes its first slot for closing.
    assert_eq!(b.first_slot(t, fb.as_fd(), || 0, None).unwrap(), 2);
    assert_eq!(b.me(), Some(2));
    assert_eq!(t.owner(2).unwrap().generation, 1);
    let fc = open(file.path());
    let c = Slots::new(t, true, GRACE);
    let err = c
        .first_slot(t, fc.as_fd(), || 0, Some(file.path()))
        .unwrap_err();
    assert!(
        matches!(&err, Error::NoSlot { slots: 3, path: Some(p) } if p == file.path()),
        "{err:?}"
    );
}

/// `threads` threads claim one entry each at once, from a process holding no slot yet, and
/// keep it until all have one (a burst without give-backs). Returns the entries.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn burst(
    s: &Slots,
    w: &[AtomicU64],
    t: Owners<'_>,
    fd: BorrowedFd<'_>,
    threads: usize,
) -> Vec<Entry> {
    let barrier = std::sync::Barrier::new(threads);
    std::thread::scope(|scope| {
        let claimers: Vec<_> = (0..threads)
            .map(|i| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    let entry = s.take_entry(t, fd, || 0, None);
                    if let Ok(Some(entry)) = entry {
                        announce(w, t.entries, entry, i as u64);
                    }
                    // Every claim keeps its entry until all have one (checked after this, so
                    // that a failed check does not leave the others waiting).
                    barrier.wait();
                    let entry = entry.unwrap().unwrap();
                    // Nobody else announced through it meanwhile.
                    assert_eq!(t.announced(entry), Some(i as u64..i as u64 + 1));
                    entry
                })
            })
            .collect();
        claimers.into_iter().map(|c| c.join().unwrap()).collect()
    })
}

/// The bound of `slots.rs` ("How many slots a process takes"): a burst of `C` claims that
/// keep their entries leaves exactly `ceil(C / E)` slots. Racing threads also take the first
/// slot (none is held before the burst).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn a_burst_of_racing_claims_takes_exactly_the_slots_it_needs_and_each_entry_once() {
    const SLOTS: u32 = 8;
    const ENTRIES: u32 = 4;
    let file = tempfile::NamedTempFile::new().unwrap();
    for (round, threads) in [22usize, 8, 9, 5, 17]
        .into_iter()
        .cycle()
        .take(40)
        .enumerate()
    {
        let w = words(SLOTS, ENTRIES);
        let t = table(&w, SLOTS, ENTRIES);
        // A description per round: the last round's slot locks go with its description.
        let fd = open(file.path());
        let s = Slots::new(t, true, GRACE);
        let entries = burst(&s, &w, t, fd.as_fd(), threads);
        let distinct: std::collections::HashSet<Entry> = entries.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            threads,
            "round {round}: an entry handed out twice"
        );
        let held: Vec<u32> = (0..SLOTS).filter(|&i| s.is_mine(i)).collect();
        let needed = threads.div_ceil(ENTRIES as usize);
        assert_eq!(
            held.len(),
            needed,
            "round {round}: {threads} claims, slots {held:?}"
        );
        assert!(entries.iter().all(|e| s.is_mine(e.slot)));
        // The table agrees: exactly the held slots were taken, by this process.
        let taken: Vec<u32> = (0..SLOTS)
            .filter(|&i| t.owner(i).unwrap().generation != 0)
            .collect();
        assert_eq!(taken, held, "round {round}");
        assert!(
            held.iter()
                .all(|&i| t.owner(i).unwrap().pid == std::process::id())
        );
    }
}

/// Threads of one process claim and give back at once, many times: every claim gets an
/// entry, and no entry is held by two live claims at once (a model of the live claims, and
/// each claim's announcement read back from the table).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn racing_claims_that_give_back_never_share_an_entry() {
    const SLOTS: u32 = 16;
    const ENTRIES: u32 = 2;
    const THREADS: u64 = 6;
    const CLAIMS: u64 = 2000;
    let file = tempfile::NamedTempFile::new().unwrap();
    let w = words(SLOTS, ENTRIES);
    let t = table(&w, SLOTS, ENTRIES);
    let fd = open(file.path());
    let s = Slots::new(t, true, GRACE);
    let live: Vec<AtomicBool> = (0..SLOTS * ENTRIES)
        .map(|_| AtomicBool::new(false))
        .collect();
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (s, w, live, fd) = (&s, &w, &live, fd.as_fd());
            scope.spawn(move || {
                for n in 0..CLAIMS {
                    let entry = s.take_entry(t, fd, || 0, None).unwrap().unwrap();
                    let at = s.at(entry);
                    assert!(
                        !live[at].swap(true, Ordering::AcqRel),
                        "{entry:?} handed out twice"
                    );
                    let start = thread * CLAIMS + n;
                    announce(w, ENTRIES, entry, start);
                    if n % 7 == 0 {
                        std::thread::yield_now();
                    }
                    assert_eq!(t.announced(entry), Some(start..start + 1));
                    // Retired, as the core does when the claim ends.
                    w[range_word(ENTRIES, entry)].store(0, Ordering::Release);
                    live[at].store(false, Ordering::Release);
                    s.release(Lease { entry, kept: false });
                }
            });
        }
    });
    assert_eq!(s.me(), Some(0), "the first claim took slot 0");
}
