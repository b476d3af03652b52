//! Unit tests of closing: `close_dead` with a mock [`Probe`], `hole`, `close_all`.
#![allow(
    clippy::single_range_in_vec_init,
    reason = "lists of row ranges, one of them"
)]

extern crate std;

/// A claim whose holder dies (or leaks it): ended neither way.
fn die<T>(_claim: T) {}

use super::*;
use crate::claim::owner::{Entry, pack};
use crate::claim::{Inline, Validity};
use core::cell::{Cell, RefCell};
use std::vec::Vec;

/// 4 slots of 2 entries: 4 * (8 + 16) words.
type Store = Inline<2, 96>;

/// Slot `me` is this process; `liveness[s]` answers for the others; `hook` runs on each
/// probe (another participant acting meanwhile).
struct Mock<'h> {
    me: Option<u32>,
    liveness: [Liveness; 4],
    probes: Cell<u32>,
    hook: RefCell<Option<Box<dyn FnMut() + 'h>>>,
}

impl<'h> Mock<'h> {
    fn new(me: u32, liveness: [Liveness; 4]) -> Self {
        Mock {
            me: Some(me),
            liveness,
            probes: Cell::new(0),
            hook: RefCell::new(None),
        }
    }

    fn with_hook(self, hook: impl FnMut() + 'h) -> Self {
        *self.hook.borrow_mut() = Some(Box::new(hook));
        self
    }
}

use std::boxed::Box;

impl Probe for Mock<'_> {
    fn probe(&self, slot: u32) -> Liveness {
        self.probes.set(self.probes.get() + 1);
        if let Some(hook) = self.hook.borrow_mut().as_mut() {
            hook();
        }
        self.liveness[slot as usize]
    }
    fn me(&self) -> Option<u32> {
        self.me
    }
}

use Liveness::{Alive, Dead, Unknown};

/// A store whose 4 slots are taken (generations 1); slot 0 is "this process".
fn claims() -> Claims<Store> {
    let claims = Claims::new(Store::with_owners(120, 4, 2).unwrap());
    for slot in 0..4 {
        claims.owners().take(slot, 100 + slot, 7, 9);
    }
    claims
}

fn entry(slot: u32) -> Entry {
    Entry { slot, index: 0 }
}

fn runs(v: Validity<'_>) -> Vec<Range<u64>> {
    v.runs().collect()
}

#[test]
fn a_dead_owners_hole_is_closed_and_live_rows_above_it_kept() {
    let claims = claims();
    let probe = Mock::new(0, [Alive, Dead, Alive, Alive]);
    die(claims.claim_as(entry(1), 3).unwrap()); // slot 1 dies holding 0..3
    claims.claim_as(entry(0), 4).unwrap().commit();
    let live = claims.claim_as(entry(2), 2).unwrap(); // slot 2 alive, still writing 7..9
    let mut zeroed = Vec::new();
    assert_eq!(
        claims.close_dead(&probe, |rows| zeroed.push(rows)),
        Closing::Closed(0..3)
    );
    assert_eq!((zeroed, claims.committed()), (std::vec![0..3], 7));
    assert_eq!(runs(claims.validity()), [3..7]);
    // Next hole: the live writer's.
    let waiting = claims.close_dead(&probe, |_| panic!("must not zero live rows"));
    let Closing::Waiting(hole) = waiting else {
        panic!("{waiting:?}")
    };
    assert_eq!(
        (hole.rows, hole.liveness, hole.candidates),
        (7..9, Some(Alive), 1)
    );
    let owner = hole.owner.unwrap();
    assert_eq!((owner.slot, owner.pid, owner.generation), (2, 102, 1));
    live.commit();
    assert_eq!(claims.close_dead(&probe, |_| ()), Closing::Open);
    assert_eq!(claims.parts().closer.load(Relaxed), 0, "closer released");
}

#[test]
fn unknown_liveness_and_unannounced_holes_are_never_closed() {
    let claims = claims();
    die(claims.claim_as(entry(3), 2).unwrap());
    let probe = Mock::new(0, [Alive, Dead, Alive, Unknown]);
    let result = claims.close_dead(&probe, |_| panic!("unknown is not dead"));
    assert!(
        matches!(&result, Closing::Waiting(h) if h.liveness == Some(Unknown)),
        "{result:?}"
    );
    let plain = Claims::new(Inline::<1>::new(10).unwrap());
    die(plain.claim(2).unwrap());
    assert_eq!(plain.close_dead(&probe, |_| panic!()), Closing::Unknown(0));
    assert_eq!(plain.committed(), 0);
    // A claim without an entry in a store with a table: no candidate either.
    let claims = self::claims();
    die(claims.claim(2).unwrap());
    assert_eq!(claims.close_dead(&probe, |_| panic!()), Closing::Unknown(0));
}

#[test]
fn a_stale_announcement_of_a_dead_process_does_not_close_a_live_claim() {
    let claims = claims();
    let live = claims.claim_as(entry(2), 3).unwrap();
    // Slot 1 (dead) announced 0..5 and lost its race: a stale announcement.
    claims.owners().entry(entry(1)).unwrap()[RANGE].store(pack(0, 5), Release);
    let probe = Mock::new(0, [Alive, Dead, Alive, Alive]);
    let result = claims.close_dead(&probe, |_| panic!("slot 2 is alive"));
    let Closing::Waiting(hole) = result else {
        panic!("{result:?}")
    };
    assert_eq!((hole.candidates, hole.owner.map(|o| o.slot)), (2, Some(2)));
    live.commit();
    assert_eq!(claims.committed(), 3);
}

#[test]
fn the_callers_own_slot_is_alive_whatever_the_probe_says() {
    let claims = claims();
    let mine = claims.claim_as(entry(0), 2).unwrap();
    let probe = Mock::new(0, [Dead, Dead, Dead, Dead]);
    assert!(matches!(
        claims.close_dead(&probe, |_| panic!()),
        Closing::Waiting(Hole {
            liveness: Some(Alive),
            ..
        })
    ));
    assert_eq!(probe.probes.get(), 0, "no probe of one's own slot");
    mine.commit();
}

#[test]
fn closing_stops_at_a_later_claim_and_at_committed_parts() {
    let claims = claims();
    let probe = Mock::new(0, [Alive, Dead, Alive, Alive]);
    // The dead owner claimed 0..6, committed 3..6 (bits), gave back nothing: close 0..3.
    let (lost, kept) = claims.claim_as(entry(1), 6).unwrap().split_at(3);
    kept.commit();
    die(lost);
    assert_eq!(claims.close_dead(&probe, |_| ()), Closing::Closed(0..3));
    assert_eq!(
        (claims.committed(), runs(claims.validity())),
        (6, std::vec![3..6])
    );
    // The dead owner claimed 6..16, gave back its end 10..16, which a live writer re-claimed
    // (10..13): its stale announcement covers live rows, which are not closed.
    let second = Entry { slot: 1, index: 1 };
    let (lost, rest) = claims.claim_as(second, 10).unwrap().split_at(4);
    assert!(rest.give_back().is_ok());
    die(lost);
    let live = claims.claim_as(entry(2), 3).unwrap();
    assert_eq!(live.rows(), 10..13);
    assert_eq!(claims.close_dead(&probe, |_| ()), Closing::Closed(6..10));
    assert!(matches!(
        claims.close_dead(&probe, |_| panic!("live rows")),
        Closing::Waiting(Hole { rows, liveness: Some(Alive), .. }) if rows == (10..13)
    ));
    live.commit();
    assert_eq!(claims.committed(), 13);
}

#[test]
fn a_dead_closer_is_taken_over_and_a_live_one_waited_for() {
    let claims = claims();
    die(claims.claim_as(entry(1), 2).unwrap());
    let closer = claims.parts().closer;
    // Slot 3 (alive) is closing: wait, and report the dead owner.
    closer.store((1 << 16) | 4, Relaxed);
    let probe = Mock::new(0, [Alive, Dead, Alive, Alive]);
    assert!(matches!(
        claims.close_dead(&probe, |_| panic!("another closer runs")),
        Closing::Waiting(Hole {
            liveness: Some(Dead),
            ..
        })
    ));
    // Slot 2 took the closer and died: taken over.
    closer.store((1 << 16) | 3, Relaxed);
    let probe = Mock::new(0, [Alive, Dead, Dead, Alive]);
    assert_eq!(claims.close_dead(&probe, |_| ()), Closing::Closed(0..2));
    assert_eq!(closer.load(Relaxed), 0);
    // A holder whose slot was re-taken since (another generation) is gone too.
    die(claims.claim_as(Entry { slot: 1, index: 1 }, 2).unwrap());
    closer.store((1 << 16) | 4, Relaxed);
    claims.owners().take(3, 200, 0, 0);
    let probe = Mock::new(0, [Alive, Dead, Alive, Alive]);
    assert_eq!(claims.close_dead(&probe, |_| ()), Closing::Closed(2..4));
    // Without a slot of its own a caller cannot take the closer.
    die(claims.claim_as(entry(2), 2).unwrap());
    let probe = Mock {
        me: None,
        ..Mock::new(0, [Alive, Dead, Dead, Alive])
    };
    assert!(matches!(
        claims.close_dead(&probe, |_| panic!()),
        Closing::Waiting(Hole {
            liveness: Some(Dead),
            ..
        })
    ));
}

#[test]
fn changes_between_the_scans_make_the_closer_retry() {
    // Another closer closes the hole while this one probes.
    let claims = claims();
    die(claims.claim_as(entry(1), 2).unwrap());
    let other = Mock::new(2, [Alive, Dead, Alive, Alive]);
    let mut once = true;
    let probe = Mock::new(0, [Alive, Dead, Alive, Alive]).with_hook(|| {
        if core::mem::take(&mut once) {
            assert_eq!(claims.close_dead(&other, |_| ()), Closing::Closed(0..2));
        }
    });
    assert_eq!(
        claims.close_dead(&probe, |_| panic!("closed already")),
        Closing::Retry
    );
    assert_eq!(claims.close_dead(&probe, |_| ()), Closing::Open);

    // A give-back anywhere (its count changes the fingerprint).
    let claims = self::claims();
    die(claims.claim_as(entry(1), 2).unwrap());
    let mut once = true;
    let probe = Mock::new(0, [Alive, Dead, Alive, Alive]).with_hook(|| {
        if core::mem::take(&mut once) {
            assert!(claims.claim_as(entry(2), 5).unwrap().give_back().is_ok());
        }
    });
    assert_eq!(claims.close_dead(&probe, |_| panic!()), Closing::Retry);
    assert_eq!(claims.close_dead(&probe, |_| ()), Closing::Closed(0..2));

    // A new announcement covering the hole row (another candidate).
    let claims = self::claims();
    die(claims.claim_as(entry(1), 2).unwrap());
    let mut once = true;
    let probe = Mock::new(0, [Alive, Dead, Alive, Dead]).with_hook(|| {
        if core::mem::take(&mut once) {
            claims.owners().entry(entry(3)).unwrap()[RANGE].store(pack(0, 4), Release);
        }
    });
    assert_eq!(claims.close_dead(&probe, |_| panic!()), Closing::Retry);
    // Both candidates dead now: closed up to the earliest end.
    assert_eq!(claims.close_dead(&probe, |_| ()), Closing::Closed(0..2));

    // The slot re-taken between probe and re-scan (its generation moved).
    let claims = self::claims();
    die(claims.claim_as(entry(1), 2).unwrap());
    let mut once = true;
    let probe = Mock::new(0, [Alive, Dead, Alive, Alive]).with_hook(|| {
        if core::mem::take(&mut once) {
            claims.owners().take(3, 1, 1, 1);
        }
    });
    assert_eq!(claims.close_dead(&probe, |_| panic!()), Closing::Retry);
}

#[test]
fn hole_names_the_owner_without_probing() {
    let claims = claims();
    assert_eq!(claims.hole(), None);
    let a = claims.claim_as(entry(3), 4).unwrap();
    claims.claim_as(entry(0), 1).unwrap().commit();
    let hole = claims.hole().unwrap();
    assert_eq!((hole.rows, hole.candidates, hole.liveness), (0..4, 1, None));
    assert_eq!(
        hole.owner.map(|o| (o.slot, o.pid, o.start_ticks, o.pid_ns)),
        Some((3, 103, 7, 9))
    );
    a.commit();
    assert_eq!(claims.hole(), None);
    assert_eq!(claims.committed(), 5);
}

#[test]
fn close_all_keeps_every_committed_row_and_clears_the_table() {
    let mut claims = claims();
    die(claims.claim_as(entry(1), 3).unwrap());
    claims.claim_as(entry(0), 2).unwrap().commit();
    let (done, lost) = claims.claim_as(entry(2), 6).unwrap().split_at(2);
    done.commit();
    die(lost);
    die(claims.claim(1).unwrap());
    claims.parts().closer.store((1 << 16) | 2, Relaxed);
    let mut zeroed = Vec::new();
    assert_eq!(claims.close_all(|rows| zeroed.push(rows)), 3 + 4 + 1);
    assert_eq!(zeroed, [0..3, 7..12]);
    assert_eq!((claims.committed(), claims.claimed()), (12, 12));
    assert_eq!(runs(claims.validity()), [3..7]);
    for slot in 0..4 {
        assert!(!claims.owners().pending(slot, 0));
    }
    assert_eq!(claims.parts().closer.load(Relaxed), 0);
    let probe = Mock::new(0, [Alive; 4]);
    assert_eq!(claims.close_dead(&probe, |_| ()), Closing::Open);
}
