//! The Swarm objects of a lab: its overlay network, a service per node with its configs and
//! secrets, and what waits for them to run, stop and go.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bollard::models::{
    ConfigSpec, EndpointSpec, EndpointSpecModeEnum, Mount, MountType, MountVolumeOptions, NetworkAttachmentConfig,
    NetworkCreateRequest, SecretSpec, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated, TaskSpec,
    TaskSpecContainerSpec, TaskSpecContainerSpecConfigs, TaskSpecContainerSpecFile, TaskSpecContainerSpecFile1,
    TaskSpecContainerSpecSecrets, TaskSpecPlacement, TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
    TaskState,
};
use bollard::query_parameters::{
    ListConfigsOptionsBuilder, ListSecretsOptionsBuilder, LogsOptionsBuilder, UpdateServiceOptionsBuilder,
};
use bollard::Docker;
use futures::stream::BoxStream;
use sha2::{Digest, Sha256};

use super::rules::{is_secret, placement_constraints, registry_reference, satisfies};
use super::{message, SwarmRuntime};
use crate::labels;
use crate::runtime::{ContainerSpec, Mount as LabMount, Result, Runtime, RuntimeError};

/// The label that ties a config or secret to its node's service.
const SERVICE_LABEL: &str = "antelope-lab.service";
fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

impl SwarmRuntime {
    /// Refuses, naming the host, when a host whose engine this runtime reaches lacks the image
    /// (where no registry serves it, each host must hold the same image).
    pub(super) async fn check_image_everywhere(&self, reference: &str) -> Result<()> {
        let want = self.local.image_id(reference).await?;
        let hosts = self.hosts().await?;
        for h in hosts.iter().filter(|h| h.ready) {
            let Ok(engine) = self.engine(&h.hostname, reference) else { continue };
            let have = engine.image_id(reference).await?;
            if have.is_none() || have != want {
                return Err(RuntimeError::op(
                    "use image",
                    reference,
                    format!(
                        "host {} of the swarm does not have it (no registry is configured: put it there with `docker save {reference} | docker -H <that host's engine> load`, or give a registry reference)",
                        h.hostname
                    ),
                ));
            }
        }
        Ok(())
    }

    pub(super) async fn overlay(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        if self.manager.inspect_network(name, None).await.is_err() {
            let request = NetworkCreateRequest {
                name: name.to_string(),
                driver: Some("overlay".into()),
                attachable: Some(true),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .chain([(labels::KIND.into(), "network".into())])
                        .collect(),
                ),
                ..Default::default()
            };
            self.manager
                .create_network(request)
                .await
                .map_err(|e| RuntimeError::op("create overlay network", name, message(e)))?;
        }
        Ok(())
    }

    pub(super) async fn remove_overlay(&self, name: &str) -> Result<()> {
        // The tasks' endpoints leave the network a moment after their services go.
        let start = Instant::now();
        loop {
            match self.manager.remove_network(name).await {
                Ok(()) => return Ok(()),
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => return Ok(()),
                Err(e) if start.elapsed() > Duration::from_secs(30) => {
                    return Err(RuntimeError::op("remove network", name, message(e)))
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
            }
        }
    }

    /// The ready hosts that satisfy a node's placement constraints; none is an error naming the
    /// node and its constraints.
    pub(super) fn candidates(&self, spec: &ContainerSpec, hosts: &[super::Host]) -> Result<Vec<String>> {
        let node = spec.labels.get(labels::NODE).cloned().unwrap_or_else(|| spec.name.clone());
        let constraints = placement_constraints(&spec.labels);
        if spec.labels.get(labels::ROLE).map(String::as_str) == Some("genesis") {
            // On the manager `lab` talks to: the boot runs cleos there.
            let manager = hosts.iter().find(|h| h.hostname == self.manager_host);
            let refused = manager.and_then(|m| constraints.iter().find(|c| satisfies(m, c) == Some(false)));
            if let Some(c) = refused {
                return Err(RuntimeError::op(
                    "place",
                    node,
                    format!("the genesis node runs on the manager {}, which does not satisfy `{c}`", self.manager_host),
                ));
            }
            return Ok(vec![self.manager_host.clone()]);
        }
        let mut candidates = Vec::new();
        for h in hosts.iter().filter(|h| h.ready) {
            let mut ok = true;
            for c in &constraints {
                match satisfies(h, c) {
                    Some(s) => ok &= s,
                    None => {
                        return Err(RuntimeError::op(
                            "place",
                            node,
                            format!("placement constraint `{c}` is not one of node.hostname, node.id, node.role, node.labels.<name> with == or !="),
                        ))
                    }
                }
            }
            if ok {
                candidates.push(h.hostname.clone());
            }
        }
        if candidates.is_empty() {
            return Err(RuntimeError::op(
                "place",
                node,
                format!("no ready host of the swarm satisfies its placement `{}`", constraints.join("; ")),
            ));
        }
        Ok(candidates)
    }

    /// The host a new node is pinned to: the genesis node on the manager; the others on the ready
    /// host that satisfies its constraints and holds fewest of the lab's nodes.
    async fn pin(&self, spec: &ContainerSpec) -> Result<String> {
        let hosts = self.hosts().await?;
        let candidates = self.candidates(spec, &hosts)?;
        if spec.labels.get(labels::ROLE).map(String::as_str) == Some("genesis") {
            // Not counted: the manager's share of the others is kept one smaller instead.
            return Ok(self.manager_host.clone());
        }
        let mut pinned = self.pinned.lock().expect("pin lock");
        pinned.entry(self.manager_host.clone()).or_insert(0);
        let host = candidates
            .iter()
            .min_by_key(|h| {
                (pinned.get(*h).copied().unwrap_or(0) + usize::from(**h == self.manager_host), (*h).clone())
            })
            .cloned()
            .expect("a candidate");
        *pinned.entry(host.clone()).or_insert(0) += 1;
        Ok(host)
    }

    /// The image as the service names it: a registry reference as it is, a local image by its ID.
    async fn service_image(&self, reference: &str) -> Result<String> {
        if registry_reference(reference) {
            return Ok(reference.to_string());
        }
        self.local
            .image_id(reference)
            .await?
            .ok_or_else(|| RuntimeError::op("use image", reference, "the manager's engine does not have it"))
    }

    pub(super) async fn create_service(&self, spec: &ContainerSpec) -> Result<()> {
        let host = self.pin(spec).await?;
        let image = self.service_image(&spec.image).await?;
        let mut obj_labels: HashMap<String, String> = spec.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        obj_labels.remove(labels::SPEC);
        obj_labels.insert(SERVICE_LABEL.into(), spec.name.clone());
        let mut mounts = Vec::new();
        let mut configs = Vec::new();
        let mut secrets = Vec::new();
        for m in &spec.mounts {
            match m {
                LabMount::BindReadOnly { source, target } => {
                    let mut entries: Vec<_> = std::fs::read_dir(source)
                        .map_err(|e| RuntimeError::op("read", source, e))?
                        .filter_map(|e| e.ok())
                        .filter(|e| e.path().is_file())
                        .collect();
                    entries.sort_by_key(|e| e.file_name());
                    for e in entries {
                        let file = e.file_name().to_string_lossy().into_owned();
                        let data = std::fs::read(e.path()).map_err(|err| RuntimeError::op("read", source, err))?;
                        let digest: String = Sha256::digest(&data).iter().take(6).map(|b| format!("{b:02x}")).collect();
                        let name = format!("{}-{}-{digest}", spec.name, file.replace('.', "-"));
                        let path = format!("{target}/{file}");
                        let mut l = obj_labels.clone();
                        l.insert(labels::KIND.into(), if is_secret(&data) { "secret" } else { "config" }.into());
                        if is_secret(&data) {
                            let id = self.secret(&name, &data, l).await?;
                            secrets.push(TaskSpecContainerSpecSecrets {
                                file: Some(TaskSpecContainerSpecFile {
                                    name: Some(path),
                                    uid: Some("0".into()),
                                    gid: Some("0".into()),
                                    mode: Some(0o400),
                                }),
                                secret_id: Some(id),
                                secret_name: Some(name),
                            });
                        } else {
                            let id = self.config(&name, &data, l).await?;
                            configs.push(TaskSpecContainerSpecConfigs {
                                file: Some(TaskSpecContainerSpecFile1 {
                                    name: Some(path),
                                    uid: Some("0".into()),
                                    gid: Some("0".into()),
                                    mode: Some(0o444),
                                }),
                                config_id: Some(id),
                                config_name: Some(name),
                                ..Default::default()
                            });
                        }
                    }
                }
                LabMount::Volume { name, target, read_only } => {
                    let mut l = obj_labels.clone();
                    l.insert(labels::KIND.into(), "volume".into());
                    mounts.push(Mount {
                        target: Some(target.clone()),
                        source: Some(name.clone()),
                        typ: Some(MountType::VOLUME),
                        read_only: Some(*read_only),
                        volume_options: Some(MountVolumeOptions { labels: Some(l), ..Default::default() }),
                        ..Default::default()
                    });
                }
            }
        }
        let mut constraints = vec![format!("node.hostname == {host}")];
        constraints.extend(placement_constraints(&spec.labels));
        let mut container_labels = obj_labels.clone();
        container_labels.insert(labels::KIND.into(), "container".into());
        // `spec.cpu_shares` is not carried: a service has CPU shares only through a CPU
        // reservation, which would also hold back the scheduler, and on a swarm the nodes spread
        // over hosts instead of contending for one machine's cores.
        let service = ServiceSpec {
            name: Some(spec.name.clone()),
            labels: Some(spec.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            task_template: Some(TaskSpec {
                container_spec: Some(TaskSpecContainerSpec {
                    image: Some(image),
                    labels: Some(container_labels),
                    command: Some(spec.entrypoint.clone()),
                    args: Some(spec.cmd.clone()),
                    hostname: Some(spec.hostname.clone()),
                    env: Some(spec.env.clone()),
                    mounts: Some(mounts),
                    stop_grace_period: Some(spec.stop_timeout * 1_000_000_000),
                    secrets: Some(secrets),
                    configs: Some(configs),
                    init: Some(true),
                    capability_add: (!spec.cap_add.is_empty()).then(|| spec.cap_add.clone()),
                    ..Default::default()
                }),
                // A node that exits stays exited, as on a single engine: `lab` decides what follows.
                restart_policy: Some(TaskSpecRestartPolicy {
                    condition: Some(TaskSpecRestartPolicyConditionEnum::NONE),
                    ..Default::default()
                }),
                placement: Some(TaskSpecPlacement { constraints: Some(constraints), ..Default::default() }),
                networks: Some(vec![NetworkAttachmentConfig {
                    target: Some(spec.network.clone()),
                    aliases: Some(vec![spec.hostname.clone()]),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            mode: Some(ServiceSpecMode {
                replicated: Some(ServiceSpecModeReplicated { replicas: Some(0) }),
                ..Default::default()
            }),
            // No virtual IP: the kernel may have no IPVS; nodes find each other by DNS.
            endpoint_spec: Some(EndpointSpec { mode: Some(EndpointSpecModeEnum::DNSRR), ..Default::default() }),
            ..Default::default()
        };
        self.manager
            .create_service(service, None)
            .await
            .map(|_| ())
            .map_err(|e| RuntimeError::op("create service", &spec.name, message(e)))
    }

    async fn config(&self, name: &str, data: &[u8], labels: HashMap<String, String>) -> Result<String> {
        let filters = HashMap::from([("name".to_string(), vec![name.to_string()])]);
        let existing =
            self.manager.list_configs(Some(ListConfigsOptionsBuilder::new().filters(&filters).build())).await;
        if let Some(c) = existing
            .ok()
            .and_then(|l| l.into_iter().find(|c| c.spec.as_ref().and_then(|s| s.name.as_deref()) == Some(name)))
        {
            return Ok(c.id.unwrap_or_default());
        }
        let spec =
            ConfigSpec { name: Some(name.into()), labels: Some(labels), data: Some(b64(data)), ..Default::default() };
        self.manager
            .create_config(spec)
            .await
            .map(|r| r.id)
            .map_err(|e| RuntimeError::op("create config", name, message(e)))
    }

    async fn secret(&self, name: &str, data: &[u8], labels: HashMap<String, String>) -> Result<String> {
        let filters = HashMap::from([("name".to_string(), vec![name.to_string()])]);
        let existing =
            self.manager.list_secrets(Some(ListSecretsOptionsBuilder::new().filters(&filters).build())).await;
        if let Some(c) = existing
            .ok()
            .and_then(|l| l.into_iter().find(|c| c.spec.as_ref().and_then(|s| s.name.as_deref()) == Some(name)))
        {
            return Ok(c.id.unwrap_or_default());
        }
        let spec =
            SecretSpec { name: Some(name.into()), labels: Some(labels), data: Some(b64(data)), ..Default::default() };
        self.manager
            .create_secret(spec)
            .await
            .map(|r| r.id)
            .map_err(|e| RuntimeError::op("create secret", name, message(e)))
    }

    pub(super) async fn scale(&self, name: &str, replicas: i64) -> Result<()> {
        let service = self
            .manager
            .inspect_service(name, None)
            .await
            .map_err(|e| RuntimeError::op("inspect service", name, message(e)))?;
        let version = service.version.and_then(|v| v.index).unwrap_or(0);
        let mut spec = service.spec.unwrap_or_default();
        spec.mode = Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated { replicas: Some(replicas) }),
            ..Default::default()
        });
        let options = UpdateServiceOptionsBuilder::new().version(version as i32).build();
        self.manager.update_service(name, spec, options, None).await.map(|_| ()).map_err(|e| {
            RuntimeError::op(if replicas > 0 { "start service" } else { "stop service" }, name, message(e))
        })
    }

    /// Waits until the service's task runs; a task the swarm cannot place or start is an error
    /// naming the node, its host or constraints, and the swarm's reason.
    pub(super) async fn wait_running(&self, name: &str) -> Result<()> {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < Duration::from_secs(120) {
            let hosts = self.hosts().await?;
            if let Some(t) = self.task(name, &hosts).await? {
                match t.state {
                    TaskState::RUNNING => return Ok(()),
                    TaskState::REJECTED | TaskState::FAILED | TaskState::COMPLETE | TaskState::SHUTDOWN
                        if t.desired_running || t.state == TaskState::REJECTED =>
                    {
                        return Err(RuntimeError::op(
                            "start service",
                            name,
                            format!(
                                "its task on host {} ended ({}): {}",
                                t.host.unwrap_or_default(),
                                t.state,
                                t.message
                            ),
                        ))
                    }
                    TaskState::PENDING if t.message.contains("no suitable node") => {
                        let constraints = self.constraints_of(name).await.unwrap_or_default();
                        return Err(RuntimeError::op(
                            "place",
                            name,
                            format!("the swarm cannot schedule it under `{}`: {}", constraints.join("; "), t.message),
                        ));
                    }
                    _ => last = format!("{} {}", t.state, t.message),
                }
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        Err(RuntimeError::op("start service", name, format!("its task did not run within 120 s (last: {last})")))
    }

    async fn constraints_of(&self, name: &str) -> Option<Vec<String>> {
        let service = self.manager.inspect_service(name, None).await.ok()?;
        service.spec?.task_template?.placement?.constraints
    }

    pub(super) async fn wait_stopped(&self, name: &str, secs: i64) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(secs.max(1) as u64) {
            let hosts = self.hosts().await?;
            match self.task(name, &hosts).await? {
                Some(t) if t.state == TaskState::RUNNING || t.desired_running => {}
                _ => return Ok(()),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(RuntimeError::op("stop service", name, format!("its task still runs after {secs} s")))
    }

    /// Removes a node's service, then its configs and secrets.
    pub(super) async fn remove_service(&self, name: &str) -> Result<()> {
        match self.manager.delete_service(name).await {
            Ok(()) | Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {}
            Err(e) => return Err(RuntimeError::op("remove service", name, message(e))),
        }
        let filters = HashMap::from([("label".to_string(), vec![format!("{SERVICE_LABEL}={name}")])]);
        // A config or secret is in use until the task's container is gone.
        let start = Instant::now();
        loop {
            let configs = self
                .manager
                .list_configs(Some(ListConfigsOptionsBuilder::new().filters(&filters).build()))
                .await
                .map_err(|e| RuntimeError::op("list configs of", name, message(e)))?;
            let secrets = self
                .manager
                .list_secrets(Some(ListSecretsOptionsBuilder::new().filters(&filters).build()))
                .await
                .map_err(|e| RuntimeError::op("list secrets of", name, message(e)))?;
            if configs.is_empty() && secrets.is_empty() {
                return Ok(());
            }
            let mut failed = None;
            for c in configs {
                if let Err(e) = self.manager.delete_config(&c.id.unwrap_or_default()).await {
                    failed = Some(message(e));
                }
            }
            for s in secrets {
                if let Err(e) = self.manager.delete_secret(&s.id.unwrap_or_default()).await {
                    failed = Some(message(e));
                }
            }
            if let Some(e) = failed {
                if start.elapsed() > Duration::from_secs(30) {
                    return Err(RuntimeError::op("remove configs and secrets of", name, e));
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    }

    /// Removes a volume from every host this runtime reaches; one still held by a task's
    /// container that is going away is asked again.
    pub(super) async fn remove_volume_everywhere(&self, name: &str) -> Result<()> {
        for (host, engine) in self.all_engines() {
            let start = Instant::now();
            loop {
                match engine.remove_volume(name).await {
                    Ok(()) => break,
                    Err(e) if start.elapsed() > Duration::from_secs(30) => {
                        return Err(RuntimeError::op("remove volume", format!("{name} on {host}"), e))
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
                }
            }
        }
        Ok(())
    }
}

/// A service's log, following, through the manager.
pub fn follow_service_logs(manager: &Docker, service: &str, tail: usize) -> BoxStream<'static, Result<String>> {
    let options = LogsOptionsBuilder::new().stdout(true).stderr(true).follow(true).tail(&tail.to_string()).build();
    crate::runtime::docker::log_text(manager.service_logs(service, Some(options)), service)
}
