//! mmarray-std (placeholder).
pub use mmarray;
