//! `mmarray info FILE`: the `.npy` header (or each `.npz` member's) and the values.

use std::fmt::Write as _;
use std::path::Path;

use mmarray_std::zerocopy::{big_endian as be, little_endian as le};
use mmarray_std::{Bool, Dtype, IxDyn, NumpyFormat, Result, npy, npz};

use crate::{Failure, Fallible, io_error};

/// Describes `path`, a `.npy` file or (by its zip magic) an `.npz` archive.
pub(crate) fn run(path: &Path) -> Fallible<String> {
    let file = std::fs::File::open(path).map_err(io_error(path))?;
    let size = file.metadata().map_err(io_error(path))?.len();
    let mut magic = [0u8; 4];
    let is_zip =
        std::io::Read::read_exact(&mut &file, &mut magic).is_ok() && magic == *b"PK\x03\x04";
    drop(file);
    if is_zip {
        archive(path, size)
    } else {
        single(path, size)
    }
}

fn single(path: &Path, size: u64) -> Fallible<String> {
    let info = npy::info(path)?;
    let mut out = header_text(&path.display().to_string(), &info, "file size   ", size);
    let values = with_type(&info.descr, Source::Npy(path))
        .or_else(|| truncated(Some(path), &info, size).map(Err));
    match finish(&mut out, &info, size, values) {
        None => Ok(out),
        Some(error) => Err(Failure { shown: out, error }),
    }
}

fn archive(path: &Path, size: u64) -> Fallible<String> {
    let a = npz::Archive::open(path)?;
    let mut out = format!(
        "{}: .npz archive, {} bytes, {} members\n",
        path.display(),
        size,
        a.members().len()
    );
    let mut first_error = None;
    for m in a.members() {
        out.push('\n');
        let info = match a.info(m.name()) {
            Ok(info) => info,
            Err(e) => {
                let _ = writeln!(out, "member {}: {e}", m.name());
                first_error.get_or_insert_with(|| e.into());
                continue;
            }
        };
        let title = format!(
            "member {} (at byte {} of the archive)",
            m.name(),
            m.offset()
        );
        out.push_str(&header_text(&title, &info, "member size ", m.len()));
        let values = with_type(&info.descr, Source::Member(&a, m.name()))
            .or_else(|| truncated(Some(path), &info, m.len()).map(Err));
        if let Some(e) = finish(&mut out, &info, m.len(), values) {
            first_error.get_or_insert(e);
        }
    }
    match first_error {
        None => Ok(out),
        Some(error) => Err(Failure { shown: out, error }),
    }
}

/// The library's error for data cut short, when no element type was tried (a record
/// descr, say): a truncated file is an error whatever its type.
fn truncated(path: Option<&Path>, info: &npy::Info, size: u64) -> Option<mmarray_std::Error> {
    let len = size.saturating_sub(info.data_offset);
    (len < info.data_len).then(|| mmarray_std::Error::DataTruncated {
        path: path.map(Path::to_path_buf),
        needed: info.data_len,
        len,
    })
}

fn header_text(title: &str, info: &npy::Info, size_label: &str, size: u64) -> String {
    let order = match info.order {
        mmarray_std::Order::C => "C",
        mmarray_std::Order::F => "F (fortran_order)",
    };
    format!(
        "{title}\n  version      {}\n  descr        {}\n  shape        {:?}\n  order        {order}\n  data offset  {}\n  data length  {}\n  {size_label} {size}\n",
        info.version, info.descr, info.shape, info.data_offset, info.data_len
    )
}

/// Appends whether the data is complete and the values (or why they are not shown); returns
/// the error that kept the values from being shown (a truncated or malformed file).
fn finish(
    out: &mut String,
    info: &npy::Info,
    size: u64,
    values: Option<Result<String>>,
) -> Option<Box<dyn std::error::Error>> {
    let end = info.data_offset.checked_add(info.data_len);
    let complete = end.is_some_and(|end| end <= size);
    match end {
        Some(end) if complete => {
            let _ = writeln!(
                out,
                "  complete     yes ({} bytes after the data)",
                size - end
            );
        }
        Some(end) => {
            let _ = writeln!(
                out,
                "  complete     no: the data needs {end} bytes, there are {size}"
            );
        }
        None => {
            let _ = writeln!(out, "  complete     no: the data's end overflows u64");
        }
    }
    match values {
        None => {
            let _ = writeln!(
                out,
                "  values       not shown: no element type for descr {}",
                info.descr
            );
        }
        Some(Ok(text)) => {
            let _ = writeln!(out, "  values\n{}", indent(&text));
        }
        Some(Err(e)) => {
            let _ = writeln!(out, "  values       not shown (error below)");
            return Some(e.into());
        }
    }
    None
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}\n"))
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// Where the values are.
#[derive(Clone, Copy)]
enum Source<'a> {
    Npy(&'a Path),
    Member(&'a npz::Archive, &'a str),
}

/// The values as numpy prints them, for the element type of `descr`: byte-order types of
/// alignment 1, so any data offset maps (`np.savez` does not align its members).
fn with_type(descr: &str, src: Source<'_>) -> Option<Result<String>> {
    Some(match descr.trim_matches('\'') {
        "|b1" => show::<Bool>(src),
        "|i1" => show::<i8>(src),
        "|u1" => show::<u8>(src),
        "<i2" => show::<le::I16>(src),
        "<i4" => show::<le::I32>(src),
        "<i8" => show::<le::I64>(src),
        "<u2" => show::<le::U16>(src),
        "<u4" => show::<le::U32>(src),
        "<u8" => show::<le::U64>(src),
        "<f4" => show::<le::F32>(src),
        "<f8" => show::<le::F64>(src),
        ">i2" => show::<be::I16>(src),
        ">i4" => show::<be::I32>(src),
        ">i8" => show::<be::I64>(src),
        ">u2" => show::<be::U16>(src),
        ">u4" => show::<be::U32>(src),
        ">u8" => show::<be::U64>(src),
        ">f4" => show::<be::F32>(src),
        ">f8" => show::<be::F64>(src),
        _ => return None,
    })
}

fn show<T: Dtype + NumpyFormat>(src: Source<'_>) -> Result<String> {
    match src {
        Source::Npy(path) => {
            // SAFETY: a read-only map for as long as the values are printed; the tool's
            // documented assumption is that nothing truncates or writes the file meanwhile.
            let m = unsafe { npy::open_read::<T, IxDyn>(path) }?;
            Ok(m.view().to_string())
        }
        Source::Member(a, name) => {
            // SAFETY: as above, for the archive.
            let m = unsafe { a.map_read::<T, IxDyn>(name) }?;
            Ok(m.view().to_string())
        }
    }
}
