//! Checks a topology's meaning before anything is created, and reports every problem at once,
//! each with the path of the field it concerns.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::{
    account_names, AccountsFile, ConfigValue, P2pShape, ProducersConfig, TokenAmounts, TopologySource, Validated,
    GENESIS_NODE,
};
use crate::chain::{check_account_name, Amount, Symbol};
use crate::keys::{check_public_key, KeyPair};

/// One problem of a topology: where (a field path such as `producers[3].name`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The field path.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// Every problem of a topology at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors {
    /// The file (or `the topology` when it came from code).
    pub source: String,
    /// The problems, in the order of the file.
    pub errors: Vec<ValidationError>,
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        writeln!(f, "{} has {n} problem{}:", self.source, if n == 1 { "" } else { "s" })?;
        for e in &self.errors {
            writeln!(f, "  {}: {}", e.path, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

#[derive(Default)]
struct Errors(Vec<ValidationError>);

impl Errors {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ValidationError { path: path.into(), message: message.into() });
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Names a lab may take: they become parts of container, network and volume names.
fn check_lab_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("{name:?} is not a lab name (1 to 40 of a-z, 0-9, '-', '_', starting with a letter or digit)"))
    }
}

/// Node names double as container host names.
fn check_node_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!("{name:?} is not a node name (1 to 40 of a-z, 0-9, '-', starting with a letter)"))
    }
}

/// The file-system and meaning checks. What they parse on the way (the token's amounts, the accounts
/// file, the account names) comes back in [`Validated`], so the planner does not parse it again.
/// Every problem is reported at once, each with the path of its field.
pub fn validate(source: &TopologySource) -> Result<Validated, ValidationErrors> {
    let t = &source.topology;
    let mut errs = Errors::default();

    if let Err(e) = check_lab_name(&t.name) {
        errs.add("name", e);
    }
    if t.seed.as_deref() == Some("") {
        errs.add("seed", "is empty; remove it for a random seed");
    }
    let image_hash = check_image(source, &t.image, "image", &mut errs);
    let mut node_image_hashes = BTreeMap::new();
    if t.node_defaults.image.is_some() {
        errs.add("node_defaults.image", "give an image per node (`nodes.NODE.image`) or for the lab (`image`)");
    }
    let d = &t.node_defaults;
    for (kind, port) in [("http_port", d.http_port), ("p2p_port", d.p2p_port), ("ship_port", d.ship_port)] {
        if port.is_some() {
            errs.add(format!("node_defaults.{kind}"), "a host port is one node's: give it under `nodes.NODE`");
        }
    }
    for (node, settings) in &t.nodes {
        if let Some(image) = &settings.image {
            if let Some(hash) = check_image(source, image, &format!("nodes.{node}.image"), &mut errs) {
                node_image_hashes.insert(node.clone(), hash);
            }
        }
    }
    let token = check_chain(t, &mut errs);
    let (file, names) = check_accounts(source, &mut errs);
    check_nodes(t, names.as_ref().map(|(_, producers)| producers.as_slice()), &mut errs);

    match (token, names) {
        (Some(token), Some((users, producers))) if errs.0.is_empty() => Ok(Validated {
            source: source.clone(),
            token,
            accounts_file: file,
            users,
            producers,
            image_hash,
            node_image_hashes,
        }),
        // A value is missing only where its error was added.
        _ => Err(ValidationErrors { source: source.describe(), errors: errs.0 }),
    }
}

/// `image`: exactly one source, and that source usable. Returns the content hash of an image
/// folder without a tag: it goes into the image's tag, so a changed folder is built anew.
/// `spring` and what goes with it (`mirror`, `sha256`, `contracts`); the image's hash when the
/// section is a complete release image.
fn check_release(source: &TopologySource, image: &super::ImageConfig, at: &str, errs: &mut Errors) -> Option<String> {
    use crate::image::release;
    let Some(version) = &image.spring else {
        for (field, given) in [
            ("mirror", image.mirror.is_some()),
            ("sha256", image.sha256.is_some()),
            ("contracts", image.contracts.is_some()),
        ] {
            if given {
                errs.add(format!("{at}.{field}"), "goes with `spring` (a release package), which is not given");
            }
        }
        return None;
    };
    let before = errs.len();
    if let Err(e) = release::check_version(version) {
        errs.add(format!("{at}.spring"), e);
    }
    if let Some(Err(e)) = image.mirror.as_deref().map(release::check_mirror) {
        errs.add(format!("{at}.mirror"), e);
    }
    if let Some(Err(e)) = image.sha256.as_deref().map(release::check_sha256) {
        errs.add(format!("{at}.sha256"), e);
    }
    let mut contracts_hash = None;
    match &image.contracts {
        None => errs.add(
            format!("{at}.contracts"),
            "the Spring release package carries no system contracts: name a folder with eosio.bios, \
             eosio.token, eosio.msig, eosio.system (3.8 for Savanna) and eosio.wrap (images/README.md)",
        ),
        Some(dir) => {
            let dir = source.resolve(dir);
            let missing = release::missing_contracts(&dir);
            if !missing.is_empty() {
                errs.add(format!("{at}.contracts"), format!("{}: {}", dir.display(), missing.join(", ")));
            } else {
                match crate::image::files::content_hash(&dir) {
                    Ok(h) => contracts_hash = Some(h),
                    Err(e) => errs.add(format!("{at}.contracts"), format!("cannot read {}: {e}", dir.display())),
                }
            }
        }
    }
    if errs.len() > before {
        return None;
    }
    let url = release::package_url(image.mirror.as_deref(), version);
    Some(release::hash(&url, image.sha256.as_deref(), &contracts_hash?))
}

fn check_image(source: &TopologySource, image: &super::ImageConfig, at: &str, errs: &mut Errors) -> Option<String> {
    let sources = [
        image.recipe.is_some(),
        image.build.is_some(),
        image.files.is_some(),
        image.reference.is_some(),
        image.spring.is_some(),
    ];
    match sources.iter().filter(|s| **s).count() {
        // None given: the default recipe.
        0 | 1 => {}
        _ => errs.add(at, "takes only one of `recipe`, `build`, `files`, `ref` and `spring`"),
    }
    if let Some(r) = &image.recipe {
        if r != "default" {
            errs.add(format!("{at}.recipe"), format!("{r:?} is not a recipe lab knows (only `default`)"));
        }
    }
    let mut image_hash = None;
    if let Some(dir) = &image.build {
        let dir = source.resolve(dir);
        if !dir.join("Dockerfile").is_file() {
            errs.add(format!("{at}.build"), format!("{} holds no Dockerfile", dir.display()));
        } else if image.tag.is_none() {
            match crate::image::files::content_hash(&dir) {
                Ok(h) => image_hash = Some(h),
                Err(e) => errs.add(format!("{at}.build"), format!("cannot read {}: {e}", dir.display())),
            }
        }
    }
    if let Some(dir) = &image.files {
        let dir = source.resolve(dir);
        let missing = crate::image::files::missing(&dir);
        if !missing.is_empty() {
            errs.add(
                format!("{at}.files"),
                format!(
                    "{} does not hold what an image needs (images/README.md): {}",
                    dir.display(),
                    missing.join(", ")
                ),
            );
        } else if image.tag.is_none() {
            match crate::image::files::content_hash(&dir) {
                Ok(h) => image_hash = Some(h),
                Err(e) => errs.add(format!("{at}.files"), format!("cannot read {}: {e}", dir.display())),
            }
        }
    }
    if let Some(hash) = check_release(source, image, at, errs) {
        image_hash = Some(hash);
    }
    if image.reference.is_some() && (image.base.is_some() || image.ca_cert.is_some()) {
        errs.add(at, "`base` and `ca_cert` apply to builds, not to a pulled `ref`");
    }
    if let Some(r) = &image.reference {
        if r.trim().is_empty() || r.contains(char::is_whitespace) {
            errs.add(format!("{at}.ref"), format!("{r:?} is not an image reference"));
        }
    }
    if let Some(ca) = &image.ca_cert {
        let p = source.resolve(ca);
        match std::fs::read_to_string(&p) {
            Ok(text) if text.contains("-----BEGIN CERTIFICATE-----") => {}
            Ok(_) => errs.add(format!("{at}.ca_cert"), format!("{} holds no PEM certificate", p.display())),
            Err(e) => errs.add(format!("{at}.ca_cert"), format!("cannot read {}: {e}", p.display())),
        }
    }

    image_hash
}

/// `chain`: the token's symbol and amounts, the limits, the genesis overrides. Returns the
/// token's amounts when they all parse.
fn check_chain(t: &super::Topology, errs: &mut Errors) -> Option<TokenAmounts> {
    let c = &t.chain;
    let mut token = None;
    match Symbol::parse_code(&c.symbol, c.precision) {
        Err(e) => errs.add("chain.symbol", e),
        Ok(symbol) => {
            let mut amount = |field: &str, text: &str| match Amount::parse(text, &symbol) {
                Ok(a) => Some(a),
                Err(e) => {
                    errs.add(format!("chain.{field}"), e);
                    None
                }
            };
            let max = amount("max_supply", &c.max_supply);
            let dist = amount("distribute", &c.distribute);
            let producer_funds = amount("min_producer_funds", &c.min_producer_funds);
            let ram = amount("ram_funds", &c.ram_funds);
            let stake = amount("min_stake", &c.min_stake);
            let unstaked = amount("max_unstaked", &c.max_unstaked);
            if let (Some(max), Some(dist)) = (max, dist) {
                if dist.0 == 0 {
                    errs.add("chain.distribute", "is zero: there would be nothing to stake or vote with");
                }
                // The producers' minimum can push the issued sum past `distribute`; leave room for it.
                if dist > max {
                    errs.add("chain.distribute", format!("{} is more than max_supply {}", c.distribute, c.max_supply));
                }
            }
            if let (
                Some(max_supply),
                Some(distribute),
                Some(min_producer_funds),
                Some(ram_funds),
                Some(min_stake),
                Some(max_unstaked),
            ) = (max, dist, producer_funds, ram, stake, unstaked)
            {
                token = Some(TokenAmounts {
                    symbol,
                    max_supply,
                    distribute,
                    min_producer_funds,
                    ram_funds,
                    min_stake,
                    max_unstaked,
                });
            }
        }
    }
    errs.0.extend(super::limits::check_limits(t));
    errs.0.extend(super::genesis_schema::check_genesis(&c.genesis));

    token
}

/// The names of the users and of the producers.
type AccountNames = (Vec<String>, Vec<String>);

/// `accounts` and `producers`: a count or a file whose keys match, account names that are valid,
/// not the system's and not given twice. Returns the file read and the names, when they could
/// be had.
fn check_accounts(source: &TopologySource, errs: &mut Errors) -> (Option<AccountsFile>, Option<AccountNames>) {
    let t = &source.topology;
    let c = &t.chain;
    if t.accounts.count.is_some() && t.accounts.file.is_some() {
        errs.add("accounts", "takes `count` or `file`, not both");
    }
    if t.accounts.count == Some(0) {
        errs.add("accounts.count", "is zero; producers are accounts too");
    }
    let mut file = None;
    if let Some(path) = &t.accounts.file {
        let p = source.resolve(path);
        match AccountsFile::read(&p) {
            Ok(f) => {
                let n = f.users.len() + f.producers.len();
                if n > super::MAX_ACCOUNTS {
                    errs.add("accounts.file", format!("lists {n} accounts; at most {}", super::MAX_ACCOUNTS));
                }
                for (list, accounts) in [("users", &f.users), ("producers", &f.producers)] {
                    for (i, a) in accounts.iter().enumerate() {
                        let at = format!("accounts.file {}[{i}]", list);
                        match KeyPair::from_wif(&a.pvt) {
                            Err(e) => errs.add(format!("{at}.pvt"), format!("{}: {e}", a.name)),
                            Ok(keys) if keys.public == a.public => {}
                            Ok(_) if check_public_key(&a.public).is_err() => {
                                errs.add(
                                    format!("{at}.pub"),
                                    format!("{}: {:?} is not an EOS public key", a.name, a.public),
                                );
                            }
                            Ok(_) => {
                                errs.add(
                                    format!("{at}.pub"),
                                    format!("{}: does not belong to its private key", a.name),
                                );
                            }
                        }
                    }
                }
                file = Some(f);
            }
            Err(e) => errs.add("accounts.file", e),
        }
    }
    match &t.producers {
        ProducersConfig::Count(0) => {
            errs.add("producers", "is zero; a lab needs at least one producer to hand the chain to")
        }
        ProducersConfig::Names(n) if n.is_empty() => {
            errs.add("producers", "is empty; a lab needs at least one producer")
        }
        _ => {}
    }

    let mut names = None;
    // Past a size limit nothing is generated: a billion names would take the machine, not fail.
    if (t.accounts.file.is_none() || file.is_some()) && !super::limits::too_big(t) {
        match account_names(t, file.as_ref()) {
            Ok((users, producers)) => {
                let mut seen = BTreeSet::new();
                let path_of = |i: usize, is_producer: bool| -> String {
                    match (&t.producers, is_producer, file.is_some()) {
                        (ProducersConfig::Names(_), true, _) => format!("producers[{i}]"),
                        (_, true, true) => format!("accounts.file producers[{i}]"),
                        (_, false, true) => format!("accounts.file users[{i}]"),
                        _ => "accounts".to_string(),
                    }
                };
                for (i, n) in producers
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (i, (n, true)))
                    .chain(users.iter().enumerate().map(|(i, n)| (i, (n, false))))
                {
                    let (name, is_producer) = n;
                    if let Err(e) = check_account_name(name) {
                        errs.add(path_of(i, is_producer), e);
                    } else if name == "eosio" || name.starts_with("eosio.") {
                        errs.add(path_of(i, is_producer), format!("{name:?} is a system account name"));
                    }
                    if !seen.insert(name.clone()) {
                        errs.add(path_of(i, is_producer), format!("{name:?} appears twice"));
                    }
                }
                if users.len() < c.voters.min(1) {
                    errs.add("chain.voters", "there are no users to vote");
                }
                names = Some((users, producers));
            }
            Err((path, msg)) => errs.add(path, msg),
        }
    }

    (file, names)
}

/// Nodes (the genesis node, the producers, extra nodes) and what names them: `p2p.peers`,
/// `placement`, `nodes` with their settings and ports.
fn check_nodes(t: &super::Topology, producers: Option<&[String]>, errs: &mut Errors) {
    let mut nodes: Vec<String> = vec![GENESIS_NODE.to_string()];
    nodes.extend(producers.unwrap_or_default().iter().cloned());
    for (i, n) in t.extra_nodes.iter().enumerate() {
        let at = match n {
            super::ExtraNode::Name(_) => format!("extra_nodes[{i}]"),
            super::ExtraNode::WithRole { .. } => format!("extra_nodes[{i}].name"),
        };
        let n = n.name();
        if let Err(e) = check_node_name(n) {
            errs.add(&at, e);
        }
        if nodes.iter().any(|x| x == n) {
            errs.add(&at, format!("{n:?} is already a node's name"));
        }
        nodes.push(n.to_string());
    }
    let history = |node: &str| t.extra_nodes.iter().any(|n| n.name() == node && n.role() == super::NodeRole::History);
    let known = |n: &str| nodes.iter().any(|x| x == n);

    if t.p2p.shape == P2pShape::Explicit && t.p2p.peers.is_empty() {
        errs.add("p2p.peers", "is empty, but `shape: explicit` takes its peers from it");
    }
    for (node, peers) in &t.p2p.peers {
        if !known(node) {
            errs.add(
                format!("p2p.peers.{node}"),
                format!("{node:?} is not a node of this lab (nodes: {})", nodes.join(", ")),
            );
        }
        for (i, p) in peers.iter().enumerate() {
            if !known(p) {
                errs.add(format!("p2p.peers.{node}[{i}]"), format!("{p:?} is not a node of this lab"));
            } else if p == node {
                errs.add(format!("p2p.peers.{node}[{i}]"), "a node cannot peer with itself");
            }
        }
    }

    for (key, constraints) in &t.placement {
        let at = format!("placement.{key}");
        if !ROLES.contains(&key.as_str()) && !known(key) {
            errs.add(&at, format!("{key:?} is neither a role ({}) nor a node of this lab", ROLES.join(", ")));
        }
        for (i, c) in constraints.iter().enumerate() {
            let Some((k, v)) = c.split_once("==").or_else(|| c.split_once("!=")) else {
                errs.add(format!("{at}[{i}]"), format!("{c:?} is not `<attribute> == <value>` or `!=`"));
                continue;
            };
            let k = k.trim();
            let attribute = ["node.hostname", "node.id", "node.role"].contains(&k)
                || k.strip_prefix("node.labels.").is_some_and(|l| !l.is_empty());
            if !attribute || v.trim().is_empty() {
                errs.add(
                    format!("{at}[{i}]"),
                    format!("{c:?}: the attribute is one of node.hostname, node.id, node.role, node.labels.<name>, with a value"),
                );
            }
        }
    }

    check_settings("node_defaults", &t.node_defaults, errs);
    let mut ports: BTreeMap<u16, String> = BTreeMap::new();
    for (node, settings) in &t.nodes {
        let at = format!("nodes.{node}");
        if !known(node) {
            errs.add(&at, format!("{node:?} is not a node of this lab (nodes: {})", nodes.join(", ")));
        }
        check_settings(&at, settings, errs);
        if settings.ship_port.is_some() && !history(node) {
            errs.add(
                format!("{at}.ship_port"),
                format!("{node:?} is not a history node (extra_nodes: {{name, role: history}})"),
            );
        }
        for (kind, port) in
            [("http_port", settings.http_port), ("p2p_port", settings.p2p_port), ("ship_port", settings.ship_port)]
        {
            let Some(port) = port else { continue };
            let path = format!("{at}.{kind}");
            if port == 0 {
                errs.add(&path, "port 0 cannot be published");
            } else if let Some(other) = ports.insert(port, path.clone()) {
                errs.add(&path, format!("port {port} is also given to {other}"));
            }
        }
    }
}

/// What `placement` takes besides node names.
const ROLES: &[&str] = &["genesis", "producer", "node", "api", "history"];

/// Settings lab itself owns: overriding them would break the lab's wiring, so they are refused.
const OWNED_CONFIG: &[&str] = &[
    "http-server-address",
    "state-history-endpoint",
    "p2p-listen-endpoint",
    "p2p-server-address",
    "producer-name",
    "signature-provider",
    "genesis-json",
    "data-dir",
    "config-dir",
];

fn check_settings(at: &str, s: &super::NodeSettings, errs: &mut Errors) {
    for (key, value) in &s.config {
        let path = format!("{at}.config.{key}");
        if key.is_empty() || key.contains('=') || key.contains(char::is_whitespace) {
            errs.add(&path, "is not a config.ini key");
        } else if OWNED_CONFIG.contains(&key.as_str()) {
            errs.add(&path, "is set by lab from the topology and cannot be overridden");
        }
        let scalars: Vec<&serde_norway::Value> = match value {
            ConfigValue::One(v) => vec![v],
            ConfigValue::Many(vs) => vs.iter().collect(),
        };
        if scalars.iter().any(|v| !(v.is_string() || v.is_number() || v.is_bool())) {
            errs.add(&path, "takes a string, number or boolean, or a list of them");
        }
    }
    for (i, a) in s.args.iter().enumerate() {
        if a.trim().is_empty() {
            errs.add(format!("{at}.args[{i}]"), "is empty");
        }
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
