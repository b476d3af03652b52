//! A table of bad inputs: each is refused with the right error, and the file
//! (its bytes and its length), the missing file or the directory is exactly as
//! it was before. numpy sometimes extends or truncates before failing;
//! mmarray validates first.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::support::{pattern, private, snapshot};
use mmarray_std::mmarray::Error as CoreError;
use mmarray_std::{Error, Ix1, Ix2, Mode, Options};

/// What is at the path before the attempt.
enum Before {
    /// A regular file with these bytes.
    File(Vec<u8>),
    /// Nothing.
    Missing,
    /// An empty directory.
    Dir,
}

/// One bad input.
struct Row {
    /// What is wrong.
    what: &'static str,
    /// The path's state before.
    before: Before,
    /// The attempt; `Ok` means it was (wrongly) accepted.
    attempt: fn(&Path) -> Result<(), Error>,
    /// Whether the error is the expected one.
    expected: fn(&Error) -> bool,
}

fn io_kind(e: &Error, kind: ErrorKind) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == kind)
}

fn misaligned(e: &Error) -> bool {
    matches!(
        e,
        Error::Layout {
            error: CoreError::Misaligned {
                offset: 3,
                align: 4,
                size: 4
            },
            ..
        }
    )
}

fn overflow(e: &Error) -> bool {
    matches!(
        e,
        Error::Layout {
            error: CoreError::Overflow,
            ..
        }
    )
}

fn not_found(e: &Error) -> bool {
    io_kind(e, ErrorKind::NotFound)
}

fn denied(e: &Error) -> bool {
    io_kind(e, ErrorKind::PermissionDenied)
}

fn not_a_file(e: &Error) -> bool {
    matches!(e, Error::NotAFile { .. })
}

/// 2001-09-09T01:46:40Z: a modification time no test run has.
fn long_ago() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000)
}

/// Opens `path` read-only, as a descriptor to map.
fn read_only(path: &Path) -> File {
    File::open(path).unwrap()
}

/// A size every step accepts up to the OS: below `isize::MAX` bytes, yet no file
/// system grows a file this far or, where one does, no address space maps it.
const HUGE: usize = isize::MAX as usize - 4096;

fn rows() -> Vec<Row> {
    let p64 = || Before::File(pattern(64));
    let p30 = || Before::File(pattern(30));
    vec![
        Row {
            what: "w+ without a shape on an existing file",
            before: p64(),
            attempt: |p| private!(Options::<u8, Ix1>::new().create(p)).map(drop),
            expected: |e| matches!(e, Error::ShapeRequired),
        },
        Row {
            what: "w+ (dynamic) without a shape, with an offset, on an existing file",
            before: p64(),
            attempt: |p| {
                private!(Options::<u8, Ix1>::new().offset(8).open(p, Mode::Write)).map(drop)
            },
            expected: |e| matches!(e, Error::ShapeRequired),
        },
        Row {
            what: "w+ without a shape on a missing file",
            before: Before::Missing,
            attempt: |p| private!(Options::<u8, Ix1>::new().create(p)).map(drop),
            expected: |e| matches!(e, Error::ShapeRequired),
        },
        Row {
            what: "w+ of a size no file system or address space takes, on a missing file",
            before: Before::Missing,
            attempt: |p| private!(Options::<u8, Ix1>::new().shape([HUGE]).create(p)).map(drop),
            expected: |e| matches!(e, Error::Io { .. }),
        },
        Row {
            what: ".npy create of a size no file system or address space takes, on a missing file",
            before: Before::Missing,
            attempt: |p| {
                private!(
                    mmarray_std::npy::Options::<u8, Ix1>::new()
                        .shape([HUGE])
                        .create(p)
                )
                .map(drop)
            },
            expected: |e| matches!(e, Error::Io { .. }),
        },
        Row {
            what: "misaligned f32 offset, r",
            before: p64(),
            attempt: |p| private!(Options::<f32, Ix1>::new().offset(3).open_read(p)).map(drop),
            expected: misaligned,
        },
        Row {
            what: "misaligned f32 offset, r+",
            before: p64(),
            attempt: |p| {
                private!(Options::<f32, Ix1>::new().offset(3).open_read_write(p)).map(drop)
            },
            expected: misaligned,
        },
        Row {
            what: "misaligned f32 offset, r+ past the end (would extend)",
            before: p64(),
            attempt: |p| {
                private!(
                    Options::<f32, Ix1>::new()
                        .offset(3)
                        .shape([100])
                        .open_read_write(p)
                )
                .map(drop)
            },
            expected: misaligned,
        },
        Row {
            what: "misaligned f32 offset, w+ on an existing file (would truncate)",
            before: p64(),
            attempt: |p| {
                private!(Options::<f32, Ix1>::new().offset(3).shape([4]).create(p)).map(drop)
            },
            expected: misaligned,
        },
        Row {
            what: "misaligned f32 offset, w+ on a missing file (would create)",
            before: Before::Missing,
            attempt: |p| {
                private!(Options::<f32, Ix1>::new().offset(3).shape([4]).create(p)).map(drop)
            },
            expected: misaligned,
        },
        Row {
            what: "misaligned f32 offset, c",
            before: p64(),
            attempt: |p| {
                private!(Options::<f32, Ix1>::new().offset(3).open_copy_on_write(p)).map(drop)
            },
            expected: misaligned,
        },
        Row {
            what: "inference remainder, r",
            before: p30(),
            attempt: |p| private!(Options::<u64, Ix1>::new().open_read(p)).map(drop),
            expected: |e| {
                matches!(
                    e,
                    Error::Layout {
                        error: CoreError::NotWholeElements { len: 30, size: 8 },
                        ..
                    }
                )
            },
        },
        Row {
            what: "inference remainder, r+",
            before: p30(),
            attempt: |p| private!(Options::<u64, Ix1>::new().open_read_write(p)).map(drop),
            expected: |e| {
                matches!(
                    e,
                    Error::Layout {
                        error: CoreError::NotWholeElements { len: 30, size: 8 },
                        ..
                    }
                )
            },
        },
        Row {
            what: "inference remainder after an offset, c",
            before: p30(),
            attempt: |p| {
                private!(Options::<u32, Ix1>::new().offset(4).open_copy_on_write(p)).map(drop)
            },
            expected: |e| {
                matches!(
                    e,
                    Error::Layout {
                        error: CoreError::NotWholeElements { len: 26, size: 4 },
                        ..
                    }
                )
            },
        },
        Row {
            what: "inferred shape with a 2-D shape type, r+",
            before: p64(),
            attempt: |p| private!(Options::<u8, Ix2>::new().open_read_write(p)).map(drop),
            expected: |e| {
                matches!(
                    e,
                    Error::Layout {
                        error: CoreError::RankMismatch {
                            expected: 2,
                            actual: 1
                        },
                        ..
                    }
                )
            },
        },
        Row {
            what: "r, array ends past the end",
            before: p64(),
            attempt: |p| {
                private!(
                    Options::<u32, Ix1>::new()
                        .offset(8)
                        .shape([15])
                        .open_read(p)
                )
                .map(drop)
            },
            expected: |e| {
                matches!(
                    e,
                    Error::PastEnd {
                        path: Some(_),
                        mode: Mode::Read,
                        end: 68,
                        len: 64
                    }
                )
            },
        },
        Row {
            what: "c, array ends past the end",
            before: p64(),
            attempt: |p| {
                private!(
                    Options::<u8, Ix2>::new()
                        .shape([8, 9])
                        .open_copy_on_write(p)
                )
                .map(drop)
            },
            expected: |e| {
                matches!(
                    e,
                    Error::PastEnd {
                        path: Some(_),
                        mode: Mode::CopyOnWrite,
                        end: 72,
                        len: 64
                    }
                )
            },
        },
        Row {
            what: "r, zero-size array at an offset past the end",
            before: p64(),
            attempt: |p| {
                private!(
                    Options::<u8, Ix1>::new()
                        .offset(100)
                        .shape([0])
                        .open_read(p)
                )
                .map(drop)
            },
            expected: |e| {
                matches!(
                    e,
                    Error::PastEnd {
                        path: Some(_),
                        mode: Mode::Read,
                        end: 100,
                        len: 64
                    }
                )
            },
        },
        Row {
            what: "r, offset past the end with an inferred shape",
            before: p64(),
            attempt: |p| private!(Options::<u8, Ix1>::new().offset(65).open_read(p)).map(drop),
            expected: |e| {
                matches!(
                    e,
                    Error::OffsetPastEnd {
                        path: Some(_),
                        offset: 65,
                        len: 64
                    }
                )
            },
        },
        Row {
            what: "r+, offset past the end with an inferred shape",
            before: p64(),
            attempt: |p| {
                private!(Options::<u8, Ix1>::new().offset(4096).open_read_write(p)).map(drop)
            },
            expected: |e| {
                matches!(
                    e,
                    Error::OffsetPastEnd {
                        path: Some(_),
                        offset: 4096,
                        len: 64
                    }
                )
            },
        },
        Row {
            what: "c, offset past the end with an inferred shape",
            before: p64(),
            attempt: |p| {
                private!(
                    Options::<u8, Ix1>::new()
                        .offset(1 << 40)
                        .open_copy_on_write(p)
                )
                .map(drop)
            },
            expected: |e| {
                matches!(
                    e,
                    Error::OffsetPastEnd {
                        path: Some(_),
                        offset: 1_099_511_627_776,
                        len: 64
                    }
                )
            },
        },
        Row {
            what: "invalid mode string",
            before: p64(),
            attempt: |p| {
                let mode: Mode = "rw".parse()?;
                private!(Options::<u8, Ix1>::new().open(p, mode)).map(drop)
            },
            expected: |e| matches!(e, Error::InvalidMode(m) if m == "rw"),
        },
        Row {
            what: "overflowing shape, r",
            before: p64(),
            attempt: |p| {
                private!(
                    Options::<u32, Ix2>::new()
                        .shape([usize::MAX, 2])
                        .open_read(p)
                )
                .map(drop)
            },
            expected: overflow,
        },
        Row {
            what: "overflowing shape, r+",
            before: p64(),
            attempt: |p| {
                private!(
                    Options::<u32, Ix2>::new()
                        .shape([usize::MAX, 2])
                        .open_read_write(p)
                )
                .map(drop)
            },
            expected: overflow,
        },
        Row {
            what: "overflowing shape, w+ on an existing file",
            before: p64(),
            attempt: |p| {
                private!(Options::<u32, Ix2>::new().shape([usize::MAX, 2]).create(p)).map(drop)
            },
            expected: overflow,
        },
        Row {
            what: "overflowing shape, w+ on a missing file",
            before: Before::Missing,
            attempt: |p| {
                private!(Options::<u8, Ix2>::new().shape([usize::MAX, 2]).create(p)).map(drop)
            },
            expected: overflow,
        },
        Row {
            what: "empty shape whose other axes overflow (numpy: array is too big), w+ on an existing file",
            before: p64(),
            attempt: |p| {
                private!(Options::<u32, Ix2>::new().shape([usize::MAX, 0]).create(p)).map(drop)
            },
            expected: overflow,
        },
        Row {
            what: "empty shape whose other axes overflow, w+ on a missing file",
            before: Before::Missing,
            attempt: |p| {
                private!(Options::<u8, Ix2>::new().shape([usize::MAX, 0]).create(p)).map(drop)
            },
            expected: overflow,
        },
        Row {
            what: "empty shape whose other axes overflow, .npy create on an existing file",
            before: p64(),
            attempt: |p| {
                private!(
                    mmarray_std::npy::Options::<f32, Ix2>::new()
                        .shape([usize::MAX, 0])
                        .create(p)
                )
                .map(drop)
            },
            expected: |e| {
                matches!(
                    e,
                    Error::Header {
                        error: mmarray_std::npy::HeaderError::DataTooLarge,
                        ..
                    }
                )
            },
        },
        Row {
            what: "overflowing offset plus size, r+",
            before: p64(),
            attempt: |p| {
                private!(
                    Options::<u8, Ix1>::new()
                        .offset(u64::MAX)
                        .shape([1])
                        .open_read_write(p)
                )
                .map(drop)
            },
            expected: overflow,
        },
        Row {
            what: "directory, r",
            before: Before::Dir,
            attempt: |p| private!(Options::<u8, Ix1>::new().open_read(p)).map(drop),
            expected: not_a_file,
        },
        Row {
            what: "directory, c, with a shape",
            before: Before::Dir,
            attempt: |p| {
                private!(Options::<u8, Ix1>::new().shape([1]).open_copy_on_write(p)).map(drop)
            },
            expected: not_a_file,
        },
        Row {
            what: "directory, r+",
            before: Before::Dir,
            attempt: |p| private!(Options::<u8, Ix1>::new().open_read_write(p)).map(drop),
            expected: |e| not_a_file(e) || io_kind(e, ErrorKind::IsADirectory),
        },
        Row {
            what: "directory, w+",
            before: Before::Dir,
            attempt: |p| private!(Options::<u8, Ix1>::new().shape([4]).create(p)).map(drop),
            expected: |e| not_a_file(e) || io_kind(e, ErrorKind::IsADirectory),
        },
        Row {
            what: "directory descriptor, r",
            before: Before::Dir,
            attempt: |p| {
                private!(Options::<u8, Ix1>::new().shape([1]).map_read(read_only(p))).map(drop)
            },
            expected: not_a_file,
        },
        Row {
            what: "r+ on a read-only descriptor",
            before: p64(),
            attempt: |p| private!(Options::<u8, Ix1>::new().map_read_write(read_only(p))).map(drop),
            expected: denied,
        },
        Row {
            what: "r+ on a read-only descriptor, past the end (would extend)",
            before: p64(),
            attempt: |p| {
                private!(
                    Options::<u8, Ix1>::new()
                        .shape([1000])
                        .map(read_only(p), Mode::ReadWrite)
                )
                .map(drop)
            },
            expected: denied,
        },
        Row {
            what: "w+ on a read-only descriptor, past the end (would extend)",
            before: p64(),
            attempt: |p| {
                private!(
                    Options::<u8, Ix1>::new()
                        .shape([1000])
                        .map(read_only(p), Mode::Write)
                )
                .map(drop)
            },
            expected: denied,
        },
        Row {
            what: "r+ on a write-only append descriptor (python 'ab'), past the end (would extend)",
            before: p64(),
            attempt: |p| {
                let f = OpenOptions::new().append(true).open(p).unwrap();
                private!(Options::<u8, Ix1>::new().shape([1000]).map_read_write(&f)).map(drop)
            },
            expected: denied,
        },
        Row {
            what: "w+ on a write-only descriptor (python 'wb'), past the end (would extend)",
            before: p64(),
            attempt: |p| {
                let f = OpenOptions::new().write(true).open(p).unwrap();
                private!(Options::<u8, Ix1>::new().shape([1000]).map(&f, Mode::Write)).map(drop)
            },
            expected: denied,
        },
        Row {
            what: "r+ on a write-only descriptor, within the file",
            before: p64(),
            attempt: |p| {
                let f = OpenOptions::new().write(true).open(p).unwrap();
                private!(Options::<u8, Ix1>::new().shape([8]).map_read_write(&f)).map(drop)
            },
            expected: denied,
        },
        Row {
            what: "r on a write-only descriptor",
            before: p64(),
            attempt: |p| {
                let f = OpenOptions::new().write(true).open(p).unwrap();
                private!(Options::<u8, Ix1>::new().map_read(&f)).map(drop)
            },
            expected: |e| matches!(e, Error::Io { .. }),
        },
        Row {
            what: "missing file, r",
            before: Before::Missing,
            attempt: |p| private!(Options::<u8, Ix1>::new().open_read(p)).map(drop),
            expected: not_found,
        },
        Row {
            what: "missing file, r+ with a shape",
            before: Before::Missing,
            attempt: |p| {
                private!(Options::<u8, Ix1>::new().shape([8]).open_read_write(p)).map(drop)
            },
            expected: not_found,
        },
        Row {
            what: "missing file, c",
            before: Before::Missing,
            attempt: |p| private!(Options::<u8, Ix1>::new().open(p, Mode::CopyOnWrite)).map(drop),
            expected: not_found,
        },
    ]
}

#[test]
fn every_bad_input_is_refused_with_its_error_and_leaves_the_path_unchanged() {
    let mut failures = Vec::new();
    for row in rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("target");
        match &row.before {
            Before::File(bytes) => {
                std::fs::write(&path, bytes).unwrap();
                // A known past modification time: any write, truncation or
                // extension (even one undone later) moves it to now.
                File::options()
                    .write(true)
                    .open(&path)
                    .unwrap()
                    .set_modified(long_ago())
                    .unwrap();
            }
            Before::Missing => {}
            Before::Dir => std::fs::create_dir(&path).unwrap(),
        }
        let result = (row.attempt)(&path);
        match &result {
            Ok(()) => failures.push(format!("{}: accepted", row.what)),
            Err(e) if !(row.expected)(e) => {
                failures.push(format!("{}: wrong error {e:?}", row.what))
            }
            Err(e) => {
                // Every error explains itself.
                assert!(!e.to_string().is_empty());
            }
        }
        match &row.before {
            Before::File(bytes) => {
                let s = snapshot(&path);
                if s.len != u64::try_from(bytes.len()).unwrap() || s.bytes != *bytes {
                    failures.push(format!(
                        "{}: file changed from {} to {} bytes",
                        row.what,
                        bytes.len(),
                        s.len
                    ));
                }
                let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
                if mtime != long_ago() {
                    failures.push(format!(
                        "{}: file modified (mtime moved), though its bytes and length are as before",
                        row.what
                    ));
                }
            }
            Before::Missing => {
                if path.exists() {
                    failures.push(format!("{}: a file was created", row.what));
                }
            }
            Before::Dir => {
                let empty = std::fs::read_dir(&path).unwrap().next().is_none();
                if !path.is_dir() || !empty {
                    failures.push(format!("{}: the directory changed", row.what));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_character_device_without_a_shape_is_not_a_file() {
    // SAFETY: /dev/null has no contents to change.
    let r = unsafe { Options::<u8, Ix1>::new().open_read("/dev/null") };
    assert!(
        matches!(r, Err(Error::NotAFile { path: Some(ref p) }) if p == Path::new("/dev/null")),
        "{r:?}"
    );
}

#[test]
fn io_errors_carry_the_operation_and_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.dat");
    let r = private!(Options::<u8, Ix1>::new().open_read(&path));
    let msg = r.as_ref().map(drop).unwrap_err().to_string();
    match r {
        Err(Error::Io {
            op,
            path: Some(p),
            source,
        }) => {
            assert_eq!(op, "open");
            assert_eq!(p, path);
            assert_eq!(source.kind(), ErrorKind::NotFound);
            assert!(msg.contains("open") && msg.contains("missing.dat"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    // Converted to io::Error, the kind is kept.
    let e = private!(Options::<u8, Ix1>::new().open_read(&path)).unwrap_err();
    assert_eq!(std::io::Error::from(e).kind(), ErrorKind::NotFound);
}

/// Past every file system's size limit (`ftruncate` fails with `EFBIG`, as on
/// ext4) or, where a file may be that large, past the address space (`mmap`
/// fails): the open always fails, at one step or the other.
#[cfg(target_pointer_width = "64")]
const TOO_BIG: usize = HUGE;

#[cfg(target_pointer_width = "64")]
#[test]
fn a_file_too_large_for_the_file_system_leaves_the_old_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = pattern(64);
    for mode in [Mode::ReadWrite, Mode::Write] {
        let path = dir.path().join("a.dat");
        std::fs::write(&path, &bytes).unwrap();
        let r = private!(Options::<u8, Ix1>::new().shape([TOO_BIG]).open(&path, mode));
        let e = r.expect_err("no file system or address space takes this size");
        assert!(matches!(e, Error::Io { .. }), "mode {mode}: {e:?}");
        let s = snapshot(&path);
        if mode == Mode::ReadWrite {
            assert_eq!(s.bytes, bytes, "mode {mode}: {e}");
        } else if matches!(&e, Error::Io { op, .. } if *op == "ftruncate") {
            // 'w+' overwrites, but a size the file system refuses fails first.
            assert_eq!(s.bytes, bytes, "mode {mode}: {e}");
        }
    }
}
