//! The lab's nodes started, stopped, crashed and frozen, through the handle: the rules of what a
//! node's end does to the faults recorded for it live here, not in the command line.

use std::time::Duration;

use futures::stream::BoxStream;

use super::Lab;
use super::Result;
use crate::orchestrator::{self, StartReport};
use crate::plan::NodePlan;
use crate::runtime::RuntimeError;

impl Lab {
    /// The nodes named (every node when `nodes` is empty and `all_when_empty`), in the plan's
    /// order; an unknown name is an error listing the lab's nodes, before anything is done.
    pub(super) fn nodes_named<S: AsRef<str>>(&self, nodes: &[S], all_when_empty: bool) -> Result<Vec<&NodePlan>> {
        let names: Vec<String> = nodes.iter().map(|n| n.as_ref().to_string()).collect();
        Ok(orchestrator::select(&self.plan, &names, all_when_empty)?)
    }

    /// One node by name, as [`Lab::nodes_named`] resolves it.
    pub(super) fn node_named(&self, node: &str) -> Result<&NodePlan> {
        Ok(self.nodes_named(&[node], false)?[0])
    }

    /// Forgets the faults of nodes whose process ended: their rules lived in their network
    /// namespace, which the engine tore down with the process.
    fn forget_faults(&self, nodes: &[&NodePlan]) -> Result<()> {
        Ok(self.state.forget_faults(&nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>())?)
    }

    /// Stops nodes cleanly (every node when `nodes` is empty); they keep their chain. Returns the
    /// nodes that were running and are stopped now.
    pub async fn stop<S: AsRef<str>>(&self, nodes: &[S]) -> Result<Vec<String>> {
        let nodes = self.nodes_named(nodes, true)?;
        let stopped = orchestrator::stop(self.rt.as_ref(), &self.plan, &nodes, &self.printer).await?;
        self.forget_faults(&nodes)?;
        Ok(stopped)
    }

    /// Starts nodes (every node when `nodes` is empty): a node that stopped cleanly starts with
    /// its chain, one that crashed is restored from a snapshot of a healthy node, each waited for
    /// until it answers, at most `timeout`.
    pub async fn start<S: AsRef<str>>(&self, nodes: &[S], timeout: Duration) -> Result<StartReport> {
        let nodes = self.nodes_named(nodes, true)?;
        Ok(orchestrator::start(self.rt.as_ref(), &self.plan, &nodes, timeout, &self.printer).await?)
    }

    /// Stops nodes cleanly, then starts them ([`Lab::stop`], [`Lab::start`]).
    pub async fn restart<S: AsRef<str>>(&self, nodes: &[S], timeout: Duration) -> Result<StartReport> {
        let nodes = self.nodes_named(nodes, false)?;
        orchestrator::stop(self.rt.as_ref(), &self.plan, &nodes, &self.printer).await?;
        self.forget_faults(&nodes)?;
        Ok(orchestrator::start(self.rt.as_ref(), &self.plan, &nodes, timeout, &self.printer).await?)
    }

    /// Sends running nodes a signal (`KILL`, `SIGKILL`, `9`, …): `KILL` is a crash, which
    /// [`Lab::start`] recovers from. Returns the signal's name as sent.
    pub async fn kill<S: AsRef<str>>(&self, nodes: &[S], signal: &str) -> Result<String> {
        let signal = orchestrator::parse_signal(signal)?;
        let nodes = self.nodes_named(nodes, false)?;
        orchestrator::kill(self.rt.as_ref(), &self.plan, &nodes, &signal).await?;
        self.forget_faults(&nodes)?;
        Ok(signal)
    }

    /// Freezes running nodes' processes (they keep their connections and answer nothing).
    pub async fn pause<S: AsRef<str>>(&self, nodes: &[S]) -> Result<()> {
        let nodes = self.nodes_named(nodes, false)?;
        Ok(orchestrator::pause(self.rt.as_ref(), &self.plan, &nodes).await?)
    }

    /// Resumes paused nodes.
    pub async fn unpause<S: AsRef<str>>(&self, nodes: &[S]) -> Result<()> {
        let nodes = self.nodes_named(nodes, false)?;
        Ok(orchestrator::unpause(self.rt.as_ref(), &self.plan, &nodes).await?)
    }

    /// A node's log from its last `tail` lines on, as it grows (until the container ends).
    pub async fn follow_logs(
        &self,
        node: &str,
        tail: usize,
    ) -> Result<BoxStream<'static, Result<String, RuntimeError>>> {
        let container = self.created_container(node).await?;
        Ok(self.rt.follow_logs(&container, tail))
    }

    /// The last `tail` lines of a node's log.
    pub async fn logs(&self, node: &str, tail: usize) -> Result<String> {
        let container = self.created_container(node).await?;
        Ok(self.rt.logs(&container, tail).await?)
    }

    /// The container of node `node`, which the engine must have (running or not).
    async fn created_container(&self, node: &str) -> Result<String> {
        let container = self.node_named(node)?.container.clone();
        if self.rt.container_state(&container).await?.is_none() {
            return Err(super::Error::msg(format!("{node} has no container; `lab up` creates it")));
        }
        Ok(container)
    }
}
