//! Growing takes `&mut self`: it does not compile while a view is alive (the mapping may move).
use mmarray_std::{Ix1, Options};

fn grow(path: &std::path::Path) -> mmarray_std::Result<()> {
    // SAFETY: never called; this file only has to compile (or not).
    let mut m = unsafe { Options::<f32, Ix1>::new().open_read_write(path) }?;
    let v = m.view();
    m.grow(100)?;
    println!("{v}");
    Ok(())
}

fn main() {
    let _ = grow;
}
