//! The topology file (`lab.yaml`): what the user asks for, as written.
//!
//! Parsing is strict (unknown fields are errors, with their path); [`validate`] then checks the
//! meaning and reports every problem at once. The resolved form is [`crate::plan::NetworkPlan`].

mod account_names;
mod accounts_file;
mod default;
mod genesis_schema;
mod limits;
mod nodeos_options;
mod schema;
#[cfg(test)]
mod schema_tests;
mod validate;
mod validated;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub(crate) use account_names::account_names;
pub(crate) use accounts_file::AccountsFile;
pub(crate) use default::init_file;
pub use default::DEFAULT_TOPOLOGY;
pub(crate) use genesis_schema::tutorial_configuration;
pub(crate) use limits::MAX_ACCOUNTS;
pub(crate) use nodeos_options::{check_nodeos_options, NodeosOptions};
pub(crate) use schema::{modeline, topology_schema_text, SCHEMA_FILE};
pub(crate) use validate::validate;
pub use validate::{ValidationError, ValidationErrors};
pub(crate) use validated::{TokenAmounts, Validated};

/// The name of the genesis node, the one that holds the `eosio` key and boots the chain.
pub const GENESIS_NODE: &str = "genesis";

/// `lab.yaml`: every field is optional.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "lab.yaml: an antelope-lab topology")]
pub struct Topology {
    /// The lab's name: labels `antelope-lab.name=<name>`; containers are `<name>-<node>`.
    #[serde(default = "default_name")]
    pub name: String,
    /// Makes keys, the allocation and the votes reproducible (else random, kept in the state folder).
    #[serde(default)]
    pub seed: Option<String>,
    /// Where the nodeos image comes from.
    #[serde(default)]
    pub image: ImageConfig,
    /// The token and the boot's economics.
    #[serde(default)]
    pub chain: ChainConfig,
    /// The staked accounts.
    #[serde(default)]
    pub accounts: AccountsConfig,
    /// How many producers (taken from the accounts), or their account names.
    #[serde(default)]
    pub producers: ProducersConfig,
    /// Non-producing nodes beside the genesis node and the producers: a name (a plain node that
    /// relays blocks), or `{name, role}` with role `api` (its chain API published on 127.0.0.1) or
    /// `history` (state history, its websocket and HTTP published; trace API where the image has it).
    #[serde(default)]
    pub extra_nodes: Vec<ExtraNode>,
    /// Who dials whom.
    #[serde(default)]
    pub p2p: P2pConfig,
    /// Settings for every node: extra nodeos arguments and config.ini entries.
    #[serde(default)]
    pub node_defaults: NodeSettings,
    /// Settings for one node, by node name (`genesis`, a producer's account, an extra node).
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeSettings>,
    /// What runs the lab: `docker` (one engine, the default) or `swarm` (services on a Docker
    /// Swarm, through the manager DOCKER_HOST names). `lab up --engine` overrides it.
    #[serde(default)]
    pub engine: Engine,
    /// Swarm placement constraints, by role (`genesis`, `producer`, `node`) or node name, for
    /// example `producer: ["node.labels.region == eu"]`. Used by `engine: swarm` only.
    #[serde(default)]
    pub placement: BTreeMap<String, Vec<String>>,
}

/// What runs the lab.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// One Docker engine.
    #[default]
    Docker,
    /// A Docker Swarm, through a manager.
    Swarm,
}

impl Engine {
    /// `docker` or `swarm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Swarm => "swarm",
        }
    }
}

fn default_name() -> String {
    "lab".into()
}

/// Where the nodeos image comes from. At most one of `recipe`, `build`, `files`, `ref`, `spring`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageConfig {
    /// `default`: the recipe built into `lab` (images/nodeos).
    #[serde(default)]
    pub recipe: Option<String>,
    /// A folder holding a Dockerfile that meets the image contract (images/README.md).
    #[serde(default)]
    pub build: Option<PathBuf>,
    /// A folder of binaries and contracts (`bin/`, `contracts/`, …) that lab's folder recipe
    /// (images/files) lays onto the base: for example the files of an official Spring package.
    #[serde(default)]
    pub files: Option<PathBuf>,
    /// A registry reference (`ghcr.io/org/leap:5.0`), pulled when missing.
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    /// A released Spring version (`1.2.2`): built from its official Debian package, downloaded
    /// from the release page (or `mirror`), with the system contracts of `contracts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spring: Option<String>,
    /// With `spring`: where the releases are instead of the release page, laid out as it is
    /// (`<mirror>/v1.2.2/antelope-spring_1.2.2_amd64.deb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<String>,
    /// With `spring`: the package's sha256; the build fails when the download has another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// With `spring`: a folder of system contracts, `<name>/<name>.wasm` and `.abi` (eosio.bios,
    /// eosio.token, eosio.msig, eosio.system, eosio.wrap; eosio.boot optional), which the release
    /// package does not carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contracts: Option<PathBuf>,
    /// The tag to build into; by default one derived from the recipe's content.
    #[serde(default)]
    pub tag: Option<String>,
    /// The base image the recipe builds FROM.
    #[serde(default)]
    pub base: Option<String>,
    /// A PEM file of extra CA certificates the build trusts (TLS-inspecting proxies).
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
}

impl ImageConfig {
    /// The same section with its paths (`build`, `files`, `contracts`, `ca_cert`) mapped by `f` (made
    /// absolute, for a copy read from another folder).
    pub fn map_paths(mut self, f: impl Fn(&Path) -> PathBuf) -> Self {
        self.build = self.build.as_deref().map(&f);
        self.files = self.files.as_deref().map(&f);
        self.contracts = self.contracts.as_deref().map(&f);
        self.ca_cert = self.ca_cert.as_deref().map(&f);
        self
    }
}

/// The chain: its core token, the allocation, genesis.json's values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// The core token's symbol (1 to 7 capital letters).
    #[serde(default = "default_symbol")]
    pub symbol: String,
    /// Decimal places of the core token.
    #[serde(default = "default_precision")]
    pub precision: u8,
    /// The token's maximum supply, an amount with `precision` decimals ("10000000000.0000").
    #[serde(default = "default_max_supply")]
    pub max_supply: String,
    /// What the Pareto allocation spreads over the accounts; the allocated sum is what is issued.
    #[serde(default = "default_distribute")]
    pub distribute: String,
    /// Each producer's allocation is at least this.
    #[serde(default = "default_min_producer_funds")]
    pub min_producer_funds: String,
    /// Spent on RAM for each account.
    #[serde(default = "default_ram_funds")]
    pub ram_funds: String,
    /// Staked before anything is left liquid.
    #[serde(default = "default_min_stake")]
    pub min_stake: String,
    /// At most this stays liquid; the rest is staked.
    #[serde(default = "default_max_unstaked")]
    pub max_unstaked: String,
    /// How many users vote (the first ones, who hold the most).
    #[serde(default = "default_voters")]
    pub voters: usize,
    /// How many producers each voter picks (at most 30, the system contract's limit).
    #[serde(default = "default_votes_per_voter")]
    pub votes_per_voter: usize,
    /// Keys of genesis.json to override, merged over the tutorial's genesis
    /// (`{initial_configuration: {max_block_cpu_usage: 200000}}`).
    #[serde(default)]
    pub genesis: serde_json::Map<String, serde_json::Value>,
}

fn default_symbol() -> String {
    "SYS".into()
}
fn default_precision() -> u8 {
    4
}
fn default_max_supply() -> String {
    "10000000000.0000".into()
}
fn default_distribute() -> String {
    "1000000000.0000".into()
}
fn default_min_producer_funds() -> String {
    "1000.0000".into()
}
fn default_ram_funds() -> String {
    "0.1000".into()
}
fn default_min_stake() -> String {
    "0.9000".into()
}
fn default_max_unstaked() -> String {
    "10.0000".into()
}
fn default_voters() -> usize {
    10
}
fn default_votes_per_voter() -> usize {
    20
}

impl Default for ChainConfig {
    fn default() -> Self {
        serde_norway::from_str("{}").expect("defaults parse")
    }
}

/// The staked accounts: a generated count, or the upstream tutorial's `accounts.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountsConfig {
    /// How many accounts to generate, producers included (default 25: accountnum11 … accountnum55).
    #[serde(default)]
    pub count: Option<usize>,
    /// `{"users":[{"name","pvt","pub"}],"producers":[...]}`, relative to the topology file.
    #[serde(default)]
    pub file: Option<PathBuf>,
}

/// A count of producers, or their account names.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum ProducersConfig {
    /// How many producers, taken from the accounts.
    Count(usize),
    /// The producers' account names: `[accountnum11, accountnum22]`.
    Names(Vec<String>),
}

// By hand rather than `untagged`, whose error ("data did not match any variant") names neither what
// was expected nor the line.
impl<'de> Deserialize<'de> for ProducersConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ProducersConfig;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a count of producers or a list of their account names")
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
                usize::try_from(n)
                    .map(ProducersConfig::Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Self::Value, E> {
                u64::try_from(n)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
                    .and_then(|n| self.visit_u64(n))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(ProducersConfig::Names)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Default for ProducersConfig {
    fn default() -> Self {
        ProducersConfig::Count(4)
    }
}

/// `auto` | `mesh` | `star` | `ring` | `explicit`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum P2pShape {
    /// `mesh` for a lab of up to 12 nodes, `star` for a larger one: in a full mesh of 22 nodes
    /// every Savanna vote reaches each node from 21 peers, and on two cores the finalizers stop
    /// voting (measured with Spring 1.2.2); through one hub they vote on.
    #[default]
    Auto,
    /// Every node peers with every other node.
    Mesh,
    /// Every node peers with the genesis node only.
    Star,
    /// Each node peers with the next, the last with the first.
    Ring,
    /// Only the peers listed under `peers`.
    Explicit,
}

/// How the nodes peer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct P2pConfig {
    /// mesh | star | ring | explicit.
    #[serde(default)]
    pub shape: P2pShape,
    /// Extra peers (or, with `shape: explicit`, all of them): node name to the nodes it dials.
    #[serde(default)]
    pub peers: BTreeMap<String, Vec<String>>,
}

/// What a non-producing node is for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NodeRole {
    /// Follows the chain and relays blocks and transactions; nothing published unless asked.
    #[default]
    Node,
    /// Serves the chain API to clients: its HTTP port is published on 127.0.0.1 (`http_port`, else
    /// one chosen at the first `lab up` and kept), and `lab env` lists it in `LAB_API_URLS`.
    Api,
    /// Keeps the chain's history since genesis: the state-history (SHiP) websocket with traces and
    /// chain-state deltas, and the trace API where the image's nodeos has it. Its websocket
    /// (`ship_port`) and HTTP port are published on 127.0.0.1; `lab env` gives `LAB_SHIP_URL`.
    History,
}

impl NodeRole {
    /// `node`, `api` or `history`.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeRole::Node => "node",
            NodeRole::Api => "api",
            NodeRole::History => "history",
        }
    }
}

/// A non-producing node: `name` alone (role `node`) or `{name, role}`.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(untagged)]
pub enum ExtraNode {
    /// A plain node, by name.
    Name(String),
    /// A node with a role.
    WithRole {
        /// The node's name (letters, digits, `-`; containers are `<lab>-<name>`).
        name: String,
        /// `node`, `api` or `history`.
        #[serde(default)]
        role: NodeRole,
    },
}

impl ExtraNode {
    /// The node's name.
    pub fn name(&self) -> &str {
        match self {
            ExtraNode::Name(n) | ExtraNode::WithRole { name: n, .. } => n,
        }
    }

    /// The node's role.
    pub fn role(&self) -> NodeRole {
        match self {
            ExtraNode::Name(_) => NodeRole::Node,
            ExtraNode::WithRole { role, .. } => *role,
        }
    }
}

impl Serialize for ExtraNode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.role() {
            // The short form, as older labs wrote it.
            NodeRole::Node => serializer.serialize_str(self.name()),
            role => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("name", self.name())?;
                map.serialize_entry("role", &role)?;
                map.end()
            }
        }
    }
}

// By hand rather than `untagged`, whose error ("data did not match any variant") names neither what
// was expected nor the field.
impl<'de> Deserialize<'de> for ExtraNode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct WithRole {
            name: String,
            #[serde(default)]
            role: NodeRole,
        }
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ExtraNode;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a node's name or {name, role} with role node, api or history")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ExtraNode::Name(v.to_string()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let w = WithRole::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(ExtraNode::WithRole { name: w.name, role: w.role })
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Settings of one node (under `nodes`) or of every node (`defaults`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeSettings {
    /// Extra nodeos command-line arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// config.ini entries to set or override (a list gives a repeated key).
    #[serde(default)]
    pub config: BTreeMap<String, ConfigValue>,
    /// Publish the node's HTTP API on this host port (bound to 127.0.0.1).
    #[serde(default)]
    pub http_port: Option<u16>,
    /// Publish the node's p2p endpoint on this host port (bound to 127.0.0.1).
    #[serde(default)]
    pub p2p_port: Option<u16>,
    /// A `history` node: publish its state-history websocket on this host port (bound to
    /// 127.0.0.1); by default one chosen at the first `lab up` and kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_port: Option<u16>,
    /// This node's image, when it differs from the lab's (`image`): a lab with Leap and Spring
    /// nodes side by side, as a network upgrading one node at a time has (`lab upgrade` sets it).
    /// Under `nodes` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageConfig>,
}

/// A config.ini value; a list repeats the key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum ConfigValue {
    /// A list: the key once per item.
    Many(#[schemars(with = "Vec<ConfigScalar>")] Vec<serde_norway::Value>),
    /// One value.
    One(#[schemars(with = "ConfigScalar")] serde_norway::Value),
}

/// What a config.ini entry's value may be written as in YAML (it becomes text in the file).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // a description for the schema only; the parser reads serde_norway values
enum ConfigScalar {
    Text(String),
    Number(f64),
    Switch(bool),
}

/// A topology as read, with the folder relative paths in it are resolved against.
#[derive(Debug, Clone)]
pub struct TopologySource {
    pub topology: Topology,
    /// The file it came from; `None` for the built-in default.
    pub path: Option<PathBuf>,
}

impl TopologySource {
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."))
    }

    pub fn resolve(&self, relative: &Path) -> PathBuf {
        if relative.is_absolute() {
            relative.to_path_buf()
        } else {
            self.base_dir().join(relative)
        }
    }

    pub fn describe(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "the built-in default topology".into(),
        }
    }
}

/// Parses a topology; a structural error names its path in the document (`chain: unknown field`).
pub fn parse(text: &str) -> Result<Topology, String> {
    parse_at(text).map_err(|e| format!("{}: {}", e.path, e.message))
}

/// Parses a topology read from `source` (a file name, or a description such as "the given
/// topology"); a structural error becomes [`ValidationErrors`] with its path, as `lab` reports it.
pub fn parse_source(text: &str, source: &str) -> Result<Topology, ValidationErrors> {
    parse_at(text).map_err(|e| ValidationErrors { source: source.to_string(), errors: vec![e] })
}

fn parse_at(text: &str) -> Result<Topology, validate::ValidationError> {
    let de = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // the YAML deserializer often names the path itself ("chain: unknown field …"); keep that form.
        match inner.split_once(": ") {
            Some((p, rest)) if !path.is_empty() && path != "." && path.starts_with(p) => {
                validate::ValidationError { path: p.to_string(), message: rest.to_string() }
            }
            _ => validate::ValidationError { path: if path.is_empty() { ".".into() } else { path }, message: inner },
        }
    })
}

/// Reads the topology named by `-f`, else `lab.yaml` in the current folder, else the built-in default.
pub fn load(file: Option<&Path>) -> anyhow::Result<TopologySource> {
    use anyhow::Context;
    let path = match file {
        Some(p) => Some(p.to_path_buf()),
        None => Some(PathBuf::from("lab.yaml")).filter(|p| p.exists()),
    };
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let topology = parse_source(&text, &path.display().to_string())?;
            Ok(TopologySource { topology, path: Some(path) })
        }
        None => Ok(TopologySource { topology: parse(DEFAULT_TOPOLOGY).expect("the default parses"), path: None }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_default_shape() {
        let t = parse("{}").unwrap();
        assert_eq!(t.name, "lab");
        assert_eq!(t.producers, ProducersConfig::Count(4));
        assert_eq!(t.chain.symbol, "SYS");
        assert_eq!(t.p2p.shape, P2pShape::Auto);
    }

    #[test]
    fn unknown_fields_name_their_path() {
        let err = parse("chain:\n  symbl: SYS\n").unwrap_err();
        assert!(err.starts_with("chain: unknown field `symbl`"), "{err}");
        let err = parse("nodes:\n  genesis:\n    http-port: 1\n").unwrap_err();
        assert!(err.contains("nodes.genesis") && err.contains("http-port"), "{err}");
    }

    #[test]
    fn structural_errors_give_their_line() {
        let err = parse("chain:\n  symbl: SYS\n").unwrap_err();
        assert!(err.ends_with("at line 2 column 3"), "{err}");
        let err = parse("name: x\nnodes:\n  genesis:\n    http_port: 99999\n").unwrap_err();
        assert!(err.starts_with("nodes.genesis.http_port: invalid value: integer `99999`"), "{err}");
        assert!(err.ends_with("at line 4 column 16"), "{err}");
        let err = parse("chain:\n  voters: many\n").unwrap_err();
        assert!(err.starts_with("chain.voters: invalid type: string \"many\""), "{err}");
    }

    #[test]
    fn producers_take_a_count_or_names() {
        assert_eq!(parse("producers: 21").unwrap().producers, ProducersConfig::Count(21));
        assert_eq!(parse("producers: [a, b]").unwrap().producers, ProducersConfig::Names(vec!["a".into(), "b".into()]));
        let err = parse("name: x\nproducers: {a: 1}\n").unwrap_err();
        assert!(err.starts_with("producers: invalid type: map, expected a count of producers or a list"), "{err}");
        assert!(err.ends_with("at line 2 column 12"), "{err}");
        let err = parse("producers: -2").unwrap_err();
        assert!(err.starts_with("producers: invalid value: integer `-2`, expected a count"), "{err}");
        let err = parse("producers: [a, [b]]").unwrap_err();
        assert!(err.starts_with("producers[1]: invalid type: sequence, expected a string"), "{err}");
    }
}
