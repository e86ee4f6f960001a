//! What a test sets (images, states, logs, failures, exec answers) and reads (calls, execs, specs).

use std::collections::VecDeque;
use std::sync::{Arc, MutexGuard};

use super::calls::op_entry;
use super::state::{with_kind, Failure, FakeContainer, State};
use super::{Call, ExecCall, FakeRuntime};
use crate::runtime::Runtime;
use crate::runtime::{ContainerInfo, ContainerSpec, ContainerState, ContainerStats, ExecOutput, Result, RuntimeError};

impl FakeRuntime {
    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock has failed already; its data is still good.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the call, then fails it if the test asked for that.
    pub(super) fn enter(&self, call: Call, target: &str) -> Result<()> {
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

    /// The spec of a plain container `name`: image `img`, network `net`, nothing else.
    pub fn plain_spec(name: &str) -> ContainerSpec {
        ContainerSpec {
            name: name.into(),
            hostname: name.into(),
            image: "img".into(),
            network: "net".into(),
            entrypoint: vec![],
            cmd: vec![],
            env: vec![],
            labels: Default::default(),
            mounts: vec![],
            ports: vec![],
            stop_timeout: 1,
            share_network_of: None,
            cap_add: vec![],
            cpu_shares: None,
        }
    }

    /// A running container of [`Self::plain_spec`], its image and network made as needed: for a
    /// test that only needs something to exec in.
    pub async fn run_plain(&self, name: &str) {
        self.add_image("img");
        self.ensure_network("net", &Default::default()).await.expect("fake network");
        self.create_container(&Self::plain_spec(name)).await.expect("fake create");
        self.start_container(name).await.expect("fake start");
    }

    /// Makes a build or pull of `reference` fail with `message`.
    pub fn fail_image(&self, reference: impl Into<String>, message: impl Into<String>) {
        self.lock().failing_images.insert(reference.into(), message.into());
    }

    /// Sets the counters `container_stats` answers for a container while it runs (zeros until set).
    pub fn set_stats(&self, name: &str, stats: ContainerStats) {
        self.lock().stats.insert(name.into(), stats);
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

    /// Says that the containers' published ports are on this host (a local engine's answer).
    pub fn set_publishes_here(&self, here: bool) {
        self.lock().publishes_here = here;
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

    pub(super) fn info(c: &FakeContainer) -> ContainerInfo {
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
            // One address per network, made from the container's id, as the engine gives a
            // running container.
            addresses: if c.state == ContainerState::Running {
                let n = u64::from_str_radix(&c.id[48..], 16).unwrap_or(0);
                c.networks.iter().map(|net| (net.clone(), format!("10.0.{}.{}", n / 250, 2 + n % 250))).collect()
            } else {
                Default::default()
            },
        }
    }

    pub(super) fn tail(text: &str, lines: usize) -> String {
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].iter().map(|l| format!("{l}\n")).collect()
    }
}
