//! Integration tests of the views (`ArrayView`, `ArrayViewMut`), one module per behaviour.

mod view_props;
