//! The issue's scenario (issue 12, "Done when"): two writer processes append
//! `{t: u64, id: u32, value: f32}` rows through `writer(256)`; writer A is killed with
//! `SIGKILL` at a random point; writer B writes on and then waits with
//! `flush_until_durable(10 s)`; a real numpy polls the file with `np.load(path)` and
//! `np.load(path, mmap_mode='r')` during the whole run. Nobody calls `force_complete` or
//! `recover`: the living close the dead writer's hole.
//!
//! Checks: every poll parsed or was refused by numpy (never wrong rows; refusals counted);
//! polled shapes never decrease; void rows (by the mask numpy reads from the void bitmap)
//! are zero; at the end every row a writer reported committed is among numpy's valid rows
//! exactly once (by `(id, t)`); B's flush covered its rows.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use mmarray_std::RowLog;

use crate::support::numpy;
use crate::support::private;
use crate::support::rows::mix;

mmarray_std::record! {
    /// The issue's row.
    #[derive(PartialEq)]
    pub struct Tick {
        pub t: u64,
        pub id: u32,
        pub value: f32,
    }
}

/// The file a writer child joins; its absence means "not a child".
const ENV_PATH: &str = "MMARRAY_TICKS_PATH";
/// The child's writer id (1 = A, 2 = B).
const ENV_ID: &str = "MMARRAY_TICKS_ID";
/// Rows per writer.
const ROWS: u64 = 40_000;
/// The marker before every message a child sends its parent on stdout.
const MARK: &str = "TICKS ";

fn say(message: &str) {
    crate::support::messages::say(MARK, message);
}

fn value(id: u32, t: u64) -> f32 {
    (t % 1000) as f32 + id as f32 / 8.0
}

/// Appends `ticks` through `w`, publishing at random points and reporting each committed end.
fn tick(
    log: &RowLog<Tick>,
    w: &mut mmarray_std::Writer<'_, Tick>,
    id: u32,
    ticks: std::ops::Range<u64>,
) {
    let mut next_publish = ticks.start + 1 + mix(u64::from(id) ^ ticks.start) % 600;
    for t in ticks {
        w.push(Tick {
            t,
            id,
            value: value(id, t),
        })
        .unwrap();
        if t + 1 == next_publish {
            w.publish();
            say(&format!("committed {}", t + 1));
            next_publish = t + 2 + mix(u64::from(id) * 7919 + t) % 600;
            // Now and then a flush, so that numpy's shape (the durable rows) grows during the
            // run; and a little pacing, so that the poller sees many states.
            if next_publish.is_multiple_of(4) {
                log.flush().unwrap();
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }
}

/// The writer side: does nothing unless started by the scenario. Writer A (id 1) writes until
/// killed; writer B (id 2) writes half, waits for the go-ahead, writes the rest, drops its
/// writer and waits until its rows are durable.
#[test]
fn ticking_child() {
    let Some(path) = std::env::var_os(ENV_PATH) else {
        return;
    };
    let id: u32 = std::env::var(ENV_ID).unwrap().parse().unwrap();
    // SAFETY: only row logs of `Tick`, in the parent test and its children, use the file.
    let log = unsafe { RowLog::<Tick>::open(&path) }.unwrap();
    let mut w = log.writer(256);
    if id == 1 {
        tick(&log, &mut w, id, 0..ROWS);
        say("done");
        // Not killed yet: hold the last chunk until killed (a minute at most).
        w.push(Tick {
            t: ROWS,
            id,
            value: value(id, ROWS),
        })
        .unwrap();
        std::thread::sleep(Duration::from_secs(60));
        panic!("writer A was not killed");
    }
    tick(&log, &mut w, id, 0..ROWS / 2);
    say("half");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    tick(&log, &mut w, id, ROWS / 2..ROWS);
    drop(w); // publishes the rest
    say(&format!("committed {ROWS}"));
    let flushed = log.flush_until_durable(Duration::from_secs(10)).unwrap();
    say(&format!(
        "flushed {} {} {}",
        flushed.covers_mine(),
        flushed.durable,
        flushed.mine
    ));
}

fn spawn_writer(path: &Path, id: u32) -> std::process::Child {
    let module = module_path!()
        .split_once("::")
        .map_or("", |(_crate, rest)| rest);
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &format!("{module}::ticking_child"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV_PATH, path)
        .env(ENV_ID, id.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The next message of a child, or `None` when its output ended.
fn next_message(out: &mut impl BufRead) -> Option<String> {
    let mut line = String::new();
    loop {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            return None;
        }
        if let Some(message) = crate::support::messages::heard(&line, MARK) {
            return Some(message.to_owned());
        }
    }
}

/// The numpy poller: loads the file both ways until `stop` exists, checking each load, then
/// writes the `(id, t)` of every valid row of a final load to `out` (little-endian `u64`
/// pairs) and prints its counts.
const POLLER: &str = r#"
import os, re, sys
import numpy as np
path, stop, out = sys.argv[1], sys.argv[2], sys.argv[3]

def void_mask(n):
    with open(path, 'rb') as f:
        head = f.read(4096)
    v = int(re.search(rb'void bitmap at byte (\d+)', head).group(1))
    if n == 0:
        return np.zeros(0, bool)
    bits = np.memmap(path, np.uint8, 'r', offset=v, shape=((n + 7) // 8,))
    return np.unpackbits(bits, bitorder='little')[:n].astype(bool)

last, polls, refused = 0, 0, 0
np.load(path)
print('READY', flush=True)
while True:
    finished = os.path.exists(stop)
    for mode in (None, 'r'):
        try:
            a = np.load(path, mmap_mode=mode)
        except ValueError:
            refused += 1
            continue
        n = len(a)
        assert n >= last, f'shape went down from {last} to {n}'
        last, polls = n, polls + 1
        void = void_mask(n)
        z = a[void]
        assert not (z['t'].any() or z['id'].any() or z['value'].any()), 'a void row is not zero'
        assert set(np.unique(a[~void]['id'])) <= {1, 2}, 'a valid row of no writer'
    if finished:
        break
a = np.load(path)
void = void_mask(len(a))
valid = a[~void]
np.stack([valid['id'].astype('<u8'), valid['t'].astype('<u8')], 1).astype('<u8').tofile(out)
assert polls > 0, 'numpy parsed no poll'
assert refused <= polls, f'numpy refused {refused} loads of {refused + polls}'
print('POLLS', polls, 'REFUSED', refused, 'ROWS', len(a), 'VALID', len(valid), 'VOID', int(void.sum()))
"#;

#[test]
fn a_killed_writer_does_not_cost_the_survivor_or_numpy_anything() {
    let Some(python) = numpy::python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ticks.npy");
    let (stop, out) = (dir.path().join("stop"), dir.path().join("valid.u64"));
    // The parent makes the file and stays joined, but writes, flushes and repairs nothing.
    let log = private!(RowLog::<Tick>::create(&path, 3 * ROWS)).unwrap();

    let mut poller = Command::new(&python)
        .args(["-c", POLLER])
        .args([&path, &stop, &out])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The writers start once numpy polls.
    let mut poller_out = BufReader::new(poller.stdout.take().unwrap());
    let mut ready = String::new();
    poller_out.read_line(&mut ready).unwrap();
    assert_eq!(ready.trim(), "READY", "the poller did not start");
    let mut a = spawn_writer(&path, 1);
    let mut b = spawn_writer(&path, 2);
    let mut a_out = BufReader::new(a.stdout.take().unwrap());
    let mut b_out = BufReader::new(b.stdout.take().unwrap());
    let mut b_committed = 0u64;
    loop {
        match next_message(&mut b_out) {
            Some(m) if m.starts_with("committed ") => {
                b_committed = m["committed ".len()..].parse().unwrap();
            }
            Some(m) if m == "half" => break,
            other => panic!("writer B: {other:?}"),
        }
    }

    // Kill A after a random number of its commits (its current chunk is claimed, part-filled).
    let seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
    let kill_after = 1 + mix(seed) % 30;
    eprintln!("seed {seed}: killing A after {kill_after} reported commits");
    let mut a_committed = 0u64;
    for _ in 0..kill_after {
        match next_message(&mut a_out) {
            Some(m) if m.starts_with("committed ") => {
                a_committed = m["committed ".len()..].parse().unwrap();
            }
            _ => break,
        }
    }
    a.kill().unwrap();
    a.wait().unwrap();
    // Whatever A reported before it died counts too.
    while let Some(m) = next_message(&mut a_out) {
        if let Some(end) = m.strip_prefix("committed ") {
            a_committed = end.parse().unwrap();
        }
    }

    b.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let flushed = loop {
        match next_message(&mut b_out) {
            Some(m) if m.starts_with("committed ") => {
                b_committed = m["committed ".len()..].parse().unwrap();
            }
            Some(m) if m.starts_with("flushed ") => break m,
            other => panic!("writer B: {other:?}"),
        }
    };
    assert!(b.wait().unwrap().success());
    assert_eq!(b_committed, ROWS);
    assert!(
        flushed.starts_with("flushed true "),
        "B's flush did not cover its rows: {flushed}"
    );

    std::fs::write(&stop, b"").unwrap();
    let mut report = String::new();
    std::io::Read::read_to_string(&mut poller_out, &mut report).unwrap();
    let poller = poller.wait_with_output().unwrap();
    assert!(
        poller.status.success(),
        "the numpy poller failed:\n{}",
        String::from_utf8_lossy(&poller.stderr)
    );
    eprintln!("numpy: {}", report.trim());

    // Every reported commit exactly once among numpy's valid rows; nothing twice at all.
    let bytes = std::fs::read(&out).unwrap();
    let mut seen = std::collections::HashMap::<(u64, u64), u32>::new();
    for pair in bytes.chunks_exact(16) {
        let id = u64::from_le_bytes(pair[..8].try_into().unwrap());
        let t = u64::from_le_bytes(pair[8..].try_into().unwrap());
        *seen.entry((id, t)).or_default() += 1;
    }
    assert!(seen.values().all(|&n| n == 1), "a row is present twice");
    for t in 0..a_committed {
        assert_eq!(seen.get(&(1, t)), Some(&1), "A's committed row {t}");
    }
    for t in 0..b_committed {
        assert_eq!(seen.get(&(2, t)), Some(&1), "B's committed row {t}");
    }
    // And the log agrees with numpy: the watermark passed the dead writer's hole.
    assert_eq!(log.committed(), log.claimed());
}
