//! The lock-free row log (`RowLog`) against real files, one module per behaviour: threads,
//! processes (this binary re-executes itself for the child writers), the buffered writer, one
//! handle per file per process.

#[path = "../support/mod.rs"]
mod support;

mod frozen;
mod one_handle;
mod processes;
mod threads;
mod writer;
