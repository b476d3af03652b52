//! A map opened read-only has no `IndexMut`: assigning an element does not compile
//! (numpy raises at run time).
use mmarray_std::{Ix1, Options};

fn write(path: &std::path::Path) -> mmarray_std::Result<()> {
    // SAFETY: never called; this file only has to compile (or not).
    let m = unsafe { Options::<f32, Ix1>::new().open_read(path) }?;
    m[[0]] = 1.0;
    Ok(())
}

fn main() {
    let _ = write;
}
