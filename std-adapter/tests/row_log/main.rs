//! The lock-free row log (`RowLog`) against real files, one module per behaviour: threads,
//! processes (this binary re-executes itself for the child writers), the buffered writer, one
//! handle per file per process, a real `fork` (a child opens its own log), numpy loading the
//! log as a plain `.npy` (`npy_view`), valid rows and numpy's void mask (`validity`), liveness
//! of writers in other processes (`liveness`, with the `children` it starts), owner slots
//! taken only by claims and closes, so that readers hold none while no hole needs closing (`lazy_slots`), the issue's
//! killed-writer scenario (`killed_writer`) and writers killed at random (`random_kills`).

#[path = "../support/mod.rs"]
mod support;

mod anonymous;
#[cfg(target_os = "linux")]
mod children;
mod fork;
mod frozen;
#[cfg(target_os = "linux")]
mod killed_writer;
#[cfg(target_os = "linux")]
mod lazy_slots;
#[cfg(target_os = "linux")]
mod liveness;
mod npy_view;
mod one_handle;
mod processes;
#[cfg(target_os = "linux")]
mod random_kills;
mod threads;
mod validity;
mod writer;
