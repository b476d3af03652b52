//! Shared by the benchmark binaries: where things live, the 1 GiB data file,
//! numpy timings through a python subprocess, and the ratio tables printed
//! after criterion has written its estimates.
//!
//! Every binary runs in one of two modes. Under `cargo bench` (criterion's
//! `--bench` flag, no `--test`) it uses the full-size data and prints a
//! report. Under `cargo test --benches` criterion runs each routine once as a
//! test; then the data is small, python is not run and nothing is reported,
//! so that the routines are exercised without costing seconds.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// Elements in the full-size data file: 2^28 f32 = 1 GiB.
pub const FULL_LEN: usize = 1 << 28;

/// Elements in the data file used when criterion only tests the routines.
pub const TEST_LEN: usize = 1 << 16;

/// Whether this run measures (`cargo bench`) rather than tests the routines
/// (`cargo test --benches`, `cargo bench -- --test`, `--list`, `--profile-time`).
pub fn measuring() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    has("--bench") && !has("--test") && !has("--list") && !has("--profile-time")
}

/// The workspace root (the adapter's manifest directory's parent).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cargo target directory: `$CARGO_TARGET_DIR`, else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target"),
    }
}

/// Where criterion writes its estimates, chosen as criterion chooses it:
/// `$CRITERION_HOME`, else `<target>/criterion`.
pub fn criterion_dir() -> PathBuf {
    match std::env::var_os("CRITERION_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => target_dir().join("criterion"),
    }
}

/// The deterministic contents of element `i` of the data file.
pub fn value(i: usize) -> f32 {
    (i % 1000) as f32
}

/// A file of `len` native-endian f32 values `value(i)` under
/// `<target>/bench-data/`, created once (buffered writes) and reused while it
/// has the right size. Read through once so that it is in the page cache.
pub fn data_file(len: usize) -> PathBuf {
    let dir = target_dir().join("bench-data");
    let path = dir.join(format!("f32-{len}.bin"));
    let bytes = (len * 4) as u64;
    let fresh = fs::metadata(&path)
        .map(|m| m.len() != bytes)
        .unwrap_or(true);
    if fresh {
        fs::create_dir_all(&dir).expect("create target/bench-data");
        // Write to a temporary name and rename, so an interrupted run never
        // leaves a file of the right size with the wrong contents.
        let tmp = dir.join(format!("f32-{len}.bin.tmp"));
        let mut w =
            BufWriter::with_capacity(1 << 20, File::create(&tmp).expect("create data file"));
        for i in 0..len {
            w.write_all(&value(i).to_ne_bytes())
                .expect("write data file");
        }
        w.into_inner()
            .expect("flush data file")
            .sync_all()
            .expect("sync data file");
        fs::rename(&tmp, &path).expect("rename data file");
    }
    page_in(&path);
    path
}

/// Reads the whole file once, so that its pages are cached, and checks the
/// head of it against `value`.
pub fn page_in(path: &Path) {
    let mut f = File::open(path).expect("open data file");
    let mut buf = vec![0u8; 1 << 20];
    let mut first = true;
    loop {
        let n = f.read(&mut buf).expect("read data file");
        if n == 0 {
            break;
        }
        if first {
            for (i, c) in buf[..n.min(4096)].chunks_exact(4).enumerate() {
                let x = f32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
                assert_eq!(x, value(i), "stale data file {}", path.display());
            }
            first = false;
        }
    }
}

/// The python to run numpy with: `$MMARRAY_PYTHON`, else
/// `<workspace>/target/venv/bin/python`, if it can import numpy. Returns the
/// interpreter and numpy's version, or why numpy is skipped.
pub fn numpy_python() -> Result<(PathBuf, String), String> {
    let python = match std::env::var_os("MMARRAY_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join("target/venv/bin/python"),
    };
    let out = Command::new(&python)
        .args(["-c", "import numpy; print(numpy.__version__)"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} cannot import numpy: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok((python, version))
}

/// The timeit driver: per-loop seconds of each repeat, one line.
const TIMEIT: &str = r#"
import sys, timeit
import numpy as np
setup, stmt, number, repeat, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
g = {"np": np, "path": path}
times = timeit.Timer(stmt, setup=setup, globals=g).repeat(repeat=repeat, number=number)
print(" ".join(repr(t / number) for t in times))
"#;

/// numpy's time for `stmt` (after `setup`; `np` and `path` are bound), from
/// `repeat` timeit runs of `number` loops each. `None` (with a printed
/// reason) when python or numpy is unavailable or the script fails.
pub fn numpy_time(
    setup: &str,
    stmt: &str,
    path: &Path,
    number: u32,
    repeat: u32,
) -> Option<Estimate> {
    let (python, version) = match numpy_python() {
        Ok(x) => x,
        Err(why) => {
            println!("numpy skipped: {why}");
            return None;
        }
    };
    println!("numpy {version}: timing `{stmt}` ({repeat} x {number} loops)");
    let out = Command::new(&python)
        .args(["-c", TIMEIT, setup, stmt])
        .arg(number.to_string())
        .arg(repeat.to_string())
        .arg(path)
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            println!(
                "numpy skipped: the timing script failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            println!("numpy skipped: cannot run {}: {e}", python.display());
            return None;
        }
    };
    let secs: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    Estimate::from_samples(&secs.iter().map(|s| s * 1e9).collect::<Vec<_>>())
}

/// A time per iteration in nanoseconds with a spread: criterion's estimate
/// and its 95% confidence interval, the mean and min..max of numpy's timeit
/// repeats, or the median and quartiles of [`interleaved`] rounds.
#[derive(Clone, Copy, Debug)]
pub struct Estimate {
    /// Time per iteration, ns.
    pub mean: f64,
    /// Lower end of the spread, ns.
    pub lo: f64,
    /// Upper end of the spread, ns.
    pub hi: f64,
}

impl Estimate {
    fn from_samples(ns: &[f64]) -> Option<Self> {
        if ns.is_empty() {
            return None;
        }
        let mean = ns.iter().sum::<f64>() / ns.len() as f64;
        let lo = ns.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ns.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Estimate { mean, lo, hi })
    }
}

/// Times `routines` interleaved: `rounds` rounds, each running every
/// routine `iters` times in turn, so that a change in the machine's load
/// (other builds on a shared machine) falls on all of them alike. Round `r`
/// starts with routine `r % n` (the order rotates), so that no routine always
/// runs right after the same one and inherits the writeback or cache state it
/// leaves. Per routine: the median over rounds of the time per iteration, with
/// the quartiles as the spread.
pub fn interleaved<T>(routines: &[&dyn Fn() -> T], rounds: usize, iters: usize) -> Vec<Estimate> {
    let n = routines.len();
    let mut per: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for i in (0..n).map(|j| (round + j) % n) {
            let start = std::time::Instant::now();
            for _ in 0..iters {
                std::hint::black_box(routines[i]());
            }
            per[i].push(start.elapsed().as_secs_f64() * 1e9 / iters as f64);
        }
    }
    per.into_iter()
        .map(|mut t| {
            t.sort_by(f64::total_cmp);
            let q = |k: usize| t[(t.len() - 1) * k / 4];
            Estimate {
                mean: q(2),
                lo: q(1),
                hi: q(3),
            }
        })
        .collect()
}

/// The number after `"key":` at or after `from` in `json`.
fn json_number(json: &str, from: usize, key: &str) -> Option<(f64, usize)> {
    let pat = format!("\"{key}\":");
    let at = from + json[from..].find(&pat)? + pat.len();
    let rest = json[at..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(rest.len());
    Some((rest[..end].parse().ok()?, at))
}

/// Criterion's estimate of the time per iteration of `<group>/<function>`
/// (the slope under linear sampling, else the mean) with its 95% confidence
/// interval, if that benchmark ran in this process (older results are ignored).
pub fn criterion_mean(group: &str, function: &str, since: SystemTime) -> Option<Estimate> {
    let path = criterion_dir()
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let modified = fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    if modified < since {
        return None;
    }
    let json = fs::read_to_string(&path).ok()?;
    // {"mean":{"confidence_interval":{"confidence_level":..,"lower_bound":..,
    //  "upper_bound":..},"point_estimate":..,"standard_error":..},"median":..}
    // Prefer the slope (linear sampling: robust to per-sample overhead, and
    // what criterion prints as "time"); flat sampling has none, so the mean.
    let at = json
        .find("\"slope\":{")
        .or_else(|| json.find("\"mean\":{"))?;
    let (lo, _) = json_number(&json, at, "lower_bound")?;
    let (hi, _) = json_number(&json, at, "upper_bound")?;
    let (mean, _) = json_number(&json, at, "point_estimate")?;
    Some(Estimate { mean, lo, hi })
}

/// One line of a report: a label and its time, if measured.
pub struct Row {
    /// What was measured.
    pub label: String,
    /// Its time.
    pub time: Option<Estimate>,
}

impl Row {
    /// A criterion benchmark `<group>/<function>` of this run, labelled so.
    pub fn criterion(group: &str, function: &str, since: SystemTime) -> Self {
        Row {
            label: format!("{group}/{function}"),
            time: criterion_mean(group, function, since),
        }
    }

    /// A time measured some other way (numpy).
    pub fn external(label: &str, time: Option<Estimate>) -> Self {
        Row {
            label: label.to_string(),
            time,
        }
    }
}

/// A target: `numerator / denominator` must be at most `limit`.
pub struct Target {
    /// The measured row's label.
    pub numerator: String,
    /// The reference row's label.
    pub denominator: String,
    /// The largest acceptable ratio.
    pub limit: f64,
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// The date (UTC) as YYYY-MM-DD, from the days since 1970-01-01.
fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Howard Hinnant's civil_from_days.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The machine, for the record: architecture, CPU model, cores, load.
pub fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    format!(
        "{} {}, {model}, {cores} cores, load {load} at the end",
        today(),
        std::env::consts::ARCH
    )
}

impl Target {
    /// `numerator / denominator <= limit`, rows named by label.
    pub fn new(numerator: &str, denominator: &str, limit: f64) -> Self {
        Target {
            numerator: numerator.to_string(),
            denominator: denominator.to_string(),
            limit,
        }
    }
}

/// Prints a markdown table of `rows` with each time's ratio to the
/// `baseline` row, then each target as met or missed, and saves the same text
/// as `<criterion dir>/mmarray-<name>.md`.
pub fn report(
    name: &str,
    title: &str,
    baseline: &str,
    rows: &[Row],
    targets: &[Target],
    notes: &[&str],
) {
    let find = |label: &str| rows.iter().find(|r| r.label == label).and_then(|r| r.time);
    let base = find(baseline);
    let mut out = String::new();
    out.push_str(&format!("\n### {title}\n\n{}\n\n", machine()));
    out.push_str(&format!(
        "| benchmark | mean | spread | ratio to {baseline} |\n|---|---:|---:|---:|\n"
    ));
    for r in rows {
        match r.time {
            Some(t) => {
                let ratio = base.map_or("-".to_string(), |b| format!("{:.3}", t.mean / b.mean));
                out.push_str(&format!(
                    "| {} | {} | {} .. {} | {ratio} |\n",
                    r.label,
                    fmt_ns(t.mean),
                    fmt_ns(t.lo),
                    fmt_ns(t.hi)
                ));
            }
            None => out.push_str(&format!("| {} | not run | | |\n", r.label)),
        }
    }
    out.push('\n');
    for t in targets {
        match (find(&t.numerator), find(&t.denominator)) {
            (Some(a), Some(b)) => {
                let ratio = a.mean / b.mean;
                // A mean ratio above the limit is not met, even when the spreads
                // overlap (the low end of the numerator's within the limit of the
                // high end of the denominator's): that is said beside it.
                let verdict = if ratio <= t.limit {
                    "met"
                } else if a.lo <= b.hi * t.limit {
                    "NOT MET; the intervals overlap, so a quieter run may meet it"
                } else {
                    "NOT MET"
                };
                out.push_str(&format!(
                    "- target {} / {} <= {:.2}: {ratio:.3} ({verdict})\n",
                    t.numerator, t.denominator, t.limit
                ));
            }
            _ => out.push_str(&format!(
                "- target {} / {} <= {:.2}: not measured\n",
                t.numerator, t.denominator, t.limit
            )),
        }
    }
    for n in notes {
        out.push_str(&format!("- {n}\n"));
    }
    println!("{out}");
    let path = criterion_dir().join(format!("mmarray-{name}.md"));
    if let Err(e) = fs::write(&path, &out) {
        println!("(could not save {}: {e})", path.display());
    }
}
