// The checks of the `claim_join` fuzz target, shared word for word with the corpus replay
// test (`tests/claims/fuzz_corpus.rs` includes this file). Arbitrary bytes become the atomic
// words of a claims region, as a joining process would find them in a file (torn, hostile or
// foreign): `Mapped::open` (or `recover`) must return a store or a typed error, never panic;
// a store it returns must then survive a short sequence of operations driven by the input,
// keeping `durable <= committed <= tail <= capacity` and leaving a region that opens again.
// An independent per-row shadow model (`Shadow`) tracks which rows are complete — from the
// bits the join found, and the claims, commits, abandons, give-backs and recovery calls the
// input drives — and the committed watermark must never pass a row it says is incomplete.
//
// Input: byte 0 is a set of flags, byte 1 the number `n` of operation bytes that follow; the
// rest is the region (format version 2, zero-padded to whole 8-byte words, native-endian like
// the file). The geometry — capacity, row size, `.npy` header length, slots and entries
// (bytes 48..80) — is the header's own, as an adapter reads it with `ClaimHeader::peek` before
// mapping, unless a flag perturbs it. Operations must leave the void bitmap and the slot
// table (which no operation of this version writes) as the join found them.

/// Flag: join with `Mapped::recover` instead of `Mapped::open`.
pub const RECOVER: u8 = 1;
/// Flag: expect one row more than the header records.
pub const OTHER_CAPACITY: u8 = 2;
/// Flag: expect rows one byte longer than the header records.
pub const OTHER_ROW_SIZE: u8 = 4;
/// Flag: expect a `.npy` header 64 bytes longer than the region records.
pub const OTHER_HEADER_LEN: u8 = 8;
/// Flag: expect one entry per slot more than the region records.
pub const OTHER_ENTRIES: u8 = 16;

/// Operation bytes: the low 3 bits pick the operation, the rest is its argument.
pub const CLAIM: u8 = 0;
/// Commits an open claim.
pub const COMMIT: u8 = 1;
/// Abandons an open claim.
pub const ABANDON: u8 = 2;
/// `stalled`.
pub const STALLED: u8 = 3;
/// `advance_committed`.
pub const ADVANCE: u8 = 4;
/// `flush` (a persist that fails when the argument is odd), or `publish_durable`.
pub const FLUSH: u8 = 5;
/// Gives back the newest open claim, or splits one.
pub const GIVE_BACK: u8 = 6;
/// Ends every open claim (committing or forgetting them), then a recovery call through
/// `&mut`: `force_complete` or `truncate`.
pub const RECOVERY: u8 = 7;

/// The region's words: `bytes` zero-padded to whole words, native-endian.
pub fn region_words(bytes: &[u8]) -> Vec<core::sync::atomic::AtomicU64> {
    bytes
        .chunks(8)
        .map(|chunk| {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            core::sync::atomic::AtomicU64::new(u64::from_ne_bytes(word))
        })
        .collect()
}

/// A word of `bytes` at byte `at`, zero where `bytes` ends.
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    for (i, b) in word.iter_mut().enumerate() {
        *b = bytes.get(at + i).copied().unwrap_or(0);
    }
    u64::from_ne_bytes(word)
}

/// Runs the checks on one input; returns whether the join accepted the region.
pub fn check_claim_join(data: &[u8]) -> bool {
    use mmarray::claim::{ClaimHeader, Claims, Geometry, Mapped};

    let flags = data.first().copied().unwrap_or(0);
    let n = usize::from(data.get(1).copied().unwrap_or(0));
    let ops = data.get(2..).unwrap_or(&[]);
    let (ops, bytes) = ops.split_at(n.min(ops.len()));
    let region = region_words(bytes);
    // The same bytes, padded like the words (a file reads as zeros past its end).
    let mut padded = bytes.to_vec();
    padded.resize(region.len() * 8, 0);
    let bytes = &padded[..];

    let owners = word_at(bytes, 72);
    let mut geometry = Geometry::new(word_at(bytes, 48), word_at(bytes, 56))
        .with_header_len(word_at(bytes, 64))
        .with_owners(owners as u32, (owners >> 32) as u32);
    if cfg!(target_endian = "big") {
        geometry = geometry.with_owners((owners >> 32) as u32, owners as u32);
    }
    // `peek` reads the same fields from plain bytes: it agrees with the raw words.
    if let Ok(peeked) = ClaimHeader::peek(bytes) {
        assert_eq!(peeked.geometry, geometry);
    }
    if flags & OTHER_CAPACITY != 0 {
        geometry.capacity = geometry.capacity.wrapping_add(1);
    }
    if flags & OTHER_ROW_SIZE != 0 {
        geometry.row_size = geometry.row_size.wrapping_add(1);
    }
    if flags & OTHER_HEADER_LEN != 0 {
        geometry.header_len = geometry.header_len.wrapping_add(64);
    }
    if flags & OTHER_ENTRIES != 0 {
        geometry.entries = geometry.entries.wrapping_add(1);
    }
    let (capacity, row_size) = (geometry.capacity, geometry.row_size);
    let joined = if flags & RECOVER != 0 {
        Mapped::recover_with(&region, geometry)
    } else {
        Mapped::open_with(&region, geometry)
    };
    let store = match joined {
        Ok(store) => store,
        Err(e) => {
            // A typed error that says something.
            assert!(!e.to_string().is_empty());
            return false;
        }
    };
    // Whatever joined has this crate's identity.
    assert!(
        ClaimHeader::peek(bytes).is_ok(),
        "joined a header peek refuses"
    );
    assert_eq!(store.geometry(), geometry);
    // The slot table, which no operation below writes (these claims announce nothing).
    let untouched = |region: &[core::sync::atomic::AtomicU64]| -> Vec<u64> {
        let slots = geometry.slots_offset().expect("joined") / 8;
        let end = geometry.region_words().expect("joined");
        region[slots..end]
            .iter()
            .map(|w| w.load(core::sync::atomic::Ordering::Relaxed))
            .collect()
    };
    let void_at = geometry.void_offset().expect("joined") / 8;
    let before = untouched(&region);
    let mut claims = Claims::new(store);
    invariants(&claims);
    let mut shadow = Shadow::joined(&region, void_at, &claims);
    shadow.check(&claims);

    // Segments of shared operations, each ended by a recovery call through `&mut`.
    let mut ops = ops.iter().copied().peekable();
    while ops.peek().is_some() {
        let mut open = Vec::new();
        let mut recovery = None;
        for op in ops.by_ref() {
            let arg = u64::from(op >> 3);
            match op & 7 {
                CLAIM => {
                    let rows = arg % 9;
                    match claims.claim(rows) {
                        Ok(claim) => {
                            assert_eq!(claim.len(), rows);
                            assert!(claim.end() <= claims.claimed());
                            shadow.set(claim.rows(), false);
                            open.push(claim);
                        }
                        Err(e) => {
                            assert!(rows > 0);
                            assert!(claims.capacity() - claims.claimed() < rows, "{e}");
                        }
                    }
                }
                COMMIT | ABANDON if !open.is_empty() => {
                    let claim = open.remove(arg as usize % open.len());
                    let (empty, end) = (claim.is_empty(), claim.end());
                    shadow.set(claim.rows(), true);
                    let w = if op & 7 == COMMIT {
                        claim.commit()
                    } else {
                        shadow.void(claim.rows(), true);
                        claim.abandon()
                    };
                    assert!(w <= claims.capacity());
                    if open.is_empty() && w < end && !empty {
                        // Nothing of this process is open: only rows claimed before the join
                        // (by others, or forgotten) can hold the watermark below our rows.
                        // (An empty claim's end returns the watermark without advancing.)
                        assert!(claims.stalled().is_some_and(|r| r.start < end));
                    }
                }
                STALLED => {
                    if let Some(r) = claims.stalled() {
                        assert!(r.start < r.end);
                        assert_eq!(r.start, claims.committed());
                        assert!(r.end <= claims.claimed());
                    } else {
                        // `stalled` advanced first: not stuck means everything claimed is
                        // committed (a watermark on a complete row would have moved on).
                        assert_eq!(claims.committed(), claims.claimed());
                    }
                }
                ADVANCE => {
                    let w = claims.advance_committed();
                    assert_eq!(w, claims.committed());
                    assert_eq!(
                        claims.advance_committed(),
                        w,
                        "a second advance has nothing to do"
                    );
                }
                FLUSH => {
                    let before = claims.watermarks();
                    if arg % 4 == 3 {
                        let durable = claims.publish_durable(arg.min(claims.committed()));
                        assert!(durable.is_ok());
                    } else {
                        let fail = arg % 2 == 1;
                        let result = claims.flush(|rows| {
                            assert!(rows.start <= rows.end);
                            assert!(rows.start >= before.durable);
                            if fail { Err(()) } else { Ok(()) }
                        });
                        assert_eq!(result.is_err(), fail);
                        if fail {
                            assert_eq!(claims.durable(), before.durable);
                        }
                    }
                }
                GIVE_BACK => {
                    if let Some(claim) = open.pop() {
                        if arg % 2 == 0 {
                            // Given back: unclaimed again, as incomplete as before the claim.
                            let rows = claim.rows();
                            match claim.give_back() {
                                Ok(()) => shadow.set(rows, false),
                                Err(claim) => open.push(claim),
                            }
                        } else {
                            let (a, b) = claim.split_at(arg / 2);
                            assert_eq!(a.end(), b.start());
                            open.push(a);
                            open.push(b);
                        }
                    }
                }
                RECOVERY => {
                    recovery = Some(arg);
                    break;
                }
                _ => {}
            }
            invariants(&claims);
            shadow.check(&claims);
        }
        // End the segment: every open claim is committed, or forgotten (a dead writer).
        for (i, claim) in open.into_iter().enumerate() {
            let bit = u32::try_from(i).ok().and_then(|i| recovery?.checked_shr(i));
            if bit.is_none_or(|bits| bits & 1 == 0) {
                shadow.set(claim.rows(), true);
                claim.commit();
            } // else its writer "dies": the token goes out of scope unended
        }
        invariants(&claims);
        shadow.check(&claims);
        if let Some(arg) = recovery {
            let stalled = claims.stalled();
            let Watermarks { durable, committed } = claims.watermarks();
            if arg % 2 == 0 {
                // Close whatever is stalled, or a range of the argument's choosing.
                let rows = match stalled {
                    Some(r) if arg % 4 == 0 => r,
                    _ => committed..committed.saturating_add(arg / 4),
                };
                let claimed = claims.claimed();
                match claims.force_complete(rows.clone()) {
                    Ok(w) => {
                        // The rows it completes become void; complete ones keep their bit.
                        shadow.void_incomplete(rows.clone());
                        shadow.set(rows.clone(), true);
                        assert!(rows.end <= claimed);
                        assert!(w >= rows.end, "rows from the watermark on are complete");
                        assert_eq!(w, claims.committed());
                    }
                    Err(e) => assert!(rows.end > claimed, "{e}"),
                }
            } else {
                let len = durable + (arg / 2) % (committed - durable + 2);
                let claimed = claims.claimed();
                match claims.truncate(len) {
                    Ok(dropped) => {
                        assert_eq!(dropped, len..claimed);
                        shadow.set(dropped.clone(), false);
                        shadow.void(len..claims.capacity(), false);
                        assert_eq!((claims.committed(), claims.claimed()), (len, len));
                    }
                    Err(e) => assert!(len > committed, "{e}"),
                }
            }
            invariants(&claims);
            shadow.check(&claims);
        }
    }

    // Whatever the operations did, the region is a valid header again, seen alike by a new
    // joiner.
    let marks = claims.watermarks();
    let tail = claims.claimed();
    let again = Mapped::open_with(&region, geometry).expect("the state stays joinable");
    let again = Claims::new(again);
    assert_eq!((again.watermarks(), again.claimed()), (marks, tail));
    assert_eq!((again.store().capacity(), again.store().row_size()), (capacity, row_size));
    assert_eq!(untouched(&region), before, "the slot table is not touched");
    shadow.check_void(&region, void_at, claims.capacity());
    true
}

use mmarray::claim::Watermarks;

/// `durable <= committed <= tail <= capacity`, read in an order that makes it hold.
fn invariants<S: mmarray::claim::Store>(claims: &mmarray::claim::Claims<S>) {
    let Watermarks { durable, committed } = claims.watermarks();
    let tail = claims.claimed();
    assert!(
        durable <= committed,
        "durable {durable} > committed {committed}"
    );
    assert!(committed <= tail, "committed {committed} > tail {tail}");
    assert!(tail <= claims.capacity(), "tail {tail} > capacity");
}

/// The shadow model: for each row, whether it is complete (its contents final: committed,
/// abandoned, force-completed, or complete when the join found it). Kept by the checks from
/// the operations they drive, independently of the protocol's own bitmap and counters.
struct Shadow {
    complete: Vec<bool>,
    /// Whether each row is void (abandoned or force-completed), as the operations left it.
    void: Vec<bool>,
}

impl Shadow {
    /// The rows as the join found them: rows below the committed watermark are complete, rows
    /// from it to the tail are complete where their completion bit is set, the rest are not.
    fn joined<S: mmarray::claim::Store>(
        region: &[core::sync::atomic::AtomicU64],
        void_at: usize,
        claims: &mmarray::claim::Claims<S>,
    ) -> Self {
        let (committed, tail) = (claims.committed(), claims.claimed());
        let bitmap = &region[mmarray::claim::ClaimHeader::LEN / 8..];
        let capacity = usize::try_from(claims.capacity()).expect("the region holds its bitmap");
        let complete = (0..capacity as u64)
            .map(|row| {
                let word = bitmap[(row / 64) as usize].load(core::sync::atomic::Ordering::Relaxed);
                row < committed || (row < tail && word & (1 << (row % 64)) != 0)
            })
            .collect();
        // The join refused void bits at or past the tail (`StrayVoid`); `recover` cleared
        // them from the durable watermark on.
        let void = (0..capacity as u64).map(|row| bit(region, void_at, row)).collect();
        Self { complete, void }
    }

    /// Marks `rows` void or not.
    fn void(&mut self, rows: core::ops::Range<u64>, void: bool) {
        for row in rows {
            self.void[row as usize] = void;
        }
    }

    /// Marks the rows of `rows` that are not complete void (what `force_complete` does).
    fn void_incomplete(&mut self, rows: core::ops::Range<u64>) {
        for row in rows {
            if !self.complete[row as usize] {
                self.void[row as usize] = true;
            }
        }
    }

    /// The region's void bitmap is the model's, and the protocol's validity of every
    /// committed row agrees with it.
    fn check_void(&self, region: &[core::sync::atomic::AtomicU64], void_at: usize, capacity: u64) {
        for row in 0..capacity {
            assert_eq!(bit(region, void_at, row), self.void[row as usize], "void bit of row {row}");
        }
    }

    /// Marks `rows` complete or not.
    fn set(&mut self, rows: core::ops::Range<u64>, complete: bool) {
        for row in rows {
            self.complete[row as usize] = complete;
        }
    }

    /// The committed watermark never passes a row the model says is incomplete, and the
    /// validity of the rows below it is the model's.
    fn check<S: mmarray::claim::Store>(&self, claims: &mmarray::claim::Claims<S>) {
        let validity = claims.validity();
        for row in 0..validity.rows() {
            assert_eq!(validity.is_valid(row), !self.void[row as usize], "validity of row {row}");
        }
        let committed = claims.committed();
        if let Some(row) = (0..committed).find(|&row| !self.complete[row as usize]) {
            panic!("the committed watermark {committed} passed row {row}, which is incomplete");
        }
    }
}

/// Bit `row` of the bitmap starting at word `at` of `region`.
fn bit(region: &[core::sync::atomic::AtomicU64], at: usize, row: u64) -> bool {
    let word = region[at + (row / 64) as usize].load(core::sync::atomic::Ordering::Relaxed);
    word & (1 << (row % 64)) != 0
}
