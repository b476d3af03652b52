//! The lock-free row log (`RowLog`) against real files, one module per behaviour: threads,
//! processes (this binary re-executes itself for the child writers), the buffered writer.

#[path = "../support/mod.rs"]
mod support;

mod anonymous;
mod processes;
mod threads;
mod writer;
