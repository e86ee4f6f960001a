//! Questions a test asks the chain: `get_info` (of the lab or of one node), a table, the active
//! schedule, and the boot's own checks. Every request goes through the engine to a node's own
//! container, so a partition or delay on the chain's network does not hide the answer.

use serde::de::DeserializeOwned;

use super::{Lab, Result};
use crate::chain::answers::ChainInfo;
use crate::client::Chain;
use crate::verify::{self, VerifyReport};

impl Lab {
    /// The lab's nodes, genesis first, then the producers and the other nodes in the plan's order.
    pub fn nodes(&self) -> Vec<&str> {
        self.plan.nodes.iter().map(|n| n.name.as_str()).collect()
    }

    /// Whether the lab's nodeos has Savanna (Spring 1.x): its boot ends in Savanna finality.
    pub fn savanna(&self) -> bool {
        self.plan.nodeos.savanna
    }

    /// The genesis node's `get_info`.
    pub async fn info(&self) -> Result<ChainInfo> {
        Ok(Chain::new(&self.rt, &self.plan.genesis().container).info().await?)
    }

    /// One node's `get_info`, asked in that node's container.
    pub async fn info_of(&self, node: &str) -> Result<ChainInfo> {
        let container = self.node_container(node)?;
        Ok(Chain::new(&self.rt, &container).info().await?)
    }

    /// Every row of a contract's table (`get_table_rows`, all pages), read from the genesis node
    /// and deserialized as `T`: `lab.table::<serde_json::Value>("eosio", "eosio", "producers")`.
    pub async fn table<T: DeserializeOwned>(&self, code: &str, scope: &str, table: &str) -> Result<Vec<T>> {
        Ok(Chain::new(&self.rt, &self.plan.genesis().container).table(code, scope, table).await?)
    }

    /// The producers of the active schedule, in its order.
    pub async fn schedule(&self) -> Result<Vec<String>> {
        Ok(Chain::new(&self.rt, &self.plan.genesis().container).active_schedule().await?.names())
    }

    /// Checks the booted chain against its plan: every staked account as the allocation says, and
    /// the core token adding up (staked plus liquid is the supply). Problems are in the report,
    /// not an error; an error means the chain could not be read.
    pub async fn verify(&self) -> Result<VerifyReport> {
        Ok(verify::verify(&self.rt, &self.plan).await?)
    }
}
