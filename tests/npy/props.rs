//! Property tests: the header parser never panics, and emit/parse/rewrite agree with each
//! other and with numpy's length rules for random headers.

use mmarray::Order;
use mmarray::npy::{Descr, Header, rewrite_shape};
use mmarray::{Bool, ByteStr, Complex, Datetime64, Dtype, unit};
use proptest::prelude::*;
use zerocopy::byteorder::big_endian;

fn descrs() -> Vec<Descr<'static>> {
    vec![
        Descr::of::<f32>(),
        Descr::of::<f64>(),
        Descr::of::<i8>(),
        Descr::of::<u64>(),
        Descr::of::<Bool>(),
        Descr::of::<Complex<f64>>(),
        Descr::of::<big_endian::I16>(),
        Descr::of::<ByteStr<7>>(),
        Descr::of::<Datetime64<unit::Ns>>(),
        Descr::of::<[u8; 3]>(),
    ]
}

fn header_strategy() -> impl Strategy<Value = (usize, bool, Vec<usize>)> {
    let dim = prop_oneof![0usize..20, any::<usize>(), Just(usize::MAX)];
    (0..10usize, any::<bool>(), prop::collection::vec(dim, 0..6))
}

/// numpy's length rule: text + growth padding + 1, rounded up past the preamble to 64.
fn expected_len(text_len: usize, growth: Option<usize>) -> usize {
    let growth = growth.map_or(0, |n| 21 - n.to_string().len());
    let hlen = text_len + growth + 1;
    10 + hlen + (64 - (10 + hlen) % 64)
}

proptest! {
    // Regressions beside this file (`<file>.proptest-regressions`): the default looks
    // for them under `tests/proptest-regressions/` once the file is a module of a
    // `main.rs` test binary.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::with_cases(512)
    })]

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Header::parse(&data);
    }

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in prop::collection::vec(
        prop_oneof![
            Just(b'{'), Just(b'}'), Just(b'('), Just(b')'), Just(b'['), Just(b']'),
            Just(b'\''), Just(b'"'), Just(b','), Just(b':'), Just(b' '), Just(b'\\'),
            Just(b'L'), Just(b'-'), Just(b'0'), Just(b'9'), any::<u8>(),
        ], 0..200), version in 1u8..=3) {
        let mut data = b"\x93NUMPY".to_vec();
        data.extend_from_slice(&[version, 0]);
        if version == 1 {
            data.extend_from_slice(&(text.len() as u16).to_le_bytes());
        } else {
            data.extend_from_slice(&(text.len() as u32).to_le_bytes());
        }
        data.extend_from_slice(&text);
        let _ = Header::parse(&data);
    }

    #[test]
    fn mutated_valid_headers_never_panic(pos in 10usize..128, byte in any::<u8>()) {
        let h = Header::new(Descr::of::<f32>(), Order::C, &[3, 4]).unwrap();
        let mut buf = [0u8; 128];
        h.emit(&mut buf).unwrap();
        buf[pos] = byte;
        if let Ok((back, _)) = Header::parse(&buf) {
            let mut out = vec![0u8; back.emitted_len().unwrap()];
            back.emit(&mut out).unwrap();
            prop_assert_eq!(Header::parse(&out).unwrap().0, back);
        }
    }

    #[test]
    fn emit_then_parse_is_identity((d, fortran, shape) in header_strategy()) {
        let descr = descrs()[d];
        let order = if fortran { Order::F } else { Order::C };
        let h = Header::new(descr, order, &shape).unwrap();
        let len = h.emitted_len().unwrap();
        let mut buf = vec![0u8; len];
        prop_assert_eq!(h.emit(&mut buf).unwrap(), len);
        // Independent model of the text and numpy's padding rule.
        let shape_repr = match shape.len() {
            1 => format!("({},)", shape[0]),
            _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
        };
        let text = format!(
            "{{'descr': {}, 'fortran_order': {}, 'shape': {}, }}",
            descr,
            if fortran { "True" } else { "False" },
            shape_repr
        );
        let growth = if fortran { shape.last() } else { shape.first() };
        prop_assert_eq!(len, expected_len(text.len(), growth.copied()));
        prop_assert_eq!(&buf[10..10 + text.len()], text.as_bytes());
        prop_assert!(buf[10 + text.len()..len - 1].iter().all(|&b| b == b' '));
        prop_assert_eq!(buf[len - 1], b'\n');
        let (back, offset) = Header::parse(&buf).unwrap();
        prop_assert_eq!(offset, len);
        prop_assert_eq!(&back, &h);
        prop_assert_eq!(back.shape(), &shape[..]);
    }

    #[test]
    fn rewrite_along_the_growth_axis_equals_a_fresh_emit(
        (d, fortran, shape) in header_strategy(),
        grown in any::<usize>(),
    ) {
        prop_assume!(!shape.is_empty());
        let descr = descrs()[d];
        let order = if fortran { Order::F } else { Order::C };
        let h = Header::new(descr, order, &shape).unwrap();
        let mut buf = vec![0u8; h.emitted_len().unwrap()];
        h.emit(&mut buf).unwrap();
        let mut new_shape = shape.clone();
        let axis = if fortran { shape.len() - 1 } else { 0 };
        new_shape[axis] = grown;
        rewrite_shape(&mut buf, &new_shape).unwrap();
        let fresh = Header::new(descr, order, &new_shape).unwrap();
        let mut expected = vec![0u8; fresh.emitted_len().unwrap()];
        fresh.emit(&mut expected).unwrap();
        prop_assert_eq!(buf, expected);
    }
}

#[test]
#[cfg(target_endian = "little")]
fn descr_lengths_used_by_the_model_are_numpys() {
    let names: Vec<String> = descrs().iter().map(|d| d.to_string()).collect();
    assert_eq!(
        names,
        [
            "'<f4'",
            "'<f8'",
            "'|i1'",
            "'<u8'",
            "'|b1'",
            "'<c16'",
            "'>i2'",
            "'|S7'",
            "'<M8[ns]'",
            "'|V3'"
        ]
    );
    assert_eq!(<Complex<f32> as Dtype>::DESCR.itemsize(), 8);
}
