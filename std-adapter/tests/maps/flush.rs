//! Flushing against real files: writes seen by other maps and by `read(2)`,
//! `flush_range` bounds and page rounding at any offset, `close`, drop, and
//! the no-op flushes of `'r'`, `'c'` and anonymous maps.

use std::hint::black_box;

use crate::support::{page, patterned_file, private, snapshot, u32_at, u64_of};
use mmarray_std::{Error, Ix1, Ix2, Memmap, Mode, Options, ReadWrite};

#[test]
fn flushed_writes_are_seen_by_a_second_map_and_by_read() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 4 * 64);
    let mut w = private!(
        Options::<u32, Ix2>::new()
            .shape([8, 8])
            .open_read_write(&path)
    )
    .unwrap();
    let r = private!(Options::<u32, Ix2>::new().shape([8, 8]).open_read(&path)).unwrap();
    w[[3, 4]] = 0xFEED_F00D;
    w.flush().unwrap();
    assert_eq!(r[[3, 4]], 0xFEED_F00D);
    assert_eq!(
        u32_at(&std::fs::read(&path).unwrap(), 4 * (3 * 8 + 4)),
        0xFEED_F00D
    );
    w.view_mut().fill(&5);
    w.flush_async().unwrap();
    assert!(r.as_slice().iter().all(|&x| x == 5));
    assert_eq!(std::fs::read(&path).unwrap(), 5u32.to_ne_bytes().repeat(64));
}

#[test]
fn flush_range_refuses_ranges_outside_the_array() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 40);
    for mode in [Mode::Read, Mode::ReadWrite, Mode::CopyOnWrite] {
        let m = private!(Options::<u32, Ix1>::new().open(&path, mode)).unwrap();
        assert_eq!(m.len(), 10);
        let (five, three) = black_box((5usize, 3usize));
        for (start, end) in [
            (0, 11),
            (10, 11),
            (11, 11),
            (five, three),
            (0, usize::MAX),
            (usize::MAX, usize::MAX),
        ] {
            let r = m.flush_range(start..end);
            assert!(
                matches!(r, Err(Error::OutOfRange { start: s, end: e, len: 10 }) if s == start && e == end),
                "mode {mode} {start}..{end}: {r:?}"
            );
        }
        for (start, end) in [(0, 10), (0, 0), (10, 10), (3, 7), (9, 10)] {
            m.flush_range(start..end).unwrap();
        }
    }
}

#[test]
fn flush_range_rounds_to_pages_at_any_offset() {
    let p = page();
    let dir = tempfile::tempdir().unwrap();
    for off in [0, 4, 100, p - 4, p, p + 12] {
        let n = (3 * p + 40) / 4;
        let (path, _) = patterned_file(dir.path(), off + 4 * n);
        let mut m = private!(
            Options::<u32, Ix1>::new()
                .offset(u64_of(off))
                .open_read_write(&path)
        )
        .unwrap();
        assert_eq!(m.len(), n);
        let q = p / 4;
        let ranges = [
            (0, 1),
            (1, 2),
            (q - 1, q + 1),
            (q, q + 1),
            (q + 3, 2 * q + 5),
            (n - 1, n),
            (0, n),
            (7, n - 3),
        ];
        for (k, (start, end)) in ranges.into_iter().enumerate() {
            let v = u32::try_from(k).unwrap() + 1000;
            m.as_mut_slice()[start..end].fill(v);
            m.flush_range(start..end)
                .unwrap_or_else(|e| panic!("offset {off} range {start}..{end}: {e:?}"));
            let bytes = std::fs::read(&path).unwrap();
            for i in start..end {
                assert_eq!(u32_at(&bytes, off + 4 * i), v, "offset {off} element {i}");
            }
        }
    }
}

#[test]
fn close_returns_ok_and_the_data_is_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.dat");
    let mut m = private!(
        Options::<u32, Ix1>::new()
            .offset(12)
            .shape([5])
            .create(&path)
    )
    .unwrap();
    m.as_mut_slice().copy_from_slice(&[10, 20, 30, 40, 50]);
    m.close().unwrap();
    let s = snapshot(&path);
    assert_eq!(s.len, 32);
    assert_eq!(&s.bytes[..12], &[0; 12]);
    let got: Vec<u32> = (0..5).map(|i| u32_at(&s.bytes, 12 + 4 * i)).collect();
    assert_eq!(got, [10, 20, 30, 40, 50]);
    // A fresh map reads the same.
    let r = private!(Options::<u32, Ix1>::new().offset(12).open_read(&path)).unwrap();
    assert_eq!(r.as_slice(), &[10, 20, 30, 40, 50]);
}

#[test]
fn dropping_a_read_write_map_leaves_its_writes_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 64);
    {
        let mut m = private!(
            Options::<u8, Ix1>::new()
                .offset(32)
                .open(&path, Mode::ReadWrite)
        )
        .unwrap();
        m.try_as_mut_slice().unwrap().fill(0xEE);
    }
    let s = snapshot(&path);
    assert_eq!(s.len, 64);
    assert_eq!(&s.bytes[..32], &bytes[..32]);
    assert!(s.bytes[32..].iter().all(|&b| b == 0xEE));
}

#[test]
fn flush_and_close_in_read_and_copy_on_write_modes_are_no_ops() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 3 * page());
    let r = private!(Options::<u8, Ix1>::new().open_read(&path)).unwrap();
    r.flush().unwrap();
    r.flush_async().unwrap();
    r.flush_range(1..bytes.len() - 1).unwrap();
    r.close().unwrap();
    let mut c = private!(
        Options::<u8, Ix1>::new()
            .offset(5)
            .open_copy_on_write(&path)
    )
    .unwrap();
    c.as_mut_slice().fill(0);
    c.flush().unwrap();
    c.flush_async().unwrap();
    c.flush_range(0..10).unwrap();
    assert_eq!(snapshot(&path).bytes, bytes);
    c.close().unwrap();
    assert_eq!(snapshot(&path).bytes, bytes);
}

#[test]
fn anonymous_maps_flush_as_no_ops_and_check_ranges() {
    let mut m = Memmap::<u64, Ix2, ReadWrite>::anonymous([3, 5]).unwrap();
    assert!(m.as_slice().iter().all(|&x| x == 0));
    m[[2, 4]] = 9;
    m.flush().unwrap();
    m.flush_async().unwrap();
    m.flush_range(0..15).unwrap();
    m.flush_range(14..15).unwrap();
    assert!(matches!(
        m.flush_range(0..16),
        Err(Error::OutOfRange {
            start: 0,
            end: 16,
            len: 15
        })
    ));
    assert_eq!(m[[2, 4]], 9);
    assert_eq!(m.as_slice()[14], 9);
    m.close().unwrap();
}

/// `advise` passes every hint to `madvise(2)` for real maps and is a no-op for empty ones;
/// the data read afterwards is unchanged (advice never changes contents).
#[test]
fn advice_is_accepted_and_changes_nothing() {
    use mmarray_std::{Advice, Options};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("advised.u32");
    let data: Vec<u8> = (0..40_000u32).flat_map(|x| x.to_ne_bytes()).collect();
    std::fs::write(&path, &data).unwrap();
    let m = private!(Options::<u32, [usize; 1]>::new().offset(4).open_read(&path)).unwrap();
    for advice in [
        Advice::Random,
        Advice::Sequential,
        Advice::WillNeed,
        Advice::Normal,
    ] {
        m.advise(advice).unwrap();
    }
    assert_eq!(m.len(), 39_999);
    assert!(
        m.as_slice()
            .iter()
            .enumerate()
            .all(|(i, &x)| x == i as u32 + 1)
    );
    let empty = mmarray_std::Memmap::<u32, [usize; 1], ReadWrite>::anonymous([0]).unwrap();
    empty.advise(Advice::Random).unwrap();
}
