//! A writer killed after its completion bits reached the file but before its advance loop ran
//! leaves the committed watermark on a complete row: with the log full, no later commit moves
//! it. Joining processes, `hole`, `flush`, a refused `push` and `force_complete` advance it;
//! `recover` after a reboot (the boot id in the file another one) rewinds to the durable
//! watermark. The frozen state is crafted in a real file (the bits written by offset), and the
//! file's bytes are compared afterwards, up to the owner slots (which every joiner rewrites).

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::Path;

use mmarray::claim::{ClaimError, ClaimHeader};
use mmarray_std::{Error, Owner, RowLog};

use crate::support::private;

const CAPACITY: u64 = 8;
/// Where the claims region starts: after the 256-byte `.npy` header and 8 rows of 8 bytes,
/// at the next multiple of 4096 (checked in `frozen_file`).
const REGION: usize = 4096;
/// The committed watermark's bytes in the file.
const COMMITTED: usize = REGION + ClaimHeader::COMMITTED_OFFSET;
/// The tail and the durable watermark sit on either side of it (`ClaimHeader`'s layout table).
const TAIL: usize = COMMITTED - 8;
const DURABLE: usize = REGION + ClaimHeader::DURABLE_OFFSET;
/// The first word of the completion bitmap (rows 0..64).
const BITMAP: usize = REGION + ClaimHeader::LEN;
/// The boot id's two words (region words 10 and 11).
const BOOT: usize = REGION + 10 * 8;
/// The owner slot table: after the 16 header words and one word of each bitmap, at the next
/// multiple of 64 bytes.
const SLOTS: usize = REGION + 192;

/// The machine's boot id as the region stores it (low word first), read independently.
fn this_boot() -> [u64; 2] {
    let text = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let id = u128::from_str_radix(&text.trim().replace('-', ""), 16).unwrap();
    [id as u64, (id >> 64) as u64]
}

/// Makes the file's last session look like one of another boot (a machine crash since).
fn pretend_a_reboot(path: &Path) {
    let file = OpenOptions::new().write(true).open(path).unwrap();
    file.write_all_at(&[0; 16], BOOT as u64).unwrap();
}

fn word(bytes: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap())
}

fn set_word(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_ne_bytes());
}

/// Makes `path` a full log of 8 rows in the frozen state and returns its bytes: rows 0..4
/// committed (0..2 durable), rows 4..8 written by a writer whose completion bits are set, but
/// the committed watermark still at 4.
fn frozen_file(path: &Path) -> Vec<u8> {
    let region = mmarray::claim::Geometry::new(CAPACITY, 8)
        .with_header_len(RowLog::<u64>::header_len().unwrap() as u64)
        .region_offset();
    assert_eq!(region, Some(REGION as u64));
    let log = private!(RowLog::<u64>::create(path, CAPACITY)).unwrap();
    log.push(100).unwrap();
    log.push(101).unwrap();
    assert_eq!(log.flush().unwrap().durable, 2);
    log.push(102).unwrap();
    log.push(103).unwrap();
    let mut rows = log.claim(4).unwrap();
    for (i, slot) in rows.iter_mut().enumerate() {
        *slot = 104 + i as u64;
    }
    std::mem::forget(rows); // killed before its commit's advance loop ...
    drop(log);
    // ... but after setting its bits (rows 4..8): written by offset, with no log open.
    let file = OpenOptions::new().write(true).open(path).unwrap();
    file.write_all_at(&0xF0u64.to_ne_bytes(), BITMAP as u64)
        .unwrap();
    drop(file);
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        [word(&bytes, BOOT), word(&bytes, BOOT + 8)],
        this_boot(),
        "create stored the boot id"
    );
    assert_eq!(
        (
            word(&bytes, TAIL),
            word(&bytes, COMMITTED),
            word(&bytes, DURABLE),
            word(&bytes, BITMAP)
        ),
        (8, 4, 2, 0xF0),
        "the frozen state"
    );
    bytes
}

#[test]
fn joining_moves_a_watermark_a_dead_committer_froze() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frozen.log");
    let frozen = frozen_file(&path);

    let mut log = private!(RowLog::<u64>::open(&path)).unwrap();
    assert_eq!(log.committed(), 8, "open advanced the watermark");
    assert_eq!(
        log.committed_rows(),
        &[100, 101, 102, 103, 104, 105, 106, 107]
    );
    assert_eq!(log.hole().map(|h| h.rows), None);
    assert!(matches!(
        log.push(1),
        Err(Error::Claim(ClaimError::Full { available: 0, .. }))
    ));
    // SAFETY: the file is this test's own; no other process has it open.
    assert_eq!(unsafe { log.force_complete(8..8) }.unwrap(), 8);
    drop(log);
    // Only the committed watermark changed in the file before the slots; the rows and bits
    // are as they were. The opener (alone: its session start found nothing to close) took
    // slot 0 again: a new generation, this process.
    let mut expected = frozen;
    set_word(&mut expected, COMMITTED, 8);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes[..SLOTS], expected[..SLOTS]);
    assert_eq!(
        (word(&bytes, SLOTS), word(&bytes, SLOTS + 8)),
        (3, u64::from(std::process::id())),
        "slot 0: taken by create (generation 1), then by open"
    );
}

#[test]
fn recovering_a_frozen_log_after_a_reboot_rewinds_to_its_durable_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frozen.log");
    let frozen = frozen_file(&path);
    pretend_a_reboot(&path);

    let (log, _) = private!(RowLog::<u64>::recover(&path)).unwrap();
    assert_eq!((log.claimed(), log.committed(), log.durable()), (2, 2, 2));
    assert_eq!(log.committed_rows(), &[100, 101]);
    assert_eq!(log.hole().map(|h| h.rows), None);
    drop(log);
    let mut expected = frozen;
    set_word(&mut expected, TAIL, 2);
    set_word(&mut expected, COMMITTED, 2);
    set_word(&mut expected, BITMAP, 0);
    // (The boot id is this boot's again: `frozen` has it.)
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes[..SLOTS], expected[..SLOTS]);

    // The rows after the durable ones are handed out again, and commit normally.
    let log = private!(RowLog::<u64>::open(&path)).unwrap();
    assert_eq!(log.push(7).unwrap(), 2);
    assert_eq!(log.committed_rows(), &[100, 101, 7]);
}

/// Makes the open `log` (8 rows, rows 0..4 committed) frozen the way a writer of another
/// process killed between its two commit steps would: rows 4..8 written, their completion bits
/// set in the file, the watermark left at 4. The bits are written through the file (`pwrite`,
/// one aligned word, while this test's only thread does nothing else with the log), standing
/// in for the dead process's `fetch_or` on its shared mapping.
fn freeze_while_open(path: &Path, log: &RowLog<u64>) {
    for row in 100..104 {
        log.push(row).unwrap();
    }
    let mut rows = log.claim(4).unwrap();
    for (i, slot) in rows.iter_mut().enumerate() {
        *slot = 104 + i as u64;
    }
    std::mem::forget(rows); // the writer dies before committing ...
    let file = OpenOptions::new().write(true).open(path).unwrap();
    file.write_all_at(&0xF0u64.to_ne_bytes(), BITMAP as u64)
        .unwrap(); // ... after setting its bits
    assert_eq!((log.claimed(), log.committed()), (8, 4), "frozen");
}

#[test]
fn a_flush_alone_makes_a_frozen_full_log_durable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frozen.log");
    let log = private!(RowLog::<u64>::create(&path, CAPACITY)).unwrap();
    freeze_while_open(&path, &log);

    // Nobody calls `stalled` or joins: the flush advances, then persists all 8 rows.
    assert_eq!(log.flush().unwrap().durable, 8);
    assert_eq!((log.committed(), log.durable()), (8, 8));
    assert_eq!(
        log.committed_rows(),
        &[100, 101, 102, 103, 104, 105, 106, 107]
    );
    drop(log);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        (word(&bytes, COMMITTED), word(&bytes, DURABLE)),
        (8, 8),
        "the file says the rows are committed and durable"
    );
}

#[test]
fn a_push_refused_by_a_frozen_full_log_still_moves_its_watermark() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frozen.log");
    let log = private!(RowLog::<u64>::create(&path, CAPACITY)).unwrap();
    freeze_while_open(&path, &log);

    assert!(matches!(
        log.push(1),
        Err(Error::Claim(ClaimError::Full { available: 0, .. }))
    ));
    assert_eq!(
        log.committed(),
        8,
        "the refused claim advanced the watermark"
    );
    assert_eq!(log.durable(), 0, "and persisted nothing");
}

#[test]
fn recovering_a_frozen_log_on_the_same_boot_keeps_every_committed_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frozen.log");
    let frozen = frozen_file(&path);

    let (log, recovered) = private!(RowLog::<u64>::recover(&path)).unwrap();
    assert_eq!((log.claimed(), log.committed(), log.durable()), (8, 8, 2));
    assert_eq!(
        (recovered.kept, recovered.closed, recovered.rewound),
        (8, 0, 0)
    );
    assert_eq!(
        log.committed_rows(),
        &[100, 101, 102, 103, 104, 105, 106, 107]
    );
    drop(log);
    let mut expected = frozen;
    set_word(&mut expected, COMMITTED, 8);
    assert_eq!(std::fs::read(&path).unwrap()[..SLOTS], expected[..SLOTS]);
}

/// After a reboot, `open` rewinds to the durable rows and forgets the dead session's
/// announcements: a claim of the rows handed out again is named after its live owner (this
/// process), not after the dead writer that had announced the same rows before the crash,
/// and the dead writer's slot is not pending any more.
#[test]
fn opening_after_a_reboot_forgets_the_dead_sessions_announcements() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rebooted.log");
    let log = private!(RowLog::<u64>::create(&path, CAPACITY)).unwrap();
    log.push(1).unwrap();
    assert_eq!(log.flush().unwrap().durable, 1);
    // A writer holding rows 1..5 when the machine went down: announced, never committed.
    std::mem::forget(log.claim(4).unwrap());
    log.push(2).unwrap();
    drop(log);
    pretend_a_reboot(&path);

    let log = private!(RowLog::<u64>::open(&path)).unwrap();
    assert_eq!((log.claimed(), log.committed(), log.durable()), (1, 1, 1));
    let slow = log.claim(2).unwrap();
    assert_eq!(slow.rows(), 1..3);
    log.push(3).unwrap();
    match log.hole() {
        Some(hole) => {
            assert_eq!(hole.rows, 1..3);
            assert!(
                matches!(hole.owner, Owner::Alive { pid, .. } if pid == std::process::id()),
                "{hole:?}"
            );
        }
        None => panic!("rows 1..3 hold the watermark"),
    }
    drop(slow);
    assert_eq!(log.hole(), None);
    assert_eq!(log.committed_rows(), &[1, 0, 0, 3]);
}
