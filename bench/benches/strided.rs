//! Strided N-d iteration over a 4096 x 4096 f32 array in an anonymous map:
//! the transposed view `a.T` and the sliced view `a[::2, 1::3]` summed through
//! mmarray's iterator, beside nested loops that walk the same strides by hand
//! over the `&[f32]`; and the contiguous view's iterator beside the raw slice.
//!
//! Every pair adds the same elements in the same order (the sums are checked
//! to be bit-identical before measuring). A last, informational group
//! (`index_2d`) times one index expression in a loop: `m[[i, j]]` on the map,
//! `v[[i, j]]` on a view, `d[i * cols + j]` on the slice.
//!
//! Run: `cargo bench -p mmarray-bench --bench strided`. The tables of ratios
//! are printed at the end and saved as `target/criterion/mmarray-strided.md`
//! and `target/criterion/mmarray-index.md`.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, SamplingMode};
use mmarray_std::{Memmap, ReadWrite, Slice};

#[allow(dead_code, reason = "each bench binary uses part of the helpers")]
mod common;

use common::{Row, Target};

type Map = Memmap<f32, [usize; 2], ReadWrite>;

/// The two ways the elements are consumed. `f32` addition in order is bound
/// by the latency of each add (about 1 ns per element), which can hide a few
/// cycles of per-element overhead in an iterator; a wrapping sum of the bit
/// patterns is associative, so the compiler may unroll and vectorize it, and
/// per-element overhead shows.
fn add_f32(acc: f32, x: &f32) -> f32 {
    acc + x
}

fn add_bits(acc: u32, x: &f32) -> u32 {
    acc.wrapping_add(x.to_bits())
}

fn contiguous_view<A>(m: &Map, init: A, f: impl FnMut(A, &f32) -> A) -> A {
    m.view().iter().fold(init, f)
}

fn contiguous_raw<A>(d: &[f32], init: A, f: impl FnMut(A, &f32) -> A) -> A {
    d.iter().fold(init, f)
}

/// numpy's `a.T`.
fn transposed_view<A>(m: &Map, init: A, f: impl FnMut(A, &f32) -> A) -> A {
    m.view().t().iter().fold(init, f)
}

/// `a.T` in logical order by hand: column j of `a` is row j of `a.T`.
fn transposed_hand<A>(
    d: &[f32],
    rows: usize,
    cols: usize,
    init: A,
    mut f: impl FnMut(A, &f32) -> A,
) -> A {
    let mut acc = init;
    for j in 0..cols {
        for i in 0..rows {
            acc = f(acc, &d[i * cols + j]);
        }
    }
    acc
}

/// numpy's `a[::2, 1::3]`.
fn sliced_view<A>(m: &Map, init: A, f: impl FnMut(A, &f32) -> A) -> A {
    let v = m
        .view()
        .slice(&[Slice::full().step_by(2), Slice::from(1..).step_by(3)])
        .expect("valid slices");
    v.iter().fold(init, f)
}

/// `a[::2, 1::3]` by hand.
fn sliced_hand<A>(
    d: &[f32],
    rows: usize,
    cols: usize,
    init: A,
    mut f: impl FnMut(A, &f32) -> A,
) -> A {
    let mut acc = init;
    let mut i = 0;
    while i < rows {
        let mut j = 1;
        while j < cols {
            acc = f(acc, &d[i * cols + j]);
            j += 3;
        }
        i += 2;
    }
    acc
}

/// Element by element in C order through `m[[i, j]]` (the map's `Index`).
fn index_memmap(m: &Map, rows: usize, cols: usize) -> u32 {
    let mut acc = 0u32;
    for i in 0..rows {
        for j in 0..cols {
            acc = add_bits(acc, &m[[i, j]]);
        }
    }
    acc
}

/// Element by element through a view's `Index`, the view made once.
fn index_view(m: &Map, rows: usize, cols: usize) -> u32 {
    let v = m.view();
    let mut acc = 0u32;
    for i in 0..rows {
        for j in 0..cols {
            acc = add_bits(acc, &v[[i, j]]);
        }
    }
    acc
}

/// Element by element by hand: `d[i * cols + j]`.
fn index_hand(d: &[f32], rows: usize, cols: usize) -> u32 {
    let mut acc = 0u32;
    for i in 0..rows {
        for j in 0..cols {
            acc = add_bits(acc, &d[i * cols + j]);
        }
    }
    acc
}

/// The layouts: criterion group, the view's function name, the hand walk's.
const LAYOUTS: [(&str, &str); 3] = [
    ("strided_contiguous", "raw_slice"),
    ("strided_transposed", "hand"),
    ("strided_sliced", "hand"),
];

fn main() {
    let since = SystemTime::now();
    let measuring = common::measuring();
    let (rows, cols) = if measuring { (4096, 4096) } else { (64, 96) };
    let mut m = Map::anonymous([rows, cols]).expect("anonymous map");
    // Fill every page, so that no read lands on the shared zero page.
    for (i, x) in m.as_mut_slice().iter_mut().enumerate() {
        *x = common::value(i);
    }
    let m = m;

    // Same elements in the same order: bit-identical results.
    let d = m.as_slice();
    let f32s = |a: f32, b: f32| assert_eq!(a.to_bits(), b.to_bits());
    f32s(
        contiguous_view(&m, 0.0, add_f32),
        contiguous_raw(d, 0.0, add_f32),
    );
    f32s(
        transposed_view(&m, 0.0, add_f32),
        transposed_hand(d, rows, cols, 0.0, add_f32),
    );
    f32s(
        sliced_view(&m, 0.0, add_f32),
        sliced_hand(d, rows, cols, 0.0, add_f32),
    );
    assert_eq!(
        transposed_view(&m, 0, add_bits),
        contiguous_raw(d, 0, add_bits)
    );
    let bits = contiguous_raw(d, 0, add_bits);
    assert_eq!(index_memmap(&m, rows, cols), bits);
    assert_eq!(index_view(&m, rows, cols), bits);
    assert_eq!(index_hand(d, rows, cols), bits);
    assert_eq!(
        sliced_view(&m, 0, add_bits),
        sliced_hand(d, rows, cols, 0, add_bits)
    );

    let mut c = Criterion::default().configure_from_args();
    for (group, _) in LAYOUTS {
        let mut g = c.benchmark_group(group);
        g.sampling_mode(SamplingMode::Flat)
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(2));
        let (r, k) = (black_box(rows), black_box(cols));
        match group {
            "strided_contiguous" => {
                g.bench_function("view_iter_f32_sum", |b| {
                    b.iter(|| contiguous_view(black_box(&m), 0.0, add_f32))
                });
                g.bench_function("raw_slice_f32_sum", |b| {
                    b.iter(|| contiguous_raw(black_box(m.as_slice()), 0.0, add_f32))
                });
                g.bench_function("view_iter_bits_sum", |b| {
                    b.iter(|| contiguous_view(black_box(&m), 0, add_bits))
                });
                g.bench_function("raw_slice_bits_sum", |b| {
                    b.iter(|| contiguous_raw(black_box(m.as_slice()), 0, add_bits))
                });
            }
            "strided_transposed" => {
                g.bench_function("view_iter_f32_sum", |b| {
                    b.iter(|| transposed_view(black_box(&m), 0.0, add_f32))
                });
                g.bench_function("hand_f32_sum", |b| {
                    b.iter(|| transposed_hand(black_box(m.as_slice()), r, k, 0.0, add_f32))
                });
                g.bench_function("view_iter_bits_sum", |b| {
                    b.iter(|| transposed_view(black_box(&m), 0, add_bits))
                });
                g.bench_function("hand_bits_sum", |b| {
                    b.iter(|| transposed_hand(black_box(m.as_slice()), r, k, 0, add_bits))
                });
            }
            _ => {
                g.bench_function("view_iter_f32_sum", |b| {
                    b.iter(|| sliced_view(black_box(&m), 0.0, add_f32))
                });
                g.bench_function("hand_f32_sum", |b| {
                    b.iter(|| sliced_hand(black_box(m.as_slice()), r, k, 0.0, add_f32))
                });
                g.bench_function("view_iter_bits_sum", |b| {
                    b.iter(|| sliced_view(black_box(&m), 0, add_bits))
                });
                g.bench_function("hand_bits_sum", |b| {
                    b.iter(|| sliced_hand(black_box(m.as_slice()), r, k, 0, add_bits))
                });
            }
        }
        g.finish();
    }
    {
        // Informational: the cost of one index expression, in a loop.
        let mut g = c.benchmark_group("index_2d");
        g.sampling_mode(SamplingMode::Flat)
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(2));
        let (r, k) = (black_box(rows), black_box(cols));
        g.bench_function("memmap_index", |b| {
            b.iter(|| index_memmap(black_box(&m), r, k))
        });
        g.bench_function("view_index", |b| b.iter(|| index_view(black_box(&m), r, k)));
        g.bench_function("slice_index", |b| {
            b.iter(|| index_hand(black_box(m.as_slice()), r, k))
        });
        g.finish();
    }
    c.final_summary();

    if !measuring {
        return;
    }
    let mut table = Vec::new();
    let mut targets = Vec::new();
    for (group, hand) in LAYOUTS {
        let limit = if hand == "raw_slice" { 1.0 } else { 1.3 };
        for sum in ["f32_sum", "bits_sum"] {
            let view = format!("view_iter_{sum}");
            let hand = format!("{hand}_{sum}");
            table.push(Row::criterion(group, &view, since));
            table.push(Row::criterion(group, &hand, since));
            targets.push(Target::new(
                &format!("{group}/{view}"),
                &format!("{group}/{hand}"),
                limit,
            ));
        }
    }
    let index_rows: Vec<Row> = ["memmap_index", "view_index", "slice_index"]
        .iter()
        .map(|f| Row::criterion("index_2d", f, since))
        .collect();
    if table.iter().chain(&index_rows).all(|r| r.time.is_none()) {
        return;
    }
    // The same pairs again, interleaved round by round (see open.rs), in the
    // order of the table above.
    let (r, k) = (rows, cols);
    let routines: [&dyn Fn() -> u32; 12] = [
        &|| contiguous_view(black_box(&m), 0.0, add_f32).to_bits(),
        &|| contiguous_raw(black_box(m.as_slice()), 0.0, add_f32).to_bits(),
        &|| contiguous_view(black_box(&m), 0, add_bits),
        &|| contiguous_raw(black_box(m.as_slice()), 0, add_bits),
        &|| transposed_view(black_box(&m), 0.0, add_f32).to_bits(),
        &|| {
            transposed_hand(
                black_box(m.as_slice()),
                black_box(r),
                black_box(k),
                0.0,
                add_f32,
            )
            .to_bits()
        },
        &|| transposed_view(black_box(&m), 0, add_bits),
        &|| {
            transposed_hand(
                black_box(m.as_slice()),
                black_box(r),
                black_box(k),
                0,
                add_bits,
            )
        },
        &|| sliced_view(black_box(&m), 0.0, add_f32).to_bits(),
        &|| {
            sliced_hand(
                black_box(m.as_slice()),
                black_box(r),
                black_box(k),
                0.0,
                add_f32,
            )
            .to_bits()
        },
        &|| sliced_view(black_box(&m), 0, add_bits),
        &|| {
            sliced_hand(
                black_box(m.as_slice()),
                black_box(r),
                black_box(k),
                0,
                add_bits,
            )
        },
    ];
    let times = common::interleaved(&routines, 15, 1);
    let labels: Vec<String> = table.iter().map(|row| row.label.clone()).collect();
    for (label, t) in labels.iter().zip(times) {
        table.push(Row::external(&format!("interleaved/{label}"), Some(t)));
    }
    let pairs: Vec<(String, String, f64)> = targets
        .iter()
        .map(|t| (t.numerator.clone(), t.denominator.clone(), t.limit))
        .collect();
    for (a, b, limit) in pairs {
        targets.push(Target::new(
            &format!("interleaved/{a}"),
            &format!("interleaved/{b}"),
            limit,
        ));
    }
    common::report(
        "strided",
        "strided iteration, 4096 x 4096 f32 (anonymous map)",
        "strided_contiguous/raw_slice_f32_sum",
        &table,
        &targets,
        &[
            "criterion rows: mean and its 95% confidence interval (flat sampling, 20 samples)",
            "f32_sum: in-order f32 addition (latency-bound, ~1 ns per element); bits_sum: \
             wrapping u32 sum of the bit patterns (associative: unrolls/vectorizes, so \
             per-element overhead shows)",
            "hand: nested loops with index arithmetic (bounds-checked) over m.as_slice(), \
             shape passed through black_box; raw_slice: m.as_slice().iter()",
            "transposed: a.T, a column walk with a 16 KiB stride; sliced: a[::2, 1::3] \
             (2048 x 1365 elements)",
            "interleaved/*: the same routines timed round by round (15 rounds, one call \
             each, in turn): median and quartiles; steadier ratios under load",
            "targets: contiguous view iteration at most the raw slice's time (no \
             per-element cost), strided views within 1.3x of the hand walk",
        ],
    );
    common::report(
        "index",
        "element-by-element indexing in a loop, 4096 x 4096 f32, C order (informational)",
        "index_2d/view_index",
        &index_rows,
        &[],
        &[
            "criterion rows: mean and its 95% confidence interval (flat sampling, 20 samples)",
            "memmap_index: m[[i, j]] on the Memmap; view_index: v[[i, j]] on one view made \
             before the loop; slice_index: d[i * cols + j] on m.as_slice() (the compiler may \
             vectorize this one); all fold a wrapping u32 sum of the bit patterns",
        ],
    );
}
