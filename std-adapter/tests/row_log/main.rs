//! The lock-free row log (`RowLog`) against real files, one module per behaviour: threads,
//! processes (this binary re-executes itself for the child writers), the buffered writer, one
//! handle per file per process, a real `fork` (a child opens its own log), numpy loading the
//! log as a plain `.npy` (`npy_view`), valid rows and numpy's void mask (`validity`).

#[path = "../support/mod.rs"]
mod support;

mod anonymous;
mod fork;
mod frozen;
mod npy_view;
mod one_handle;
mod processes;
mod threads;
mod validity;
mod writer;
