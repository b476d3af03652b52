//! Replays the committed fuzz corpus (fuzz/corpus/header) through the fuzz target's checks:
//! whatever parses must emit, re-parse to an equal header and re-emit the same bytes; nothing
//! may panic. Also checks the corpus still holds both accepted and refused inputs.

use mmarray::npy::{Header, HeaderBytes};

/// The body of `fuzz/fuzz_targets/header.rs`; returns whether the input parsed.
fn check(data: &[u8]) -> bool {
    let Ok((h, offset)) = Header::parse(data) else {
        return false;
    };
    let raw = HeaderBytes::new_checked(data).expect("parse succeeded, so the bytes layer did");
    assert_eq!(raw.data_offset(), offset);
    let _ = h.data_len();
    let len = h.emitted_len().expect("a parsed header fits some version");
    assert_eq!(len % 64, 0);
    let mut out = vec![0u8; len];
    assert_eq!(h.emit(&mut out).expect("emit"), len);
    let (again, again_offset) =
        Header::parse_with_max_len(&out, usize::MAX).expect("emitted header parses");
    assert_eq!(again, h);
    assert_eq!(again_offset, len);
    let mut out2 = vec![0u8; len];
    again.emit(&mut out2).expect("re-emit");
    assert_eq!(out, out2);
    true
}

#[test]
fn corpus_replays_through_the_fuzz_checks() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/header");
    let (mut ok, mut refused) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let parsed = std::panic::catch_unwind(|| check(&data))
            .unwrap_or_else(|_| panic!("{} failed the fuzz checks", path.display()));
        if parsed { ok += 1 } else { refused += 1 }
    }
    assert!(ok >= 40, "accepted corpus inputs: {ok}");
    assert!(refused >= 20, "refused corpus inputs: {refused}");
}
