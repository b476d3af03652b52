//! Opening a `.npy` (read and parse the header, check the descr, map the
//! data, typed view, read one element, unmap) beside memmap2 mapping the same
//! file raw with a zerocopy cast of its data, and numpy's
//! `np.load(path, mmap_mode='r')`, in the same run.
//!
//! Run: `cargo bench -p mmarray-bench --bench npy_open`. The table of ratios is
//! printed at the end and saved as `target/criterion/mmarray-npy_open.md`.

use std::fs::File;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use criterion::Criterion;
use mmarray_std::{Ix2, npy};
use zerocopy::FromBytes;

#[allow(dead_code, reason = "each bench binary uses part of the helpers")]
mod common;

use common::{Row, Target};

/// The array: 4096 x 4096 float32 (64 MiB of data after a 128-byte header).
const ROWS: usize = 4096;
const COLS: usize = 4096;
/// numpy's header length for this array (every small v1.0 header is 128 bytes).
const HEADER: usize = 128;

/// Creates the file once (with mmarray: its bytes are `np.save`'s), reusing it after.
fn npy_file(rows: usize) -> PathBuf {
    let dir = common::target_dir().join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench-data directory");
    let path = dir.join(format!("f32-{rows}x{COLS}.npy"));
    let want = (HEADER + rows * COLS * 4) as u64;
    if std::fs::metadata(&path).map(|m| m.len()).ok() != Some(want) {
        // SAFETY: the file is private to this benchmark while it is written.
        let mut m = unsafe { npy::create::<f32, Ix2>(&path, [rows, COLS]) }.expect("create .npy");
        for (i, x) in m.as_mut_slice().iter_mut().enumerate() {
            *x = common::value(i);
        }
        m.close().expect("flush");
    }
    path
}

fn mmarray_npy(path: &Path) -> f32 {
    // SAFETY: the file is private to this benchmark: nothing writes to or
    // truncates it while it is mapped.
    let m = unsafe { npy::open_read::<f32, Ix2>(path) }.expect("mmarray open");
    let x = m[[1, 2]];
    drop(m);
    x
}

fn memmap2_raw(path: &Path) -> f32 {
    let file = File::open(path).expect("open");
    // SAFETY: as in `mmarray_npy`.
    let map = unsafe { memmap2::Mmap::map(&file) }.expect("memmap2 map");
    drop(file);
    let s = <[f32]>::ref_from_bytes(&map[HEADER..]).expect("aligned whole f32s");
    let x = s[COLS + 2];
    drop(map);
    x
}

fn main() {
    let since = SystemTime::now();
    let measuring = common::measuring();
    let rows = if measuring { ROWS } else { 4 };
    let path = npy_file(rows);
    let want = common::value(COLS + 2);
    for f in [mmarray_npy, memmap2_raw] {
        assert_eq!(f(&path), want);
    }

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("npy_open");
        g.bench_function("mmarray_npy", |b| b.iter(|| mmarray_npy(black_box(&path))));
        g.bench_function("memmap2_raw", |b| b.iter(|| memmap2_raw(black_box(&path))));
        g.finish();
    }
    c.final_summary();

    if !measuring {
        return;
    }
    let mut rows: Vec<Row> = ["mmarray_npy", "memmap2_raw"]
        .iter()
        .map(|f| Row::criterion("npy_open", f, since))
        .collect();
    if rows.iter().all(|r| r.time.is_none()) {
        return;
    }
    let numpy = common::numpy_time(
        "",
        "m = np.load(path, mmap_mode='r'); m[1, 2]; del m",
        &path,
        2000,
        15,
    );
    rows.push(Row::external("numpy_load_mmap", numpy));
    let numpy_raw = common::numpy_time(
        "",
        "m = np.memmap(path, dtype='float32', mode='r', offset=128); m[4098]; del m",
        &path,
        2000,
        15,
    );
    rows.push(Row::external("numpy_memmap_raw", numpy_raw));
    let routines: [&dyn Fn() -> f32; 2] = [&|| mmarray_npy(black_box(&path)), &|| {
        memmap2_raw(black_box(&path))
    }];
    let times = common::interleaved(&routines, 40, 1000);
    for (name, t) in ["mmarray_npy", "memmap2_raw"].iter().zip(times) {
        rows.push(Row::external(&format!("interleaved/{name}"), Some(t)));
    }
    common::report(
        "npy_open",
        "open a .npy (parse + check + map + view + read one element + unmap), 64 MiB f32",
        "npy_open/memmap2_raw",
        &rows,
        &[
            Target::new("npy_open/mmarray_npy", "npy_open/memmap2_raw", 1.15),
            Target::new("interleaved/mmarray_npy", "interleaved/memmap2_raw", 1.15),
        ],
        &[
            "criterion rows: time per iteration and its 95% confidence interval",
            "numpy rows: python timeit, mean and min..max of 15 repeats of 2000 loops",
            "interleaved/*: the same Rust routines timed round by round (40 rounds of \
             1000 calls each, in turn): median and quartiles",
        ],
    );
}
