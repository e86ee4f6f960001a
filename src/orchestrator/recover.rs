//! Bringing back a node that died uncleanly.
//!
//! nodeos marks its state database dirty while it runs and clears the mark on a clean shutdown;
//! killed, it finds the mark at the next start, logs `database dirty flag set (likely due to
//! unclean shutdown): replay required` and exits. `lab` does not replay: it gives the node a fresh
//! snapshot of a healthy node instead, and the node syncs the last few blocks from its peers.
//! A snapshot restores in the same few seconds however long the chain is, where a replay
//! re-executes every block since genesis, and on a laptop that replay competes for the same cores
//! as the producers still making blocks.
//!
//! A history node is the exception: a snapshot would leave a gap in its state history, and nodeos
//! refuses to replay from genesis into an existing one, so it drops its chain and history and
//! syncs again from block 1 off the genesis node, whose block log holds every block.

use std::time::{Duration, Instant};

use super::snapshot::snapshot_at_head;
use crate::client::NodeClient;
use crate::plan::{NetworkPlan, NodePlan, Role, DATA_MOUNT, RESTORE_SNAPSHOT, RESYNC_MARKER};
use crate::runtime::health::{describe, dirty, down_reason, health, Health};
use crate::runtime::{ContainerInfo, FileEntry, Runtime};

#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error(
        "{node}: cannot be restored, no other node of lab `{lab}` is running and answering to take a \
         snapshot from (`lab start` the others first)"
    )]
    NoHealthyNode { node: String, lab: String },
    #[error("{node}: recovery failed at {step}: {detail}")]
    Failed { node: String, step: &'static str, detail: String },
}

/// What a recovery did, said in one line by its `Display`.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// The node restored.
    pub node: String,
    /// Why it needed one: its exit code, the dirty flag in its log.
    pub reason: String,
    /// The node the snapshot came from; for a resync, the node whose head it caught up with.
    pub source: String,
    /// The snapshot's block; for a resync, that head.
    pub block: u64,
    /// Whether the node synced the chain again from block 1 instead (a history node: a snapshot
    /// would leave a gap in its state history).
    pub resynced: bool,
    /// How long it took.
    pub elapsed: Duration,
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (node, reason, secs) = (&self.node, &self.reason, self.elapsed.as_secs_f64());
        if self.resynced {
            write!(f, "{node}: {reason}; synced again from block 1 (state history whole) up to the head of {}, block {}, in {secs:.1}s", self.source, self.block)
        } else {
            write!(
                f,
                "{node}: {reason}; restored from a snapshot of {} at block {} in {secs:.1}s",
                self.source, self.block
            )
        }
    }
}

/// Whether a node's container needs a recovery before it can start: it crashed (an unclean exit
/// code), or its log's end shows nodeos refusing a dirty database. Pure.
pub fn needs_recovery(c: &ContainerInfo, log_tail: &str) -> bool {
    match health(c) {
        Health::Crashed => true,
        Health::Stopped => dirty(log_tail),
        _ => false,
    }
}

/// Why, in words: `database dirty after an unclean shutdown (crashed, exit code 137)`. A process
/// ended by a signal (exit code above 128) had its database open, and nodeos clears the dirty
/// mark only when it closes it. Pure.
pub fn reason(c: &ContainerInfo, log_tail: &str) -> String {
    let by_signal = c.exit_code.is_some_and(|code| code > 128);
    let what =
        if dirty(log_tail) || by_signal { "database dirty after an unclean shutdown" } else { "ended uncleanly" };
    format!("{what} ({})", describe(c).replacen(" (", ", ", 1).trim_end_matches(')'))
}

/// Restores `node` from a snapshot of a healthy node of the lab and starts it; returns once it
/// answers at the head its source had when it started. `skip` are nodes that cannot serve as a
/// source (others being recovered). Waits up to `timeout` for a source to answer, and again for
/// the node to catch up.
pub async fn recover(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    node: &NodePlan,
    skip: &[String],
    timeout: Duration,
) -> Result<Recovery, RecoverError> {
    let started = Instant::now();
    let fail = |step: &'static str, detail: String| RecoverError::Failed { node: node.name.clone(), step, detail };
    let listed = rt.containers(&super::lab_filter(Some(&plan.lab))).await.map_err(|e| fail("list", e.to_string()))?;
    let Some(dead) = listed.iter().find(|c| c.name == node.container) else {
        return Err(fail("list", format!("{} has no container (`lab up` creates it)", node.container)));
    };
    let log_tail = rt.logs(&node.container, 30).await.unwrap_or_default();
    let reason = reason(dead, &log_tail);

    let source = pick_source(rt, plan, node, skip, &listed, timeout).await?;
    let client = NodeClient::new(rt, &source.container);
    if node.role == Role::History {
        // Its state history must stay whole from block 1: it syncs the chain again from the
        // genesis node (its peer always), which a lab's short chain makes quick.
        let marker = FileEntry { name: RESYNC_MARKER.into(), contents: Vec::new(), mode: 0o644 };
        rt.put_files(&node.container, DATA_MOUNT, &[marker])
            .await
            .map_err(|e| fail("mark the resync", e.to_string()))?;
        rt.start_container(&node.container).await.map_err(|e| fail("start", e.to_string()))?;
        let target =
            client.get_info().await.map(|i| i.head_block_num).map_err(|e| fail("read the head", e.to_string()))?;
        wait_at(rt, &node.container, target, timeout).await.map_err(|detail| fail("resync", detail))?;
        return Ok(Recovery {
            node: node.name.clone(),
            reason,
            source: source.name.clone(),
            block: target,
            resynced: true,
            elapsed: started.elapsed(),
        });
    }
    let snapshot = snapshot_at_head(rt, &source.container, timeout).await.map_err(|d| fail("snapshot", d))?;
    let block = snapshot.block;
    let file = FileEntry { name: RESTORE_SNAPSHOT.into(), contents: snapshot.bytes, mode: 0o644 };
    rt.put_files(&node.container, DATA_MOUNT, &[file]).await.map_err(|e| fail("put the snapshot", e.to_string()))?;
    // The node's start script sees the snapshot, drops its blocks and dirty state, starts from it.
    rt.start_container(&node.container).await.map_err(|e| fail("start", e.to_string()))?;

    let target = client.get_info().await.map(|i| i.head_block_num).unwrap_or(block);
    wait_at(rt, &node.container, target, timeout).await.map_err(|detail| fail("catch up", detail))?;
    Ok(Recovery {
        node: node.name.clone(),
        reason,
        source: source.name.clone(),
        block,
        resynced: false,
        elapsed: started.elapsed(),
    })
}

/// A running node other than `node` that answers get_info, in the plan's order: the genesis node
/// first, which produces no blocks once the chain is booted, so the pause a snapshot makes costs
/// no producer a slot.
pub(super) async fn pick_source<'a>(
    rt: &dyn Runtime,
    plan: &'a NetworkPlan,
    node: &NodePlan,
    skip: &[String],
    listed: &[ContainerInfo],
    timeout: Duration,
) -> Result<&'a NodePlan, RecoverError> {
    let candidates: Vec<&NodePlan> = plan
        .nodes
        .iter()
        .filter(|n| n.name != node.name && !skip.contains(&n.name))
        .filter(|n| listed.iter().any(|c| c.name == n.container && c.running()))
        .collect();
    let none = || RecoverError::NoHealthyNode { node: node.name.clone(), lab: plan.lab.clone() };
    if candidates.is_empty() {
        return Err(none());
    }
    let started = Instant::now();
    loop {
        for n in &candidates {
            if NodeClient::new(rt, &n.container).get_info().await.is_ok() {
                return Ok(n);
            }
        }
        if started.elapsed() > timeout {
            return Err(none());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits until `container` answers get_info at `target` or later; when it stops instead, says
/// how, with its last log lines.
pub(super) async fn wait_at(rt: &dyn Runtime, container: &str, target: u64, timeout: Duration) -> Result<(), String> {
    let started = Instant::now();
    let client = NodeClient::new(rt, container);
    loop {
        let last = match client.get_info().await {
            Ok(info) if info.head_block_num >= target => return Ok(()),
            Ok(info) => format!("at block {}", info.head_block_num),
            Err(e) => e.to_string(),
        };
        let state = rt.container_state(container).await.map_err(|e| e.to_string())?;
        if state != Some(crate::runtime::ContainerState::Running) {
            return Err(down_reason(rt, container).await);
        }
        if started.elapsed() > timeout {
            return Err(format!("not at block {target} within {}s ({last})", timeout.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
#[path = "recover_tests.rs"]
pub(crate) mod tests;
