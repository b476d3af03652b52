//! What dropping, closing and flushing cost, counted in `msync(2)` and `fdatasync(2)` calls
//! (the per-thread counters of `sys::calls`), never timed: a map that was only read drops
//! and closes without either, every way of handing out mutable access makes the next drop
//! flush, writes through the file flush with `fdatasync` alone, and a full flush leaves
//! nothing for the drop.
#![allow(unsafe_code, reason = "the tests open file maps, an unsafe fn")]

use mmarray::Order;

use crate::memmap::{Memmap, Source};
use crate::mode::{Dynamic, Mode, ReadWrite};
use crate::sys::calls;

/// A map of a fresh 64 KiB file `x.u32` in `dir`, in `mode`, through the `Dynamic` opener.
fn open(dir: &std::path::Path, mode: Mode) -> Memmap<u32, [usize; 1], Dynamic> {
    let path = dir.join("x.u32");
    std::fs::write(&path, vec![1u8; 1 << 16]).unwrap();
    // SAFETY: the file is private to this test and changed only through its maps.
    unsafe { Memmap::from_source(Source::Path(&path), mode, 0, Some(&[1 << 14]), Order::C) }
        .unwrap()
}

/// `open` in `'r+'`, as the read/write type.
fn open_rw(dir: &std::path::Path) -> Memmap<u32, [usize; 1], ReadWrite> {
    open(dir, Mode::ReadWrite).into_read_write().unwrap()
}

/// The `(msync, fdatasync)` calls that `f` makes on this thread.
fn counted(f: impl FnOnce()) -> (u64, u64) {
    let (m0, d0) = calls::get();
    f();
    let (m1, d1) = calls::get();
    (m1 - m0, d1 - d0)
}

#[test]
fn a_map_that_was_only_read_drops_and_closes_without_syncing() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [Mode::Read, Mode::ReadWrite, Mode::Write, Mode::CopyOnWrite] {
        let m = open(dir.path(), mode);
        let n = counted(|| {
            let expected = if mode == Mode::Write {
                0
            } else {
                u32::from_ne_bytes([1; 4])
            };
            assert_eq!(m[[5]], expected);
            assert_eq!(m.view().len(), 1 << 14);
            drop(m);
        });
        // 'w+' emptied and sized the file: that change, and only it, is made durable
        // (fdatasync); a map that opened an existing file as it was syncs nothing.
        let syncs = if mode == Mode::Write { (0, 1) } else { (0, 0) };
        assert_eq!(n, syncs, "drop in mode {mode}");
        let m = open(dir.path(), mode);
        assert_eq!(
            counted(|| m.close().unwrap()),
            syncs,
            "close in mode {mode}"
        );
    }
}

#[test]
fn every_mutable_access_makes_the_drop_flush() {
    let dir = tempfile::tempdir().unwrap();
    type Touch = fn(&mut Memmap<u32, [usize; 1], ReadWrite>);
    // (msync, fdatasync) on drop: stores through the map need msync; `append` writes its
    // rows through the file (pwrite, before the header names them), so fdatasync is enough.
    let touches: [(&str, Touch, (u64, u64)); 5] = [
        (
            "view_mut",
            |m| {
                let _ = m.view_mut();
            },
            (1, 0),
        ),
        ("as_mut_slice", |m| m.as_mut_slice()[0] = 7, (1, 0)),
        ("IndexMut", |m| m[[3]] = 7, (1, 0)),
        ("append", |m| m.append(&[1, 2]).unwrap(), (0, 1)),
        (
            "split view",
            |m| {
                let _ = m.view_mut().split_at(0, 10).unwrap();
            },
            (1, 0),
        ),
    ];
    for (name, touch, syncs) in touches {
        let mut m = open_rw(dir.path());
        touch(&mut m);
        assert_eq!(counted(|| drop(m)), syncs, "{name}");
        let mut m = open_rw(dir.path());
        touch(&mut m);
        assert_eq!(counted(|| m.close().unwrap()), syncs, "{name}, closed");
    }
    // The run-time-mode map's own accessors, and its conversion, keep the record.
    let mut d = open(dir.path(), Mode::ReadWrite);
    d.try_as_mut_slice().unwrap()[1] = 9;
    let m = d.into_read_write().unwrap();
    assert_eq!(counted(|| drop(m)), (1, 0), "try_as_mut_slice, converted");
    let mut d = open(dir.path(), Mode::Write);
    let _ = d.try_view_mut().unwrap();
    // Stores (msync) into a file 'w+' emptied and sized (fdatasync).
    assert_eq!(counted(|| drop(d)), (1, 1), "try_view_mut");
}

#[test]
fn writes_through_the_file_flush_with_fdatasync_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = open_rw(dir.path());
    m.write_at(10, &[1, 2, 3]).unwrap();
    assert_eq!(counted(|| drop(m)), (0, 1));

    let mut m = open_rw(dir.path());
    m.write_many([(9, 1), (4000, 2)]).unwrap();
    assert_eq!(counted(|| m.flush().unwrap()), (0, 1));
    assert_eq!(
        counted(|| drop(m)),
        (0, 0),
        "flushed: nothing left for the drop"
    );

    // Stores and writes: both calls, since a write through the file may lie outside the
    // mapped range (a `.npy` header, the file's length), which msync does not cover.
    let mut m = open_rw(dir.path());
    m.write_at(10, &[1]).unwrap();
    m[[11]] = 2;
    assert_eq!(counted(|| m.close().unwrap()), (1, 1));

    // Out-of-range input writes nothing, so nothing is pending.
    let mut m = open_rw(dir.path());
    assert!(m.write_at(1 << 14, &[1]).is_err());
    assert!(m.write_many([(1 << 14, 1)]).is_err());
    assert_eq!(counted(|| drop(m)), (0, 0));
}

#[test]
fn a_full_flush_clears_the_record_and_a_clean_flush_still_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = open_rw(dir.path());
    m[[0]] = 5;
    assert_eq!(counted(|| m.flush().unwrap()), (1, 0));
    assert_eq!(counted(|| drop(m)), (0, 0));

    // An explicit flush of a clean map syncs as it always did.
    let m = open_rw(dir.path());
    assert_eq!(counted(|| m.flush().unwrap()), (1, 0));
    assert_eq!(counted(|| drop(m)), (0, 0));

    // Partial and asynchronous flushes do not promise durability of everything: the drop
    // still syncs.
    let mut m = open_rw(dir.path());
    m[[0]] = 5;
    m.flush_range(0..1).unwrap();
    m.flush_async().unwrap();
    assert_eq!(counted(|| drop(m)), (1, 0));

    // Maps that write no file never sync, however they were changed.
    let mut c = open(dir.path(), Mode::CopyOnWrite);
    c.try_as_mut_slice().unwrap()[0] = 1;
    c.write_at(1, &[2]).unwrap();
    assert_eq!(counted(|| c.close().unwrap()), (0, 0));
    let mut a = Memmap::<u32, [usize; 1], ReadWrite>::anonymous([8]).unwrap();
    a[[0]] = 1;
    a.write_at(1, &[2]).unwrap();
    assert_eq!(counted(|| a.flush().unwrap()), (0, 0));
    assert_eq!(counted(|| drop(a)), (0, 0));
}

#[test]
fn growing_is_made_durable_by_the_drop() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = open_rw(dir.path());
    m.grow((1 << 14) + 5).unwrap();
    assert_eq!(
        counted(|| drop(m)),
        (0, 1),
        "the new length, with fdatasync"
    );
    let mut m = open_rw(dir.path());
    m.grow((1 << 14) + 9).unwrap();
    m.flush().unwrap();
    assert_eq!(counted(|| m.close().unwrap()), (0, 0), "flushed already");
}

#[test]
#[cfg(target_os = "linux")]
fn populate_write_dirties_the_map_so_the_drop_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let m = open_rw(dir.path());
    match m.populate_write() {
        Ok(()) => assert_eq!(counted(|| drop(m)), (1, 0)),
        // Kernels before 5.14 have no MADV_POPULATE_WRITE: nothing to check there.
        Err(crate::Error::Unsupported { .. }) => {}
        Err(e) => panic!("{e}"),
    }
}
