//! Shapes, orders and strides: pure checked integer math, no pointers.

/// The most dimensions an array may have: numpy 2's limit (numpy 1 allowed 32).
pub const MAX_DIMS: usize = 64;

/// Memory order of a contiguous array: which axis varies fastest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Row-major (C): the last axis varies fastest. numpy's default.
    #[default]
    C,
    /// Column-major (Fortran): the first axis varies fastest.
    F,
}

/// A shape of dynamic rank (0 to [`MAX_DIMS`] axes), stored inline without allocation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct IxDyn(pub(crate) heapless::Vec<usize, MAX_DIMS>);
