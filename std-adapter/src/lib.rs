//! mmarray-std (placeholder).
#![deny(unsafe_code)]
pub use mmarray;

pub mod raw;
mod sys;
