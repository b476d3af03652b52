//! A freestanding user of the core: no std, no alloc, abort on panic.
#![no_std]

use mmarray::{ArrayView, Order, Slice};

/// Sums column `col` of a little-endian f32 matrix of `rows` x `cols` handed
/// over as raw bytes, or returns NaN when the bytes do not fit the shape.
#[unsafe(no_mangle)]
pub extern "C" fn mmarray_column_sum(
    bytes: *const u8,
    len: usize,
    rows: usize,
    cols: usize,
    col: usize,
) -> f32 {
    if bytes.is_null() {
        return f32::NAN;
    }
    // SAFETY: the C caller passes a readable region of `len` bytes that
    // outlives this call (the freestanding harness's contract, not the core's).
    let region = unsafe { core::slice::from_raw_parts(bytes, len) };
    let Ok(a) = ArrayView::<zerocopy_le::F32, _>::from_bytes(region, [rows, cols], Order::C) else {
        return f32::NAN;
    };
    let Ok(c) = a.slice_axis(1, Slice::new(Some(col as isize), Some(col as isize + 1), 1)) else {
        return f32::NAN;
    };
    c.iter().map(|x| x.get()).sum()
}

use mmarray::zerocopy::byteorder::little_endian as zerocopy_le;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
