//! What `write_many` + `flush` cost, counted in system calls (the per-thread counters of
//! `sys::calls`), never timed: `k` far-apart updates are `k` `pwrite(2)` calls and one
//! `fdatasync(2)` — the calls of `k` hand-written `pwrite`s — however the batch is held
//! (stack or heap), and nearby updates share one call.
#![allow(unsafe_code, reason = "the tests open file maps, an unsafe fn")]

use mmarray::Order;

use crate::memmap::{Memmap, Source};
use crate::mode::{Mode, ReadWrite};
use crate::sys::calls;

/// Elements of the test file: 16 MiB of `u32`, so that updates can be far apart.
const LEN: usize = 1 << 22;

/// A map in `'r+'` of a fresh file of `LEN` `T`s (zero bytes) in `dir`.
fn open_rw<T: mmarray::Element>(dir: &std::path::Path) -> Memmap<T, [usize; 1], ReadWrite> {
    let path = dir.join("x.bin");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len((LEN * core::mem::size_of::<T>()) as u64)
        .unwrap();
    // SAFETY: the file is private to this test and changed only through its map.
    unsafe {
        Memmap::from_source(
            Source::Path(&path),
            Mode::ReadWrite,
            0,
            Some(&[LEN]),
            Order::C,
        )
    }
    .unwrap()
    .into_read_write()
    .unwrap()
}

/// The `(pwrite, msync, fdatasync)` calls that `f` makes on this thread.
fn counted(f: impl FnOnce()) -> (u64, u64, u64) {
    let ((m0, d0), w0) = (calls::get(), calls::pwrites());
    f();
    let ((m1, d1), w1) = (calls::get(), calls::pwrites());
    (w1 - w0, m1 - m0, d1 - d0)
}

/// `k` positions, pairwise more than a page apart, in no order.
fn scattered(k: usize) -> Vec<usize> {
    (0..k).map(|i| (i * 7919 % k) * (LEN / k)).collect()
}

#[test]
fn far_apart_updates_are_one_pwrite_each_and_one_fdatasync() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = open_rw::<f32>(dir.path());
    // Around the stack limit (32) and well past it, while the updates stay more than two
    // pages apart (all of these with 4 KiB pages).
    let page = crate::raw::page_size();
    for k in [1, 10, 31, 32, 33, 100, 1000] {
        if LEN / k * 4 < 3 * page {
            continue;
        }
        let ps = scattered(k);
        let n = counted(|| {
            m.write_many(ps.iter().map(|&p| (p, 1.5))).unwrap();
            m.flush().unwrap();
        });
        assert_eq!(n, (k as u64, 0, 1), "k = {k}");
        assert!(ps.iter().all(|&p| m[[p]] == 1.5), "k = {k}");
    }
    // Elements too large for the stack batch: the same calls.
    let mut big = open_rw::<[u64; 4]>(dir.path());
    let ps = scattered(10);
    let n = counted(|| {
        big.write_many(ps.iter().map(|&p| (p, [7; 4]))).unwrap();
        big.flush().unwrap();
    });
    assert_eq!(n, (10, 0, 1));
}

#[test]
fn repeated_and_nearby_updates_share_a_pwrite() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = open_rw::<u32>(dir.path());
    // One position three times: one pwrite, of the value given last.
    assert_eq!(
        counted(|| m.write_many([(5, 1), (5, 2), (5, 3)]).unwrap()),
        (1, 0, 0)
    );
    assert_eq!(m[[5]], 3);
    // Adjacent, and within the next page: one range, one pwrite; far away: another.
    assert_eq!(
        counted(|| m
            .write_many([(101, 2), (100, 1), (1500, 4), (102, 3), (1 << 20, 5)])
            .unwrap()),
        (2, 0, 0)
    );
    assert_eq!(
        (m[[100]], m[[101]], m[[102]], m[[1500]], m[[1 << 20]]),
        (1, 2, 3, 4, 5)
    );
    assert!(m.as_slice()[103..1500].iter().all(|&v| v == 0), "gap kept");
    // Out of range anywhere in the batch: no call at all.
    assert_eq!(
        counted(|| assert!(m.write_many([(1, 1), (LEN, 2), (3, 3)]).is_err())),
        (0, 0, 0)
    );
    assert_eq!(counted(|| drop(m)), (0, 0, 1));
}
