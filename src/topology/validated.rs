//! A topology that passed [`super::validate`], with what validation had to parse to check it.
//! The planner takes this, so it neither parses again nor assumes that an earlier check held.

use super::{AccountsFile, Topology, TopologySource};
use crate::chain::{Amount, Symbol};

/// The `chain` section's token: its symbol, and each amount parsed against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAmounts {
    pub symbol: Symbol,
    pub max_supply: Amount,
    pub distribute: Amount,
    pub min_producer_funds: Amount,
    pub ram_funds: Amount,
    pub min_stake: Amount,
    pub max_unstaked: Amount,
}

/// Only [`super::validate`] makes one: holding it is the proof that the topology is valid.
#[derive(Debug, Clone)]
pub struct Validated {
    pub(super) source: TopologySource,
    pub(super) token: TokenAmounts,
    pub(super) accounts_file: Option<AccountsFile>,
    pub(super) users: Vec<String>,
    pub(super) producers: Vec<String>,
    /// The content hash of the image's folder (`image.build` or `image.files`) when lab tags it.
    pub(super) image_hash: Option<String>,
    /// The same for the nodes with an image of their own (`nodes.X.image`), by node name.
    pub(super) node_image_hashes: std::collections::BTreeMap<String, String>,
}

impl Validated {
    pub fn source(&self) -> &TopologySource {
        &self.source
    }

    pub fn topology(&self) -> &Topology {
        &self.source.topology
    }

    pub fn token(&self) -> &TokenAmounts {
        &self.token
    }

    /// The accounts file the topology names, read once.
    pub fn image_hash(&self) -> Option<&str> {
        self.image_hash.as_deref()
    }

    /// The content hash of node `node`'s own image folder, when lab tags it.
    pub fn node_image_hash(&self, node: &str) -> Option<&str> {
        self.node_image_hashes.get(node).map(String::as_str)
    }

    pub fn accounts_file(&self) -> Option<&AccountsFile> {
        self.accounts_file.as_ref()
    }

    /// The users' account names, in the tutorial's order (the first ones hold the most).
    pub fn users(&self) -> &[String] {
        &self.users
    }

    /// The producers' account names, in the order the topology gives them.
    pub fn producers(&self) -> &[String] {
        &self.producers
    }
}
