//! Helpers shared by the `memmap_*` integration tests: files with recognisable
//! bytes, snapshots of a file's bytes and length, and element decoding.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::path::{Path, PathBuf};

/// The system page size.
pub fn page() -> usize {
    rustix::param::page_size()
}

/// Bytes that differ from their neighbours and from zero fill (never 0), so
/// misplaced reads and unwanted zeroing both show.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 31 + 7) % 251 + 1).unwrap())
        .collect()
}

/// Writes `bytes` to `name` inside `dir` and returns the path.
pub fn file_with(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `n` as a `u64` (lengths in tests are small).
pub fn u64_of(n: usize) -> u64 {
    u64::try_from(n).unwrap()
}

/// A file's length and bytes, for before/after comparisons.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The length from the file's metadata.
    pub len: u64,
    /// The bytes read with `std::fs::read`.
    pub bytes: Vec<u8>,
}

/// The file's length and bytes right now.
pub fn snapshot(path: &Path) -> Snapshot {
    Snapshot {
        len: std::fs::metadata(path).unwrap().len(),
        bytes: std::fs::read(path).unwrap(),
    }
}

/// The native-endian `f32` stored at byte `at` of `bytes`.
pub fn f32_at(bytes: &[u8], at: usize) -> f32 {
    f32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// The native-endian `u32` stored at byte `at` of `bytes`.
pub fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// The native-endian `u16` stored at byte `at` of `bytes`.
pub fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes(bytes[at..at + 2].try_into().unwrap())
}

/// The native-endian `u64` stored at byte `at` of `bytes`.
pub fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap())
}

/// The bytes of `values`, native-endian, one after another (what a file
/// holding them in memory order contains).
pub fn u32_bytes(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_ne_bytes()).collect()
}
