//! Writing through the file (`write_at`, `write_many`) against a model `Vec` written by hand:
//! random positions and lengths, the first and last element, runs across page and 2 MiB
//! boundaries, offsets and `.npy` headers of every version, out-of-range input that leaves
//! the file unchanged, and what the map, `read(2)`, a fresh open and a second process see.

use std::path::Path;

use crate::support::{
    npy_file, page, pattern, private, rerun_under_file_size_limit, snapshot, u64_of,
};
use mmarray_std::{Error, Ix1, Memmap, Mode, Options, ReadWrite};

/// Elements of the model file: past one 2 MiB folio, so runs can cross its boundary.
const LEN: usize = (2 << 20) / 4 + 3000;

/// The file's `u32` elements from byte `offset` on.
fn elems(bytes: &[u8], offset: usize) -> Vec<u32> {
    bytes[offset..]
        .chunks_exact(4)
        .map(|c| u32::from_ne_bytes(c.try_into().unwrap()))
        .collect()
}

/// A file of `offset` pattern bytes followed by `LEN` pattern `u32`s; its elements.
fn model_file(dir: &Path, offset: usize) -> (std::path::PathBuf, Vec<u32>) {
    let bytes = pattern(offset + 4 * LEN);
    let path = dir.join("model.u32");
    std::fs::write(&path, &bytes).unwrap();
    (path, elems(&bytes, offset))
}

/// A small deterministic generator (SplitMix64): the cases are random but the same on
/// every run, and the adapter's tests need no property-testing crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64_of(n)).unwrap()
    }

    /// Positions near the places where runs cross pages and folios, and anywhere.
    fn position(&mut self) -> usize {
        let page = page() / 4;
        let folio = (2 << 20) / 4;
        match self.below(6) {
            0 => self.below(LEN),
            1 => self.below(8),
            2 => LEN - 1 - self.below(8),
            3 => page + self.below(16) - 8,
            4 => 3 * page + self.below(16) - 8,
            _ => folio + self.below(16) - 8,
        }
    }

    /// One update: a run written with `write_at`, or scattered pairs for `write_many`.
    fn op(&mut self) -> Op {
        if self.below(2) == 0 {
            let p = self.position();
            // Clipped to the array, so that every generated run is in range.
            let n = self.below(3000).min(LEN - p);
            Op::At(p, (0..n).map(|_| self.next() as u32).collect())
        } else {
            let n = self.below(200);
            Op::Many(
                (0..n)
                    .map(|_| (self.position(), self.next() as u32))
                    .collect(),
            )
        }
    }
}

/// One update of the model test.
#[derive(Clone, Debug)]
enum Op {
    At(usize, Vec<u32>),
    Many(Vec<(usize, u32)>),
}

/// Applies `op` to the model by hand.
fn apply(model: &mut [u32], op: &Op) {
    match op {
        Op::At(p, data) => {
            for (i, v) in data.iter().enumerate() {
                model[p + i] = *v;
            }
        }
        Op::Many(pairs) => {
            for (p, v) in pairs {
                model[*p] = *v;
            }
        }
    }
}

/// 36 random sequences of up to five updates, at offsets 0, 28 and a page minus 8: after
/// every update the map and `read(2)` show the model, and after `flush` a fresh open does.
#[test]
fn writes_match_a_model_in_the_map_the_file_and_a_fresh_open() {
    let dir = tempfile::tempdir().unwrap();
    for case in 0..36u64 {
        let mut rng = Rng(case);
        let offset = [0usize, 28, 4096 - 8][usize::try_from(case % 3).unwrap()];
        let ops: Vec<Op> = (0..1 + rng.below(5)).map(|_| rng.op()).collect();
        let (path, mut model) = model_file(dir.path(), offset);
        let mut m = private!(
            Options::<u32, Ix1>::new()
                .offset(u64_of(offset))
                .open_read_write(&path)
        )
        .unwrap();
        for (k, op) in ops.iter().enumerate() {
            match op {
                Op::At(p, data) => m.write_at(*p, data).unwrap(),
                Op::Many(pairs) => m.write_many(pairs.iter().copied()).unwrap(),
            }
            apply(&mut model, op);
            // The map shows the bytes on return, and so does read(2).
            assert!(
                m.as_slice() == model.as_slice(),
                "case {case}, op {k}: the map"
            );
            let on_disk = std::fs::read(&path).unwrap();
            assert!(
                elems(&on_disk, offset) == model,
                "case {case}, op {k}: read(2)"
            );
            assert_eq!(
                &on_disk[..offset],
                &pattern(offset)[..],
                "case {case}: the head"
            );
        }
        m.flush().unwrap();
        drop(m);
        let fresh = private!(
            Options::<u32, Ix1>::new()
                .offset(u64_of(offset))
                .open_read(&path)
        )
        .unwrap();
        assert!(
            fresh.as_slice() == model.as_slice(),
            "case {case}: a fresh open"
        );
    }
}

#[test]
fn first_and_last_elements_and_whole_array() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut model) = model_file(dir.path(), 0);
    let mut m = private!(Options::<u32, Ix1>::new().open_read_write(&path)).unwrap();
    m.write_at(0, &[11]).unwrap();
    m.write_at(LEN - 1, &[22]).unwrap();
    m.write_many([(LEN - 1, 33), (0, 44), (0, 55)]).unwrap();
    model[0] = 55;
    model[LEN - 1] = 33;
    assert_eq!(m.as_slice(), &model[..]);
    let all: Vec<u32> = (0..u32::try_from(LEN).unwrap()).collect();
    m.write_at(0, &all).unwrap();
    m.write_at(LEN, &[]).unwrap();
    assert_eq!(m.as_slice(), &all[..]);
    assert_eq!(elems(&std::fs::read(&path).unwrap(), 0), all);
}

#[test]
fn out_of_range_writes_change_nothing_and_name_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = model_file(dir.path(), 0);
    let mut m = private!(Options::<u32, Ix1>::new().open_read_write(&path)).unwrap();
    let before = snapshot(&path);
    let cases: [(usize, usize); 4] = [(LEN, 1), (LEN - 1, 2), (LEN + 5, 0), (usize::MAX, 2)];
    for (start, n) in cases {
        let err = m.write_at(start, &vec![7; n]).unwrap_err();
        assert!(
            matches!(err, Error::OutOfRange { start: s, end: e, len: LEN }
                if s == start && e == start.saturating_add(n)),
            "{err:?}"
        );
        assert!(err.to_string().contains(&format!("{LEN}")), "{err}");
    }
    // One bad position among good ones: nothing of the batch is written.
    let err = m.write_many([(0, 1), (5, 2), (LEN, 3)]).unwrap_err();
    assert!(matches!(
        err,
        Error::OutOfRange {
            start: LEN,
            end: _,
            len: LEN
        }
    ));
    m.flush().unwrap();
    assert_eq!(snapshot(&path), before);
}

#[test]
fn npy_positions_are_relative_to_the_data_for_every_header_version() {
    for major in [1u8, 2, 3] {
        let dir = tempfile::tempdir().unwrap();
        let bytes = npy_file(
            major,
            b"{'descr': '<u4', 'fortran_order': False, 'shape': (16,), }",
        );
        let header = bytes.len() - 64;
        let path = dir.path().join("a.npy");
        std::fs::write(&path, &bytes).unwrap();
        let mut m =
            private!(mmarray_std::npy::Options::<u32, Ix1>::new().open_read_write(&path)).unwrap();
        m.write_at(0, &[1, 2]).unwrap();
        m.write_many([(15, 9), (7, 8)]).unwrap();
        m.flush().unwrap();
        let mut model = [0u32; 16];
        model[..2].copy_from_slice(&[1, 2]);
        model[15] = 9;
        model[7] = 8;
        assert_eq!(m.as_slice(), &model);
        drop(m);
        let after = std::fs::read(&path).unwrap();
        assert_eq!(
            &after[..header],
            &bytes[..header],
            "version {major}: header kept"
        );
        assert_eq!(elems(&after, header), model, "version {major}");
    }
}

#[test]
fn copy_on_write_and_anonymous_maps_store_and_read_only_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let (path, model) = model_file(dir.path(), 0);
    let before = snapshot(&path);
    let mut c = private!(Options::<u32, Ix1>::new().open_copy_on_write(&path)).unwrap();
    c.write_at(3, &[9, 9]).unwrap();
    c.write_many([(LEN - 1, 4)]).unwrap();
    assert_eq!(&c.as_slice()[2..6], &[model[2], 9, 9, model[5]]);
    assert_eq!(c[[LEN - 1]], 4);
    drop(c);
    assert_eq!(snapshot(&path), before, "'c' never writes the file");

    let mut a: Memmap<u32, Ix1, ReadWrite> = Memmap::anonymous([10]).unwrap();
    a.write_at(8, &[1, 2]).unwrap();
    a.write_many([(0, 5)]).unwrap();
    assert_eq!(a.as_slice(), &[5, 0, 0, 0, 0, 0, 0, 0, 1, 2]);

    for mode in [Mode::Read, Mode::CopyOnWrite, Mode::ReadWrite] {
        let mut d = private!(Options::<u32, Ix1>::new().open(&path, mode)).unwrap();
        let r = d.write_at(1, &[model[1]]);
        let s = d.write_many([(2, model[2])]);
        if mode == Mode::Read {
            assert!(matches!(r, Err(Error::ReadOnly)), "{r:?}");
            assert!(matches!(s, Err(Error::ReadOnly)), "{s:?}");
        } else {
            r.unwrap();
            s.unwrap();
        }
    }
    assert_eq!(snapshot(&path), before);
}

#[test]
fn a_second_process_sees_flushed_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut model) = model_file(dir.path(), 0);
    let mut m = private!(Options::<u32, Ix1>::new().open_read_write(&path)).unwrap();
    m.write_at(1000, &[0xDEAD_BEEF, 0xFEED_F00D]).unwrap();
    m.write_many([(5, 0x0102_0304), (LEN - 2, 0x0506_0708)])
        .unwrap();
    m.flush().unwrap();
    model[1000] = 0xDEAD_BEEF;
    model[1001] = 0xFEED_F00D;
    model[5] = 0x0102_0304;
    model[LEN - 2] = 0x0506_0708;
    // `cat` is another process: it reads through its own open file description.
    let out = std::process::Command::new("cat")
        .arg(&path)
        .output()
        .expect("cat runs");
    assert!(out.status.success());
    assert_eq!(elems(&out.stdout, 0), model);
    drop(m);
}

/// The variable that makes [`a_failed_write_names_the_written_prefix`] run its child part:
/// the path of the file to write.
const FSIZE_CHILD: &str = "MMARRAY_TEST_FSIZE_CHILD";

/// A write cut short by the file-size limit (`RLIMIT_FSIZE`): `pwrite` writes up to the
/// limit, then fails with `EFBIG`. The test makes a 256 KiB file, then runs itself again
/// under `sh` with `ulimit -f 64` (32 or 64 KiB, by the shell's unit) and `SIGXFSZ` ignored
/// (an ignored signal stays ignored across `exec`), so the limit binds only that child,
/// which writes 128 KiB from position 0 of the existing file.
#[test]
fn a_failed_write_names_the_written_prefix() {
    let Some(path) = std::env::var_os(FSIZE_CHILD) else {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("limited.u32");
        let bytes = pattern(256 << 10);
        std::fs::write(&path, &bytes).unwrap();
        rerun_under_file_size_limit(
            "writes::a_failed_write_names_the_written_prefix",
            FSIZE_CHILD,
            &path,
        );
        // What the child saw is what the file holds: the prefix, then the old bytes.
        let after = std::fs::read(&path).unwrap();
        let limit = [32 << 10, 64 << 10]
            .into_iter()
            .find(|&l| {
                elems(&after[..l], 0)
                    .iter()
                    .enumerate()
                    .all(|(i, &v)| v == u32::try_from(i).unwrap() + 1)
            })
            .expect("a prefix of the new values");
        assert_eq!(after[limit..], bytes[limit..]);
        return;
    };
    let old = std::fs::read(&path).unwrap();
    let mut m = private!(Options::<u32, Ix1>::new().open_read_write(&path)).unwrap();
    let data: Vec<u32> = (1..=32 << 10).collect();
    let err = m.write_at(0, &data).unwrap_err();
    let Error::WriteFailed {
        start: 0,
        written_to,
        end,
        ref source,
        ..
    } = err
    else {
        panic!("{err:?}");
    };
    assert_eq!(end, 32 << 10);
    assert!(
        written_to == 8 << 10 || written_to == 16 << 10,
        "{written_to}"
    );
    assert_eq!(source.kind(), std::io::ErrorKind::FileTooLarge, "{source}");
    assert!(
        err.to_string()
            .contains(&format!("positions 0..{written_to} were written")),
        "{err}"
    );
    // The map shows the prefix and the old values after it.
    assert_eq!(&m.as_slice()[..written_to], &data[..written_to]);
    assert_eq!(&m.as_slice()[written_to..], &elems(&old, 0)[written_to..]);
}

/// On a descriptor in append mode, `pwrite(2)` ignores its offset (Linux) and would write at
/// the end of the file: `write_at`/`write_many` then store through the map, and growing
/// (whose header and rows are positional writes) is refused with the file unchanged.
#[test]
fn an_append_mode_descriptor_gets_stores_not_misplaced_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.u64");
    let before: Vec<u8> = (0..64u64).flat_map(u64::to_ne_bytes).collect();
    std::fs::write(&path, &before).unwrap();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .open(&path)
        .unwrap();
    let mut m = private!(Options::<u64, Ix1>::new().map_read_write(&file)).unwrap();
    m.write_at(3, &[700, 701]).unwrap();
    m.write_many([(10, 1000), (63, 6300)]).unwrap();
    assert_eq!(
        (m[[3]], m[[4]], m[[10]], m[[63]], m[[5]]),
        (700, 701, 1000, 6300, 5)
    );
    let err = m.grow(65).unwrap_err();
    assert!(matches!(err, Error::CannotGrow { .. }), "{err}");
    m.close().unwrap();
    let mut expected = before.clone();
    for (p, v) in [(3usize, 700u64), (4, 701), (10, 1000), (63, 6300)] {
        expected[p * 8..p * 8 + 8].copy_from_slice(&v.to_ne_bytes());
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        expected,
        "the values at their places, the file not grown"
    );
}
