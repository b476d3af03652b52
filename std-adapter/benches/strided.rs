//! Strided N-d iteration over a 4096 x 4096 f32 array in an anonymous map:
//! the transposed view `a.T` and the sliced view `a[::2, 1::3]` summed through
//! mmarray's iterator, beside nested loops that walk the same strides by hand
//! over the `&[f32]`; and the contiguous view's iterator beside the raw slice.
//!
//! Every pair adds the same elements in the same order (the sums are checked
//! to be bit-identical before measuring).
//!
//! Run: `cargo bench -p mmarray-std --bench strided`. The table of ratios is
//! printed at the end and saved as `target/criterion/mmarray-strided.md`.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, SamplingMode};
use mmarray_std::{Memmap, ReadWrite, Slice};

#[allow(dead_code, reason = "each bench binary uses part of the helpers")]
mod common;

use common::{Row, Target};

type Map = Memmap<f32, [usize; 2], ReadWrite>;

fn contiguous_view_iter(m: &Map) -> f32 {
    m.view().iter().sum()
}

fn contiguous_raw_slice(d: &[f32]) -> f32 {
    d.iter().sum()
}

fn transposed_view_iter(m: &Map) -> f32 {
    m.view().t().iter().sum()
}

/// `a.T` in logical order: column j of `a` is row j of `a.T`.
fn transposed_hand(d: &[f32], rows: usize, cols: usize) -> f32 {
    let mut s = 0.0;
    for j in 0..cols {
        for i in 0..rows {
            s += d[i * cols + j];
        }
    }
    s
}

/// numpy's `a[::2, 1::3]`.
fn sliced_view_iter(m: &Map) -> f32 {
    let v = m
        .view()
        .slice(&[Slice::full().step_by(2), Slice::from(1..).step_by(3)])
        .expect("valid slices");
    v.iter().sum()
}

fn sliced_hand(d: &[f32], rows: usize, cols: usize) -> f32 {
    let mut s = 0.0;
    let mut i = 0;
    while i < rows {
        let mut j = 1;
        while j < cols {
            s += d[i * cols + j];
            j += 3;
        }
        i += 2;
    }
    s
}

const GROUPS: [(&str, &str, &str); 3] = [
    (
        "strided_contiguous",
        "contiguous_view_iter",
        "contiguous_raw_slice",
    ),
    (
        "strided_transposed",
        "transposed_view_iter",
        "transposed_hand",
    ),
    ("strided_sliced", "sliced_view_iter", "sliced_hand"),
];

fn main() {
    let since = SystemTime::now();
    let measuring = common::measuring();
    let (rows, cols) = if measuring { (4096, 4096) } else { (64, 96) };
    let mut m = Map::anon([rows, cols]).expect("anonymous map");
    // Fill every page, so that no read lands on the shared zero page.
    for (i, x) in m.as_mut_slice().iter_mut().enumerate() {
        *x = common::value(i);
    }
    let m = m;

    let d = m.as_slice();
    let same = |a: f32, b: f32| assert_eq!(a.to_bits(), b.to_bits());
    same(contiguous_view_iter(&m), contiguous_raw_slice(d));
    same(transposed_view_iter(&m), transposed_hand(d, rows, cols));
    same(sliced_view_iter(&m), sliced_hand(d, rows, cols));

    let mut c = Criterion::default().configure_from_args();
    for (group, view, hand) in GROUPS {
        let mut g = c.benchmark_group(group);
        g.sampling_mode(SamplingMode::Flat)
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        g.bench_function(view, |b| {
            let f = match group {
                "strided_contiguous" => contiguous_view_iter,
                "strided_transposed" => transposed_view_iter,
                _ => sliced_view_iter,
            };
            b.iter(|| f(black_box(&m)))
        });
        g.bench_function(hand, |b| match group {
            "strided_contiguous" => b.iter(|| contiguous_raw_slice(black_box(m.as_slice()))),
            "strided_transposed" => b.iter(|| {
                transposed_hand(black_box(m.as_slice()), black_box(rows), black_box(cols))
            }),
            _ => b.iter(|| sliced_hand(black_box(m.as_slice()), black_box(rows), black_box(cols))),
        });
        g.finish();
    }
    c.final_summary();

    if !measuring {
        return;
    }
    let mut table = Vec::new();
    for (group, view, hand) in GROUPS {
        table.push(Row::criterion(group, view, since));
        table.push(Row::criterion(group, hand, since));
    }
    if table.iter().all(|r| r.time.is_none()) {
        return;
    }
    common::report(
        "strided",
        "strided iteration, 4096 x 4096 f32 (anonymous map), sum of the elements",
        "contiguous_raw_slice",
        &table,
        &[
            Target {
                numerator: "contiguous_view_iter",
                denominator: "contiguous_raw_slice",
                limit: 1.0,
            },
            Target {
                numerator: "transposed_view_iter",
                denominator: "transposed_hand",
                limit: 1.3,
            },
            Target {
                numerator: "sliced_view_iter",
                denominator: "sliced_hand",
                limit: 1.3,
            },
        ],
        &[
            "criterion rows: mean and its 95% confidence interval (flat sampling, 20 samples)",
            "*_hand: nested loops with index arithmetic (bounds-checked) over m.as_slice(), \
             shape passed through black_box",
            "transposed: a.T, i.e. a column walk with a 16 KiB stride; sliced: a[::2, 1::3] \
             (2048 x 1365 elements)",
        ],
    );
}
