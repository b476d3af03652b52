//! numpy's `repr` of a memmap: `memmap([[0., 1.], [2., 3.]], dtype=float32)`.

use mmarray::Dimension;

use super::Memmap;
use crate::mode::Access;

/// numpy's `dtype_short_repr`: the `dtype=` text of an array repr, and whether
/// numpy leaves it out (`float64`, `int64`, `complex128` and `bool` are implied).
fn dtype_short_repr(descr: &mmarray::npy::Descr<'_>) -> (String, bool) {
    use mmarray::{ByteOrder, Kind};
    let Some(s) = descr.scalar() else {
        // Records print as their field list.
        return (descr.to_string().trim_matches('\'').to_string(), false);
    };
    let quoted = || (descr.to_string(), false);
    if s.order() != ByteOrder::NATIVE && s.order() != ByteOrder::NotApplicable {
        return quoted();
    }
    let bits = s.size() * 8;
    let name = match s.kind() {
        Kind::Bool => return ("bool".into(), true),
        Kind::Int => format!("int{bits}"),
        Kind::Uint => format!("uint{bits}"),
        Kind::Float => format!("float{bits}"),
        Kind::Complex => format!("complex{bits}"),
        Kind::Datetime { .. } | Kind::Timedelta { .. } => {
            // 'datetime64[ns]': not a plain name, so numpy quotes it.
            let code = descr.to_string();
            let unit = code.find('[').map_or("", |i| &code[i..code.len() - 1]);
            let base = if matches!(s.kind(), Kind::Datetime { .. }) {
                "datetime64"
            } else {
                "timedelta64"
            };
            return (format!("'{base}{unit}'"), false);
        }
        _ => return quoted(),
    };
    let implied = matches!(name.as_str(), "float64" | "int64" | "complex128");
    (name, implied)
}

/// The text after the data in numpy's repr: `shape=` for empty arrays other
/// than `(0,)` and for summarised ones (numpy >= 2.2), `dtype=` unless implied.
fn repr_extras(shape: &[usize], descr: &mmarray::npy::Descr<'_>) -> String {
    let size: usize = shape.iter().product();
    let mut parts = Vec::new();
    if (size == 0 && shape != [0]) || size > 1000 {
        let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
        parts.push(match dims.len() {
            1 => format!("shape=({},)", dims[0]),
            _ => format!("shape=({})", dims.join(", ")),
        });
    }
    let (name, implied) = dtype_short_repr(descr);
    if !implied || size == 0 {
        parts.push(format!("dtype={name}"));
    }
    parts.join(", ")
}

impl<T, D, A> std::fmt::Display for Memmap<T, D, A>
where
    T: mmarray::Dtype + mmarray::NumpyFormat,
    D: Dimension,
    A: Access,
{
    /// Prints the array as numpy's `repr` of a memmap does:
    /// `memmap([[0., 1.], [2., 3.]], dtype=float32)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let extras = repr_extras(self.shape(), &mmarray::npy::Descr::of::<T>());
        write!(f, "{}", self.view().repr("memmap", &extras))
    }
}
