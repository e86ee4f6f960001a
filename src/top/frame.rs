//! A [`Frame`]: what `top` shows at one moment, folded from the samples so far by a [`Tracker`].
//! Pure: the tests feed it samples.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{turn_of, Production, Sample};
use crate::runtime::ContainerStats;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frame {
    pub lab: String,
    /// Seconds `top` has watched.
    pub watched_secs: f64,
    pub chain_id: Option<String>,
    /// The best head among the nodes, and its LIB.
    pub head: Option<u64>,
    pub lib: Option<u64>,
    pub schedule_version: Option<u64>,
    /// Blocks whose timestamps fall in the last ten seconds; `None` before any block is seen.
    pub blocks_per_sec: Option<f64>,
    /// The producer whose slot the wall clock is in.
    pub turn: Option<String>,
    /// Slots missed since `top` started, all producers.
    pub missed_slots: u64,
    /// Under Savanna, who of the finalizer policy votes (a LIB that stops is finalizers that
    /// do not): `Savanna finalizers: 2 of 4 voting, threshold 3 (LIB cannot advance); …`.
    pub finality: Option<String>,
    pub nodes: Vec<NodeRow>,
    /// In schedule order.
    pub producers: Vec<ProducerRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRow {
    pub node: String,
    pub role: String,
    /// `running`, `stopped`, `paused`, `crashed (137)`, …
    pub state: String,
    pub faults: Vec<String>,
    pub head: Option<u64>,
    pub lib: Option<u64>,
    /// Blocks behind the best head.
    pub lag: Option<u64>,
    /// Who produced the node's head block.
    pub head_producer: Option<String>,
    /// Nodes it is connected to.
    pub peers: Option<Vec<String>>,
    /// Share of one CPU, in percent (200 is two full cores); `None` until two samples.
    pub cpu_percent: Option<f64>,
    pub memory_mb: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProducerRow {
    pub producer: String,
    /// Blocks in the current round (12 is a full turn) and in the previous one.
    pub this_round: u64,
    pub previous_round: u64,
    pub missed_slots: u64,
    pub turn: bool,
}

/// Percent of one core between two samples (see [`ContainerStats::cpu_percent_since`]). Pure.
pub fn cpu_percent(before: &ContainerStats, now: &ContainerStats) -> Option<f64> {
    now.cpu_percent_since(before)
}

/// What `top` remembers between samples.
#[derive(Debug, Default)]
pub struct Tracker {
    production: Production,
    stats: BTreeMap<String, ContainerStats>,
}

/// Blocks per second counts the blocks of the last 20 slots (ten seconds) by their timestamps,
/// not by when a poll saw the head, so a slow exec does not skew it; the window ends a few slots
/// back, where every block has been fetched whatever the poll's latency.
const RATE_SLOTS: u64 = 20;
const RATE_LAG_SLOTS: u64 = 4;

impl Tracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// The block the next sample's headers should start from.
    pub fn last_block(&self) -> Option<u64> {
        self.production.last()
    }

    pub fn update(&mut self, sample: &Sample) -> Frame {
        let head = sample.nodes.iter().filter_map(|n| n.info.as_ref().map(|i| i.head_block_num)).max();
        let best = sample.nodes.iter().filter_map(|n| n.info.as_ref()).max_by_key(|i| i.head_block_num);
        let schedule: &[String] = sample.schedule.as_ref().map(|(_, p)| p.as_slice()).unwrap_or(&[]);
        if let Some(first) = sample.blocks.first() {
            // Blocks of the first sample before its head were fetched to fill the previous round.
            let live_from = sample.blocks.last().map(|b| b.num).unwrap_or(first.num);
            self.production.watch_from(live_from);
        }
        self.production.add(&sample.blocks, schedule);

        let end = sample.now_slot.saturating_sub(RATE_LAG_SLOTS);
        let blocks_per_sec = self.production.last().map(|_| {
            self.production.blocks_between(end.saturating_sub(RATE_SLOTS), end) as f64 / (RATE_SLOTS as f64 * 0.5)
        });

        let nodes = sample
            .nodes
            .iter()
            .map(|n| {
                let info = n.info.as_ref();
                let cpu = match (self.stats.get(&n.container), &n.stats) {
                    (Some(before), Some(now)) => cpu_percent(before, now),
                    _ => None,
                };
                let state = match (n.health, n.exit_code) {
                    (crate::orchestrator::Health::Crashed, Some(code)) => format!("crashed ({code})"),
                    (h, _) => h.to_string(),
                };
                NodeRow {
                    node: n.node.clone(),
                    role: n.role.clone(),
                    state,
                    faults: n.faults.clone(),
                    head: info.map(|i| i.head_block_num),
                    lib: info.map(|i| i.last_irreversible_block_num),
                    lag: info.and_then(|i| head.map(|h| h.saturating_sub(i.head_block_num))),
                    head_producer: info.map(|i| i.head_block_producer.clone()),
                    peers: n.peers.clone(),
                    cpu_percent: cpu,
                    memory_mb: n.stats.map(|s| s.memory_bytes as f64 / 1_048_576.0),
                }
            })
            .collect();
        self.stats = sample.nodes.iter().filter_map(|n| n.stats.map(|s| (n.container.clone(), s))).collect();

        let turn = turn_of(schedule, sample.now_slot).map(str::to_string);
        let counts = self.production.round_counts(schedule, sample.now_slot);
        let producers = schedule
            .iter()
            .map(|p| {
                let (this_round, previous_round) = counts.get(p).copied().unwrap_or((0, 0));
                ProducerRow {
                    producer: p.clone(),
                    this_round,
                    previous_round,
                    missed_slots: self.production.missed(p),
                    turn: turn.as_deref() == Some(p),
                }
            })
            .collect();
        Frame {
            lab: sample.lab.clone(),
            watched_secs: sample.at,
            chain_id: best.map(|i| i.chain_id.clone()),
            head,
            lib: best.map(|i| i.last_irreversible_block_num),
            schedule_version: sample.schedule.as_ref().map(|(v, _)| *v),
            blocks_per_sec,
            turn,
            missed_slots: self.production.missed_total(),
            finality: sample.finality.as_ref().zip(head).and_then(|(f, h)| f.votes(h)).map(|v| v.to_string()),
            nodes,
            producers,
        }
    }
}
