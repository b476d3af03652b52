//! `mmarray rowlog FILE`: a row log's counters, read from its header.

use std::io::Read as _;
use std::path::Path;
use std::sync::atomic::AtomicU64;

use mmarray_std::Error;
use mmarray_std::mmarray::claim::{ClaimHeader, Claims, Mapped};

use crate::{Failure, Fallible, io_error};

/// Reads the header and the completion bitmap (not the rows) into memory and reports the
/// counters as `Claims` sees them: a snapshot, consistent by the header's own checks.
pub(crate) fn run(path: &Path) -> Fallible<String> {
    let mut file = std::fs::File::open(path).map_err(io_error(path))?;
    let size = file.metadata().map_err(io_error(path))?.len();
    let mut head = [0u8; ClaimHeader::LEN];
    read_up_to(path, &mut file, &mut head)?;
    let header = ClaimHeader::peek(&head).map_err(|e| at(path, Error::from(e)))?;
    let region = Mapped::region_len(header.capacity).ok_or(Error::from(
        mmarray_std::mmarray::claim::SetupError::RegionTooLarge {
            capacity: header.capacity,
        },
    ))?;
    let mut bytes = vec![0u8; region];
    bytes[..head.len()].copy_from_slice(&head);
    // The counters and bits of a live log change while we read. `Mapped::open`'s consistency
    // checks assume they were read in the order it loads them itself — durable, committed,
    // the bitmap, then the tail — so that a counter read later is never older than one read
    // before it relative to the invariants (durable <= committed <= tail, no set bit at
    // committed that is not part of a run). One `read(2)` of the whole region copies them in
    // address order (tail first) and could report `InconsistentCounters` or
    // `StrayCompletion` on a healthy, busy log. So: separate positioned reads, in that order
    // (each counter an aligned 8-byte word, which the kernel copies whole).
    let read_word = |at: usize, bytes: &mut [u8]| read_at(path, &file, &mut bytes[at..at + 8], at);
    read_word(DURABLE, &mut bytes)?;
    read_word(COMMITTED, &mut bytes)?;
    read_at(path, &file, &mut bytes[head.len()..], head.len())?;
    read_word(TAIL, &mut bytes)?;
    // The store reaches the region only as atomic words (native-endian, like the file).
    let words: Vec<AtomicU64> = bytes
        .chunks_exact(8)
        .map(|w| AtomicU64::new(u64::from_ne_bytes(w.try_into().expect("8-byte chunks"))))
        .collect();
    let mapped = Mapped::open(&words, header.capacity, header.row_size)
        .map_err(|e| at(path, Error::from(e)))?;
    let claims = Claims::new(mapped);
    let rows_at = Mapped::rows_offset(header.capacity, 1);
    let expected = rows_at
        .and_then(|r| u64::try_from(r).ok())
        .and_then(|r| header.capacity.checked_mul(header.row_size)?.checked_add(r));
    let stalled = match claims.stalled() {
        Some(r) => format!(
            "rows {}..{} ({} rows claimed, not complete)",
            r.start,
            r.end,
            r.end - r.start
        ),
        None => "none".to_string(),
    };
    Ok(format!(
        "{}: row log\n  capacity     {} rows of {} bytes\n  claimed      {}\n  committed    {}\n  durable      {}\n  in flight    {} (claimed, not yet committed)\n  stalled      {stalled}\n  rows start   byte {} (for rows aligned to at most 64 bytes)\n  file size    {size}{}\n",
        path.display(),
        claims.capacity(),
        header.row_size,
        claims.claimed(),
        claims.committed(),
        claims.durable(),
        claims.claimed() - claims.committed(),
        rows_at.map_or("?".to_string(), |r| r.to_string()),
        match expected {
            Some(e) if e == size => String::new(),
            Some(e) => format!(" (a log of this capacity is {e} bytes)"),
            None => String::new(),
        }
    ))
}

/// Offsets of the counters in the header (`ClaimHeader`'s layout table: the tail, the
/// committed and the durable watermark are consecutive words).
const COMMITTED: usize = ClaimHeader::COMMITTED_OFFSET;
const TAIL: usize = COMMITTED - 8;
const DURABLE: usize = COMMITTED + 8;

/// Fills `buf` from `file` at byte `offset`; a file that ends first is a truncated header.
fn read_at(path: &Path, file: &std::fs::File, buf: &mut [u8], offset: usize) -> Fallible<()> {
    use std::os::unix::fs::FileExt as _;
    file.read_exact_at(buf, offset as u64)
        .map_err(|e| truncated_or(path, file, e))
}

/// A truncated-header message for an early end of file, else the I/O error.
fn truncated_or(path: &Path, file: &std::fs::File, e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        format!(
            "{}: the row log's header is truncated: the file has {} bytes, the header and bitmap need more",
            path.display(),
            file.metadata().map_or(0, |m| m.len())
        )
        .into()
    } else {
        io_error(path)(e)
    }
}

/// Fills `buf` from `file`; a file that ends first is a truncated header.
fn read_up_to(path: &Path, file: &mut std::fs::File, buf: &mut [u8]) -> Fallible<()> {
    file.read_exact(buf)
        .map_err(|e| truncated_or(path, file, e))
}

/// A core error with the file's name in front.
fn at(path: &Path, e: Error) -> Box<dyn std::error::Error> {
    format!("{}: {e}", path.display()).into()
}
