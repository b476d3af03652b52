//! Replays the committed fuzz corpus (fuzz/corpus/header) through the fuzz target's checks:
//! whatever parses must emit, re-parse to an equal header and re-emit the same bytes; nothing
//! may panic. Also checks the corpus still holds both accepted and refused inputs.

// The fuzz target's own checks: `check_header`.
include!("../../fuzz/checks/header.rs");

#[test]
fn corpus_replays_through_the_fuzz_checks() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/header");
    let (mut ok, mut refused) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let parsed = std::panic::catch_unwind(|| check_header(&data))
            .unwrap_or_else(|_| panic!("{} failed the fuzz checks", path.display()));
        if parsed { ok += 1 } else { refused += 1 }
    }
    assert!(ok >= 40, "accepted corpus inputs: {ok}");
    assert!(refused >= 20, "refused corpus inputs: {refused}");
}
