//! The resolved lab: every name, key, port, peer, label and mount, computed from a topology and a
//! seed without any I/O. Rendering and the runtime work from this alone.

pub(crate) mod accounts;
mod activation;
pub(crate) mod alloc;
mod peers;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;

pub(crate) use accounts::AccountPlan;
pub(crate) use activation::check_activation;
pub(crate) use alloc::Allocation;

use crate::chain::{Amount, Symbol};
use crate::keys::bls::BlsKey;
use crate::keys::KeyPair;
use crate::labels;
use crate::topology::{ConfigValue, ProducersConfig, TopologySource, Validated, ValidationErrors, GENESIS_NODE};

/// nodeos's HTTP port inside every container.
pub const HTTP_PORT: u16 = 8888;
/// nodeos's p2p port inside every container.
pub const P2P_PORT: u16 = 9876;
/// The state-history (SHiP) websocket's port inside a history node's container.
pub const SHIP_PORT: u16 = 8080;
/// keosd's port inside the genesis container (loopback only).
pub const KEOSD_PORT: u16 = 6666;
/// Where a node's rendered files are mounted (read-only).
pub const CONFIG_MOUNT: &str = "/lab/config";
/// Where a node's volume is mounted: chain data, and the wallet on the genesis node.
pub const DATA_MOUNT: &str = "/lab/data";
/// Where the other nodes see the genesis node's volume (read-only), for its snapshots.
pub const GENESIS_MOUNT: &str = "/lab/genesis";
/// The snapshot a node that joins with no data starts from, relative to the genesis volume.
pub const START_SNAPSHOT: &str = "snapshots/lab-start.bin";
/// A snapshot put here, relative to a node's volume, replaces the node's chain at its next start.
pub const RESTORE_SNAPSHOT: &str = "restore.bin";
/// Where the node moves a restore snapshot it started from.
pub const RESTORED_SNAPSHOT: &str = "restored.bin";
/// A file put here, relative to a node's volume: the node's next start drops its blocks, state,
/// state history and traces and syncs the chain again from block 1, once. How a history node
/// comes back from a crash: a snapshot would leave a gap in its state history, and nodeos
/// refuses to replay from genesis into an existing one.
pub const RESYNC_MARKER: &str = "resync";
/// A file put here, relative to a node's volume: the node's next start has block production
/// paused, once (the file goes at that start). It holds the Unix time it was written at, and a
/// start more than [`START_PAUSED_FOR_SECS`] later ignores it: a marker left by a start that
/// failed before its release must not hold the node back for good.
pub const START_PAUSED: &str = "start-paused";

/// How long a [`START_PAUSED`] marker holds.
pub const START_PAUSED_FOR_SECS: u64 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Genesis,
    Producer,
    /// A plain non-producing node.
    Node,
    /// A non-producing node that serves the chain API on the host.
    Api,
    /// A non-producing node that keeps the chain's history since genesis (SHiP, trace API).
    History,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Genesis => "genesis",
            Role::Producer => "producer",
            Role::Node => "node",
            Role::Api => "api",
            Role::History => "history",
        }
    }

    /// Whether the node's HTTP API is published on the host without being asked.
    pub fn serves_api(self) -> bool {
        matches!(self, Role::Genesis | Role::Api | Role::History)
    }

    fn of(role: crate::topology::NodeRole) -> Role {
        use crate::topology::NodeRole;
        match role {
            NodeRole::Node => Role::Node,
            NodeRole::Api => Role::Api,
            NodeRole::History => Role::History,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProducerKey {
    /// The producer account (`eosio` on the genesis node).
    pub account: String,
    pub keys: KeyPair,
    /// The BLS finalizer key; its signature provider is rendered only for a nodeos with Savanna.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finalizer: Option<BlsKey>,
}

/// What the image's nodeos is known to accept, asked of the image by `up` (its `--help`) and
/// given to the plan with [`NetworkPlan::with_nodeos`]. Unknown (the default), rendering writes
/// what the default image's nodeos takes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeosFacts {
    /// The config.ini options it knows; `None` when it was not asked.
    pub config_options: Option<BTreeSet<String>>,
    /// Whether it can finalize with BLS keys (Savanna): producers then carry their finalizer key.
    pub savanna: bool,
}

impl NodeosFacts {
    /// Options only a nodeos that knows Savanna has (Spring 1.x's finalizer safety file).
    const SAVANNA_OPTIONS: &'static [&'static str] = &["finalizers-dir"];

    pub fn from_options(options: &crate::topology::NodeosOptions) -> Self {
        NodeosFacts {
            config_options: Some(options.config.keys().cloned().collect()),
            savanna: Self::SAVANNA_OPTIONS.iter().any(|o| options.config.contains_key(*o)),
        }
    }

    /// Whether lab may write `option` into config.ini: known, or not asked.
    pub fn knows(&self, option: &str) -> bool {
        self.config_options.as_ref().is_none_or(|o| o.contains(option))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodePlan {
    pub name: String,
    pub role: Role,
    pub container: String,
    pub volume: String,
    pub producer: Option<ProducerKey>,
    /// Node names this node dials.
    pub peers: Vec<String>,
    pub host_http_port: Option<u16>,
    pub host_p2p_port: Option<u16>,
    /// A history node's state-history websocket on the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_ship_port: Option<u16>,
    pub args: Vec<String>,
    /// config.ini overrides, in order (a repeated key repeats).
    pub config: Vec<(String, String)>,
    pub labels: BTreeMap<String, String>,
    /// This node's own image (`nodes.X.image`); `None`: the lab's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImagePlan>,
}

/// A port a node publishes on the host's 127.0.0.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostPort {
    /// What it is, as the topology's field names it: `http_port`, `p2p_port`, `ship_port`.
    pub kind: &'static str,
    /// The port inside the container.
    pub container: u16,
    /// The port on the host.
    pub host: u16,
}

impl NodePlan {
    /// The ports this node publishes on 127.0.0.1.
    pub fn host_ports(&self) -> Vec<HostPort> {
        [
            ("http_port", HTTP_PORT, self.host_http_port),
            ("p2p_port", P2P_PORT, self.host_p2p_port),
            ("ship_port", SHIP_PORT, self.host_ship_port),
        ]
        .into_iter()
        .filter_map(|(kind, container, host)| host.map(|host| HostPort { kind, container, host }))
        .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ImagePlan {
    /// Build the recipe built into lab.
    Recipe { tag: String, base: String, ca_cert: Option<PathBuf> },
    /// Build a folder holding a Dockerfile.
    Dir { tag: String, dir: PathBuf, base: Option<String>, ca_cert: Option<PathBuf> },
    /// Build lab's folder recipe over a folder of binaries and contracts.
    Files { tag: String, dir: PathBuf, base: String },
    /// Pull from a registry when missing.
    Pull { reference: String },
    /// Build lab's release recipe: a Spring release package, downloaded, and a contracts folder.
    Release {
        tag: String,
        version: String,
        url: String,
        sha256: Option<String>,
        contracts: PathBuf,
        base: String,
        ca_cert: Option<PathBuf>,
    },
}

impl ImagePlan {
    pub fn reference(&self) -> &str {
        match self {
            ImagePlan::Recipe { tag, .. }
            | ImagePlan::Dir { tag, .. }
            | ImagePlan::Files { tag, .. }
            | ImagePlan::Release { tag, .. } => tag,
            ImagePlan::Pull { reference } => reference,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainPlan {
    pub symbol: Symbol,
    pub max_supply: Amount,
    pub distribute: Amount,
    pub min_producer_funds: Amount,
    pub ram_funds: Amount,
    pub min_stake: Amount,
    pub max_unstaked: Amount,
    pub voters: usize,
    pub votes_per_voter: usize,
    pub eosio: KeyPair,
    pub genesis_overrides: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkPlan {
    pub lab: String,
    pub seed: String,
    pub network: String,
    pub image: ImagePlan,
    pub chain: ChainPlan,
    pub accounts: Vec<AccountPlan>,
    /// What each account is given, in the order of `accounts`; computed here once so that boot and
    /// verification agree. Not part of `lab plan --json`: it follows from the accounts and the seed.
    #[serde(skip)]
    pub allocation: Vec<Allocation>,
    /// Genesis first, then producers, then extra nodes.
    pub nodes: Vec<NodePlan>,
    pub labels: BTreeMap<String, String>,
    /// What the image's nodeos accepts, once asked (see [`NodeosFacts`]).
    #[serde(skip)]
    pub nodeos: NodeosFacts,
    /// The same for the nodes' own images, by image reference.
    #[serde(skip)]
    pub image_facts: BTreeMap<String, NodeosFacts>,
}

impl NetworkPlan {
    /// Validates the topology and resolves it with the given seed.
    pub fn build(source: &TopologySource, seed: &str) -> Result<NetworkPlan, ValidationErrors> {
        let plan = Self::resolve(&crate::topology::validate(source)?, seed);
        // Only the planned allocation tells whether the voters can activate the chain.
        match check_activation(&plan) {
            Some(e) => Err(ValidationErrors { source: source.describe(), errors: vec![e] }),
            None => Ok(plan),
        }
    }

    /// Resolves a validated topology with the given seed; this cannot fail.
    pub fn resolve(validated: &Validated, seed: &str) -> NetworkPlan {
        let source = validated.source();
        let t = validated.topology();
        let lab = t.name.clone();
        let token = validated.token().clone();
        let chain = ChainPlan {
            symbol: token.symbol,
            max_supply: token.max_supply,
            distribute: token.distribute,
            min_producer_funds: token.min_producer_funds,
            ram_funds: token.ram_funds,
            min_stake: token.min_stake,
            max_unstaked: token.max_unstaked,
            voters: t.chain.voters,
            votes_per_voter: t.chain.votes_per_voter,
            eosio: KeyPair::derive(seed, "eosio"),
            genesis_overrides: t.chain.genesis.clone(),
        };
        let accounts = accounts::resolve(validated.users(), validated.producers(), validated.accounts_file(), seed);
        let allocation = alloc::allocate(&accounts, &chain, seed);

        let lab_labels = BTreeMap::from([(labels::LAB.to_string(), lab.clone())]);
        let mut names: Vec<(String, Role, Option<ProducerKey>)> = vec![(
            GENESIS_NODE.into(),
            Role::Genesis,
            // Its finalizer key makes the chain Savanna's while eosio produces alone (see `boot`'s
            // `sys-contract`); rendered, like the producers', only for a nodeos with Savanna.
            Some(ProducerKey {
                account: "eosio".into(),
                keys: chain.eosio.clone(),
                finalizer: Some(crate::keys::bls::BlsKey::derive(seed, "eosio")),
            }),
        )];
        for a in accounts.iter().filter(|a| a.producer) {
            names.push((
                a.name.clone(),
                Role::Producer,
                Some(ProducerKey { account: a.name.clone(), keys: a.keys.clone(), finalizer: a.finalizer.clone() }),
            ));
        }
        // Producers keep the order the topology gives them.
        if let ProducersConfig::Names(order) = &t.producers {
            names[1..].sort_by_key(|(n, _, _)| order.iter().position(|o| o == n));
        }
        for n in &t.extra_nodes {
            names.push((n.name().to_string(), Role::of(n.role()), None));
        }
        let node_names: Vec<String> = names.iter().map(|(n, _, _)| n.clone()).collect();
        let mut peer_lists = peers::peers(&node_names, t.p2p.shape, &t.p2p.peers);
        // A history node keeps every block since genesis, which only the genesis node holds (the
        // others join from a snapshot): it dials the genesis node whatever the shape.
        for ((name, role, _), peers) in names.iter().zip(peer_lists.iter_mut()) {
            if *role == Role::History && name != GENESIS_NODE && !peers.iter().any(|p| p == GENESIS_NODE) {
                peers.insert(0, GENESIS_NODE.to_string());
            }
        }

        let nodes = names
            .into_iter()
            .zip(peer_lists)
            .map(|((name, role, producer), peers)| {
                let own = t.nodes.get(&name);
                let mut args = t.node_defaults.args.clone();
                let mut config = Vec::new();
                for settings in [Some(&t.node_defaults), own].into_iter().flatten() {
                    for (k, v) in &settings.config {
                        // A node's own entry replaces the default entry of the same key.
                        config.retain(|(key, _): &(String, String)| key != k);
                        match v {
                            ConfigValue::One(v) => config.push((k.clone(), yaml_scalar(v))),
                            ConfigValue::Many(vs) => config.extend(vs.iter().map(|v| (k.clone(), yaml_scalar(v)))),
                        }
                    }
                }
                if let Some(own) = own {
                    args.extend(own.args.iter().cloned());
                }
                let image = own
                    .and_then(|o| o.image.as_ref())
                    .map(|config| image_plan(source, &lab, config, validated.node_image_hash(&name)));
                let mut node_labels = lab_labels.clone();
                node_labels.insert(labels::NODE.into(), name.clone());
                node_labels.insert(labels::ROLE.into(), role.as_str().into());
                let placement: Vec<String> = [t.placement.get(role.as_str()), t.placement.get(&name)]
                    .into_iter()
                    .flatten()
                    .flatten()
                    .cloned()
                    .collect();
                if !placement.is_empty() {
                    node_labels.insert(labels::PLACEMENT.into(), placement.join("; "));
                }
                NodePlan {
                    container: format!("{lab}-{name}"),
                    volume: format!("{lab}-{name}-data"),
                    host_http_port: own.and_then(|o| o.http_port),
                    host_p2p_port: own.and_then(|o| o.p2p_port),
                    host_ship_port: own.and_then(|o| o.ship_port),
                    name,
                    role,
                    producer,
                    peers,
                    args,
                    config,
                    labels: node_labels,
                    image,
                }
            })
            .collect();

        let image = image_plan(source, &lab, &t.image, validated.image_hash());

        NetworkPlan {
            network: format!("{lab}-net"),
            lab,
            seed: seed.to_string(),
            image,
            chain,
            accounts,
            allocation,
            nodes,
            labels: lab_labels,
            nodeos: NodeosFacts::default(),
            image_facts: BTreeMap::new(),
        }
    }

    /// The plan rendered for a nodeos known to accept what `facts` says.
    pub fn with_nodeos(mut self, facts: NodeosFacts) -> Self {
        self.nodeos = facts;
        self
    }

    /// The plan rendered, for the nodes with an image of their own, for what each image's nodeos
    /// accepts (by image reference).
    pub fn with_image_facts(mut self, facts: BTreeMap<String, NodeosFacts>) -> Self {
        self.image_facts = facts;
        self
    }

    /// The image node `node` runs: its own, else the lab's.
    pub fn image_of<'a>(&'a self, node: &'a NodePlan) -> &'a ImagePlan {
        node.image.as_ref().unwrap_or(&self.image)
    }

    /// What the nodeos of node `node`'s image accepts.
    pub fn facts_of<'a>(&'a self, node: &'a NodePlan) -> &'a NodeosFacts {
        match &node.image {
            Some(image) => self.image_facts.get(image.reference()).unwrap_or(&self.nodeos),
            None => &self.nodeos,
        }
    }

    /// The images of the nodes' own that differ from the lab's, each once.
    pub fn node_images(&self) -> Vec<&ImagePlan> {
        let mut out: Vec<&ImagePlan> = Vec::new();
        for image in self.nodes.iter().filter_map(|n| n.image.as_ref()) {
            if image.reference() != self.image.reference() && !out.iter().any(|o| o.reference() == image.reference()) {
                out.push(image);
            }
        }
        out
    }

    /// This plan with `image` as the lab's: what the image machinery (build, probes) is given to
    /// act on a node's own image.
    pub fn with_lab_image(&self, image: &ImagePlan) -> NetworkPlan {
        NetworkPlan { image: image.clone(), ..self.clone() }
    }

    pub fn genesis(&self) -> &NodePlan {
        &self.nodes[0]
    }

    pub fn node(&self, name: &str) -> Option<&NodePlan> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn producers(&self) -> impl Iterator<Item = &AccountPlan> {
        self.accounts.iter().filter(|a| a.producer)
    }

    pub fn users(&self) -> impl Iterator<Item = &AccountPlan> {
        self.accounts.iter().filter(|a| !a.producer)
    }
}

fn yaml_scalar(v: &serde_norway::Value) -> String {
    match v {
        serde_norway::Value::String(s) => s.clone(),
        serde_norway::Value::Bool(b) => b.to_string(),
        serde_norway::Value::Number(n) => n.to_string(),
        other => serde_norway::to_string(other).unwrap_or_default().trim().to_string(),
    }
}

/// The image an `image` section asks for: pulled, a folder's Dockerfile, a folder of binaries, or
/// the built-in recipe. A folder's image is tagged by its content (`hash`): a changed folder is a
/// new image, built anew.
fn image_plan(
    source: &TopologySource,
    lab: &str,
    image: &crate::topology::ImageConfig,
    hash: Option<&str>,
) -> ImagePlan {
    let hash = hash.unwrap_or("local");
    if let Some(reference) = &image.reference {
        ImagePlan::Pull { reference: reference.clone() }
    } else if let Some(dir) = &image.build {
        let tag = image.tag.clone().unwrap_or_else(|| format!("antelope-lab/{lab}-nodeos:build-{hash}"));
        ImagePlan::Dir {
            tag,
            dir: source.resolve(dir),
            base: image.base.clone(),
            ca_cert: image.ca_cert.as_ref().map(|p| source.resolve(p)),
        }
    } else if let Some(version) = &image.spring {
        let base = image.base.clone().unwrap_or_else(|| crate::image::DEFAULT_BASE.to_string());
        let tag = image.tag.clone().unwrap_or_else(|| crate::image::release::tag(version, hash, &base));
        ImagePlan::Release {
            tag,
            version: version.clone(),
            url: crate::image::release::package_url(image.mirror.as_deref(), version),
            sha256: image.sha256.clone(),
            contracts: source.resolve(image.contracts.as_deref().unwrap_or(std::path::Path::new("contracts"))),
            base,
            ca_cert: image.ca_cert.as_ref().map(|p| source.resolve(p)),
        }
    } else if let Some(dir) = &image.files {
        let base = image.base.clone().unwrap_or_else(|| crate::image::DEFAULT_BASE.to_string());
        let tag = image.tag.clone().unwrap_or_else(|| format!("antelope-lab/{lab}-nodeos:files-{hash}"));
        ImagePlan::Files { tag, dir: source.resolve(dir), base }
    } else {
        let base = image.base.clone().unwrap_or_else(|| crate::image::DEFAULT_BASE.to_string());
        let tag = image.tag.clone().unwrap_or_else(|| crate::image::recipe_tag(&base));
        ImagePlan::Recipe { tag, base, ca_cert: image.ca_cert.as_ref().map(|p| source.resolve(p)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::{parse, TopologySource, DEFAULT_TOPOLOGY};

    pub(crate) fn plan_of(yaml: &str) -> NetworkPlan {
        NetworkPlan::build(&TopologySource { topology: parse(yaml).unwrap(), path: None }, "test-seed").unwrap()
    }

    #[test]
    fn the_default_plan() {
        let p = plan_of(DEFAULT_TOPOLOGY);
        let names: Vec<&str> = p.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["genesis", "accountnum11", "accountnum22", "accountnum33", "accountnum44"]);
        assert_eq!(p.accounts.len(), 25);
        assert_eq!(p.network, "lab-net");
        let g = p.genesis();
        assert_eq!(g.container, "lab-genesis");
        assert_eq!(g.volume, "lab-genesis-data");
        assert_eq!(g.host_http_port, Some(8888));
        assert_eq!(g.producer.as_ref().unwrap().account, "eosio");
        assert_eq!(g.labels.get(labels::LAB).map(String::as_str), Some("lab"));
        assert_eq!(g.labels.get(labels::ROLE).map(String::as_str), Some("genesis"));
        // Only the genesis node is published.
        assert!(p.nodes[1..].iter().all(|n| n.host_http_port.is_none() && n.host_p2p_port.is_none()));
        assert_eq!(p.nodes[4].peers, ["genesis", "accountnum11", "accountnum22", "accountnum33"]);
        assert_eq!(p.nodes[1].config, [("chain-state-db-size-mb".to_string(), "256".to_string())]);
    }

    #[test]
    fn the_seed_decides_every_key() {
        let a = plan_of(DEFAULT_TOPOLOGY);
        let b = plan_of(DEFAULT_TOPOLOGY);
        assert_eq!(a, b);
        let c = NetworkPlan::build(&TopologySource { topology: parse(DEFAULT_TOPOLOGY).unwrap(), path: None }, "other")
            .unwrap();
        assert_ne!(a.chain.eosio, c.chain.eosio);
        assert_ne!(a.accounts[0].keys, c.accounts[0].keys);
    }

    #[test]
    fn node_settings_override_defaults() {
        let p = plan_of(
            "node_defaults: {args: [--a], config: {max-clients: 30, chain-state-db-size-mb: 256}}\n\
             nodes: {accountnum11: {args: [--b], config: {max-clients: 50, p2p-peer-address: [x:1, y:2]}, http_port: 8011}}\n\
             extra_nodes: [api]\np2p: {shape: star}",
        );
        let n = p.node("accountnum11").unwrap();
        assert_eq!(n.args, ["--a", "--b"]);
        assert_eq!(
            n.config,
            [
                ("chain-state-db-size-mb".to_string(), "256".to_string()),
                ("max-clients".to_string(), "50".to_string()),
                ("p2p-peer-address".to_string(), "x:1".to_string()),
                ("p2p-peer-address".to_string(), "y:2".to_string()),
            ]
        );
        assert_eq!(n.host_http_port, Some(8011));
        let api = p.node("api").unwrap();
        assert_eq!(api.role, Role::Node);
        assert!(api.producer.is_none());
        assert_eq!(api.peers, ["genesis"]);
    }

    #[test]
    fn the_allocation_is_planned_with_the_accounts() {
        let p = plan_of("accounts: {count: 40}\nproducers: 5");
        assert_eq!(p.allocation, alloc::allocate(&p.accounts, &p.chain, &p.seed));
        let names = |it: &mut dyn Iterator<Item = &String>| it.cloned().collect::<Vec<_>>();
        assert_eq!(names(&mut p.allocation.iter().map(|a| &a.name)), names(&mut p.accounts.iter().map(|a| &a.name)));
        // The plan's JSON (`lab plan --json`) stays what it was: the allocation follows from the rest.
        assert!(serde_json::to_value(&p).unwrap().get("allocation").is_none());
    }

    #[test]
    fn image_plans() {
        assert!(matches!(plan_of("{}").image, ImagePlan::Recipe { .. }));
        assert_eq!(
            plan_of("image: {ref: 'ghcr.io/x/leap:5'}").image,
            ImagePlan::Pull { reference: "ghcr.io/x/leap:5".into() }
        );
    }
}
