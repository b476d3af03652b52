//! `mmarray rowlog FILE`: a row log's counters, read from its header; `mmarray rowlog
//! --mask-offset FILE`: where its void bitmap lies.

use std::path::Path;
use std::sync::atomic::AtomicU64;

use mmarray_std::Error;
use mmarray_std::mmarray::claim::{ClaimHeader, Claims, Geometry, Mapped, SetupError};
use mmarray_std::mmarray::npy::{self, RowLogHeader};

use crate::{Failure, Fallible, io_error};

/// Reads the `.npy` header, the claims region's header and its bitmaps (not the rows) into
/// memory and reports the counters as `Claims` sees them: a snapshot, consistent by the
/// region's own checks.
pub(crate) fn run(path: &Path) -> Fallible<String> {
    let file = std::fs::File::open(path).map_err(io_error(path))?;
    let size = file.metadata().map_err(io_error(path))?.len();
    // The `.npy` header first: it names the capacity; its length is where the rows start.
    let head = npy_header(path, &file, size)?;
    let parsed = RowLogHeader::parse(&head).map_err(|e| at(path, Error::from(e)))?;
    let shown = parsed.shown;
    let npy_len = parsed.len;
    let row_size = parsed.header.descr.itemsize() as u64;
    let (descr, capacity) = (parsed.header.descr, parsed.header.capacity);
    let too_large = || at(path, Error::from(SetupError::RegionTooLarge { capacity }));
    // Where the region lies depends on `H`, the capacity and the row size only.
    let region_at = Geometry::new(capacity, row_size)
        .with_header_len(npy_len as u64)
        .region_offset()
        .ok_or_else(too_large)?;
    let region_at = usize::try_from(region_at).map_err(|_| too_large())?;
    let mut bytes = vec![0u8; ClaimHeader::LEN];
    read_at(path, &file, &mut bytes, region_at)?;
    let header = ClaimHeader::peek(&bytes).map_err(|e| at(path, Error::from(e)))?;
    // Its length on the slots and entries it records.
    let geometry = header.geometry;
    bytes.resize(geometry.region_len().ok_or_else(too_large)?, 0);
    // The counters and bits of a live log change while we read. `Mapped::open`'s consistency
    // checks assume they were read in the order it loads them itself — durable, committed,
    // the bitmap, then the tail — so that a counter read later is never older than one read
    // before it relative to the invariants (durable <= committed <= tail, no set bit at
    // committed that is not part of a run). One `read(2)` of the whole region copies them in
    // address order (tail first) and could report `InconsistentCounters` or
    // `StrayCompletion` on a healthy, busy log. So: separate positioned reads, in that order
    // (each counter an aligned 8-byte word, which the kernel copies whole).
    let read_word = |offset: usize, bytes: &mut [u8]| {
        read_at(
            path,
            &file,
            &mut bytes[offset..offset + 8],
            region_at + offset,
        )
    };
    read_word(DURABLE, &mut bytes)?;
    read_word(COMMITTED, &mut bytes)?;
    let rest = ClaimHeader::LEN;
    read_at(path, &file, &mut bytes[rest..], region_at + rest)?;
    read_word(TAIL, &mut bytes)?;
    // The store reaches the region only as atomic words (native-endian, like the file).
    let words: Vec<AtomicU64> = bytes
        .chunks_exact(8)
        .map(|w| AtomicU64::new(u64::from_ne_bytes(w.try_into().expect("8-byte chunks"))))
        .collect();
    let mapped =
        Mapped::open_with(&words, header.geometry).map_err(|e| at(path, Error::from(e)))?;
    let claims = Claims::new(mapped);
    let expected = geometry.file_len();
    let stalled = match claims.stalled() {
        Some(r) => format!(
            "rows {}..{} ({} rows claimed, not complete)",
            r.start,
            r.end,
            r.end - r.start
        ),
        None => "none".to_string(),
    };
    let validity = claims.validity();
    let valid = validity.count_valid();
    // Where the void bitmap lies, from the region's geometry; the `.npy` comment names it
    // for numpy readers and should agree.
    let void_at = geometry
        .void_offset()
        .and_then(|v| u64::try_from(region_at.checked_add(v)?).ok())
        .ok_or_else(too_large)?;
    let named = parsed.header.void_offset;
    let void_note = if named == void_at {
        " (named in the .npy header's comment)".to_string()
    } else {
        format!(" (the .npy header's comment says byte {named}: damaged)")
    };
    let mut descr_text = [0u8; 512];
    let descr_text = descr.to_string_in(&mut descr_text).unwrap_or("(long)");
    Ok(format!(
        "{}: row log\n  capacity     {} rows of {} bytes\n  dtype        {descr_text}\n  claimed      {}\n  committed    {}\n  durable      {}\n  npy shape    ({shown},) (durable rows as of a flush)\n  in flight    {} (claimed, not yet committed)\n  stalled      {stalled}\n  valid        {valid} of {} committed rows ({} void: abandoned, given up or closed)\n  void bitmap  byte {void_at}{void_note}, one bit per row, little bit order\n  rows start   byte {npy_len} (after the .npy header)\n  region at    byte {region_at}\n  file size    {size}{}\n",
        path.display(),
        claims.capacity(),
        row_size,
        claims.claimed(),
        claims.committed(),
        claims.durable(),
        claims.claimed() - claims.committed(),
        validity.rows(),
        validity.rows() - valid,
        match expected {
            Some(e) if e == size => String::new(),
            Some(e) => format!(" (a log of this capacity is {e} bytes)"),
            None => String::new(),
        }
    ))
}

/// `mmarray rowlog --mask-offset FILE`: the byte offset of the void bitmap, as the `.npy`
/// header's comment names it (for scripts: `np.memmap(path, np.uint8, 'r', offset=V, ...)`).
pub(crate) fn mask_offset(path: &Path) -> Fallible<String> {
    let file = std::fs::File::open(path).map_err(io_error(path))?;
    let size = file.metadata().map_err(io_error(path))?.len();
    let head = npy_header(path, &file, size)?;
    let parsed = RowLogHeader::parse(&head).map_err(|e| at(path, Error::from(e)))?;
    Ok(format!("{}\n", parsed.header.void_offset))
}

/// The bytes of the row log's `.npy` header (which [`RowLogHeader::parse`] accepts), read
/// from the start of `file` (`size` bytes long). A version-1 log starts with its claims
/// header instead: refused by version.
fn npy_header(path: &Path, file: &std::fs::File, size: u64) -> Fallible<Vec<u8>> {
    let mut head = vec![0u8; usize::try_from(size.min(16)).unwrap_or(16)];
    read_at(path, file, &mut head, 0)?;
    if head.starts_with(&ClaimHeader::MAGIC_V1) {
        ClaimHeader::peek(&head).map_err(|e| at(path, Error::from(e)))?;
    }
    loop {
        match RowLogHeader::parse(&head) {
            Ok(_) => return Ok(head),
            Err(npy::Error::Truncated { needed, .. })
                if needed > head.len() && needed as u64 <= size =>
            {
                head = vec![0u8; needed];
                read_at(path, file, &mut head, 0)?;
            }
            Err(npy::Error::Truncated { .. }) => {
                return Err(truncated(path, size));
            }
            Err(error) => return Err(at(path, Error::from(error)).into()),
        }
    }
}

/// Offsets of the counters in the claims region (`ClaimHeader`'s layout table: the tail, the
/// committed and the durable watermark are consecutive words).
const COMMITTED: usize = ClaimHeader::COMMITTED_OFFSET;
const TAIL: usize = COMMITTED - 8;
const DURABLE: usize = ClaimHeader::DURABLE_OFFSET;

/// The message for a file that ends inside its headers.
fn truncated(path: &Path, size: u64) -> Failure {
    format!(
        "{}: the row log's header is truncated: the file has {size} bytes, its headers need more",
        path.display(),
    )
    .into()
}

/// Fills `buf` from `file` at byte `offset`; a file that ends first is a truncated header.
fn read_at(path: &Path, file: &std::fs::File, buf: &mut [u8], offset: usize) -> Fallible<()> {
    use std::os::unix::fs::FileExt as _;
    file.read_exact_at(buf, offset as u64)
        .map_err(|e| truncated_or(path, file, e))
}

/// A truncated-header message for an early end of file, else the I/O error.
fn truncated_or(path: &Path, file: &std::fs::File, e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        truncated(path, file.metadata().map_or(0, |m| m.len()))
    } else {
        io_error(path)(e)
    }
}

/// A core error with the file's name in front.
fn at(path: &Path, e: Error) -> Box<dyn std::error::Error> {
    format!("{}: {e}", path.display()).into()
}
