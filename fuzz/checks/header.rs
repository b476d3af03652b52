// The checks of the `header` fuzz target, shared word for word with the corpus
// replay test (`tests/npy/fuzz_corpus.rs` includes this file): whatever parses
// must emit, re-parse to an equal header and re-emit the same bytes.

/// Runs the checks on one input; returns whether it parsed.
pub fn check_header(data: &[u8]) -> bool {
    use mmarray::npy::{Header, HeaderBytes};
    let Ok((h, offset)) = Header::parse(data) else {
        return false;
    };
    let raw = HeaderBytes::new_checked(data).expect("parse succeeded, so the bytes layer did");
    assert_eq!(raw.data_offset(), offset);
    let _ = h.data_len();
    let len = h.emitted_len().expect("a parsed header fits some version");
    assert_eq!(len % 64, 0);
    let mut out = vec![0u8; len];
    assert_eq!(h.emit(&mut out).expect("emit"), len);
    let (again, again_offset) =
        Header::parse_with_max_len(&out, usize::MAX).expect("emitted header parses");
    assert_eq!(again, h);
    assert_eq!(again_offset, len);
    let mut out2 = vec![0u8; len];
    again.emit(&mut out2).expect("re-emit");
    assert_eq!(out, out2);
    true
}
