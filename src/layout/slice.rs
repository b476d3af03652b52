//! [`Slice`]: one axis of numpy basic slicing, resolved as Python's `slice.indices`.

/// One axis of numpy basic slicing: `start:stop:step`.
///
/// Negative `start`/`stop` count from the end, out-of-range bounds are
/// clamped, and a negative `step` walks backwards — all exactly as numpy does.
/// Build one from a Rust range (`1..3`, `2..`, `..`, `..=4`) and add a step
/// with [`Slice::step_by`], or give all three with [`Slice::new`].
///
/// # Examples
///
/// ```
/// use mmarray::Slice;
/// assert_eq!(Slice::from(1..).step_by(2), Slice::new(Some(1), None, 2));
/// assert_eq!(Slice::full().step_by(-1).indices(4), Some((3, -1, 4)));
/// assert_eq!(Slice::new(Some(-3), None, 1).indices(5), Some((2, 1, 3)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slice {
    /// First index (numpy default: 0, or the last for a negative step).
    pub start: Option<isize>,
    /// One past the last index (numpy default: the end, or before the first for a negative step).
    pub stop: Option<isize>,
    /// Distance between taken indices; not zero.
    pub step: isize,
}

impl Slice {
    /// `start:stop:step`.
    pub const fn new(start: Option<isize>, stop: Option<isize>, step: isize) -> Self {
        Slice { start, stop, step }
    }

    /// `:` — the whole axis.
    pub const fn full() -> Self {
        Slice {
            start: None,
            stop: None,
            step: 1,
        }
    }

    /// The same bounds with another step.
    #[must_use]
    pub const fn step_by(self, step: isize) -> Self {
        Slice { step, ..self }
    }

    /// Resolves the slice against an axis of length `len` like numpy's
    /// `slice.indices`: `(first index, step, count)`. The first index is only
    /// meaningful when `count > 0`. `None` for a zero step.
    pub fn indices(&self, len: usize) -> Option<(isize, isize, usize)> {
        let step = self.step;
        if step == 0 {
            return None;
        }
        // An axis length fits in isize: layouts hold at most isize::MAX elements.
        let n = isize::try_from(len).unwrap_or(isize::MAX);
        let resolve = |v: isize, lo: isize, hi: isize| {
            let v = if v < 0 { v.saturating_add(n) } else { v };
            v.clamp(lo, hi)
        };
        if step > 0 {
            let start = self.start.map_or(0, |v| resolve(v, 0, n));
            let stop = self.stop.map_or(n, |v| resolve(v, 0, n));
            // ceil((stop - start) / step), without a sum that could overflow.
            let count = if stop > start {
                stop.abs_diff(start).div_ceil(step.unsigned_abs())
            } else {
                0
            };
            Some((start, step, count))
        } else {
            // n >= 0, so this is n - 1 exactly.
            let last = n.saturating_sub(1);
            let start = self.start.map_or(last, |v| resolve(v, -1, last));
            let stop = self.stop.map_or(-1, |v| resolve(v, -1, last));
            let count = if start > stop {
                // ceil((start - stop) / -step), with -step computed without overflow.
                start.abs_diff(stop).div_ceil(step.unsigned_abs())
            } else {
                0
            };
            Some((start, step, count))
        }
    }
}

impl From<core::ops::RangeFull> for Slice {
    fn from(_: core::ops::RangeFull) -> Self {
        Slice::full()
    }
}
impl From<core::ops::Range<isize>> for Slice {
    fn from(r: core::ops::Range<isize>) -> Self {
        Slice::new(Some(r.start), Some(r.end), 1)
    }
}
impl From<core::ops::RangeFrom<isize>> for Slice {
    fn from(r: core::ops::RangeFrom<isize>) -> Self {
        Slice::new(Some(r.start), None, 1)
    }
}
impl From<core::ops::RangeTo<isize>> for Slice {
    fn from(r: core::ops::RangeTo<isize>) -> Self {
        Slice::new(None, Some(r.end), 1)
    }
}
impl From<core::ops::RangeInclusive<isize>> for Slice {
    fn from(r: core::ops::RangeInclusive<isize>) -> Self {
        let (a, b) = r.into_inner();
        // b + 1 == 0 would mean "stop before index 0" only for b == -1, which
        // as an inclusive end means "through the last element": open-ended.
        let stop = if b == -1 { None } else { b.checked_add(1) };
        Slice::new(Some(a), stop, 1)
    }
}
impl From<core::ops::RangeToInclusive<isize>> for Slice {
    fn from(r: core::ops::RangeToInclusive<isize>) -> Self {
        let stop = if r.end == -1 {
            None
        } else {
            r.end.checked_add(1)
        };
        Slice::new(None, stop, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_slice_indices() {
        // Python: slice(None, None, -2).indices(5) -> (4, -1, -2): 4, 2, 0
        assert_eq!(Slice::full().step_by(-2).indices(5), Some((4, -2, 3)));
        // slice(10, None).indices(5) -> empty
        assert_eq!(Slice::new(Some(10), None, 1).indices(5).unwrap().2, 0);
        // slice(-100, 2) -> 0, 1
        assert_eq!(
            Slice::new(Some(-100), Some(2), 1).indices(5),
            Some((0, 1, 2))
        );
        // slice(3, 0, -1) -> 3, 2, 1
        assert_eq!(
            Slice::new(Some(3), Some(0), -1).indices(5),
            Some((3, -1, 3))
        );
        // slice(None, None, isize::MIN) on 5 -> just 4
        assert_eq!(
            Slice::full().step_by(isize::MIN).indices(5),
            Some((4, isize::MIN, 1))
        );
        assert_eq!(Slice::full().step_by(0).indices(5), None);
        assert_eq!(Slice::from(..=-1), Slice::full());
        assert_eq!(Slice::from(1..=2), Slice::new(Some(1), Some(3), 1));
    }
}
