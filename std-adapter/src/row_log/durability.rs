//! What a flush made durable ([`Flushed`]), and waiting until given rows are durable
//! (design `docs/row-log-v2.md` §5).

use std::path::Path;
use std::time::{Duration, Instant};

use mmarray::Element;

use super::RowLog;
use super::hole::{Hole, Owner};
use crate::error::{Error, Result};

/// What a [`flush`](super::RowLog::flush) left durable, and whether that covers the caller's
/// own rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flushed {
    /// The durable watermark after the flush: rows below it are on disk, and the file's
    /// header says so (what a `recover` after a machine crash keeps).
    pub durable: u64,
    /// The committed watermark the flush saw.
    pub committed: u64,
    /// The end of the highest row this handle committed before the flush began (0 if none),
    /// in any of its threads; a [`Writer`](super::Writer)'s flush uses the writer's own rows.
    pub mine: u64,
}

impl Flushed {
    /// Whether every row this handle committed is durable (`durable >= mine`).
    ///
    /// # Examples
    ///
    /// ```
    /// use mmarray_std::Flushed;
    ///
    /// let f = Flushed { durable: 10, committed: 12, mine: 12 };
    /// assert!(!f.covers_mine()); // rows 10..12 wait for a hole below them
    /// assert!(Flushed { mine: 10, ..f }.covers_mine());
    /// ```
    #[must_use]
    pub fn covers_mine(&self) -> bool {
        self.durable >= self.mine
    }
}

impl<T: Element + Send + Sync> RowLog<T> {
    /// [`flush`](Self::flush)es until every row this handle committed is durable, or
    /// `timeout` passes. A dead writer's hole below them is closed by the next flush; a live
    /// one is waited on (1 ms doubling to 50 ms between flushes).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmarray_std::{Error, RowLog};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("samples.log");
    /// // SAFETY: the file is private to this example; only row logs of this type use it.
    /// let log = unsafe { RowLog::<u64>::create(&path, 10) }?;
    /// let slow = log.claim(1)?; // a slow writer of this process
    /// log.push(5)?;
    /// let err = log.flush_until_durable(Duration::from_millis(10)).unwrap_err();
    /// assert!(matches!(err, Error::NotDurable { wanted: 2, durable: 0, .. }));
    /// drop(slow); // commits
    /// assert!(log.flush_until_durable(Duration::from_secs(1))?.covers_mine());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotDurable`] naming the hole (its rows and its owner, alive or dead) when the
    /// time is up; [`Error::Io`] and [`Error::WriteBackFailed`] as for `flush`, at once.
    pub fn flush_until_durable(&self, timeout: Duration) -> Result<Flushed> {
        let mine = self.mine.load(std::sync::atomic::Ordering::Acquire);
        self.flush_until(mine, timeout)
    }

    /// [`flush`](Self::flush)es until the rows below `rows` are durable, or `timeout` passes
    /// (see [`flush_until_durable`](Self::flush_until_durable)).
    ///
    /// # Errors
    ///
    /// As [`flush_until_durable`](Self::flush_until_durable).
    pub fn flush_until(&self, rows: u64, timeout: Duration) -> Result<Flushed> {
        flush_until(
            rows,
            timeout,
            self.path.as_deref(),
            || self.flush(),
            || self.hole(),
        )
    }
}

/// The first wait between flushes while a live (or unknown) owner holds the rows back.
const FIRST_WAIT: Duration = Duration::from_millis(1);
/// The longest wait between flushes.
const LONGEST_WAIT: Duration = Duration::from_millis(50);

/// Calls `flush` until it reports `rows` durable, or `timeout` passes; then
/// [`Error::NotDurable`] with the hole `hole` reports then (if any).
///
/// A hole whose owner is dead is closed by the next flush, so the loop flushes again at once
/// (`flush` probes without waiting for the grace period); a hole of a live owner (or one that
/// cannot be told) is waited on, 1 ms doubling to 50 ms between flushes.
pub(crate) fn flush_until(
    rows: u64,
    timeout: Duration,
    path: Option<&Path>,
    mut flush: impl FnMut() -> Result<Flushed>,
    mut hole: impl FnMut() -> Option<Hole>,
) -> Result<Flushed> {
    let deadline = Instant::now().checked_add(timeout);
    let mut wait = FIRST_WAIT;
    loop {
        let flushed = flush()?;
        if flushed.durable >= rows {
            return Ok(flushed);
        }
        let now = Instant::now();
        let left = deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(now));
        let found = hole();
        if left.is_zero() {
            return Err(Error::NotDurable {
                path: path.map(Path::to_path_buf),
                wanted: rows,
                durable: flushed.durable,
                hole: found,
            });
        }
        match found {
            Some(Hole {
                owner: Owner::Dead { .. },
                ..
            }) => std::thread::yield_now(),
            _ => {
                std::thread::sleep(wait.min(left));
                wait = (wait * 2).min(LONGEST_WAIT);
            }
        }
    }
}

#[cfg(test)]
#[allow(
    unsafe_code,
    reason = "the tests make file-backed row logs, whose constructors are unsafe fns"
)]
mod write_back_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn flushed(durable: u64) -> Flushed {
        Flushed {
            durable,
            committed: durable,
            mine: 0,
        }
    }

    #[test]
    fn returns_once_the_rows_are_durable() {
        let calls = Cell::new(0);
        let f = flush_until(
            30,
            Duration::from_secs(5),
            None,
            || {
                calls.set(calls.get() + 1);
                Ok(flushed(calls.get() * 10))
            },
            || None,
        )
        .unwrap();
        assert_eq!((f.durable, calls.get()), (30, 3));
    }

    #[test]
    fn names_the_hole_when_the_time_is_up() {
        let hole = Hole {
            rows: 18944..19200,
            owner: Owner::Alive {
                slot: 3,
                pid: 4242,
                start_ticks: 1,
            },
        };
        let start = Instant::now();
        let err = flush_until(
            38192,
            Duration::from_millis(30),
            Some(Path::new("/data/log")),
            || Ok(flushed(18944)),
            || Some(hole.clone()),
        )
        .unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert!(
            matches!(&err, Error::NotDurable { wanted: 38192, durable: 18944, hole: Some(h), .. } if *h == hole),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("rows below 38192 cannot become durable")
                && text.contains(
                    "rows 18944..19200 are claimed by process 4242 (slot 3), which is alive"
                )
                && text.contains("durable is 18944"),
            "{text}"
        );
    }

    #[test]
    fn a_flush_error_ends_the_wait() {
        let err = flush_until(
            1,
            Duration::from_secs(5),
            None,
            || Err(Error::ReadOnly),
            || None,
        );
        assert!(matches!(err, Err(Error::ReadOnly)));
    }

    #[test]
    fn covers_mine_compares_durable_with_mine() {
        let f = Flushed {
            durable: 5,
            committed: 9,
            mine: 6,
        };
        assert!(!f.covers_mine());
        assert!(Flushed { mine: 0, ..f }.covers_mine());
    }
}
