//! Integration tests of the views (`ArrayView`, `ArrayViewMut`), one module per behaviour.

#[cfg(feature = "ndarray")]
mod ndarray_props;
mod view_props;
