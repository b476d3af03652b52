//! The compile-fail tests of `mmarray-std` live in `tests/ui/` (`cargo test -p
//! mmarray-ui-tests`); this library is empty.
