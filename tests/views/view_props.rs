//! Property tests: views agree with a brute-force model of numpy's basic
//! slicing, transposition and indexing on every random case.
//!
//! The model never uses strides: it keeps, for every element of the view, the
//! original multi-index it came from, and works out the element's value from
//! that index and the original shape and order by plain enumeration.

use mmarray::{ArrayView, ArrayViewMut, Error, IxDyn, Order, Slice};
use proptest::prelude::*;

/// The flat position of `index` in a contiguous array of `shape` in `order`,
/// by counting: the model's independent answer to "where is this element".
fn flat(shape: &[usize], order: Order, index: &[usize]) -> usize {
    let mut pos = 0;
    let axes: Vec<usize> = match order {
        Order::C => (0..shape.len()).collect(),
        Order::F => (0..shape.len()).rev().collect(),
    };
    for &a in &axes {
        pos = pos * shape[a] + index[a];
    }
    pos
}

/// All multi-indices of `shape` in C (row-major) order.
fn all_indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for &n in shape {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..n).map(move |i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect();
    }
    out
}

/// Python's `range(n)[start:stop:step]`, by walking.
fn model_slice(n: usize, s: Slice) -> Vec<usize> {
    let n = n as isize;
    let norm = |v: isize| if v < 0 { v + n } else { v };
    let mut out = vec![];
    if s.step > 0 {
        let mut i = s.start.map_or(0, norm).max(0);
        let stop = s.stop.map_or(n, norm).min(n);
        while i < stop {
            out.push(i as usize);
            i += s.step;
        }
    } else {
        let mut i = s.start.map_or(n - 1, norm).min(n - 1);
        let stop = s.stop.map_or(-1, |v| norm(v).max(-1));
        while i > stop && i >= 0 {
            out.push(i as usize);
            i += s.step;
        }
    }
    out
}

/// The model of a view: for each axis, the original axis it shows and the
/// original indices along it; plus fixed original indices of removed axes.
#[derive(Clone, Debug)]
struct Model {
    axes: Vec<(usize, Vec<usize>)>,
    fixed: Vec<(usize, usize)>,
    shape: Vec<usize>,
    order: Order,
}

impl Model {
    fn new(shape: &[usize], order: Order) -> Self {
        let axes = shape
            .iter()
            .enumerate()
            .map(|(a, &n)| (a, (0..n).collect()))
            .collect();
        Model {
            axes,
            fixed: vec![],
            shape: shape.to_vec(),
            order,
        }
    }
    fn view_shape(&self) -> Vec<usize> {
        self.axes.iter().map(|(_, ix)| ix.len()).collect()
    }
    /// The value at a view index: the original element's flat position.
    fn value(&self, index: &[usize]) -> u32 {
        let mut orig = vec![0; self.shape.len()];
        for (&(a, ref ix), &i) in self.axes.iter().zip(index) {
            orig[a] = ix[i];
        }
        for &(a, i) in &self.fixed {
            orig[a] = i;
        }
        flat(&self.shape, self.order, &orig) as u32
    }
    fn elements(&self) -> Vec<u32> {
        all_indices(&self.view_shape())
            .iter()
            .map(|i| self.value(i))
            .collect()
    }
}

/// One view transformation of the property tests (shared with `ndarray_props`).
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Slice(Vec<Slice>),
    Reverse,
    Permute(Vec<usize>),
    IndexAxis(usize, usize),
    Invert(usize),
}

fn slice_strategy() -> impl Strategy<Value = Slice> {
    (
        proptest::option::of(-7isize..8),
        proptest::option::of(-7isize..8),
        prop_oneof![-4isize..0, 1isize..5],
    )
        .prop_map(|(a, b, s)| Slice::new(a, b, s))
}

/// Any transformation of a view of `ndim` axes.
pub(crate) fn op_strategy(ndim: usize) -> BoxedStrategy<Op> {
    let mut ops = vec![
        proptest::collection::vec(slice_strategy(), ndim)
            .prop_map(Op::Slice)
            .boxed(),
        Just(Op::Reverse).boxed(),
        Just((0..ndim).collect::<Vec<_>>())
            .prop_shuffle()
            .prop_map(Op::Permute)
            .boxed(),
    ];
    if ndim > 0 {
        ops.push(
            (0..ndim, 0usize..6)
                .prop_map(|(a, i)| Op::IndexAxis(a, i))
                .boxed(),
        );
        ops.push((0..ndim).prop_map(Op::Invert).boxed());
    }
    proptest::strategy::Union::new(ops).boxed()
}

fn case() -> impl Strategy<Value = (Vec<usize>, Order, Vec<Op>)> {
    (
        proptest::collection::vec(0usize..5, 0..5),
        prop_oneof![Just(Order::C), Just(Order::F)],
    )
        .prop_flat_map(|(shape, order)| {
            let ndim = shape.len();
            // Ops are generated for the starting rank; ones that no longer
            // fit the rank after an IndexAxis are checked as errors.
            (
                Just(shape),
                Just(order),
                proptest::collection::vec(op_strategy(ndim), 0..4),
            )
        })
}

fn apply<'a>(
    mut v: ArrayView<'a, u32, IxDyn>,
    mut m: Model,
    ops: &[Op],
) -> (ArrayView<'a, u32, IxDyn>, Model) {
    for op in ops {
        let ndim = m.axes.len();
        match op {
            Op::Slice(s) => {
                let r = v.clone().slice(s);
                if s.len() != ndim {
                    assert_eq!(
                        r.unwrap_err(),
                        Error::RankMismatch {
                            expected: ndim,
                            actual: s.len()
                        }
                    );
                    continue;
                }
                v = r.unwrap();
                for ((_, ix), sl) in m.axes.iter_mut().zip(s) {
                    *ix = model_slice(ix.len(), *sl)
                        .into_iter()
                        .map(|k| ix[k])
                        .collect();
                }
            }
            Op::Reverse => {
                v = v.reversed_axes();
                m.axes.reverse();
            }
            Op::Permute(p) => {
                let r = v.clone().permuted_axes(p);
                if p.len() != ndim {
                    assert_eq!(r.unwrap_err(), Error::NotPermutation { ndim });
                    continue;
                }
                v = r.unwrap();
                m.axes = p.iter().map(|&a| m.axes[a].clone()).collect();
            }
            Op::IndexAxis(a, i) => {
                let r = v.clone().index_axis(*a, *i);
                if *a >= ndim {
                    assert_eq!(r.unwrap_err(), Error::AxisOutOfRange { axis: *a, ndim });
                    continue;
                }
                let len = m.axes[*a].1.len();
                if *i >= len {
                    assert_eq!(
                        r.unwrap_err(),
                        Error::IndexOutOfBounds {
                            axis: *a,
                            index: *i,
                            len
                        }
                    );
                    continue;
                }
                v = r.unwrap();
                let (orig, ix) = m.axes.remove(*a);
                m.fixed.push((orig, ix[*i]));
            }
            Op::Invert(a) => {
                let r = v.clone().inverted_axis(*a);
                if *a >= ndim {
                    assert!(r.is_err());
                    continue;
                }
                v = r.unwrap();
                m.axes[*a].1.reverse();
            }
        }
    }
    (v, m)
}

proptest! {
    // Regressions beside this file (`<file>.proptest-regressions`): the default looks
    // for them under `tests/proptest-regressions/` once the file is a module of a
    // `main.rs` test binary.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::with_cases(2000)
    })]

    #[test]
    fn views_match_the_model((shape, order, ops) in case()) {
        let n: usize = shape.iter().product();
        let model = Model::new(&shape, order);
        // Element at flat position p holds p: values name their memory slot.
        let data: Vec<u32> = (0..n as u32).collect();
        let v = ArrayView::from_slice(&data[..], IxDyn::new(&shape).unwrap(), order).unwrap();
        let (v, m) = apply(v, model, &ops);

        let want_shape = m.view_shape();
        prop_assert_eq!(v.shape(), &want_shape[..]);
        prop_assert_eq!(v.len(), want_shape.iter().product::<usize>());
        let want = m.elements();
        let got: Vec<u32> = v.iter().copied().collect();
        prop_assert_eq!(&got, &want);
        // fold (used by sum) walks rows: it must agree with next().
        let folded = v.iter().fold(Vec::new(), |mut acc, x| { acc.push(*x); acc });
        prop_assert_eq!(&folded, &want);
        for idx in all_indices(&want_shape) {
            prop_assert_eq!(v.get(&idx).copied(), Some(m.value(&idx)));
        }
        // One past the end on every axis is out of bounds.
        for a in 0..want_shape.len() {
            let mut idx = vec![0; want_shape.len()];
            idx[a] = want_shape[a];
            prop_assert_eq!(v.get(&idx), None);
        }
        // A contiguous slice, when offered, is exactly the elements.
        if let Some(s) = v.as_slice() {
            prop_assert_eq!(s, &want[..]);
        }
        let mut out = vec![0u32; want.len()];
        v.copy_to_slice(&mut out).unwrap();
        prop_assert_eq!(&out, &want);
    }

    #[test]
    fn writes_land_where_the_model_says((shape, order, ops) in case()) {
        let n: usize = shape.iter().product();
        let data: Vec<u32> = (0..n as u32).collect();
        let v = ArrayView::from_slice(&data[..], IxDyn::new(&shape).unwrap(), order).unwrap();
        let (v, m) = apply(v, Model::new(&shape, order), &ops);
        // Replay the same ops on a mutable view by rebuilding from the layout
        // of the shared one: write through the mutable view, check memory.
        let mut buf = vec![0u32; n];
        let mut w = ArrayViewMut::from_slice(&mut buf[..], IxDyn::new(&shape).unwrap(), order).unwrap();
        w.fill(&u32::MAX);
        drop(w);
        let mut mv = ArrayViewMut::from_slice(&mut buf[..], IxDyn::new(&shape).unwrap(), order).unwrap();
        for op in &ops {
            // Skip exactly the ops that fail (as `apply` does on the shared view), judged on
            // a shared view of this one; every other op must succeed on the mutable view.
            let v = mv.view();
            let fails = match op {
                Op::Slice(s) => v.slice(s).is_err(),
                Op::Reverse => false,
                Op::Permute(p) => v.permuted_axes(p).is_err(),
                Op::IndexAxis(a, i) => v.index_axis(*a, *i).is_err(),
                Op::Invert(a) => v.inverted_axis(*a).is_err(),
            };
            if fails {
                continue;
            }
            mv = match op {
                Op::Slice(s) => mv.slice(s).unwrap(),
                Op::Reverse => mv.reversed_axes(),
                Op::Permute(p) => mv.permuted_axes(p).unwrap(),
                Op::IndexAxis(a, i) => mv.index_axis(*a, *i).unwrap(),
                Op::Invert(a) => mv.inverted_axis(*a).unwrap(),
            };
        }
        prop_assert_eq!(mv.shape(), v.shape());
        let src: Vec<u32> = (0..mv.len() as u32).map(|k| 1_000_000 + k).collect();
        mv.copy_from_slice(&src).unwrap();
        // Element k (in logical order) of the view is memory slot want[k].
        let want = m.elements();
        let mut expect = vec![u32::MAX; n];
        for (k, &slot) in want.iter().enumerate() {
            expect[slot as usize] = 1_000_000 + k as u32;
        }
        prop_assert_eq!(buf, expect);
    }

    #[test]
    fn split_parts_are_disjoint_and_complete(
        rows in 0usize..6, cols in 0usize..5, at in 0usize..7, order_f in any::<bool>(), invert in any::<bool>()
    ) {
        let order = if order_f { Order::F } else { Order::C };
        let n = rows * cols;
        let mut buf = vec![0u32; n];
        let v = ArrayViewMut::from_slice(&mut buf[..], [rows, cols], order).unwrap();
        let v = if invert { v.inverted_axis(0).unwrap() } else { v };
        // The outermost axis in memory: 0 for C, 1 for F.
        let axis = if order_f { 1 } else { 0 };
        let len = if order_f { cols } else { rows };
        match v.split_at(axis, at) {
            Err(e) => prop_assert_eq!(e, Error::IndexOutOfBounds { axis, index: at, len }),
            Ok((mut a, mut b)) => {
                prop_assert!(at <= len);
                a.fill(&1);
                b.fill(&2);
                // Every slot written exactly once: 1s then 2s along the axis.
                let ones = buf.iter().filter(|&&x| x == 1).count();
                let twos = buf.iter().filter(|&&x| x == 2).count();
                let other = if order_f { rows } else { cols };
                prop_assert_eq!(ones, at * other);
                prop_assert_eq!(twos, (len - at) * other);
            }
        }
    }
}

#[test]
fn overflowing_shapes_are_errors_not_panics() {
    let data = [0u8; 4];
    assert_eq!(
        ArrayView::from_slice(&data[..], [usize::MAX, 2], Order::C).unwrap_err(),
        Error::Overflow
    );
    assert_eq!(
        ArrayView::<u64, _>::from_bytes(&data[..], [usize::MAX / 4], Order::C).unwrap_err(),
        Error::Overflow
    );
    assert_eq!(
        IxDyn::new(&[1; 65]).unwrap_err(),
        Error::TooManyDims { ndim: 65 }
    );
    // 64 axes of length 1 are fine (numpy 2's limit).
    let one = [7u8];
    let v = ArrayView::from_slice(&one[..], IxDyn::new(&[1; 64]).unwrap(), Order::C).unwrap();
    assert_eq!(v[[0; 64]], 7);
}
