//! [`LabConfigBuilder`]: the common fields of a topology set in code.

use std::path::PathBuf;

use super::LabConfig;
use super::Result;
use crate::topology::{self, ConfigValue, ExtraNode, ImageConfig, NodeRole, ProducersConfig, Topology, GENESIS_NODE};

/// Sets the common fields of a topology in code; [`LabConfigBuilder::build`] checks the result
/// as `lab.yaml` is checked. Anything not set keeps the default of `lab.yaml`.
///
/// ```
/// use antelope_lab::LabConfig;
///
/// let config = LabConfig::builder("ci-lab")
///     .producers(2)
///     .accounts(10)
///     .api_port(18888)
///     .genesis("initial_configuration", serde_json::json!({"max_transaction_cpu_usage": 150000, "max_block_cpu_usage": 200000}))
///     .config("max-clients", "50")
///     .build()
///     .unwrap();
/// assert_eq!(config.topology().nodes["genesis"].http_port, Some(18888));
/// ```
#[derive(Debug, Clone)]
pub struct LabConfigBuilder {
    topology: Topology,
    state_base: Option<PathBuf>,
}

impl LabConfigBuilder {
    /// A builder for a lab of that name, with every other field at its default.
    pub fn new(name: impl Into<String>) -> Self {
        let mut topology = topology::parse("{}").expect("an empty topology parses");
        topology.name = name.into();
        LabConfigBuilder { topology, state_base: None }
    }

    /// The seed keys, the allocation and the votes derive from (random when not set).
    pub fn seed(mut self, seed: impl Into<String>) -> Self {
        self.topology.seed = Some(seed.into());
        self
    }

    /// How many producers, taken from the accounts.
    pub fn producers(mut self, count: usize) -> Self {
        self.topology.producers = ProducersConfig::Count(count);
        self
    }

    /// The producers by account name.
    pub fn producer_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.topology.producers = ProducersConfig::Names(names.into_iter().map(Into::into).collect());
        self
    }

    /// How many staked accounts to generate, producers included.
    pub fn accounts(mut self, count: usize) -> Self {
        self.topology.accounts.count = Some(count);
        self
    }

    /// The nodeos image, as the topology's `image:` section.
    pub fn image(mut self, image: ImageConfig) -> Self {
        self.topology.image = image;
        self
    }

    /// A registry image (`ghcr.io/org/leap:5.0`), pulled when missing.
    pub fn image_ref(self, reference: impl Into<String>) -> Self {
        self.image(ImageConfig { reference: Some(reference.into()), ..ImageConfig::default() })
    }

    /// The host port (on 127.0.0.1) the genesis node's HTTP API is published on.
    pub fn api_port(mut self, port: u16) -> Self {
        self.topology.nodes.entry(GENESIS_NODE.to_string()).or_default().http_port = Some(port);
        self
    }

    /// Adds an api node: serves the chain API (its HTTP port published on 127.0.0.1), produces
    /// nothing. As `extra_nodes: [{name: NAME, role: api}]`.
    pub fn api_node(mut self, name: impl Into<String>) -> Self {
        self.topology.extra_nodes.push(ExtraNode::WithRole { name: name.into(), role: NodeRole::Api });
        self
    }

    /// Adds a history node: state history (SHiP) with traces and chain-state deltas from block 1,
    /// its websocket and HTTP ports published on 127.0.0.1. As
    /// `extra_nodes: [{name: NAME, role: history}]`.
    pub fn history_node(mut self, name: impl Into<String>) -> Self {
        self.topology.extra_nodes.push(ExtraNode::WithRole { name: name.into(), role: NodeRole::History });
        self
    }

    /// Overrides a key of genesis.json (merged over the tutorial's genesis), as `chain.genesis`.
    pub fn genesis(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.topology.chain.genesis.insert(key.into(), value);
        self
    }

    /// Sets a config.ini entry on every node, as `node_defaults.config`.
    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let value = ConfigValue::One(serde_norway::Value::String(value.into()));
        self.topology.node_defaults.config.insert(key.into(), value);
        self
    }

    /// Extra nodeos arguments for every node, as `node_defaults.args`.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.topology.node_defaults.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Keeps the state folder under `base` (see [`LabConfig::state_dir`]).
    pub fn state_dir(mut self, base: impl Into<PathBuf>) -> Self {
        self.state_base = Some(base.into());
        self
    }

    /// Anything else: changes the topology directly.
    pub fn with_topology(mut self, change: impl FnOnce(&mut Topology)) -> Self {
        change(&mut self.topology);
        self
    }

    /// Checks the topology as `lab.yaml` is checked: every problem at once, with its path.
    pub fn build(self) -> Result<LabConfig> {
        let config = LabConfig::from_topology(self.topology)?;
        Ok(match self.state_base {
            Some(base) => config.state_dir(base),
            None => config,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_sets_the_common_fields() {
        let config = LabConfigBuilder::new("b")
            .seed("s")
            .producer_names(["accountnum11", "accountnum22"])
            .accounts(12)
            .image_ref("example/nodeos:1")
            .api_port(18001)
            .genesis(
                "initial_configuration",
                serde_json::json!({"max_transaction_cpu_usage": 150000, "max_block_cpu_usage": 200000}),
            )
            .config("max-clients", "50")
            .args(["--verbose-http-errors"])
            .build()
            .unwrap();
        let t = config.topology();
        assert_eq!(t.name, "b");
        assert_eq!(t.accounts.count, Some(12));
        assert_eq!(t.image.reference.as_deref(), Some("example/nodeos:1"));
        assert_eq!(t.nodes["genesis"].http_port, Some(18001));
        assert!(t.chain.genesis.contains_key("initial_configuration"));
        let (plan, _) = config.plan().unwrap();
        assert_eq!(plan.producers().count(), 2);
        assert_eq!(plan.genesis().host_http_port, Some(18001));
    }

    #[test]
    fn the_builder_reports_every_problem_with_its_path() {
        let err = LabConfigBuilder::new("Bad Name")
            .producers(0)
            .genesis("initial_configuration", serde_json::json!({"max_block_cpu_usage": "lots"}))
            .build()
            .unwrap_err();
        let super::super::Error::InvalidTopology(errors) = &err else { panic!("not invalid: {err:?}") };
        let paths: Vec<&str> = errors.errors.iter().map(|e| e.path.as_str()).collect();
        assert!(paths.contains(&"name"), "{paths:?}");
        assert!(paths.contains(&"producers"), "{paths:?}");
        assert!(paths.iter().any(|p| p.contains("max_block_cpu_usage")), "{paths:?}");
    }
}
