//! `lab wait`: poll the chain until conditions a test script gives hold, or a timeout passes.
//! Which conditions and whether they hold is [`condition`] (pure); asking the chain is here.

pub(crate) mod condition;

use std::time::{Duration, Instant};

use anyhow::{bail, Result};

pub(crate) use condition::{evaluate, Observation};
pub use condition::{Conditions, Verdict};

use crate::chain::answers::Votes;
use crate::client::Chain;
use crate::orchestrator::lab_filter;
use crate::plan::NetworkPlan;
use crate::runtime::{ContainerState, Runtime};

/// The wait ended before the conditions held: exits with its own code (`error::code::WAIT_TIMED_OUT`).
#[derive(Debug, thiserror::Error)]
#[error("timed out after {secs}s: {}", observed.join(", "))]
pub struct WaitTimedOut {
    /// The timeout, in seconds.
    pub secs: u64,
    /// What the last look saw, one value each (`LIB 120 (wanted ≥ 150)`).
    pub observed: Vec<String>,
}

const POLL: Duration = Duration::from_millis(250);

/// One look at the chain: the genesis node's head and LIB, and what the conditions need besides.
async fn observe(rt: &dyn Runtime, plan: &NetworkPlan, c: &Conditions) -> Result<Observation> {
    let genesis = &plan.genesis().container;
    let chain = Chain::new(rt, genesis);
    let info = chain.info().await?;
    let mut o = Observation { head: info.head_block_num, lib: info.last_irreversible_block_num, ..Default::default() };
    if c.needs_nodes() {
        let running: Vec<String> = rt
            .containers(&lab_filter(Some(&plan.lab)))
            .await?
            .into_iter()
            .filter(|i| i.running())
            .map(|i| i.name)
            .collect();
        let others: Vec<_> = plan.nodes.iter().skip(1).filter(|n| running.contains(&n.container)).collect();
        let containers: Vec<String> = others.iter().map(|n| n.container.clone()).collect();
        let infos = crate::client::infos_through_engine(rt, &containers).await;
        o.nodes = others.iter().zip(infos).map(|(n, i)| (n.name.clone(), i.map(|i| i.head_block_num))).collect();
    }
    if c.needs_schedule() {
        o.schedule = chain.active_schedule().await?.names();
    }
    Ok(o)
}

/// Who of the active finalizer policy votes, as the genesis node sees it; `None` before
/// Savanna, on a nodeos without it, or when the node does not answer.
async fn finality_votes(rt: &dyn Runtime, plan: &NetworkPlan) -> Option<Votes> {
    let chain = Chain::new(rt, &plan.genesis().container);
    let info = chain.finalizer_info().await.ok()??;
    let head = chain.info().await.ok()?.head_block_num;
    info.votes(head)
}

/// Polls until `c` holds; the verdict that held, or [`WaitTimedOut`] with what was last seen.
/// A genesis node that does not run is an error at once: nothing would change while waiting.
pub async fn wait(rt: &dyn Runtime, plan: &NetworkPlan, c: &Conditions, timeout: Duration) -> Result<Verdict> {
    let genesis = &plan.genesis().container;
    match rt.container_state(genesis).await? {
        Some(ContainerState::Running) => {}
        Some(state) => bail!("{genesis} is {state}: `lab wait` asks the genesis node (`lab up` starts it)"),
        None => bail!("lab `{}` has no genesis container: is it up?", plan.lab),
    }
    let start = Instant::now();
    let mut start_lib = None;
    let mut last_error = None;
    let mut last = None;
    loop {
        match observe(rt, plan, c).await {
            Ok(o) => {
                let from = *start_lib.get_or_insert(o.lib);
                let verdict = evaluate(c, from, &o);
                if verdict.holds() {
                    return Ok(verdict);
                }
                last = Some(verdict);
            }
            // A node restarting does not answer for a moment: keep waiting, report it at the end.
            Err(e) => last_error = Some(e.to_string()),
        }
        if start.elapsed() >= timeout {
            let mut observed = last.map(|v| v.observed).unwrap_or_default();
            if let Some(e) = last_error.filter(|_| observed.is_empty()) {
                observed.push(format!("the genesis node did not answer ({e})"));
            }
            // Under Savanna a LIB that stalls is finalizers that do not vote: say which.
            if let Some(votes) = finality_votes(rt, plan).await {
                observed.push(votes.to_string());
            }
            return Err(WaitTimedOut { secs: timeout.as_secs(), observed }.into());
        }
        tokio::time::sleep(POLL.min(timeout.saturating_sub(start.elapsed()))).await;
    }
}

#[cfg(test)]
mod tests;
