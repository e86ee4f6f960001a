//! Block slots and rounds, as the chain counts them: a slot every 500 ms since 2000-01-01; each
//! producer of the active schedule has 12 consecutive slots in turn, so a round is 12 × n slots
//! and slot `s` belongs to `schedule[(s mod 12n) / 12]`. A slot without a block is a missed slot.

use std::collections::BTreeMap;

use serde::Serialize;

/// Consecutive slots each producer has in its turn.
pub const BLOCKS_PER_TURN: u64 = 12;
const BLOCK_MS: i64 = 500;
/// The block timestamp epoch (2000-01-01T00:00:00Z) in Unix milliseconds.
const EPOCH_MS: i64 = 946_684_800_000;

/// The slot of a block timestamp (`2026-11-25T03:21:54.500`), `None` when it is not one.
pub fn slot_of(timestamp: &str) -> Option<u64> {
    let t = chrono::NaiveDateTime::parse_from_str(timestamp, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    u64::try_from((t.and_utc().timestamp_millis() - EPOCH_MS) / BLOCK_MS).ok()
}

/// The slot a Unix time in milliseconds falls in.
pub fn slot_at(unix_ms: i64) -> u64 {
    u64::try_from((unix_ms - EPOCH_MS) / BLOCK_MS).unwrap_or(0)
}

/// Whose slot `slot` is under `schedule`.
pub fn turn_of(schedule: &[String], slot: u64) -> Option<&str> {
    let n = schedule.len() as u64;
    (n > 0).then(|| schedule[((slot % (BLOCKS_PER_TURN * n)) / BLOCKS_PER_TURN) as usize].as_str())
}

fn round_of(slot: u64, producers: usize) -> u64 {
    slot / (BLOCKS_PER_TURN * producers.max(1) as u64)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockSeen {
    pub num: u64,
    pub slot: u64,
    pub producer: String,
}

/// The recent blocks and the slots missed since watching began.
#[derive(Debug, Default, Clone)]
pub struct Production {
    /// By block number: (slot, producer). Pruned to the current and previous round.
    blocks: BTreeMap<u64, (u64, String)>,
    /// Blocks from this number on were seen live; earlier ones (fetched to fill the previous
    /// round) count for rounds, not for missed slots.
    watched_from: Option<u64>,
    missed: BTreeMap<String, u64>,
}

impl Production {
    /// Missed slots are counted from block `head` on.
    pub fn watch_from(&mut self, head: u64) {
        self.watched_from.get_or_insert(head);
    }

    /// Adds blocks; a gap of slots between a block and the one before it is missed, each slot
    /// by the producer whose turn it was.
    pub fn add(&mut self, blocks: &[BlockSeen], schedule: &[String]) {
        for b in blocks {
            if self.blocks.contains_key(&b.num) {
                continue;
            }
            let counted = self.watched_from.is_some_and(|w| b.num > w);
            if let (true, Some((prev_slot, _))) = (counted, b.num.checked_sub(1).and_then(|p| self.blocks.get(&p))) {
                for slot in prev_slot + 1..b.slot {
                    if let Some(p) = turn_of(schedule, slot) {
                        *self.missed.entry(p.to_string()).or_default() += 1;
                    }
                }
            }
            self.blocks.insert(b.num, (b.slot, b.producer.clone()));
        }
        if let Some(&(last_slot, _)) = self.blocks.values().next_back() {
            let keep_from =
                round_of(last_slot, schedule.len()).saturating_sub(1) * BLOCKS_PER_TURN * schedule.len().max(1) as u64;
            // Keep the last block before the window too: the next gap is measured from it.
            let last_kept = self.blocks.iter().rev().find(|(_, (s, _))| *s < keep_from).map(|(n, _)| *n);
            self.blocks.retain(|n, (s, _)| *s >= keep_from || Some(*n) == last_kept);
        }
    }

    /// Slots missed by `producer` since watching began.
    pub fn missed(&self, producer: &str) -> u64 {
        self.missed.get(producer).copied().unwrap_or(0)
    }

    pub fn missed_total(&self) -> u64 {
        self.missed.values().sum()
    }

    /// Blocks each producer made in the round `slot` is in and in the round before it.
    pub fn round_counts(&self, schedule: &[String], slot: u64) -> BTreeMap<String, (u64, u64)> {
        let round = round_of(slot, schedule.len());
        let mut counts: BTreeMap<String, (u64, u64)> = schedule.iter().map(|p| (p.clone(), (0, 0))).collect();
        for (s, producer) in self.blocks.values() {
            let r = round_of(*s, schedule.len());
            if let Some(c) = counts.get_mut(producer) {
                if r == round {
                    c.0 += 1;
                } else if r + 1 == round {
                    c.1 += 1;
                }
            }
        }
        counts
    }

    /// How many blocks have a slot in `from..to`.
    pub fn blocks_between(&self, from: u64, to: u64) -> usize {
        self.blocks.values().filter(|(s, _)| (from..to).contains(s)).count()
    }

    /// The newest block seen.
    pub fn last(&self) -> Option<u64> {
        self.blocks.keys().next_back().copied()
    }
}
