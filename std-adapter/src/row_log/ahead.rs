//! Faulting rows in ahead of the writers: a writer's first store to each page of a fresh file
//! is a page fault (about 3 µs on ext4, most of an append's cost), so a claimer about to claim
//! rows near the end of what this process populated first faults in the next window of pages
//! with one `madvise(MADV_POPULATE_WRITE)` (Linux 5.14+).
//!
//! It runs before the claim, from the tail as read then ([`RowLog::populate_ahead`]): the
//! populating thread holds no open claim, so nobody's commit waits behind it. The pages'
//! bytes do not change (a populate is a write fault without a store), so this is advice in
//! effect: a claim that races the populating thread, or reaches pages it has not populated
//! yet, faults them itself as before. It is per process (page tables are), bounded (one
//! [`WINDOW`] at a time, starting at the populated end or at the rows about to be claimed),
//! and switched off for good the first time the kernel refuses it (an older kernel's
//! `EINVAL`, or a failure to fault, which the writer's own store then meets as before).
//! Pages populated but never written are dirty zeros: at most a window and a half beyond the
//! highest claimed row is written back (and, in a sparse log, allocated).

use core::ops::Range;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::raw::RawMap;

use super::{Layout, RowLog};

impl<T> RowLog<T> {
    /// Marks the pages of the committed rows that are not durable dirty again, so that this
    /// handle's first [`flush`](RowLog::flush) writes them back: a write-back that failed in
    /// an earlier handle left those pages clean in the page cache (Linux reports the error
    /// once, to the file description that flushed them), and an `msync` through this handle
    /// would otherwise find nothing to write and let the durable watermark pass rows that are
    /// not on disk. A populate for writing is a write fault on each page — which marks it
    /// dirty — and changes no byte. Advice, like populating ahead: a kernel that refuses it
    /// (before 5.14) leaves the pages as they are.
    pub(super) fn redirty_undurable(&self) {
        if self.file.is_none() {
            return;
        }
        let w = self.claims.watermarks();
        if let Some((offset, len)) = self.layout.bytes_of(w.durable..w.committed) {
            let _ = populate(&self.map, offset..offset + len);
        }
    }

    /// About to claim up to `rows` rows: populate ahead of them if they come near the end of
    /// what this process populated (see the module docs). Reads the tail (`Relaxed`: a guess
    /// at where the claim lands; a wrong guess only populates elsewhere).
    #[inline]
    pub(super) fn populate_ahead(&self, rows: u64) {
        if !self.ahead.on() {
            // Anonymous logs, other targets, or switched off: not even the tail is read.
            return;
        }
        let capacity = self.layout.geometry.capacity;
        let tail = self.claims.claimed().min(capacity);
        if let Some((offset, len)) = self
            .layout
            .bytes_of(tail..tail.saturating_add(rows).min(capacity))
        {
            self.ahead.claiming(&self.map, offset..offset + len);
        }
    }
}

/// Bytes populated at once: 64 KiB (16 pages of 4 KiB) measured about as fast as populating
/// everything at once, and keeps a slow log's dirty pages few. A claim larger than this has
/// its first window populated; its writer faults the rest in as it writes.
pub(super) const WINDOW: usize = 64 * 1024;

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

    /// The map's bytes `claiming` are about to be claimed: when they end within half a
    /// window of what is populated, populate on (one thread wins each step; the others go
    /// on). One load and a comparison otherwise.
    #[inline]
    pub(super) fn claiming(&self, map: &RawMap, claiming: Range<usize>) {
        let until = self.until.load(Relaxed);
        if due(&claiming, until) {
            self.populate(map, claiming, until);
        }
    }

    #[cold]
    fn populate(&self, map: &RawMap, claiming: Range<usize>, until: usize) {
        let Some(bytes) = self.plan(claiming, until) else {
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

    /// The bytes to populate for a claim of `claiming` with `until` populated: one window
    /// from the populated end, or from the claim if it starts beyond it (pages between are
    /// left to whoever writes them), never past the rows. `None` when off or nothing is left.
    fn plan(&self, claiming: Range<usize>, until: usize) -> Option<Range<usize>> {
        if until == OFF {
            return None;
        }
        let from = until.max(claiming.start).min(self.rows.end);
        let to = from.saturating_add(WINDOW).min(self.rows.end);
        (to > from).then_some(from..to)
    }

    /// Whether populating is still on.
    #[inline]
    pub(super) fn on(&self) -> bool {
        self.until.load(Relaxed) != OFF
    }
}

/// Whether a claim of `claiming` with `until` populated should populate on: it ends within
/// half a window of the populated end (never when off: `until` is then `usize::MAX`).
fn due(claiming: &Range<usize>, until: usize) -> bool {
    claiming.end.saturating_add(WINDOW / 2) > until
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

    /// A lone writer claims chunks of many sizes to the end of the log; the trigger and the
    /// plan run as `claiming` runs them, and a byte set stands for the populated pages. The
    /// first window of every claim (all of a smaller claim) is populated by the time it is
    /// claimed, nothing is populated twice, and never more than a window and a half beyond
    /// the highest claimed byte.
    #[test]
    fn a_lone_writer_finds_its_rows_populated_and_little_more() {
        for chunk_rows in [1usize, 7, 64, 512, 5000, 70_000] {
            let a = ahead(1_000_000);
            let rows = a.rows.clone();
            let mut populated = vec![false; rows.end];
            let mut until = rows.start;
            let mut start = rows.start;
            while start < rows.end {
                let end = (start + chunk_rows * 8).min(rows.end);
                if due(&(start..end), until)
                    && let Some(bytes) = a.plan(start..end, until)
                {
                    assert!(bytes.start >= until, "populated twice: {bytes:?}");
                    assert!(bytes.end - bytes.start <= WINDOW);
                    assert!(bytes.end <= rows.end);
                    populated[bytes.clone()].fill(true);
                    until = bytes.end;
                }
                let first = start..end.min(start + WINDOW);
                assert!(
                    populated[first.clone()].iter().all(|&p| p),
                    "{chunk_rows}-row claims: {first:?} not populated"
                );
                assert!(until <= (end + WINDOW + WINDOW / 2).min(rows.end));
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
        if !log.ahead.on() {
            // A kernel before 5.14 (no populate advice): nothing to check.
            return;
        }
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

    /// Rows committed but not flushed by one handle are write-faulted (dirtied) in the next
    /// handle's mapping right after `open` — so its first flush writes them back even if
    /// the kernel had marked them clean after a failed write-back: the page tables show every
    /// page of the undurable rows mapped (without the write populate at `open`, none is).
    #[cfg(target_os = "linux")]
    #[test]
    fn open_redirties_the_committed_rows_above_the_durable_watermark() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("redirty.log");
        {
            // SAFETY: the file is private to this test; only row logs of `u64` use it.
            let log = unsafe { RowLog::<u64>::create(&path, 10_000) }.expect("create");
            for i in 0..2000 {
                log.push(i).expect("room");
            }
            log.flush().expect("flush"); // rows 0..2000 durable
            for i in 0..3000 {
                log.push(i).expect("room"); // rows 2000..5000 committed, not durable
            }
        }
        // SAFETY: as above.
        let log = unsafe { RowLog::<u64>::open(&path) }.expect("open");
        if !log.ahead.on() {
            return; // A kernel without the populate advice: nothing is re-dirtied.
        }
        let base = match log.map.range_ptr_mut(0, 8) {
            Ok(Some(p)) => p.as_ptr() as usize,
            _ => panic!("the header is in the map"),
        };
        // File pages: rows start at byte 128 (8-byte rows); row r is on page (128 + 8r) / 4096.
        let page = |r: usize| (128 + 8 * r) / PAGE;
        let mapped = present(base, page(10_000));
        for p in page(2000)..=page(4999) {
            assert!(
                mapped[p],
                "page {p} of undurable rows re-dirtied: {mapped:?}"
            );
        }
        // (Other pages may be mapped too: the kernel maps pages around a read fault that are
        // in the page cache, and the first handle populated ahead of its claims.)
    }

    /// A populate the kernel refuses (write faults in a read-only map) switches populating
    /// off for good; the same populate of a writable map of the file keeps it on (so the
    /// refusal is the read-only map's, not a kernel without the advice).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_refused_populate_switches_it_off() {
        let layout = Layout::of::<u64>(Descr::of::<u64>(), 10_000, false).expect("fits");
        let file = tempfile::tempfile().expect("temporary file");
        file.set_len(u64::try_from(layout.len).expect("fits"))
            .expect("size");
        // SAFETY: the file is private to this test; this map is its only writer, and nothing
        // is stored through it (a populate changes no byte).
        let writable =
            unsafe { RawMap::map_file(&file, 0, layout.len, crate::raw::Access::ReadWrite) }
                .expect("map");
        let a = Ahead::new(&layout, true);
        a.claiming(&writable, layout.rows..layout.rows + 8);
        if !a.on() {
            // A kernel before 5.14: every populate is refused.
            return;
        }
        drop(writable);
        // SAFETY: the file is private to this test and never written while mapped.
        let map = unsafe { RawMap::map_file(&file, 0, layout.len, crate::raw::Access::ReadOnly) }
            .expect("map");
        let a = Ahead::new(&layout, true);
        assert!(a.on());
        a.claiming(&map, layout.rows..layout.rows + 8);
        assert!(!a.on(), "refused: off");
        a.claiming(&map, layout.rows + 8..layout.rows + WINDOW);
        assert!(!a.on());
    }
}
