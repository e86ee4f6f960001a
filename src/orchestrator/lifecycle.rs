//! Stopping, starting, killing and pausing a lab's nodes. Every request is checked against the
//! nodes' states first, and refused as a whole, naming each node that is in the wrong state,
//! before anything changes.

use std::time::{Duration, Instant};

use anyhow::Result;
use futures::future::try_join_all;

use super::recover::{needs_recovery, recover, Recovery};
use super::release::{producing_nodes, release_when_connected, resume, start_in_dial_order};
use super::{lab_filter, wait_all, STOP_TIMEOUT_SECS};
use crate::plan::{NetworkPlan, NodePlan, DATA_MOUNT};
use crate::printer::Printer;
use crate::runtime::health::{describe, health, Health};
use crate::runtime::{ContainerInfo, Runtime};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LifecycleError {
    #[error("lab `{0}` does not exist: it has no containers (`lab up` creates it)")]
    NoLab(String),
    #[error("cannot {verb} {}: {why}", .nodes.join(", "))]
    WrongState { verb: &'static str, nodes: Vec<String>, why: &'static str },
    #[error("{0:?} is not a signal (give a name such as SIGKILL, KILL or SIGTERM, or a number from 1 to 31)")]
    BadSignal(String),
}

/// The lab's containers as they stand; refuses a lab that has none.
pub async fn live(rt: &dyn Runtime, plan: &NetworkPlan) -> Result<Vec<ContainerInfo>> {
    let listed = rt.containers(&lab_filter(Some(&plan.lab))).await?;
    if listed.is_empty() {
        return Err(LifecycleError::NoLab(plan.lab.clone()).into());
    }
    Ok(listed)
}

fn info<'a>(listed: &'a [ContainerInfo], node: &NodePlan) -> Option<&'a ContainerInfo> {
    listed.iter().find(|c| c.name == node.container)
}

/// Refuses unless every node has a container whose health is one of `allowed`; names each node
/// that is not, with its state. Pure.
pub fn require(
    nodes: &[&NodePlan],
    listed: &[ContainerInfo],
    allowed: &[Health],
    verb: &'static str,
    why: &'static str,
) -> Result<(), LifecycleError> {
    let wrong: Vec<String> = nodes
        .iter()
        .filter_map(|n| match info(listed, n) {
            None => Some(format!("{} (no container)", n.name)),
            Some(c) if !allowed.contains(&health(c)) => Some(format!("{} ({})", n.name, describe(c))),
            Some(_) => None,
        })
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(LifecycleError::WrongState { verb, nodes: wrong, why })
    }
}

/// A signal as the engine takes it: `SIGKILL`, from `SIGKILL`, `kill` or `9`. Pure.
pub fn parse_signal(text: &str) -> Result<String, LifecycleError> {
    const NAMES: [&str; 16] = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
        "TERM", "STOP",
    ];
    let upper = text.trim().to_ascii_uppercase();
    if let Ok(n) = upper.parse::<u8>() {
        return if (1..=31).contains(&n) { Ok(n.to_string()) } else { Err(LifecycleError::BadSignal(text.into())) };
    }
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if NAMES.contains(&name) {
        Ok(format!("SIG{name}"))
    } else {
        Err(LifecycleError::BadSignal(text.into()))
    }
}

/// What `start` did.
#[derive(Debug, Default)]
pub struct StartReport {
    /// Nodes started as they were.
    pub started: Vec<String>,
    /// Nodes whose state could not start and were restored from a snapshot of a healthy node.
    pub recovered: Vec<Recovery>,
    /// Nodes that were running already.
    pub already_running: Vec<String>,
}

/// Starts the nodes: those that stopped cleanly start with their chain; those that crashed are
/// restored from a snapshot of a healthy node ([`recover`]) once the others answer.
pub async fn start(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    nodes: &[&NodePlan],
    timeout: Duration,
    printer: &Printer,
) -> Result<StartReport> {
    let listed = live(rt, plan).await?;
    require(
        nodes,
        &listed,
        &[Health::Running, Health::Stopped, Health::Crashed, Health::Created],
        "start",
        "a paused node resumes with `lab unpause`; a node without a container is created by `lab up`",
    )?;
    let mut report = StartReport::default();
    let mut plain = Vec::new();
    let mut crashed = Vec::new();
    // The last log lines of every stopped node, read at once: they tell a clean stop from one
    // that left the database dirty.
    let tails = futures::future::join_all(nodes.iter().map(|node| {
        let c = info(&listed, node).expect("checked by require");
        async move {
            if health(c) == Health::Stopped {
                rt.logs(&c.name, 30).await.unwrap_or_default()
            } else {
                String::new()
            }
        }
    }))
    .await;
    for (node, tail) in nodes.iter().zip(tails) {
        let c = info(&listed, node).expect("checked by require");
        if c.running() {
            report.already_running.push(node.name.clone());
        } else if needs_recovery(c, &tail) {
            crashed.push(*node);
        } else {
            plain.push(*node);
        }
    }
    let paused = held_back(plan, &listed, &plain, &crashed);
    if !plain.is_empty() {
        let marker = [super::start_paused_marker()];
        try_join_all(paused.iter().map(|n| rt.put_files(&n.container, DATA_MOUNT, &marker))).await?;
        let bar = printer.bar("start nodes", plain.len() as u64);
        start_in_dial_order(rt, &plain, &|| ()).await?;
        wait_all(rt, &plain, timeout, &|| bar.inc(1)).await?;
        tracing::debug!(nodes = plain.len(), "every node started answers");
        if !paused.is_empty() {
            release_when_connected(rt, plan, &plain[0].container, &paused).await?;
        }
        bar.done(format!("{} answering", names(&plain).join(", ")));
        report.started = names(&plain);
    }
    report.recovered = recover_all(rt, plan, &crashed, timeout, printer).await?;
    if paused.is_empty() {
        // A marker is consumed only when its node starts: one left by a whole-chain start that
        // failed before its release would hold a producer started now. Every running producer is
        // resumed, which changes nothing on one that is not held.
        let touched = |n: &NodePlan| plain.iter().chain(&crashed).any(|m| m.name == n.name);
        let producers = producing_nodes(plan);
        if producers.iter().any(|n| touched(n)) {
            let running: Vec<&NodePlan> =
                producers.into_iter().filter(|n| touched(n) || info(&listed, n).is_some_and(|c| c.running())).collect();
            resume(rt, &running[0].container, &running).await?;
        }
    }
    Ok(report)
}

/// The producers to start paused and release together (see [`super::release`]): those of
/// `starting` when the whole chain starts, that is when no producer runs yet and every node will
/// run once `starting` has started, none crashed. Otherwise the chain is live, or will be only
/// once a crashed node is recovered, and a started producer joins it as it is. Pure.
pub fn held_back<'a>(
    plan: &'a NetworkPlan,
    listed: &[ContainerInfo],
    starting: &[&'a NodePlan],
    crashed: &[&NodePlan],
) -> Vec<&'a NodePlan> {
    let running = |n: &NodePlan| info(listed, n).is_some_and(|c| c.running());
    let producers = producing_nodes(plan);
    let chain_stopped = !producers.iter().any(|n| running(n));
    let all_will_run = plan.nodes.iter().all(|n| running(n) || starting.iter().any(|s| s.name == n.name));
    if !(chain_stopped && all_will_run && crashed.is_empty()) {
        return vec![];
    }
    producers.into_iter().filter(|n| starting.iter().any(|s| s.name == n.name)).collect()
}

/// Recovers crashed nodes one after the other, each from a snapshot of a healthy node, printing
/// what each took.
pub async fn recover_all(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    crashed: &[&NodePlan],
    timeout: Duration,
    printer: &Printer,
) -> Result<Vec<Recovery>> {
    let mut done = Vec::new();
    let mut pending = names(crashed);
    for node in crashed {
        let task = printer.task(format!("recover {}", node.name));
        match recover(rt, plan, node, &pending, timeout).await {
            Ok(r) => {
                task.done(if r.resynced {
                    format!("synced again from block 1, up to the head of {} (block {})", r.source, r.block)
                } else {
                    format!("from a snapshot of {} at block {}", r.source, r.block)
                });
                printer.info(r.to_string());
                pending.retain(|n| n != &node.name);
                done.push(r);
            }
            Err(e) => {
                task.fail();
                return Err(e.into());
            }
        }
    }
    Ok(done)
}

/// Stops the nodes cleanly (SIGTERM, then [`STOP_TIMEOUT_SECS`] for nodeos to close its
/// database); those not running are left as they are. Returns the nodes it stopped.
pub async fn stop(rt: &dyn Runtime, plan: &NetworkPlan, nodes: &[&NodePlan], printer: &Printer) -> Result<Vec<String>> {
    let listed = live(rt, plan).await?;
    let to_stop: Vec<(&NodePlan, Health)> = nodes
        .iter()
        .filter_map(|n| info(&listed, n).map(|c| (*n, health(c))))
        .filter(|(_, h)| matches!(h, Health::Running | Health::Paused))
        .collect();
    if to_stop.is_empty() {
        return Ok(vec![]);
    }
    let started = Instant::now();
    let bar = printer.bar("stop nodes", to_stop.len() as u64);
    try_join_all(to_stop.iter().map(|(n, h)| {
        let bar = &bar;
        async move {
            // A frozen process cannot act on SIGTERM: it would sit out the timeout and be killed,
            // leaving the very dirty database a clean stop is for.
            if *h == Health::Paused {
                rt.unpause_container(&n.container).await?;
            }
            rt.stop_container(&n.container, STOP_TIMEOUT_SECS).await?;
            bar.inc(1);
            anyhow::Ok(())
        }
    }))
    .await?;
    let stopped: Vec<String> = to_stop.iter().map(|(n, _)| n.name.clone()).collect();
    bar.done(format!("{} in {:.1}s", stopped.join(", "), started.elapsed().as_secs_f64()));
    Ok(stopped)
}

/// Sends `signal` to running nodes (a crash when it is SIGKILL, the default).
pub async fn kill(rt: &dyn Runtime, plan: &NetworkPlan, nodes: &[&NodePlan], signal: &str) -> Result<()> {
    let listed = live(rt, plan).await?;
    require(nodes, &listed, &[Health::Running], "kill", "only running nodes can be sent a signal")?;
    try_join_all(nodes.iter().map(|n| rt.kill_container(&n.container, signal))).await?;
    Ok(())
}

/// Freezes running nodes (their processes stop, their containers and connections stay).
pub async fn pause(rt: &dyn Runtime, plan: &NetworkPlan, nodes: &[&NodePlan]) -> Result<()> {
    let listed = live(rt, plan).await?;
    require(nodes, &listed, &[Health::Running], "pause", "only running nodes can be paused")?;
    try_join_all(nodes.iter().map(|n| rt.pause_container(&n.container))).await?;
    Ok(())
}

pub async fn unpause(rt: &dyn Runtime, plan: &NetworkPlan, nodes: &[&NodePlan]) -> Result<()> {
    let listed = live(rt, plan).await?;
    require(nodes, &listed, &[Health::Paused], "unpause", "only paused nodes can be unpaused")?;
    try_join_all(nodes.iter().map(|n| rt.unpause_container(&n.container))).await?;
    Ok(())
}

fn names(nodes: &[&NodePlan]) -> Vec<String> {
    nodes.iter().map(|n| n.name.clone()).collect()
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
