//! An `.npz` archive written by numpy, mapped member by member where the data lies
//! (numpy itself reads every member into memory, whatever `mmap_mode` says).
//!
//! Run with `cargo run --release -p mmarray-std --features npz --example npz_members`.
//! numpy is taken from `$MMARRAY_PYTHON` (a python with numpy), else `python3`.

use std::process::Command;

use mmarray_std::zerocopy::little_endian::{F64, I32};
use mmarray_std::{Ix1, Ix2, npz};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("mmarray-npz-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("run.npz");
    let result = run(&path);
    std::fs::remove_dir_all(&dir)?;
    result
}

fn run(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let python = std::env::var("MMARRAY_PYTHON").unwrap_or_else(|_| "python3".into());
    // >>> np.savez(path, weights=..., labels=..., steps=...)
    let status = Command::new(&python)
        .args([
            "-c",
            "import sys, numpy as np\n\
             np.savez(sys.argv[1],\n\
                      weights=np.arange(12, dtype='<f8').reshape(3, 4) / 4,\n\
                      labels=np.array([7, -1, 42], dtype='<i4'),\n\
                      steps=np.asfortranarray(np.arange(6, dtype='<f8').reshape(2, 3)))",
        ])
        .arg(path)
        .status()
        .map_err(|e| {
            format!("cannot run {python} (set MMARRAY_PYTHON to a python with numpy): {e}")
        })?;
    if !status.success() {
        return Err(format!("numpy could not write the archive: {status}").into());
    }

    // Reads the zip directory only; no member is read yet.
    let archive = npz::Archive::open(path)?;
    println!("{} holds:", path.display());
    for m in archive.members() {
        let info = archive.info(m.name())?;
        println!(
            "  {:8} at byte {:4}: descr {}, shape {:?}, {:?} order, data at +{}",
            m.name(),
            m.offset(),
            info.descr,
            info.shape,
            info.order,
            info.data_offset
        );
    }

    // np.savez does not align members, so map them with zerocopy's unaligned
    // little-endian types: same descr ('<f8', '<i4'), any offset.
    // SAFETY: the archive is this example's; nothing writes or truncates it while mapped.
    let weights = unsafe { archive.map_read::<F64, Ix2>("weights") }?;
    println!("weights =\n{weights}");
    assert_eq!(weights[[2, 3]].get(), 2.75);

    // SAFETY: as above.
    let labels = unsafe { archive.map_read::<I32, Ix1>("labels") }?;
    println!("labels = {labels}");
    assert_eq!(
        labels.view().iter().map(|x| x.get()).collect::<Vec<_>>(),
        [7, -1, 42]
    );

    // A Fortran-order member keeps its order; the view indexes it as numpy does.
    // SAFETY: as above.
    let steps = unsafe { archive.map_read::<F64, Ix2>("steps") }?;
    println!("steps ({:?} order) =\n{steps}", steps.order());
    assert_eq!(steps[[1, 2]].get(), 5.0);

    // The wrong type is refused with the file's descr in the message.
    // SAFETY: as above.
    match unsafe { archive.map_read::<I32, Ix2>("weights") } {
        Err(e) => println!("mapping weights as '<i4' fails: {e}"),
        Ok(_) => return Err("weights mapped with the wrong dtype".into()),
    }
    Ok(())
}
