//! The self-checking row the row-log tests write from threads and processes.

#![allow(dead_code, reason = "each test binary uses its own subset")]

mmarray_std::record! {
    /// A row that carries its own index, its writer, a sequence number and a checksum (a
    /// record: file-backed row logs name their rows' numpy dtype).
    #[derive(PartialEq, Eq)]
    pub struct Row {
        pub index: u64,
        pub writer: u64,
        pub seq: u64,
        pub check: u64,
    }
}

/// A 64-bit mixer (splitmix64's finaliser).
pub fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Row {
    /// The all-zero row: what an abandoned or force-completed row reads as.
    pub const ZERO: Row = Row {
        index: 0,
        writer: 0,
        seq: 0,
        check: 0,
    };

    /// Row `index`, written by `writer` as its `seq`-th row.
    pub fn new(index: u64, writer: u64, seq: u64) -> Self {
        Row {
            index,
            writer,
            seq,
            check: Self::checksum(index, writer, seq),
        }
    }

    /// Never 0, so an all-zero (abandoned) row never passes as data.
    fn checksum(index: u64, writer: u64, seq: u64) -> u64 {
        mix(index ^ mix(writer ^ mix(seq).rotate_left(17))) | 1
    }

    /// A complete row of index `position`.
    pub fn is_complete_at(&self, position: u64) -> bool {
        self.index == position && self.check == Self::checksum(self.index, self.writer, self.seq)
    }

    /// A row a reader may see at `position`: a complete row of that index, or zeros.
    pub fn is_valid_at(&self, position: u64) -> bool {
        *self == Self::ZERO || self.is_complete_at(position)
    }
}
