//! `.npy` files through the adapter, one module per behaviour: interop with real numpy both
//! ways, malformed files, and appending in place.

#[path = "../support/mod.rs"]
mod support;

mod append;
mod bad_input;
mod durable;
#[cfg(feature = "half")]
mod float16;
mod interop;
mod killed_append;
mod knobs;
#[cfg(feature = "ndarray")]
mod ndarray;
mod records;
