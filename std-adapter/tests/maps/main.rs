//! Maps of real files through `Memmap` and `Options`, one module per behaviour: numpy.memmap's
//! modes, offsets, shapes and orders, views, descriptors, flushing, bad input, splitting a
//! mutable view across threads, and printing as numpy prints.

#[path = "../support/mod.rs"]
mod support;

mod advice;
mod align;
mod bad_input;
mod fd;
mod flush;
mod modes;
#[cfg(feature = "ndarray")]
mod ndarray;
mod numpy_print;
mod offsets;
mod order;
mod preallocate;
mod shape;
mod split;
mod tour_numpy;
mod views;
mod write_batches;
mod writes;
