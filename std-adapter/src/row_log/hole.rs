//! A hole at the committed watermark and who holds it ([`Hole`], [`Owner`]): what
//! [`RowLog::hole`](super::RowLog::hole) reports and [`Error::NotDurable`](crate::Error::NotDurable)
//! names.

use std::fmt;
use std::ops::Range;

use mmarray::claim::{Liveness, Owner as Holder};

/// The process holding the rows of a [`Hole`], as its owner slot names it.
///
/// `pid` is in the owner's pid namespace; `start_ticks` (its start time in clock ticks after
/// boot, `/proc/<pid>/stat` field 22) tells a reused pid apart. Liveness comes from the
/// slot's open-file-description lock, which the kernel releases only once the process can
/// store nothing more (Linux and Android; elsewhere the owner is [`Owner::Unknown`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Owner {
    /// The owner lives (holds its slot's lock): its rows are waited on.
    Alive {
        /// The owner's slot in the log's slot table.
        slot: u32,
        /// Its process id.
        pid: u32,
        /// Its start time, in clock ticks after boot (0 if unknown).
        start_ticks: u64,
    },
    /// The owner is dead: the next participant that meets the hole closes it (its rows
    /// become void and the watermark moves past them).
    Dead {
        /// The owner's slot in the log's slot table.
        slot: u32,
        /// Its process id.
        pid: u32,
        /// Its start time, in clock ticks after boot (0 if unknown).
        start_ticks: u64,
    },
    /// No owner can be told: this platform has no open-file-description locks, the log is
    /// anonymous, or no announcement covers the rows.
    Unknown,
}

impl Owner {
    /// The owner of a slot whose header says `holder`, alive or dead as probed.
    pub(crate) fn of(holder: Holder, liveness: Liveness) -> Self {
        let Holder {
            slot,
            pid,
            start_ticks,
            ..
        } = holder;
        match liveness {
            Liveness::Alive => Owner::Alive {
                slot,
                pid,
                start_ticks,
            },
            Liveness::Dead => Owner::Dead {
                slot,
                pid,
                start_ticks,
            },
            Liveness::Unknown => Owner::Unknown,
        }
    }
}

/// Rows at the committed watermark that are claimed but not complete, holding the
/// watermark (and every row committed above them) back, and who holds them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hole {
    /// The incomplete rows, starting at the committed watermark.
    pub rows: Range<u64>,
    /// The process that claimed them.
    pub owner: Owner,
}

impl fmt::Display for Hole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Range { start, end } = self.rows;
        write!(f, "rows {start}..{end} are claimed by ")?;
        match self.owner {
            Owner::Alive { slot, pid, .. } => write!(
                f,
                "process {pid} (slot {slot}), which is alive and has not committed them"
            ),
            Owner::Dead { slot, pid, .. } => write!(
                f,
                "process {pid} (slot {slot}), which is dead: the next flush or reader that \
                 meets them makes them void"
            ),
            Owner::Unknown => f.write_str(
                "a process that cannot be told alive or dead here (no open-file-description \
                 locks on this platform, or no owner recorded)",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder() -> Holder {
        Holder {
            slot: 3,
            generation: 5,
            pid: 4242,
            start_ticks: 99,
            pid_ns: 7,
        }
    }

    #[test]
    fn owners_follow_the_probe_and_name_the_process() {
        assert_eq!(
            Owner::of(holder(), Liveness::Alive),
            Owner::Alive {
                slot: 3,
                pid: 4242,
                start_ticks: 99
            }
        );
        assert!(matches!(
            Owner::of(holder(), Liveness::Dead),
            Owner::Dead { pid: 4242, .. }
        ));
        assert_eq!(Owner::of(holder(), Liveness::Unknown), Owner::Unknown);
        let hole = Hole {
            rows: 18944..19200,
            owner: Owner::of(holder(), Liveness::Alive),
        };
        assert_eq!(
            hole.to_string(),
            "rows 18944..19200 are claimed by process 4242 (slot 3), which is alive and has \
             not committed them"
        );
    }
}
