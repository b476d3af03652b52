//! numpy.memmap's `offset` against real files: element 0 is the byte at
//! `offset`, whatever its place in a page; offsets past the end fail in
//! `'r'`/`'c'` and grow the file in `'r+'`; misaligned offsets fail for
//! aligned types and work for unaligned ones.

use crate::support::{
    f32_at, file_with, page, pattern, patterned_file, private, snapshot, u32_at, u64_of,
};
use mmarray_std::zerocopy::byteorder::little_endian::F32;
use mmarray_std::{Error, Ix1, Mode, Options};

/// Offsets to try in a file of `len` bytes, all multiples of 4 when `len` is.
fn offsets(len: usize) -> Vec<usize> {
    let p = page();
    vec![
        0,
        16,
        100,
        p - 4,
        p,
        p + 4,
        2 * p + 8,
        len - 8,
        len - 4,
        len,
    ]
}

#[test]
fn u8_maps_at_any_offset_start_at_that_byte() {
    let p = page();
    let bytes = pattern(3 * p + 100);
    let dir = tempfile::tempdir().unwrap();
    let path = file_with(dir.path(), "a.dat", &bytes);
    let mut all = offsets(bytes.len());
    all.extend([1, 3, p - 1, p + 1, bytes.len() - 1]);
    for off in all {
        for mode in [Mode::Read, Mode::ReadWrite, Mode::CopyOnWrite] {
            let m = private!(
                Options::<u8, Ix1>::new()
                    .offset(u64_of(off))
                    .open(&path, mode)
            )
            .unwrap();
            assert_eq!(m.offset(), u64_of(off));
            assert_eq!(m.shape(), &[bytes.len() - off], "offset {off} mode {mode}");
            assert_eq!(m.as_slice(), &bytes[off..], "offset {off} mode {mode}");
        }
    }
    assert_eq!(snapshot(&path).bytes, bytes);
}

#[test]
fn f32_maps_at_aligned_offsets_read_the_bytes_at_that_offset() {
    let p = page();
    let bytes = pattern(3 * p + 100);
    let dir = tempfile::tempdir().unwrap();
    let path = file_with(dir.path(), "a.dat", &bytes);
    for off in offsets(bytes.len()) {
        for mode in [Mode::Read, Mode::ReadWrite, Mode::CopyOnWrite] {
            let m = private!(
                Options::<f32, Ix1>::new()
                    .offset(u64_of(off))
                    .open(&path, mode)
            );
            let m = m.unwrap_or_else(|e| panic!("offset {off} mode {mode}: {e:?}"));
            let n = (bytes.len() - off) / 4;
            assert_eq!(m.len(), n);
            for i in 0..n {
                // Bit patterns: some of these bytes spell NaNs.
                assert_eq!(m[[i]].to_bits(), f32_at(&bytes, off + 4 * i).to_bits());
            }
        }
        // An explicit shape shorter than the rest of the file.
        let n = ((bytes.len() - off) / 4).min(5);
        let m = private!(
            Options::<f32, Ix1>::new()
                .offset(u64_of(off))
                .shape([n])
                .open_read(&path)
        )
        .unwrap();
        let got: Vec<u32> = m.as_slice().iter().map(|x| x.to_bits()).collect();
        let want: Vec<u32> = (0..n).map(|i| u32_at(&bytes, off + 4 * i)).collect();
        assert_eq!(got, want, "offset {off}");
    }
    assert_eq!(snapshot(&path).bytes, bytes);
}

#[test]
fn read_write_writes_land_at_the_offset() {
    let p = page();
    let dir = tempfile::tempdir().unwrap();
    for off in [0, 16, 100, p, p + 4, 2 * p - 8] {
        let (path, bytes) = patterned_file(dir.path(), 2 * p);
        let mut m = private!(
            Options::<u32, Ix1>::new()
                .offset(u64_of(off))
                .shape([2])
                .open_read_write(&path)
        )
        .unwrap();
        m[[0]] = 0x1122_3344;
        m[[1]] = 0x5566_7788;
        m.close().unwrap();
        let mut want = bytes.clone();
        want[off..off + 4].copy_from_slice(&0x1122_3344u32.to_ne_bytes());
        want[off + 4..off + 8].copy_from_slice(&0x5566_7788u32.to_ne_bytes());
        assert_eq!(snapshot(&path).bytes, want, "offset {off}");
    }
}

#[test]
fn offset_past_the_end_fails_in_read_and_copy_on_write_modes() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 100);
    let before = snapshot(&path);
    for mode in [Mode::Read, Mode::CopyOnWrite] {
        // Shape inferred: nothing to infer from.
        let r = private!(Options::<u8, Ix1>::new().offset(104).open(&path, mode));
        assert!(
            matches!(
                r,
                Err(Error::OffsetPastEnd {
                    path: Some(_),
                    offset: 104,
                    len: 100
                })
            ),
            "{r:?}"
        );
        // Shape given: the array would end past the end.
        let r = private!(
            Options::<u8, Ix1>::new()
                .offset(104)
                .shape([4])
                .open(&path, mode)
        );
        assert!(
            matches!(r, Err(Error::PastEnd { path: Some(_), mode: m, end: 108, len: 100 }) if m == mode),
            "{r:?}"
        );
        // Starting inside but ending past the end.
        let r = private!(
            Options::<u32, Ix1>::new()
                .offset(96)
                .shape([2])
                .open(&path, mode)
        );
        assert!(
            matches!(r, Err(Error::PastEnd { path: Some(_), mode: m, end: 104, len: 100 }) if m == mode),
            "{r:?}"
        );
        assert_eq!(snapshot(&path), before);
    }
    // The typed constructors agree.
    let r = private!(
        Options::<u8, Ix1>::new()
            .offset(200)
            .shape([1])
            .open_read(&path)
    );
    assert!(
        matches!(
            r,
            Err(Error::PastEnd {
                path: Some(_),
                mode: Mode::Read,
                end: 201,
                len: 100
            })
        ),
        "{r:?}"
    );
    let r = private!(
        Options::<u8, Ix1>::new()
            .offset(200)
            .shape([1])
            .open_copy_on_write(&path)
    );
    assert!(
        matches!(
            r,
            Err(Error::PastEnd {
                path: Some(_),
                mode: Mode::CopyOnWrite,
                end: 201,
                len: 100
            })
        ),
        "{r:?}"
    );
    assert_eq!(snapshot(&path), before);
}

#[test]
fn offset_past_the_end_with_an_inferred_shape_fails_in_read_write_mode_too() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 100);
    let before = snapshot(&path);
    let r = private!(Options::<u8, Ix1>::new().offset(101).open_read_write(&path));
    assert!(
        matches!(
            r,
            Err(Error::OffsetPastEnd {
                path: Some(_),
                offset: 101,
                len: 100
            })
        ),
        "{r:?}"
    );
    assert_eq!(snapshot(&path), before);
}

#[test]
fn read_write_offset_past_the_end_grows_the_file_with_zeros_between() {
    let p = page();
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 100);
    let off = 3 * p + 8;
    let mut m = private!(
        Options::<u32, Ix1>::new()
            .offset(u64_of(off))
            .shape([4])
            .open_read_write(&path)
    )
    .unwrap();
    assert_eq!(m.as_slice(), &[0; 4]);
    m.as_mut_slice().copy_from_slice(&[1, 2, 3, 4]);
    m.close().unwrap();
    let after = snapshot(&path);
    assert_eq!(after.len, u64_of(off + 16));
    assert_eq!(&after.bytes[..100], &bytes[..]);
    assert!(after.bytes[100..off].iter().all(|&b| b == 0));
    for (i, v) in [1u32, 2, 3, 4].into_iter().enumerate() {
        assert_eq!(u32_at(&after.bytes, off + 4 * i), v);
    }
}

#[test]
fn misaligned_offset_for_f32_is_refused_in_every_mode_and_the_file_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 64);
    let before = snapshot(&path);
    for mode in [Mode::Read, Mode::ReadWrite, Mode::Write, Mode::CopyOnWrite] {
        for shape in [None, Some([4]), Some([100])] {
            let mut o = Options::<f32, Ix1>::new();
            o.offset(3);
            if let Some(s) = shape {
                o.shape(s);
            }
            let r = private!(o.open(&path, mode));
            if mode == Mode::Write && shape.is_none() {
                assert!(matches!(r, Err(Error::ShapeRequired)), "{r:?}");
            } else {
                assert!(
                    matches!(
                        r,
                        Err(Error::Layout {
                            error: mmarray_std::mmarray::Error::Misaligned {
                                offset: 3,
                                align: 4,
                                size: 4
                            },
                            path: Some(_)
                        })
                    ),
                    "mode {mode} shape {shape:?}: {r:?}"
                );
            }
            assert_eq!(snapshot(&path), before, "mode {mode} shape {shape:?}");
        }
    }
    // The aligned neighbours work.
    let m = private!(Options::<f32, Ix1>::new().offset(4).open_read(&path)).unwrap();
    assert_eq!(m.len(), 15);
}

#[test]
fn unaligned_little_endian_f32_works_at_offset_3() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 3 + 4 * 10);
    let m = private!(Options::<F32, Ix1>::new().offset(3).open_read(&path)).unwrap();
    assert_eq!(m.len(), 10);
    for i in 0..10 {
        let at = 3 + 4 * i;
        let want = f32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        assert_eq!(m[[i]].get().to_bits(), want.to_bits());
    }
    drop(m);

    // And writes through it land at byte 3 + 4 i, little-endian.
    let mut m = private!(
        Options::<F32, Ix1>::new()
            .offset(3)
            .shape([2])
            .open_read_write(&path)
    )
    .unwrap();
    m[[1]] = F32::new(1.5);
    m.close().unwrap();
    let mut want = bytes;
    want[7..11].copy_from_slice(&1.5f32.to_le_bytes());
    assert_eq!(snapshot(&path).bytes, want);
}

#[test]
fn offset_reports_the_value_given() {
    let p = page();
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = patterned_file(dir.path(), 2 * p + 40);
    for off in [0, 8, p, p + 8, 2 * p + 32] {
        let m = private!(
            Options::<u64, Ix1>::new()
                .offset(u64_of(off))
                .open_copy_on_write(&path)
        )
        .unwrap();
        assert_eq!(m.offset(), u64_of(off));
        assert_eq!(m.len(), (2 * p + 40 - off) / 8);
    }
}

/// The misalignment hint names the unaligned types of the element's size (the kind is not
/// known to a raw map: a `u64` must not be told to read floats), and the file.
#[test]
fn a_misaligned_f64_suggests_the_eight_byte_unaligned_types() {
    let dir = tempfile::tempdir().unwrap();
    let path = file_with(dir.path(), "f.bin", &[0u8; 64]);
    let e = private!(Options::<f64, Ix1>::new().offset(4).open_read(&path)).unwrap_err();
    let order = if cfg!(target_endian = "little") {
        "little_endian"
    } else {
        "big_endian"
    };
    assert_eq!(
        e.to_string(),
        format!(
            "{}: offset 4 is not a multiple of the element alignment 8; use an offset that is, \
             or an unaligned element type of the same size such as {order}::U64, I64 or F64",
            path.display()
        )
    );
}
