//! The read-side costs of issue 8, each beside memmap2 in one run:
//!
//! - open `r+` (and `r`) + read one element + drop, 1 GiB: a clean map drops without
//!   `msync(2)`;
//! - first-touch sequential scan of a 1 GiB file that is not in the page cache (dropped
//!   with `posix_fadvise(POSIX_FADV_DONTNEED)` before each run) and not mapped yet: mmarray
//!   with and without `Options::populate`, memmap2 with `populate()`, and the limit, a scan
//!   of a `Vec` already in memory;
//! - random 4-byte gathers over a warm 4 GiB map (the file of the `writes` bench).
//!
//! Run: `cargo bench -p mmarray-bench --bench knobs`. The tables are printed at the end and
//! saved as `target/criterion/mmarray-knobs-*.md`.

use std::fs::{File, OpenOptions};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, SystemTime};

use criterion::{BatchSize, Criterion, SamplingMode};
use mmarray_std::{Ix1, Options};

#[allow(dead_code, reason = "each bench binary uses part of the helpers")]
mod common;

use common::{Row, Target};

/// The element read after opening.
const INDEX: usize = 123;

/// Random gathers per iteration.
const GATHERS: usize = 1 << 20;

fn mmarray_rw_index(path: &Path) -> f32 {
    // SAFETY: the file is private to this benchmark: nothing else writes to or truncates it
    // while it is mapped.
    let m = unsafe { Options::<f32, Ix1>::new().open_read_write(path) }.expect("open");
    let x = m[[INDEX]];
    drop(m);
    x
}

fn mmarray_r_index(path: &Path) -> f32 {
    // SAFETY: as in `mmarray_rw_index`.
    let m = unsafe { Options::<f32, Ix1>::new().open_read(path) }.expect("open");
    let x = m[[INDEX]];
    drop(m);
    x
}

fn memmap2_mut_index(path: &Path) -> f32 {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .expect("open");
    // SAFETY: as in `mmarray_rw_index`.
    let m = unsafe { memmap2::MmapMut::map_mut(&f) }.expect("map");
    let s: &[f32] = zerocopy::FromBytes::ref_from_bytes(&m[..]).expect("cast");
    let x = s[INDEX];
    drop(m);
    x
}

fn memmap2_index(path: &Path) -> f32 {
    let f = File::open(path).expect("open");
    // SAFETY: as in `mmarray_rw_index`.
    let m = unsafe { memmap2::Mmap::map(&f) }.expect("map");
    let s: &[f32] = zerocopy::FromBytes::ref_from_bytes(&m[..]).expect("cast");
    let x = s[INDEX];
    drop(m);
    x
}

/// Sums the bits of every element (vectorises; the same work for every scan).
fn scan(s: &[f32]) -> u32 {
    s.iter().fold(0u32, |a, &x| a.wrapping_add(x.to_bits()))
}

/// Drops the file's pages from the page cache (`POSIX_FADV_DONTNEED`; clean pages go).
fn uncache(path: &Path) {
    let f = File::open(path).expect("open");
    rustix::fs::fadvise(&f, 0, None, rustix::fs::Advice::DontNeed).expect("fadvise");
}

fn mmarray_scan(path: &Path, populate: bool) -> u32 {
    // SAFETY: as in `mmarray_rw_index`.
    let m = unsafe {
        Options::<f32, Ix1>::new()
            .populate(populate)
            .open_read(path)
    }
    .expect("open");
    scan(m.as_slice())
}

fn memmap2_scan(path: &Path) -> u32 {
    let f = File::open(path).expect("open");
    // SAFETY: as in `mmarray_rw_index`.
    let m = unsafe { memmap2::MmapOptions::new().populate().map(&f) }.expect("map");
    scan(zerocopy::FromBytes::ref_from_bytes(&m[..]).expect("cast"))
}

/// `GATHERS` positions below `len`.
fn positions(len: usize) -> Vec<usize> {
    let mut seed = 7u64;
    (0..GATHERS)
        .map(|_| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % len
        })
        .collect()
}

fn gather(s: &[f32], ps: &[usize]) -> u32 {
    ps.iter().fold(0u32, |a, &p| a.wrapping_add(s[p].to_bits()))
}

fn main() {
    let since = SystemTime::now();
    let measuring = common::measuring();
    let len = if measuring {
        common::FULL_LEN
    } else {
        common::TEST_LEN
    };
    let path = common::data_file(len);
    let want = common::value(INDEX);
    for f in [
        mmarray_rw_index,
        mmarray_r_index,
        memmap2_mut_index,
        memmap2_index,
    ] {
        assert_eq!(f(&path), want);
    }
    let scans = [
        mmarray_scan(&path, true),
        mmarray_scan(&path, false),
        memmap2_scan(&path),
    ];
    assert!(scans.iter().all(|&s| s == scans[0]));
    // The 4 GiB file of the `writes` bench, when it exists; else the 1 GiB one.
    let big = common::target_dir()
        .join("bench-data")
        .join(format!("writes-{}.f32", 4 * len));
    let big = if big.exists() { big } else { path.clone() };

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("drop");
        g.bench_function("mmarray_rw", |b| {
            b.iter(|| mmarray_rw_index(black_box(&path)))
        });
        g.bench_function("memmap2_mut", |b| {
            b.iter(|| memmap2_mut_index(black_box(&path)))
        });
        g.bench_function("mmarray_r", |b| {
            b.iter(|| mmarray_r_index(black_box(&path)))
        });
        g.bench_function("memmap2", |b| b.iter(|| memmap2_index(black_box(&path))));
        g.finish();
    }
    {
        let mut g = c.benchmark_group("first_touch");
        g.sampling_mode(SamplingMode::Flat);
        let cold = |b: &mut criterion::Bencher<'_>, f: &dyn Fn() -> u32| {
            b.iter_batched(|| uncache(&path), |()| f(), BatchSize::PerIteration)
        };
        g.bench_function("mmarray_populate", |b| {
            cold(b, &|| mmarray_scan(&path, true))
        });
        g.bench_function("mmarray", |b| cold(b, &|| mmarray_scan(&path, false)));
        g.bench_function("memmap2_populate", |b| cold(b, &|| memmap2_scan(&path)));
        let v: Vec<f32> = {
            // SAFETY: as in `mmarray_rw_index`.
            let m = unsafe { Options::<f32, Ix1>::new().open_read(&path) }.expect("open");
            m.as_slice().to_vec()
        };
        g.bench_function("vec_in_memory", |b| b.iter(|| scan(black_box(&v))));
        g.finish();
    }
    {
        let f = File::open(&big).expect("open");
        let mut reader = File::open(&big).expect("open");
        std::io::copy(&mut reader, &mut std::io::sink()).expect("read");
        // SAFETY: as in `mmarray_rw_index`.
        let m = unsafe { Options::<f32, Ix1>::new().open_read(&big) }.expect("open");
        // SAFETY: as in `mmarray_rw_index`.
        let m2 = unsafe { memmap2::Mmap::map(&f) }.expect("map");
        let s2: &[f32] = zerocopy::FromBytes::ref_from_bytes(&m2[..]).expect("cast");
        let ps = positions(m.len());
        assert_eq!(gather(m.as_slice(), &ps), gather(s2, &ps));
        let mut g = c.benchmark_group("gather");
        g.bench_function("mmarray", |b| {
            b.iter(|| gather(m.as_slice(), black_box(&ps)))
        });
        g.bench_function("memmap2", |b| b.iter(|| gather(s2, black_box(&ps))));
        g.finish();
    }
    c.final_summary();
    if !measuring {
        return;
    }
    let rows = |group: &str, fs: &[&str]| -> Vec<Row> {
        fs.iter().map(|f| Row::criterion(group, f, since)).collect()
    };
    common::report(
        "knobs-drop",
        "open + read one element + drop, 1 GiB f32 file",
        "drop/memmap2_mut",
        &rows(
            "drop",
            &["mmarray_rw", "memmap2_mut", "mmarray_r", "memmap2"],
        ),
        &[
            Target::new("drop/mmarray_rw", "drop/memmap2_mut", 1.05),
            Target::new("drop/mmarray_r", "drop/memmap2", 1.05),
        ],
        &["memmap2's MmapMut does not flush on drop; a clean mmarray r+ map no longer does"],
    );
    // The cold scans again, interleaved round by round (uncaching included in each call):
    // on a loaded machine their ratios are steadier than criterion's runs one after another.
    let cold: [&dyn Fn() -> u32; 3] = [
        &|| {
            uncache(&path);
            mmarray_scan(&path, true)
        },
        &|| {
            uncache(&path);
            mmarray_scan(&path, false)
        },
        &|| {
            uncache(&path);
            memmap2_scan(&path)
        },
    ];
    let mut first_touch = rows(
        "first_touch",
        &[
            "mmarray_populate",
            "mmarray",
            "memmap2_populate",
            "vec_in_memory",
        ],
    );
    for (name, t) in ["mmarray_populate", "mmarray", "memmap2_populate"]
        .iter()
        .zip(common::interleaved(&cold, 8, 1))
    {
        first_touch.push(Row::external(&format!("interleaved/{name}"), Some(t)));
    }
    common::report(
        "knobs-first-touch",
        "first-touch sequential scan, 1 GiB f32 file dropped from the page cache before each run",
        "first_touch/memmap2_populate",
        &first_touch,
        &[
            Target::new(
                "first_touch/mmarray_populate",
                "first_touch/memmap2_populate",
                1.0,
            ),
            Target::new(
                "interleaved/mmarray_populate",
                "interleaved/memmap2_populate",
                1.0,
            ),
        ],
        &[
            "uncached with posix_fadvise(POSIX_FADV_DONTNEED) in criterion's untimed setup",
            "interleaved/*: 8 rounds of one call each, in turn, the fadvise included: median and quartiles",
        ],
    );
    common::report(
        "knobs-gather",
        &format!(
            "{GATHERS} random 4-byte gathers over a warm {} GiB map",
            (m_len_gib(&big))
        ),
        "gather/memmap2",
        &rows("gather", &["mmarray", "memmap2"]),
        &[Target::new("gather/mmarray", "gather/memmap2", 1.05)],
        &[],
    );
}

/// The file's size in GiB.
fn m_len_gib(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len() >> 30)
}
