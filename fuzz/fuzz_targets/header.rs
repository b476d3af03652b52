//! Parses arbitrary bytes as a `.npy` header; whatever parses must emit, re-parse to an equal
//! header, and re-emit to the same bytes. The checks live in `fuzz/checks/header.rs`, which
//! `tests/npy/fuzz_corpus.rs` also runs over the committed corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../checks/header.rs");

fuzz_target!(|data: &[u8]| {
    check_header(data);
});
