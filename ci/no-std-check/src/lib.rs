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

/// The claims protocol needs 64-bit atomics: built on targets that have them
/// (`aarch64-unknown-none` in ci/test), compiled out on those that do not.
#[cfg(target_has_atomic = "64")]
mod claims {
    use mmarray::claim::{Claims, Inline};

    /// Row claims over a `static` store: no allocation, no OS.
    static LOG: Claims<Inline<1>> = Claims::new(match Inline::new(64) {
        Ok(store) => store,
        Err(_) => panic!("64 rows fit one bitmap word"),
    });

    /// Claims `rows` rows and commits them; returns the first row, or -1 when the
    /// store is full.
    #[unsafe(no_mangle)]
    pub extern "C" fn mmarray_claim_rows(rows: u64) -> i64 {
        match LOG.claim(rows) {
            Ok(claim) => {
                let first = claim.rows().start;
                claim.commit();
                i64::try_from(first).unwrap_or(-1)
            }
            Err(_) => -1,
        }
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
