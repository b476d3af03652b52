//! The one import point for atomics.
//!
//! Everything in the crate that synchronises goes through this module, so a single cfg switches
//! the whole crate between the real atomics of `core` and the model-checked atomics of
//! [loom](https://docs.rs/loom/0.7). The switch is the crate-specific cfg `mmarray_loom`, not a
//! bare `loom`, because `RUSTFLAGS` is global and a bare `--cfg loom` would also flip every
//! loom-aware dependency.
//!
//! ```text
//! RUSTFLAGS="--cfg mmarray_loom" cargo test --release --test loom_claim   # see ci/loom
//! ```
//!
//! Nothing in the crate overlays atomics on bytes: even the in-file store of [`crate::claim`]
//! (`Mapped`) takes a slice of these atomics, which the adapter makes from the mapping. So under
//! `mmarray_loom` every store builds, over heap-allocated loom atomics, and the models run the
//! same protocol code.
//!
//! 64-bit atomics are required (row counts are `u64`); on targets without them this module, and
//! [`crate::claim`], are empty.

#[cfg(all(target_has_atomic = "64", not(mmarray_loom)))]
pub(crate) use core::sync::atomic::{AtomicU64, Ordering};

#[cfg(all(target_has_atomic = "64", mmarray_loom))]
pub(crate) use loom::sync::atomic::{AtomicU64, Ordering};
