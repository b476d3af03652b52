//! Splitting one mutable view of a file map into disjoint parts that `std::thread::scope`
//! threads write at once; the file's bytes, read back with `std::fs::read`, show every
//! thread's part and nothing else.

use crate::support::private;
use mmarray::{Error as CoreError, Order};
use mmarray_std::{Memmap, Options};

/// The value thread `part` writes at `[row, col]`: never 0, unique per position.
fn value(part: usize, row: usize, col: usize) -> u32 {
    u32::try_from((part + 1) << 24 | row << 12 | col).unwrap()
}

/// Splits `rows x cols` (C order) into `parts` bands of rows with `split_at` along axis 0,
/// writes each band on its own thread, and returns the file's bytes as `u32`s.
fn write_in_bands(rows: usize, cols: usize, cuts: &[usize]) -> Vec<u32> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bands.u32");
    let mut map: Memmap<u32, [usize; 2], _> =
        private!(Options::new().shape([rows, cols]).create(&path)).unwrap();
    let mut bands = Vec::new();
    let mut rest = map.view_mut();
    let mut done = 0;
    for &cut in cuts {
        let (band, tail) = rest.split_at(0, cut - done).unwrap();
        bands.push((done, band));
        rest = tail;
        done = cut;
    }
    bands.push((done, rest));
    std::thread::scope(|s| {
        for (part, (first_row, mut band)) in bands.into_iter().enumerate() {
            s.spawn(move || {
                let band_rows = band.shape()[0];
                for r in 0..band_rows {
                    for c in 0..cols {
                        band[[r, c]] = value(part, first_row + r, c);
                    }
                }
            });
        }
    });
    map.close().unwrap();
    std::fs::read(&path)
        .unwrap()
        .chunks_exact(4)
        .map(|b| u32::from_ne_bytes(b.try_into().unwrap()))
        .collect()
}

#[test]
fn four_threads_write_four_bands_of_one_file() {
    let (rows, cols) = (37, 129);
    let cuts = [5, 20, 21];
    let file = write_in_bands(rows, cols, &cuts);
    assert_eq!(file.len(), rows * cols);
    let part_of = |row: usize| cuts.iter().filter(|&&c| c <= row).count();
    for row in 0..rows {
        for col in 0..cols {
            assert_eq!(
                file[row * cols + col],
                value(part_of(row), row, col),
                "[{row}, {col}]"
            );
        }
    }
}

#[test]
fn empty_bands_borrow_nothing() {
    let file = write_in_bands(4, 3, &[0, 0, 4]);
    // Bands 0, 1 and 3 are empty; band 2 holds every row.
    assert!(
        file.iter()
            .enumerate()
            .all(|(i, &v)| v == value(2, i / 3, i % 3))
    );
}

#[test]
fn interleaved_parts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.u32");
    let mut map: Memmap<u32, [usize; 2], _> =
        private!(Options::new().shape([4, 6]).order(Order::C).create(&path)).unwrap();
    // Columns of a C-order array interleave in memory: no disjoint borrow exists.
    let err = map.view_mut().split_at(1, 3).map(|_| ()).unwrap_err();
    assert!(matches!(err, CoreError::Interleaved { .. }), "{err:?}");
    // Along the outer axis of a Fortran-order array (the last one), splitting works.
    let f_path = dir.path().join("f_order.u32");
    let mut f: Memmap<u32, [usize; 2], _> =
        private!(Options::new().shape([4, 6]).order(Order::F).create(&f_path)).unwrap();
    let (mut left, mut right) = f.view_mut().split_at(1, 2).unwrap();
    std::thread::scope(|s| {
        s.spawn(move || left.fill(&1));
        s.spawn(move || right.fill(&2));
    });
    f.close().unwrap();
    let bytes = std::fs::read(&f_path).unwrap();
    let values: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|b| u32::from_ne_bytes(b.try_into().unwrap()))
        .collect();
    // F order: column j occupies elements 4j..4j+4.
    let expected: Vec<u32> = (0..24).map(|i| if i / 4 < 2 { 1 } else { 2 }).collect();
    assert_eq!(values, expected);
}
