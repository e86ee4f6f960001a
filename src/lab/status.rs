//! [`LabStatus`]: what `lab status` shows, typed: every container of a lab with the engine's state
//! and the chain's head and LIB as that node answers, the faults in effect, and the finality mode
//! with the finalizer policy and who of it votes. Each node is asked in its own container, so a
//! partitioned node is seen as readily as any.

use futures::future::join_all;
use serde::Serialize;

use super::{Lab, Result};
use crate::chain::answers::{FinalizerPolicy, Votes};
use crate::client::Chain;
use crate::client::NodeClient;
use crate::labels;
use crate::orchestrator::{self, health, Health};
use crate::runtime::{ContainerState, Runtime};
use crate::state::StateDir;

#[derive(Debug, Serialize)]
/// One node as `lab status` shows it: the engine's view and the chain's.
pub struct NodeStatus {
    /// The node's name in the topology.
    pub node: String,
    /// `genesis`, `producer`, …
    pub role: String,
    /// Its container.
    pub container: String,
    /// The engine's state of the container.
    pub state: ContainerState,
    /// `running`, `stopped` (exited cleanly), `paused`, `crashed` (see `exit_code`), `created`.
    pub status: Health,
    /// How the container's process ended, when it has.
    pub exit_code: Option<i64>,
    /// The network faults `lab partition` / `lab netem` applied to it (`lab heal` undoes them).
    pub faults: Vec<String>,
    /// The node's head, when it answers.
    pub head_block: Option<u64>,
    /// Its last irreversible block, when it answers.
    pub last_irreversible_block: Option<u64>,
    /// Who made its head block.
    pub head_producer: Option<String>,
    /// The host port its HTTP API is published on.
    pub http_port: Option<u16>,
    /// The host port its p2p listener is published on.
    pub p2p_port: Option<u16>,
    /// A history node's state-history websocket on the host (`ws://127.0.0.1:PORT`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ship_url: Option<String>,
    /// The node's HTTP API for a client on the host, when published.
    pub api_url: Option<String>,
    /// The node's p2p address for a node on the host, when published.
    p2p_address: Option<String>,
    /// The host it runs on, where the engine has several (`<host> (lost)` when that host is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

#[derive(Debug, Serialize)]
/// A lab as `lab status` shows it.
pub struct LabStatus {
    /// The lab's name.
    pub lab: String,
    /// As the first running node answers.
    pub chain_id: Option<String>,
    /// Every container of the lab, in the engine's order.
    pub nodes: Vec<NodeStatus>,
    /// How blocks become final, as the first running node says; absent when none runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finality: Option<Finality>,
}

/// `legacy`: producers' confirmations (two thirds of a round behind the head); `savanna`: BLS
/// finalizers vote, and the active policy says who.
#[derive(Debug, Serialize)]
pub struct Finality {
    /// `legacy` or `savanna`.
    pub mode: &'static str,
    /// Whether the node could switch (it knows Savanna's finalizer API).
    pub savanna_supported: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The active finalizer policy (Savanna).
    pub policy: Option<FinalizerPolicy>,
    /// Under Savanna: who of the policy votes, as that node sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes: Option<Votes>,
}

async fn finality(rt: &dyn Runtime, container: &str, head: Option<u64>) -> Option<Finality> {
    let info = Chain::new(rt, container).finalizer_info().await.ok()?;
    Some(match info {
        None => Finality { mode: "legacy", savanna_supported: false, policy: None, votes: None },
        Some(i) => {
            let votes = head.and_then(|h| i.votes(h));
            match i.active_finalizer_policy {
                Some(policy) => Finality { mode: "savanna", savanna_supported: true, policy: Some(policy), votes },
                None => Finality { mode: "legacy", savanna_supported: true, policy: None, votes: None },
            }
        }
    })
}

/// The status of lab `name` as the engine `rt` runs it; the faults in effect come from its state
/// folder `state` (none when it has no folder). A lab with no container has no node.
pub(crate) async fn status_of(rt: &dyn Runtime, name: &str, state: &StateDir) -> Result<LabStatus> {
    let rt_ref = rt;
    let containers = orchestrator::node_containers(rt, name).await?;
    // Written by the fault commands; a lab without a state folder has none.
    let faults = state.faults()?;
    let faults = &faults;
    let infos = join_all(containers.iter().map(|c| async move {
        if c.running() {
            NodeClient::new(rt_ref, &c.name).get_info().await.ok()
        } else {
            None
        }
    }))
    .await;
    let chain_id = infos.iter().flatten().next().map(|i| i.chain_id.clone());
    let nodes: Vec<NodeStatus> = containers
        .iter()
        .zip(infos)
        .map(|(c, info)| {
            let endpoints = crate::orchestrator::endpoints::of(c);
            let node = c.labels.get(labels::NODE).cloned().unwrap_or_default();
            NodeStatus {
                faults: faults.get(&node).cloned().unwrap_or_default(),
                node,
                status: health(c),
                exit_code: c.exit_code,
                role: c.labels.get(labels::ROLE).cloned().unwrap_or_default(),
                container: c.name.clone(),
                state: c.state,
                head_block: info.as_ref().map(|i| i.head_block_num),
                last_irreversible_block: info.as_ref().map(|i| i.last_irreversible_block_num),
                head_producer: info.as_ref().map(|i| i.head_block_producer.clone()),
                http_port: c.ports.iter().find(|(p, _)| *p == crate::plan::HTTP_PORT).map(|(_, h)| *h),
                p2p_port: c.ports.iter().find(|(p, _)| *p == crate::plan::P2P_PORT).map(|(_, h)| *h),
                ship_url: endpoints.ship_url,
                api_url: endpoints.api_url,
                p2p_address: endpoints.p2p_address,
                host: c.labels.get(crate::runtime::HOST_LABEL).cloned(),
            }
        })
        .collect();
    let asked = containers.iter().zip(&nodes).find(|(c, _)| c.running());
    let finality = match asked {
        Some((c, n)) => finality(rt_ref, &c.name, n.head_block).await,
        None => None,
    };
    Ok(LabStatus { lab: name.to_string(), chain_id, nodes, finality })
}

impl Lab {
    /// The lab as `lab status` shows it ([`LabStatus`]).
    pub async fn status(&self) -> Result<LabStatus> {
        status_of(self.rt.as_ref(), &self.plan.lab, &self.state).await
    }
}
