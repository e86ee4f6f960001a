//! The engine's objects as plain data: containers, networks, volumes, images, and the failures and
//! calls a test set up or made.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::{Call, ExecCall};
use crate::labels;
use crate::runtime::{ContainerSpec, ContainerState, ContainerStats, RuntimeError};

/// A failure a test asked for: a message (made into the error Docker would give) or an error.
pub(super) enum Failure {
    Message(String),
    Error(RuntimeError),
}

pub(super) struct FakeContainer {
    pub(super) spec: ContainerSpec,
    pub(super) id: String,
    pub(super) state: ContainerState,
    pub(super) exit_code: Option<i64>,
    /// The networks it is attached to (its spec's, until connected or disconnected).
    pub(super) networks: BTreeSet<String>,
    /// Files written into it, by absolute path (volumes are not shared between containers here).
    pub(super) files: BTreeMap<String, Vec<u8>>,
}

#[derive(Default)]
pub(super) struct State {
    /// In creation order.
    pub(super) containers: Vec<FakeContainer>,
    pub(super) networks: BTreeMap<String, BTreeMap<String, String>>,
    pub(super) volumes: BTreeMap<String, BTreeMap<String, String>>,
    pub(super) images: BTreeSet<String>,
    /// Image references whose build or pull fails, with the message.
    pub(super) failing_images: HashMap<String, String>,
    pub(super) failures: HashMap<&'static str, VecDeque<Failure>>,
    pub(super) logs: HashMap<String, String>,
    /// Resource counters a test set, by container.
    pub(super) stats: HashMap<String, ContainerStats>,
    pub(super) calls: Vec<Call>,
    pub(super) execs: Vec<ExecCall>,
    pub(super) next_id: u64,
    /// What [`super::super::Runtime::publishes_here`] answers (false unless a test sets it).
    pub(super) publishes_here: bool,
}

impl State {
    pub(super) fn container(&self, name: &str) -> Option<&FakeContainer> {
        self.containers.iter().find(|c| c.spec.name == name)
    }

    pub(super) fn container_mut(&mut self, name: &str) -> Option<&mut FakeContainer> {
        self.containers.iter_mut().find(|c| c.spec.name == name)
    }
}

pub(super) fn with_kind(labels: &BTreeMap<String, String>, kind: &str) -> BTreeMap<String, String> {
    let mut labels = labels.clone();
    labels.insert(labels::KIND.into(), kind.into());
    labels
}
