//! [`Writer`]: a per-thread buffered appender — plain writes, one claim per chunk.

use std::time::Duration;

use mmarray::Element;

use mmarray::claim::Entry;

#[cfg(doc)]
use super::RowsMut;
use super::slices::Chunk;
use super::slots::Lease;
use super::{Flushed, RowLog};
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;

impl<T: Element + Send + Sync> RowLog<T> {
    /// A buffered appender for one thread: it claims `chunk` rows at a time and fills them
    /// with plain writes, so that appending a row costs no atomic operation at all; the
    /// claim's two atomic operations are paid once per chunk.
    ///
    /// The trade: rows become visible to readers (and [`flush`](RowLog::flush)) when their
    /// chunk is full, on [`Writer::publish`], or when the writer is dropped — not at each
    /// [`Writer::push`]. Dropping the writer publishes what it wrote and returns the unused
    /// rest of its chunk to the log when nothing was claimed after it (otherwise the rest is
    /// zero-filled and abandoned, as [`RowsMut::abandon`] does: void rows, which
    /// [`valid_rows`](RowLog::valid_rows) skips).
    ///
    /// # Examples
    ///
    /// ```
    /// let log = mmarray_std::RowLog::<[u64; 2]>::anonymous(1000)?;
    /// std::thread::scope(|s| {
    ///     for t in 1..=2u64 {
    ///         let log = &log;
    ///         s.spawn(move || {
    ///             let mut w = log.writer(64);
    ///             for i in 0..100 {
    ///                 w.push([t, i]).unwrap();
    ///             }
    ///         });
    ///     }
    /// });
    /// // Both writers were dropped: everything they claimed is committed (no hole). A chunk
    /// // end that could not be given back (the other writer had claimed after it) is void
    /// // (zero rows, skipped by `valid_rows`).
    /// assert_eq!(log.committed(), log.claimed());
    /// let mut rows: Vec<_> = log.valid_rows().map(|(_, row)| row).collect();
    /// rows.sort();
    /// assert_eq!(rows.len(), 200);
    /// assert_eq!(rows[..2], [&[1, 0], &[1, 1]]);
    /// # Ok::<(), mmarray_std::Error>(())
    /// ```
    pub fn writer(&self, chunk: u64) -> Writer<'_, T> {
        Writer {
            log: self,
            chunk: chunk.max(1),
            current: None,
            filled: 0,
            mine: 0,
            entry: None,
        }
    }
}

/// A buffered appender of one thread to a [`RowLog`]: see [`RowLog::writer`].
pub struct Writer<'a, T: Element> {
    log: &'a RowLog<T>,
    chunk: u64,
    /// The chunk being filled: rows `0..filled` of it are written. A claim and its rows, not
    /// a [`RowsMut`]: a push reaches its rows without moving a guard, and a full chunk is
    /// committed and the next one claimed in place.
    current: Option<Chunk<'a, T>>,
    filled: usize,
    /// The end of the highest row this writer committed.
    mine: u64,
    /// The owner entry every chunk is announced through: taken at the first chunk, kept for
    /// the writer's life (one take and give-back per writer, not per chunk), given back
    /// when it drops. `None` before the first chunk and without owner tracking.
    entry: Option<Entry>,
}

impl<'a, T: Element + Send + Sync> Writer<'a, T> {
    /// Appends one row: a plain write into the current chunk; at a chunk's end, commits it
    /// and claims the next (fewer rows if the log has fewer left). Returns the row's index.
    ///
    /// # Errors
    ///
    /// [`Error::Claim`] when the log is full (what was written stays, and is published when
    /// the writer is dropped or [`publish`](Writer::publish)ed).
    #[inline]
    pub fn push(&mut self, row: T) -> Result<u64> {
        if let Some(chunk) = self.current.as_mut()
            && let Some(slot) = chunk.as_mut_slice().get_mut(self.filled)
        {
            *slot = row;
            self.filled += 1;
            return Ok(chunk.rows().start + self.filled as u64 - 1);
        }
        self.next_chunk()?;
        self.push(row)
    }

    /// Commits the full chunk and claims a new one.
    #[cold]
    fn next_chunk(&mut self) -> Result<()> {
        if let Some(full) = self.current.take() {
            let _watermark = self.commit(full);
        }
        self.filled = 0;
        if self.entry.is_none() {
            self.entry = self.log.take_entry()?;
        }
        // Before the claim: this writer holds no open claim while it populates.
        self.log.populate_ahead(self.chunk);
        let claims = &self.log.claims;
        let claim = match self.entry {
            Some(entry) => claims.claim_up_to_as(entry, self.chunk),
            None => claims.claim_up_to(self.chunk),
        };
        match claim {
            Ok(claim) => {
                self.current = Some(self.log.chunk(claim));
                Ok(())
            }
            Err(e) => {
                // The log may be full of a dead writer's hole.
                self.log.close_pass(false);
                Err(e.into())
            }
        }
    }

    /// Commits `chunk` (rows this writer filled) and tells the log's liveness side: `mine`
    /// rises, a commit left behind a hole passes it by. The entry stays with the writer.
    /// Returns the committed watermark as the commit left it.
    fn commit(&mut self, chunk: Chunk<'a, T>) -> u64 {
        let rows = chunk.rows();
        let watermark = chunk.commit();
        if !rows.is_empty() {
            self.mine = self.mine.max(rows.end);
        }
        self.log.live().end_claim(None, rows, Some(watermark))
    }

    /// Makes the rows pushed so far visible (commits them), keeping the rest of the chunk
    /// for the next pushes. Returns the committed watermark as the commit left it.
    pub fn publish(&mut self) -> u64 {
        let Some(chunk) = self.current.take() else {
            return self.log.committed();
        };
        let (done, rest) = chunk.split_at(self.filled);
        self.filled = 0;
        if rest.rows().is_empty() {
            // An empty part still holds a share of the entry's announcement: end it.
            let _watermark = self.commit(rest);
        } else {
            self.current = Some(rest);
        }
        self.commit(done)
    }
    /// Publishes the rows pushed so far, then [`flush`](RowLog::flush)es until every row this
    /// writer committed is durable, or `timeout` passes (as
    /// [`RowLog::flush_until_durable`], for this writer's rows only).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmarray_std::RowLog;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("samples.log");
    /// // SAFETY: the file is private to this example; only row logs of this type use it.
    /// let log = unsafe { RowLog::<u64>::create(&path, 100) }?;
    /// let mut w = log.writer(16);
    /// for i in 0..20 {
    ///     w.push(i)?;
    /// }
    /// let flushed = w.flush_until_durable(Duration::from_secs(1))?;
    /// assert_eq!((flushed.durable, flushed.mine), (20, 20));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`RowLog::flush_until_durable`].
    pub fn flush_until_durable(&mut self, timeout: Duration) -> Result<Flushed> {
        self.publish();
        let flushed = self.log.flush_until(self.mine, timeout)?;
        Ok(Flushed {
            mine: self.mine,
            ..flushed
        })
    }
}

impl<T: Element> Drop for Writer<'_, T> {
    fn drop(&mut self) {
        let Some(chunk) = self.current.take() else {
            self.give_entry_back();
            return;
        };
        // The cold end goes through a guard: its commit, abandon and give-back. The entry is
        // kept (the writer gives it back below, once no part of the chunk is left).
        let lease = self.entry.map(|entry| Lease { entry, kept: true });
        let rows = self.log.guard(chunk, lease);
        let (done, rest) = rows.split_at(self.filled);
        if std::thread::panicking() {
            // Dropping `done` abandons it (zero-filled), like any guard in a panic.
            drop(done);
        } else {
            done.commit();
        }
        // Rows never written: back to the log if nothing was claimed after them.
        if let Err(rest) = rest.give_back() {
            rest.abandon();
        }
        self.give_entry_back();
    }
}

impl<T: Element> Writer<'_, T> {
    /// Gives the kept owner entry back to the process's free entries (every claim through it
    /// has ended: the writer holds no rows).
    fn give_entry_back(&mut self) {
        if let Some(entry) = self.entry.take() {
            self.log.give_entry_back(entry);
        }
    }
}

impl<T: Element> std::fmt::Debug for Writer<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("chunk", &self.chunk)
            .field("current", &self.current.as_ref().map(Chunk::rows))
            .field("filled", &self.filled)
            .finish_non_exhaustive()
    }
}

/// Compile-time check: a writer may move to (and be shared with) another thread, for every
/// row type a log holds.
const _: () = {
    const fn send_sync<X: Send + Sync>() {}
    const fn writers<'a, T: Element + Send + Sync + 'a>() {
        send_sync::<Writer<'a, T>>();
    }
    writers::<[u64; 2]>();
};
