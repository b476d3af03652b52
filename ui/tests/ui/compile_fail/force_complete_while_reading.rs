//! `force_complete` cannot run while a slice of the committed rows is alive.
fn main() {
    let mut log = mmarray_std::RowLog::<u32>::anonymous(4).unwrap();
    log.push(7).unwrap();
    let rows = log.committed_rows();
    // SAFETY: an anonymous log has no writers in other processes.
    let _ = unsafe { log.force_complete(1..1) };
    println!("{}", rows[0]);
}
