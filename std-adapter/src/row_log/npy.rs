//! The header writer: publishing the durable watermark in the `.npy` header's two-slot shape
//! (design `docs/row-log-v2-npy.md`, §6.4 of the row log v2 design).
//!
//! The header's bytes `0..H` are, like the claims region, reached only as atomic words of the
//! mapping (numpy reads them with `read(2)`, outside this process's memory model). The text
//! is rewritten by one process at a time, the holder of the region's `header_writer` word:
//!
//! ```text
//! publish(d):                                  d = durable just raised by this flusher
//!   p = published; if value(p) >= d: return
//!   wait until header_interval has passed since the rewrite before p
//!   CAS header_writer 0 -> hold word (generation << 16 | slot + 1); held by a live process:
//!      wait for it (it holds the word for a few stores) and try again, up to 50 ms;
//!      held by a dead one, or by a slot's earlier generation: take it over, then redo ITS
//!      rewrite first (same slot, same target)
//!   if published changed since p: release, start again (value(p) >= d: return)
//!   header_target := d; published := p | BUSY
//!   word stores: slot 1 - parity(p) := d right-aligned, slot parity(p) := spaces
//!   published := d | (1 - parity(p)) << 62; header_writer := 0
//! ```
//!
//! **Publishers without a slot.** A process takes an owner slot only when it first claims
//! (or closes a dead writer's hole), so a reader that flushes may hold none. It names itself
//! by its process, `(pid + 1) << 16` (the low 16 bits zero: no slot's hold word, which
//! carries `slot + 1` there; `Owners::hold_state` calls it `Invalid`), and proves that it
//! lives the way a slot's holder does: it holds a write OFD lock on the byte
//! [`HEADER_WRITER`](crate::sys::ofd::HEADER_WRITER) through the log's descriptor for as
//! long as it holds the word — taken before its compare-exchange, released after its
//! release store — under a process-local mutex (the threads of a process share the
//! description's lock: one must not unlock it under another). So whoever holds that lock
//! (and the mutex) knows that no process holds a process-named hold now: a process-named
//! value left in the word is a dead holder's, taken over like a dead slot's. A lock that
//! cannot be taken means another slotless publisher is at it (wait, as for a live holder).
//! Where there are no OFD locks, nobody can tell, as before: such holds are waited for.
//!
//! A rewrite interrupted by the writer's death leaves a byte mix of two texts, which readers
//! may see (safe: `mmarray::npy`'s module docs on the two slots), `published` with `BUSY` set
//! and `header_target` naming the value being written; whoever takes over redoes exactly that
//! rewrite, so no reader ever sees a mix of three texts in one slot. Rust readers never parse
//! the text: they read the watermarks.
//!
//! **Pacing.** Two rewrites of the same slot are at least `header_interval` apart, so that a
//! reader's copy of the header that reorders bytes cannot span both (§6.3, T2b). The time of
//! another process's rewrite is not recorded anywhere, so the wait is measured from when this
//! process first saw the current published value: the rewrite before it, the last one of the
//! slot about to be written, ended before the current one began. That paces *every* rewrite,
//! one per interval: each rewrite writes one slot and blanks the other, so two consecutive
//! rewrites already both touch each slot (the design's "two per interval" in §6.3 was wrong,
//! corrected there). It needs no shared clock.

use std::os::fd::BorrowedFd;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use mmarray::claim::{ClaimHeader, Hold, Mapped, Owners};
use mmarray::npy::{ShapeSlot, shape_stores};

use std::sync::atomic::{AtomicU64, Ordering};

use crate::sys::ofd::{self, HEADER_WRITER, Kind};

/// Time between two rewrites of the same shape slot.
pub(super) const HEADER_INTERVAL: Duration = Duration::from_millis(10);

/// How long a flush waits for another holder of `header_writer` before leaving the
/// publishing to it ([`Published::Busy`]): a live holder holds it for a few stores.
const HOLD_WAIT: Duration = Duration::from_millis(50);

/// The `.npy` header text of a mapped log: its words, and this process's pacing record.
pub(super) struct HeaderText {
    /// Bytes `0..H` of the mapping as words.
    words: &'static [AtomicU64],
    /// Offset of the shape field's `(`.
    field_at: usize,
    /// The last published word this process saw, and when it first saw it.
    seen: Mutex<Option<(u64, Instant)>>,
    /// Serialises this process's use of the [`HEADER_WRITER`] lock byte ([`Exclusive`]).
    exclusive: Mutex<()>,
}

/// Who publishes: [`HeaderText::publish`]'s view of this process.
pub(super) struct Publisher<'f, D> {
    /// This process's slot, if it holds one: its hold word names the slot (with the slot's
    /// generation), and others tell whether it lives by probing the slot. Without one the
    /// hold word names the process, which holds the header lock byte meanwhile.
    pub(super) slot: Option<u32>,
    /// Whether the process holding slot `s` (another's) is dead.
    pub(super) dead: D,
    /// The log's descriptor, for the header lock byte; `None` for a header no other process
    /// can reach (the unit tests' regions).
    pub(super) file: Option<BorrowedFd<'f>>,
}

/// The hold word of this process without a slot ([`process_hold_of`] its pid).
fn process_hold() -> u64 {
    process_hold_of(std::process::id())
}

/// The hold word of process `pid` without a slot: `(pid + 1) << 16`. Its low 16 bits are 0,
/// where a slot's hold word has `slot + 1 >= 1`, so it is never read as a slot's.
fn process_hold_of(pid: u32) -> u64 {
    (u64::from(pid) + 1) << 16
}

/// Whether hold word `word` names a process rather than a slot ([`process_hold`]).
fn is_process_hold(word: u64) -> bool {
    word != 0 && word & 0xffff == 0
}

/// This process's exclusive use of the [`HEADER_WRITER`] byte: the process-local mutex and,
/// for a file, the byte's write lock through the log's descriptor. A process holds a
/// process-named hold only inside its `Exclusive`, so while `judges` is set no process holds
/// one: a process-named value in the word is a dead holder's.
struct Exclusive<'g> {
    _local: MutexGuard<'g, ()>,
    /// The descriptor whose lock on the byte this guard releases.
    locked: Option<BorrowedFd<'g>>,
    /// Whether holding this proves that no process holds a process-named hold: `false` on
    /// targets without OFD locks, where nobody can tell.
    judges: bool,
}

impl Drop for Exclusive<'_> {
    fn drop(&mut self) {
        if let Some(fd) = self.locked {
            // Unlocking our own lock does not fail on an open descriptor. Were it to fail,
            // the byte would stay locked until the log is dropped: other slotless publishers
            // would wait (and report `Busy`); nothing would be taken over wrongly.
            let _ = ofd::unlock(fd, HEADER_WRITER);
        }
    }
}

/// What [`HeaderText::publish`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Published {
    /// The header shows at least the value already.
    AlreadyShown,
    /// Another live process holds the header writer: it publishes.
    Busy,
    /// This call rewrote the text.
    Rewrote,
}

impl HeaderText {
    /// The header text in `words` (bytes `0..H` of the mapping), whose shape field starts
    /// at byte `field_at`.
    pub(super) fn new(words: &'static [AtomicU64], field_at: usize) -> Self {
        Self {
            words,
            field_at,
            seen: Mutex::new(None),
            exclusive: Mutex::new(()),
        }
    }

    /// Takes [`Exclusive`] through `file`; `None` if another process holds the byte's lock
    /// (a slotless publisher at work, or judging), or the lock cannot be taken.
    fn exclusive<'g>(&'g self, file: Option<BorrowedFd<'g>>) -> Option<Exclusive<'g>> {
        let local = self
            .exclusive
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(fd) = file else {
            // No other process reaches this header: the mutex excludes every holder.
            return Some(Exclusive {
                _local: local,
                locked: None,
                judges: true,
            });
        };
        if !ofd::SUPPORTED {
            return Some(Exclusive {
                _local: local,
                locked: None,
                judges: false,
            });
        }
        match ofd::try_lock(fd, HEADER_WRITER, Kind::Write) {
            Ok(true) => Some(Exclusive {
                _local: local,
                locked: Some(fd),
                judges: true,
            }),
            Ok(false) | Err(_) => None,
        }
    }

    /// The header's bytes as they are now (each word loaded atomically).
    fn bytes(&self) -> Vec<u8> {
        self.words
            .iter()
            .flat_map(|w| w.load(Ordering::Relaxed).to_ne_bytes())
            .collect()
    }

    /// Writes `value` into `slot` and blanks the other: the word stores of
    /// [`shape_stores`], each an atomic store. Only the holder of `header_writer` calls it.
    pub(super) fn write(&self, value: u64, slot: ShapeSlot) -> Result<(), mmarray::npy::Error> {
        let stores = shape_stores(&self.bytes(), self.field_at, value, slot)?;
        for store in stores.iter() {
            if let Some(word) = self.words.get(store.word) {
                word.store(store.value, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// Publishes `durable` in the shape (the protocol in the module docs), as `who`.
    ///
    /// The pacing wait happens before `header_writer` is taken, so the word is held only for
    /// the few stores of one rewrite (or two, after a takeover).
    pub(super) fn publish(
        &self,
        region: &Mapped<'_>,
        durable: u64,
        who: &Publisher<'_, impl Fn(u32) -> bool>,
    ) -> Result<Published, mmarray::npy::Error> {
        let published = region.published();
        let writer = region.header_writer();
        // The hold word carries the slot's generation, so a hold left by a dead process whose
        // slot was taken again reads as gone, not as its live successor's (or as ours).
        let owners = Owners::new(region.owners_words(), region.slots(), region.entries())
            .ok()
            .filter(|o| !o.is_none());
        let mine = match who.slot {
            Some(slot) => owners
                .and_then(|o| o.hold_word(slot))
                .unwrap_or(u64::from(slot) + 1),
            None => process_hold(),
        };
        let gone = |holder: u64, exclusive: Option<&Exclusive<'_>>| {
            if is_process_hold(holder) {
                // Its holder held the lock byte as long as it held the word: with the byte
                // ours, it is gone (also a namesake in another pid namespace, or us: our
                // threads hold the word only inside the mutex we hold).
                return exclusive.is_some_and(|e| e.judges);
            }
            match owners.map(|o| o.hold_state(holder)) {
                Some(Hold::Gone) => true,
                Some(Hold::Slot(slot)) => who.slot != Some(slot) && (who.dead)(slot),
                // No slot table (a region made without one): the word is `slot + 1`.
                None => u32::try_from(holder - 1)
                    .is_ok_and(|slot| who.slot != Some(slot) && (who.dead)(slot)),
                Some(Hold::Free | Hold::Invalid) => false,
            }
        };
        let since = Instant::now();
        loop {
            let p = published.load(Ordering::Acquire);
            if p & ClaimHeader::PUBLISHED_VALUE >= durable && p & ClaimHeader::PUBLISHED_BUSY == 0 {
                return Ok(Published::AlreadyShown);
            }
            if p & ClaimHeader::PUBLISHED_BUSY == 0 {
                self.pace(p);
            }
            // Without a slot, the lock byte first: held for as long as the word is.
            let mut exclusive = match who.slot {
                Some(_) => None,
                None => self.exclusive(who.file),
            };
            let taken = (who.slot.is_some() || exclusive.is_some())
                && match writer.compare_exchange(0, mine, Ordering::Acquire, Ordering::Relaxed) {
                    Ok(_) => true,
                    Err(holder) => {
                        if is_process_hold(holder) && exclusive.is_none() {
                            exclusive = self.exclusive(who.file);
                        }
                        gone(holder, exclusive.as_ref())
                            && writer
                                .compare_exchange(
                                    holder,
                                    mine,
                                    Ordering::Acquire,
                                    Ordering::Relaxed,
                                )
                                .is_ok()
                    }
                };
            if !taken {
                drop(exclusive);
                // A holder keeps the word only for the stores of one rewrite (the pacing
                // wait comes before taking it), and publishes its own value, which may be
                // below ours: wait for it and publish ours after it, so a flush that
                // returns has its durable value in the text (or a later one). Bounded, for
                // a holder that is stopped or dead without anyone knowing yet.
                if since.elapsed() >= HOLD_WAIT {
                    return Ok(Published::Busy);
                }
                std::thread::sleep(Duration::from_micros(100));
                continue;
            }
            let result = self.publish_held(region, durable, p);
            writer.store(0, Ordering::Release);
            drop(exclusive);
            match result {
                // Someone published between our look and our lock: look again (and pace
                // again, from the value they wrote).
                Ok(None) => continue,
                Ok(Some(done)) => return Ok(done),
                Err(e) => return Err(e),
            }
        }
    }

    /// [`publish`](Self::publish) with `header_writer` held; `paced` is the published word
    /// the pacing wait was measured for. `None` if the word changed since (try again).
    fn publish_held(
        &self,
        region: &Mapped<'_>,
        durable: u64,
        paced: u64,
    ) -> Result<Option<Published>, mmarray::npy::Error> {
        let published = region.published();
        let mut p = published.load(Ordering::Acquire);
        if p & ClaimHeader::PUBLISHED_BUSY != 0 {
            // A writer died mid-rewrite: redo exactly its rewrite (the slot it was writing,
            // the value it named), so readers only ever see mixes of the same two texts.
            let slot = p & ClaimHeader::PUBLISHED_PARITY == 0;
            let target = region.header_target().load(Ordering::Relaxed);
            self.write(target, ShapeSlot::from_parity(slot))?;
            p = target | (u64::from(slot) << 62);
            published.store(p, Ordering::Release);
            self.saw(p);
        }
        if p & ClaimHeader::PUBLISHED_VALUE >= durable {
            return Ok(Some(Published::AlreadyShown));
        }
        if p != paced || self.saw(p).elapsed() < HEADER_INTERVAL {
            return Ok(None);
        }
        let slot = ShapeSlot::from_parity(p & ClaimHeader::PUBLISHED_PARITY == 0);
        region.header_target().store(durable, Ordering::Relaxed);
        published.store(p | ClaimHeader::PUBLISHED_BUSY, Ordering::Release);
        self.write(durable, slot)?;
        let new = durable | (u64::from(slot.parity()) << 62);
        published.store(new, Ordering::Release);
        self.saw(new);
        Ok(Some(Published::Rewrote))
    }

    /// Records that this process sees `published` now; returns when it first saw it.
    fn saw(&self, published: u64) -> Instant {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match *seen {
            Some((word, since)) if word == published => since,
            _ => {
                let now = Instant::now();
                *seen = Some((published, now));
                now
            }
        }
    }

    /// Waits until [`HEADER_INTERVAL`] has passed since this process first saw `current`:
    /// the rewrite before it (the last one of the slot about to be written) ended before
    /// `current` was written.
    fn pace(&self, current: u64) {
        let elapsed = self.saw(current).elapsed();
        if elapsed < HEADER_INTERVAL {
            std::thread::sleep(HEADER_INTERVAL - elapsed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mmarray::claim::Geometry;
    use mmarray::npy::{Descr, Header, RowLogHeader};

    /// A header text and a region in plain atomics (leaked: the text needs `'static`).
    fn setup() -> (
        HeaderText,
        &'static [AtomicU64],
        Geometry,
        RowLogHeader<'static>,
    ) {
        let npy = RowLogHeader::new(Descr::of::<u64>(), 100, 4096 + 160);
        let len = npy.emitted_len().unwrap();
        let mut bytes = vec![0u8; len];
        npy.emit(&mut bytes, 0, ShapeSlot::First).unwrap();
        let words: &'static [AtomicU64] = Vec::leak(
            bytes
                .chunks_exact(8)
                .map(|c| AtomicU64::new(u64::from_ne_bytes(c.try_into().unwrap())))
                .collect(),
        );
        let g = Geometry::new(100, 8).with_header_len(len as u64);
        let region: &'static [AtomicU64] = Vec::leak(
            (0..g.region_words().unwrap())
                .map(|_| AtomicU64::new(0))
                .collect(),
        );
        Mapped::create_with(region, g).unwrap();
        (
            HeaderText::new(words, npy.shape_field().unwrap()),
            region,
            g,
            npy,
        )
    }

    /// A publisher holding slot `s`, which finds dead the slots `dead` says are.
    fn slot<D: Fn(u32) -> bool>(s: u32, dead: D) -> Publisher<'static, D> {
        Publisher {
            slot: Some(s),
            dead,
            file: None,
        }
    }

    fn shape(text: &HeaderText) -> u64 {
        Header::parse(&text.bytes()).unwrap().0.shape()[0] as u64
    }

    #[test]
    fn publishing_alternates_slots_and_skips_what_is_shown() {
        let (text, words, g, npy) = setup();
        let region = Mapped::open_with(words, g).unwrap();
        assert_eq!(
            text.publish(&region, 5, &slot(0, |_| false)),
            Ok(Published::Rewrote)
        );
        assert_eq!(shape(&text), 5);
        let mut expected = vec![0u8; text.bytes().len()];
        npy.emit(&mut expected, 5, ShapeSlot::Second).unwrap();
        assert_eq!(text.bytes(), expected);
        assert_eq!(
            region.published().load(Ordering::Relaxed),
            5 | ClaimHeader::PUBLISHED_PARITY
        );
        assert_eq!(
            text.publish(&region, 5, &slot(0, |_| false)),
            Ok(Published::AlreadyShown)
        );
        // The next rewrite writes the first slot again: not before 10 ms after the last.
        let start = Instant::now();
        assert_eq!(
            text.publish(&region, 9, &slot(0, |_| false)),
            Ok(Published::Rewrote)
        );
        assert!(
            start.elapsed() >= HEADER_INTERVAL / 2,
            "{:?}",
            start.elapsed()
        );
        assert_eq!(shape(&text), 9);
        assert_eq!(region.published().load(Ordering::Relaxed), 9);
        assert_eq!(region.header_writer().load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_live_holder_publishes_and_a_dead_ones_rewrite_is_redone_first() {
        let (text, words, g, npy) = setup();
        let region = Mapped::open_with(words, g).unwrap();
        // Slot 6's process died half way through writing 1234 into the second slot.
        region.header_target().store(1234, Ordering::Relaxed);
        region
            .published()
            .store(ClaimHeader::PUBLISHED_BUSY, Ordering::Relaxed);
        region.header_writer().store(7, Ordering::Relaxed);
        let full = shape_stores(&text.bytes(), text.field_at, 1234, ShapeSlot::Second).unwrap();
        let first = full[0];
        words_of(&text)[first.word].store(first.value, Ordering::Relaxed);
        let torn = text.bytes();
        // While slot 6 lives, it is left to it.
        assert_eq!(
            text.publish(&region, 2000, &slot(0, |_| false)),
            Ok(Published::Busy)
        );
        assert_eq!(text.bytes(), torn);
        // Dead: taken over, its rewrite finished, then ours written into the other slot.
        assert_eq!(
            text.publish(&region, 2000, &slot(0, |slot| slot == 6)),
            Ok(Published::Rewrote)
        );
        let mut expected = vec![0u8; torn.len()];
        npy.emit(&mut expected, 2000, ShapeSlot::First).unwrap();
        assert_eq!(text.bytes(), expected);
        assert_eq!(region.published().load(Ordering::Relaxed), 2000);
        assert_eq!(region.header_writer().load(Ordering::Relaxed), 0);
        // A dead holder whose rewrite already covers the value: finished, nothing more.
        region.header_target().store(2500, Ordering::Relaxed);
        region
            .published()
            .store(2000 | ClaimHeader::PUBLISHED_BUSY, Ordering::Relaxed);
        region.header_writer().store(3, Ordering::Relaxed);
        assert_eq!(
            text.publish(&region, 2100, &slot(0, |slot| slot == 2)),
            Ok(Published::AlreadyShown)
        );
        assert_eq!(shape(&text), 2500);
        assert_eq!(
            region.published().load(Ordering::Relaxed),
            2500 | ClaimHeader::PUBLISHED_PARITY
        );
    }

    #[test]
    fn a_hold_of_a_slots_earlier_generation_is_taken_over_and_a_live_one_waited_for() {
        let (text, _, _, _) = setup();
        let g = Geometry::new(100, 8).with_header_len(256).with_owners(4, 1);
        let words: Vec<AtomicU64> = (0..g.region_words().unwrap())
            .map(|_| AtomicU64::new(0))
            .collect();
        let region = Mapped::create_with(&words, g).unwrap();
        let owners = Owners::new(region.owners_words(), 4, 1).unwrap();
        owners.take(2, 100, 1, 0);
        owners.take(0, 200, 1, 0);
        // Slot 2's first process took the writer word and died; a new process took slot 2.
        let stale = owners.hold_word(2).unwrap();
        owners.take(2, 300, 2, 0);
        region.header_writer().store(stale, Ordering::Relaxed);
        // Nobody is probed dead, yet the stale hold is recognised by its generation.
        assert_eq!(
            text.publish(&region, 7, &slot(0, |_| false)),
            Ok(Published::Rewrote)
        );
        assert_eq!(shape(&text), 7);
        assert_eq!(region.header_writer().load(Ordering::Relaxed), 0);
        // A hold of slot 2's live process is waited for (bounded), then left to it.
        region
            .header_writer()
            .store(owners.hold_word(2).unwrap(), Ordering::Relaxed);
        let start = Instant::now();
        assert_eq!(
            text.publish(&region, 9, &slot(0, |_| false)),
            Ok(Published::Busy)
        );
        assert!(start.elapsed() >= HOLD_WAIT, "{:?}", start.elapsed());
        assert_eq!(shape(&text), 7);
    }

    fn words_of(text: &HeaderText) -> &'static [AtomicU64] {
        text.words
    }

    #[test]
    fn a_process_named_hold_is_never_read_as_a_slots() {
        let words: Vec<AtomicU64> = (0..Owners::words_for(4, 1).unwrap())
            .map(|_| AtomicU64::new(0))
            .collect();
        let owners = Owners::new(&words, 4, 1).unwrap();
        for slot in 0..4 {
            owners.take(slot, 100, 1, 0);
        }
        // Every pid the kernel hands out (`pid_max` is at most 2^22), and a few beyond.
        for pid in
            (0..=1u32 << 22)
                .step_by(997)
                .chain([0xfffe, 0xffff, 0x1_0000, 0x1_0001, u32::MAX])
        {
            let word = process_hold_of(pid);
            assert!(is_process_hold(word), "{pid}");
            assert_eq!(owners.hold_state(word), Hold::Invalid, "pid {pid}");
        }
        for slot in 0..4 {
            assert!(!is_process_hold(owners.hold_word(slot).unwrap()));
        }
        assert!(!is_process_hold(0));
    }

    /// A region with a 4-slot table and this test's header text, over heap words.
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    fn region_with_slots() -> (HeaderText, Vec<AtomicU64>, Geometry, RowLogHeader<'static>) {
        let (text, _, _, npy) = setup();
        let g = Geometry::new(100, 8).with_header_len(256).with_owners(4, 1);
        let words: Vec<AtomicU64> = (0..g.region_words().unwrap())
            .map(|_| AtomicU64::new(0))
            .collect();
        Mapped::create_with(&words, g).unwrap();
        (text, words, g, npy)
    }

    /// Separate open file descriptions of one file stand in for processes: OFD locks
    /// conflict between descriptions, also within one process.
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    #[test]
    fn a_slotless_holder_is_waited_for_while_it_holds_the_lock_byte_and_taken_over_after() {
        use std::os::fd::AsFd;
        let file = tempfile::NamedTempFile::new().unwrap();
        let description = || {
            std::fs::File::options()
                .read(true)
                .write(true)
                .open(file.path())
                .unwrap()
        };
        let (a, b, c) = (description(), description(), description());
        let (text, words, g, npy) = region_with_slots();
        let region = Mapped::open_with(&words, g).unwrap();
        // Process B, holding no slot, died half way through writing 1234 into the second
        // shape slot — or lives, holding the lock byte.
        assert!(ofd::try_lock(b.as_fd(), HEADER_WRITER, Kind::Write).unwrap());
        let b_hold = process_hold_of(4242);
        region.header_target().store(1234, Ordering::Relaxed);
        region
            .published()
            .store(ClaimHeader::PUBLISHED_BUSY, Ordering::Relaxed);
        region.header_writer().store(b_hold, Ordering::Relaxed);
        let first = shape_stores(&text.bytes(), text.field_at, 1234, ShapeSlot::Second).unwrap()[0];
        text.words[first.word].store(first.value, Ordering::Relaxed);
        let torn = text.bytes();
        // Every slot dead: a process-named hold is judged by the lock byte only.
        let dead: fn(u32) -> bool = |_| true;
        let slotless = Publisher {
            slot: None,
            dead,
            file: Some(a.as_fd()),
        };
        let slotted = Publisher {
            slot: Some(0),
            dead,
            file: Some(a.as_fd()),
        };
        for who in [&slotless, &slotted] {
            assert_eq!(text.publish(&region, 2000, who), Ok(Published::Busy));
            assert_eq!(text.bytes(), torn, "B lives: its rewrite is left to it");
            assert_eq!(region.header_writer().load(Ordering::Relaxed), b_hold);
        }
        drop(b); // B dies: the kernel drops its lock with its description
        assert_eq!(
            text.publish(&region, 2000, &slotless),
            Ok(Published::Rewrote)
        );
        let mut expected = vec![0u8; torn.len()];
        npy.emit(&mut expected, 2000, ShapeSlot::First).unwrap();
        assert_eq!(text.bytes(), expected, "B's rewrite redone, then ours");
        assert_eq!(region.published().load(Ordering::Relaxed), 2000);
        assert_eq!(region.header_writer().load(Ordering::Relaxed), 0);
        assert!(
            !ofd::probe(c.as_fd(), HEADER_WRITER).unwrap(),
            "the publisher let the byte go"
        );
        // A stale hold naming this very process (or a namesake in another pid namespace),
        // with nobody on the byte, is taken over too — by a slot's holder as well.
        for who in [&slotless, &slotted] {
            region
                .header_writer()
                .store(process_hold(), Ordering::Relaxed);
            let value = region.published().load(Ordering::Relaxed) & ClaimHeader::PUBLISHED_VALUE;
            assert_eq!(
                text.publish(&region, value + 1, who),
                Ok(Published::Rewrote)
            );
            assert_eq!(shape(&text), value + 1);
            assert_eq!(region.header_writer().load(Ordering::Relaxed), 0);
        }
        // While another slotless publisher holds the byte (it is at work, the word not yet
        // taken), a slotless one waits for it and leaves the publishing to it.
        assert!(ofd::try_lock(c.as_fd(), HEADER_WRITER, Kind::Write).unwrap());
        assert_eq!(text.publish(&region, 5000, &slotless), Ok(Published::Busy));
        assert_eq!(shape(&text), 2002);
        // A slot's holder does not need the byte when the word is free.
        assert_eq!(
            text.publish(&region, 5000, &slotted),
            Ok(Published::Rewrote)
        );
        assert_eq!(shape(&text), 5000);
    }
}
