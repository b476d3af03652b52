//! `mmarray`: look inside `.npy` / `.npz` files and mmarray row logs.
//!
//! ```text
//! mmarray info FILE      the header of a .npy file, or of every member of a .npz
//!                        archive (version, descr, shape, order, data offset, file
//!                        size, whether the data is complete) and its values as numpy
//!                        prints them (large arrays summarised with `...`)
//! mmarray rowlog FILE    a row log's counters: capacity, row size, claimed,
//!                        committed, durable, the stalled rows (holes), the valid
//!                        rows and where the void bitmap lies
//! mmarray rowlog --mask-offset FILE
//!                        just the void bitmap's byte offset, for scripts
//! ```
//!
//! A file that is not what the command expects gets the library's error message and
//! exit status 1; a usage error exit status 2.
//!
//! The values are read through a read-only map of the file: like every map, it assumes
//! that no other process truncates or writes the file while the tool reads it.

use std::path::Path;
use std::process::ExitCode;

mod info;
mod rowlog;

/// What a command returns: its text, or the error to print (the library's errors name
/// the file themselves; OS errors get the path here).
type Fallible<T> = Result<T, Failure>;

/// A failed command: what it could show before the error, and the error.
struct Failure {
    shown: String,
    error: Box<dyn std::error::Error>,
}

impl<E: Into<Box<dyn std::error::Error>>> From<E> for Failure {
    fn from(e: E) -> Self {
        Self {
            shown: String::new(),
            error: e.into(),
        }
    }
}

/// An OS error reading `path`, with the path.
fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| format!("{}: {e}", path.display()).into()
}

const USAGE: &str = "usage: mmarray info FILE      (.npy or .npz: header, completeness, values)
       mmarray rowlog FILE    (a row log's counters)
       mmarray rowlog --mask-offset FILE    (byte offset of its void bitmap)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let run = match args.as_slice() {
        [cmd, file] if cmd == "info" => info::run(Path::new(file)),
        [cmd, file] if cmd == "rowlog" => rowlog::run(Path::new(file)),
        [cmd, flag, file] if cmd == "rowlog" && flag == "--mask-offset" => {
            rowlog::mask_offset(Path::new(file))
        }
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(Failure { shown, error }) => {
            print!("{shown}");
            let mut msg = error.to_string();
            let mut source = error.source();
            while let Some(s) = source {
                msg.push_str(&format!(": {s}"));
                source = s.source();
            }
            eprintln!("mmarray: {msg}");
            ExitCode::from(1)
        }
    }
}
