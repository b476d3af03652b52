//! `force_complete` (which zero-fills rows) cannot run while a guard of the same log is
//! alive: it takes `&mut self`, and one handle per file per process makes that cover every
//! guard of this process.
fn main() {
    let mut log = mmarray_std::RowLog::<u32>::anonymous(4).unwrap();
    let guard = log.claim(1).unwrap();
    // SAFETY: an anonymous log has no writers in other processes.
    let _ = unsafe { log.force_complete(0..1) };
    guard.commit();
}
