//! Joins arbitrary bytes as a claims region (`Mapped::open`/`recover`): a torn, hostile or
//! foreign header is a typed error, never a panic; a joined store survives the operations the
//! input drives and keeps its invariants. The checks live in `fuzz/checks/claim_join.rs`,
//! which `tests/claims/fuzz_corpus.rs` also runs over the committed corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../checks/claim_join.rs");

fuzz_target!(|data: &[u8]| {
    check_claim_join(data);
});
