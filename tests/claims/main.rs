//! Integration tests of the concurrent-writers protocol (`mmarray::claim`) under real
//! threads. The loom models live apart, in `tests/loom_claim/` (run by `ci/loom`), because
//! they need the library built with `--cfg mmarray_loom`.

mod fuzz_corpus;
mod threads;
