//! Faulting rows in ahead of the writers: a writer's first store to each page of a fresh file
//! is a page fault (about 3 µs on ext4, most of an append's cost), so the claimer whose rows
//! come near the end of what this process populated faults in the next window of pages with
//! one `madvise(MADV_POPULATE_WRITE)` instead (Linux 5.14+).
//!
//! The pages' bytes do not change (a populate is a write fault without a store), so this is
//! advice in effect: a claim that races the populating thread, or reaches pages it has not
//! populated yet, faults them itself as before. It is per process (page tables are), bounded
//! (one [`WINDOW`] ahead of the highest claim, or the claim itself, at most [`MAX_SPAN`] at
//! once), and switched off for good the first time the kernel refuses it (an older kernel's
//! `EINVAL`, or a failure to fault, which the writer's own store then meets as before).
//! Pages populated but never written are dirty zeros: at most one window of them is written
//! back beyond the rows a log holds.

use core::ops::Range;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::raw::RawMap;

use super::Layout;

/// Bytes populated at once, ahead of the highest claim: 64 KiB (16 pages of 4 KiB) measured
/// about as fast as populating everything at once, and keeps a slow log's dirty pages few.
pub(super) const WINDOW: usize = 64 * 1024;

/// Most bytes one populate covers (a large claim's own rows are populated up to this much;
/// beyond it the writer faults them in as it writes).
pub(super) const MAX_SPAN: usize = 4 << 20;

/// `until` when populating is off.
const OFF: usize = usize::MAX;

/// How far this process has faulted in the log's rows (see the module docs).
#[derive(Debug)]
pub(super) struct Ahead {
    /// The map offset up to which rows were (or are being) populated; [`OFF`] when off.
    until: AtomicUsize,
    /// The map offsets of the rows: `layout.rows .. layout.rows + capacity * row size`.
    rows: Range<usize>,
}

impl Ahead {
    /// Populating ahead for a writable file map laid out by `layout` (`on`), or never.
    pub(super) fn new(layout: &Layout, on: bool) -> Self {
        let end = layout
            .bytes_of(0..layout.geometry.capacity)
            .map_or(layout.rows, |(start, len)| start + len);
        Self {
            until: AtomicUsize::new(if on && cfg!(target_os = "linux") {
                layout.rows
            } else {
                OFF
            }),
            rows: layout.rows..end,
        }
    }

    /// A claim of the map's bytes `claimed` was made: when its end comes within half a
    /// window of what is populated, populate on (one thread wins each step; the others go
    /// on). One load and a comparison otherwise.
    #[inline]
    pub(super) fn claimed(&self, map: &RawMap, claimed: Range<usize>) {
        let until = self.until.load(Relaxed);
        if claimed.end.saturating_add(WINDOW / 2) > until {
            self.populate(map, claimed, until);
        }
    }

    #[cold]
    fn populate(&self, map: &RawMap, claimed: Range<usize>, until: usize) {
        let Some(bytes) = self.plan(claimed, until) else {
            return;
        };
        if self
            .until
            .compare_exchange(until, bytes.end, Relaxed, Relaxed)
            .is_err()
        {
            return; // Another thread moved it on and populates.
        }
        if !populate(map, bytes) {
            self.until.store(OFF, Relaxed);
        }
    }

    /// The bytes to populate after a claim of `claimed` with `until` populated: from the
    /// populated end, or from the claim if it starts beyond it (pages between are left to
    /// whoever writes them), a window or the claim, whichever ends later, at most
    /// [`MAX_SPAN`], never past the rows. `None` when off or nothing is left.
    fn plan(&self, claimed: Range<usize>, until: usize) -> Option<Range<usize>> {
        if until == OFF {
            return None;
        }
        let from = until.max(claimed.start).min(self.rows.end);
        let to = from
            .saturating_add(WINDOW)
            .max(claimed.end)
            .min(from.saturating_add(MAX_SPAN))
            .min(self.rows.end);
        (to > from).then_some(from..to)
    }

    /// Whether populating is still on (for tests).
    #[cfg(test)]
    pub(super) fn on(&self) -> bool {
        self.until.load(Relaxed) != OFF
    }
}

/// Populates `bytes` of `map` for writing; whether the kernel did.
#[cfg(target_os = "linux")]
fn populate(map: &RawMap, bytes: Range<usize>) -> bool {
    map.populate_range(
        bytes.start,
        bytes.end - bytes.start,
        crate::raw::Populate::Write,
    )
    .is_ok()
}

/// No populate advice here: off.
#[cfg(not(target_os = "linux"))]
fn populate(_: &RawMap, _: Range<usize>) -> bool {
    false
}

#[cfg(test)]
#[allow(
    unsafe_code,
    reason = "the tests make a row log and a file map, whose constructors are unsafe fns"
)]
mod tests {
    use super::*;
    use crate::RowLog;
    use mmarray::npy::Descr;

    const PAGE: usize = 4096;

    /// An `Ahead` over `capacity` rows of 8 bytes (rows from byte 128), on.
    fn ahead(capacity: u64) -> Ahead {
        let layout = Layout::of::<u64>(Descr::of::<u64>(), capacity, false).expect("fits");
        Ahead::new(&layout, true)
    }

    /// A lone writer claims chunks of many sizes to the end of the log; the plan is run as
    /// `claimed` runs it, and a byte set stands for the populated pages. Every row of a claim
    /// (up to `MAX_SPAN` of it) is populated by the time its claim returns, nothing is
    /// populated twice, and never more than a window (or the claim) beyond the highest claim.
    #[test]
    fn a_lone_writer_finds_its_rows_populated_and_little_more() {
        for chunk_rows in [1usize, 7, 64, 512, 5000, 700_000] {
            let a = ahead(1_000_000);
            let rows = a.rows.clone();
            let mut populated = vec![false; rows.end];
            let mut until = rows.start;
            let mut start = rows.start;
            while start < rows.end {
                let end = (start + chunk_rows * 8).min(rows.end);
                if end + WINDOW / 2 > until
                    && let Some(bytes) = a.plan(start..end, until)
                {
                    assert!(bytes.start >= until, "populated twice: {bytes:?}");
                    assert!(bytes.end - bytes.start <= MAX_SPAN);
                    assert!(bytes.end <= rows.end);
                    populated[bytes.clone()].fill(true);
                    until = bytes.end;
                }
                let covered = (end - start).min(MAX_SPAN);
                assert!(
                    populated[start..start + covered].iter().all(|&p| p),
                    "{chunk_rows}-row claims: rows of {start}..{end} not populated"
                );
                assert!(until <= end.max(start + MAX_SPAN).max(end + WINDOW).min(rows.end));
                start = end;
            }
        }
    }

    #[test]
    fn plan_is_none_when_off_or_at_the_end() {
        let a = ahead(1000);
        let end = a.rows.end;
        assert_eq!(a.plan(end - 8..end, end), None);
        assert_eq!(a.plan(128..136, OFF), None);
        let off = Ahead::new(
            &Layout::of::<u64>(Descr::of::<u64>(), 1000, false).expect("fits"),
            false,
        );
        assert!(!off.on());
    }

    /// Which of `pages` pages from `addr` (page aligned) this process has mapped, read from
    /// `/proc/self/pagemap` (bit 63 of a page's entry: present).
    fn present(addr: usize, pages: usize) -> Vec<bool> {
        use std::os::unix::fs::FileExt;
        let pagemap = std::fs::File::open("/proc/self/pagemap").expect("pagemap");
        (0..pages)
            .map(|p| {
                let mut entry = [0u8; 8];
                let at = u64::try_from((addr / PAGE + p) * 8).expect("fits");
                pagemap.read_exact_at(&mut entry, at).expect("read pagemap");
                u64::from_ne_bytes(entry) >> 63 == 1
            })
            .collect()
    }

    /// Against the kernel's page tables: a claim maps the window after it; pages beyond are
    /// left alone until a claim comes within half a window of them.
    #[cfg(target_os = "linux")]
    #[test]
    fn claims_map_a_window_ahead_and_no_more() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("ahead.log");
        // SAFETY: the file is private to this test; only this row log uses it.
        let log = unsafe { RowLog::<u64>::create(&path, 100_000) }.expect("create");
        let rows = log.layout.rows;
        let base = match log.map.range_ptr_mut(rows, 8) {
            Ok(Some(p)) => p.as_ptr() as usize,
            _ => panic!("row 0 is in the map"),
        };
        let first_page = base - base % PAGE;
        let window_pages = WINDOW / PAGE;
        // Page 0 holds the `.npy` header (written by `create`); the rows' own pages are not
        // mapped before a claim.
        let before = present(first_page, 3 * window_pages);
        assert!(
            before[1..].iter().all(|&p| !p),
            "rows mapped before any claim"
        );
        log.push(1).expect("room");
        let after = present(first_page, 3 * window_pages);
        let mapped = after.iter().filter(|&&p| p).count();
        assert!(
            after[..window_pages].iter().all(|&p| p),
            "the first window is mapped: {after:?}"
        );
        assert!(
            mapped <= window_pages + 1,
            "at most a window (and the page it starts in): {mapped} pages"
        );
        // Rows up to just under half a window before the populated end: nothing new.
        let mut w = log.writer(64);
        let quiet = (WINDOW / 2 - 2 * PAGE) / 8;
        for i in 0..quiet as u64 {
            w.push(i).expect("room");
        }
        let mid = present(first_page, 3 * window_pages);
        assert_eq!(mid.iter().filter(|&&p| p).count(), mapped);
        // Past it: the next window.
        for i in 0..(PAGE / 8 * 3) as u64 {
            w.push(i).expect("room");
        }
        let next = present(first_page, 3 * window_pages);
        assert!(
            next[..2 * window_pages].iter().all(|&p| p),
            "the second window is mapped: {next:?}"
        );
        assert!(next[2 * window_pages + 1..].iter().all(|&p| !p));
    }

    /// A populate the kernel refuses (write faults in a read-only map) switches populating
    /// off for good; nothing else changes.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_refused_populate_switches_it_off() {
        let layout = Layout::of::<u64>(Descr::of::<u64>(), 10_000, false).expect("fits");
        let file = tempfile::tempfile().expect("temporary file");
        file.set_len(u64::try_from(layout.len).expect("fits"))
            .expect("size");
        // SAFETY: the file is private to this test and never written while mapped.
        let map = unsafe { RawMap::map_file(&file, 0, layout.len, crate::raw::Access::ReadOnly) }
            .expect("map");
        let a = Ahead::new(&layout, true);
        assert!(a.on());
        a.claimed(&map, layout.rows..layout.rows + 8);
        assert!(!a.on(), "refused: off");
        a.claimed(&map, layout.rows + 8..layout.rows + WINDOW);
        assert!(!a.on());
    }
}
