//! Hostile nesting in a header is refused with an error, never by exhausting the
//! stack: the parser must stay usable on threads (and targets) with small stacks.

use mmarray::npy::{Error, Header};

/// 64 KiB when optimised; unoptimised (debug) frames are several times larger.
const STACK: usize = if cfg!(debug_assertions) { 256 } else { 64 } * 1024;

/// A v1.0 `.npy` preamble plus `text` padded to a multiple of 64 with a newline.
fn header(text: &str) -> Vec<u8> {
    let mut t = text.as_bytes().to_vec();
    while !(10 + t.len() + 1).is_multiple_of(64) {
        t.push(b' ');
    }
    t.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(t.len() as u16).to_le_bytes());
    out.extend_from_slice(&t);
    out
}

/// Parses on a thread with a small stack; a stack overflow aborts the test binary.
fn parse_small_stack(bytes: Vec<u8>) -> Result<(), Error> {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || Header::parse_with_max_len(&bytes, 100_000).map(drop))
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn deeply_parenthesised_shapes_are_refused() {
    let text = |depth: usize| {
        let shape = format!("{}3{}", "(".repeat(depth), ")".repeat(depth));
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({shape},), }}")
    };
    for depth in [13, 33, 200, 5000] {
        assert!(
            parse_small_stack(header(&text(depth))).is_err(),
            "depth {depth}"
        );
    }
    // Python reads `(((3)),)` as `(3,)`, and so do we, up to the limit.
    for depth in [1, 5, 11] {
        assert!(
            parse_small_stack(header(&text(depth))).is_ok(),
            "depth {depth}"
        );
    }
}

#[test]
fn deeply_nested_records_are_refused() {
    for depth in [9, 15, 31, 200, 3000] {
        let mut descr = String::from("'<f4'");
        for _ in 0..depth {
            descr = format!("[('a', {descr})]");
        }
        let text = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (2,), }}");
        assert!(parse_small_stack(header(&text)).is_err(), "depth {depth}");
    }
    // Records nested up to the limit still parse, with a sub-array shape at the bottom.
    let mut descr = String::from("'<f4', (2, 3)");
    for _ in 0..8 {
        descr = format!("[('a', {descr})]");
    }
    let text = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (2,), }}");
    assert!(parse_small_stack(header(&text)).is_ok());
}
