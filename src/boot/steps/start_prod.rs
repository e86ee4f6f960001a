//! `stepStartProducers`: every node other than genesis running and caught up with the chain.
//! Nodes that never ran join from a snapshot of the genesis node, as a node joins a live
//! network, instead of replaying every transaction since genesis.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::json;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::wait::wait_for;
use crate::boot::StepName;
use crate::chain::answers::Snapshot;
use crate::labels::lab_filter;
use crate::plan::{NetworkPlan, NodePlan, DATA_MOUNT, START_SNAPSHOT};
use crate::printer::Task;
use crate::runtime::health::down_reason;
use crate::runtime::{ContainerState, Runtime};

pub struct StartProd;

/// How long the nodes get to answer and reach the genesis head.
const CATCH_UP: Duration = Duration::from_secs(180);

fn others<'a>(cx: &Context<'a>) -> Vec<&'a NodePlan> {
    cx.plan.nodes.iter().skip(1).collect()
}

/// How many nodes beside the genesis node are not running (one list of the lab's containers).
pub(in crate::boot) async fn not_running(rt: &dyn Runtime, plan: &NetworkPlan) -> Result<usize, Failure> {
    let listed = rt.containers(&lab_filter(Some(&plan.lab))).await?;
    Ok(plan.nodes.iter().skip(1).filter(|n| !listed.iter().any(|c| c.name == n.container && c.running())).count())
}

/// How long a node gets to answer one ask; one busy on its main thread (loading a snapshot,
/// applying a heavy block) counts as behind and is asked again next round.
const ASK_SECS: u64 = 2;

/// The nodes whose head is below `target` (or that do not answer), asked from the genesis
/// container over the lab network in one exec.
async fn behind<'a>(cx: &Context<'a>, nodes: &[&'a NodePlan], target: u64) -> Result<Vec<&'a NodePlan>, Failure> {
    let containers: Vec<String> = nodes.iter().map(|n| n.container.clone()).collect();
    let infos = cx.chain().node.get_info_of(&containers, ASK_SECS).await?;
    Ok(nodes
        .iter()
        .zip(&infos)
        .filter(|(_, i)| i.as_ref().is_none_or(|i| i.head_block_num < target))
        .map(|(n, _)| *n)
        .collect())
}

#[async_trait]
impl Step for StartProd {
    fn name(&self) -> StepName {
        StepName::StartProd
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        let nodes = others(cx);
        let stopped = not_running(cx.rt, cx.plan).await?;
        if stopped > 0 {
            return Ok(Check::ToDo(format!("{stopped} nodes not running")));
        }
        // Caught up: at least at the genesis node's last irreversible block.
        let lib = cx.chain().info().await?.last_irreversible_block_num;
        let behind = behind(cx, &nodes, lib).await?;
        Ok(Check::missing(
            &behind,
            "nodes behind the chain",
            format!("{} nodes running beside the genesis node", nodes.len()),
        ))
    }

    async fn run(&self, cx: &Context<'_>, task: &Task) -> Result<Outcome, Failure> {
        let nodes = others(cx);
        let mut waiting = Vec::new();
        let mut fresh = false;
        for node in &nodes {
            match cx.rt.container_state(&node.container).await? {
                Some(ContainerState::Running) => {}
                None => {
                    return Err(Failure::chain(format!("{} has no container; `lab up` creates it", node.container)))
                }
                // Created: it never ran, its volume is empty.
                Some(state) => {
                    fresh |= state == ContainerState::Created;
                    waiting.push(*node);
                }
            }
        }
        if fresh {
            // The snapshot is of the genesis node's head: what the steps before pushed is in the
            // block being made, not yet in it. Nodes started from a snapshot without it applied
            // that block first (the system contract deployed, the accounts staked and
            // registered: 1.1 s on a loaded machine) while the genesis node broadcast the next
            // ones; a node that gets blocks it cannot link yet closes the connection at a count
            // of them and stops syncing until it redials (seen with 21 Spring producers: 5.5 s
            // without a block, start-prod 19 s against 10 s). The snapshot waits for that block.
            let pushed = cx.chain().head_block_num().await?;
            task.message(format!("block {} with the steps' transactions", pushed + 1));
            wait_for("the genesis node's next block", CATCH_UP, || async {
                Ok((cx.chain().head_block_num().await? > pushed).then_some(()))
            })
            .await?;
            task.message("snapshot of the genesis node");
            let snap: Snapshot = cx.chain().node.call_as("producer/create_snapshot", &json!({})).await?;
            let target = format!("{DATA_MOUNT}/{START_SNAPSHOT}");
            let name = &snap.snapshot_name;
            cx.cleos().sh(&format!("ln -f '{name}' {target}.tmp && mv -f {target}.tmp {target}"), None).await?;
        }
        task.message(format!("start {} nodes", waiting.len()));
        futures::future::try_join_all(waiting.iter().map(|n| cx.rt.start_container(&n.container))).await?;
        // Nodes that ran already follow the chain: caught up as the check counts it, at the
        // genesis node's last irreversible block (they apply the boot's heavy blocks, the
        // contracts, a moment after it). Nodes just started from the snapshot reach its head.
        let info = cx.chain().info().await?;
        let target = if waiting.is_empty() { info.last_irreversible_block_num } else { info.head_block_num };
        task.message(format!("{} nodes to reach block {target}", nodes.len()));
        wait_caught_up(cx, &nodes, target, task).await?;
        Ok(Outcome { changed: !waiting.is_empty(), note: format!("{} nodes at block {target} or later", nodes.len()) })
    }
}

/// Waits until every node answers at `target` or later; a node whose container stopped is
/// reported with its state and last log lines.
async fn wait_caught_up(cx: &Context<'_>, nodes: &[&NodePlan], target: u64, task: &Task) -> Result<(), Failure> {
    let start = Instant::now();
    let filter = lab_filter(Some(&cx.plan.lab));
    let mut round = 0u32;
    loop {
        let behind = behind(cx, nodes, target).await?;
        if behind.is_empty() {
            return Ok(());
        }
        task.message(format!("{} of {} nodes at block {target}", nodes.len() - behind.len(), nodes.len()));
        round += 1;
        if round.is_multiple_of(8) {
            let listed = cx.rt.containers(&filter).await?;
            if let Some(dead) = listed.iter().find(|c| nodes.iter().any(|n| n.container == c.name) && !c.running()) {
                return Err(Failure::chain(down_reason(cx.rt, &dead.name).await));
            }
        }
        if start.elapsed() > CATCH_UP {
            let names: Vec<&str> = behind.iter().map(|n| n.name.as_str()).collect();
            return Err(Failure::Timeout {
                what: format!("{} to answer and reach block {target}", names.join(", ")),
                secs: CATCH_UP.as_secs(),
            });
        }
        // Each round is an exec (the nodes are asked from the genesis container) of 50–200 ms.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
