//! An in-memory [`Runtime`]: containers, networks, volumes and images as plain data, exec answered
//! by scripts the test gives, and every call recorded. It lets `up`, `down` and the boot be tested
//! without Docker, in milliseconds; the Docker tests then only need to prove the real engine
//! behaves the same.
//!
//! It keeps the engine's rules that callers depend on: a container needs its image and network to
//! be created, only a running container takes an exec, a network with running containers and a
//! volume in use cannot be removed, and label filters select as Docker's do.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use antelope_lab::runtime::fake::{Call, FakeRuntime};
//! use antelope_lab::runtime::{ExecOutput, Runtime};
//!
//! let rt = FakeRuntime::new();
//! rt.on_exec(|call| call.script().starts_with("cleos get info").then(|| ExecOutput::ok("{}")));
//! # rt.add_image("img");
//! # rt.ensure_network("net", &Default::default()).await.unwrap();
//! # let spec = antelope_lab::runtime::ContainerSpec {
//! #     name: "lab-genesis".into(), hostname: "genesis".into(), image: "img".into(), network: "net".into(),
//! #     entrypoint: vec![], cmd: vec![], env: vec![], labels: Default::default(), mounts: vec![],
//! #     ports: vec![], stop_timeout: 1,
//! # };
//! # rt.create_container(&spec).await.unwrap();
//! # rt.start_container("lab-genesis").await.unwrap();
//! let cmd = ["cleos".to_string(), "get".into(), "info".into()];
//! assert_eq!(rt.exec("lab-genesis", &cmd, None).await.unwrap().stdout, "{}");
//! assert!(rt.calls().contains(&Call::Exec("lab-genesis".into())));
//! assert_eq!(rt.execs()[0].script(), "cleos get info");
//! # });
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::StreamExt;

use super::{
    ContainerInfo, ContainerSpec, ContainerState, ExecOutput, Mount, ObjectInfo, ProgressFn, Result, Runtime,
    RuntimeError,
};
use crate::labels;

/// One exec the fake was asked to run.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecCall {
    pub container: String,
    pub cmd: Vec<String>,
    pub stdin: Option<Vec<u8>>,
}

impl ExecCall {
    /// The command line, its words joined by spaces: what a handler usually matches on.
    pub fn script(&self) -> String {
        self.cmd.join(" ")
    }

    /// What was written to the command's standard input, as text; empty when nothing was.
    pub fn stdin_text(&self) -> String {
        self.stdin.as_deref().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default()
    }
}

/// One call of the [`Runtime`] trait, naming its target, in the order the calls were made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    ImagePresent(String),
    BuildImage(String),
    PullImage(String),
    EnsureNetwork(String),
    EnsureVolume(String),
    CreateContainer(String),
    StartContainer(String),
    StopContainer(String),
    RemoveContainer(String),
    RemoveNetwork(String),
    RemoveVolume(String),
    /// The label filters asked for.
    Containers(Vec<String>),
    ContainerState(String),
    Networks(Vec<String>),
    Volumes(Vec<String>),
    /// The container; [`FakeRuntime::execs`] has the command.
    Exec(String),
    Logs(String),
    FollowLogs(String),
}

impl Call {
    /// The name of the trait method, as [`FakeRuntime::fail_next`] takes it.
    pub fn op(&self) -> &'static str {
        match self {
            Call::ImagePresent(_) => "image_present",
            Call::BuildImage(_) => "build_image",
            Call::PullImage(_) => "pull_image",
            Call::EnsureNetwork(_) => "ensure_network",
            Call::EnsureVolume(_) => "ensure_volume",
            Call::CreateContainer(_) => "create_container",
            Call::StartContainer(_) => "start_container",
            Call::StopContainer(_) => "stop_container",
            Call::RemoveContainer(_) => "remove_container",
            Call::RemoveNetwork(_) => "remove_network",
            Call::RemoveVolume(_) => "remove_volume",
            Call::Containers(_) => "containers",
            Call::ContainerState(_) => "container_state",
            Call::Networks(_) => "networks",
            Call::Volumes(_) => "volumes",
            Call::Exec(_) => "exec",
            Call::Logs(_) => "logs",
            Call::FollowLogs(_) => "follow_logs",
        }
    }

    /// Whether the call changes something (creates, starts, stops, removes, builds, pulls, execs).
    pub fn mutates(&self) -> bool {
        !matches!(
            self,
            Call::ImagePresent(_)
                | Call::Containers(_)
                | Call::ContainerState(_)
                | Call::Networks(_)
                | Call::Volumes(_)
                | Call::Logs(_)
                | Call::FollowLogs(_)
        )
    }
}

/// The trait methods and the words the Docker runtime's errors use for them.
const OPS: [(&str, &str); 18] = [
    ("image_present", "inspect image"),
    ("build_image", "build image"),
    ("pull_image", "pull image"),
    ("ensure_network", "create network"),
    ("ensure_volume", "create volume"),
    ("create_container", "create container"),
    ("start_container", "start container"),
    ("stop_container", "stop container"),
    ("remove_container", "remove container"),
    ("remove_network", "remove network"),
    ("remove_volume", "remove volume"),
    ("containers", "list containers"),
    ("container_state", "inspect container"),
    ("networks", "list networks"),
    ("volumes", "list volumes"),
    ("exec", "exec in"),
    ("logs", "read logs of"),
    ("follow_logs", "follow logs of"),
];

type ExecHandler = Arc<dyn Fn(&ExecCall) -> Option<ExecOutput> + Send + Sync>;

/// A failure a test asked for: a message (made into the error Docker would give) or an error.
enum Failure {
    Message(String),
    Error(RuntimeError),
}

struct FakeContainer {
    spec: ContainerSpec,
    id: String,
    state: ContainerState,
    exit_code: Option<i64>,
}

#[derive(Default)]
struct State {
    /// In creation order.
    containers: Vec<FakeContainer>,
    networks: BTreeMap<String, BTreeMap<String, String>>,
    volumes: BTreeMap<String, BTreeMap<String, String>>,
    images: BTreeSet<String>,
    /// Image references whose build or pull fails, with the message.
    failing_images: HashMap<String, String>,
    failures: HashMap<&'static str, VecDeque<Failure>>,
    logs: HashMap<String, String>,
    calls: Vec<Call>,
    execs: Vec<ExecCall>,
    next_id: u64,
}

impl State {
    fn container(&self, name: &str) -> Option<&FakeContainer> {
        self.containers.iter().find(|c| c.spec.name == name)
    }

    fn container_mut(&mut self, name: &str) -> Option<&mut FakeContainer> {
        self.containers.iter_mut().find(|c| c.spec.name == name)
    }
}

/// An in-memory container engine. See the [module documentation](self).
#[derive(Default)]
pub struct FakeRuntime {
    state: Mutex<State>,
    /// Newest last; tried newest first.
    handlers: Mutex<Vec<ExecHandler>>,
}

/// Whether `labels` pass every filter: `key=value` needs that value, `key` only the key, as the
/// Docker API's `label` filters do.
pub fn labels_match(labels: &BTreeMap<String, String>, filters: &[String]) -> bool {
    filters.iter().all(|f| match f.split_once('=') {
        Some((key, value)) => labels.get(key).is_some_and(|v| v == value),
        None => labels.contains_key(f.as_str()),
    })
}

/// The entry of `OPS` for a method name; a name that is none is a mistake in the test.
fn op_entry(op: &str) -> (&'static str, &'static str) {
    OPS.into_iter()
        .find(|(name, _)| *name == op)
        .unwrap_or_else(|| panic!("fake runtime: no operation {op:?} (one of {})", OPS.map(|(n, _)| n).join(", ")))
}

fn with_kind(labels: &BTreeMap<String, String>, kind: &str) -> BTreeMap<String, String> {
    let mut labels = labels.clone();
    labels.insert(labels::KIND.into(), kind.into());
    labels
}

fn no_such_container(op: &'static str, target: impl Into<String>, name: &str) -> RuntimeError {
    RuntimeError::op(op, target, format!("No such container: {name}"))
}

impl FakeRuntime {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock has failed already; its data is still good.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the call, then fails it if the test asked for that.
    fn enter(&self, call: Call, target: &str) -> Result<()> {
        let op = call.op();
        let mut state = self.lock();
        state.calls.push(call);
        match state.failures.get_mut(op).and_then(VecDeque::pop_front) {
            None => Ok(()),
            Some(Failure::Error(e)) => Err(e),
            Some(Failure::Message(message)) => Err(match op {
                "build_image" => RuntimeError::Build { tag: target.into(), message },
                "pull_image" => RuntimeError::Pull { reference: target.into(), message },
                _ => RuntimeError::op(op_entry(op).1, target, message),
            }),
        }
    }

    // ---- what the test controls

    /// Makes an image present.
    pub fn add_image(&self, reference: impl Into<String>) {
        self.lock().images.insert(reference.into());
    }

    /// Makes a build or pull of `reference` fail with `message`.
    pub fn fail_image(&self, reference: impl Into<String>, message: impl Into<String>) {
        self.lock().failing_images.insert(reference.into(), message.into());
    }

    /// Sets a container's state, as if its process had started, died or been stopped.
    /// `exit_code` is kept only for the states of a process that ended (`exited`, `dead`).
    ///
    /// Panics when there is no such container: the test set up something else than it meant.
    pub fn set_state(&self, name: &str, state: ContainerState, exit_code: Option<i64>) {
        let mut s = self.lock();
        let c = s.container_mut(name).unwrap_or_else(|| panic!("fake runtime: no container {name:?}"));
        c.state = state;
        c.exit_code = exit_code.filter(|_| matches!(state, ContainerState::Exited | ContainerState::Dead));
    }

    /// The text `logs` and `follow_logs` give for a container.
    pub fn set_logs(&self, container: &str, text: impl Into<String>) {
        self.lock().logs.insert(container.into(), text.into());
    }

    /// Makes the next call of `op` (a [`Runtime`] method name: `"start_container"`, `"exec"`, …)
    /// fail with `message`, in the error the Docker runtime gives for it. Calls queue up.
    pub fn fail_next(&self, op: &str, message: impl Into<String>) {
        self.lock().failures.entry(op_entry(op).0).or_default().push_back(Failure::Message(message.into()));
    }

    /// Makes the next call of `op` fail with `error` (say, [`RuntimeError::Connect`]).
    pub fn fail_next_with(&self, op: &str, error: RuntimeError) {
        self.lock().failures.entry(op_entry(op).0).or_default().push_back(Failure::Error(error));
    }

    /// Answers execs: the newest handler that returns `Some` gives the output. An exec no handler
    /// answers exits 127 with a message naming it.
    pub fn on_exec(&self, handler: impl Fn(&ExecCall) -> Option<ExecOutput> + Send + Sync + 'static) {
        self.handlers.lock().unwrap_or_else(|e| e.into_inner()).push(Arc::new(handler));
    }

    // ---- what the test reads

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The calls so far that change something (see [`Call::mutates`]).
    pub fn changes(&self) -> Vec<Call> {
        self.lock().calls.iter().filter(|c| c.mutates()).cloned().collect()
    }

    /// Every exec so far, in order, answered or not.
    pub fn execs(&self) -> Vec<ExecCall> {
        self.lock().execs.clone()
    }

    /// Forgets the calls and execs so far (after setting a scene through the trait).
    pub fn clear_calls(&self) {
        let mut s = self.lock();
        s.calls.clear();
        s.execs.clear();
    }

    /// The spec a container was created from.
    pub fn spec(&self, name: &str) -> Option<ContainerSpec> {
        self.lock().container(name).map(|c| c.spec.clone())
    }

    pub fn has_image(&self, reference: &str) -> bool {
        self.lock().images.contains(reference)
    }

    fn info(c: &FakeContainer) -> ContainerInfo {
        ContainerInfo {
            name: c.spec.name.clone(),
            id: c.id.clone(),
            image: c.spec.image.clone(),
            state: c.state,
            exit_code: c.exit_code,
            labels: with_kind(&c.spec.labels, "container"),
            // The engine lists published ports of running containers only.
            ports: if c.state == ContainerState::Running {
                c.spec.ports.iter().map(|p| (p.container_port, p.host_port)).collect()
            } else {
                Vec::new()
            },
        }
    }

    fn tail(text: &str, lines: usize) -> String {
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].iter().map(|l| format!("{l}\n")).collect()
    }
}

#[async_trait]
impl Runtime for FakeRuntime {
    async fn image_present(&self, reference: &str) -> Result<bool> {
        self.enter(Call::ImagePresent(reference.into()), reference)?;
        Ok(self.has_image(reference))
    }

    async fn build_image(
        &self,
        tag: &str,
        _context: Vec<u8>,
        _build_args: BTreeMap<String, String>,
        _labels: BTreeMap<String, String>,
        progress: ProgressFn<'_>,
    ) -> Result<()> {
        self.enter(Call::BuildImage(tag.into()), tag)?;
        progress(&format!("fake build of {tag}"));
        let mut s = self.lock();
        if let Some(message) = s.failing_images.get(tag) {
            return Err(RuntimeError::Build { tag: tag.into(), message: message.clone() });
        }
        s.images.insert(tag.into());
        Ok(())
    }

    async fn pull_image(&self, reference: &str, progress: ProgressFn<'_>) -> Result<()> {
        self.enter(Call::PullImage(reference.into()), reference)?;
        progress(&format!("fake pull of {reference}"));
        let mut s = self.lock();
        if let Some(message) = s.failing_images.get(reference) {
            return Err(RuntimeError::Pull { reference: reference.into(), message: message.clone() });
        }
        s.images.insert(reference.into());
        Ok(())
    }

    async fn ensure_network(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        self.enter(Call::EnsureNetwork(name.into()), name)?;
        self.lock().networks.entry(name.into()).or_insert_with(|| with_kind(labels, "network"));
        Ok(())
    }

    async fn ensure_volume(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        self.enter(Call::EnsureVolume(name.into()), name)?;
        self.lock().volumes.entry(name.into()).or_insert_with(|| with_kind(labels, "volume"));
        Ok(())
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<()> {
        let name = spec.name.as_str();
        self.enter(Call::CreateContainer(name.into()), name)?;
        let mut s = self.lock();
        let refuse = |message: String| Err(RuntimeError::op("create container", name, message));
        if s.container(name).is_some() {
            return refuse(format!("Conflict. The container name \"/{name}\" is already in use"));
        }
        if !s.images.contains(&spec.image) {
            return refuse(format!("No such image: {}", spec.image));
        }
        if !s.networks.contains_key(&spec.network) {
            return refuse(format!("network {} not found", spec.network));
        }
        // The engine creates a named volume a container mounts, without labels, if it is missing.
        for m in &spec.mounts {
            if let Mount::Volume { name, .. } = m {
                s.volumes.entry(name.clone()).or_default();
            }
        }
        s.next_id += 1;
        let id = format!("{:064x}", s.next_id);
        s.containers.push(FakeContainer { spec: spec.clone(), id, state: ContainerState::Created, exit_code: None });
        Ok(())
    }

    async fn start_container(&self, name: &str) -> Result<()> {
        self.enter(Call::StartContainer(name.into()), name)?;
        let mut s = self.lock();
        let c = s.container_mut(name).ok_or_else(|| no_such_container("start container", name, name))?;
        c.state = ContainerState::Running;
        c.exit_code = None;
        Ok(())
    }

    async fn stop_container(&self, name: &str, _timeout_secs: i64) -> Result<()> {
        self.enter(Call::StopContainer(name.into()), name)?;
        let mut s = self.lock();
        if let Some(c) = s.container_mut(name).filter(|c| c.state == ContainerState::Running) {
            c.state = ContainerState::Exited;
            c.exit_code = Some(0);
        }
        Ok(())
    }

    async fn remove_container(&self, name: &str) -> Result<()> {
        self.enter(Call::RemoveContainer(name.into()), name)?;
        self.lock().containers.retain(|c| c.spec.name != name);
        Ok(())
    }

    async fn remove_network(&self, name: &str) -> Result<()> {
        self.enter(Call::RemoveNetwork(name.into()), name)?;
        let mut s = self.lock();
        if s.containers.iter().any(|c| c.spec.network == name && c.state == ContainerState::Running) {
            return Err(RuntimeError::op("remove network", name, format!("network {name} has active endpoints")));
        }
        s.networks.remove(name);
        Ok(())
    }

    async fn remove_volume(&self, name: &str) -> Result<()> {
        self.enter(Call::RemoveVolume(name.into()), name)?;
        let mut s = self.lock();
        let users: Vec<String> = s
            .containers
            .iter()
            .filter(|c| c.spec.mounts.iter().any(|m| matches!(m, Mount::Volume { name: v, .. } if v == name)))
            .map(|c| c.id.clone())
            .collect();
        if !users.is_empty() {
            let message = format!("remove {name}: volume is in use - [{}]", users.join(", "));
            return Err(RuntimeError::op("remove volume", name, message));
        }
        s.volumes.remove(name);
        Ok(())
    }

    async fn containers(&self, filters: &[String]) -> Result<Vec<ContainerInfo>> {
        self.enter(Call::Containers(filters.to_vec()), "")?;
        Ok(self.lock().containers.iter().map(Self::info).filter(|c| labels_match(&c.labels, filters)).collect())
    }

    async fn container_state(&self, name: &str) -> Result<Option<ContainerState>> {
        self.enter(Call::ContainerState(name.into()), name)?;
        Ok(self.lock().container(name).map(|c| c.state))
    }

    async fn networks(&self, filters: &[String]) -> Result<Vec<ObjectInfo>> {
        self.enter(Call::Networks(filters.to_vec()), "")?;
        let s = self.lock();
        let found = s.networks.iter().filter(|(_, labels)| labels_match(labels, filters));
        Ok(found.map(|(name, labels)| ObjectInfo { name: name.clone(), labels: labels.clone() }).collect())
    }

    async fn volumes(&self, filters: &[String]) -> Result<Vec<ObjectInfo>> {
        self.enter(Call::Volumes(filters.to_vec()), "")?;
        let s = self.lock();
        let found = s.volumes.iter().filter(|(_, labels)| labels_match(labels, filters));
        Ok(found.map(|(name, labels)| ObjectInfo { name: name.clone(), labels: labels.clone() }).collect())
    }

    async fn exec(&self, container: &str, cmd: &[String], stdin: Option<Vec<u8>>) -> Result<ExecOutput> {
        let call = ExecCall { container: container.into(), cmd: cmd.to_vec(), stdin };
        let what = format!("{container}: {}", call.script());
        self.lock().execs.push(call.clone());
        self.enter(Call::Exec(container.into()), &what)?;
        match self.lock().container(container) {
            None => return Err(no_such_container("exec in", what, container)),
            Some(c) if c.state != ContainerState::Running => {
                return Err(RuntimeError::op("exec in", what, format!("Container {} is not running", c.id)))
            }
            Some(_) => {}
        }
        // Handlers run without the lock held: one may well look at the fake.
        let handlers = self.handlers.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Ok(handlers.iter().rev().find_map(|h| h(&call)).unwrap_or_else(|| ExecOutput {
            code: 127,
            stdout: String::new(),
            stderr: format!("fake runtime: no scripted answer for {what}"),
        }))
    }

    async fn logs(&self, container: &str, tail: usize) -> Result<String> {
        self.enter(Call::Logs(container.into()), container)?;
        let s = self.lock();
        if s.container(container).is_none() {
            return Err(no_such_container("read logs of", container, container));
        }
        Ok(Self::tail(s.logs.get(container).map(String::as_str).unwrap_or_default(), tail))
    }

    /// The log's last `tail` lines; then the stream ends, as if the container had stopped.
    fn follow_logs(&self, container: &str, tail: usize) -> BoxStream<'static, Result<String>> {
        let result = self.enter(Call::FollowLogs(container.into()), container).and_then(|()| {
            let s = self.lock();
            match s.container(container) {
                None => Err(no_such_container("follow logs of", container, container)),
                Some(_) => Ok(Self::tail(s.logs.get(container).map(String::as_str).unwrap_or_default(), tail)),
            }
        });
        futures::stream::iter([result]).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, labels: &[(&str, &str)]) -> ContainerSpec {
        ContainerSpec {
            name: name.into(),
            hostname: name.into(),
            image: "img".into(),
            network: "net".into(),
            entrypoint: vec![],
            cmd: vec![],
            env: vec![],
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            mounts: vec![Mount::Volume { name: format!("{name}-data"), target: "/data".into(), read_only: false }],
            ports: vec![],
            stop_timeout: 1,
        }
    }

    /// A fake with an image, a network and the named containers, created and not started.
    async fn scene(containers: &[ContainerSpec]) -> FakeRuntime {
        let rt = FakeRuntime::new();
        rt.add_image("img");
        rt.ensure_network("net", &BTreeMap::new()).await.unwrap();
        for c in containers {
            rt.create_container(c).await.unwrap();
        }
        rt.clear_calls();
        rt
    }

    fn names(list: &[ContainerInfo]) -> Vec<&str> {
        list.iter().map(|c| c.name.as_str()).collect()
    }

    #[tokio::test]
    async fn label_filters_select_as_dockers_do() {
        let rt =
            scene(&[spec("a", &[("lab", "x"), ("role", "genesis")]), spec("b", &[("lab", "y")]), spec("c", &[])]).await;
        assert_eq!(names(&rt.containers(&[]).await.unwrap()), ["a", "b", "c"]);
        assert_eq!(names(&rt.containers(&["lab".into()]).await.unwrap()), ["a", "b"]);
        assert_eq!(names(&rt.containers(&["lab=y".into()]).await.unwrap()), ["b"]);
        assert_eq!(names(&rt.containers(&["lab=x".into(), "role=genesis".into()]).await.unwrap()), ["a"]);
        assert!(rt.containers(&["lab=x".into(), "role=producer".into()]).await.unwrap().is_empty());
        assert!(rt.containers(&["lab=".into()]).await.unwrap().is_empty());
        // Like the engine, the runtime marks what it creates with its kind.
        assert_eq!(names(&rt.containers(&[format!("{}=container", labels::KIND)]).await.unwrap()).len(), 3);
        let labels = BTreeMap::from([("lab".to_string(), "x".to_string())]);
        rt.ensure_volume("v", &labels).await.unwrap();
        let volumes = rt.volumes(&["lab=x".into()]).await.unwrap();
        assert_eq!(volumes.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["v"]);
        assert!(rt.networks(&["lab=x".into()]).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn containers_go_from_created_to_running_to_exited_to_gone() {
        let rt = scene(&[spec("a", &[])]).await;
        let state = |rt: &FakeRuntime| rt.lock().container("a").map(|c| (c.state, c.exit_code));
        assert_eq!(state(&rt), Some((ContainerState::Created, None)));
        rt.start_container("a").await.unwrap();
        assert_eq!(rt.container_state("a").await.unwrap(), Some(ContainerState::Running));
        rt.stop_container("a", 1).await.unwrap();
        assert_eq!(state(&rt), Some((ContainerState::Exited, Some(0))));
        rt.set_state("a", ContainerState::Exited, Some(137));
        assert_eq!(rt.containers(&[]).await.unwrap()[0].exit_code, Some(137));
        rt.start_container("a").await.unwrap();
        assert_eq!(state(&rt), Some((ContainerState::Running, None)));
        rt.remove_container("a").await.unwrap();
        assert_eq!(rt.container_state("a").await.unwrap(), None);
        let calls = rt.calls();
        assert_eq!(calls[0], Call::StartContainer("a".into()));
        assert_eq!(rt.changes().last(), Some(&Call::RemoveContainer("a".into())));
    }

    #[tokio::test]
    async fn the_engines_refusals_are_kept() {
        let rt = scene(&[spec("a", &[])]).await;
        let err = rt.create_container(&spec("a", &[])).await.unwrap_err().to_string();
        assert!(err.contains("already in use"), "{err}");
        let mut other = spec("b", &[]);
        other.image = "missing".into();
        assert!(rt.create_container(&other).await.unwrap_err().to_string().contains("No such image: missing"));
        rt.start_container("a").await.unwrap();
        assert!(rt.remove_network("net").await.is_err(), "a running container holds the network");
        assert!(rt.remove_volume("a-data").await.is_err(), "a container uses the volume");
        rt.remove_container("a").await.unwrap();
        rt.remove_volume("a-data").await.unwrap();
        rt.remove_network("net").await.unwrap();
        assert!(rt.start_container("a").await.unwrap_err().to_string().contains("No such container: a"));
    }

    #[tokio::test]
    async fn exec_answers_come_from_the_newest_handler_that_answers() {
        let rt = scene(&[spec("a", &[])]).await;
        rt.start_container("a").await.unwrap();
        rt.on_exec(|c| c.script().starts_with("cleos").then(|| ExecOutput::ok("old")));
        rt.on_exec(|c| (c.script() == "cleos get info").then(|| ExecOutput::ok("new")));
        rt.on_exec(|c| (c.stdin_text() == "secret").then(|| ExecOutput::failed(2, "bad")));
        let run = |cmd: &str, stdin: Option<&str>| {
            let cmd: Vec<String> = cmd.split(' ').map(String::from).collect();
            let stdin = stdin.map(|s| s.as_bytes().to_vec());
            let rt = &rt;
            async move { rt.exec("a", &cmd, stdin).await.unwrap() }
        };
        assert_eq!(run("cleos get info", None).await.stdout, "new");
        assert_eq!(run("cleos get block 1", None).await.stdout, "old");
        assert_eq!(run("cleos get info", Some("secret")).await.code, 2);
        let unanswered = run("ls /", None).await;
        assert_eq!(unanswered.code, 127);
        assert!(unanswered.stderr.contains("no scripted answer for a: ls /"), "{}", unanswered.stderr);
        let execs = rt.execs();
        assert_eq!(execs.len(), 4);
        assert_eq!(execs[2].stdin_text(), "secret");
        assert_eq!(execs[3].cmd, ["ls", "/"]);
    }

    #[tokio::test]
    async fn an_exec_needs_a_running_container() {
        let rt = scene(&[spec("a", &[])]).await;
        rt.on_exec(|_| Some(ExecOutput::ok("")));
        let err = rt.exec("a", &["true".into()], None).await.unwrap_err().to_string();
        assert!(err.starts_with("exec in a: true: Container ") && err.ends_with(" is not running"), "{err}");
        let err = rt.exec("b", &["true".into()], None).await.unwrap_err().to_string();
        assert_eq!(err, "exec in b: true: No such container: b");
    }

    #[tokio::test]
    async fn failures_come_when_asked_once_each() {
        let rt = scene(&[spec("a", &[])]).await;
        rt.fail_next("start_container", "out of memory");
        rt.fail_next_with("containers", RuntimeError::Connect("refused".into()));
        let err = rt.start_container("a").await.unwrap_err().to_string();
        assert_eq!(err, "start container a: out of memory");
        assert!(matches!(rt.containers(&[]).await, Err(RuntimeError::Connect(_))));
        rt.start_container("a").await.unwrap();
        assert_eq!(rt.containers(&[]).await.unwrap().len(), 1);
        rt.fail_image("base", "manifest unknown");
        assert!(rt.pull_image("base", &|_| {}).await.is_err());
        assert!(!rt.has_image("base"));
        rt.pull_image("other", &|_| {}).await.unwrap();
        assert!(rt.image_present("other").await.unwrap());
    }

    #[test]
    #[should_panic(expected = "no operation \"start\"")]
    fn an_unknown_operation_name_is_a_mistake() {
        FakeRuntime::new().fail_next("start", "x");
    }

    #[tokio::test]
    async fn logs_are_what_the_test_set() {
        let rt = scene(&[spec("a", &[])]).await;
        rt.set_logs("a", "one\ntwo\nthree\n");
        assert_eq!(rt.logs("a", 2).await.unwrap(), "two\nthree\n");
        let followed: Vec<String> = rt.follow_logs("a", 1).map(|r| r.unwrap()).collect().await;
        assert_eq!(followed, ["three\n"]);
        assert!(rt.logs("b", 2).await.is_err());
    }
}
