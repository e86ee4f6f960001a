//! [`Runtime`] over a Docker Swarm: the lab as Swarm objects, created through the manager that
//! `DOCKER_HOST` names. A node's container is a service of one replica on an attachable overlay
//! network (`endpoint_mode: dnsrr`: the nodes reach each other by DNS, no virtual IP), its
//! rendered files are configs and its private keys secrets (nothing bind-mounted), its chain data
//! a volume on the host it runs on. Each node is pinned to one host (`node.hostname == …`),
//! chosen here: the genesis node on the manager (boot runs cleos through exec there), the others
//! spread over the ready hosts; a pinned node keeps its data across stop and start and is
//! reported lost, not moved, when its host goes away.
//!
//! Commands inside a node's container (exec, files, signals, its log) go to the engine of the
//! host its task runs on: the manager's, or one given in `LAB_SWARM_ENGINES`
//! (`host=unix:///…,host2=tcp://…`).

mod objects;
mod rules;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use bollard::models::{NodeState, TaskState};
use bollard::query_parameters::{ListNodesOptions, ListServicesOptionsBuilder, ListTasksOptionsBuilder};
use bollard::Docker;
use futures::stream::BoxStream;

use super::docker::{message, DockerRuntime};
use super::{
    ContainerInfo, ContainerSpec, ContainerState, ContainerStats, ExecOutput, FileEntry, ObjectInfo, ProgressFn,
    Result, Runtime, RuntimeError,
};

/// The label a swarm lab's containers carry in [`Runtime::containers`]: the host the node runs on.
pub const HOST_LABEL: &str = "antelope-lab.host";

/// The environment variable naming the engines of the swarm's other hosts.
pub const ENGINES_ENV: &str = "LAB_SWARM_ENGINES";

/// A host of the swarm, as the manager describes it.
#[derive(Debug, Clone)]
pub(crate) struct Host {
    pub id: String,
    pub hostname: String,
    pub ready: bool,
    pub manager: bool,
    pub labels: BTreeMap<String, String>,
}

/// Where a service's task stands.
#[derive(Debug, Clone)]
pub(crate) struct TaskView {
    pub host: Option<String>,
    pub state: TaskState,
    pub desired_running: bool,
    pub container_id: Option<String>,
    pub exit_code: Option<i64>,
    pub message: String,
}

pub struct SwarmRuntime {
    manager: Docker,
    /// The manager's engine, for what is not a Swarm object (images, one-shot containers).
    local: DockerRuntime,
    manager_host: String,
    /// Engines of the other hosts, by host name.
    engines: BTreeMap<String, DockerRuntime>,
    /// Engines named in `LAB_SWARM_ENGINES` that did not answer, with why: a lost host.
    unreachable: BTreeMap<String, String>,
    /// Nodes pinned so far by this process, per host: the spread of the next one.
    pinned: Mutex<BTreeMap<String, usize>>,
}

/// `host=url,host=url` as a map.
pub(crate) fn parse_engines(value: &str) -> std::result::Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (host, url) = part.split_once('=').ok_or_else(|| format!("{ENGINES_ENV}: `{part}` is not host=url"))?;
        out.insert(host.trim().to_string(), url.trim().to_string());
    }
    Ok(out)
}

impl SwarmRuntime {
    /// Connects to the manager (`DOCKER_HOST`) and to the engines in `LAB_SWARM_ENGINES`; refuses an
    /// engine that is not a swarm manager before anything is created.
    pub async fn connect() -> Result<Self> {
        let local = DockerRuntime::connect().await?;
        let manager = local.client().clone();
        let info = manager.info().await.map_err(|e| RuntimeError::Connect(message(e)))?;
        let swarm = info.swarm.unwrap_or_default();
        if swarm.control_available != Some(true) {
            return Err(RuntimeError::op(
                "use",
                "engine: swarm",
                format!(
                    "the engine DOCKER_HOST names ({}) is not a swarm manager (swarm state: {}); run `docker swarm init` there or point DOCKER_HOST at a manager",
                    info.name.unwrap_or_default(),
                    swarm.local_node_state.map(|s| s.to_string()).unwrap_or_else(|| "unknown".into())
                ),
            ));
        }
        let manager_host = info.name.unwrap_or_default();
        let mut engines = BTreeMap::new();
        let mut unreachable = BTreeMap::new();
        if let Ok(value) = std::env::var(ENGINES_ENV) {
            let named = parse_engines(&value).map_err(RuntimeError::Connect)?;
            let connected = futures::future::join_all(named.values().map(|url| DockerRuntime::connect_to(url))).await;
            for ((host, _), engine) in named.into_iter().zip(connected) {
                match engine {
                    Ok(e) => {
                        engines.insert(host, e);
                    }
                    // A host that is gone: its nodes are reported lost, the others work.
                    Err(e) => {
                        unreachable.insert(host, e.to_string());
                    }
                }
            }
        }
        Ok(SwarmRuntime { manager, local, manager_host, engines, unreachable, pinned: Mutex::new(BTreeMap::new()) })
    }

    pub(crate) async fn hosts(&self) -> Result<Vec<Host>> {
        let nodes = self
            .manager
            .list_nodes(None::<ListNodesOptions>)
            .await
            .map_err(|e| RuntimeError::op("list swarm nodes", "", message(e)))?;
        let mut hosts: Vec<Host> = nodes
            .into_iter()
            .map(|n| {
                let spec = n.spec.unwrap_or_default();
                Host {
                    id: n.id.unwrap_or_default(),
                    hostname: n.description.and_then(|d| d.hostname).unwrap_or_default(),
                    ready: n.status.and_then(|s| s.state) == Some(NodeState::READY)
                        && spec.availability.map(|a| a.to_string()) != Some("drain".into()),
                    manager: n.manager_status.is_some(),
                    labels: spec.labels.unwrap_or_default().into_iter().collect(),
                }
            })
            .collect();
        hosts.sort_by(|a, b| a.hostname.cmp(&b.hostname));
        Ok(hosts)
    }

    /// The engine of a host: the manager's or one from `LAB_SWARM_ENGINES`.
    fn engine(&self, host: &str, node: &str) -> Result<&DockerRuntime> {
        if host == self.manager_host {
            return Ok(&self.local);
        }
        self.engines.get(host).ok_or_else(|| match self.unreachable.get(host) {
            Some(why) => {
                RuntimeError::op("reach", node, format!("it runs on host {host}, whose engine does not answer: {why}"))
            }
            None => RuntimeError::op(
                "reach",
                node,
                format!("it runs on host {host}, whose engine is not in {ENGINES_ENV} (host=url,…)"),
            ),
        })
    }

    /// Every engine this runtime reaches, by host name.
    fn all_engines(&self) -> Vec<(&str, &DockerRuntime)> {
        std::iter::once((self.manager_host.as_str(), &self.local))
            .chain(self.engines.iter().map(|(h, e)| (h.as_str(), e)))
            .collect()
    }

    pub(crate) async fn service_exists(&self, name: &str) -> Result<bool> {
        match self.manager.inspect_service(name, None).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(false),
            Err(e) => Err(RuntimeError::op("inspect service", name, message(e))),
        }
    }

    /// The newest task of a service, with the host it is on.
    pub(crate) async fn task(&self, service: &str, hosts: &[Host]) -> Result<Option<TaskView>> {
        let filters = HashMap::from([("service".to_string(), vec![service.to_string()])]);
        let mut tasks = self
            .manager
            .list_tasks(Some(ListTasksOptionsBuilder::new().filters(&filters).build()))
            .await
            .map_err(|e| RuntimeError::op("list tasks of", service, message(e)))?;
        tasks.sort_by_key(|t| t.version.as_ref().and_then(|v| v.index).unwrap_or(0));
        Ok(tasks.pop().map(|t| {
            let status = t.status.unwrap_or_default();
            let container = status.container_status.unwrap_or_default();
            TaskView {
                host: t.node_id.and_then(|id| hosts.iter().find(|h| h.id == id).map(|h| h.hostname.clone())),
                state: status.state.unwrap_or(TaskState::NEW),
                desired_running: t.desired_state == Some(TaskState::RUNNING),
                container_id: container.container_id,
                exit_code: container.exit_code,
                message: [status.message, status.err].into_iter().flatten().collect::<Vec<_>>().join(": "),
            }
        }))
    }

    /// The engine and container id of a node's running task; a name that is no service is a
    /// container of the manager's own (a one-shot).
    async fn locate(&self, name: &str) -> Result<(&DockerRuntime, String)> {
        if !self.service_exists(name).await? {
            return Ok((&self.local, name.to_string()));
        }
        let hosts = self.hosts().await?;
        match self.task(name, &hosts).await? {
            Some(TaskView { host: Some(host), container_id: Some(id), .. }) => Ok((self.engine(&host, name)?, id)),
            _ => Err(RuntimeError::op("reach", name, "it has no task on any host (stopped, or not scheduled)")),
        }
    }

    fn ours(labels: &HashMap<String, String>) -> bool {
        labels.contains_key("com.docker.swarm.service.name")
    }
}

/// The state of a node from its service's task and its host.
pub(crate) fn node_state(task: Option<&TaskView>, host_ready: bool) -> ContainerState {
    let Some(t) = task else { return ContainerState::Created };
    if !host_ready {
        return ContainerState::Dead;
    }
    match t.state {
        TaskState::RUNNING if t.desired_running => ContainerState::Running,
        TaskState::RUNNING => ContainerState::Running,
        TaskState::NEW
        | TaskState::ALLOCATED
        | TaskState::PENDING
        | TaskState::ASSIGNED
        | TaskState::ACCEPTED
        | TaskState::PREPARING
        | TaskState::READY
        | TaskState::STARTING => ContainerState::Restarting,
        TaskState::REJECTED | TaskState::ORPHANED => ContainerState::Dead,
        _ => ContainerState::Exited,
    }
}

#[async_trait]
impl Runtime for SwarmRuntime {
    /// Present only when every ready host of the swarm has it (where no registry serves it).
    async fn image_present(&self, reference: &str) -> Result<bool> {
        if !self.local.image_present(reference).await? {
            return Ok(false);
        }
        if rules::registry_reference(reference) {
            return Ok(true);
        }
        self.check_image_everywhere(reference).await?;
        Ok(true)
    }

    async fn image_id(&self, reference: &str) -> Result<Option<String>> {
        self.local.image_id(reference).await
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
        self.local.build_image(tag, context, build_args, labels, host_network, progress).await?;
        if rules::registry_reference(tag) {
            return Ok(());
        }
        // Built on the manager only: the other hosts need it too, and cannot look it up.
        self.check_image_everywhere(tag).await
    }

    async fn pull_image(&self, reference: &str, progress: ProgressFn<'_>) -> Result<()> {
        self.local.pull_image(reference, progress).await
    }

    async fn ensure_network(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        self.overlay(name, labels).await
    }

    /// A service's volume is made on the host its task lands on, with the labels its mount gives.
    async fn ensure_volume(&self, _name: &str, _labels: &BTreeMap<String, String>) -> Result<()> {
        Ok(())
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<()> {
        if spec.share_network_of.is_some() || spec.network == super::NO_NETWORK {
            return self.local.create_container(spec).await;
        }
        self.create_service(spec).await
    }

    async fn start_container(&self, name: &str) -> Result<()> {
        if !self.service_exists(name).await? {
            return self.local.start_container(name).await;
        }
        self.scale(name, 1).await?;
        self.wait_running(name).await
    }

    async fn stop_container(&self, name: &str, timeout_secs: i64) -> Result<()> {
        if !self.service_exists(name).await? {
            return self.local.stop_container(name, timeout_secs).await;
        }
        self.scale(name, 0).await?;
        self.wait_stopped(name, timeout_secs + 30).await
    }

    async fn remove_container(&self, name: &str) -> Result<()> {
        if !self.service_exists(name).await? {
            return self.local.remove_container(name).await;
        }
        self.remove_service(name).await
    }

    async fn remove_network(&self, name: &str) -> Result<()> {
        self.remove_overlay(name).await
    }

    async fn remove_volume(&self, name: &str) -> Result<()> {
        self.remove_volume_everywhere(name).await
    }

    async fn containers(&self, labels: &[String]) -> Result<Vec<ContainerInfo>> {
        let filters = HashMap::from([("label".to_string(), labels.to_vec())]);
        let services = self
            .manager
            .list_services(Some(ListServicesOptionsBuilder::new().filters(&filters).build()))
            .await
            .map_err(|e| RuntimeError::op("list services", "", message(e)))?;
        let hosts = self.hosts().await?;
        let mut out = Vec::new();
        for s in services {
            let spec = s.spec.unwrap_or_default();
            let name = spec.name.clone().unwrap_or_default();
            let replicas = spec.mode.and_then(|m| m.replicated).and_then(|r| r.replicas).unwrap_or(0);
            let task = self.task(&name, &hosts).await?;
            let host = task.as_ref().and_then(|t| t.host.clone());
            let ready = host.as_ref().is_none_or(|h| hosts.iter().any(|x| &x.hostname == h && x.ready));
            let mut state = node_state(task.as_ref(), ready);
            if replicas == 0 && state != ContainerState::Created && ready {
                state = ContainerState::Exited;
            }
            let mut labels: BTreeMap<String, String> = spec.labels.unwrap_or_default().into_iter().collect();
            if let Some(h) = &host {
                labels.insert(HOST_LABEL.into(), if ready { h.clone() } else { format!("{h} (lost)") });
            }
            out.push(ContainerInfo {
                name,
                id: s.id.unwrap_or_default(),
                image: String::new(),
                state,
                exit_code: task.as_ref().and_then(|t| t.exit_code).filter(|_| state == ContainerState::Exited),
                labels,
                ports: vec![],
                addresses: BTreeMap::new(),
            });
        }
        // One-shot containers of the manager's own, not the tasks of services.
        for c in self.local.containers(labels).await? {
            if !Self::ours(&c.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()) {
                out.push(c);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn container_state(&self, name: &str) -> Result<Option<ContainerState>> {
        if !self.service_exists(name).await? {
            return self.local.container_state(name).await;
        }
        let all = self.containers(&[]).await?;
        Ok(all.into_iter().find(|c| c.name == name).map(|c| c.state))
    }

    async fn networks(&self, labels: &[String]) -> Result<Vec<ObjectInfo>> {
        self.local.networks(labels).await
    }

    async fn volumes(&self, labels: &[String]) -> Result<Vec<ObjectInfo>> {
        let mut out: Vec<ObjectInfo> = Vec::new();
        for (_, engine) in self.all_engines() {
            for v in engine.volumes(labels).await? {
                if !out.iter().any(|o| o.name == v.name) {
                    out.push(v);
                }
            }
        }
        Ok(out)
    }

    async fn exec(&self, container: &str, cmd: &[String], stdin: Option<Vec<u8>>) -> Result<ExecOutput> {
        let (engine, id) = self.locate(container).await?;
        engine.exec(&id, cmd, stdin).await
    }

    async fn logs(&self, container: &str, tail: usize) -> Result<String> {
        let (engine, id) = self.locate(container).await?;
        engine.logs(&id, tail).await
    }

    async fn kill_container(&self, name: &str, signal: &str) -> Result<()> {
        let (engine, id) = self.locate(name).await?;
        engine.kill_container(&id, signal).await
    }

    async fn pause_container(&self, name: &str) -> Result<()> {
        let (engine, id) = self.locate(name).await?;
        engine.pause_container(&id).await
    }

    async fn unpause_container(&self, name: &str) -> Result<()> {
        let (engine, id) = self.locate(name).await?;
        engine.unpause_container(&id).await
    }

    async fn wait_container(&self, name: &str) -> Result<i64> {
        let (engine, id) = self.locate(name).await?;
        engine.wait_container(&id).await
    }

    async fn put_files(&self, container: &str, dir: &str, files: &[FileEntry]) -> Result<()> {
        let (engine, id) = self.locate(container).await?;
        engine.put_files(&id, dir, files).await
    }

    async fn get_file(&self, container: &str, path: &str) -> Result<Vec<u8>> {
        let (engine, id) = self.locate(container).await?;
        engine.get_file(&id, path).await
    }

    async fn container_stats(&self, name: &str) -> Result<Option<ContainerStats>> {
        match self.locate(name).await {
            Ok((engine, id)) => engine.container_stats(&id).await,
            Err(_) => Ok(None),
        }
    }

    fn files_before_first_start(&self) -> bool {
        false
    }

    async fn check_specs(&self, specs: &[ContainerSpec]) -> Result<()> {
        let hosts = self.hosts().await?;
        for spec in specs.iter().filter(|s| s.share_network_of.is_none() && s.network != super::NO_NETWORK) {
            self.candidates(spec, &hosts)?;
        }
        Ok(())
    }

    fn follow_logs(&self, container: &str, tail: usize) -> BoxStream<'static, Result<String>> {
        // The service's log through the manager, whichever host the task is on.
        objects::follow_service_logs(&self.manager, container, tail)
    }
}

#[cfg(test)]
mod tests;
