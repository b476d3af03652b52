//! numpy.memmap's `shape` against real files: 1-D inference from the rest of
//! the file, remainders, empty files and zero-size arrays (which never pad the
//! file, unlike numpy), 0-d arrays, dynamic ranks, and overflowing shapes.

use crate::support::{
    file_with, pattern, patterned_file, private, snapshot, u16_at, u32_at, u64_of,
};
use mmarray_std::mmarray::Error as CoreError;
use mmarray_std::{Error, Ix0, Ix1, Ix2, Ix3, IxDyn, Memmap, Mode, Options, ReadWrite};

const READABLE: [Mode; 3] = [Mode::Read, Mode::ReadWrite, Mode::CopyOnWrite];
const ALL: [Mode; 4] = [Mode::Read, Mode::ReadWrite, Mode::Write, Mode::CopyOnWrite];

#[test]
fn inferred_shape_is_1d_over_the_rest_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 96);
    for mode in READABLE {
        for (off, n) in [(0usize, 24usize), (4, 23), (92, 1), (96, 0)] {
            let m = private!(
                Options::<u32, Ix1>::new()
                    .offset(u64_of(off))
                    .open(&path, mode)
            );
            let m = m.unwrap_or_else(|e| panic!("mode {mode} offset {off}: {e:?}"));
            assert_eq!(m.shape(), &[n]);
            assert_eq!(m.nbytes(), 4 * n);
            let want: Vec<u32> = (0..n).map(|i| u32_at(&bytes, off + 4 * i)).collect();
            assert_eq!(m.as_slice(), &want[..]);
        }
        // A dynamic rank infers the same 1-D shape.
        let m = private!(Options::<u16, IxDyn>::new().offset(2).open(&path, mode)).unwrap();
        assert_eq!(m.shape(), &[47]);
        assert_eq!(m.ndim(), 1);
        assert_eq!(m[[46]], u16_at(&bytes, 94));
    }
    assert_eq!(snapshot(&path).bytes, bytes);
}

#[test]
fn inference_remainder_is_not_whole_elements_in_every_mode_and_the_file_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 30);
    let before = snapshot(&path);
    for mode in READABLE {
        // 30 bytes of u64: 6 left over.
        let r = private!(Options::<u64, Ix1>::new().open(&path, mode));
        assert!(
            matches!(
                r,
                Err(Error::Layout {
                    error: CoreError::NotWholeElements { len: 30, size: 8 },
                    ..
                })
            ),
            "mode {mode}: {r:?}"
        );
        // 30 - 8 = 22 bytes of u32: 2 left over.
        let r = private!(Options::<u32, Ix1>::new().offset(8).open(&path, mode));
        assert!(
            matches!(
                r,
                Err(Error::Layout {
                    error: CoreError::NotWholeElements { len: 22, size: 4 },
                    ..
                })
            ),
            "mode {mode}: {r:?}"
        );
        assert_eq!(snapshot(&path), before, "mode {mode}");
    }
    // The typed constructors agree.
    let r = private!(Options::<u64, Ix1>::new().open_read_write(&path));
    assert!(matches!(
        r,
        Err(Error::Layout {
            error: CoreError::NotWholeElements { .. },
            ..
        })
    ));
    let r = private!(Options::<u64, Ix1>::new().open_copy_on_write(&path));
    assert!(matches!(
        r,
        Err(Error::Layout {
            error: CoreError::NotWholeElements { .. },
            ..
        })
    ));
    assert_eq!(snapshot(&path), before);
}

#[test]
fn inferred_shape_with_a_2d_type_is_a_rank_mismatch_before_the_file_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 64);
    let before = snapshot(&path);
    for mode in ALL {
        let r = private!(Options::<u8, Ix2>::new().open(&path, mode));
        assert!(
            matches!(
                r,
                Err(Error::Layout {
                    error: CoreError::RankMismatch {
                        expected: 2,
                        actual: 1
                    },
                    ..
                })
            ),
            "mode {mode}: {r:?}"
        );
        assert_eq!(snapshot(&path), before, "mode {mode}");
        let r = private!(Options::<u8, Ix0>::new().open(&path, mode));
        assert!(
            matches!(
                r,
                Err(Error::Layout {
                    error: CoreError::RankMismatch {
                        expected: 0,
                        actual: 1
                    },
                    ..
                })
            ),
            "mode {mode}: {r:?}"
        );
        assert_eq!(snapshot(&path), before, "mode {mode}");
    }
    // Nor is a missing file created.
    let missing = dir.path().join("missing.dat");
    let r = private!(Options::<u8, Ix3>::new().open(&missing, Mode::Write));
    assert!(r.is_err());
    assert!(!missing.exists());
}

#[test]
fn empty_file_maps_as_a_zero_size_array_in_every_mode_and_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    for mode in READABLE {
        let path = file_with(dir.path(), "empty.dat", &[]);
        // Inferred: (0,). u8 and an aligned element type alike.
        let m = private!(Options::<u8, Ix1>::new().open(&path, mode)).unwrap();
        assert_eq!(m.shape(), &[0]);
        assert!(m.is_empty());
        assert_eq!(m.nbytes(), 0);
        m.flush().unwrap();
        m.close().unwrap();
        let m = private!(Options::<u32, Ix1>::new().open(&path, mode));
        let m = m.unwrap_or_else(|e| panic!("u32 on an empty file, mode {mode}: {e:?}"));
        assert_eq!(m.shape(), &[0]);
        assert_eq!(m.as_slice(), &[] as &[u32]);
        assert_eq!(m.view().len(), 0);
        drop(m);
        // Given (0, 4).
        let m = private!(Options::<f64, Ix2>::new().shape([0, 4]).open(&path, mode));
        let m = m.unwrap_or_else(|e| panic!("f64 (0, 4) on an empty file, mode {mode}: {e:?}"));
        assert_eq!(m.shape(), &[0, 4]);
        assert_eq!(m.get([0, 0]), None);
        drop(m);
        // numpy pads the file to 1 byte in 'r+'; mmarray must not.
        let s = snapshot(&path);
        assert_eq!(s.len, 0, "mode {mode}");
    }
    // Anonymous zero-size arrays of an aligned type too.
    let a = Memmap::<u64, Ix2, ReadWrite>::anonymous([0, 4]).unwrap();
    assert!(a.is_empty());
    assert_eq!(a.as_slice(), &[] as &[u64]);
    assert_eq!(a.view().shape(), &[0, 4]);
    // 'w+' with a zero-size shape on an empty (or missing) file leaves 0 bytes.
    let path = dir.path().join("new.dat");
    let m = private!(Options::<u8, Ix2>::new().shape([0, 4]).create(&path)).unwrap();
    assert!(m.is_empty());
    drop(m);
    assert_eq!(snapshot(&path).len, 0);
}

#[test]
fn zero_size_shapes_write_nothing_past_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = pattern(40);
    // 'r+': the file is neither grown nor shrunk, even when the offset is past its end.
    for off in [0u64, 8, 40, 48, 4096] {
        let path = file_with(dir.path(), "a.dat", &bytes);
        let mut m = private!(
            Options::<u32, Ix2>::new()
                .offset(off)
                .shape([0, 4])
                .open_read_write(&path)
        );
        let m = m
            .as_mut()
            .unwrap_or_else(|e| panic!("r+ (0, 4) at offset {off}: {e:?}"));
        assert!(m.is_empty());
        m.view_mut().fill(&7);
        m.flush().unwrap();
        m.flush_range(0..0).unwrap();
        assert_eq!(snapshot(&path).bytes, bytes, "r+ offset {off}");
    }
    // 'w+' by path: the file is emptied and then holds exactly `offset` zero bytes.
    for off in [0u64, 8, 40, 4096] {
        let path = file_with(dir.path(), "a.dat", &bytes);
        let m = private!(
            Options::<u32, Ix2>::new()
                .offset(off)
                .shape([3, 0])
                .create(&path)
        );
        let m = m.unwrap_or_else(|e| panic!("w+ (3, 0) at offset {off}: {e:?}"));
        assert_eq!(m.shape(), &[3, 0]);
        drop(m);
        let s = snapshot(&path);
        assert_eq!(s.len, off, "w+ offset {off}");
        assert!(s.bytes.iter().all(|&b| b == 0));
    }
}

#[test]
fn zero_d_arrays_map_exactly_one_element() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 16);
    for mode in READABLE {
        let m = private!(
            Options::<u32, Ix0>::new()
                .offset(8)
                .shape([])
                .open(&path, mode)
        )
        .unwrap();
        assert_eq!(m.shape(), &[] as &[usize]);
        assert_eq!(m.ndim(), 0);
        assert_eq!(m.len(), 1);
        assert_eq!(m.nbytes(), 4);
        assert_eq!(m[[]], u32_at(&bytes, 8));
        assert_eq!(m.view().get([]), Some(&u32_at(&bytes, 8)));
    }
    // A dynamic rank with an empty shape too; and writes land on the one element.
    let mut m = private!(
        Options::<u32, IxDyn>::new()
            .offset(12)
            .shape(IxDyn::new(&[]).unwrap())
            .open(&path, Mode::ReadWrite)
    )
    .unwrap();
    assert_eq!(m.len(), 1);
    m.try_view_mut().unwrap().fill(&0xAABB_CCDD);
    m.close().unwrap();
    let after = snapshot(&path);
    assert_eq!(after.len, 16);
    assert_eq!(u32_at(&after.bytes, 12), 0xAABB_CCDD);
    assert_eq!(&after.bytes[..12], &bytes[..12]);

    // 'w+' creates a one-element file.
    let new = dir.path().join("scalar.dat");
    let mut m = private!(Options::<f64, Ix0>::new().shape([]).create(&new)).unwrap();
    m[[]] = 2.5;
    m.close().unwrap();
    assert_eq!(std::fs::read(&new).unwrap(), 2.5f64.to_ne_bytes());
}

#[test]
fn dynamic_shapes_of_several_ranks_read_c_order_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 2 * 2 * 3 * 4 * 5);
    for dims in [
        &[120usize][..],
        &[10, 12],
        &[2, 3, 4, 5],
        &[1, 2, 1, 3, 1, 4, 5],
    ] {
        let shape = IxDyn::new(dims).unwrap();
        let m = private!(
            Options::<u16, IxDyn>::new()
                .shape(shape)
                .open(&path, Mode::Read)
        )
        .unwrap();
        assert_eq!(m.shape(), dims);
        // Brute force: walk every index, computing the C-order position by hand.
        let mut index = vec![0usize; dims.len()];
        for pos in 0..120 {
            assert_eq!(m[&index[..]], u16_at(&bytes, 2 * pos), "index {index:?}");
            for axis in (0..dims.len()).rev() {
                index[axis] += 1;
                if index[axis] < dims[axis] {
                    break;
                }
                index[axis] = 0;
            }
        }
    }
}

#[test]
fn overflowing_shapes_are_refused_and_the_file_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 64);
    let before = snapshot(&path);
    let half = usize::MAX / 2 + 1;
    let huge: [[usize; 2]; 4] = [
        [usize::MAX, 2],
        [half, 2],
        // Fits in usize elements but not in isize bytes.
        [isize::MAX as usize / 4 + 1, 1],
        [1, usize::MAX],
    ];
    for mode in ALL {
        for shape in huge {
            let r = private!(Options::<u32, Ix2>::new().shape(shape).open(&path, mode));
            assert!(
                matches!(
                    r,
                    Err(Error::Layout {
                        error: CoreError::Overflow,
                        ..
                    })
                ),
                "mode {mode} {shape:?}: {r:?}"
            );
            assert_eq!(snapshot(&path), before, "mode {mode} {shape:?}");
        }
        // The offset plus the size overflows u64.
        let r = private!(
            Options::<u8, Ix1>::new()
                .offset(u64::MAX - 3)
                .shape([8])
                .open(&path, mode)
        );
        assert!(
            matches!(
                r,
                Err(Error::Layout {
                    error: CoreError::Overflow,
                    ..
                })
            ),
            "mode {mode}: {r:?}"
        );
        assert_eq!(snapshot(&path), before, "mode {mode}");
    }
    // Anonymous maps too.
    let r = Memmap::<u32, Ix2, ReadWrite>::anonymous([usize::MAX, 2]);
    assert!(
        matches!(
            r,
            Err(Error::Layout {
                error: CoreError::Overflow,
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn shape_reports_the_given_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 4 * 60);
    let m = private!(Options::<u32, Ix3>::new().shape([3, 4, 5]).open_read(&path)).unwrap();
    assert_eq!(m.shape(), &[3, 4, 5]);
    assert_eq!(m.dim(), &[3, 4, 5]);
    assert_eq!(m.ndim(), 3);
    assert_eq!(m.len(), 60);
    assert_eq!(m.nbytes(), 240);
    assert_eq!(m.view().shape(), &[3, 4, 5]);
}
