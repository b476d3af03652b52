//! K scattered f32 updates made durable in a 4 GiB, page-cached, mapped file (issue 8):
//! mmarray `write_at` + `flush`, `write_many` + `flush`, stores + `flush`, stores +
//! `flush_range` per update, memmap2 stores + `flush`, and the limit, raw `pwrite(2)` +
//! `fdatasync(2)`; also the bytes each scenario makes the kernel write (`write_bytes` of
//! `/proc/self/io`, counted when pages are dirtied).
//!
//! Run: `cargo bench -p mmarray-bench --bench writes`. The ratio table is printed at the end
//! and saved as `target/criterion/mmarray-writes.md`.

use std::fs::{File, OpenOptions};
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, SamplingMode};
use mmarray_std::{Ix1, Memmap, Options, ReadWrite};

#[allow(dead_code, reason = "each bench binary uses part of the helpers")]
mod common;

use common::{Row, Target};

/// 2^30 f32 = 4 GiB when measuring.
const FULL_LEN: usize = 1 << 30;

/// The scenarios, in table order.
const SCENARIOS: [&str; 6] = [
    "pwrite_fdatasync",
    "mmarray_write_at_flush",
    "mmarray_write_many_flush",
    "mmarray_stores_flush",
    "mmarray_stores_flush_range",
    "memmap2_stores_flush",
];

/// A file of `len` f32 written in full (real blocks, all in the page cache afterwards).
fn data_file(len: usize) -> PathBuf {
    let dir = common::target_dir().join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench-data dir");
    let path = dir.join(format!("writes-{len}.f32"));
    if std::fs::metadata(&path).map(|m| m.len()).ok() != Some((len * 4) as u64) {
        let mut w = BufWriter::with_capacity(1 << 22, File::create(&path).expect("create"));
        for i in 0..len {
            w.write_all(&common::value(i).to_ne_bytes()).expect("write");
        }
        w.into_inner().expect("flush").sync_all().expect("sync");
    }
    path
}

/// `write_bytes` of `/proc/self/io`.
fn write_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| {
                    l.strip_prefix("write_bytes: ")
                        .map(|v| v.trim().parse().ok())
                })
                .flatten()
        })
        .unwrap_or(0)
}

/// Sectors written to the device holding `path` so far (`/sys/dev/block/MAJ:MIN/stat`, field
/// 7), in bytes; `None` where it cannot be read. Counts every writer of the device.
fn device_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    let dev = std::fs::metadata(path).ok()?.dev();
    let major = rustix::fs::major(dev);
    let minor = rustix::fs::minor(dev);
    let stat = std::fs::read_to_string(format!("/sys/dev/block/{major}:{minor}/stat")).ok()?;
    let sectors: u64 = stat.split_whitespace().nth(6)?.parse().ok()?;
    Some(sectors * 512)
}

/// Everything the scenarios write through.
struct Targets {
    file: File,
    mm: Memmap<f32, Ix1, ReadWrite>,
    m2: memmap2::MmapMut,
    len: usize,
    seed: u64,
}

impl Targets {
    /// `k` positions spread over the whole file, different each call.
    fn positions(&mut self, k: usize) -> Vec<usize> {
        (0..k)
            .map(|_| {
                self.seed = self
                    .seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (self.seed >> 33) as usize % self.len
            })
            .collect()
    }

    fn run(&mut self, scenario: &str, k: usize) {
        let ps = self.positions(k);
        let v = (self.seed % 1000) as f32;
        match scenario {
            "pwrite_fdatasync" => {
                for &p in &ps {
                    self.file
                        .write_all_at(&v.to_ne_bytes(), (p * 4) as u64)
                        .expect("pwrite");
                }
                self.file.sync_data().expect("fdatasync");
            }
            "mmarray_write_at_flush" => {
                for &p in &ps {
                    self.mm.write_at(p, &[v]).expect("write_at");
                }
                self.mm.flush().expect("flush");
            }
            "mmarray_write_many_flush" => {
                self.mm
                    .write_many(ps.iter().map(|&p| (p, v)))
                    .expect("write_many");
                self.mm.flush().expect("flush");
            }
            "mmarray_stores_flush" => {
                let s = self.mm.as_mut_slice();
                for &p in &ps {
                    s[p] = v;
                }
                self.mm.flush().expect("flush");
            }
            "mmarray_stores_flush_range" => {
                let s = self.mm.as_mut_slice();
                for &p in &ps {
                    s[p] = v;
                }
                for &p in &ps {
                    self.mm.flush_range(p..p + 1).expect("flush_range");
                }
            }
            "memmap2_stores_flush" => {
                let s: &mut [f32] =
                    zerocopy::FromBytes::mut_from_bytes(&mut self.m2[..]).expect("cast");
                for &p in &ps {
                    s[p] = v;
                }
                self.m2.flush().expect("flush");
            }
            other => unreachable!("{other}"),
        }
        black_box(&self.mm);
    }
}

fn main() {
    let since = SystemTime::now();
    let measuring = common::measuring();
    let len = if measuring {
        FULL_LEN
    } else {
        common::TEST_LEN
    };
    let ks: &[usize] = if measuring {
        &[10, 100, 1000, 10_000]
    } else {
        &[10]
    };
    let path = data_file(len);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .expect("open");
    // SAFETY: the file is private to this benchmark; it is written only through these three
    // handles, one at a time (each scenario finishes its writes before the next starts), no
    // reference into either map is held across a write by another handle, and nothing
    // truncates it.
    let mm = unsafe { Options::<f32, Ix1>::new().open_read_write(&path) }.expect("mmarray");
    // SAFETY: as above.
    let m2 = unsafe { memmap2::MmapMut::map_mut(&file) }.expect("memmap2");
    let mut t = Targets {
        file,
        mm,
        m2,
        len,
        seed: 42,
    };
    // Every page in the page cache and mapped in both maps, as in a warm service.
    let mut reader = File::open(&path).expect("open");
    std::io::copy(&mut reader, &mut std::io::sink()).expect("read");
    let sum: f64 =
        t.mm.as_slice()
            .iter()
            .step_by(1024)
            .map(|&x| f64::from(x))
            .sum();
    let sum2: f64 = t.m2.chunks(4096).map(|c| f64::from(c[0])).sum();
    black_box((sum, sum2));

    // Bytes written per scenario and K: the page-cache accounting (`write_bytes`, whole
    // folios as they are dirtied) of one run, and what reached the device (the least of
    // three runs: other processes' writeback only adds).
    let mut bytes = Vec::new();
    for &k in ks {
        for s in SCENARIOS {
            t.run(s, k); // warm
            let before = write_bytes();
            t.run(s, k);
            let dirtied = write_bytes() - before;
            let device = (0..3)
                .filter_map(|_| {
                    let before = device_bytes(&path)?;
                    t.run(s, k);
                    Some(device_bytes(&path)? - before)
                })
                .min();
            bytes.push((k, s, dirtied, device));
        }
    }

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for &k in ks {
        let mut g = c.benchmark_group(format!("writes_{k}"));
        // Flat: ten runs of a second each at K = 10,000 instead of linear sampling's 55.
        g.sampling_mode(SamplingMode::Flat);
        for s in SCENARIOS {
            g.bench_function(s, |b| b.iter(|| t.run(s, k)));
        }
        g.finish();
    }
    c.final_summary();
    if !measuring {
        return;
    }
    for &k in ks {
        let group = format!("writes_{k}");
        let rows: Vec<Row> = SCENARIOS
            .iter()
            .map(|s| Row::criterion(&group, s, since))
            .collect();
        let num = |s: &str| format!("{group}/{s}");
        let raw = bytes
            .iter()
            .find(|x| x.0 == k && x.1 == "pwrite_fdatasync")
            .map_or((0, None), |x| (x.2, x.3));
        let mib = |b: u64| b as f64 / f64::from(1 << 20);
        let notes: Vec<String> = bytes
            .iter()
            .filter(|x| x.0 == k)
            .map(|&(_, s, dirtied, device)| {
                let device = match (device, raw.1) {
                    (Some(d), Some(r)) => {
                        format!("{:.2} MiB, {:.2}x raw", mib(d), d as f64 / r.max(1) as f64)
                    }
                    _ => "not read".into(),
                };
                format!(
                    "{s}: to the device {device}; dirtied {:.2} MiB (write_bytes), {:.2}x raw",
                    mib(dirtied),
                    dirtied as f64 / raw.0.max(1) as f64
                )
            })
            .collect();
        let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
        common::report(
            &format!("writes-{k}"),
            &format!("{k} scattered f32 updates made durable, 4 GiB mapped, page-cached file"),
            &num("pwrite_fdatasync"),
            &rows,
            &[
                Target::new(
                    &num("mmarray_write_at_flush"),
                    &num("pwrite_fdatasync"),
                    1.3,
                ),
                Target::new(
                    &num("mmarray_write_many_flush"),
                    &num("pwrite_fdatasync"),
                    1.0,
                ),
            ],
            &notes,
        );
    }

    // The close targets again, in interleaved rounds: criterion runs one scenario after
    // another, so writeback that one leaves behind lands in the next; rounds that run
    // each scenario once in turn spread that over all three alike. Median and quartiles.
    let cell = std::cell::RefCell::new(t);
    let targets = &cell;
    const CLOSE: [&str; 3] = [
        "pwrite_fdatasync",
        "mmarray_write_at_flush",
        "mmarray_write_many_flush",
    ];
    for &k in ks {
        // More rounds where a round is cheap: at K = 10 a round costs a few milliseconds and
        // the device's own spread between identical calls is ±40 % (bench/results/
        // 2026-12-02-writes-k10.md), so 21 rounds cannot separate a 15 % difference.
        let rounds = match k {
            0..=10 => 301,
            11..=100 => 101,
            101..=1_000 => 31,
            _ => 9,
        };
        let run = |s: &'static str| move || targets.borrow_mut().run(s, k);
        let (f0, f1, f2) = (run(CLOSE[0]), run(CLOSE[1]), run(CLOSE[2]));
        let est = common::interleaved(&[&f0, &f1, &f2], rounds, 1);
        let label = |s: &str| format!("interleaved_{k}/{s}");
        let rows: Vec<Row> = CLOSE
            .iter()
            .zip(&est)
            .map(|(s, e)| Row::external(&label(s), Some(*e)))
            .collect();
        common::report(
            &format!("writes-interleaved-{k}"),
            &format!(
                "{k} scattered f32 updates made durable, {rounds} interleaved rounds (median, quartiles)"
            ),
            &label(CLOSE[0]),
            &rows,
            &[
                Target::new(&label(CLOSE[1]), &label(CLOSE[0]), 1.3),
                Target::new(&label(CLOSE[2]), &label(CLOSE[0]), 1.0),
            ],
            &[],
        );
    }
}
