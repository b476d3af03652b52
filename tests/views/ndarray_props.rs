//! Views handed to ndarray (feature `ndarray`): for every view the property tests can make —
//! slices with negative steps, transposes, permutations, `index_axis`, reversed axes, C and
//! F order, 0-d and empty — the ndarray view has the same shape and strides and the same
//! elements, at the same addresses (no copy), in the same order as mmarray's own iteration;
//! static ranks convert to ndarray's static ranks; a mutable ndarray view writes exactly the
//! view's elements. (Through a map to a file: `std-adapter/tests/maps/ndarray.rs`.)

use mmarray::Layout;
use mmarray::ndarray as nd;
use mmarray::{ArrayView, ArrayViewMut, IxDyn, Order};
use proptest::prelude::*;

use super::view_props::{Op, op_strategy};

/// A shape of up to 5 axes of up to 5 elements, an order, and up to 4 transformations.
fn case() -> impl Strategy<Value = (Vec<usize>, Order, Vec<Op>)> {
    (
        proptest::collection::vec(0usize..5, 0..6),
        prop_oneof![Just(Order::C), Just(Order::F)],
    )
        .prop_flat_map(|(shape, order)| {
            let ndim = shape.len();
            (
                Just(shape),
                Just(order),
                proptest::collection::vec(op_strategy(ndim), 0..5),
            )
        })
}

/// Applies the ops that fit the view (an op for a rank the view no longer has is skipped).
fn apply<'a>(mut v: ArrayView<'a, u32, IxDyn>, ops: &[Op]) -> ArrayView<'a, u32, IxDyn> {
    for op in ops {
        let r = match op {
            Op::Slice(s) => v.clone().slice(s),
            Op::Reverse => Ok(v.clone().reversed_axes()),
            Op::Permute(p) => v.clone().permuted_axes(p),
            Op::IndexAxis(a, i) => v.clone().index_axis(*a, *i).map(|w| w.into_dyn()),
            Op::Invert(a) => v.clone().inverted_axis(*a),
        };
        if let Ok(w) = r {
            v = w;
        }
    }
    v
}

/// The same view as an ndarray view of static rank `N`, through the static-rank conversion.
fn static_rank<const N: usize>(v: &ArrayView<'_, u32, IxDyn>) -> Vec<*const u32>
where
    [usize; N]: mmarray::NdarrayDim,
{
    let s = v.clone().into_dimensionality::<[usize; N]>().unwrap();
    let nd = s.as_ndarray();
    assert_eq!(nd.ndim(), N);
    assert_eq!(nd.shape(), v.shape());
    nd.iter().map(|x| x as *const u32).collect()
}

/// The first value a mutable ndarray view writes: above every initial element `0..n` (a
/// lower base collided with large shapes' own data).
const WRITTEN: u32 = 1 << 31;

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::with_cases(1000)
    })]

    #[test]
    fn ndarray_views_are_the_same_elements((shape, order, ops) in case()) {
        let n: usize = shape.iter().product();
        let data: Vec<u32> = (0..n as u32).collect();
        let v = ArrayView::from_slice(&data[..], IxDyn::new(&shape).unwrap(), order).unwrap();
        let v = apply(v, &ops);

        let nd: nd::ArrayView<'_, u32, nd::IxDyn> = v.as_ndarray();
        prop_assert_eq!(nd.shape(), v.shape());
        if !v.is_empty() {
            // An empty view addresses nothing: ndarray gets its default strides.
            prop_assert_eq!(nd.strides(), v.strides());
        }
        // Element by element, by address: the same memory, in the same (logical) order.
        let ours: Vec<*const u32> = v.iter().map(|x| x as *const u32).collect();
        let theirs: Vec<*const u32> = nd.iter().map(|x| x as *const u32).collect();
        prop_assert_eq!(&theirs, &ours);
        // Indexing agrees too (ndarray's own offset arithmetic, not its iterator).
        for (idx, x) in nd.indexed_iter() {
            prop_assert!(std::ptr::eq(x, v.get(nd::Dimension::slice(&idx)).unwrap()));
        }
        // `From` gives the same view.
        let from: nd::ArrayView<'_, u32, nd::IxDyn> = v.clone().into();
        prop_assert_eq!(from.as_ptr(), nd.as_ptr());
        prop_assert_eq!(from, nd);
        // Static ranks map to Ix0..Ix6 with the same elements.
        let by_static = match v.ndim() {
            0 => static_rank::<0>(&v),
            1 => static_rank::<1>(&v),
            2 => static_rank::<2>(&v),
            3 => static_rank::<3>(&v),
            4 => static_rank::<4>(&v),
            _ => static_rank::<5>(&v),
        };
        prop_assert_eq!(&by_static, &ours);
    }

    #[test]
    fn mutable_ndarray_views_write_exactly_the_view((shape, order, ops) in case()) {
        let n: usize = shape.iter().product();
        let mut data: Vec<u32> = (0..n as u32).collect();
        let layout: Layout<IxDyn> = {
            let v = ArrayView::from_slice(&data[..], IxDyn::new(&shape).unwrap(), order).unwrap();
            apply(v, &ops).layout().clone()
        };
        let mut m = ArrayViewMut::with_layout(&mut data[..], layout).unwrap();
        {
            let mut nd = m.as_ndarray_mut();
            prop_assert_eq!(nd.strides().len(), nd.ndim());
            for (k, x) in nd.iter_mut().enumerate() {
                *x = WRITTEN + k as u32;
            }
        }
        // mmarray's own iteration sees the writes in the same order ...
        let want: Vec<u32> = (0..m.len() as u32).map(|k| WRITTEN + k).collect();
        let got: Vec<u32> = m.iter().copied().collect();
        prop_assert_eq!(&got, &want);
        let len = m.len();
        // ... and nothing outside the view changed.
        let written = data.iter().filter(|&&x| x >= WRITTEN).count();
        prop_assert_eq!(written, len);
        prop_assert!(data.iter().enumerate().all(|(p, &x)| x >= WRITTEN || x == p as u32));
    }

    #[test]
    fn split_halves_convert_independently(rows in 0usize..6, cols in 0usize..6, at in 0usize..7) {
        let mut data = vec![0u32; rows * cols];
        let v = ArrayViewMut::from_slice(&mut data[..], [rows, cols], Order::C).unwrap();
        if let Ok((mut a, mut b)) = v.inverted_axis(0).unwrap().split_at(0, at) {
            a.as_ndarray_mut().fill(1);
            b.as_ndarray_mut().fill(2);
            prop_assert_eq!(a.as_ndarray().shape().to_vec(), [at.min(rows), cols]);
        }
        let k = rows.saturating_sub(at) * cols;
        // Axis 0 reversed: the first `at` rows of the view are the last rows in memory.
        if at <= rows {
            prop_assert!(data[..k].iter().all(|&x| x == 2) && data[k..].iter().all(|&x| x == 1));
        }
    }
}
