//! `write_many` batches of every size around the point where a batch stops fitting on the
//! stack (32 updates of elements up to 24 bytes), for elements that fit and elements that
//! never do, against a model written by hand: repeated and overlapping positions (the value
//! given last wins, also across the stack limit), runs that are joined or written alone,
//! out-of-range input anywhere in the batch (file bytes unchanged), and a write failing
//! part-way, whose error names the prefix written.

use std::path::{Path, PathBuf};

use crate::support::{page, pattern, private, rerun_under_file_size_limit, snapshot, u64_of};
use mmarray_std::{Element, Error, Ix1, Options};

/// Elements of the model files.
const LEN: usize = 5000;

/// Batch sizes around the stack limit (32), and far past it.
const SIZES: [usize; 12] = [0, 1, 2, 10, 30, 31, 32, 33, 34, 64, 65, 300];

/// A file of `LEN` pattern elements of type `T` in `dir`; its elements.
fn model_file<T: Element + Clone>(dir: &Path) -> (PathBuf, Vec<T>) {
    let size = core::mem::size_of::<T>();
    let bytes = pattern(LEN * size);
    let path = dir.join("batch.bin");
    std::fs::write(&path, &bytes).unwrap();
    (path, elems(&bytes))
}

/// The `T`s of `bytes`.
fn elems<T: Element + Clone>(bytes: &[u8]) -> Vec<T> {
    bytes
        .chunks_exact(core::mem::size_of::<T>())
        .map(|c| T::read_from_bytes(c).unwrap())
        .collect()
}

/// SplitMix64, as in `writes`: random cases, the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64_of(n)).unwrap()
    }

    /// A position: anywhere, next to the previous one (runs), the same again (repeats),
    /// a few elements on (gaps that join), or at the ends of the array.
    fn position(&mut self, prev: usize) -> usize {
        match self.below(6) {
            0 => self.below(LEN),
            1 => (prev + 1).min(LEN - 1),
            2 => prev,
            3 => (prev + 1 + self.below(40)).min(LEN - 1),
            4 => 0,
            _ => LEN - 1,
        }
    }

    /// `n` updates with values made by `value`.
    fn batch<T>(&mut self, n: usize, value: impl Fn(u64) -> T) -> Vec<(usize, T)> {
        let mut prev = self.below(LEN);
        (0..n)
            .map(|_| {
                prev = self.position(prev);
                (prev, value(self.next()))
            })
            .collect()
    }
}

/// For every batch size: after each batch, the map and `read(2)` show the model (each
/// update applied in the order given); a fresh open after `flush` does too.
fn batches_match_a_model<T: Element + Clone + PartialEq + core::fmt::Debug>(
    value: impl Fn(u64) -> T + Copy,
) {
    let dir = tempfile::tempdir().unwrap();
    for (case, n) in SIZES.into_iter().enumerate() {
        let (path, mut model) = model_file::<T>(dir.path());
        let mut m = private!(Options::<T, Ix1>::new().open_read_write(&path)).unwrap();
        let mut rng = Rng(u64_of(case));
        for round in 0..4 {
            let batch = rng.batch(n, value);
            m.write_many(batch.iter().cloned()).unwrap();
            for (p, v) in &batch {
                model[*p] = v.clone();
            }
            assert!(
                m.as_slice() == model.as_slice(),
                "n {n}, round {round}: map"
            );
            let on_disk: Vec<T> = elems(&std::fs::read(&path).unwrap());
            assert!(on_disk == model, "n {n}, round {round}: read(2)");
        }
        m.flush().unwrap();
        drop(m);
        let fresh = private!(Options::<T, Ix1>::new().open_read(&path)).unwrap();
        assert!(fresh.as_slice() == model.as_slice(), "n {n}: fresh open");
    }
}

#[test]
fn batches_of_small_elements_match_a_model_at_every_size() {
    batches_match_a_model::<u32>(|x| x as u32);
    // 24 bytes: 32 of them still fit the stack batch.
    batches_match_a_model::<[u8; 24]>(|x| [x as u8; 24]);
}

#[test]
fn batches_of_large_elements_match_a_model_at_every_size() {
    // 25 bytes: never held on the stack.
    batches_match_a_model::<[u8; 25]>(|x| [x as u8; 25]);
    batches_match_a_model::<[u64; 5]>(|x| [x, !x, x >> 3, 1, x ^ 0x55]);
}

/// The last value given for a position wins, when the repeats lie on both sides of the
/// stack limit and when the batch is held on the stack, joined into one range or not.
#[test]
fn the_value_given_last_wins_on_both_sides_of_the_stack_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut model) = model_file::<u32>(dir.path());
    let mut m = private!(Options::<u32, Ix1>::new().open_read_write(&path)).unwrap();
    for n in [2, 31, 32, 33, 40, 100] {
        // Position 7 at the first and the last place of the batch, position 4000 in the
        // middle and at the end, the rest one run 100.. with repeats.
        let tag = u32::try_from(n).unwrap() << 16;
        let mut batch: Vec<(usize, u32)> = vec![(7, tag)];
        for i in 1..n - 1 {
            let p = if i == n / 2 { 4000 } else { 100 + i % 9 };
            batch.push((p, tag + u32::try_from(i).unwrap()));
        }
        batch.push((7, tag + 0xFFFF));
        batch.push((4000, tag + 0xFFFE));
        m.write_many(batch.iter().copied()).unwrap();
        for &(p, v) in &batch {
            model[p] = v;
        }
        assert_eq!(m[[7]], tag + 0xFFFF, "n {n}");
        assert_eq!(m[[4000]], tag + 0xFFFE, "n {n}");
        assert!(m.as_slice() == model.as_slice(), "n {n}");
        let on_disk: Vec<u32> = elems(&std::fs::read(&path).unwrap());
        assert!(on_disk == model, "n {n}: read(2)");
    }
}

/// One position out of range — first, in the middle, last, or far past the end — and
/// nothing of the batch is written, at every batch size.
#[test]
fn out_of_range_anywhere_in_a_batch_leaves_the_file_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = model_file::<u32>(dir.path());
    let mut m = private!(Options::<u32, Ix1>::new().open_read_write(&path)).unwrap();
    let before = snapshot(&path);
    for n in SIZES.into_iter().filter(|&n| n > 0) {
        for (bad_at, bad) in [
            (0, LEN),
            (n / 2, LEN),
            (n - 1, LEN + 7),
            (n / 2, usize::MAX),
        ] {
            let batch = (0..n).map(|i| {
                let p = if i == bad_at { bad } else { i * 37 % LEN };
                (p, 0xABCD_0000 + u32::try_from(i).unwrap())
            });
            let err = m.write_many(batch).unwrap_err();
            assert!(
                matches!(err, Error::OutOfRange { start, len: LEN, .. } if start == bad),
                "n {n}, bad at {bad_at}: {err:?}"
            );
            assert_eq!(snapshot(&path), before, "n {n}, bad at {bad_at}");
        }
    }
    m.flush().unwrap();
    drop(m);
    assert_eq!(snapshot(&path), before);
}

/// Positions that join into one range write the bytes between them back unchanged, and
/// positions a page or more apart are written alone: the gaps keep their old values either
/// way, at the start and end of the array too.
#[test]
fn gaps_between_joined_updates_keep_their_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut model) = model_file::<u32>(dir.path());
    let mut m = private!(Options::<u32, Ix1>::new().open_read_write(&path)).unwrap();
    let step = page() / 4;
    let batch = [
        (LEN - 1, 1),
        (0, 2),
        (3, 3),
        (step + 5, 4),
        (LEN - 40, 5),
        (2 * step + 1, 6),
        (2, 7),
    ];
    m.write_many(batch).unwrap();
    for (p, v) in batch {
        model[p] = v;
    }
    assert!(m.as_slice() == model.as_slice());
    let on_disk: Vec<u32> = elems(&std::fs::read(&path).unwrap());
    assert!(on_disk == model);
}

/// The variable that makes [`a_failed_batch_names_the_written_prefix`] run its child part:
/// the path of the file to write.
const FSIZE_CHILD: &str = "MMARRAY_TEST_BATCH_FSIZE_CHILD";

/// As `writes::a_failed_write_names_the_written_prefix`, for batches: under `ulimit -f 64`
/// (32 or 64 KiB, by the shell's unit) a child writes a small and a large batch whose
/// positions below 8,192 (32 KiB) can be written and whose positions from 20,000 (80 KiB)
/// on cannot: each error names the sorted prefix written, and the file holds exactly it.
#[test]
fn a_failed_batch_names_the_written_prefix() {
    let Some(path) = std::env::var_os(FSIZE_CHILD) else {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("limited.u32");
        let bytes = pattern(256 << 10);
        std::fs::write(&path, &bytes).unwrap();
        rerun_under_file_size_limit(
            "write_batches::a_failed_batch_names_the_written_prefix",
            FSIZE_CHILD,
            &path,
        );
        // The file holds the prefixes both batches wrote and the old bytes elsewhere.
        let mut expected: Vec<u32> = elems(&bytes);
        for (p, v) in failing_batches().into_iter().flatten() {
            if p < 8192 {
                expected[p] = v;
            }
        }
        let after: Vec<u32> = elems(&std::fs::read(&path).unwrap());
        assert!(after == expected);
        return;
    };
    let old: Vec<u32> = elems(&std::fs::read(&path).unwrap());
    let mut m = private!(Options::<u32, Ix1>::new().open_read_write(&path)).unwrap();
    for batch in failing_batches() {
        let n = batch.len();
        let err = m.write_many(batch.iter().copied()).unwrap_err();
        let Error::WriteFailed {
            start,
            written_to,
            end,
            ref source,
            ..
        } = err
        else {
            panic!("{err:?}");
        };
        assert_eq!(
            (start, written_to, end),
            (3, 20_000, 40_001),
            "batch of {n}"
        );
        assert_eq!(source.kind(), std::io::ErrorKind::FileTooLarge, "{source}");
        assert!(
            err.to_string().contains("positions 3..20000 were written"),
            "{err}"
        );
        let mut model = old.clone();
        model[..8192].copy_from_slice(&m.as_slice()[..8192]);
        for &(p, v) in &batch {
            if p < 8192 {
                model[p] = v;
            }
        }
        // Below 8,192 the batch's values (the last given for position 3), the rest as
        // before the batch.
        assert!(m.as_slice() == model.as_slice(), "batch of {n}");
        assert_eq!(m[[3]], batch[n - 1].1, "batch of {n}");
    }
}

/// A small batch (stack) and a large one (heap), each with positions 3.. below 8,192 and
/// others from 20,000 to 40,000, in no order; position 3 comes again last.
fn failing_batches() -> [Vec<(usize, u32)>; 2] {
    let make = |n: usize, tag: u32| -> Vec<(usize, u32)> {
        (0..n)
            .map(|i| {
                let p = if i % 2 == 0 {
                    3 + i * 8000 / n
                } else {
                    20_000 + (i * 7 % n) * 20_000 / n
                };
                (p, tag + u32::try_from(i).unwrap())
            })
            .chain([(40_000, tag), (20_000, tag + 1), (3, tag + 0xFFFF)])
            .collect()
    };
    [make(10, 0xA000_0000), make(100, 0xB000_0000)]
}
