//! `.npz` archives written by numpy, mapped member by member (feature `npz`).

#[path = "../support/mod.rs"]
mod support;

mod interop;
