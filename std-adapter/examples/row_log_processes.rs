//! Several writer processes append to one row log file at once, without a lock; numpy
//! then loads the file as the plain `.npy` it is: `np.load(path)` gives the durable rows,
//! and the void bitmap (`np.memmap` + `np.unpackbits`) the mask of the ones that are data.
//!
//! Run with `cargo run --release -p mmarray-std --example row_log_processes`. The
//! example starts itself again as the writer processes. numpy is taken from
//! `$MMARRAY_PYTHON` (a python with numpy), else `python3`; without numpy the reader
//! step is skipped, with a note.

use std::path::Path;
use std::process::Command;

use mmarray_std::RowLog;

mmarray_std::record! {
    /// A row: which writer wrote it, its sequence number there, and a payload.
    struct Row {
        writer: u64,
        seq: u64,
        payload: u64,
    }
}

const WRITERS: u64 = 4;
const ROWS_PER_WRITER: u64 = 1000;
/// Room for every row plus the unused ends of the writers' last chunks.
const CAPACITY: u64 = WRITERS * ROWS_PER_WRITER + WRITERS * CHUNK;
/// Rows a buffered writer claims at once.
const CHUNK: u64 = 64;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, role, id, path] = &args[..]
        && role == "writer"
    {
        return write_rows(id.parse()?, Path::new(path));
    }

    let dir = std::env::temp_dir().join(format!("mmarray-row-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("events.npy");
    let result = run(&path);
    std::fs::remove_dir_all(&dir)?;
    result
}

fn run(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    // SAFETY: the file is this example's; it changes only through row logs of `Row`
    // and this capacity (here and in the writer processes), and nothing truncates it.
    let log = unsafe { RowLog::<Row>::create(path, CAPACITY) }?;
    println!(
        "created {} ({} rows of {} bytes; rows start at byte {})",
        path.display(),
        log.capacity(),
        size_of::<Row>(),
        RowLog::<Row>::header_len().ok_or("header too large")?
    );

    let exe = std::env::current_exe()?;
    let children = (1..=WRITERS)
        .map(|id| {
            Command::new(&exe)
                .args(["writer", &id.to_string()])
                .arg(path)
                .spawn()
        })
        .collect::<Result<Vec<_>, _>>()?;
    for mut child in children {
        let status = child.wait()?;
        if !status.success() {
            return Err(format!("a writer process failed: {status}").into());
        }
    }

    let durable = log.flush()?.durable;
    let w = log.watermarks();
    println!(
        "{WRITERS} processes wrote {ROWS_PER_WRITER} rows each: claimed {}, committed {}, durable {durable}",
        log.claimed(),
        w.committed
    );
    // Unused ends of chunks that could not be given back (another writer had claimed after
    // them) are void rows: `valid_rows` skips them, so no sentinel value is needed.
    let valid = log.count_valid();
    assert_eq!(valid, WRITERS * ROWS_PER_WRITER);
    assert!(log.valid_rows().all(|(_, row)| row.writer >= 1));
    println!(
        "in this process: {valid} valid rows, {} void (unused chunk ends), first {:?}",
        w.committed - valid,
        log.valid_rows().next().map(|(_, row)| row)
    );
    let void_at = log.void_offset();
    drop(log);

    read_with_numpy(path, void_at)
}

/// One writer process: opens the log and appends its rows through a buffered writer.
fn write_rows(id: u64, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    // SAFETY: as in `run`: the log's bytes change only through row logs of `Row` and
    // this capacity; the parent created it before starting the writers.
    let log = unsafe { RowLog::<Row>::open(path) }?;
    let mut w = log.writer(CHUNK);
    for seq in 0..ROWS_PER_WRITER {
        w.push(Row {
            writer: id,
            seq,
            payload: id * 1_000_000 + seq * seq,
        })?;
    }
    w.publish();
    Ok(())
}

/// numpy loads the file as a `.npy`: the header names the durable rows (here all of them,
/// after the final flush) and their record dtype; the void bitmap at byte `void_at` (which
/// the header's comment names too) is the mask of the rows that are data.
fn read_with_numpy(path: &Path, void_at: u64) -> Result<(), Box<dyn std::error::Error>> {
    let python = std::env::var("MMARRAY_PYTHON").unwrap_or_else(|_| "python3".into());
    let has_numpy = Command::new(&python)
        .args(["-c", "import numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_numpy {
        println!("numpy reader skipped: {python} has no numpy (set MMARRAY_PYTHON)");
        return Ok(());
    }
    let script = format!(
        r#"
import sys, numpy as np
path, V = sys.argv[1], int(sys.argv[2])
a = np.load(path, mmap_mode="r")
void = np.unpackbits(np.memmap(path, np.uint8, "r", offset=V, shape=((len(a) + 7) // 8,)),
                     bitorder="little")[:len(a)].astype(bool)
valid = a[~void]
print("numpy:", len(a), "durable rows of", a.dtype, "-", len(valid), "valid,", int(void.sum()), "void")
print("numpy: per writer:", np.bincount(valid["writer"], minlength={WRITERS} + 1)[1:].tolist())
assert len(valid) == {WRITERS} * {ROWS_PER_WRITER}
for w in range(1, {WRITERS} + 1):
    mine = valid[valid["writer"] == w]
    assert np.array_equal(np.sort(mine["seq"]), np.arange({ROWS_PER_WRITER})), w
    assert np.array_equal(mine["payload"], w * 1_000_000 + mine["seq"] ** 2), w
print("numpy: every writer's rows are all there, each once, with its payload")
"#
    );
    let status = Command::new(&python)
        .args(["-c", &script])
        .arg(path)
        .arg(void_at.to_string())
        .status()?;
    if !status.success() {
        return Err(format!("the numpy reader failed: {status}").into());
    }
    Ok(())
}
