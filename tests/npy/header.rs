//! `.npy` header bytes, parsing, emission and in-place shape rewrite, checked against
//! hand-derived golden bytes from numpy's format rules (reference numpy.md §2).

use mmarray::Order;
use mmarray::npy::{
    Descr, Error, Header, HeaderBytes, Key, Part, ShapeProblem, Version, rewrite_shape,
};
use mmarray::{Dtype, Record, RecordField, TypeDescr};

/// A file with the given version and header text (the text used verbatim, no padding added).
fn file(version: (u8, u8), text: &[u8]) -> Vec<u8> {
    let mut v = b"\x93NUMPY".to_vec();
    v.extend_from_slice(&[version.0, version.1]);
    if version.0 == 1 {
        v.extend_from_slice(&(text.len() as u16).to_le_bytes());
    } else {
        v.extend_from_slice(&(text.len() as u32).to_le_bytes());
    }
    v.extend_from_slice(text);
    v
}

fn emit(h: &Header<'_>) -> Vec<u8> {
    let mut out = vec![0u8; h.emitted_len().unwrap()];
    assert_eq!(h.emit(&mut out).unwrap(), out.len());
    out
}

fn parse_err(bytes: &[u8]) -> Error {
    Header::parse(bytes).unwrap_err()
}

fn v1(text: &str) -> Vec<u8> {
    file((1, 0), text.as_bytes())
}

#[test]
fn golden_f4_3x4_is_numpys_128_bytes() {
    // np.save of np.arange(12, dtype='<f4').reshape(3, 4): the text, 18 growth spaces
    // (21 - len('3')... no: growth axis is shape[0] = 3 → 20 spaces), alignment spaces, '\n'.
    let text = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
    let mut golden = b"\x93NUMPY\x01\x00v\x00".to_vec();
    golden.extend_from_slice(text.as_bytes());
    golden.resize(127, b' ');
    golden.push(b'\n');
    let h = Header::new(Descr::of::<f32>(), Order::C, &[3, 4]).unwrap();
    assert_eq!(emit(&h), golden);
    assert_eq!(Header::parse(&golden).unwrap(), (h, 128));
}

#[test]
fn growth_padding_is_21_minus_digits_of_the_growth_axis() {
    let text_c = "{'descr': '<i8', 'fortran_order': False, 'shape': (12345, 2), }";
    let h = Header::new(Descr::of::<i64>(), Order::C, &[12345, 2]).unwrap();
    let out = emit(&h);
    let body = &out[10..];
    assert!(body.starts_with(text_c.as_bytes()));
    // 16 growth spaces, then alignment padding, then '\n': all spaces up to the newline.
    assert!(body[text_c.len()..127 - 10].iter().all(|&b| b == b' '));
    // Fortran order grows the last axis.
    let f = Header::new(Descr::of::<i64>(), Order::F, &[2, 12345]).unwrap();
    assert_eq!(emit(&f).len(), 128);
    // 0-d: no growth padding; still 128 (alignment).
    let z = Header::new(Descr::of::<i64>(), Order::C, &[]).unwrap();
    let out = emit(&z);
    assert_eq!(out.len(), 128);
    assert!(out[10..].starts_with(b"{'descr': '<i8', 'fortran_order': False, 'shape': (), }"));
}

fn spaces_record(k: usize) -> Descr<'static> {
    let name: &'static str = Box::leak(" ".repeat(k).into_boxed_str());
    let fields: &'static [RecordField] = Box::leak(Box::new([RecordField {
        name,
        descr: &<i64 as Dtype>::DESCR,
        offset: 0,
        shape: &[],
    }]));
    let record: &'static Record = Box::leak(Box::new(Record { fields, size: 8 }));
    Descr::from_type(Box::leak(Box::new(TypeDescr::Record(record))))
}

#[test]
fn growth_axis_boundaries_match_numpys_test() {
    // numpy's test_header_growth_axis pins k=22/23 (C) and 23/24 (F), but it passes a dtype
    // *object* as 'descr', whose repr `dtype([...])` is 7 characters longer than the descr
    // list np.save writes. With the real descr list (what we emit) the boundaries are 7
    // higher; checked with numpy 2.4.6:
    //   write_array_header_1_0(fp, {'shape': (n, 2), 'fortran_order': False,
    //       'descr': dtype_to_descr(np.dtype([(' '*k, '<i8')]))})
    // gives 128 bytes for k=29 and 192 for k=30 (Fortran, shape (2, n): 30 and 31), for
    // every n = 10^0 .. 10^20. Here n stops at 10^19 (10^20 does not fit a 64-bit usize).
    let mut n: usize = 1;
    loop {
        for (k, order, shape, len) in [
            (29, Order::C, [n, 2], 128),
            (30, Order::C, [n, 2], 192),
            (30, Order::F, [2, n], 128),
            (31, Order::F, [2, n], 192),
        ] {
            let h = Header::new(spaces_record(k), order, &shape).unwrap();
            assert_eq!(h.emitted_len().unwrap(), len, "k={k} {order:?} n={n}");
            let out = emit(&h);
            assert_eq!(Header::parse(&out).unwrap(), (h, len));
        }
        match n.checked_mul(10) {
            Some(m) => n = m,
            None => break,
        }
    }
    assert_eq!(n, 10usize.pow(19));
}

#[test]
fn long_headers_use_version_2_and_non_latin1_text_version_3() {
    let mut text = String::from("{'descr': [");
    let long = "n".repeat(100);
    for i in 0..700 {
        text.push_str(&format!("('{long}_{i:03}', '<f8'), "));
    }
    text.push_str("], 'fortran_order': False, 'shape': (1,), }");
    let bytes = file((2, 0), text.as_bytes());
    assert_eq!(
        parse_err(&bytes),
        Error::HeaderTooLong {
            len: text.len(),
            max: 10_000
        }
    );
    let (h, _) = Header::parse_with_max_len(&bytes, usize::MAX).unwrap();
    assert_eq!(h.version().unwrap(), Version::V2_0);
    let out = emit(&h);
    assert_eq!(&out[6..8], &[2, 0]);
    let len = u32::from_le_bytes(out[8..12].try_into().unwrap()) as usize;
    assert_eq!(len + 12, out.len());
    assert_eq!(out.len() % 64, 0);
    assert!(len > 65535);
    assert_eq!(Header::parse_with_max_len(&out, usize::MAX).unwrap().0, h);

    // A CJK name cannot be latin-1: 3.0 and UTF-8.
    let text = "{'descr': [('名前', '<i4')], 'fortran_order': False, 'shape': (2,), }\n";
    let bytes = file((3, 0), text.as_bytes());
    let (h, _) = Header::parse(&bytes).unwrap();
    assert_eq!(h.version().unwrap(), Version::V3_0);
    let out = emit(&h);
    assert_eq!(&out[6..8], &[3, 0]);
    assert!(out[12..].starts_with(text.trim_end().as_bytes()));
    // 'é' is latin-1: stays 1.0, one byte 0xe9.
    let bytes = file(
        (3, 0),
        "{'descr': [('café', '<i4')], 'fortran_order': False, 'shape': (2,), }\n".as_bytes(),
    );
    let (h, _) = Header::parse(&bytes).unwrap();
    let out = emit(&h);
    assert_eq!(&out[6..8], &[1, 0]);
    assert!(out[10..].starts_with(b"{'descr': [('caf\xe9', '<i4')]"));
}

#[test]
fn accepts_what_numpy_accepts() {
    let expected = Header::new(Descr::of::<f64>(), Order::F, &[3, 4]).unwrap();
    for text in [
        "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 4), }",
        "{'shape': (3, 4), 'fortran_order': True, 'descr': '<f8'}",
        "{\"descr\": \"<f8\", \"fortran_order\": True, \"shape\": (3, 4)}\n",
        "  {  'descr' :'<f8','fortran_order':True,'shape':(3,4,)}   \n   ",
        "{'descr': '=f8', 'fortran_order': True, 'shape': (3L, 4L), }",
        "{'descr': 'f8', 'fortran_order': (True), 'shape': ((3), 4)}",
        "{'descr': 'float64', 'fortran_order': True, 'shape': (0x3, 0b100)}",
        "{'descr': u'd', 'fortran_order': True, 'shape': (3, 4)} # comment",
        "{'descr': r'<f8', 'fortran_order': True,\n 'shape': (3,\n 4)}",
        "{'descr': '\\x3cf8', 'fortran_order': True, 'shape': (3, 4)}",
    ] {
        let bytes = v1(text);
        let (h, off) = Header::parse(&bytes).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(h, expected, "{text:?}");
        assert_eq!(off, bytes.len());
    }
    // Various descr spellings and their normal form.
    for (descr, normal) in [
        ("'<i1'", "'|i1'"),
        ("'b'", "'|i1'"),
        ("'?'", "'|b1'"),
        ("'bool'", "'|b1'"),
        ("'>u2'", "'>u2'"),
        ("'|i4'", "'<i4'"),
        ("'S5'", "'|S5'"),
        ("'<V3'", "'|V3'"),
        ("'U2'", "'<U2'"),
        ("'M8[us]'", "'<M8[us]'"),
        ("'>m8[25ms]'", "'>m8[25ms]'"),
        ("'datetime64[D]'", "'<M8[D]'"),
        ("'<M8'", "'<M8'"),
        ("'c16'", "'<c16'"),
        ("'F'", "'<c8'"),
        ("'e'", "'<f2'"),
        ("[('a', '<i4', 3)]", "[('a', '<i4', (3,))]"),
        ("[('a', '<i4', ())]", "[('a', '<i4')]"),
        ("[('a', [('b', 'u1')])]", "[('a', [('b', '|u1')])]"),
        ("[]", "[]"),
    ] {
        let bytes = v1(&format!(
            "{{'descr': {descr}, 'fortran_order': False, 'shape': ()}}"
        ));
        let (h, _) = Header::parse(&bytes).unwrap_or_else(|e| panic!("{descr}: {e}"));
        assert_eq!(h.descr().to_string(), normal, "{descr}");
    }
    // 'μs' is numpy's other spelling of microseconds (UTF-8 text needs version 3.0).
    let bytes = file(
        (3, 0),
        "{'descr': '<M8[μs]', 'fortran_order': False, 'shape': ()}".as_bytes(),
    );
    assert_eq!(
        Header::parse(&bytes).unwrap().0.descr().to_string(),
        "'<M8[us]'"
    );
}

#[test]
fn bytes_layer_errors() {
    assert_eq!(
        HeaderBytes::new_checked(b"\x93NUMP").unwrap_err(),
        Error::Truncated {
            part: Part::Magic,
            needed: 8,
            got: 5
        }
    );
    let e = HeaderBytes::new_checked(b"\x92NUMPY\x01\x00\x00\x00").unwrap_err();
    assert_eq!(
        e,
        Error::BadMagic {
            found: *b"\x92NUMPY"
        }
    );
    assert_eq!(
        e.to_string(),
        "not a .npy file: the magic string is b'\\x92NUMPY', expected b'\\x93NUMPY'"
    );
    let e = HeaderBytes::new_checked(b"\x93NUMPY\x01\x01\x00\x00").unwrap_err();
    assert_eq!(e, Error::UnsupportedVersion { major: 1, minor: 1 });
    assert_eq!(
        e.to_string(),
        "unsupported .npy format version 1.1; supported versions are 1.0, 2.0 and 3.0"
    );
    assert_eq!(
        HeaderBytes::new_checked(b"\x93NUMPY\x01\x00\x10").unwrap_err(),
        Error::Truncated {
            part: Part::LengthField,
            needed: 10,
            got: 9
        }
    );
    assert_eq!(
        HeaderBytes::new_checked(b"\x93NUMPY\x02\x00\x10\x00\x00").unwrap_err(),
        Error::Truncated {
            part: Part::LengthField,
            needed: 12,
            got: 11
        }
    );
    let e = HeaderBytes::new_checked(b"\x93NUMPY\x01\x00\x10\x00{}").unwrap_err();
    assert_eq!(
        e,
        Error::Truncated {
            part: Part::Text,
            needed: 26,
            got: 12
        }
    );
    assert_eq!(
        e.to_string(),
        "input too short: reading the header text needs 26 bytes, got 12"
    );
    let e = HeaderBytes::new_checked(b"\x93NUMPY\x03\x00\xff\xff\xff\xff").unwrap_err();
    assert!(matches!(
        e,
        Error::Truncated {
            part: Part::Text,
            got: 12,
            ..
        }
    ));
    let ok = HeaderBytes::new_checked(b"\x93NUMPY\x02\x00\x02\x00\x00\x00{}data").unwrap();
    assert_eq!(
        (ok.version(), ok.header_len(), ok.text(), ok.data_offset()),
        (Version::V2_0, 2, &b"{}"[..], 14)
    );
}

#[test]
fn malformed_headers_each_have_their_own_error() {
    let cases: Vec<(&str, Error)> = vec![
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)",
            Error::Syntax {
                at: 54,
                expected: "',' or '}' after a dict value",
            },
        ),
        (
            "{'descr' 8}",
            Error::Syntax {
                at: 9,
                expected: "':' after a dict key",
            },
        ),
        (
            "{'descr' '<f8'}",
            Error::Syntax {
                at: 9,
                expected: "one string literal (implicit concatenation is not supported)",
            },
        ),
        (
            "{'descr': '<f8}",
            Error::Syntax {
                at: 15,
                expected: "the closing quote of the string",
            },
        ),
        (
            "{'descr': dict(a=1)}",
            Error::Syntax {
                at: 10,
                expected: "a Python literal",
            },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), } x",
            Error::Syntax {
                at: 58,
                expected: "the end of the header text after '}'",
            },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }}",
            Error::Syntax {
                at: 57,
                expected: "the end of the header text after '}'",
            },
        ),
        ("[1, 2]", Error::NotADict),
        ("{'descr', 'shape'}", Error::NotADict),
        ("'descr'", Error::NotADict),
        (
            "{'descr': '<f8', 'shape': (3,)}",
            Error::MissingKey(Key::FortranOrder),
        ),
        ("{}", Error::MissingKey(Key::Descr)),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
            Error::UnknownKey { at: 56 },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 1: 2}",
            Error::UnknownKey { at: 56 },
        ),
        (
            "{b'descr': '<f8', 'fortran_order': False, 'shape': (3,)}",
            Error::UnknownKey { at: 1 },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'shape': (3,)}",
            Error::DuplicateKey(Key::Shape),
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': [3]}",
            Error::InvalidShape {
                at: 50,
                problem: ShapeProblem::NotATuple,
            },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': 3}",
            Error::InvalidShape {
                at: 50,
                problem: ShapeProblem::NotATuple,
            },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3)}",
            Error::InvalidShape {
                at: 50,
                problem: ShapeProblem::NotATuple,
            },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3, -1)}",
            Error::InvalidShape {
                at: 54,
                problem: ShapeProblem::Negative,
            },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3.0,)}",
            Error::InvalidShape {
                at: 51,
                problem: ShapeProblem::NotAnInteger,
            },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (True,)}",
            Error::InvalidShape {
                at: 51,
                problem: ShapeProblem::NotAnInteger,
            },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': ('3',)}",
            Error::InvalidShape {
                at: 51,
                problem: ShapeProblem::NotAnInteger,
            },
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551616,)}",
            Error::InvalidShape {
                at: 51,
                problem: ShapeProblem::Overflow,
            },
        ),
        (
            "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}",
            Error::InvalidFortranOrder { at: 34 },
        ),
        (
            "{'descr': '<f8', 'fortran_order': 'False', 'shape': (3,)}",
            Error::InvalidFortranOrder { at: 34 },
        ),
        (
            "{'descr': '<f8', 'fortran_order': None, 'shape': (3,)}",
            Error::InvalidFortranOrder { at: 34 },
        ),
        (
            "{'descr': 'x', 'fortran_order': False, 'shape': (3,)}",
            Error::InvalidDescr {
                at: 10,
                reason: "not a numpy type string such as '<f8', '|u1', '<M8[ns]' or 'float64'",
            },
        ),
        (
            "{'descr': '<f3', 'fortran_order': False, 'shape': (3,)}",
            Error::InvalidDescr {
                at: 10,
                reason: "numpy has no type of this kind and size",
            },
        ),
        (
            "{'descr': '<M8[xs]', 'fortran_order': False, 'shape': (3,)}",
            Error::InvalidDescr {
                at: 10,
                reason: "not a datetime unit such as [ns], [D] or [5s]",
            },
        ),
        (
            "{'descr': 8, 'fortran_order': False, 'shape': (3,)}",
            Error::InvalidDescr {
                at: 10,
                reason: "expected a type string such as '<f8' or a list of (name, type) fields",
            },
        ),
        (
            "{'descr': [('a', '<f8'), ('a', '<i4')], 'fortran_order': False, 'shape': (3,)}",
            Error::InvalidDescr {
                at: 26,
                reason: "a field name occurs more than once",
            },
        ),
        (
            "{'descr': [(1, '<f8')], 'fortran_order': False, 'shape': (3,)}",
            Error::InvalidDescr {
                at: 12,
                reason: "a field name is not a string",
            },
        ),
        (
            "{'descr': ['<f8'], 'fortran_order': False, 'shape': (3,)}",
            Error::InvalidDescr {
                at: 11,
                reason: "expected a field tuple (name, type) or (name, type, shape)",
            },
        ),
        (
            "{'descr': [('a', '<f8', -2)], 'fortran_order': False, 'shape': (3,)}",
            Error::InvalidShape {
                at: 24,
                problem: ShapeProblem::Negative,
            },
        ),
        (
            "{'descr': '|O', 'fortran_order': False, 'shape': (3,)}",
            Error::ObjectDescr { at: 10 },
        ),
        (
            "{'descr': 'O', 'fortran_order': False, 'shape': (3,)}",
            Error::ObjectDescr { at: 10 },
        ),
        (
            "{'descr': 'object', 'fortran_order': False, 'shape': (3,)}",
            Error::ObjectDescr { at: 10 },
        ),
        (
            "{'descr': [('a', '<f8'), ('b', [('c', '|O')])], 'fortran_order': False, 'shape': (3,)}",
            Error::ObjectDescr { at: 38 },
        ),
    ];
    let mut failures = Vec::new();
    for (text, err) in cases {
        let got = parse_err(&v1(text));
        if got != err {
            failures.push(format!("{text}\n   got {got:?}\n  want {err:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // 65 dimensions.
    let shape = format!("({})", ["1"; 65].join(", "));
    let text = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}}}");
    assert!(matches!(
        parse_err(&v1(&text)),
        Error::InvalidShape {
            problem: ShapeProblem::TooManyDims,
            ..
        }
    ));
    let shape = format!("({})", ["1"; 64].join(", "));
    let text = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}}}");
    assert_eq!(Header::parse(&v1(&text)).unwrap().0.ndim(), 64);
    // Python 2 long ints are only for 1.0 and 2.0.
    let text = b"{'descr': '<f8', 'fortran_order': False, 'shape': (3L,)}";
    assert_eq!(Header::parse(&file((2, 0), text)).unwrap().0.shape(), &[3]);
    assert!(matches!(
        Header::parse(&file((3, 0), text)).unwrap_err(),
        Error::Syntax { at: 51, .. }
    ));
    // Version 3 text must be UTF-8.
    assert_eq!(
        parse_err(&file(
            (3, 0),
            b"{'descr': [('\xe9', '<f8')], 'fortran_order': False, 'shape': (3,)}"
        )),
        Error::NotUtf8 { at: 13 }
    );
    // Text length limit in characters (UTF-8 counts characters, not bytes).
    let text = "{'descr': [('ééé', '<f8')], 'fortran_order': False, 'shape': (3,)}";
    let bytes = file((3, 0), text.as_bytes());
    assert_eq!(
        Header::parse_with_max_len(&bytes, 60).unwrap_err(),
        Error::HeaderTooLong {
            len: text.chars().count(),
            max: 60
        }
    );
    assert!(Header::parse_with_max_len(&bytes, text.chars().count()).is_ok());
}

#[test]
fn error_messages_say_what_is_wrong_and_what_is_right() {
    let msg = |t: &str| parse_err(&v1(t)).to_string();
    assert_eq!(
        msg("{'descr': '<f8', 'shape': (3,)}"),
        "header has no 'fortran_order' key; expected exactly the keys 'descr', 'fortran_order' and 'shape'"
    );
    assert_eq!(
        msg("{'descr': '<f8', 'fortran_order': False, 'shape': (3, -1)}"),
        "header shape at byte 54 is not valid: an entry is negative; expected non-negative integers"
    );
    assert_eq!(
        msg("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}"),
        "header descr contains a Python object type at byte 10; object arrays cannot be memory-mapped"
    );
}

#[test]
fn data_size_overflow_is_reported_not_refused() {
    let h = Header::new(Descr::of::<u64>(), Order::C, &[usize::MAX / 4, 2]).unwrap();
    assert_eq!(h.data_len(), Err(Error::DataTooLarge));
    let out = emit(&h);
    assert_eq!(Header::parse(&out).unwrap().0, h);
    // An empty array's other axes must still be addressable, times the item size, as
    // numpy requires before it makes any array ("array is too big").
    let h = Header::new(Descr::of::<u64>(), Order::C, &[0, usize::MAX]).unwrap();
    assert_eq!(
        (h.data_len(), h.is_empty()),
        (Err(Error::DataTooLarge), true)
    );
    let h = Header::new(Descr::of::<u64>(), Order::C, &[0, isize::MAX as usize / 4]).unwrap();
    assert_eq!(h.data_len(), Err(Error::DataTooLarge));
    let h = Header::new(Descr::of::<u64>(), Order::C, &[0, isize::MAX as usize / 8]).unwrap();
    assert_eq!((h.data_len(), h.element_count()), (Ok(0), Some(0)));
}

#[test]
fn emit_into_a_short_buffer_is_an_error() {
    let h = Header::new(Descr::of::<u8>(), Order::C, &[1]).unwrap();
    let mut buf = [0u8; 127];
    assert_eq!(
        h.emit(&mut buf),
        Err(Error::BufferTooSmall {
            needed: 128,
            got: 127
        })
    );
}

#[test]
fn rewrite_shape_keeps_numpys_bytes_along_the_growth_axis() {
    for (order, from, to) in [
        (Order::C, [3usize, 4], [123_456_789_012usize, 4]),
        (Order::C, [10_000_000, 4], [1, 4]),
        (Order::F, [4, 3], [4, usize::MAX]),
    ] {
        let mut buf = emit(&Header::new(Descr::of::<f32>(), order, &from).unwrap());
        rewrite_shape(&mut buf, &to).unwrap();
        assert_eq!(
            buf,
            emit(&Header::new(Descr::of::<f32>(), order, &to).unwrap())
        );
    }
    // Growing a non-growth axis uses the padding too, while it fits.
    let mut buf = emit(&Header::new(Descr::of::<f32>(), Order::C, &[3, 4]).unwrap());
    rewrite_shape(&mut buf, &[3, 4, 5, 6]).unwrap();
    assert_eq!(Header::parse(&buf).unwrap().0.shape(), &[3, 4, 5, 6]);
    assert_eq!(buf.len(), 128);
    let before = buf.clone();
    let big = [usize::MAX; 4];
    assert!(matches!(
        rewrite_shape(&mut buf, &big),
        Err(Error::ShapeDoesNotFit { available: 118, .. })
    ));
    assert_eq!(buf, before);
    assert!(matches!(
        rewrite_shape(&mut buf, &[1; 65]),
        Err(Error::InvalidShape {
            problem: ShapeProblem::TooManyDims,
            ..
        })
    ));
    assert_eq!(buf, before);
}

#[test]
fn descr_equality_is_semantic() {
    // The descr borrows the header's bytes: each `parse(..)` keeps them in a temporary that
    // lives to the end of its assertion (no leaked buffer, which Miri would report).
    fn descr(bytes: &[u8]) -> Descr<'_> {
        Header::parse_with_max_len(bytes, usize::MAX)
            .unwrap()
            .0
            .descr()
    }
    let file = |d: &str| {
        v1(&format!(
            "{{'descr': {d}, 'fortran_order': False, 'shape': ()}}"
        ))
    };
    macro_rules! parse {
        ($d:expr) => {
            descr(&file($d))
        };
    }
    assert_eq!(parse!("'<f8'"), parse!("\"float64\""));
    assert_eq!(
        parse!("[('x', '<f4'), ('y', '<i4')]"),
        parse!("[(\"x\", 'f4') , ('y','i4',),]")
    );
    assert_eq!(
        parse!("[('x', '<f4'), ('', '|V4')]"),
        parse!("[('x', '<f4'), ('', 'V2'), ('', 'V2')]")
    );
    assert_ne!(
        parse!("[('x', '<f4'), ('', '|V4')]"),
        parse!("[('x', '<f4')]")
    );
    assert_ne!(parse!("[('x', '<f4')]"), parse!("[('y', '<f4')]"));
    assert_ne!(parse!("[('x', '<f4', 2)]"), parse!("[('x', '<f4')]"));
    assert_ne!(parse!("'<f8'"), parse!("'>f8'"));
    assert_ne!(parse!("'<M8[ns]'"), parse!("'<M8[us]'"));
    assert_ne!(parse!("'<f8'"), parse!("[('f0', '<f8')]"));
    assert_eq!(parse!("[('a\\x62', '<f4')]"), parse!("[('ab', '<f4')]"));
}
