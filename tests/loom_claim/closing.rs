//! loom models of owner tracking and closing dead holes (`Claims::claim_as`,
//! `Claims::close_dead`, the void bitmap, `force_complete`'s void rows): design §10, models 1–5.
//!
//! A *process* is a thread holding a slot of the owner table. Its death is modelled as the
//! kernel would make it observable (design §2.3): the thread stops at a chosen step, and only
//! then stores its slot's "dead" flag with `Release`; the [`Flags`] probe reads the flags with
//! `Acquire`. Rows are `loom::cell::UnsafeCell`s: loom reports any two accesses to a row that
//! are not ordered by happens-before, so "the closer never writes a row a live writer owns"
//! (P3) and "a reader sees the zeros and the data it reads" (P5) are checked by the model
//! checker, not by values alone.
//!
//! Observers (closers, readers) act in a few rounds with `thread::yield_now()` before each:
//! loom's search does not reorder a load before a later, conflicting store of a thread that
//! had not yet reached it (a model whose reader reads once at the start never sees the other
//! threads' progress — measured: 1 execution of 1), while a yield lets the other threads run
//! first and the search then interleaves the rest.

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::Ordering::{Acquire, Release};
use loom::sync::atomic::{AtomicBool, AtomicU64};
use loom::thread;
use mmarray::claim::{Claims, Closing, Entry, Inline, Liveness, Mapped, Probe};

/// 4 slots of 1 entry: 4 * (8 + 8) words.
type Store = Inline<1, 64>;

/// The protocol, the rows it governs and the slots' "dead" flags.
struct World {
    claims: Claims<Store>,
    rows: Vec<UnsafeCell<u64>>,
    dead: [AtomicBool; 4],
}

/// A world of `capacity` rows whose 4 slots are taken (generation 1), all alive.
fn world(capacity: u64) -> Arc<World> {
    let claims = Claims::new(Store::with_owners(capacity, 4, 1).expect("64 words hold 4 x 16"));
    for slot in 0..4 {
        claims.owners().take(slot, 100 + slot, 0, 0);
    }
    Arc::new(World {
        claims,
        rows: (0..capacity).map(|_| UnsafeCell::new(0)).collect(),
        dead: core::array::from_fn(|_| AtomicBool::new(false)),
    })
}

/// Entry 0 of `slot`.
fn entry(slot: u32) -> Entry {
    Entry { slot, index: 0 }
}

impl World {
    /// Writes `value` into row `row`, as the owner of its claim (or a closer) would.
    fn write(&self, row: u64, value: u64) {
        // SAFETY: loom runs one thread at a time, so the access never overlaps another in
        // fact; loom's causality check fails the model if another access to this row is
        // not ordered with it by happens-before (which is what the protocol must ensure).
        self.rows[row as usize].with_mut(|cell| unsafe { *cell = value });
    }

    /// Reads row `row` (checked by loom the same way).
    fn read(&self, row: u64) -> u64 {
        // SAFETY: as in `write`.
        self.rows[row as usize].with(|cell| unsafe { *cell })
    }

    /// The kernel releases `slot`'s lock: every later probe that sees it is ordered after
    /// the process's last step.
    fn die(&self, slot: u32) {
        self.dead[slot as usize].store(true, Release);
    }

    /// Reads every committed row: valid rows hold their writer's value `row + 1`, void rows
    /// zeros. Returns the watermark read.
    fn read_committed(&self) -> u64 {
        let validity = self.claims.validity();
        for row in 0..validity.rows() {
            let value = self.read(row);
            if validity.is_valid(row) {
                assert_eq!(value, row + 1, "valid row {row} is not its writer's");
            } else {
                assert_eq!(value, 0, "void row {row} is not zero-filled");
            }
        }
        validity.rows()
    }

    /// Zero-fills `rows`, as a closer's callback does.
    fn zero(&self, rows: core::ops::Range<u64>) {
        for row in rows {
            self.write(row, 0);
        }
    }
}

/// The slots' liveness as the adapter's lock probe would see it, for a process in slot `me`.
struct Flags<'w> {
    world: &'w World,
    me: u32,
}

impl Probe for Flags<'_> {
    fn probe(&self, slot: u32) -> Liveness {
        // A probe is a system call: other processes run meanwhile (a free switch for loom).
        thread::yield_now();
        match self.world.dead.get(slot as usize) {
            Some(dead) if dead.load(Acquire) => Liveness::Dead,
            Some(_) => Liveness::Alive,
            None => Liveness::Unknown,
        }
    }
    fn me(&self) -> Option<u32> {
        Some(self.me)
    }
}

/// Calls `close_dead` as process `me` until it stops changing things; returns every range
/// it closed.
fn close_until_settled(w: &World, me: u32) -> Vec<core::ops::Range<u64>> {
    let probe = Flags { world: w, me };
    let mut closed = Vec::new();
    for _ in 0..3 {
        thread::yield_now();
        match w.claims.close_dead(&probe, |rows| w.zero(rows)) {
            Closing::Closed(rows) => closed.push(rows),
            Closing::Retry => {}
            Closing::Open | Closing::Waiting(_) | Closing::Unknown(_) => break,
        }
    }
    closed
}

/// Model 1: a writer (slot 1) announces, claims row 0, writes it and commits — or dies after
/// any of those steps — while a closer (slot 0) runs `close_dead` and reads what is
/// committed. The closer never writes the row while the writer may (loom's causality check
/// on the row), never closes a row its live writer committed (a valid row holds the writer's
/// value), and once the writer is dead the hole is closed: the watermark reaches the tail.
#[test]
fn announce_then_die_anywhere() {
    for steps in 0..=3 {
        loom::model(move || {
            let w = world(1);
            let writer = {
                let w = Arc::clone(&w);
                thread::spawn(move || {
                    if steps >= 1 {
                        let claim = w.claims.claim_as(entry(1), 1).expect("room");
                        if steps >= 2 {
                            w.write(0, 1);
                        }
                        if steps >= 3 {
                            claim.commit();
                        } else {
                            core::mem::forget(claim);
                        }
                    }
                    if steps < 3 {
                        w.die(1);
                    }
                })
            };
            let probe = Flags { world: &w, me: 0 };
            for _ in 0..3 {
                thread::yield_now();
                if let Closing::Closed(rows) = w.claims.close_dead(&probe, |rows| w.zero(rows)) {
                    assert_eq!(rows, 0..1, "closed rows of no claim");
                    assert!(steps < 3, "closed the row of a writer that commits");
                }
                w.read_committed();
            }
            writer.join().expect("writer");
            close_until_settled(&w, 0);
            let committed = w.read_committed();
            assert_eq!(
                committed,
                w.claims.claimed(),
                "a dead writer's hole stayed open"
            );
            let valid = w.claims.validity().count_valid();
            assert_eq!(valid, u64::from(steps == 3), "steps {steps}");
        });
    }
}

/// How a model's closer runs `close_dead`.
#[derive(Clone, Copy)]
enum Closer {
    /// The protocol.
    Protocol,
    /// `Acquire` loads of the tail instead of RMWs at steps 1 and 8.
    LoadingTheTail,
    /// Step 9 without comparing the two scans.
    WithoutComparingTheScans,
    /// Step 9 without the give-back counts.
    WithoutGiveBackCounts,
}

impl Closer {
    fn close(self, w: &World, probe: &Flags<'_>) -> Closing {
        let zero = |rows| w.zero(rows);
        match self {
            Closer::Protocol => w.claims.close_dead(probe, zero),
            Closer::LoadingTheTail => w.claims.close_dead_loading_the_tail(probe, zero),
            Closer::WithoutComparingTheScans => {
                w.claims.close_dead_without_comparing_the_scans(probe, zero)
            }
            Closer::WithoutGiveBackCounts => {
                w.claims.close_dead_without_give_back_counts(probe, zero)
            }
        }
    }
}

/// A closer (slot 0) that tries a few times and must never close row 0.
fn never_closes_row_0(w: &World, closer: Closer) {
    let probe = Flags { world: w, me: 0 };
    for _ in 0..2 {
        thread::yield_now();
        let closing = closer.close(w, &probe);
        assert!(
            !matches!(closing, Closing::Closed(_)),
            "closed a live row: {closing:?}"
        );
    }
}

/// Model 2: process A (slot 1) claims row 0, gives it back and dies before retiring its
/// entry (which keeps announcing row 0); process B (slot 2) claims row 0 again, writes it
/// and commits. A closer (slot 0) races them. It must never close row 0: its owner is B,
/// alive, even when its first scan sees A's announcement alone and A dead.
fn give_back_reclaim_aba(closer: Closer) {
    loom::model(move || {
        let w = world(1);
        let processes = {
            let w = Arc::clone(&w);
            thread::spawn(move || {
                let a = w.claims.claim_as(entry(1), 1).expect("room");
                // Yields let the closer run at these points without spending a preemption
                // (see the module docs): the dangerous order needs the closer's first scan
                // to see A's claim and its second one B's.
                thread::yield_now();
                assert!(a.give_back_and_die(), "nothing was claimed after A");
                w.die(1);
                let b = w.claims.claim_as(entry(2), 1).expect("A gave row 0 back");
                assert_eq!(b.rows(), 0..1);
                thread::yield_now();
                w.write(0, 1);
                b.commit();
            })
        };
        never_closes_row_0(&w, closer);
        processes.join().expect("processes");
        assert_eq!(w.read_committed(), 1);
        assert_eq!(w.claims.validity().count_valid(), 1);
    });
}

/// Model 2 with the protocol.
#[test]
fn give_back_reclaim_aba_protocol() {
    give_back_reclaim_aba(Closer::Protocol);
}

/// Model 2 with `Acquire` loads of the tail at steps 1 and 8 instead of RMWs (design §3.3
/// asks for RMWs, and the protocol keeps them). This passes: the closer's probe of A
/// synchronises with A's last step, its give-back included, so a tail read after the probes
/// (step 8) cannot return a value from before the give-back — and a value from B's claim
/// makes B's announcement visible to the second scan. See P1 in `src/claim/close.rs`.
#[test]
fn give_back_reclaim_aba_with_a_load() {
    give_back_reclaim_aba(Closer::LoadingTheTail);
}

/// Model 2 without comparing the scans: the second scan sees B's announcement, but B was
/// never probed, and the closer zero-fills B's live row.
#[test]
#[should_panic(expected = "closed a live row")]
fn give_back_reclaim_aba_without_comparing_the_scans() {
    give_back_reclaim_aba(Closer::WithoutComparingTheScans);
}

/// Model 2b (P1, case 3): a stale announcement of row 0 by a dead process D (slot 3: a claim
/// attempt that lost its race); a live process claims row 0 and gives it back twice through
/// one entry (slot 1), then B (slot 2) claims it, writes and commits. A closer must never close
/// row 0: when its first scan runs after one give-back and its second after the next, both
/// see D alone — only the give-back count tells them apart.
fn give_back_after_the_tail_read(closer: Closer) {
    loom::model(move || {
        let w = world(1);
        let d_entry = 3 * 16 + 8; // entry 0 of slot 3: a stale announcement of row 0
        w.claims.owners().words[d_entry].store(1 << 40, Release);
        w.die(3);
        let processes = {
            let w = Arc::clone(&w);
            thread::spawn(move || {
                for _ in 0..2 {
                    let claim = w.claims.claim_as(entry(1), 1).expect("room");
                    thread::yield_now();
                    assert!(claim.give_back().is_ok(), "nothing was claimed after it");
                    thread::yield_now();
                }
                let b = w.claims.claim_as(entry(2), 1).expect("room");
                thread::yield_now();
                w.write(0, 1);
                b.commit();
            })
        };
        never_closes_row_0(&w, closer);
        processes.join().expect("processes");
        assert_eq!(w.read_committed(), 1);
        assert_eq!(w.claims.validity().count_valid(), 1);
    });
}

/// Model 2b with the protocol.
#[test]
fn give_back_after_the_tail_read_protocol() {
    give_back_after_the_tail_read(Closer::Protocol);
}

/// Model 2b without the give-back counts: the closer zero-fills B's live row.
#[test]
#[should_panic(expected = "closed a live row")]
fn give_back_after_the_tail_read_without_counts() {
    give_back_after_the_tail_read(Closer::WithoutGiveBackCounts);
}

/// Model 3: the dead owner's slot (1) is taken again by a new live process while a closer
/// runs — against the adapter's rule not to take a slot with pending entries, so the core
/// must cope: the take clears the dead owner's announcement and raises the generation, and
/// the new holder claims row 1 and writes it. The closer may close row 0 (its owner is dead),
/// retry, or find no candidate; it never touches row 1.
#[test]
fn slot_reuse_generation() {
    loom::model(|| {
        let w = world(2);
        die_holding_row_0(&w, 1);
        let newcomer = {
            let w = Arc::clone(&w);
            thread::spawn(move || {
                w.dead[1].store(false, Release); // the new holder's lock
                w.claims.owners().take(1, 999, 0, 0);
                let claim = w.claims.claim_as(entry(1), 1).expect("room");
                assert_eq!(claim.rows(), 1..2);
                w.write(1, 2);
                claim.commit();
            })
        };
        for rows in close_until_settled(&w, 0) {
            assert_eq!(rows, 0..1, "closed the new holder's row");
        }
        newcomer.join().expect("newcomer");
        let validity = w.claims.validity();
        if validity.rows() == 2 {
            assert!(!validity.is_valid(0) && validity.is_valid(1));
            assert_eq!((w.read(0), w.read(1)), (0, 2));
        }
    });
}

/// A process in `slot` claimed row 0 and died holding it (before the model's threads start).
fn die_holding_row_0(w: &World, slot: u32) {
    core::mem::forget(w.claims.claim_as(entry(slot), 1).expect("room"));
    w.die(slot);
}

/// Model 4: the dead owner of row 0 (slot 1) left a hole under a committed row 1; two
/// closers (slots 2 and 3) race, and the first may die right after its zero-fill, holding
/// the `closer` word. The zero-fills never overlap (loom's causality check), the other one
/// takes over, and the watermark passes the hole and the live row above it: row 0 void,
/// row 1 valid.
#[test]
fn two_closers_and_takeover() {
    loom::model(|| {
        let w = world(2);
        die_holding_row_0(&w, 1);
        let live = w.claims.claim_as(entry(0), 1).expect("room");
        w.write(1, 2);
        live.commit();
        let first = {
            let w = Arc::clone(&w);
            thread::spawn(move || {
                let probe = Flags { world: &w, me: 2 };
                let closing = w
                    .claims
                    .close_dead_and_die_after_zero(&probe, |rows| w.zero(rows));
                w.die(2);
                closing
            })
        };
        let second = close_until_settled(&w, 3);
        let first = first.join().expect("first closer");
        assert!(
            second
                .iter()
                .chain(match &first {
                    Closing::Closed(rows) => Some(rows),
                    _ => None,
                })
                .all(|rows| *rows == (0..1))
        );
        close_until_settled(&w, 3);
        assert_eq!(w.read_committed(), 2, "the hole stayed open");
        let validity = w.claims.validity();
        assert!(!validity.is_valid(0) && validity.is_valid(1));
    });
}

/// Model 5: readers see void before rows. (a) A writer abandons row 0 (zero-filling it
/// first, as the adapter's guard does) while another commits row 1 above it; (b) a closer
/// closes a dead owner's row 0 under a committed row 1. A reader that acquires
/// `committed > 0` sees row 0 void and zero, never as valid data.
#[test]
fn void_before_done() {
    loom::model(|| {
        let w = world(2);
        let abandoner = {
            let w = Arc::clone(&w);
            thread::spawn(move || {
                let claim = w.claims.claim(1).expect("room");
                w.write(claim.start(), 0);
                claim.abandon();
            })
        };
        let committer = {
            let w = Arc::clone(&w);
            thread::spawn(move || {
                let claim = w.claims.claim(1).expect("room");
                w.write(claim.start(), claim.start() + 1);
                // The committed row is valid; the abandoned one void, whichever it is.
                claim.commit();
            })
        };
        for _ in 0..3 {
            thread::yield_now();
            let validity = w.claims.validity();
            for row in 0..validity.rows() {
                // The committer's row holds `row + 1`, the abandoned one zeros.
                let value = w.read(row);
                assert_eq!(
                    validity.is_valid(row),
                    value != 0,
                    "row {row} holds {value}"
                );
            }
        }
        abandoner.join().expect("abandoner");
        committer.join().expect("committer");
        assert_eq!(w.claims.validity().count_valid(), 1);
    });
    loom::model(|| {
        let w = world(2);
        die_holding_row_0(&w, 1);
        let live = w.claims.claim_as(entry(2), 1).expect("room");
        w.write(1, 2);
        live.commit();
        let closer = {
            let w = Arc::clone(&w);
            thread::spawn(move || close_until_settled(&w, 3))
        };
        for _ in 0..3 {
            thread::yield_now();
            let validity = w.claims.validity();
            if validity.rows() > 0 {
                assert!(!validity.is_valid(0), "the closed row read as valid");
                assert_eq!(w.read(0), 0, "the closed row read before its zeros");
            }
        }
        assert_eq!(closer.join().expect("closer"), [0..1]);
    });
}

/// Model 6: a dead owner's announcement outlives a part it gave back. D (slot 1) claims rows
/// 0..2, splits the claim at row 1, gives 1..2 back and dies holding row 0 (its entry still
/// announces 0..2); L (slot 2) then claims row 1, writes it and commits, while a closer
/// (slot 0) runs. The closer may close row 0 only: its range stops at the next announced
/// claim (L's) and at the first complete row, and a zero-fill of row 1 racing L's write
/// would fail loom's check of the row cell; a closed row 1 would read as void.
#[test]
fn split_give_back_then_die() {
    loom::model(|| {
        let w = world(2);
        let gave_back = Arc::new(AtomicBool::new(false));
        let d = {
            let (w, gave_back) = (Arc::clone(&w), Arc::clone(&gave_back));
            thread::spawn(move || {
                let claim = w.claims.claim_as(entry(1), 2).expect("room");
                let (held, rest) = claim.split_at(1);
                assert!(rest.give_back().is_ok(), "nothing was claimed after D");
                gave_back.store(true, Release);
                core::mem::forget(held); // D dies holding row 0
                w.die(1);
            })
        };
        let l = {
            let (w, gave_back) = (Arc::clone(&w), Arc::clone(&gave_back));
            thread::spawn(move || {
                while !gave_back.load(Acquire) {
                    thread::yield_now();
                }
                let claim = w.claims.claim_as(entry(2), 1).expect("D gave row 1 back");
                assert_eq!(claim.rows(), 1..2);
                w.write(1, 2);
                claim.commit();
            })
        };
        for rows in close_until_settled(&w, 0) {
            assert_eq!(rows, 0..1, "closed beyond D's row");
        }
        w.read_committed();
        d.join().expect("D");
        l.join().expect("L");
        for rows in close_until_settled(&w, 0) {
            assert_eq!(rows, 0..1, "closed beyond D's row");
        }
        assert_eq!(w.read_committed(), 2);
        assert!(!w.claims.validity().is_valid(0), "D's row is void");
        assert!(w.claims.validity().is_valid(1), "L's row is valid");
    });
}

/// Model 5, supervisor path: a writer "process" died holding row 0 while another commits
/// row 1 above it; a supervisor, with a store of its own over the same words (`&mut`
/// covers only its own store), zero-fills row 0 and calls `force_complete(0..1)`. A reader
/// (a third store) that acquires `committed > 0` sees row 0 void and reads its zeros
/// (ordered after the zero-fill: loom's causality check), and row 1 valid with its data.
#[test]
fn force_complete_voids_before_done() {
    loom::model(|| {
        // A `Mapped` region for 2 rows: 16 header words, one done and one void word, padding.
        let region: Arc<Vec<AtomicU64>> = Arc::new((0..24).map(|_| AtomicU64::new(0)).collect());
        Mapped::create(&region, 2, 1).expect("24 words hold a region for 2 rows");
        let rows: Arc<Vec<UnsafeCell<u64>>> =
            Arc::new((0..2).map(|_| UnsafeCell::new(0)).collect());
        {
            let dead = Claims::new(Mapped::open(&region, 2, 1).expect("a valid header"));
            core::mem::forget(dead.claim(1).expect("room")); // row 0: its writer dies
        }
        let committer = {
            let (rows, region) = (Arc::clone(&rows), Arc::clone(&region));
            thread::spawn(move || {
                let own = Claims::new(Mapped::open(&region, 2, 1).expect("a valid header"));
                let live = own.claim(1).expect("room");
                assert_eq!(live.rows(), 1..2);
                // SAFETY: as in `World::write` (loom checks the ordering).
                rows[1].with_mut(|cell| unsafe { *cell = 2 });
                live.commit();
            })
        };
        let supervisor = {
            let (rows, region) = (Arc::clone(&rows), Arc::clone(&region));
            thread::spawn(move || {
                let mut own = Claims::new(Mapped::open(&region, 2, 1).expect("a valid header"));
                // SAFETY: as in `World::write`.
                rows[0].with_mut(|cell| unsafe { *cell = 0 });
                own.force_complete(0..1).expect("claimed rows")
            })
        };
        let reader = Claims::new(Mapped::open(&region, 2, 1).expect("a valid header"));
        for _ in 0..3 {
            thread::yield_now();
            let validity = reader.validity();
            for row in 0..validity.rows() {
                // SAFETY: as in `World::read`.
                let value = rows[row as usize].with(|cell| unsafe { *cell });
                assert_eq!(validity.is_valid(row), row == 1, "row {row}");
                assert_eq!(value, row * 2, "row {row} holds {value}");
            }
        }
        committer.join().expect("committer");
        assert!(supervisor.join().expect("supervisor") >= 1);
        let validity = reader.validity();
        assert_eq!((validity.rows(), validity.count_valid()), (2, 1));
    });
}
