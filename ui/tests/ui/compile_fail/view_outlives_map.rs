//! A view borrows its map: using it after the map is dropped (unmapped) does not compile
//! (numpy segfaults here, gh-13510).
use mmarray_std::{Ix1, Options};

fn show(path: &std::path::Path) -> mmarray_std::Result<()> {
    // SAFETY: never called; this file only has to compile (or not).
    let m = unsafe { Options::<f32, Ix1>::new().open_read(path) }?;
    let v = m.view();
    drop(m);
    println!("{v}");
    Ok(())
}

fn main() {
    let _ = show;
}
