//! A slice of a guard's rows cannot outlive the guard's commit: the guard publishes its
//! rows only after every reference to them has ended.
fn main() {
    let log = mmarray_std::RowLog::<u32>::anonymous(4).unwrap();
    let mut guard = log.claim(1).unwrap();
    let rows: &mut [u32] = &mut guard;
    guard.commit();
    rows[0] = 1;
}
