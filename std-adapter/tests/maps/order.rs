//! numpy.memmap's `order` against real files: element `[i, j, k]` of a C or
//! Fortran order map is the element at the byte offset numpy's layout puts it,
//! computed here by hand, for reads and for writes.

use crate::support::{patterned_file, private, snapshot, u16_at, u32_at, u64_of};
use mmarray_std::{Ix2, Ix3, IxDyn, Mode, Options, Order};

/// The byte offset of `index` in an array of `shape` with `size`-byte
/// elements, starting at `offset`: row-major sums `i_a * prod(shape[a+1..])`,
/// column-major sums `i_a * prod(shape[..a])`.
fn byte_at(shape: &[usize], index: &[usize], order: Order, size: usize, offset: usize) -> usize {
    let mut pos = 0;
    for a in 0..shape.len() {
        let stride: usize = match order {
            Order::C => shape[a + 1..].iter().product(),
            Order::F => shape[..a].iter().product(),
        };
        pos += index[a] * stride;
    }
    offset + pos * size
}

#[test]
fn c_and_f_order_2d_elements_sit_where_numpy_puts_them() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 8 + 2 * 5 * 7);
    for order in [Order::C, Order::F] {
        let m = private!(
            Options::<u16, Ix2>::new()
                .offset(8)
                .shape([5, 7])
                .order(order)
                .open_read(&path)
        )
        .unwrap();
        assert_eq!(m.order(), order);
        let v = m.view();
        for i in 0..5 {
            for j in 0..7 {
                let at = byte_at(&[5, 7], &[i, j], order, 2, 8);
                assert_eq!(m[[i, j]], u16_at(&bytes, at), "{order:?} [{i}, {j}]");
                assert_eq!(v[[i, j]], u16_at(&bytes, at));
                assert_eq!(m.get([i, j]), Some(&u16_at(&bytes, at)));
            }
        }
        assert_eq!(m.get([5, 0]), None);
        assert_eq!(m.get([0, 7]), None);
        // as_slice is memory (file) order whatever the order.
        let raw: Vec<u16> = (0..35).map(|p| u16_at(&bytes, 8 + 2 * p)).collect();
        assert_eq!(m.as_slice(), &raw[..]);
    }
}

#[test]
fn c_and_f_order_3d_elements_sit_where_numpy_puts_them() {
    let dir = tempfile::tempdir().unwrap();
    let shape = [3, 4, 5];
    let (path, bytes) = patterned_file(dir.path(), 4 * 60);
    for order in [Order::C, Order::F] {
        for mode in [Mode::Read, Mode::ReadWrite, Mode::CopyOnWrite] {
            let m = private!(
                Options::<u32, Ix3>::new()
                    .shape(shape)
                    .order(order)
                    .open(&path, mode)
            )
            .unwrap();
            for i in 0..3 {
                for j in 0..4 {
                    for k in 0..5 {
                        let at = byte_at(&shape, &[i, j, k], order, 4, 0);
                        assert_eq!(
                            m[[i, j, k]],
                            u32_at(&bytes, at),
                            "{order:?} {mode} [{i}, {j}, {k}]"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn numpy_example_f_order_file_holds_columns() {
    // numpy: [[1, 2, 3], [4, 5, 6]] with order='F' is stored 1 4 2 5 3 6.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.dat");
    let mut m = private!(
        Options::<u8, Ix2>::new()
            .shape([2, 3])
            .order(Order::F)
            .create(&path)
    )
    .unwrap();
    let mut next = 1;
    for i in 0..2 {
        for j in 0..3 {
            m[[i, j]] = next;
            next += 1;
        }
    }
    m.close().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), [1, 4, 2, 5, 3, 6]);

    let c = private!(Options::<u8, Ix2>::new().shape([2, 3]).open_read(&path)).unwrap();
    assert_eq!(c.as_slice(), &[1, 4, 2, 5, 3, 6]);
    assert_eq!(c[[0, 1]], 4);
}

#[test]
fn writes_through_an_f_order_map_land_at_numpys_f_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let shape = [3, 4, 2];
    let off = 16;
    let (path, bytes) = patterned_file(dir.path(), off + 4 * 24);
    let mut m = private!(
        Options::<u32, Ix3>::new()
            .offset(u64_of(off))
            .shape(shape)
            .order(Order::F)
            .open_read_write(&path)
    )
    .unwrap();
    // Each element gets a value naming its index.
    let value = |i: usize, j: usize, k: usize| u32::try_from(100 * i + 10 * j + k).unwrap();
    for i in 0..3 {
        for j in 0..4 {
            for k in 0..2 {
                m[[i, j, k]] = value(i, j, k);
            }
        }
    }
    m.close().unwrap();
    let after = snapshot(&path);
    assert_eq!(after.len, u64_of(bytes.len()));
    assert_eq!(&after.bytes[..off], &bytes[..off]);
    for i in 0..3 {
        for j in 0..4 {
            for k in 0..2 {
                let at = byte_at(&shape, &[i, j, k], Order::F, 4, off);
                assert_eq!(u32_at(&after.bytes, at), value(i, j, k), "[{i}, {j}, {k}]");
            }
        }
    }
    // The first elements of an F-order file run down axis 0.
    assert_eq!(u32_at(&after.bytes, off), value(0, 0, 0));
    assert_eq!(u32_at(&after.bytes, off + 4), value(1, 0, 0));
    assert_eq!(u32_at(&after.bytes, off + 12), value(0, 1, 0));
}

#[test]
fn f_order_view_mut_and_dynamic_rank_agree_with_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.dat");
    let shape = [2, 3, 4];
    let mut m = private!(
        Options::<u16, IxDyn>::new()
            .shape(IxDyn::new(&shape).unwrap())
            .order(Order::F)
            .open(&path, Mode::Write)
    )
    .unwrap();
    {
        let mut v = m.try_view_mut().unwrap();
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    v[[i, j, k]] = u16::try_from(i * 12 + j * 4 + k).unwrap();
                }
            }
        }
    }
    m.close().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 48);
    for i in 0..2 {
        for j in 0..3 {
            for k in 0..4 {
                let at = byte_at(&shape, &[i, j, k], Order::F, 2, 0);
                assert_eq!(
                    u16_at(&bytes, at),
                    u16::try_from(i * 12 + j * 4 + k).unwrap()
                );
            }
        }
    }
    // Reopened as C order with the reversed shape, it is the transpose.
    let c = private!(Options::<u16, Ix3>::new().shape([4, 3, 2]).open_read(&path)).unwrap();
    let f = private!(
        Options::<u16, Ix3>::new()
            .shape(shape)
            .order(Order::F)
            .open_read(&path)
    )
    .unwrap();
    for i in 0..2 {
        for j in 0..3 {
            for k in 0..4 {
                assert_eq!(c[[k, j, i]], f[[i, j, k]]);
                assert_eq!(f.view().t()[[k, j, i]], f[[i, j, k]]);
            }
        }
    }
}
