//! The guarantees that are compile errors, pinned: every case in `compile_fail/` must fail to
//! compile with exactly the committed `.stderr` beside it, so a renamed method or a changed
//! bound cannot make a case fail for the wrong reason (as a `compile_fail` doctest would).
//! The same code with the mistake removed compiles: `Memmap`'s doctests ("What does not
//! compile", and the example after it) and the `maps` tests do all of it.
//!
//! The messages are the current stable compiler's. After a deliberate change (an API rename, a
//! new compiler), regenerate them with
//! `TRYBUILD=overwrite cargo test -p mmarray-ui-tests --test ui` and review the diff.

#[test]
fn ui_cases_fail_with_the_pinned_messages() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/compile_fail/*.rs");
}
