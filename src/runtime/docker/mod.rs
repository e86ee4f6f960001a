//! [`Runtime`] over the Docker Engine API, through bollard: networks, volumes, containers, exec and
//! logs here; building and pulling images in `image`.

mod control;
mod exec;
mod image;
mod stats;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, Mount as DockerMount, MountType, NetworkCreateRequest,
    NetworkingConfig, PortBinding, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
    LogsOptionsBuilder, RemoveContainerOptionsBuilder, RemoveVolumeOptionsBuilder, StopContainerOptionsBuilder,
};
use bollard::Docker;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use super::{
    ContainerInfo, ContainerSpec, ContainerState, ContainerStats, ExecOutput, Mount, ObjectInfo, ProgressFn, Result,
    Runtime, RuntimeError,
};

pub struct DockerRuntime {
    docker: Docker,
    /// Reached through a local socket (`unix://`): see [`Runtime::publishes_here`].
    local: bool,
}

fn not_found(e: &BollardError) -> bool {
    matches!(e, BollardError::DockerResponseServerError { status_code: 404, .. })
}

fn conflict(e: &BollardError) -> bool {
    matches!(e, BollardError::DockerResponseServerError { status_code: 409, .. })
}

/// How long a network's removal waits for the endpoints of removed containers to go.
const ENDPOINT_RELEASE: std::time::Duration = std::time::Duration::from_secs(10);

/// The engine refusing to remove a network something is still attached to.
fn active_endpoints(e: &BollardError) -> bool {
    matches!(e, BollardError::DockerResponseServerError { status_code: 403, message } if message.contains("active endpoints"))
}

/// How the engine says a host port a container publishes is held by another process.
const PORT_TAKEN: &[&str] = &["port is already allocated", "address already in use"];

pub(super) fn message(e: BollardError) -> String {
    match e {
        BollardError::DockerResponseServerError { message, .. } => message,
        // An error the engine reports inside a build or pull stream (its `errorDetail`).
        BollardError::DockerStreamError { error } => error,
        other => other.to_string(),
    }
}

/// The engine's name of a state as ours. Newer engines say `stopping` for a container on its way
/// down: it runs until it has stopped. A state the engine does not name is none we could use.
fn container_state(name: &str) -> ContainerState {
    match name {
        "stopping" => ContainerState::Running,
        other => ContainerState::from_engine(other).unwrap_or(ContainerState::Dead),
    }
}

/// The exit code in a container list's status line, `Exited (137) 5 seconds ago`: the list has no
/// field of its own for it.
fn exit_code_from_status(status: &str) -> Option<i64> {
    let rest = status.strip_prefix("Exited (")?;
    rest[..rest.find(')')?].parse().ok()
}

fn label_filters(labels: &[String]) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), labels.to_vec())])
}

impl DockerRuntime {
    /// Connects to the engine (DOCKER_HOST or the local socket) and agrees on an API version
    /// both sides speak: engines as old as API 1.41 are in use.
    pub async fn connect() -> Result<Self> {
        let docker = Docker::connect_with_local_defaults().map_err(|e| RuntimeError::Connect(e.to_string()))?;
        let docker = docker.negotiate_version().await.map_err(|e| RuntimeError::Connect(e.to_string()))?;
        docker.ping().await.map_err(|e| RuntimeError::Connect(e.to_string()))?;
        // bollard's local defaults: DOCKER_HOST when set, else the local socket.
        let local = std::env::var("DOCKER_HOST").map_or(true, |h| h.is_empty() || h.starts_with("unix://"));
        Ok(DockerRuntime { docker, local })
    }

    /// Connects to the engine at `url` (`unix:///…` or `tcp://…`), as [`DockerRuntime::connect`].
    pub async fn connect_to(url: &str) -> Result<Self> {
        let docker = if let Some(path) = url.strip_prefix("unix://") {
            Docker::connect_with_unix(path, 120, bollard::API_DEFAULT_VERSION)
        } else {
            Docker::connect_with_http(url, 120, bollard::API_DEFAULT_VERSION)
        }
        .map_err(|e| RuntimeError::Connect(format!("{url}: {e}")))?;
        let docker = docker.negotiate_version().await.map_err(|e| RuntimeError::Connect(format!("{url}: {e}")))?;
        docker.ping().await.map_err(|e| RuntimeError::Connect(format!("{url}: {e}")))?;
        Ok(DockerRuntime { docker, local: url.starts_with("unix://") })
    }

    /// What is attached to a network, by container name, for an error that names it.
    async fn network_holders(&self, network: &str) -> String {
        match self.docker.inspect_network(network, None).await {
            Ok(n) => {
                let mut names: Vec<String> = n
                    .containers
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(id, e)| e.name.unwrap_or_else(|| id.chars().take(12).collect()))
                    .collect();
                names.sort();
                if names.is_empty() {
                    "no container the engine lists".into()
                } else {
                    names.join(", ")
                }
            }
            Err(e) => format!("(inspect failed: {})", message(e)),
        }
    }

    /// The engine's client, for the swarm runtime's own requests.
    pub(crate) fn client(&self) -> &Docker {
        &self.docker
    }
}

#[async_trait]
impl Runtime for DockerRuntime {
    async fn image_present(&self, reference: &str) -> Result<bool> {
        match self.docker.inspect_image(reference).await {
            Ok(_) => Ok(true),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(RuntimeError::op("inspect image", reference, message(e))),
        }
    }

    async fn image_id(&self, reference: &str) -> Result<Option<String>> {
        match self.docker.inspect_image(reference).await {
            Ok(image) => Ok(image.id),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(RuntimeError::op("inspect image", reference, message(e))),
        }
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
        self.build(tag, context, build_args, labels, host_network, progress).await
    }

    async fn pull_image(&self, reference: &str, progress: ProgressFn<'_>) -> Result<()> {
        self.pull(reference, progress).await
    }

    async fn ensure_network(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        match self.docker.inspect_network(name, None).await {
            Ok(_) => return Ok(()),
            Err(e) if not_found(&e) => {}
            Err(e) => return Err(RuntimeError::op("inspect network", name, message(e))),
        }
        let options = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".to_string()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .chain([(crate::labels::KIND.into(), "network".into())])
                    .collect(),
            ),
            ..Default::default()
        };
        match self.docker.create_network(options).await {
            // Engines before API 1.44 make a second network of the same name unless the request
            // asks them to check (`CheckDuplicate`, which bollard's request no longer carries),
            // and warn. Another `up` made it between our inspect and create: use that one.
            Ok(created) if created.warning.contains("already exists") => self
                .docker
                .remove_network(&created.id)
                .await
                .map_err(|e| RuntimeError::op("remove duplicate network", name, message(e))),
            Ok(_) => Ok(()),
            Err(e) if conflict(&e) => Ok(()),
            Err(e) => Err(RuntimeError::op("create network", name, message(e))),
        }
    }

    async fn ensure_volume(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        match self.docker.inspect_volume(name).await {
            Ok(_) => return Ok(()),
            Err(e) if not_found(&e) => {}
            Err(e) => return Err(RuntimeError::op("inspect volume", name, message(e))),
        }
        let options = VolumeCreateRequest {
            name: Some(name.to_string()),
            driver: Some("local".to_string()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .chain([(crate::labels::KIND.into(), "volume".into())])
                    .collect(),
            ),
            ..Default::default()
        };
        self.docker
            .create_volume(options)
            .await
            .map(|_| ())
            .map_err(|e| RuntimeError::op("create volume", name, message(e)))
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<()> {
        let _span = tracing::info_span!("create", container = %spec.name);
        let mounts = spec
            .mounts
            .iter()
            .map(|m| match m {
                Mount::BindReadOnly { source, target } => DockerMount {
                    typ: Some(MountType::BIND),
                    source: Some(source.clone()),
                    target: Some(target.clone()),
                    read_only: Some(true),
                    ..Default::default()
                },
                Mount::Volume { name, target, read_only } => DockerMount {
                    typ: Some(MountType::VOLUME),
                    source: Some(name.clone()),
                    target: Some(target.clone()),
                    read_only: Some(*read_only),
                    ..Default::default()
                },
            })
            .collect();
        let mut exposed = Vec::new();
        let mut bindings = HashMap::new();
        for p in &spec.ports {
            let key = format!("{}/tcp", p.container_port);
            exposed.push(key.clone());
            bindings.insert(
                key,
                Some(vec![PortBinding { host_ip: Some(p.host_ip.clone()), host_port: Some(p.host_port.to_string()) }]),
            );
        }
        let mut labels: HashMap<String, String> = spec.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        labels.insert(crate::labels::KIND.into(), "container".into());
        // A helper in another container's network namespace has no network, hostname or ports
        // of its own.
        let shared = spec.share_network_of.as_ref().map(|c| format!("container:{c}"));
        // A one-shot container that needs no network at all (asking an image its version): the
        // engine refuses network aliases outside user-defined networks.
        let shared = shared.or_else(|| (spec.network == super::NO_NETWORK).then(|| super::NO_NETWORK.to_string()));
        let networking_config = match shared {
            Some(_) => None,
            None => Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    spec.network.clone(),
                    EndpointSettings { aliases: Some(vec![spec.hostname.clone()]), ..Default::default() },
                )])),
            }),
        };
        let config = ContainerCreateBody {
            hostname: shared.is_none().then(|| spec.hostname.clone()),
            image: Some(spec.image.clone()),
            entrypoint: Some(spec.entrypoint.clone()),
            cmd: Some(spec.cmd.clone()),
            env: Some(spec.env.clone()),
            labels: Some(labels),
            exposed_ports: Some(exposed),
            stop_timeout: Some(spec.stop_timeout),
            host_config: Some(HostConfig {
                mounts: Some(mounts),
                port_bindings: Some(bindings),
                // An init process reaps what `docker exec` leaves behind (keosd, cleos) and
                // passes SIGTERM on to nodeos.
                init: Some(true),
                network_mode: shared,
                cap_add: (!spec.cap_add.is_empty()).then(|| spec.cap_add.clone()),
                cpu_shares: spec.cpu_shares,
                ..Default::default()
            }),
            networking_config,
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::new().name(&spec.name).build();
        self.docker
            .create_container(Some(options), config)
            .await
            .map(|_| ())
            .map_err(|e| RuntimeError::op("create container", &spec.name, message(e)))
    }

    async fn start_container(&self, name: &str) -> Result<()> {
        let _span = tracing::info_span!("start", container = %name);
        match self.docker.start_container(name, None).await {
            Ok(()) => Ok(()),
            // 304: already started.
            Err(BollardError::DockerResponseServerError { status_code: 304, .. }) => Ok(()),
            Err(e) => {
                let message = message(e);
                // The one place the engine's words are read: how it says a published port is held.
                if PORT_TAKEN.iter().any(|t| message.contains(t)) {
                    Err(RuntimeError::PortTaken { target: name.to_string(), message })
                } else {
                    Err(RuntimeError::op("start container", name, message))
                }
            }
        }
    }

    async fn stop_container(&self, name: &str, timeout_secs: i64) -> Result<()> {
        let t = i32::try_from(timeout_secs).unwrap_or(i32::MAX);
        match self.docker.stop_container(name, Some(StopContainerOptionsBuilder::new().t(t).build())).await {
            Ok(()) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            Err(BollardError::DockerResponseServerError { status_code: 304, .. }) => Ok(()),
            Err(e) => Err(RuntimeError::op("stop container", name, message(e))),
        }
    }

    async fn remove_container(&self, name: &str) -> Result<()> {
        let options = RemoveContainerOptionsBuilder::new().force(true).v(false).link(false).build();
        match self.docker.remove_container(name, Some(options)).await {
            Ok(()) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            // 409 "removal already in progress": a second `lab down` racing the first.
            Err(e) if conflict(&e) => Ok(()),
            Err(e) => Err(RuntimeError::op("remove container", name, message(e))),
        }
    }

    async fn remove_network(&self, name: &str) -> Result<()> {
        // A container's endpoint can outlive the container's removal by a moment (seen once: the
        // engine refused "has active endpoints" right after every container on it was removed).
        // Wait that out; what still holds the network after it is named in the error.
        let start = std::time::Instant::now();
        loop {
            match self.docker.remove_network(name).await {
                Ok(()) => return Ok(()),
                Err(e) if not_found(&e) => return Ok(()),
                Err(e) if active_endpoints(&e) && start.elapsed() < ENDPOINT_RELEASE => {
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                Err(e) if active_endpoints(&e) => {
                    let holders = self.network_holders(name).await;
                    return Err(RuntimeError::op(
                        "remove network",
                        name,
                        format!("{}; attached: {holders}", message(e)),
                    ));
                }
                Err(e) => return Err(RuntimeError::op("remove network", name, message(e))),
            }
        }
    }

    async fn remove_volume(&self, name: &str) -> Result<()> {
        match self.docker.remove_volume(name, Some(RemoveVolumeOptionsBuilder::new().force(true).build())).await {
            Ok(()) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            Err(e) => Err(RuntimeError::op("remove volume", name, message(e))),
        }
    }

    async fn containers(&self, labels: &[String]) -> Result<Vec<ContainerInfo>> {
        let options = ListContainersOptionsBuilder::new().all(true).filters(&label_filters(labels)).build();
        let list = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|e| RuntimeError::op("list containers", "", message(e)))?;
        Ok(list
            .into_iter()
            .map(|c| {
                let state = container_state(&c.state.map(|s| s.to_string()).unwrap_or_default());
                let exit_code = match state {
                    ContainerState::Exited | ContainerState::Dead => {
                        c.status.as_deref().and_then(exit_code_from_status)
                    }
                    _ => None,
                };
                ContainerInfo {
                    name: c
                        .names
                        .unwrap_or_default()
                        .first()
                        .map(|n| n.trim_start_matches('/').to_string())
                        .unwrap_or_default(),
                    id: c.id.unwrap_or_default(),
                    image: c.image.unwrap_or_default(),
                    state,
                    exit_code,
                    labels: c.labels.unwrap_or_default().into_iter().collect(),
                    ports: c
                        .ports
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|p| Some((p.private_port, p.public_port?)))
                        .collect(),
                    addresses: c
                        .network_settings
                        .and_then(|n| n.networks)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|(net, e)| Some((net, e.ip_address.filter(|ip| !ip.is_empty())?)))
                        .collect(),
                }
            })
            .collect())
    }

    async fn container_state(&self, name: &str) -> Result<Option<ContainerState>> {
        match self.docker.inspect_container(name, None).await {
            Ok(c) => {
                Ok(Some(container_state(&c.state.and_then(|s| s.status).map(|s| s.to_string()).unwrap_or_default())))
            }
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(RuntimeError::op("inspect container", name, message(e))),
        }
    }

    async fn networks(&self, labels: &[String]) -> Result<Vec<ObjectInfo>> {
        let options = ListNetworksOptionsBuilder::new().filters(&label_filters(labels)).build();
        let list = self
            .docker
            .list_networks(Some(options))
            .await
            .map_err(|e| RuntimeError::op("list networks", "", message(e)))?;
        Ok(list
            .into_iter()
            .map(|n| ObjectInfo {
                name: n.name.unwrap_or_default(),
                labels: n.labels.unwrap_or_default().into_iter().collect(),
            })
            .collect())
    }

    async fn volumes(&self, labels: &[String]) -> Result<Vec<ObjectInfo>> {
        let options = ListVolumesOptionsBuilder::new().filters(&label_filters(labels)).build();
        let list = self
            .docker
            .list_volumes(Some(options))
            .await
            .map_err(|e| RuntimeError::op("list volumes", "", message(e)))?;
        Ok(list
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| ObjectInfo { name: v.name, labels: v.labels.into_iter().collect() })
            .collect())
    }

    async fn exec(&self, container: &str, cmd: &[String], stdin: Option<Vec<u8>>) -> Result<ExecOutput> {
        let _span = tracing::info_span!("exec", container = %container, what = %super::exec_summary(cmd));
        self.run_exec(container, cmd, stdin).await
    }

    async fn logs(&self, container: &str, tail: usize) -> Result<String> {
        let options = LogsOptionsBuilder::new().stdout(true).stderr(true).tail(&tail.to_string()).build();
        let chunks: Vec<LogOutput> = self
            .docker
            .logs(container, Some(options))
            .try_collect()
            .await
            .map_err(|e| RuntimeError::op("read logs of", container, message(e)))?;
        Ok(chunks.into_iter().map(|c| String::from_utf8_lossy(&c.into_bytes()).into_owned()).collect())
    }

    async fn kill_container(&self, name: &str, signal: &str) -> Result<()> {
        self.kill(name, signal).await
    }

    async fn pause_container(&self, name: &str) -> Result<()> {
        self.pause(name, true).await
    }

    async fn unpause_container(&self, name: &str) -> Result<()> {
        self.pause(name, false).await
    }

    async fn wait_container(&self, name: &str) -> Result<i64> {
        self.wait(name).await
    }

    async fn container_stats(&self, name: &str) -> Result<Option<ContainerStats>> {
        self.stats(name).await
    }

    async fn put_files(&self, container: &str, dir: &str, files: &[super::FileEntry]) -> Result<()> {
        self.upload(container, dir, files).await
    }

    async fn get_file(&self, container: &str, path: &str) -> Result<Vec<u8>> {
        self.download(container, path).await
    }

    fn follow_logs(&self, container: &str, tail: usize) -> BoxStream<'static, Result<String>> {
        let options = LogsOptionsBuilder::new().stdout(true).stderr(true).follow(true).tail(&tail.to_string()).build();
        log_text(self.docker.logs(container, Some(options)), container)
    }

    fn publishes_here(&self) -> bool {
        self.local
    }
}

/// A followed log (a container's, or a swarm service's) as text, its errors naming `name`.
pub(super) fn log_text(
    log: impl futures::Stream<Item = std::result::Result<bollard::container::LogOutput, BollardError>> + Send + 'static,
    name: &str,
) -> BoxStream<'static, Result<String>> {
    let name = name.to_string();
    log.map(move |c| {
        c.map(|c| String::from_utf8_lossy(&c.into_bytes()).into_owned())
            .map_err(|e| RuntimeError::op("follow logs of", name.clone(), message(e)))
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_the_engine_names_are_ours() {
        assert_eq!(container_state("running"), ContainerState::Running);
        assert_eq!(container_state("exited"), ContainerState::Exited);
        assert_eq!(container_state("stopping"), ContainerState::Running);
        assert_eq!(container_state(""), ContainerState::Dead);
    }

    #[test]
    fn the_exit_code_is_read_from_the_status_line() {
        assert_eq!(exit_code_from_status("Exited (137) 5 seconds ago"), Some(137));
        assert_eq!(exit_code_from_status("Exited (0) About a minute ago"), Some(0));
        assert_eq!(exit_code_from_status("Exited (-1) 2 hours ago"), Some(-1));
        assert_eq!(exit_code_from_status("Up 3 minutes"), None);
        assert_eq!(exit_code_from_status("Created"), None);
    }
}
