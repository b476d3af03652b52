//! A mutable view excludes every other view of the same map.
use mmarray_std::{Ix1, Options};

fn alias(path: &std::path::Path) -> mmarray_std::Result<()> {
    // SAFETY: never called; this file only has to compile (or not).
    let mut m = unsafe { Options::<f32, Ix1>::new().open_read_write(path) }?;
    let v = m.view();
    m.view_mut().fill(&0.0);
    println!("{v}");
    Ok(())
}

fn main() {
    let _ = alias;
}
