//! What one poll of a running lab found, as it came: no arithmetic here.

use crate::chain::answers::FinalizerInfo;
use crate::client::ChainInfo;
use crate::orchestrator::Health;
use crate::runtime::ContainerStats;

use super::BlockSeen;

#[derive(Debug, Clone, PartialEq)]
pub struct NodeSample {
    pub node: String,
    pub role: String,
    pub container: String,
    pub health: Health,
    pub exit_code: Option<i64>,
    /// Faults `lab partition` / `lab netem` applied (the lab's state folder keeps them).
    pub faults: Vec<String>,
    /// `None` when the node does not run or did not answer.
    pub info: Option<ChainInfo>,
    /// The nodes it has a p2p connection with (handshake done), by node name; `None` when it
    /// did not answer.
    pub peers: Option<Vec<String>>,
    pub stats: Option<ContainerStats>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sample {
    pub lab: String,
    /// Seconds since `top` started.
    pub at: f64,
    /// The block slot the wall clock is in now (whose turn it is).
    pub now_slot: u64,
    pub nodes: Vec<NodeSample>,
    /// The active schedule as the reference node (genesis, else any running node) sees it.
    pub schedule: Option<(u64, Vec<String>)>,
    /// Blocks the reference node has that earlier samples had not fetched, in order.
    pub blocks: Vec<BlockSeen>,
    /// Savanna's finalizer policy and each finalizer's last vote, as the reference node sees
    /// them; `None` from a nodeos without Savanna.
    pub finality: Option<FinalizerInfo>,
}
