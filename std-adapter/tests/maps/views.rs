//! Views over maps of real files: numpy slicing (negative steps included)
//! against a naive model, axis indexing and transposes, writes through
//! mutable views reaching the file's bytes, and threads writing disjoint parts.

use crate::support::{file_with, patterned_file, private, snapshot, u16_at, u32_at, u32_bytes};
use mmarray_std::{ArrayView, Ix2, Ix3, Mode, Options, Order, Slice};

/// Python's `range(len)[start:stop:step]`, written out from the language
/// reference: the indices a slice takes from an axis of length `len`.
fn py_slice(start: Option<isize>, stop: Option<isize>, step: isize, len: usize) -> Vec<usize> {
    let n = isize::try_from(len).unwrap();
    let fix = |v: isize| if v < 0 { v + n } else { v };
    let mut out = Vec::new();
    if step > 0 {
        let mut i = start.map_or(0, |v| fix(v).clamp(0, n));
        let stop = stop.map_or(n, |v| fix(v).clamp(0, n));
        while i < stop {
            out.push(usize::try_from(i).unwrap());
            i += step;
        }
    } else {
        let mut i = start.map_or(n - 1, |v| fix(v).clamp(-1, n - 1));
        let stop = stop.map_or(-1, |v| fix(v).clamp(-1, n - 1));
        while i > stop {
            out.push(usize::try_from(i).unwrap());
            i += step;
        }
    }
    out
}

fn slices() -> Vec<(Option<isize>, Option<isize>, isize)> {
    vec![
        (None, None, 1),
        (None, None, -1),
        (None, None, 2),
        (None, None, -2),
        (Some(1), Some(5), 1),
        (Some(5), Some(1), -1),
        (Some(-2), None, -3),
        (Some(-1), Some(-8), -2),
        (Some(2), Some(2), 1),
        (Some(0), Some(100), 3),
        (Some(-100), Some(100), -1),
        (Some(100), None, -4),
        (Some(3), None, -1),
    ]
}

#[test]
fn slices_with_negative_steps_match_a_naive_model_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (6, 7);
    let (path, bytes) = patterned_file(dir.path(), 2 * rows * cols);
    for order in [Order::C, Order::F] {
        let m = private!(
            Options::<u16, Ix2>::new()
                .shape([rows, cols])
                .order(order)
                .open_read(&path)
        )
        .unwrap();
        let at = |i: usize, j: usize| match order {
            Order::C => u16_at(&bytes, 2 * (i * cols + j)),
            Order::F => u16_at(&bytes, 2 * (j * rows + i)),
        };
        for &(a0, b0, s0) in &slices() {
            for &(a1, b1, s1) in &slices() {
                let v = m
                    .view()
                    .slice(&[Slice::new(a0, b0, s0), Slice::new(a1, b1, s1)])
                    .unwrap();
                let is = py_slice(a0, b0, s0, rows);
                let js = py_slice(a1, b1, s1, cols);
                assert_eq!(v.shape(), &[is.len(), js.len()]);
                let mut model = Vec::new();
                for (vi, &i) in is.iter().enumerate() {
                    for (vj, &j) in js.iter().enumerate() {
                        assert_eq!(v[[vi, vj]], at(i, j));
                        model.push(at(i, j));
                    }
                }
                // Iteration is logical (C) order over the view.
                let got: Vec<u16> = v.iter().copied().collect();
                assert_eq!(
                    got, model,
                    "{order:?} [{a0:?}:{b0:?}:{s0}, {a1:?}:{b1:?}:{s1}]"
                );
                let mut out = vec![0u16; model.len()];
                v.copy_to_slice(&mut out).unwrap();
                assert_eq!(out, model);
            }
        }
        // One axis at a time, through slice_axis.
        let v = m.view().slice_axis(1, Slice::new(None, None, -3)).unwrap();
        assert_eq!(v.shape(), &[rows, 3]);
        assert_eq!(v[[2, 0]], at(2, 6));
        assert_eq!(v[[2, 2]], at(2, 0));
        // A zero step is refused.
        assert!(m.view().slice_axis(0, Slice::new(None, None, 0)).is_err());
    }
}

#[test]
fn index_axis_and_transposes_read_the_right_file_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let shape = [2, 3, 4];
    let (path, bytes) = patterned_file(dir.path(), 4 * 24);
    let m = private!(Options::<u32, Ix3>::new().shape(shape).open_read(&path)).unwrap();
    let at = |i: usize, j: usize, k: usize| u32_at(&bytes, 4 * (i * 12 + j * 4 + k));

    // index_axis on each axis.
    for axis in 0..3 {
        for n in 0..shape[axis] {
            let sub = m.view().index_axis(axis, n).unwrap();
            let mut rest: Vec<usize> = shape.to_vec();
            rest.remove(axis);
            assert_eq!(sub.shape(), &rest[..]);
            for a in 0..rest[0] {
                for b in 0..rest[1] {
                    let want = match axis {
                        0 => at(n, a, b),
                        1 => at(a, n, b),
                        _ => at(a, b, n),
                    };
                    assert_eq!(sub[[a, b]], want, "axis {axis} index {n} [{a}, {b}]");
                }
            }
        }
    }
    assert!(m.view().index_axis(3, 0).is_err());
    assert!(m.view().index_axis(0, 2).is_err());

    let v = m.view();
    let t = v.t();
    assert_eq!(t.shape(), &[4, 3, 2]);
    let r = m.view().reversed_axes();
    let p = m.view().permuted_axes(&[1, 2, 0]).unwrap();
    assert_eq!(p.shape(), &[3, 4, 2]);
    let inv = m.view().inverted_axis(2).unwrap();
    for i in 0..2 {
        for j in 0..3 {
            for k in 0..4 {
                assert_eq!(t[[k, j, i]], at(i, j, k));
                assert_eq!(r[[k, j, i]], at(i, j, k));
                assert_eq!(p[[j, k, i]], at(i, j, k));
                assert_eq!(inv[[i, j, 3 - k]], at(i, j, k));
            }
        }
    }
    assert!(m.view().permuted_axes(&[0, 0, 1]).is_err());
}

#[test]
fn fill_and_assign_through_strided_mutable_views_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (5, 6);
    let bytes = u32_bytes(&(0..30).collect::<Vec<u32>>());
    let path = file_with(dir.path(), "a.dat", &bytes);
    let mut model: Vec<u32> = (0..30).collect();

    let mut m = private!(
        Options::<u32, Ix2>::new()
            .shape([rows, cols])
            .open_read_write(&path)
    )
    .unwrap();

    // m[::2, ::-2] = 7
    m.view_mut()
        .slice(&[Slice::full().step_by(2), Slice::full().step_by(-2)])
        .unwrap()
        .fill(&7);
    for i in py_slice(None, None, 2, rows) {
        for j in py_slice(None, None, -2, cols) {
            model[i * cols + j] = 7;
        }
    }
    assert_eq!(std::fs::read(&path).unwrap(), u32_bytes(&model));

    // m[1:4, 1] = [100, 101, 102] via copy_from_slice on a column.
    m.view_mut()
        .index_axis(1, 1)
        .unwrap()
        .slice(&[Slice::from(1..4)])
        .unwrap()
        .copy_from_slice(&[100, 101, 102])
        .unwrap();
    for (k, i) in (1..4).enumerate() {
        model[i * cols + 1] = 100 + u32::try_from(k).unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), u32_bytes(&model));

    // m[3:, :2] = other.T for a 2x2 source array.
    let src_data = [1000u32, 1001, 1002, 1003];
    let src = ArrayView::from_slice(&src_data[..], [2, 2], Order::C).unwrap();
    m.view_mut()
        .slice(&[Slice::from(3..), Slice::from(..2)])
        .unwrap()
        .assign(&src.t())
        .unwrap();
    model[3 * cols] = 1000;
    model[3 * cols + 1] = 1002;
    model[4 * cols] = 1001;
    model[4 * cols + 1] = 1003;
    assert_eq!(std::fs::read(&path).unwrap(), u32_bytes(&model));

    // A shape mismatch writes nothing.
    let wrong = ArrayView::from_slice(&src_data[..3], [3], Order::C).unwrap();
    assert!(
        m.view_mut()
            .index_axis(0, 0)
            .unwrap()
            .assign(&wrong)
            .is_err()
    );
    m.close().unwrap();
    assert_eq!(snapshot(&path).bytes, u32_bytes(&model));
}

#[test]
fn copy_on_write_views_change_only_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = patterned_file(dir.path(), 48);
    let mut m = private!(
        Options::<u16, Ix2>::new()
            .shape([4, 6])
            .open(&path, Mode::CopyOnWrite)
    )
    .unwrap();
    m.try_view_mut()
        .unwrap()
        .inverted_axis(0)
        .unwrap()
        .index_axis(0, 0)
        .unwrap()
        .fill(&1);
    // Row 3 (the first of the inverted axis) is all ones; the rest is the file.
    for i in 0..4 {
        for j in 0..6 {
            let want = if i == 3 {
                1
            } else {
                u16_at(&bytes, 2 * (6 * i + j))
            };
            assert_eq!(m[[i, j]], want);
        }
    }
    drop(m);
    assert_eq!(snapshot(&path).bytes, bytes);
}

#[test]
fn threads_fill_parts_split_along_axis_0_and_the_file_holds_every_part() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (16, 33);
    let path = dir.path().join("a.dat");
    let mut m = private!(
        Options::<u32, Ix2>::new()
            .offset(8)
            .shape([rows, cols])
            .create(&path)
    )
    .unwrap();
    {
        let v = m.view_mut();
        // Four parts: rows 0..3, 3..8, 8..9, 9..16.
        let (a, rest) = v.split_at(0, 3).unwrap();
        let (b, rest) = rest.split_at(0, 5).unwrap();
        let (c, d) = rest.split_at(0, 1).unwrap();
        assert_eq!(
            [a.shape()[0], b.shape()[0], c.shape()[0], d.shape()[0]],
            [3, 5, 1, 7]
        );
        std::thread::scope(|s| {
            for (k, mut part) in [a, b, c, d].into_iter().enumerate() {
                s.spawn(move || {
                    let k = u32::try_from(k).unwrap();
                    let n = part.shape()[0];
                    for i in 0..n {
                        for j in 0..cols {
                            part[[i, j]] = (k + 1) * 10_000 + u32::try_from(i * cols + j).unwrap();
                        }
                    }
                });
            }
        });
    }
    m.close().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 8 + 4 * rows * cols);
    assert_eq!(&bytes[..8], &[0; 8]);
    let starts = [0, 3, 8, 9, rows];
    for k in 0..4 {
        for i in starts[k]..starts[k + 1] {
            for j in 0..cols {
                let local = (i - starts[k]) * cols + j;
                let want = u32::try_from((k + 1) * 10_000 + local).unwrap();
                assert_eq!(u32_at(&bytes, 8 + 4 * (i * cols + j)), want, "[{i}, {j}]");
            }
        }
    }
}

/// The same over anonymous memory, small enough for Miri (`ci/test miri` runs it): four
/// threads write the four parts of one split view at once, each part ending where the
/// next begins, and the map then holds every part's values.
#[test]
fn threads_fill_parts_split_along_axis_0_of_an_anonymous_map() {
    let (rows, cols) = (6, 5);
    let mut m =
        mmarray_std::Memmap::<u32, Ix2, mmarray_std::ReadWrite>::anonymous([rows, cols]).unwrap();
    let starts = [0, 1, 3, 3, rows];
    {
        let v = m.view_mut();
        let (a, rest) = v.split_at(0, 1).unwrap();
        let (b, rest) = rest.split_at(0, 2).unwrap();
        let (c, d) = rest.split_at(0, 0).unwrap();
        std::thread::scope(|s| {
            for (k, mut part) in [a, b, c, d].into_iter().enumerate() {
                s.spawn(move || {
                    for i in 0..part.shape()[0] {
                        for j in 0..cols {
                            part[[i, j]] = u32::try_from((k + 1) * 100 + i * cols + j).unwrap();
                        }
                    }
                });
            }
        });
    }
    for k in 0..4 {
        for i in starts[k]..starts[k + 1] {
            for j in 0..cols {
                let want = u32::try_from((k + 1) * 100 + (i - starts[k]) * cols + j).unwrap();
                assert_eq!(m[[i, j]], want, "[{i}, {j}]");
            }
        }
    }
}

#[test]
fn split_at_along_an_interleaved_axis_is_refused() {
    let mut m = mmarray_std::Memmap::<u8, Ix2, mmarray_std::ReadWrite>::anonymous([4, 4]).unwrap();
    assert!(m.view_mut().split_at(1, 2).is_err());
    assert!(m.view_mut().split_at(0, 5).is_err());
    let (top, bottom) = m.view_mut().split_at(0, 4).unwrap();
    assert_eq!((top.shape()[0], bottom.shape()[0]), (4, 0));
}

#[test]
fn display_prints_numpys_repr_body_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = file_with(dir.path(), "a.dat", &[1, 2, 3, 4, 5, 6]);
    let m = private!(Options::<u8, Ix2>::new().shape([2, 3]).open_read(&path)).unwrap();
    // numpy: repr(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)) has this body.
    assert_eq!(m.view().to_string(), "[[1, 2, 3],\n [4, 5, 6]]");
    assert_eq!(m.view().t().to_string(), "[[1, 4],\n [2, 5],\n [3, 6]]");
}
