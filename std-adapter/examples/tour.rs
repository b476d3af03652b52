//! numpy.memmap's docstring, step by step, in Rust.
//!
//! Run with `cargo run --release -p mmarray-std --example tour`. Each step
//! prints what numpy prints at the same step of its docstring.

use mmarray_std::{Ix1, Ix2, Memmap, Options};

fn show<A: mmarray_std::Access>(label: &str, m: &Memmap<f32, Ix2, A>) {
    // Display prints numpy's repr of a memmap, dtype included.
    println!("{label}\n{m}\n");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // >>> data = np.arange(12, dtype='float32'); data.resize((3,4))
    let data: Vec<f32> = (0..12).map(|i| i as f32).collect();

    // A temporary directory, so the tour leaves nothing behind.
    let dir = std::env::temp_dir().join(format!("mmarray-tour-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let filename = dir.join("newfile.dat");

    let mut opts = Options::<f32, Ix2>::new();
    opts.shape([3, 4]);

    // >>> fp = np.memmap(filename, dtype='float32', mode='w+', shape=(3,4))
    // SAFETY: the tour's private file; nothing else writes or truncates it.
    let mut fp = unsafe { opts.create(&filename) }?;
    show(
        ">>> fp = np.memmap(filename, dtype='float32', mode='w+', shape=(3,4))",
        &fp,
    );

    // >>> fp[:] = data[:]
    fp.as_mut_slice().copy_from_slice(&data);
    show(">>> fp[:] = data[:]", &fp);

    // >>> fp.filename == path.abspath(filename)
    let abs = std::path::absolute(&filename)?;
    let same = if fp.filename() == Some(abs.as_path()) {
        "True"
    } else {
        "False"
    };
    println!(">>> fp.filename == path.abspath(filename)\n{same}\n");

    // >>> del fp   (deletion flushes; close() also reports a flush error)
    fp.close()?;
    println!(
        ">>> del fp\n(flushed and unmapped: {} bytes on disk)\n",
        std::fs::metadata(&filename)?.len()
    );

    // >>> newfp = np.memmap(filename, dtype='float32', mode='r', shape=(3,4))
    // SAFETY: the tour's private file; nothing else writes or truncates it.
    let newfp = unsafe { opts.open_read(&filename) }?;
    show(
        ">>> newfp = np.memmap(filename, dtype='float32', mode='r', shape=(3,4))",
        &newfp,
    );

    // >>> fpr = np.memmap(filename, dtype='float32', mode='r', shape=(3,4)); fpr.flags.writeable
    // SAFETY: the tour's private file; nothing else writes or truncates it.
    let fpr = unsafe { opts.open_read(&filename) }?;
    println!(">>> fpr.flags.writeable");
    println!("False  (Memmap<f32, Ix2, ReadOnly> has no view_mut: writing does not compile)");
    // SAFETY: the tour's private file; nothing else writes or truncates it.
    let mut dynamic = unsafe { opts.open(&filename, "r".parse()?) }?;
    println!(
        "       (with a mode parsed at run time, try_view_mut() says: {})\n",
        dynamic.try_view_mut().unwrap_err()
    );

    // >>> fpc = np.memmap(filename, dtype='float32', mode='c', shape=(3,4)); fpc.flags.writeable
    // SAFETY: the tour's private file; nothing else writes or truncates it.
    let mut fpc = unsafe { opts.open_copy_on_write(&filename) }?;
    println!(">>> fpc.flags.writeable\nTrue\n");
    show(">>> fpc", &fpc);

    // >>> fpc[0,:] = 0
    fpc.view_mut().index_axis_mut(0, 0)?.fill(&0.0);
    show(">>> fpc[0,:] = 0\n>>> fpc", &fpc);

    // File on disk is unchanged: >>> fpr
    show(">>> fpr   (the file on disk is unchanged)", &fpr);
    let on_disk = std::fs::read(&filename)?;
    assert_eq!(
        on_disk,
        data.iter()
            .flat_map(|x| x.to_ne_bytes())
            .collect::<Vec<u8>>()
    );

    // >>> fpo = np.memmap(filename, dtype='float32', mode='r', offset=16)
    // SAFETY: the tour's private file; nothing else writes or truncates it.
    let fpo = unsafe { Options::<f32, Ix1>::new().offset(16).open_read(&filename) }?;
    println!(
        ">>> fpo = np.memmap(filename, dtype='float32', mode='r', offset=16)\n>>> fpo\n{}\n",
        fpo
    );

    drop((newfp, fpr, fpc, fpo, dynamic));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
