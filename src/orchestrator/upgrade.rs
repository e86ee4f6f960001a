//! Moving a running node to another image and keeping its chain: the node stops cleanly, a
//! snapshot of the chain is taken from another node at its head, the container is made again
//! from the new image on the same data volume, and the new nodeos starts from the snapshot (its
//! start script drops the old blocks and state) and syncs the blocks made meanwhile from its
//! peers. The rest of the lab produces throughout; a producer misses only its own slots.

use std::time::{Duration, Instant};

use super::recover::{pick_source, wait_at, RecoverError};
use super::snapshot::snapshot_at_head;
use super::{container_spec, STOP_TIMEOUT_SECS};
use crate::client::NodeClient;
use crate::plan::{NetworkPlan, NodePlan, DATA_MOUNT, RESTORE_SNAPSHOT};
use crate::runtime::{FileEntry, Runtime};
use crate::state::StateDir;

/// What an upgrade of one node did, said in one line by its `Display`.
#[derive(Debug, Clone, PartialEq)]
pub struct Upgraded {
    /// The node upgraded.
    pub node: String,
    /// The image it ran, and the one it runs now.
    pub from: String,
    /// The image it runs now.
    pub to: String,
    /// The node the snapshot came from, and its block.
    pub source: String,
    /// The snapshot's block.
    pub block: u64,
    /// The nodeos version the node answers with now.
    pub server_version: String,
    /// How long the node took.
    pub elapsed: Duration,
}

impl std::fmt::Display for Upgraded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} → {} ({}), from a snapshot of {} at block {}, in sync in {:.1}s",
            self.node,
            self.from,
            self.to,
            self.server_version,
            self.source,
            self.block,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Moves running node `node` to the image `plan` gives it (its files rendered for that image's
/// nodeos by `state.write_plan` first), keeping its chain (see the module's doc). Returns once
/// it answers at the head its source had when it started. Refuses a node that does not run.
pub async fn upgrade(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    state: &StateDir,
    node: &NodePlan,
    timeout: Duration,
) -> Result<Upgraded, RecoverError> {
    let started = Instant::now();
    let fail = |step: &'static str, detail: String| RecoverError::Failed { node: node.name.clone(), step, detail };
    let listed = rt.containers(&super::lab_filter(Some(&plan.lab))).await.map_err(|e| fail("list", e.to_string()))?;
    let Some(running) = listed.iter().find(|c| c.name == node.container && c.running()) else {
        return Err(fail("list", format!("{} is not running: an upgrade moves a running node", node.container)));
    };
    let from = running.image.clone();
    let to = plan.image_of(node).reference().to_string();
    let source = pick_source(rt, plan, node, &[], &listed, timeout).await?;

    rt.stop_container(&node.container, STOP_TIMEOUT_SECS).await.map_err(|e| fail("stop", e.to_string()))?;
    let snapshot = snapshot_at_head(rt, &source.container, timeout).await.map_err(|d| fail("snapshot", d))?;
    rt.remove_container(&node.container).await.map_err(|e| fail("remove", e.to_string()))?;
    rt.create_container(&container_spec(plan, node, state)).await.map_err(|e| fail("create", e.to_string()))?;
    let block = snapshot.block;
    let file = FileEntry { name: RESTORE_SNAPSHOT.into(), contents: snapshot.bytes, mode: 0o644 };
    rt.put_files(&node.container, DATA_MOUNT, &[file]).await.map_err(|e| fail("put the snapshot", e.to_string()))?;
    rt.start_container(&node.container).await.map_err(|e| fail("start", e.to_string()))?;

    let target = NodeClient::new(rt, &source.container).get_info().await.map(|i| i.head_block_num).unwrap_or(block);
    wait_at(rt, &node.container, target, timeout).await.map_err(|detail| fail("catch up", detail))?;
    let server_version = NodeClient::new(rt, &node.container)
        .get_info()
        .await
        .map(|i| i.server_version_string.unwrap_or_default())
        .unwrap_or_default();
    Ok(Upgraded {
        node: node.name.clone(),
        from,
        to,
        source: source.name.clone(),
        block,
        server_version,
        elapsed: started.elapsed(),
    })
}
