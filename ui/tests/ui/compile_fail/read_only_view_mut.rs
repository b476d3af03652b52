//! A map opened read-only hands out no mutable view.
use mmarray_std::{Ix1, Options};

fn fill(path: &std::path::Path) -> mmarray_std::Result<()> {
    // SAFETY: never called; this file only has to compile (or not).
    let mut m = unsafe { Options::<f32, Ix1>::new().open_read(path) }?;
    m.view_mut().fill(&0.0);
    Ok(())
}

fn main() {
    let _ = fill;
}
