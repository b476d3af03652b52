//! Headers written by real numpy 2.4.6 (tests/fixtures/npy, made by generate.py there):
//! each must parse, describe the expected Rust type, and re-emit to the identical bytes.

use mmarray::Order;
use mmarray::npy::{Descr, Header, Version};
use mmarray::{ByteStr, Complex, Datetime64, Dtype, Timedelta64, Unicode, unit};
use zerocopy::byteorder::{big_endian, little_endian};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/npy/{name}.npy",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn all_fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = format!("{}/tests/fixtures/npy", env!("CARGO_MANIFEST_DIR"));
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "npy"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_numpy_header_reemits_byte_for_byte() {
    let all = all_fixtures();
    assert!(all.len() >= 30, "fixtures missing: {}", all.len());
    for (name, bytes) in all {
        let (h, offset) = Header::parse_with_max_len(&bytes, usize::MAX)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(offset, bytes.len(), "{name}: data offset");
        assert_eq!(offset % 64, 0, "{name}: alignment");
        assert_eq!(
            h.emitted_len().unwrap(),
            bytes.len(),
            "{name}: emitted length"
        );
        let mut out = vec![0u8; bytes.len()];
        h.emit(&mut out).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&bytes),
            "{name}: emitted bytes differ from numpy's"
        );
        assert_eq!(out, bytes, "{name}");
        let (again, _) = Header::parse_with_max_len(&out, usize::MAX).unwrap();
        assert_eq!(again, h, "{name}: round trip");
    }
}

fn check<T: Dtype>(name: &str, shape: &[usize], order: Order) {
    let bytes = fixture(name);
    let (h, _) = Header::parse(&bytes).unwrap();
    assert_eq!(h.shape(), shape, "{name}");
    assert_eq!(h.order(), order, "{name}");
    h.check::<T>().unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(h.descr(), Descr::of::<T>());
    assert_eq!(
        h.data_len().unwrap(),
        shape.iter().product::<usize>() * size_of::<T>(),
        "{name}"
    );
}

#[test]
fn scalar_fixtures_match_their_rust_types() {
    check::<f32>("f4_3x4", &[3, 4], Order::C);
    check::<f64>("f8_0d", &[], Order::C);
    check::<i64>("i8_1d", &[3], Order::C);
    check::<u8>("u1_empty", &[0], Order::C);
    check::<f64>("f8_0x4", &[0, 4], Order::C);
    check::<i16>("i2_fortran", &[2, 3], Order::F);
    check::<big_endian::I32>("i4_big", &[5], Order::C);
    check::<big_endian::F64>("f8_big_fortran_3d", &[2, 3, 4], Order::F);
    check::<mmarray::Bool>("b1", &[4], Order::C);
    check::<Complex<f32>>("c8", &[2], Order::C);
    check::<Complex<little_endian::F32>>("c8", &[2], Order::C);
    check::<Complex<big_endian::F64>>("c16_big", &[2], Order::C);
    check::<ByteStr<10>>("s10", &[2], Order::C);
    check::<Unicode<5>>("u5", &[2], Order::C);
    check::<[u8; 8]>("v8", &[2], Order::C);
    check::<Datetime64<unit::Ns>>("m8_ns", &[2], Order::C);
    check::<Timedelta64<unit::D>>("td_days", &[2], Order::C);
    check::<u8>("big_shape", &[1_000_000_000_000], Order::C);
}

#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy)]
#[repr(C)]
struct Xy {
    x: f32,
    y: i32,
}
mmarray::npy_record!(Xy { x: f32, y: i32 });

#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy)]
#[repr(C)]
struct Aligned {
    f0: i8,
    _pad: [u8; 3],
    f1: i32,
}
mmarray::npy_record!(Aligned { f0: i8, f1: i32 });

#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy)]
#[repr(C)]
struct TailPad {
    a: i32,
    _pad: [u8; 4],
}
mmarray::npy_record!(TailPad { a: i32 });

#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy)]
#[repr(C)]
struct Pos {
    x: f64,
    y: f64,
}
mmarray::npy_record!(Pos { x: f64, y: f64 });

#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy)]
#[repr(C)]
struct Nested {
    id: u64,
    pos: Pos,
}
mmarray::npy_record!(Nested { id: u64, pos: Pos });

#[test]
fn record_fixtures_match_npy_record_types() {
    check::<Xy>("rec_xy", &[3], Order::C);
    check::<Aligned>("rec_aligned", &[2], Order::C);
    check::<TailPad>("rec_tail_pad", &[2], Order::C);
    check::<Nested>("rec_nested", &[2], Order::C);
}

#[test]
fn record_types_emit_numpys_descr_text() {
    for (name, descr) in [
        ("rec_xy", Descr::of::<Xy>()),
        ("rec_aligned", Descr::of::<Aligned>()),
        ("rec_tail_pad", Descr::of::<TailPad>()),
        ("rec_nested", Descr::of::<Nested>()),
    ] {
        let bytes = fixture(name);
        let (parsed, _) = Header::parse(&bytes).unwrap();
        let h = Header::new(descr, Order::C, parsed.shape()).unwrap();
        let mut out = vec![0u8; h.emitted_len().unwrap()];
        h.emit(&mut out).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&bytes),
            "{name}"
        );
    }
}

#[test]
fn wrong_type_is_an_error_naming_both_descrs() {
    let bytes = fixture("f4_3x4");
    let (h, _) = Header::parse(&bytes).unwrap();
    let e = h.check::<f64>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "header descr '<f4' does not match the element type's descr '<f8'"
    );
    let e = h.check::<big_endian::F32>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "header descr '<f4' does not match the element type's descr '>f4'; \
         the data has the other byte order: use little_endian::F32"
    );

    let bytes = fixture("rec_xy");
    let (h, _) = Header::parse(&bytes).unwrap();
    let e = h.check::<Pos>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "header descr [('x', '<f4'), ('y', '<i4')] does not match the element type's descr [('x', '<f8'), ('y', '<f8')]"
    );
    let bytes = fixture("rec_300_fields");
    let (h, _) = Header::parse(&bytes).unwrap();
    let e = h.check::<Xy>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "header descr [('field_0', '<f8'), ('field_1', '<f8'), ('field... does not match the element type's descr [('x', '<f4'), ('y', '<i4')]"
    );
}

#[test]
fn structured_details_are_exposed() {
    let bytes = fixture("rec_subarray");
    let (h, _) = Header::parse(&bytes).unwrap();
    let f: Vec<_> = h.descr().fields().unwrap().collect();
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].name(), "pos");
    assert_eq!(f[0].shape(), &[3]);
    assert_eq!((f[1].offset(), f[1].shape()), (12, &[2usize, 2][..]));
    assert_eq!(h.descr().itemsize(), 28);

    let bytes = fixture("rec_title");
    let (h, _) = Header::parse(&bytes).unwrap();
    let f = h.descr().fields().unwrap().next().unwrap();
    assert_eq!(f.title().unwrap(), "a title");
    assert_eq!(f.name(), "t");

    let bytes = fixture("rec_quote_name");
    let (h, _) = Header::parse(&bytes).unwrap();
    let names: Vec<String> = h
        .descr()
        .fields()
        .unwrap()
        .map(|f| f.name().to_string())
        .collect();
    assert_eq!(names, ["it's", "say \"hi\"", "both'\""]);

    let bytes = fixture("rec_latin1_name");
    let (h, _) = Header::parse(&bytes).unwrap();
    assert_eq!(
        h.descr().fields().unwrap().next().unwrap().name(),
        "caf\u{e9}"
    );
    assert_eq!(h.version().unwrap(), Version::V1_0);

    let bytes = fixture("rec_utf8_name");
    let (h, _) = Header::parse(&bytes).unwrap();
    assert_eq!(
        h.descr().fields().unwrap().next().unwrap().name(),
        "\u{540d}\u{524d}"
    );
    assert_eq!(h.version().unwrap(), Version::V3_0);

    let bytes = fixture("rec_escape_name");
    let (h, _) = Header::parse(&bytes).unwrap();
    assert_eq!(
        h.descr().fields().unwrap().next().unwrap().name(),
        "tab\there\\"
    );

    let bytes = fixture("rec_300_fields");
    let (h, _) = Header::parse(&bytes).unwrap();
    assert_eq!(h.descr().fields().unwrap().count(), 300);
    assert_eq!(h.descr().itemsize(), 2400);
}
