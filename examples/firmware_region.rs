//! The core alone, no OS: a "firmware image" handed over as bytes holds a
//! table of sensor records in big-endian, and a calibration matrix in
//! little-endian f32, Fortran order, at an odd offset. mmarray views both in
//! place, checks every cast, and prints them the way numpy would.
//!
//! Run with `cargo run --example firmware_region`.

use mmarray::zerocopy::byteorder::{big_endian, little_endian};
use mmarray::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};
use mmarray::{ArrayView, Order, Slice};

/// One sensor record as the image stores it: 8 bytes, no padding, any alignment.
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Debug)]
#[repr(C)]
struct Sensor {
    id: big_endian::U16,
    kind: u8,
    flags: u8,
    reading: big_endian::I32,
}

/// Builds the image a bootloader would hand over: 4 sensors, then 3 pad
/// bytes, then a 2 x 3 calibration matrix.
fn image() -> Vec<u8> {
    let mut b = Vec::new();
    for (i, reading) in [1200i32, -45, 77_000, 3].iter().enumerate() {
        b.extend_from_slice(&(100 + i as u16).to_be_bytes());
        b.push(i as u8 % 2);
        b.push(0);
        b.extend_from_slice(&reading.to_be_bytes());
    }
    b.extend_from_slice(&[0xAA; 3]);
    // Column-major: (0,0) (1,0) (0,1) (1,1) (0,2) (1,2).
    for x in [1.0f32, 4.0, 2.0, 5.0, 3.0, 6.5] {
        b.extend_from_slice(&x.to_le_bytes());
    }
    b
}

fn main() {
    let region = image();

    let sensors = ArrayView::<Sensor, _>::from_bytes(&region[..32], [4], Order::C).unwrap();
    for s in sensors.iter() {
        println!(
            "sensor {} kind {} reading {}",
            s.id.get(),
            s.kind,
            s.reading.get()
        );
    }

    // The matrix starts at byte 35: an unaligned element type makes that fine.
    let m =
        ArrayView::<little_endian::F32, _>::from_bytes(&region[35..], [2, 3], Order::F).unwrap();
    println!("calibration =\n{}", m.repr("array", "dtype=float32"));
    println!(
        "calibration[:, ::-1] =\n{}",
        m.clone().slice_axis(1, Slice::full().step_by(-1)).unwrap()
    );

    // The same bytes as native f32 need 4-byte alignment: the cast is checked.
    match ArrayView::<f32, _>::from_bytes(&region[35..], [2, 3], Order::F) {
        Ok(_) => println!("(this buffer happened to be aligned)"),
        Err(e) => println!("as f32: {e}"),
    }
}
