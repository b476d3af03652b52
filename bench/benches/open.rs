//! Open + map + typed view + read one element + unmap of a 1 GiB f32 file:
//! mmarray beside memmap2 with a zerocopy cast, and numpy.memmap timed by a
//! python subprocess in the same run.
//!
//! Run: `cargo bench -p mmarray-bench --bench open`. The table of ratios is
//! printed at the end and saved as `target/criterion/mmarray-open.md`.

use std::fs::File;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, SystemTime};

use criterion::Criterion;
use mmarray_std::Options;
use zerocopy::FromBytes;

#[allow(dead_code, reason = "each bench binary uses part of the helpers")]
mod common;

use common::{Row, Target};

/// The element read after opening (numpy: `m[123]`).
const INDEX: usize = 123;

fn mmarray_index(path: &Path) -> f32 {
    // SAFETY: the file is private to this benchmark: nothing writes to or
    // truncates it while it is mapped.
    let m = unsafe { Options::<f32, [usize; 1]>::new().open_read(path) }.expect("mmarray open");
    let x = m[[INDEX]];
    drop(m);
    x
}

fn mmarray_view_get(path: &Path) -> f32 {
    // SAFETY: as in `mmarray_index`.
    let m = unsafe { Options::<f32, [usize; 1]>::new().open_read(path) }.expect("mmarray open");
    let x = *m.view().get([INDEX]).expect("in bounds");
    drop(m);
    x
}

fn memmap2_zerocopy(path: &Path) -> f32 {
    let file = File::open(path).expect("open");
    // SAFETY: as in `mmarray_index`.
    let map = unsafe { memmap2::Mmap::map(&file) }.expect("memmap2 map");
    drop(file);
    let s = <[f32]>::ref_from_bytes(&map[..]).expect("aligned whole f32s");
    let x = s[INDEX];
    drop(map);
    x
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
    for f in [mmarray_index, mmarray_view_get, memmap2_zerocopy] {
        assert_eq!(f(&path), want);
    }

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("open");
        g.bench_function("mmarray_index", |b| {
            b.iter(|| mmarray_index(black_box(&path)))
        });
        g.bench_function("mmarray_view_get", |b| {
            b.iter(|| mmarray_view_get(black_box(&path)))
        });
        g.bench_function("memmap2_zerocopy", |b| {
            b.iter(|| memmap2_zerocopy(black_box(&path)))
        });
        g.finish();
    }
    c.final_summary();

    if !measuring {
        return;
    }
    let mut rows: Vec<Row> = ["mmarray_index", "mmarray_view_get", "memmap2_zerocopy"]
        .iter()
        .map(|f| Row::criterion("open", f, since))
        .collect();
    if rows.iter().all(|r| r.time.is_none()) {
        return;
    }
    let numpy = common::numpy_time(
        "",
        "m = np.memmap(path, dtype='float32', mode='r'); m[123]; del m",
        &path,
        2000,
        15,
    );
    rows.push(Row::external("numpy_memmap", numpy));
    // The same routines again, interleaved round by round: on a loaded
    // machine the ratio of these is steadier than that of criterion's runs,
    // which happen one after the other.
    let routines: [&dyn Fn() -> f32; 3] = [
        &|| mmarray_index(black_box(&path)),
        &|| mmarray_view_get(black_box(&path)),
        &|| memmap2_zerocopy(black_box(&path)),
    ];
    let times = common::interleaved(&routines, 40, 1000);
    for (name, t) in ["mmarray_index", "mmarray_view_get", "memmap2_zerocopy"]
        .iter()
        .zip(times)
    {
        rows.push(Row::external(&format!("interleaved/{name}"), Some(t)));
    }
    common::report(
        "open",
        "open + map + read one element + unmap, 1 GiB f32 file",
        "open/memmap2_zerocopy",
        &rows,
        &[
            Target::new("open/mmarray_index", "open/memmap2_zerocopy", 1.05),
            Target::new("open/mmarray_view_get", "open/memmap2_zerocopy", 1.05),
            Target::new(
                "interleaved/mmarray_index",
                "interleaved/memmap2_zerocopy",
                1.05,
            ),
            Target::new(
                "interleaved/mmarray_view_get",
                "interleaved/memmap2_zerocopy",
                1.05,
            ),
        ],
        &[
            "criterion rows: time per iteration (slope of linear sampling) and its 95% confidence interval",
            "numpy_memmap: python timeit, mean and min..max of 15 repeats of 2000 loops \
             (`np.memmap(path, dtype='float32', mode='r'); m[123]; del m`)",
            "interleaved/*: the same Rust routines timed round by round (40 rounds of \
             1000 calls each, in turn): median and quartiles; steadier ratios under load",
        ],
    );
}
