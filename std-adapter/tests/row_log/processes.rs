//! `RowLog` across processes: child processes (this test binary, re-executed) join one file
//! through its in-file claims header and append rows; one of them is killed with SIGKILL
//! while it holds a claim. The others carry on, the file stays readable up to the committed
//! watermark, the living close the dead writer's hole (no supervisor, no `unsafe` call), and
//! every row is in the file exactly once.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use mmarray_std::RowLog;

use crate::support::rows::{Row, mix};
use zerocopy::FromBytes;

/// The file a child joins; its absence means "not a child".
const ENV_PATH: &str = "MMARRAY_ROWLOG_PATH";
/// The child's writer id.
const ENV_ID: &str = "MMARRAY_ROWLOG_ID";
/// `writer` or `victim`.
const ENV_ROLE: &str = "MMARRAY_ROWLOG_ROLE";
/// Rows the child appends.
const ENV_ROWS: &str = "MMARRAY_ROWLOG_ROWS";
/// Rows the victim claims and never commits.
const HOLD: u64 = 5;
/// The marker before every message a child sends its parent on stdout.
const MARK: &str = "ROWLOG ";

/// Appends rows `seqs` for writer `id`, in claims of 1..=3 rows, flushing now and then.
fn append(log: &RowLog<Row>, id: u64, seqs: std::ops::Range<u64>) {
    let mut seq = seqs.start;
    while seq < seqs.end {
        let want = (mix(id * 1_000_003 + seq) % 3 + 1).min(seqs.end - seq);
        let mut rows = log.claim(want).expect("capacity fits every writer's rows");
        let start = rows.rows().start;
        for (i, slot) in rows.iter_mut().enumerate() {
            *slot = Row::new(start + i as u64, id, seq);
            seq += 1;
        }
        rows.commit();
        if seq % 256 < want {
            log.flush().expect("flush");
        }
    }
}

fn say(message: &str) {
    crate::support::messages::say(MARK, message);
}

/// The child side: does nothing unless started by `spawn_child`.
#[test]
fn child_writer() {
    let Some(path) = std::env::var_os(ENV_PATH) else {
        return;
    };
    let var = |name| std::env::var(name).unwrap();
    let id: u64 = var(ENV_ID).parse().unwrap();
    let rows: u64 = var(ENV_ROWS).parse().unwrap();
    // SAFETY: only row logs of `Row`, in the parent and its children, use the file.
    let log = unsafe { RowLog::<Row>::open(&path) }.unwrap();
    match var(ENV_ROLE).as_str() {
        "writer" => {
            append(&log, id, 0..rows / 2);
            say("half");
            // Wait for the parent's go-ahead (EOF, should the parent die, also goes on).
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).unwrap();
            append(&log, id, rows / 2..rows);
            say("done");
        }
        "victim" => {
            append(&log, id, 0..rows);
            let mut held = log.claim(HOLD).unwrap();
            held[0] = Row::new(held.rows().start, id, rows); // half-written
            say(&format!(
                "holding {} {}",
                held.rows().start,
                held.rows().end
            ));
            // Hold the claim until killed; give up after a minute so nothing hangs forever.
            std::thread::sleep(std::time::Duration::from_secs(60));
            std::mem::forget(held);
            panic!("the victim was not killed");
        }
        role => panic!("unknown role {role}"),
    }
}

/// The name the test harness knows `child_writer` by: its path inside this test binary
/// (`processes::child_writer`), which `--exact` needs.
fn child_test() -> String {
    let module = module_path!()
        .split_once("::")
        .map_or("", |(_crate, rest)| rest);
    format!("{module}::child_writer")
}

fn spawn_child(path: &Path, id: u64, role: &str, rows: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &child_test(), "--nocapture", "--test-threads=1"])
        .env(ENV_PATH, path)
        .env(ENV_ID, id.to_string())
        .env(ENV_ROLE, role)
        .env(ENV_ROWS, rows.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads the child's stdout up to its next message and returns the message.
fn next_message(out: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert_ne!(
            out.read_line(&mut line).unwrap(),
            0,
            "the child ended before saying anything"
        );
        if let Some(message) = crate::support::messages::heard(&line, MARK) {
            return message.to_owned();
        }
    }
}

/// Every committed row is complete at its position.
/// Every committed row is complete at its position, except the rows of `void`, which read as
/// zeros (the dead writer's closed hole).
fn assert_readable(log: &RowLog<Row>, void: &std::ops::Range<u64>) {
    for (position, row) in log.committed_rows().iter().enumerate() {
        let position = position as u64;
        if void.contains(&position) {
            assert_eq!(
                *row,
                Row::ZERO,
                "row {position} of the closed hole {void:?}"
            );
        } else {
            assert!(
                row.is_complete_at(position),
                "row {position}: {row:?} (the closed hole: {void:?})"
            );
        }
    }
}

#[test]
fn processes_append_and_survive_a_killed_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.log");
    let (writers, rows_each, victim_rows) = (3u64, 3000u64, 500u64);
    let capacity = writers * rows_each + victim_rows + HOLD;
    // SAFETY: only row logs of `Row`, in this process and its children, use the file.
    let log = unsafe { RowLog::<Row>::create(&path, capacity) }.unwrap();

    let mut children: Vec<Child> = (0..writers)
        .map(|id| spawn_child(&path, id, "writer", rows_each))
        .collect();
    let mut victim = spawn_child(&path, writers, "victim", victim_rows);
    let mut outs: Vec<_> = children
        .iter_mut()
        .map(|c| BufReader::new(c.stdout.take().unwrap()))
        .collect();
    for out in &mut outs {
        assert_eq!(next_message(out), "half");
    }
    let mut victim_out = BufReader::new(victim.stdout.take().unwrap());
    let held = next_message(&mut victim_out);
    let hole: Vec<u64> = held
        .strip_prefix("holding ")
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    let hole = hole[0]..hole[1];
    assert_eq!(hole.end - hole.start, HOLD);

    // Kill the victim mid-claim.
    victim.kill().unwrap(); // SIGKILL
    assert_eq!(victim.wait().unwrap().signal(), Some(9));

    // Everything below the hole is complete. The hole's owner is dead: the first participant
    // that probes (`hole()` does at once) closes it, and the watermark moves past it.
    assert_eq!(log.hole(), None);
    assert_eq!(
        log.committed(),
        log.claimed(),
        "the writers' committed halves above the hole are readable"
    );
    assert!(log.committed() >= hole.end);
    assert_readable(&log, &hole);

    // The others carry on.
    for child in &mut children {
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    for out in &mut outs {
        assert_eq!(next_message(out), "done");
    }
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(log.claimed(), capacity, "every row was handed out");
    assert_eq!(
        log.committed(),
        capacity,
        "nothing waits for the dead writer"
    );
    assert_eq!(log.hole(), None);
    assert_eq!(log.flush().unwrap().durable, capacity);

    // A second handle in this process is refused (the children, other processes, joined);
    // the file's own bytes hold every committed row.
    // SAFETY: as above.
    let second = unsafe { RowLog::<Row>::open(&path) };
    assert!(matches!(
        second,
        Err(mmarray_std::Error::AlreadyOpen { .. })
    ));
    let bytes = std::fs::read(&path).unwrap();
    let offset = RowLog::<Row>::header_len().unwrap();
    let end = offset + capacity as usize * size_of::<Row>();
    let file_rows = <[Row]>::ref_from_bytes(&bytes[offset..end]).unwrap();
    for (position, row) in file_rows[..hole.start as usize].iter().enumerate() {
        assert!(
            row.is_complete_at(position as u64),
            "row {position}: {row:?}"
        );
    }

    let rows = log.committed_rows();
    assert_eq!(rows.len() as u64, capacity);

    // Every row exactly once, in the mapping and in the file's bytes.
    let bytes = std::fs::read(&path).unwrap();
    let offset = RowLog::<Row>::header_len().unwrap();
    let end = offset + capacity as usize * size_of::<Row>();
    let file_rows = <[Row]>::ref_from_bytes(&bytes[offset..end]).unwrap();
    assert_eq!(file_rows, rows);
    let mut seen = vec![vec![0u32; rows_each as usize]; writers as usize + 1];
    for (position, row) in file_rows.iter().enumerate() {
        let position = position as u64;
        if hole.contains(&position) {
            assert_eq!(*row, Row::ZERO, "the hole reads as zeros");
            continue;
        }
        assert!(row.is_complete_at(position), "row {position}: {row:?}");
        seen[row.writer as usize][row.seq as usize] += 1;
    }
    for (id, counts) in seen.iter().enumerate() {
        let expected = if id as u64 == writers {
            victim_rows
        } else {
            rows_each
        };
        assert!(
            counts[..expected as usize].iter().all(|&n| n == 1),
            "writer {id}"
        );
        assert!(
            counts[expected as usize..].iter().all(|&n| n == 0),
            "writer {id}"
        );
    }

    // After the processes ended, recovery (on the same boot) keeps every committed row.
    drop(log);
    // SAFETY: as above; no other process uses the file any more.
    let (recovered, report) = unsafe { RowLog::<Row>::recover(&path) }.unwrap();
    assert_eq!(
        (recovered.claimed(), recovered.committed(), report.kept),
        (capacity, capacity, capacity)
    );
    assert_readable(&recovered, &hole);
}
