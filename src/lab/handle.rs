//! [`Lab`]: a handle on a live lab, with its endpoints, accounts, cleos, and a guard that takes it
//! down when dropped.

use std::future::Future;
use std::path::{Path, PathBuf};

use anyhow::Context;
use futures::FutureExt;

use super::accounts::{self, LabAccount};
use super::guard::DownGuard;
use super::up::{self, UpOptions};
use super::LabConfig;
use super::Result;
use crate::boot::{select, Boot, BootOptions, CleosCommand, StepReport};
use crate::client::Chain;
use crate::orchestrator::endpoints::Served;
use crate::orchestrator::{lab_filter, DownReport};
use crate::plan::NetworkPlan;
use crate::printer::Printer;
use crate::runtime::{ContainerState, ExecOutput, FileEntry, Runtime};
use crate::state::StateDir;
use crate::topology::TopologySource;

/// Where [`Lab::upload`] puts host files: a folder on the genesis node's volume, so they stay
/// while the lab lives (a container restart keeps them) and go with `down`.
pub const UPLOADS_DIR: &str = "/lab/data/uploads";

/// A live lab. Made by [`Lab::up`] (which brings it up) or [`Lab::attach`] (to one that runs).
///
/// A handle made by `up` is a guard: dropping it takes the lab down (containers, network,
/// volumes, state folder), also when a test panics, unless [`Lab::keep`] was called. A handle made
/// by `attach` leaves the lab as it is when dropped.
pub struct Lab {
    pub(super) rt: Box<dyn Runtime>,
    pub(super) plan: NetworkPlan,
    pub(super) state: StateDir,
    pub(super) printer: Printer,
    /// The topology the lab was made from (a snapshot bundle carries it).
    pub(super) source: TopologySource,
    pub(super) already_up: bool,
    /// The boot steps the `up` that made this handle ran.
    pub(super) boot_steps: Vec<StepReport>,
    pub(super) guard: DownGuard,
}

impl Lab {
    /// Brings the lab up and boots it (or finds it up and booted, and changes nothing), with
    /// progress on stderr. The handle takes the lab down when dropped.
    pub async fn up(config: LabConfig) -> Result<Lab> {
        Self::up_with(config, UpOptions::default()).await
    }

    /// [`Lab::up`] with options: without the boot, another timeout, another printer.
    pub async fn up_with(config: LabConfig, options: UpOptions) -> Result<Lab> {
        Self::up_until(config, options, std::future::pending()).await
    }

    /// [`Lab::up_with`], given up when `stop` completes first (the command line passes Ctrl-C):
    /// what this `up` created is then removed (or kept with `keep_failed`) and the error is
    /// [`super::Error::Interrupted`]. A failed `up` removes what it created the same way.
    ///
    /// When the topology gives no API port, `up` chooses one ([`LabConfig::api_port_fixed`]);
    /// should another process take it before the container binds it (labs brought up side by
    /// side, as parallel tests do), `up` undoes what it made and tries again with another, up to
    /// three times.
    pub async fn up_until(config: LabConfig, options: UpOptions, stop: impl Future<Output = ()>) -> Result<Lab> {
        // Bad input is refused before the engine is asked anything (an invalid file on a machine
        // without an engine is an invalid file).
        config.check()?;
        let engine = config.resolved_engine()?;
        let rt = crate::runtime::connect(engine).await?;
        let stop = stop.shared();
        let done = crate::orchestrator::api_port::retry_when_taken(
            || config.api_port_fixed(),
            || up::up(rt.as_ref(), &config, &options, up::Origin::Genesis, stop.clone()),
        )
        .await?;
        let guard = DownGuard::armed(config.name(), state_base(&done.state), engine);
        Ok(Lab {
            rt,
            plan: done.plan,
            state: done.state,
            printer: options.printer,
            source: config.source().clone(),
            already_up: !done.changed,
            boot_steps: done.steps,
            guard,
        })
    }

    /// A handle on the lab `name` brought up earlier (by `lab up` or [`Lab::up`]), from the
    /// topology `up` kept in its state folder. Dropping it leaves the lab running.
    pub async fn attach(name: &str) -> Result<Lab> {
        Self::attach_at(name, crate::state::state_base()).await
    }

    /// [`Lab::attach`] to a lab whose state folder is under `state_base` (as given to
    /// [`LabConfig::state_dir`]).
    pub async fn attach_at(name: &str, state_base: impl AsRef<Path>) -> Result<Lab> {
        let state = StateDir { root: state_base.as_ref().join(name) };
        let config = LabConfig::from_state(state, name)?;
        let lab = Self::attach_config(&config).await?;
        if lab.rt.containers(&lab_filter(Some(name))).await?.is_empty() {
            fail!("no lab `{name}` runs: no container carries its label; `lab up` starts it");
        }
        Ok(lab)
    }

    /// A handle on the lab described by `config`, running or not (the command line's `cleos`,
    /// `exec` and `boot` start from this). Dropping it leaves the lab as it is.
    pub async fn attach_config(config: &LabConfig) -> Result<Lab> {
        let (plan, state) = config.plan_existing()?;
        let engine = config.resolved_engine()?;
        let rt = crate::runtime::connect(engine).await?;
        let guard = DownGuard::disarmed(config.name(), state_base(&state), engine);
        Ok(Lab {
            rt,
            plan,
            state,
            printer: Printer::new(false, false),
            source: config.source().clone(),
            already_up: true,
            boot_steps: Vec::new(),
            guard,
        })
    }

    /// Progress of later calls ([`Lab::boot`], [`Lab::down`]) through this printer.
    pub fn with_printer(mut self, printer: Printer) -> Self {
        self.printer = printer;
        self
    }

    /// The lab's name (the value of its `antelope-lab.name` label).
    pub fn name(&self) -> &str {
        &self.plan.lab
    }

    /// The resolved plan: nodes, containers, accounts, keys, ports.
    pub(crate) fn plan(&self) -> &NetworkPlan {
        &self.plan
    }

    /// The lab's state folder (seed, keys, wallet password, rendered node files).
    pub(crate) fn state(&self) -> &StateDir {
        &self.state
    }

    /// The container engine the lab runs on.
    pub(crate) fn runtime(&self) -> &dyn Runtime {
        &self.rt
    }

    /// Whether `up` found the lab up already and changed nothing.
    pub fn was_already_up(&self) -> bool {
        self.already_up
    }

    /// The boot steps the `up` that made this handle ran, each with what it did and how long it
    /// took (as `lab up` prints them); empty when `up` found the chain booted, for a lab brought
    /// up from a bundle, and for a handle from `attach`.
    pub fn boot_steps(&self) -> &[StepReport] {
        &self.boot_steps
    }

    /// Leaves the lab running when the handle is dropped (`lab down` removes it later).
    pub fn keep(&mut self) -> &mut Self {
        self.guard.disarm();
        self
    }

    /// Whether dropping the handle leaves the lab running.
    pub fn is_kept(&self) -> bool {
        !self.guard.is_armed()
    }

    /// The genesis node's HTTP API as a client on this host reaches it
    /// (`http://127.0.0.1:PORT`), read from the port the engine publishes.
    pub async fn api_url(&self) -> Result<String> {
        let genesis = &self.plan.genesis().container;
        let containers = self.rt.containers(&lab_filter(Some(self.name()))).await?;
        let info = containers
            .iter()
            .find(|c| &c.name == genesis)
            .ok_or_else(|| super::Error::msg(format!("{genesis} does not exist; `lab up` creates it")))?;
        crate::orchestrator::endpoints::of(info).api_url.ok_or_else(|| {
            super::Error::msg(format!(
                "{genesis} publishes no HTTP port on the host (give nodes.genesis.http_port in the topology)"
            ))
        })
    }

    /// What the lab serves to clients on this host, read from the ports the engine publishes: the
    /// api nodes' HTTP APIs (the genesis node's when the lab has no api node), the history nodes'
    /// state-history websockets and HTTP APIs. What `lab env` exports.
    pub async fn served(&self) -> Result<Served> {
        let containers = self.rt.containers(&lab_filter(Some(self.name()))).await?;
        let order = |c: &crate::runtime::ContainerInfo| self.plan.nodes.iter().position(|n| n.container == c.name);
        let mut nodes: Vec<_> = containers.into_iter().filter(|c| order(c).is_some()).collect();
        nodes.sort_by_key(|c| order(c));
        Ok(crate::orchestrator::endpoints::served(&nodes))
    }

    /// The chain id, as the genesis node reports it.
    pub async fn chain_id(&self) -> Result<String> {
        self.require_running(&self.plan.genesis().container).await?;
        Ok(Chain::new(&self.rt, &self.plan.genesis().container).info().await?.chain_id)
    }

    /// `eosio` and every staked account, with role and keys (from the state folder).
    pub fn accounts(&self) -> Result<Vec<LabAccount>> {
        accounts::accounts(&self.state)
    }

    /// Every account the lab made (system accounts, producers, staked accounts, those `lab
    /// deploy` created) with its liquid and staked core token read from the chain, as `lab
    /// accounts` lists them; private keys only with `show_secrets`.
    pub async fn balances(&self, show_secrets: bool) -> Result<Vec<crate::orchestrator::ListedAccount>> {
        crate::deploy::require_running(self.rt.as_ref(), &self.plan).await?;
        Ok(crate::orchestrator::list_accounts(&self.rt, &self.plan, &self.state, show_secrets).await?)
    }

    /// Runs cleos in the genesis container against the genesis node, wallet (with the lab's keys)
    /// and API URL already set: `lab.cleos(&["get", "info"])`. A non-zero exit is not an error:
    /// read [`ExecOutput::code`].
    pub async fn cleos<S: AsRef<str>>(&self, args: &[S]) -> Result<ExecOutput> {
        self.cleos_on(&self.plan.genesis().name.clone(), args).await
    }

    /// Runs cleos in the container of node `node`, against that node's own API (through the
    /// engine, so a partitioned or degraded node answers as readily as any); signing asks the
    /// lab's wallet in the genesis container, over the lab network. Host files that cleos reads (`set contract`, `set code`, `set abi`, `push transaction FILE`) are
    /// copied in for the call and the arguments rewritten to their copies; relative paths start
    /// at the current folder.
    pub async fn cleos_on<S: AsRef<str>>(&self, node: &str, args: &[S]) -> Result<ExecOutput> {
        let target = self.node_container(node)?;
        let genesis = &self.plan.genesis().container;
        // In the node's own container, through the engine: what a fault does to the lab network
        // changes the chain, not whether the node can be asked.
        let cleos = if target == *genesis { CleosCommand::local() } else { CleosCommand::in_node(genesis) };
        self.require_running(&target).await?;
        let args: Vec<String> = args.iter().map(|a| a.as_ref().to_string()).collect();
        let cwd = std::env::current_dir().context("cannot read the current folder")?;
        Ok(crate::deploy::run_cleos(&self.rt, &target, &cleos, &args, &cwd).await?)
    }

    /// Runs a command in the container of node `node`.
    pub async fn exec<S: AsRef<str>>(&self, node: &str, cmd: &[S]) -> Result<ExecOutput> {
        let container = self.node_container(node)?;
        self.require_running(&container).await?;
        let cmd: Vec<String> = cmd.iter().map(|c| c.as_ref().to_string()).collect();
        Ok(self.rt.exec(&container, &cmd, None).await?)
    }

    /// Copies a host file or folder into the genesis container, where cleos runs, and returns its
    /// path there (`/lab/data/uploads/<its name>`), for `set contract`, `set code`, `set abi` or
    /// `push transaction`. An earlier upload of the same name is replaced.
    pub async fn upload(&self, host_path: impl AsRef<Path>) -> Result<String> {
        let host_path = host_path.as_ref();
        let name = host_path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| super::Error::msg(format!("cannot upload {}: it names no file", host_path.display())))?
            .to_string();
        let files = read_tree(host_path, &name)?;
        let genesis = &self.plan.genesis().container;
        self.require_running(genesis).await?;
        let target = format!("{UPLOADS_DIR}/{name}");
        let prepare = ["sh", "-c", r#"rm -rf -- "$1" && mkdir -p -- "$0""#, UPLOADS_DIR, &target];
        let out = self.rt.exec(genesis, &prepare.map(String::from), None).await?;
        if !out.success() {
            fail!("cannot prepare {target} in {genesis} (exit {}): {}", out.code, out.tail(5));
        }
        self.rt.put_files(genesis, UPLOADS_DIR, &files).await?;
        Ok(target)
    }

    /// Runs the boot sequence (the steps `lab boot` runs); steps already done on the chain are
    /// skipped, so this resumes a boot that stopped and does nothing on a booted chain.
    pub async fn boot(&self) -> Result<Vec<StepReport>> {
        self.boot_with(&BootOptions { steps: select(&[], None, &[], false), xfer_count: 0 }).await
    }

    /// Runs the given boot steps.
    pub async fn boot_with(&self, options: &BootOptions) -> Result<Vec<StepReport>> {
        let genesis = &self.plan.genesis().container;
        if self.rt.container_state(genesis).await? != Some(ContainerState::Running) {
            fail!("the genesis node {genesis} is not running; `lab up --no-boot` starts the lab");
        }
        let boot = Boot::new(&self.rt, &self.plan, &self.state, &self.printer);
        Ok(boot.run(options).await?)
    }

    /// Takes the lab down: removes its containers, network, volumes and state folder.
    pub async fn down(mut self) -> Result<DownReport> {
        self.guard.disarm();
        super::down::down_labs(&self.rt, Some(&self.plan.lab), false, self.state.root.parent(), &self.printer).await
    }

    pub(super) fn node_container(&self, node: &str) -> Result<String> {
        let plan = &self.plan;
        let target = plan
            .node(node)
            .ok_or_else(|| super::Error::msg(format!("{node:?} is not a node of lab `{}`", plan.lab)))?;
        Ok(target.container.clone())
    }

    async fn require_running(&self, container: &str) -> Result<()> {
        if self.rt.container_state(container).await? != Some(ContainerState::Running) {
            fail!("{container} is not running; `lab up` starts the lab");
        }
        Ok(())
    }
}

impl std::fmt::Debug for Lab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lab").field("name", &self.plan.lab).field("kept", &self.is_kept()).finish()
    }
}

/// The folder a lab's state folder is in.
pub(super) fn state_base(state: &StateDir) -> PathBuf {
    state.root.parent().map(Path::to_path_buf).unwrap_or_else(crate::state::state_base)
}

/// A file, or every file under a folder, named under `name` (`name`, `name/sub/file`).
fn read_tree(path: &Path, name: &str) -> Result<Vec<FileEntry>> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).with_context(|| format!("cannot upload {}", path.display()))?;
    if meta.is_file() {
        let contents = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(vec![FileEntry { name: name.to_string(), contents, mode: meta.permissions().mode() & 0o777 }]);
    }
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot read {}", path.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let child = entry.file_name().to_string_lossy().into_owned();
        files.extend(read_tree(&entry.path(), &format!("{name}/{child}"))?);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_live_on_the_genesis_volume() {
        assert!(UPLOADS_DIR.starts_with(&format!("{}/", crate::plan::DATA_MOUNT)));
    }

    #[test]
    fn a_folder_is_read_with_its_sub_folders_and_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("hello");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("hello.wasm"), [0u8, 97, 115, 109]).unwrap();
        std::fs::write(root.join("sub/hello.abi"), "{}").unwrap();
        std::fs::set_permissions(root.join("sub/hello.abi"), std::fs::Permissions::from_mode(0o640)).unwrap();
        let files = read_tree(&root, "hello").unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["hello/hello.wasm", "hello/sub/hello.abi"]);
        assert_eq!(files[0].contents, [0u8, 97, 115, 109]);
        assert_eq!(files[1].mode, 0o640);
        let one = read_tree(&root.join("hello.wasm"), "hello.wasm").unwrap();
        assert_eq!(one.len(), 1);
        let err = read_tree(&dir.path().join("missing"), "missing").unwrap_err();
        assert!(format!("{err:#}").contains("missing"), "{err:#}");
    }
}
