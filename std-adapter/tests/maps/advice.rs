//! The read-side knobs: `Options::populate` (`MAP_POPULATE`), `populate_read`/`populate_write`
//! (`MADV_POPULATE_*`), and `advise`/`advise_range` with every advice, huge pages included.
//! Accepted calls leave the contents as the file has them; ranges outside the array are
//! typed errors, not `EINVAL` text.

use crate::support::{page, patterned_file, private, u64_of};
use mmarray_std::{Advice, Error, Ix1, Memmap, Mode, Options, ReadWrite};

/// Every advice the crate offers.
fn every_advice() -> Vec<Advice> {
    let mut all = vec![
        Advice::Normal,
        Advice::Sequential,
        Advice::Random,
        Advice::WillNeed,
    ];
    #[cfg(target_os = "linux")]
    all.extend([Advice::HugePage, Advice::NoHugePage]);
    all
}

/// Huge-page advice fails with `EINVAL` on kernels built without transparent huge pages.
fn accepted(r: mmarray_std::Result<()>, advice: Advice) {
    match r {
        Ok(()) => {}
        Err(Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::InvalidInput
                && !matches!(
                    advice,
                    Advice::Normal | Advice::Sequential | Advice::Random | Advice::WillNeed
                ) => {}
        Err(e) => panic!("{advice:?}: {e}"),
    }
}

#[test]
fn populated_opens_show_the_file_in_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 5 * page() + 123);
    for offset in [0, 7, page() + 1] {
        for mode in [Mode::Read, Mode::ReadWrite, Mode::CopyOnWrite] {
            let m = private!(
                Options::<u8, Ix1>::new()
                    .offset(u64_of(offset))
                    .populate(true)
                    .open(&path, mode)
            )
            .unwrap();
            assert_eq!(
                m.as_slice(),
                &bytes[offset..],
                "mode {mode}, offset {offset}"
            );
        }
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "populating writes nothing"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn populate_read_and_write_leave_the_contents() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 3 * page() + 5);
    let ok = |r: mmarray_std::Result<()>| match r {
        Ok(()) => {}
        Err(Error::Unsupported { feature, since }) => {
            assert!(feature.contains("MADV_POPULATE"), "{feature}");
            assert_eq!(since, "Linux 5.14");
        }
        Err(e) => panic!("{e}"),
    };
    let r = private!(Options::<u8, Ix1>::new().offset(3).open_read(&path)).unwrap();
    ok(r.populate_read());
    assert_eq!(r.as_slice(), &bytes[3..]);
    let w = private!(Options::<u8, Ix1>::new().offset(3).open_read_write(&path)).unwrap();
    ok(w.populate_read());
    ok(w.populate_write());
    assert_eq!(w.as_slice(), &bytes[3..]);
    let c = private!(Options::<u8, Ix1>::new().open_copy_on_write(&path)).unwrap();
    ok(c.populate_write());
    assert_eq!(c.as_slice(), &bytes[..]);
    let a: Memmap<u64, Ix1, ReadWrite> = Memmap::anonymous([100_000]).unwrap();
    ok(a.populate_write());
    assert!(a.as_slice().iter().all(|&x| x == 0));
    drop((r, w, c));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn every_advice_over_any_range_leaves_the_contents() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 6 * page() + 40);
    let offset = 12;
    let expected: Vec<u32> = bytes[offset..]
        .chunks_exact(4)
        .map(|c| u32::from_ne_bytes(c.try_into().unwrap()))
        .collect();
    let len = expected.len();
    let q = page() / 4;
    let ranges = [
        0..0,
        0..1,
        0..len,
        q - 1..q + 1,
        3 * q..5 * q + 7,
        len - 1..len,
    ];
    for mode in [Mode::Read, Mode::ReadWrite, Mode::CopyOnWrite] {
        let m = private!(
            Options::<u32, Ix1>::new()
                .offset(u64_of(offset))
                .open(&path, mode)
        )
        .unwrap();
        for advice in every_advice() {
            accepted(m.advise(advice), advice);
            for r in ranges.clone() {
                accepted(m.advise_range(r, advice), advice);
            }
            assert_eq!(m.as_slice(), &expected[..], "{mode} {advice:?}");
        }
    }
    let a: Memmap<u32, Ix1, ReadWrite> = Memmap::anonymous([3 * q]).unwrap();
    for advice in every_advice() {
        accepted(a.advise_range(q..2 * q, advice), advice);
    }
    assert!(a.as_slice().iter().all(|&x| x == 0));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn advice_outside_the_array_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 400);
    let m = private!(Options::<u32, Ix1>::new().open_read(&path)).unwrap();
    #[allow(
        clippy::reversed_empty_ranges,
        reason = "a reversed range is bad input here"
    )]
    let bad = [100..101, 0..101, 50..200, 7..3, usize::MAX - 1..usize::MAX];
    for r in bad {
        for advice in every_advice() {
            let err = m.advise_range(r.clone(), advice).unwrap_err();
            assert!(
                matches!(err, Error::OutOfRange { start, end, len: 100 }
                    if start == r.start && end == r.end),
                "{r:?} {advice:?}: {err:?}"
            );
        }
    }
}

/// The same knobs on `.npy` maps and on maps of a mode chosen at run time.
#[test]
fn npy_populate_and_run_time_mode_populate_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.npy");
    let mut m = private!(
        mmarray_std::npy::Options::<u32, mmarray_std::Ix1>::new()
            .shape([5000])
            .populate(true)
            .create(&path)
    )
    .unwrap();
    m.as_mut_slice()[4999] = 7;
    drop(m);
    let m = private!(
        mmarray_std::npy::Options::<u32, mmarray_std::Ix1>::new()
            .populate(true)
            .open_read(&path)
    )
    .unwrap();
    assert_eq!((m.len(), m[[4999]], m[[0]]), (5000, 7, 0));
    drop(m);
    let r = private!(
        mmarray_std::npy::Options::<u32, mmarray_std::Ix1>::new()
            .open(&path, mmarray_std::Mode::Read)
    )
    .unwrap();
    assert!(matches!(
        r.try_populate_write(),
        Err(mmarray_std::Error::ReadOnly)
    ));
    let w = private!(
        mmarray_std::npy::Options::<u32, mmarray_std::Ix1>::new()
            .open(&path, mmarray_std::Mode::ReadWrite)
    )
    .unwrap();
    match w.try_populate_write() {
        Ok(()) | Err(mmarray_std::Error::Unsupported { .. }) => {}
        Err(e) => panic!("{e}"),
    }
    assert_eq!(w[[4999]], 7);
}
