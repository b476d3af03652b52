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
//!   CAS header_writer 0 -> me+1; held by a live process: return (it publishes);
//!      held by a dead one: take it over, then redo ITS rewrite first (same slot, same target)
//!   p = published; if value(p) >= d: release; return
//!   wait until header_interval has passed since the rewrite before p
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
//! slot about to be written, ended before the current one began. (That paces rewrites one
//! per interval, where the design allows two; it needs no shared clock.)

use std::sync::Mutex;
use std::time::{Duration, Instant};

use mmarray::claim::{ClaimHeader, Mapped};
use mmarray::npy::{ShapeSlot, shape_stores};

use std::sync::atomic::{AtomicU64, Ordering};

/// Time between two rewrites of the same shape slot.
pub(super) const HEADER_INTERVAL: Duration = Duration::from_millis(10);

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
    pub(super) fn publish(
        &self,
        region: &Mapped<'_>,
        durable: u64,
        me: u32,
        dead: impl Fn(u32) -> bool,
    ) -> Result<Published, mmarray::npy::Error> {
        let published = region.published();
        let writer = region.header_writer();
        let shown = |p: u64| p & ClaimHeader::PUBLISHED_VALUE;
        let p = published.load(Ordering::Acquire);
        if shown(p) >= durable && p & ClaimHeader::PUBLISHED_BUSY == 0 {
            return Ok(Published::AlreadyShown);
        }
        let mine = u64::from(me) + 1;
        match writer.compare_exchange(0, mine, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => {}
            Err(holder)
                if holder != mine
                    && u32::try_from(holder - 1).is_ok_and(&dead)
                    && writer
                        .compare_exchange(holder, mine, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok() => {}
            Err(_) => return Ok(Published::Busy),
        }
        let result = self.publish_held(region, durable);
        writer.store(0, Ordering::Release);
        result
    }

    /// [`publish`](Self::publish) with `header_writer` held.
    fn publish_held(
        &self,
        region: &Mapped<'_>,
        durable: u64,
    ) -> Result<Published, mmarray::npy::Error> {
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
        }
        if p & ClaimHeader::PUBLISHED_VALUE >= durable {
            return Ok(Published::AlreadyShown);
        }
        self.pace(p);
        let slot = ShapeSlot::from_parity(p & ClaimHeader::PUBLISHED_PARITY == 0);
        region.header_target().store(durable, Ordering::Relaxed);
        published.store(p | ClaimHeader::PUBLISHED_BUSY, Ordering::Release);
        self.write(durable, slot)?;
        let new = durable | (u64::from(slot.parity()) << 62);
        published.store(new, Ordering::Release);
        self.saw(new);
        Ok(Published::Rewrote)
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
