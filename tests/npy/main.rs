//! Integration tests of the `.npy` header layer, one module per behaviour: numpy-written
//! fixtures, golden header bytes, hostile nesting on a small stack, property tests, and the
//! replay of the fuzz corpus.

mod fixtures;
mod fuzz_corpus;
mod header;
mod nesting;
mod props;
