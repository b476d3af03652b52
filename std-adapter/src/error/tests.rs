//! The adapter error's contract: every variant, its message, its source chain.

use super::*;
use mmarray::claim::{ClaimError, RecoverError, SetupError};
use mmarray::npy::{self, Key, Part, ShapeProblem};
use std::error::Error as _;

/// One value of every core error the adapter wraps.
fn core_errors() -> Vec<Error> {
    let layout = [
        mmarray::Error::Misaligned {
            offset: 3,
            align: 8,
            size: 8,
        },
        mmarray::Error::SizeMismatch {
            expected: 8,
            actual: 4,
        },
        mmarray::Error::NotWholeElements { len: 7, size: 4 },
        mmarray::Error::ZeroSizedElement,
        mmarray::Error::Overflow,
        mmarray::Error::TooManyDims { ndim: 65 },
        mmarray::Error::RankMismatch {
            expected: 2,
            actual: 3,
        },
        mmarray::Error::AxisOutOfRange { axis: 2, ndim: 2 },
        mmarray::Error::IndexOutOfBounds {
            axis: 0,
            index: 5,
            len: 3,
        },
        mmarray::Error::ZeroStep { axis: 1 },
        mmarray::Error::ShapeMismatch {
            axis: 0,
            expected: 2,
            actual: 3,
        },
        mmarray::Error::BufferLength {
            expected: 4,
            actual: 3,
        },
        mmarray::Error::NotPermutation { ndim: 3 },
        mmarray::Error::Interleaved { axis: 1 },
    ];
    let header = [
        npy::Error::Truncated {
            part: Part::Text,
            needed: 128,
            got: 12,
        },
        npy::Error::BadMagic {
            found: *b"PK\x03\x04\x14\x00",
        },
        npy::Error::UnsupportedVersion { major: 4, minor: 0 },
        npy::Error::HeaderTooLong {
            len: 20_000,
            max: 10_000,
        },
        npy::Error::NotUtf8 { at: 3 },
        npy::Error::Syntax {
            at: 4,
            expected: "a value",
        },
        npy::Error::NotADict,
        npy::Error::MissingKey(Key::Shape),
        npy::Error::UnknownKey { at: 1 },
        npy::Error::DuplicateKey(Key::Descr),
        npy::Error::InvalidShape {
            at: 9,
            problem: ShapeProblem::Negative,
        },
        npy::Error::InvalidFortranOrder { at: 30 },
        npy::Error::InvalidDescr {
            at: 10,
            reason: "unknown type",
        },
        npy::Error::ObjectDescr { at: 10 },
        npy::Descr::of::<f64>().check::<f32>().unwrap_err(),
        npy::Error::RankMismatch {
            found: 3,
            expected: 2,
        },
        npy::Error::DataMisaligned {
            offset: 83,
            align: 8,
            expected: &<f64 as mmarray::Dtype>::DESCR,
        },
        npy::Error::DataTooLarge,
        npy::Error::BufferTooSmall {
            needed: 128,
            got: 64,
        },
        npy::Error::HeaderTooLarge,
        npy::Error::ShapeDoesNotFit {
            needed: 200,
            available: 118,
        },
    ];
    let setup = [
        SetupError::BitmapTooSmall {
            capacity: 100,
            max: 64,
        },
        SetupError::RegionTooLarge { capacity: u64::MAX },
        SetupError::TooShort {
            needed: 64,
            actual: 8,
        },
        SetupError::BadMagic { found: [7; 8] },
        SetupError::UnsupportedVersion {
            found: 9,
            supported: 1,
        },
        SetupError::ForeignByteOrder,
        SetupError::DamagedByteOrderMark { found: 7 },
        SetupError::CapacityMismatch {
            expected: 10,
            found: 20,
        },
        SetupError::RowSizeMismatch {
            expected: 8,
            found: 4,
        },
        SetupError::InconsistentCounters {
            durable: 3,
            committed: 2,
            tail: 1,
            capacity: 4,
        },
        SetupError::StrayCompletion { row: 5, claimed: 2 },
    ];
    let recover = [
        RecoverError::Reversed { start: 5, end: 2 },
        RecoverError::Unclaimed { end: 9, claimed: 4 },
        RecoverError::BelowDurable { len: 1, durable: 3 },
        RecoverError::AboveCommitted {
            len: 9,
            committed: 3,
        },
    ];
    let path = Some(PathBuf::from("/data/a.npy"));
    let mut all: Vec<Error> = Vec::new();
    for error in layout {
        all.push(error.into());
        all.push(Error::Layout {
            path: path.clone(),
            error,
        });
    }
    for error in header {
        all.push(error.into());
        all.push(Error::Header {
            path: path.clone(),
            error,
        });
    }
    for error in setup {
        all.push(error.into());
        all.push(Error::ClaimHeader {
            path: path.clone(),
            error,
        });
    }
    all.extend(recover.map(Error::from));
    all.push(
        ClaimError::Full {
            requested: 5,
            available: 2,
            capacity: 10,
        }
        .into(),
    );
    all
}

/// One value of every variant of the adapter's error (with and without a path).
fn adapter_errors() -> Vec<Error> {
    let path = || Some(PathBuf::from("/data/a.npy"));
    let mut all = core_errors();
    for path in [path(), None] {
        all.extend([
            Error::Io {
                op: "open",
                path: path.clone(),
                source: io::ErrorKind::NotFound.into(),
            },
            Error::from_raw(
                raw::Error::Sys {
                    call: "mmap(2)",
                    errno: rustix::io::Errno::NOMEM,
                },
                path.as_deref(),
                Mode::Read,
            ),
            Error::OffsetPastEnd {
                path: path.clone(),
                offset: 200,
                len: 100,
            },
            Error::PastEnd {
                path: path.clone(),
                mode: Mode::CopyOnWrite,
                end: 108,
                len: 100,
            },
            Error::NotAFile { path: path.clone() },
            Error::DataTruncated {
                path: path.clone(),
                needed: 800,
                len: 403,
            },
            Error::WriteFailed {
                path: path.clone(),
                start: 4,
                written_to: 6,
                end: 9,
                source: io::ErrorKind::StorageFull.into(),
            },
            Error::AlreadyOpen {
                path: path.clone(),
                first: PathBuf::from("/data/first.log"),
            },
            Error::InUse {
                path: path.clone(),
                op: "recover",
            },
            Error::NoSlot {
                path: path.clone(),
                slots: 64,
            },
            Error::NotDurable {
                path: path.clone(),
                wanted: 38192,
                durable: 18944,
                hole: Some(crate::row_log::Hole {
                    rows: 18944..19200,
                    owner: crate::row_log::Owner::Dead {
                        slot: 3,
                        pid: 4242,
                        start_ticks: 7,
                    },
                }),
            },
            Error::NotDurable {
                path: path.clone(),
                wanted: 5,
                durable: 2,
                hole: None,
            },
            Error::WriteFailed {
                path: path.clone(),
                start: 4,
                written_to: 4,
                end: 9,
                source: io::ErrorKind::StorageFull.into(),
            },
        ]);
        #[cfg(feature = "npz")]
        all.push(Error::BadArchive {
            path,
            reason: "invalid Zip archive: Could not find EOCD".into(),
        });
    }
    all.extend([
        Error::InvalidMode("rw".into()),
        Error::ShapeRequired,
        Error::ReadOnly,
        Error::ModeMismatch {
            mode: Mode::Read,
            expected: Mode::ReadWrite,
        },
        Error::OutOfRange {
            start: 2,
            end: 9,
            len: 4,
        },
        Error::Ragged { len: 7, slice: 3 },
        Error::Unsupported {
            feature: "madvise(2) MADV_POPULATE_READ",
            since: "Linux 5.14",
        },
        Error::CannotGrow {
            reason: "an anonymous map has no file",
        },
        Error::AlignBeyondPage {
            align: 8192,
            page: 4096,
        },
        Error::RowAlign {
            type_name: "app::Wide",
            align: 128,
            max: 64,
        },
        Error::NotStalled {
            start: 1,
            end: 2,
            committed: 3,
            stalled_end: 3,
        },
        Error::WriteBackFailed {
            path: Some("events.npy".into()),
        },
    ]);
    #[cfg(feature = "npz")]
    all.extend([
        Error::NoSuchMember { name: "x".into() },
        Error::Compressed {
            member: "x.npy".into(),
            method: "deflate",
        },
    ]);
    all
}

/// Fails to compile when a variant is added without a case in [`adapter_errors`].
fn variant(e: &Error) -> &'static str {
    match e {
        Error::Layout { .. } => "Layout",
        Error::Header { .. } => "Header",
        Error::Io { .. } => "Io",
        Error::InvalidMode(_) => "InvalidMode",
        Error::ShapeRequired => "ShapeRequired",
        Error::OffsetPastEnd { .. } => "OffsetPastEnd",
        Error::PastEnd { .. } => "PastEnd",
        Error::NotAFile { .. } => "NotAFile",
        Error::ReadOnly => "ReadOnly",
        Error::ModeMismatch { .. } => "ModeMismatch",
        Error::OutOfRange { .. } => "OutOfRange",
        Error::DataTruncated { .. } => "DataTruncated",
        Error::Ragged { .. } => "Ragged",
        Error::CannotGrow { .. } => "CannotGrow",
        Error::AlignBeyondPage { .. } => "AlignBeyondPage",
        Error::RowAlign { .. } => "RowAlign",
        Error::Claim(_) => "Claim",
        Error::ClaimHeader { .. } => "ClaimHeader",
        Error::Recover(_) => "Recover",
        Error::NotStalled { .. } => "NotStalled",
        Error::AlreadyOpen { .. } => "AlreadyOpen",
        Error::WriteFailed { .. } => "WriteFailed",
        Error::Unsupported { .. } => "Unsupported",
        Error::InUse { .. } => "InUse",
        Error::NoSlot { .. } => "NoSlot",
        Error::NotDurable { .. } => "NotDurable",
        Error::WriteBackFailed { .. } => "WriteBackFailed",
        #[cfg(feature = "npz")]
        Error::NoSuchMember { .. } => "NoSuchMember",
        #[cfg(feature = "npz")]
        Error::Compressed { .. } => "Compressed",
        #[cfg(feature = "npz")]
        Error::BadArchive { .. } => "BadArchive",
    }
}

#[test]
fn every_chain_prints_each_message_once() {
    let all = adapter_errors();
    let mut seen: Vec<&str> = all.iter().map(variant).collect();
    seen.sort_unstable();
    seen.dedup();
    let expected = if cfg!(feature = "npz") { 30 } else { 27 };
    assert_eq!(seen.len(), expected, "every variant is built: {seen:?}");
    for e in &all {
        let mut chain = vec![e.to_string()];
        let mut next = e.source();
        while let Some(s) = next {
            chain.push(s.to_string());
            next = s.source();
        }
        for (i, outer) in chain.iter().enumerate() {
            assert!(!outer.is_empty(), "{e:?}");
            for inner in &chain[i + 1..] {
                assert!(
                    !outer.contains(inner.as_str()),
                    "{e:?}: {outer:?} repeats its source {inner:?}"
                );
            }
        }
        // Through std::io::Error the chain is the same: the message once, the OS error
        // (if any) as the source.
        let text = e.to_string();
        let had_source = e.source().map(|s| s.to_string());
        let io = io::Error::from(clone(e));
        assert_eq!(io.to_string(), text);
        let inner = io.get_ref().expect("a custom io::Error");
        assert_eq!(inner.source().map(|s| s.to_string()), had_source);
    }
}

/// A copy of `e` (the adapter error is not `Clone`: `io::Error` is not).
fn clone(e: &Error) -> Error {
    match e {
        Error::Io { op, path, source } => Error::Io {
            op,
            path: path.clone(),
            source: match source.raw_os_error() {
                Some(n) => io::Error::from_raw_os_error(n),
                None => source.kind().into(),
            },
        },
        other => {
            let found = adapter_errors()
                .into_iter()
                .find(|c| format!("{c:?}") == format!("{other:?}"));
            found.expect("every other error is rebuilt by adapter_errors")
        }
    }
}

#[test]
fn wrappers_show_the_core_message_after_the_path() {
    let e = Error::Header {
        path: Some("/data/a.npy".into()),
        error: npy::Error::RankMismatch {
            found: 3,
            expected: 2,
        },
    };
    assert_eq!(
        e.to_string(),
        "/data/a.npy: the file has 3 axes, the type asks for 2; \
         use a dimension type of 3 axes or IxDyn"
    );
    assert!(e.source().is_none());
    // Made from a descriptor: no path, and the text does not pretend to have one.
    let e = Error::PastEnd {
        path: None,
        mode: Mode::Read,
        end: 108,
        len: 100,
    };
    assert_eq!(
        e.to_string(),
        "the array ends at byte 108 but the file has 100 bytes, and mode 'r' cannot \
         extend it; give a smaller shape or offset, or open in mode 'r+'"
    );
    let e = Error::from(mmarray::Error::ZeroSizedElement).at_path(Some(Path::new("/x")));
    assert!(
        e.to_string()
            .starts_with("/x: the element type has size zero"),
        "{e}"
    );
}

#[test]
fn io_kinds_tell_bad_files_from_bad_requests() {
    let kind = |e: Error| io::Error::from(e).kind();
    let header = |error| Error::Header { path: None, error };
    assert_eq!(
        kind(header(npy::Error::NotADict)),
        io::ErrorKind::InvalidData
    );
    assert_eq!(
        kind(header(npy::Error::RankMismatch {
            found: 3,
            expected: 2
        })),
        io::ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(header(npy::Error::DataMisaligned {
            offset: 3,
            align: 4,
            expected: &<f32 as mmarray::Dtype>::DESCR,
        })),
        io::ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(mmarray::Error::Overflow.into()),
        io::ErrorKind::InvalidInput
    );
}

#[test]
fn an_os_error_is_the_source_not_the_text() {
    let e = Error::Io {
        op: "open",
        path: Some("/data/a.npy".into()),
        source: io::Error::from_raw_os_error(2),
    };
    assert_eq!(e.to_string(), "open failed for /data/a.npy");
    let source = e.source().unwrap().downcast_ref::<io::Error>().unwrap();
    assert_eq!(source.kind(), io::ErrorKind::NotFound);
    assert_eq!(io::Error::from(e).kind(), io::ErrorKind::NotFound);
}

#[test]
fn raw_errors_keep_their_meaning_and_the_real_mode() {
    let p = Path::new("/data/a.bin");
    let e = Error::from_raw(
        raw::Error::PastEnd {
            end: 10,
            file_len: 4,
        },
        Some(p),
        Mode::CopyOnWrite,
    );
    assert!(
        matches!(&e, Error::PastEnd { mode: Mode::CopyOnWrite, end: 10, len: 4, path: Some(q) } if q == p),
        "{e:?}"
    );
    let e = Error::from_raw(raw::Error::Overflow { offset: 0, len: 1 }, None, Mode::Read);
    assert!(
        matches!(
            e,
            Error::Layout {
                error: mmarray::Error::Overflow,
                ..
            }
        ),
        "{e:?}"
    );
    let a = Error::from_raw(raw::Error::Anonymous, None, Mode::ReadWrite).to_string();
    let b = Error::from_raw(raw::Error::OtherFile, None, Mode::ReadWrite).to_string();
    assert_ne!(a, b, "two failures, two messages");
    let e = Error::from_raw(
        raw::Error::OutOfRange {
            start: 4,
            len: 8,
            region_len: 6,
        },
        None,
        Mode::Read,
    );
    assert!(
        matches!(
            e,
            Error::OutOfRange {
                start: 4,
                end: 12,
                len: 6
            }
        ),
        "{e:?}"
    );
}
