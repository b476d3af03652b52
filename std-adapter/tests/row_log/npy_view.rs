//! numpy reads a row log as the plain `.npy` file it is: `np.load(path)` and
//! `np.load(path, mmap_mode='r')` give exactly the durable rows with the record's dtype, also
//! while a writer pushes and flushes; mmarray's own `.npy` reader agrees; the header's bytes
//! are the documented ones; and numpy's own header parser never reads a torn rewrite of the
//! shape as more rows than the newer value (claim T1 of the two-slot shape).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use mmarray::npy::{Descr, Header, RowLogHeader, ShapeSlot};
use mmarray_std::{Error, Ix1, RowLog};

use crate::support::{numpy, private};

mmarray_std::record! {
    /// The row: a timestamp, an id and a value.
    #[derive(PartialEq)]
    pub struct Sample {
        pub t: u64,
        pub id: u32,
        pub value: f32,
    }
}

/// Row `i` of the tests: every field a function of its index.
fn sample(i: u64) -> Sample {
    Sample {
        t: i,
        id: (i * 7 % 1000) as u32,
        value: i as f32 * 0.5,
    }
}

/// The python lines that check rows `a` against `sample` and count the wrong ones.
const WRONG_ROWS: &str = "
def wrong_rows(a):
    t = np.arange(a.shape[0], dtype=np.uint64)
    ok = (a['t'] == t) & (a['id'] == (t * 7 % 1000).astype(np.uint32)) \\
        & (a['value'] == (t.astype(np.float32) * np.float32(0.5)))
    return int((~ok).sum())
";

#[test]
fn numpy_loads_exactly_the_durable_rows_with_the_record_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.npy");
    let log = private!(RowLog::<Sample>::create(&path, 1000)).unwrap();
    for i in 0..300 {
        assert_eq!(log.push(sample(i)).unwrap(), i);
    }
    assert_eq!(log.flush().unwrap().durable, 300);
    for i in 300..350 {
        log.push(sample(i)).unwrap(); // committed, not flushed: not in the shape
    }
    let _open = log.claim(3).unwrap();

    // mmarray's own `.npy` reader sees the same plain file.
    let bytes = std::fs::read(&path).unwrap();
    let (plain, data) = Header::parse(&bytes).unwrap();
    assert_eq!((plain.shape(), data), (&[300][..], 256));
    plain.check::<Sample>().unwrap();
    let map = private!(mmarray_std::npy::open_read::<Sample, Ix1>(&path)).unwrap();
    assert_eq!(map.shape(), &[300]);
    assert!((0..300).all(|i| map[[i]] == sample(i as u64)));
    drop(map);

    let Some(py) = numpy::python() else { return };
    let script = format!(
        "import sys, numpy as np\n{WRONG_ROWS}\n\
         for mode in (None, 'r'):\n\
         \x20   a = np.load(sys.argv[1], mmap_mode=mode)\n\
         \x20   print(type(a).__name__, a.shape[0], a.dtype.descr, wrong_rows(a))\n"
    );
    let out = numpy::run_with_arg(&py, &script, Some(&path));
    let descr = "[('t', '<u8'), ('id', '<u4'), ('value', '<f4')]";
    assert_eq!(
        out,
        format!("ndarray 300 {descr} 0\nmemmap 300 {descr} 0\n"),
        "numpy's view of the log"
    );
}

#[test]
fn the_header_bytes_are_the_documented_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("golden.npy");
    let log = private!(RowLog::<Sample>::create(&path, 1000)).unwrap();
    let header = |path: &Path| std::fs::read(path).unwrap()[..256].to_vec();
    let golden = |shape: &str| {
        let mut g = Vec::new();
        g.extend_from_slice(b"\x93NUMPY\x01\x00");
        g.extend_from_slice(&246u16.to_le_bytes());
        g.extend_from_slice(b"{'descr': [('t', '<u8'), ('id', '<u4'), ('value', '<f4')], ");
        g.extend_from_slice(b"'fortran_order': False, 'shape': (");
        g.extend_from_slice(shape.as_bytes());
        // The region at 256 + 16000 rounded up to 16384; the void bitmap 128 + 8 * 16 further.
        g.extend_from_slice(
            b",), } # mmarray row log v2; capacity 1000; void bitmap at byte 16640",
        );
        g.resize(255, b' ');
        g.push(b'\n');
        g
    };
    let first = format!("{:>20} {:20}", 0, "");
    assert_eq!(header(&path), golden(&first), "a new log shows 0 rows");
    for i in 0..7 {
        log.push(sample(i)).unwrap();
    }
    log.flush().unwrap();
    assert_eq!(
        header(&path),
        golden(&format!("{:20} {:>20}", "", 7)),
        "the first flush writes the second slot and blanks the first"
    );
    for i in 7..12 {
        log.push(sample(i)).unwrap();
    }
    log.flush().unwrap();
    assert_eq!(header(&path), golden(&format!("{:>20} {:20}", 12, "")));
    // A flush with nothing new rewrites nothing.
    log.flush().unwrap();
    assert_eq!(header(&path), golden(&format!("{:>20} {:20}", 12, "")));
    // The same text the core emits.
    let mut buf = vec![0u8; 256];
    RowLogHeader::new(Descr::of::<Sample>(), 1000, 16640)
        .emit(&mut buf, 12, ShapeSlot::First)
        .unwrap();
    assert_eq!(header(&path), buf);
}

#[test]
fn numpy_polls_a_log_a_writer_is_filling_and_never_sees_a_wrong_row() {
    let Some(py) = numpy::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.npy");
    let capacity = 400_000;
    let log = private!(RowLog::<Sample>::create(&path, capacity)).unwrap();
    let stop = AtomicBool::new(false);
    // The poller: ~2 s of `np.load` in both forms; one line per poll, then a summary.
    let script = format!(
        "import sys, time, numpy as np\n{WRONG_ROWS}\n\
         shapes, refused, wrong = [], 0, 0\n\
         end = time.monotonic() + 2.0\n\
         i = 0\n\
         while time.monotonic() < end:\n\
         \x20   i += 1\n\
         \x20   try:\n\
         \x20       a = np.load(sys.argv[1], mmap_mode='r' if i % 2 else None)\n\
         \x20   except ValueError:\n\
         \x20       refused += 1\n\
         \x20       continue\n\
         \x20   shapes.append(a.shape[0])\n\
         \x20   wrong += wrong_rows(a)\n\
         \x20   del a\n\
         print(len(shapes), refused, wrong)\n\
         print(' '.join(map(str, shapes)))\n"
    );
    let (out, durable) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) && i + 500 <= capacity {
                for _ in 0..500 {
                    log.push(sample(i)).unwrap();
                    i += 1;
                }
                log.flush().unwrap();
            }
            log.flush().unwrap().durable
        });
        let out = numpy::run_with_arg(&py, &script, Some(&path));
        stop.store(true, Ordering::Relaxed);
        (out, writer.join().unwrap())
    });
    let mut lines = out.lines();
    let summary: Vec<u64> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    let shapes: Vec<u64> = lines
        .next()
        .unwrap_or("")
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let (polls, refused, wrong) = (summary[0], summary[1], summary[2]);
    eprintln!(
        "numpy polled {polls} times ({refused} loads refused by a concurrent shape rewrite and \
         retried); last shape {:?}, durable at the end {durable}",
        shapes.last()
    );
    assert_eq!(wrong, 0, "numpy saw rows that are not the rows written");
    assert!(polls > 10, "numpy polled the log {polls} times");
    assert!(
        shapes.windows(2).all(|w| w[0] <= w[1]),
        "the shape never decreases: {shapes:?}"
    );
    assert!(shapes.iter().all(|&n| n <= durable));
    assert!(
        shapes.iter().any(|&n| n > 0 && n < durable),
        "numpy saw the log grow"
    );
}

#[test]
fn numpys_header_parser_reads_a_torn_shape_as_at_most_the_new_value() {
    let Some(py) = numpy::python() else { return };
    let h = RowLogHeader::new(Descr::of::<Sample>(), 1 << 39, 1 << 40);
    let len = h.emitted_len().unwrap();
    let emit = |value: u64, slot: ShapeSlot| {
        let mut buf = vec![0u8; len];
        h.emit(&mut buf, value, slot).unwrap();
        buf
    };
    // Byte mixes of (old, new) headers: every mix of small pairs, sampled ones of large.
    let mut pairs = vec![(0u64, 1u64), (9, 10), (99, 100), (999, 1000), (5, 123)];
    pairs.extend((1..19).map(|d| (10u64.pow(d) - 1, 10u64.pow(d) + 1)));
    pairs.push((123_456_789, 987_654_321_012));
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut mixes = Vec::new(); // (bytes, new value)
    for (k, &(old, new)) in pairs.iter().enumerate() {
        let slot = if k % 2 == 0 {
            ShapeSlot::First
        } else {
            ShapeSlot::Second
        };
        let (a, b) = (emit(old, slot), emit(new, slot.other()));
        let diff: Vec<usize> = (0..len).filter(|&i| a[i] != b[i]).collect();
        let count = if diff.len() <= 8 {
            1 << diff.len()
        } else {
            300
        };
        for m in 0..count {
            let mask = if diff.len() <= 8 {
                m as u64
            } else {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            let mut mix = a.clone();
            for (j, &i) in diff.iter().enumerate() {
                if mask >> (j % 64) & 1 == 1 {
                    mix[i] = b[i];
                }
            }
            mixes.push((mix, new));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mixes.bin");
    std::fs::write(
        &file,
        mixes
            .iter()
            .flat_map(|(m, _)| m.clone())
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let script = format!(
        "import sys, io, numpy as np\n\
         data = open(sys.argv[1], 'rb').read()\n\
         out = []\n\
         for i in range(0, len(data), {len}):\n\
         \x20   fp = io.BytesIO(data[i + 8:i + {len}])\n\
         \x20   try:\n\
         \x20       shape, _, _ = np.lib.format.read_array_header_1_0(fp)\n\
         \x20       out.append(','.join(map(str, shape)))\n\
         \x20   except ValueError:\n\
         \x20       out.append('refused')\n\
         print('\\n'.join(out))\n"
    );
    let out = numpy::run_with_arg(&py, &script, Some(&file));
    let answers: Vec<&str> = out.lines().collect();
    assert_eq!(answers.len(), mixes.len());
    let (mut parsed, mut refused) = (0, 0);
    let mut report = String::new();
    for ((mix, new), numpy_says) in mixes.iter().zip(answers) {
        let ours = Header::parse(mix).ok().map(|(h, _)| h.shape().to_vec());
        match numpy_says {
            "refused" => {
                refused += 1;
                assert_eq!(ours, None, "numpy refused a mix that mmarray parses");
            }
            shape => {
                parsed += 1;
                let value: u64 = shape.parse().unwrap_or_else(|_| panic!("1-d: {shape}"));
                assert!(
                    value <= *new,
                    "numpy read {value} rows from a mix of a rewrite to {new}"
                );
                assert_eq!(ours, Some(vec![value as usize]), "mmarray and numpy agree");
            }
        }
    }
    let _ = write!(report, "{parsed} mixes parsed, {refused} refused");
    eprintln!("numpy on torn shapes: {report}");
    assert!(parsed > 0 && refused > 0, "{report}");
}

#[test]
fn a_row_type_aligned_beyond_64_bytes_is_refused_by_name() {
    let err = RowLog::<WideRow>::anonymous(4).unwrap_err();
    assert!(
        matches!(err, Error::RowAlign { align: 128, max: 64, type_name } if type_name.ends_with("WideRow")),
        "{err:?}"
    );
    assert!(err.to_string().contains("WideRow"), "{err}");
}

/// A row aligned to 128 bytes.
#[derive(
    Clone,
    Copy,
    zerocopy::FromBytes,
    zerocopy::IntoBytes,
    zerocopy::Immutable,
    zerocopy::KnownLayout,
)]
#[repr(C, align(128))]
struct WideRow {
    _bytes: [u8; 128],
}
