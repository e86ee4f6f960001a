//! The container runtime: the only part of `lab` that talks to Docker. It speaks the project's own
//! types; bollard stays inside `docker`.

pub(crate) mod compose;
mod docker;
#[cfg(test)]
pub(crate) mod fake;
pub(crate) mod health;
mod swarm;

use std::collections::BTreeMap;

use async_trait::async_trait;
use futures::stream::BoxStream;
use thiserror::Error;

pub(crate) use docker::DockerRuntime;
pub(crate) use swarm::{SwarmRuntime, HOST_LABEL};

#[derive(Debug, Error)]
pub enum RuntimeError {
    #[error("cannot reach the Docker engine ({0}); is the daemon running and is DOCKER_HOST right?")]
    Connect(String),
    #[error("{op} {target}: {message}")]
    Op { op: &'static str, target: String, message: String },
    /// A container could not start because a host port it publishes is held by another process
    /// (the engine's words in `message`).
    #[error("start container {target}: {message}")]
    PortTaken { target: String, message: String },
    #[error("image build of {tag} failed: {message}")]
    Build { tag: String, message: String },
    #[error("pull of {reference} failed: {message}")]
    Pull { reference: String, message: String },
}

impl RuntimeError {
    pub(crate) fn op(op: &'static str, target: impl Into<String>, message: impl ToString) -> Self {
        RuntimeError::Op { op, target: target.into(), message: message.to_string() }
    }
}

pub type Result<T> = std::result::Result<T, RuntimeError>;

/// The runtime of an engine kind: one Docker engine, or a swarm through its manager.
pub async fn connect(engine: crate::topology::Engine) -> Result<Box<dyn Runtime>> {
    Ok(match engine {
        crate::topology::Engine::Docker => Box::new(DockerRuntime::connect().await?),
        crate::topology::Engine::Swarm => Box::new(SwarmRuntime::connect().await?),
    })
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mount {
    /// A host path, mounted read-only.
    BindReadOnly {
        source: String,
        target: String,
    },
    Volume {
        name: String,
        target: String,
        read_only: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PortMap {
    pub container_port: u16,
    pub host_ip: String,
    pub host_port: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSpec {
    pub name: String,
    pub hostname: String,
    pub image: String,
    pub network: String,
    /// Replaces the image's entrypoint, so images with one of their own work too.
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub mounts: Vec<Mount>,
    pub ports: Vec<PortMap>,
    /// Seconds the engine waits after SIGTERM before SIGKILL.
    pub stop_timeout: i64,
    /// Join this container's network namespace instead of `network` (a helper that acts on a
    /// node's network, such as a firewall rule, runs this way).
    pub share_network_of: Option<String>,
    /// Linux capabilities added to the default set (`NET_ADMIN` for such a helper).
    pub cap_add: Vec<String>,
    /// The container's CPU weight against the others when the CPU is contended (Docker's
    /// `CpuShares`; the engine's default is 1024), or the engine's default. It limits nothing.
    pub cpu_shares: Option<i64>,
}

/// The `network` of a container that has none (a one-shot that only prints).
pub const NO_NETWORK: &str = "none";

/// A container's state, as the engine names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    /// Created and never started: a node in this state has no data yet.
    Created,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Being restarted by the engine.
    Restarting,
    /// Being removed.
    Removing,
    /// Stopped, or never got going; its exit code says how it ended.
    Exited,
    /// The engine failed to stop or remove it.
    Dead,
}

impl ContainerState {
    /// Every state.
    pub const ALL: [ContainerState; 7] = [
        ContainerState::Created,
        ContainerState::Running,
        ContainerState::Paused,
        ContainerState::Restarting,
        ContainerState::Removing,
        ContainerState::Exited,
        ContainerState::Dead,
    ];

    /// The engine's name for the state: `running`, `exited`, …
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerState::Created => "created",
            ContainerState::Running => "running",
            ContainerState::Paused => "paused",
            ContainerState::Restarting => "restarting",
            ContainerState::Removing => "removing",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
        }
    }

    /// The state the engine names `name`, if it is one of these.
    pub fn from_engine(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for ContainerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so tables can align it with `{:<9}`.
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContainerInfo {
    pub name: String,
    pub id: String,
    pub image: String,
    pub state: ContainerState,
    /// How the container's main process ended, when it has ended (`exited`, `dead`) and the
    /// engine says.
    pub exit_code: Option<i64>,
    pub labels: BTreeMap<String, String>,
    /// Published ports: (container port, host port).
    pub ports: Vec<(u16, u16)>,
    /// Its IPv4 address on each network it is attached to, by network name (while it runs).
    pub addresses: BTreeMap<String, String>,
}

impl ContainerInfo {
    pub fn running(&self) -> bool {
        self.state == ContainerState::Running
    }
}

/// What a command run in a container (`docker exec`) gave: its exit code and output.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecOutput {
    /// The exit code (0: success).
    pub code: i64,
    /// Its standard output, as text.
    pub stdout: String,
    /// Its standard error, as text.
    pub stderr: String,
}

impl ExecOutput {
    /// A command that exited 0 and printed `stdout`.
    pub fn ok(stdout: impl Into<String>) -> Self {
        ExecOutput { code: 0, stdout: stdout.into(), stderr: String::new() }
    }

    /// A command that exited `code` and printed `stderr`.
    pub fn failed(code: i64, stderr: impl Into<String>) -> Self {
        ExecOutput { code, stdout: String::new(), stderr: stderr.into() }
    }

    /// Exited 0.
    pub fn success(&self) -> bool {
        self.code == 0
    }

    /// The last lines of stderr (or stdout, when stderr is empty), for error messages.
    pub fn tail(&self, lines: usize) -> String {
        let text = if self.stderr.trim().is_empty() { &self.stdout } else { &self.stderr };
        let all: Vec<&str> = text.trim_end().lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// One sample of a container's resource counters. CPU is cumulative: a share of the machine
/// comes from two samples (`top::cpu_percent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct ContainerStats {
    /// CPU time the container has used, in nanoseconds.
    pub cpu_total_ns: u64,
    /// CPU time the whole machine has used, in nanoseconds (the same clock as `cpu_total_ns`).
    pub system_cpu_ns: u64,
    pub online_cpus: u32,
    /// Memory in use, without the page cache the kernel may drop (what `docker stats` shows).
    pub memory_bytes: u64,
    pub memory_limit_bytes: u64,
}

impl ContainerStats {
    /// Percent of one core the container used between `before` and this sample (200 is two
    /// cores busy); `None` when the counters did not move forward. Pure.
    pub fn cpu_percent_since(&self, before: &ContainerStats) -> Option<f64> {
        let cpu = self.cpu_total_ns.checked_sub(before.cpu_total_ns)?;
        let system = self.system_cpu_ns.checked_sub(before.system_cpu_ns).filter(|s| *s > 0)?;
        Some(cpu as f64 / system as f64 * f64::from(self.online_cpus) * 100.0)
    }
}

/// A file to write into a container.
#[derive(Debug, Clone, PartialEq)]
pub struct FileEntry {
    /// Relative to the folder it is written to.
    pub name: String,
    pub contents: Vec<u8>,
    pub mode: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectInfo {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

/// Progress lines from a build or a pull.
pub type ProgressFn<'a> = &'a (dyn Fn(&str) + Send + Sync);

#[async_trait]
pub trait Runtime: Send + Sync {
    async fn image_present(&self, reference: &str) -> Result<bool>;
    /// The image's content id, when the engine gives one (it keys what is cached about an image).
    async fn image_id(&self, _reference: &str) -> Result<Option<String>> {
        Ok(None)
    }
    async fn build_image(
        &self,
        tag: &str,
        context: Vec<u8>,
        build_args: BTreeMap<String, String>,
        labels: BTreeMap<String, String>,
        host_network: bool,
        progress: ProgressFn<'_>,
    ) -> Result<()>;
    async fn pull_image(&self, reference: &str, progress: ProgressFn<'_>) -> Result<()>;

    /// Creates the network unless one of that name exists.
    async fn ensure_network(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()>;
    /// Creates the volume unless one of that name exists.
    async fn ensure_volume(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()>;
    async fn create_container(&self, spec: &ContainerSpec) -> Result<()>;
    async fn start_container(&self, name: &str) -> Result<()>;
    async fn stop_container(&self, name: &str, timeout_secs: i64) -> Result<()>;
    /// Removes a container, killing it if it runs. Absent is not an error.
    async fn remove_container(&self, name: &str) -> Result<()>;
    async fn remove_network(&self, name: &str) -> Result<()>;
    async fn remove_volume(&self, name: &str) -> Result<()>;

    /// Containers (running or not) carrying every `key=value` label given.
    async fn containers(&self, labels: &[String]) -> Result<Vec<ContainerInfo>>;
    /// A container's state, or `None` when there is no such container.
    async fn container_state(&self, name: &str) -> Result<Option<ContainerState>>;
    async fn networks(&self, labels: &[String]) -> Result<Vec<ObjectInfo>>;
    async fn volumes(&self, labels: &[String]) -> Result<Vec<ObjectInfo>>;

    /// Runs a command in a container and waits for its exit code. `stdin` is written to the
    /// command's standard input, then closed.
    async fn exec(&self, container: &str, cmd: &[String], stdin: Option<Vec<u8>>) -> Result<ExecOutput>;
    /// The last `tail` lines of a container's log.
    async fn logs(&self, container: &str, tail: usize) -> Result<String>;
    /// Sends a signal (`SIGKILL`, `SIGTERM`, `9`, …) to a running container.
    async fn kill_container(&self, name: &str, signal: &str) -> Result<()>;
    async fn pause_container(&self, name: &str) -> Result<()>;
    async fn unpause_container(&self, name: &str) -> Result<()>;
    /// Waits until a container is not running; its exit code.
    async fn wait_container(&self, name: &str) -> Result<i64>;
    /// Writes files into a container, running or not (volumes included), under `dir`.
    async fn put_files(&self, container: &str, dir: &str, files: &[FileEntry]) -> Result<()>;
    /// Reads one file from a container, running or not.
    async fn get_file(&self, container: &str, path: &str) -> Result<Vec<u8>>;

    /// CPU and memory counters of a running container; `None` when there is no such container or
    /// it does not run.
    async fn container_stats(&self, name: &str) -> Result<Option<ContainerStats>>;

    /// The log from the last `tail` lines on, following new output.
    fn follow_logs(&self, container: &str, tail: usize) -> BoxStream<'static, Result<String>>;

    /// Refuses, before anything is created, containers this engine cannot run (a swarm's
    /// placement that no host satisfies). One engine runs any.
    async fn check_specs(&self, _specs: &[ContainerSpec]) -> Result<()> {
        Ok(())
    }

    /// Whether [`Self::put_files`] reaches a container created and not started yet. A swarm's
    /// service has no container until a host runs its task.
    fn files_before_first_start(&self) -> bool {
        true
    }

    /// Whether this engine may run on this host, so that a port a container publishes on
    /// 127.0.0.1 can be this host's (an engine reached through a local socket). A caller still
    /// checks that what answers there is the container's node; an engine reached over TCP, or a
    /// swarm's, is never asked that way.
    fn publishes_here(&self) -> bool {
        false
    }
}

/// A boxed runtime is one: what `Ctx::runtime` gives the commands.
#[async_trait]
impl<T: Runtime + ?Sized> Runtime for Box<T> {
    async fn image_present(&self, reference: &str) -> Result<bool> {
        (**self).image_present(reference).await
    }
    async fn image_id(&self, reference: &str) -> Result<Option<String>> {
        (**self).image_id(reference).await
    }
    async fn build_image(
        &self,
        tag: &str,
        context: Vec<u8>,
        build_args: BTreeMap<String, String>,
        labels: BTreeMap<String, String>,
        host_network: bool,
        progress: ProgressFn<'_>,
    ) -> Result<()> {
        (**self).build_image(tag, context, build_args, labels, host_network, progress).await
    }
    async fn pull_image(&self, reference: &str, progress: ProgressFn<'_>) -> Result<()> {
        (**self).pull_image(reference, progress).await
    }
    async fn ensure_network(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        (**self).ensure_network(name, labels).await
    }
    async fn ensure_volume(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        (**self).ensure_volume(name, labels).await
    }
    async fn create_container(&self, spec: &ContainerSpec) -> Result<()> {
        (**self).create_container(spec).await
    }
    async fn start_container(&self, name: &str) -> Result<()> {
        (**self).start_container(name).await
    }
    async fn stop_container(&self, name: &str, timeout_secs: i64) -> Result<()> {
        (**self).stop_container(name, timeout_secs).await
    }
    async fn remove_container(&self, name: &str) -> Result<()> {
        (**self).remove_container(name).await
    }
    async fn remove_network(&self, name: &str) -> Result<()> {
        (**self).remove_network(name).await
    }
    async fn remove_volume(&self, name: &str) -> Result<()> {
        (**self).remove_volume(name).await
    }
    async fn containers(&self, labels: &[String]) -> Result<Vec<ContainerInfo>> {
        (**self).containers(labels).await
    }
    async fn container_state(&self, name: &str) -> Result<Option<ContainerState>> {
        (**self).container_state(name).await
    }
    async fn networks(&self, labels: &[String]) -> Result<Vec<ObjectInfo>> {
        (**self).networks(labels).await
    }
    async fn volumes(&self, labels: &[String]) -> Result<Vec<ObjectInfo>> {
        (**self).volumes(labels).await
    }
    async fn exec(&self, container: &str, cmd: &[String], stdin: Option<Vec<u8>>) -> Result<ExecOutput> {
        (**self).exec(container, cmd, stdin).await
    }
    async fn logs(&self, container: &str, tail: usize) -> Result<String> {
        (**self).logs(container, tail).await
    }
    async fn kill_container(&self, name: &str, signal: &str) -> Result<()> {
        (**self).kill_container(name, signal).await
    }
    async fn pause_container(&self, name: &str) -> Result<()> {
        (**self).pause_container(name).await
    }
    async fn unpause_container(&self, name: &str) -> Result<()> {
        (**self).unpause_container(name).await
    }
    async fn wait_container(&self, name: &str) -> Result<i64> {
        (**self).wait_container(name).await
    }
    async fn put_files(&self, container: &str, dir: &str, files: &[FileEntry]) -> Result<()> {
        (**self).put_files(container, dir, files).await
    }
    async fn get_file(&self, container: &str, path: &str) -> Result<Vec<u8>> {
        (**self).get_file(container, path).await
    }
    async fn container_stats(&self, name: &str) -> Result<Option<ContainerStats>> {
        (**self).container_stats(name).await
    }
    fn follow_logs(&self, container: &str, tail: usize) -> BoxStream<'static, Result<String>> {
        (**self).follow_logs(container, tail)
    }
    async fn check_specs(&self, specs: &[ContainerSpec]) -> Result<()> {
        (**self).check_specs(specs).await
    }
    fn files_before_first_start(&self) -> bool {
        (**self).files_before_first_start()
    }
    fn publishes_here(&self) -> bool {
        (**self).publishes_here()
    }
}

/// A command in a few words, for a trace (`lab-bench --trace`): the path curl asks, cleos's
/// subcommand, what a script does.
pub(crate) fn exec_summary(cmd: &[String]) -> String {
    let words: Vec<&str> = cmd.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["curl", ..] => {
            let url = words.iter().rev().find(|w| w.starts_with("http://") || w.starts_with("localhost:"));
            let path = url.and_then(|u| u.split_once("/v1/").map(|(_, p)| p)).unwrap_or("curl");
            path.to_string()
        }
        ["cleos", rest @ ..] => {
            // Past the options cleos is given everywhere (`--url U --wallet-url W`).
            let mut sub = Vec::new();
            let mut skip = false;
            for w in rest {
                if skip {
                    skip = false;
                } else if matches!(*w, "--url" | "-u" | "--wallet-url") {
                    skip = true;
                } else if !w.starts_with('-') {
                    sub.push(*w);
                }
                if sub.len() == 2 {
                    break;
                }
            }
            format!("cleos {}", sub.join(" "))
        }
        ["sh", "-c", script, ..] => {
            if script.contains("push transaction") {
                "push transaction".into()
            } else if script.contains("curl -K") {
                "curl, many requests".into()
            } else {
                let line: String = script.split_whitespace().collect::<Vec<_>>().join(" ");
                line.chars().take(40).collect()
            }
        }
        _ => words.join(" ").chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_exec_is_summed_up_in_a_few_words() {
        let s = |c: &[&str]| super::exec_summary(&c.iter().map(|w| w.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["curl", "-sS", "-X", "POST", "http://127.0.0.1:8888/v1/chain/get_info"]), "chain/get_info");
        assert_eq!(
            s(&[
                "cleos",
                "--no-auto-keosd",
                "--url",
                "http://x",
                "--wallet-url",
                "http://y",
                "set",
                "contract",
                "eosio"
            ]),
            "cleos set contract"
        );
        assert_eq!(s(&["sh", "-c", "f=$(mktemp) && cleos push transaction -t false"]), "push transaction");
        assert_eq!(s(&["nodeos", "--version"]), "nodeos --version");
    }

    use super::*;

    #[test]
    fn container_states_read_and_print_as_the_engine_names_them() {
        for (name, state) in [
            ("created", ContainerState::Created),
            ("running", ContainerState::Running),
            ("paused", ContainerState::Paused),
            ("restarting", ContainerState::Restarting),
            ("removing", ContainerState::Removing),
            ("exited", ContainerState::Exited),
            ("dead", ContainerState::Dead),
        ] {
            assert_eq!(ContainerState::from_engine(name), Some(state));
            assert_eq!(state.as_str(), name);
            assert_eq!(state.to_string(), name);
            assert_eq!(serde_json::to_string(&state).unwrap(), format!("\"{name}\""));
        }
        assert_eq!(ContainerState::from_engine("Running"), None);
        assert_eq!(ContainerState::from_engine(""), None);
    }
}
