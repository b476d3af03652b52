//! Summing a page-cached 1 GiB f32 file: mmarray (its slice and its view
//! iterator) beside memmap2 with a zerocopy cast, a `Vec<f32>` in memory
//! (the in-memory limit) and numpy's `m.sum()` (python subprocess, same run).
//!
//! Every Rust row but `*_lanes8` adds in index order, one accumulator, as
//! `Iterator::sum` does; numpy adds pairwise with SIMD, a different (faster,
//! more accurate) algorithm. `mmarray_lanes8` sums the same mapped slice with
//! eight accumulators to show that the gap to numpy is the algorithm, not the
//! mapping.
//!
//! Run: `cargo bench -p mmarray-bench --bench sum`. The table of ratios is
//! printed at the end and saved as `target/criterion/mmarray-sum.md`.

use std::fs::File;
use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, SamplingMode};
use mmarray_std::{Memmap, Options, ReadOnly};
use zerocopy::FromBytes;

#[allow(dead_code, reason = "each bench binary uses part of the helpers")]
mod common;

use common::{Row, Target};

fn mmarray_as_slice(m: &Memmap<f32, [usize; 1], ReadOnly>) -> f32 {
    m.as_slice().iter().sum()
}

fn mmarray_view_iter(m: &Memmap<f32, [usize; 1], ReadOnly>) -> f32 {
    m.view().iter().sum()
}

fn memmap2_zerocopy(map: &memmap2::Mmap) -> f32 {
    <[f32]>::ref_from_bytes(&map[..])
        .expect("aligned whole f32s")
        .iter()
        .sum()
}

fn vec_in_memory(v: &[f32]) -> f32 {
    v.iter().sum()
}

/// Eight running sums over the slice, then added together: vectorizes.
fn lanes8(s: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    acc.iter().sum::<f32>() + rest.iter().sum::<f32>()
}

const FUNCTIONS: [&str; 5] = [
    "mmarray_as_slice",
    "mmarray_view_iter",
    "memmap2_zerocopy",
    "vec_in_memory",
    "mmarray_lanes8",
];

fn main() {
    let since = SystemTime::now();
    let measuring = common::measuring();
    let len = if measuring {
        common::FULL_LEN
    } else {
        common::TEST_LEN
    };
    let path = common::data_file(len);

    // SAFETY: the file is private to this benchmark: nothing writes to or
    // truncates it while it is mapped.
    let m = unsafe { Options::<f32, [usize; 1]>::new().open_read(&path) }.expect("mmarray open");
    let file = File::open(&path).expect("open");
    // SAFETY: as above.
    let map = unsafe { memmap2::Mmap::map(&file) }.expect("memmap2 map");
    let v: Vec<f32> = (0..len).map(common::value).collect();
    assert_eq!(m.len(), len);

    // Same additions in the same order: bit-identical sums.
    let want = vec_in_memory(&v);
    assert_eq!(mmarray_as_slice(&m).to_bits(), want.to_bits());
    assert_eq!(mmarray_view_iter(&m).to_bits(), want.to_bits());
    assert_eq!(memmap2_zerocopy(&map).to_bits(), want.to_bits());
    assert_eq!(lanes8(m.as_slice()), lanes8(&v));

    let mut c = Criterion::default().configure_from_args();
    {
        let mut g = c.benchmark_group("sum");
        g.sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5));
        g.bench_function(FUNCTIONS[0], |b| b.iter(|| mmarray_as_slice(black_box(&m))));
        g.bench_function(FUNCTIONS[1], |b| {
            b.iter(|| mmarray_view_iter(black_box(&m)))
        });
        g.bench_function(FUNCTIONS[2], |b| {
            b.iter(|| memmap2_zerocopy(black_box(&map)))
        });
        g.bench_function(FUNCTIONS[3], |b| b.iter(|| vec_in_memory(black_box(&v))));
        g.bench_function(FUNCTIONS[4], |b| {
            b.iter(|| lanes8(black_box(&m).as_slice()))
        });
        g.finish();
    }
    c.final_summary();

    if !measuring {
        return;
    }
    let mut rows: Vec<Row> = FUNCTIONS
        .iter()
        .map(|f| Row::criterion("sum", f, since))
        .collect();
    if rows.iter().all(|r| r.time.is_none()) {
        return;
    }
    let numpy = common::numpy_time(
        "m = np.memmap(path, dtype='float32', mode='r'); m.sum()",
        "m.sum()",
        &path,
        1,
        10,
    );
    rows.push(Row::external("numpy_sum_pairwise", numpy));
    // The in-order sums again, interleaved round by round (see open.rs).
    let routines: [&dyn Fn() -> f32; 4] = [
        &|| mmarray_as_slice(black_box(&m)),
        &|| mmarray_view_iter(black_box(&m)),
        &|| memmap2_zerocopy(black_box(&map)),
        &|| vec_in_memory(black_box(&v)),
    ];
    let times = common::interleaved(&routines, 8, 1);
    for (name, t) in FUNCTIONS.iter().zip(times) {
        rows.push(Row::external(&format!("interleaved/{name}"), Some(t)));
    }
    common::report(
        "sum",
        "sum of a page-cached 1 GiB f32 file (2^28 elements)",
        "sum/memmap2_zerocopy",
        &rows,
        &[
            Target::new("sum/mmarray_as_slice", "sum/memmap2_zerocopy", 1.0),
            Target::new("sum/mmarray_view_iter", "sum/memmap2_zerocopy", 1.0),
            Target::new(
                "interleaved/mmarray_as_slice",
                "interleaved/memmap2_zerocopy",
                1.0,
            ),
            Target::new(
                "interleaved/mmarray_view_iter",
                "interleaved/memmap2_zerocopy",
                1.0,
            ),
        ],
        &[
            "criterion rows: mean and its 95% confidence interval (flat sampling, 10 samples)",
            "a ratio of 1.0 is met only within noise: compare the intervals",
            "vec_in_memory: a heap Vec<f32> of the same length (the in-memory limit)",
            "mmarray_lanes8: the mapped slice summed with 8 accumulators (vectorizes; \
             different rounding)",
            "numpy_sum_pairwise: python timeit of `m.sum()` on np.memmap, 10 repeats, \
             mean and min..max; numpy sums pairwise with SIMD (a different algorithm)",
            "interleaved/*: the in-order sums timed round by round (8 rounds, one sum \
             each, in turn): median and quartiles; steadier ratios under load",
        ],
    );
}
