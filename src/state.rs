//! The lab's state folder on the host: its seed, keys, wallet password and rendered node files.
//!
//! `$LAB_STATE_DIR/<lab>`, else `$XDG_STATE_HOME/antelope-lab/<lab>`, else
//! `~/.local/state/antelope-lab/<lab>`. Secrets are written with mode 0600.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::plan::NetworkPlan;
use crate::render;

#[derive(Debug, Clone)]
pub struct StateDir {
    pub root: PathBuf,
}

/// A command that works on a lab found no state for it: `up` makes the state folder, and nothing
/// else creates or guesses one (a new seed would mean keys the chain has never seen).
#[derive(Debug, thiserror::Error)]
#[error("no lab `{lab}` is known here: {} {missing} (`lab up` makes it; `--name`/`LAB_NAME` and `LAB_STATE_DIR` say which lab and where)", dir.display())]
pub struct StateMissing {
    /// The lab asked for.
    pub lab: String,
    /// The lab's state folder.
    pub dir: PathBuf,
    /// What of it is missing, as words.
    pub missing: &'static str,
}

/// The file in a lab's state folder that lists the images nodes were upgraded to.
const NODE_IMAGES: &str = "images.json";
/// The api and history nodes' host ports, chosen at the first `up` (see [`StateDir::host_ports`]).
const HOST_PORTS: &str = "host-ports.json";

/// The file in a lab's state folder that holds its seed.
pub const SEED_FILE: &str = "seed";

pub fn state_base() -> PathBuf {
    if let Some(dir) = std::env::var_os("LAB_STATE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(dir).join("antelope-lab");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/state/antelope-lab")
}

impl StateDir {
    pub fn for_lab(lab: &str) -> Self {
        StateDir { root: state_base().join(lab) }
    }

    pub fn exists(&self) -> bool {
        self.root.exists()
    }

    fn ensure(&self) -> Result<()> {
        fs::create_dir_all(&self.root).with_context(|| format!("cannot create {}", self.root.display()))?;
        fs::set_permissions(&self.root, fs::Permissions::from_mode(0o700))?;
        Ok(())
    }

    /// The seed the lab uses: the topology's, else the one stored at the first `up`, else a new
    /// random one (stored by `write_plan`, once `up` gets that far).
    pub fn seed(&self, topology_seed: Option<&str>) -> Result<String> {
        if let Some(s) = topology_seed {
            return Ok(s.to_string());
        }
        if let Some(s) = self.stored_seed() {
            return Ok(s);
        }
        Ok(crate::keys::KeyPair::random().private)
    }

    /// The seed `up` stored, if it did.
    pub fn stored_seed(&self) -> Option<String> {
        fs::read_to_string(self.root.join(SEED_FILE)).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    }

    /// That `up` made this folder for lab `lab` (its seed is there), else [`StateMissing`].
    pub fn require(&self, lab: &str) -> Result<(), StateMissing> {
        let missing = if !self.root.is_dir() {
            "does not exist"
        } else if self.stored_seed().is_none() {
            "holds no seed"
        } else {
            return Ok(());
        };
        Err(StateMissing { lab: lab.to_string(), dir: self.root.clone(), missing })
    }

    pub fn wallet_password_path(&self) -> PathBuf {
        self.root.join("wallet-password")
    }

    pub fn wallet_password(&self) -> Option<String> {
        fs::read_to_string(self.wallet_password_path()).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    }

    pub fn save_wallet_password(&self, password: &str) -> Result<()> {
        self.ensure()?;
        write_secret(&self.wallet_password_path(), password.as_bytes())
    }

    pub fn node_dir(&self, node: &str) -> PathBuf {
        self.root.join("nodes").join(node)
    }

    /// Writes every node's rendered files and the key list; returns nothing new if all is equal.
    pub fn write_plan(&self, plan: &NetworkPlan) -> Result<()> {
        self.ensure()?;
        for node in &plan.nodes {
            let dir = self.node_dir(&node.name);
            fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            for file in render::node_files(plan, node) {
                let path = dir.join(file.name);
                if fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
                    continue;
                }
                if file.secret {
                    write_secret(&path, file.contents.as_bytes())?;
                } else {
                    fs::write(&path, &file.contents).with_context(|| format!("cannot write {}", path.display()))?;
                }
            }
        }
        let keys = serde_json::json!({
            "eosio": plan.chain.eosio,
            "accounts": plan.accounts,
        });
        write_secret(&self.root.join(SEED_FILE), plan.seed.as_bytes())?;
        if let Some(port) = plan.genesis().host_http_port {
            self.keep_api_port(port)?;
        }
        let served: BTreeMap<String, BTreeMap<String, u16>> = plan
            .nodes
            .iter()
            .filter(|n| n.role != crate::plan::Role::Genesis && n.role.serves_api())
            .map(|n| (n.name.clone(), n.host_ports().iter().map(|p| (p.kind.to_string(), p.host)).collect()))
            .collect();
        self.keep_host_ports(&served)?;
        write_secret(&self.root.join("keys.json"), serde_json::to_string_pretty(&keys)?.as_bytes())?;
        Ok(())
    }

    /// The genesis API's host port chosen at the lab's first `up` (see `orchestrator::api_port`).
    pub fn api_port(&self) -> Option<u16> {
        fs::read_to_string(self.root.join("api-port")).ok().and_then(|s| s.trim().parse().ok())
    }

    pub fn keep_api_port(&self, port: u16) -> Result<()> {
        self.ensure()?;
        let path = self.root.join("api-port");
        if self.api_port() == Some(port) {
            return Ok(());
        }
        fs::write(&path, format!("{port}\n")).with_context(|| format!("cannot write {}", path.display()))
    }

    /// The host ports chosen at the lab's first `up` for its api and history nodes, by node and
    /// kind (`http_port`, `ship_port`; see `orchestrator::api_port`).
    pub fn host_ports(&self) -> BTreeMap<String, BTreeMap<String, u16>> {
        fs::read_to_string(self.root.join(HOST_PORTS))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    fn keep_host_ports(&self, ports: &BTreeMap<String, BTreeMap<String, u16>>) -> Result<()> {
        let path = self.root.join(HOST_PORTS);
        if ports.is_empty() && !path.exists() || self.host_ports() == *ports {
            return Ok(());
        }
        fs::write(&path, serde_json::to_string_pretty(ports)?)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    fn faults_path(&self) -> PathBuf {
        self.root.join("faults.json")
    }

    /// The faults applied to the lab's nodes, by node, as `lab status` shows them and `lab heal`
    /// undoes them (empty when none is).
    /// The images `lab upgrade` moved nodes to, by node name: the lab's from then on, whichever
    /// topology later commands are given (the file keeps saying what the lab was made from).
    pub fn node_images(&self) -> Result<BTreeMap<String, crate::topology::ImageConfig>> {
        let path = self.root.join(NODE_IMAGES);
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| format!("{} is not an image list", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Records that node `node` runs `image` now.
    pub fn save_node_image(&self, node: &str, image: &crate::topology::ImageConfig) -> Result<()> {
        self.ensure()?;
        let mut images = self.node_images()?;
        images.insert(node.to_string(), image.clone());
        let path = self.root.join(NODE_IMAGES);
        fs::write(&path, serde_json::to_string_pretty(&images)?)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    pub fn faults(&self) -> Result<BTreeMap<String, Vec<String>>> {
        match fs::read_to_string(self.faults_path()) {
            Ok(text) => serde_json::from_str(&text)
                .with_context(|| format!("{} is not a fault list", self.faults_path().display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", self.faults_path().display())),
        }
    }

    pub fn save_faults(&self, faults: &BTreeMap<String, Vec<String>>) -> Result<()> {
        self.ensure()?;
        let path = self.faults_path();
        if faults.values().all(Vec::is_empty) {
            return match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(e).with_context(|| format!("cannot remove {}", path.display()))
                }
                _ => Ok(()),
            };
        }
        fs::write(&path, serde_json::to_string_pretty(faults)?)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Forgets the faults of nodes whose process ended: the firewall and traffic rules lived in
    /// their network namespace, which the engine tears down with the process.
    pub fn forget_faults(&self, nodes: &[&str]) -> Result<()> {
        let mut faults = self.faults()?;
        let before = faults.len();
        faults.retain(|node, _| !nodes.contains(&node.as_str()));
        if faults.len() == before {
            return Ok(());
        }
        self.save_faults(&faults)
    }

    pub fn remove(&self) -> Result<()> {
        if self.root.exists() {
            fs::remove_dir_all(&self.root).with_context(|| format!("cannot remove {}", self.root.display()))?;
        }
        Ok(())
    }
}

/// Writes a file readable by its owner only, created so from the start.
pub fn write_secret(path: &Path, data: &[u8]) -> Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    f.write_all(data)?;
    Ok(())
}
