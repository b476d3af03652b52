//! The completion bitmap: bit `r % 64` of word `r / 64` is row `r`. Setting, clearing and
//! scanning runs of bits, with the orderings the module docs argue for.

use crate::sync::AtomicU64;
use crate::sync::Ordering::{AcqRel, Acquire, Release};

/// Word index and in-word bit of `row`; `None` only if the index does not fit `usize`, which
/// the store invariant (`done.len() * 64 >= capacity > row`) excludes.
pub(super) fn locate(row: u64) -> Option<(usize, u32)> {
    Some((usize::try_from(row / 64).ok()?, (row % 64) as u32))
}

/// Mask of `n` bits (1..=64) starting at `bit`, with `bit + n <= 64`.
pub(super) fn mask(bit: u32, n: u64) -> u64 {
    let ones = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    ones << bit
}

/// Calls `f(word, mask)` for the bits of rows `start..end`, word by word.
pub(super) fn for_each_word(start: u64, end: u64, mut f: impl FnMut(usize, u64)) {
    let mut row = start;
    while row < end {
        let Some((word, bit)) = locate(row) else {
            return;
        };
        let n = (64 - u64::from(bit)).min(end - row);
        f(word, mask(bit, n));
        row += n;
    }
}

/// Sets the completion bits of rows `start..end` (`Release`: publishes the rows' contents).
pub(super) fn mark(done: &[AtomicU64], start: u64, end: u64) {
    for_each_word(start, end, |word, bits| {
        if let Some(word) = done.get(word) {
            word.fetch_or(bits, Release);
        }
    });
}

/// Clears the completion bits of rows `start..end` (recovery only, no writer running).
pub(super) fn unmark(done: &[AtomicU64], start: u64, end: u64) {
    for_each_word(start, end, |word, bits| {
        if let Some(word) = done.get(word) {
            word.fetch_and(!bits, AcqRel);
        }
    });
}

/// The first row in `from..limit` whose completion bit equals `target`, or `limit`
/// (`Acquire` loads: see "Memory ordering").
pub(super) fn next_with(done: &[AtomicU64], from: u64, limit: u64, target: bool) -> u64 {
    let mut row = from;
    while row < limit {
        let Some((index, bit)) = locate(row) else {
            return limit;
        };
        let Some(word) = done.get(index) else {
            return limit;
        };
        let bits = word.load(Acquire);
        // A 1 at each row whose bit equals `target`, shifted down so `row` is at position 0;
        // the zeros shifted in at the top are "no match", and the run is capped to this word.
        let matches = if target { bits } else { !bits } >> bit;
        let left_in_word = 64 - u64::from(bit);
        let run = u64::from(matches.trailing_zeros()).min(left_in_word);
        row = row.saturating_add(run);
        if run < left_in_word {
            break;
        }
    }
    row.min(limit)
}
