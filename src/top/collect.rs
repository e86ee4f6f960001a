//! One poll of a running lab: the engine for containers and their counters, nodeos for heads,
//! peers, the schedule and new blocks. Every node is asked from one reference node's container
//! (genesis when it runs) in one curl process, so a poll costs two execs however many nodes.

use std::time::Instant;

use anyhow::Result;
use futures::future::join_all;
use serde_json::{json, Value};

use super::{slot_at, slot_of, BlockSeen, NodeSample, Sample, BLOCKS_PER_TURN};
use crate::chain::answers::{BlockInfo, FinalizerInfo, NetConnection, ProducerSchedules};
use crate::client::{ChainInfo, NodeClient};
use crate::labels;
use crate::orchestrator::{self, health};
use crate::plan::HTTP_PORT;
use crate::runtime::{ContainerInfo, Runtime};
use crate::state::StateDir;

/// Seconds a node has to answer: a paused one never does.
const ANSWER_SECS: u64 = 2;

pub struct Collector<'a> {
    rt: &'a dyn Runtime,
    lab: String,
    state: StateDir,
    started: Instant,
}

impl<'a> Collector<'a> {
    pub fn new(rt: &'a dyn Runtime, lab: &str, state: StateDir) -> Self {
        Collector { rt, lab: lab.to_string(), state, started: Instant::now() }
    }

    /// The lab's node containers: genesis, producers, other nodes, each by name.
    pub async fn containers(&self) -> Result<Vec<ContainerInfo>> {
        orchestrator::node_containers(self.rt, &self.lab).await
    }

    /// `last_block`: the newest block an earlier sample fetched; blocks after it (at most two
    /// rounds) are fetched now, unless `blocks` is false (a caller that needs no rounds).
    pub async fn sample(&self, last_block: Option<u64>, blocks_too: bool) -> Result<Sample> {
        let containers = self.containers().await?;
        let faults = self.state.faults()?;
        let node_of = |c: &ContainerInfo| c.labels.get(labels::NODE).cloned().unwrap_or_else(|| c.name.clone());
        let running: Vec<&ContainerInfo> = containers.iter().filter(|c| c.running()).collect();
        let stats = join_all(containers.iter().map(|c| async move {
            if c.running() {
                self.rt.container_stats(&c.name).await.ok().flatten()
            } else {
                None
            }
        }))
        .await;

        let reference = running
            .iter()
            .find(|c| c.labels.get(labels::ROLE).map(String::as_str) == Some("genesis"))
            .or(running.first())
            .copied();
        let (mut infos, mut peers, mut schedule, mut blocks) = (Vec::new(), Vec::new(), None, Vec::new());
        let mut finality = None;
        // When the heads were read: blocks per second divides by this, not by when the poll ended.
        let mut at = self.started.elapsed().as_secs_f64();
        if let Some(reference) = reference {
            let client = NodeClient::new(self.rt, &reference.name);
            // Each node is asked in its own container, through the engine (one exec each, at
            // once), never across the lab network: a partitioned or delayed node is seen as it is.
            let url = |path: &str| format!("http://127.0.0.1:{HTTP_PORT}/v1/{path}");
            let answers = join_all(running.iter().map(|c| async move {
                let mut requests = vec![(url("chain/get_info"), json!({})), (url("net/connections"), json!({}))];
                if c.name == reference.name {
                    requests.push((url("chain/get_producer_schedule"), json!({})));
                    requests.push((url("chain/get_finalizer_info"), json!({})));
                }
                // A failed exec (the node just stopped) leaves it without chain data this poll.
                NodeClient::new(self.rt, &c.name).call_urls(&requests, ANSWER_SECS).await.unwrap_or_default()
            }))
            .await;
            at = self.started.elapsed().as_secs_f64();
            let ok = |answers: &[(u16, Value)], i: usize| {
                answers.get(i).filter(|(s, _)| (200..300).contains(s)).map(|(_, v)| v.clone())
            };
            for (c, answers) in running.iter().zip(&answers) {
                infos.push((c.name.clone(), ok(answers, 0).and_then(|v| serde_json::from_value::<ChainInfo>(v).ok())));
                let connections = ok(answers, 1).and_then(|v| serde_json::from_value::<Vec<NetConnection>>(v).ok());
                peers.push((c.name.clone(), connections.map(|cs| peer_nodes(&self.lab, &cs, &containers))));
                if c.name == reference.name {
                    schedule = ok(answers, 2)
                        .and_then(|v| serde_json::from_value::<ProducerSchedules>(v).ok())
                        .map(|s| (s.active.version, s.active.names()));
                    // A nodeos without Savanna answers 404: no finality to show but legacy.
                    finality = ok(answers, 3).and_then(|v| serde_json::from_value::<FinalizerInfo>(v).ok());
                }
            }
            let reference_head = infos.iter().find(|(n, _)| *n == reference.name).and_then(|(_, i)| i.as_ref());
            if let Some(head) = reference_head.map(|i| i.head_block_num).filter(|_| blocks_too) {
                let producers = schedule.as_ref().map(|(_, p)| p.len()).unwrap_or(1).max(1) as u64;
                // Two rounds back: the previous round's counts are complete from the first frame.
                let from = last_block
                    .map(|b| b + 1)
                    .unwrap_or(1)
                    .max(head.saturating_sub(2 * BLOCKS_PER_TURN * producers) + 1);
                let requests: Vec<(String, Value)> =
                    (from..=head).map(|n| (url("chain/get_block_info"), json!({ "block_num": n }))).collect();
                let answers = client.call_urls(&requests, ANSWER_SECS).await.unwrap_or_default();
                for (status, v) in answers {
                    let Some(b) =
                        (200..300).contains(&status).then(|| serde_json::from_value::<BlockInfo>(v).ok()).flatten()
                    else {
                        // A block the node no longer has (it started from a snapshot): the rest follow.
                        continue;
                    };
                    if let Some(slot) = slot_of(&b.timestamp) {
                        blocks.push(BlockSeen { num: b.block_num, slot, producer: b.producer });
                    }
                }
            }
        }

        let nodes = containers
            .iter()
            .zip(stats)
            .map(|(c, stats)| {
                let node = node_of(c);
                NodeSample {
                    faults: faults.get(&node).cloned().unwrap_or_default(),
                    role: c.labels.get(labels::ROLE).cloned().unwrap_or_default(),
                    container: c.name.clone(),
                    health: health(c),
                    exit_code: c.exit_code,
                    info: infos.iter().find(|(n, _)| *n == c.name).and_then(|(_, i)| i.clone()),
                    peers: peers.iter().find(|(n, _)| *n == c.name).and_then(|(_, p)| p.clone()),
                    stats,
                    node,
                }
            })
            .collect();
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Ok(Sample { lab: self.lab.clone(), at, now_slot: slot_at(now_ms), nodes, schedule, blocks, finality })
    }
}

/// The nodes a node's connections reach, by node name: from the agent name lab gives every node
/// (`<lab>/<node>`), else the container in its p2p address. Connections still dialing are not
/// connections yet.
pub fn peer_nodes(lab: &str, connections: &[NetConnection], containers: &[ContainerInfo]) -> Vec<String> {
    let mut out: Vec<String> = connections
        .iter()
        .filter(|c| !c.connecting && !c.last_handshake.p2p_address.is_empty())
        .filter_map(|c| {
            let h = &c.last_handshake;
            if let Some(node) = h.agent.strip_prefix(lab).and_then(|r| r.strip_prefix('/')) {
                return Some(node.to_string());
            }
            let host = h.p2p_address.split(':').next()?;
            containers
                .iter()
                .find(|c| c.name == host)
                .map(|c| c.labels.get(labels::NODE).cloned().unwrap_or_else(|| c.name.clone()))
                .or_else(|| Some(host.to_string()))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
