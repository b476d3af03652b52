// `npy_record!` with a listed type that is not the field's type (the issue's `value: i32`
// for an `f32` field) does not compile, so it cannot write a file numpy reads as garbage.
use mmarray_std::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy)]
#[repr(C)]
struct Sample {
    id: u32,
    value: f32,
}
mmarray_std::mmarray::npy_record!(Sample { id: u32, value: i32 });

fn main() {}
