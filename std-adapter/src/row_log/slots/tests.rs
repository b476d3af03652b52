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
