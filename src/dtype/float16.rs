//! numpy's `float16` (`<f2`, `>f2`): the `half` crate's [`f16`](::half::f16) in native
//! order and [`F16`] in an explicit byte order (feature `half`), and the rounding that
//! prints a float16 value with its own shortest digits (always built: the printer needs it).

/// `x` rounded to the nearest float16 value (ties to even), as an `f64`; infinite past
/// float16's largest finite value 65504.
fn round_to_f16(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let mag = x.abs();
    // Half-way between 65504 and the next step (65536) rounds to infinity.
    if mag >= 65520.0 {
        return if x > 0.0 {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
    }
    // floor(log2 |x|) from the f64 exponent field (every value here is a normal f64).
    let e = ((mag.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    // float16 has 10 fraction bits; below 2^-14 the step is the subnormal one, 2^-24.
    let step_exp = if e < -14 { -24 } else { e - 10 };
    let step = pow2(step_exp);
    // Exact: dividing by a power of two, and the quotient is below 2^12.
    let q = mag / step;
    let whole = q as u64 as f64;
    let frac = q - whole;
    let rounded = if frac > 0.5 || (frac == 0.5 && (whole as u64) % 2 == 1) {
        whole + 1.0
    } else {
        whole
    };
    let r = rounded * step;
    if x < 0.0 { -r } else { r }
}

fn pow2(e: i32) -> f64 {
    // Normal f64 range only (|e| is at most 24 here).
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// The `f32` nearest to the shortest decimal that reads back as the float16 value `x`
/// (`x` is a float16 value widened exactly): its own shortest digits (`{}`, `{:e}`) are the
/// digits numpy prints for a `float16`, e.g. `0.1` for the float16 nearest 0.1
/// (0.0999755859375), where float32's shortest digits would be `0.099975586`.
pub(crate) fn shortest_f16(x: f32) -> f32 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let wide = f64::from(x);
    for p in 0..5 {
        let mut s = heapless::String::<32>::new();
        if core::fmt::write(&mut s, format_args!("{wide:.p$e}")).is_err() {
            break;
        }
        if let Ok(d) = s.parse::<f64>()
            && round_to_f16(d) == wide
        {
            return d as f32;
        }
    }
    x
}

#[cfg(feature = "half")]
mod types {
    use ::half::f16;
    use zerocopy::byteorder::{BigEndian, ByteOrder as ZByteOrder, LittleEndian, U16};
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

    use crate::dtype::{ByteOrder, Dtype, Kind, Scalar, TypeDescr};
    use crate::dtype::{NumpyFormat, ScalarValue};

    impl Dtype for f16 {
        const DESCR: TypeDescr =
            TypeDescr::Scalar(Scalar::known(ByteOrder::NATIVE, Kind::Float, 2));
    }

    impl NumpyFormat for f16 {
        fn scalar(&self) -> ScalarValue {
            ScalarValue::F16(self.to_f32())
        }
    }

    /// A numpy `float16` in byte order `O`, unaligned: `F16<LittleEndian>` is `<f2`,
    /// `F16<BigEndian>` is `>f2` (zerocopy's byte-order types have no 16-bit float).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray::F16;
    /// use mmarray::half::f16;
    /// use mmarray::zerocopy::BigEndian;
    /// let x = F16::<BigEndian>::new(f16::from_f32(1.5));
    /// assert_eq!(x.to_bytes(), [0x3e, 0x00]);
    /// assert_eq!(x.get().to_f32(), 1.5);
    /// ```
    #[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
    #[repr(transparent)]
    pub struct F16<O>(U16<O>);

    impl<O: ZByteOrder> Clone for F16<O> {
        fn clone(&self) -> Self {
            *self
        }
    }

    impl<O: ZByteOrder> Copy for F16<O> {}

    impl<O: ZByteOrder> PartialEq for F16<O> {
        /// Bitwise, like zerocopy's byte-order types (`NaN == NaN` when the bits agree).
        fn eq(&self, other: &Self) -> bool {
            self.0 == other.0
        }
    }

    impl<O: ZByteOrder> F16<O> {
        /// The value in byte order `O`.
        pub fn new(value: f16) -> Self {
            F16(U16::new(value.to_bits()))
        }

        /// The value.
        pub fn get(self) -> f16 {
            f16::from_bits(self.0.get())
        }

        /// Stores `value`.
        pub fn set(&mut self, value: f16) {
            *self = Self::new(value);
        }

        /// The two bytes as stored.
        pub fn to_bytes(self) -> [u8; 2] {
            self.0.to_bytes()
        }
    }

    impl<O: ZByteOrder> core::fmt::Debug for F16<O> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            write!(f, "F16({})", self.get())
        }
    }

    impl<O: ZByteOrder> NumpyFormat for F16<O> {
        fn scalar(&self) -> ScalarValue {
            ScalarValue::F16(self.get().to_f32())
        }
    }

    impl Dtype for F16<LittleEndian> {
        const DESCR: TypeDescr =
            TypeDescr::Scalar(Scalar::known(ByteOrder::Little, Kind::Float, 2));
    }

    impl Dtype for F16<BigEndian> {
        const DESCR: TypeDescr = TypeDescr::Scalar(Scalar::known(ByteOrder::Big, Kind::Float, 2));
    }
}

#[cfg(feature = "half")]
pub use types::F16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_to_float16_matches_its_grid() {
        assert_eq!(round_to_f16(0.1), 0.0999755859375);
        assert_eq!(round_to_f16(65504.0), 65504.0);
        assert_eq!(round_to_f16(65519.0), 65504.0);
        assert_eq!(round_to_f16(65520.0), f64::INFINITY);
        assert_eq!(round_to_f16(-6e-8), -5.960464477539063e-8); // the smallest subnormal
        assert_eq!(round_to_f16(1.0 + 1.0 / 2048.0), 1.0); // a tie goes to even
        assert_eq!(round_to_f16(1.0 + 3.0 / 2048.0), 1.0 + 2.0 / 1024.0);
    }

    #[test]
    fn shortest_digits_are_float16s() {
        // 0.0999755859375 and 0.333251953125, the float16 values nearest 0.1 and 1/3.
        assert_eq!(shortest_f16(1638.0 / 16384.0), 0.1);
        assert_eq!(shortest_f16(5460.0 / 16384.0), 0.3333);
        assert_eq!(shortest_f16(65504.0), 65500.0);
    }
}
