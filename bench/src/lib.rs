//! The benchmarks of `mmarray-std` live in `benches/` (`cargo bench -p mmarray-bench`);
//! this library is empty. See README.md, "Benchmarks".
