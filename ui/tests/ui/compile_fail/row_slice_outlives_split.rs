//! A slice of a guard's rows cannot outlive splitting the guard: each half is handed on
//! (and may be committed) on its own.
fn main() {
    let log = mmarray_std::RowLog::<u32>::anonymous(4).unwrap();
    let guard = log.claim(2).unwrap();
    let rows: &[u32] = &guard;
    let (first, rest) = guard.split_at(1);
    first.commit();
    rest.commit();
    println!("{}", rows[0]);
}
