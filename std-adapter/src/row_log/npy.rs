//! The header writer: publishing the durable watermark in the `.npy` header's two-slot shape
//! (design `docs/row-log-v2.md` §6.4).
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

use std::sync::Mutex;
use std::time::{Duration, Instant};

use mmarray::claim::{ClaimHeader, Hold, Mapped, Owners};
use mmarray::npy::{ShapeSlot, shape_stores};

use std::sync::atomic::{AtomicU64, Ordering};

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

    /// Publishes `durable` in the shape (the protocol in the module docs), as process slot
    /// `me`; `dead(slot)` says whether the process holding another slot is dead.
    ///
    /// The pacing wait happens before `header_writer` is taken, so the word is held only for
    /// the few stores of one rewrite (or two, after a takeover).
    pub(super) fn publish(
        &self,
        region: &Mapped<'_>,
        durable: u64,
        me: u32,
        dead: impl Fn(u32) -> bool,
    ) -> Result<Published, mmarray::npy::Error> {
        let published = region.published();
        let writer = region.header_writer();
        // The hold word carries the slot's generation, so a hold left by a dead process whose
        // slot was taken again reads as gone, not as its live successor's (or as ours).
        let owners = Owners::new(region.owners_words(), region.slots(), region.entries())
            .ok()
            .filter(|o| !o.is_none());
        let mine = owners
            .and_then(|o| o.hold_word(me))
            .unwrap_or(u64::from(me) + 1);
        let gone = |holder: u64| match owners.map(|o| o.hold_state(holder)) {
            Some(Hold::Gone) => true,
            Some(Hold::Slot(slot)) => slot != me && dead(slot),
            // No slot table (a region made without one): the word is `slot + 1`.
            None => u32::try_from(holder - 1).is_ok_and(|slot| slot != me && dead(slot)),
            Some(Hold::Free | Hold::Invalid) => false,
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
            match writer.compare_exchange(0, mine, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => {}
                Err(holder)
                    if holder != mine
                        && gone(holder)
                        && writer
                            .compare_exchange(holder, mine, Ordering::Acquire, Ordering::Relaxed)
                            .is_ok() => {}
                Err(_) => {
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
            }
            let result = self.publish_held(region, durable, p);
            writer.store(0, Ordering::Release);
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

    fn shape(text: &HeaderText) -> u64 {
        Header::parse(&text.bytes()).unwrap().0.shape()[0] as u64
    }

    #[test]
    fn publishing_alternates_slots_and_skips_what_is_shown() {
        let (text, words, g, npy) = setup();
        let region = Mapped::open_with(words, g).unwrap();
        assert_eq!(
            text.publish(&region, 5, 0, |_| false),
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
            text.publish(&region, 5, 0, |_| false),
            Ok(Published::AlreadyShown)
        );
        // The next rewrite writes the first slot again: not before 10 ms after the last.
        let start = Instant::now();
        assert_eq!(
            text.publish(&region, 9, 0, |_| false),
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
            text.publish(&region, 2000, 0, |_| false),
            Ok(Published::Busy)
        );
        assert_eq!(text.bytes(), torn);
        // Dead: taken over, its rewrite finished, then ours written into the other slot.
        assert_eq!(
            text.publish(&region, 2000, 0, |slot| slot == 6),
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
            text.publish(&region, 2100, 0, |slot| slot == 2),
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
            text.publish(&region, 7, 0, |_| false),
            Ok(Published::Rewrote)
        );
        assert_eq!(shape(&text), 7);
        assert_eq!(region.header_writer().load(Ordering::Relaxed), 0);
        // A hold of slot 2's live process is waited for (bounded), then left to it.
        region
            .header_writer()
            .store(owners.hold_word(2).unwrap(), Ordering::Relaxed);
        let start = Instant::now();
        assert_eq!(text.publish(&region, 9, 0, |_| false), Ok(Published::Busy));
        assert!(start.elapsed() >= HOLD_WAIT, "{:?}", start.elapsed());
        assert_eq!(shape(&text), 7);
    }

    fn words_of(text: &HeaderText) -> &'static [AtomicU64] {
        text.words
    }
}
