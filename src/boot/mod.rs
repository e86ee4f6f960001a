//! The bios boot sequence, step by step as the upstream tutorial runs it. Each step first asks
//! the chain what is already done ([`Step::check`], which changes nothing) and acts only on what
//! is missing, so a rerun is safe and a failed run resumes.
//!
//! The steps live in `steps`, one file each; what they share sits beside them: the cleos
//! command line ([`cleos`]), pushing actions with retries and splitting ([`push`], [`retry`]),
//! waiting on the chain (`wait`, `confirm`), the system contract's tables (`tables`).

pub(crate) mod cleos;
mod confirm;
mod context;
mod error;
pub(crate) mod msig;
mod order;
pub(crate) mod protocol;
pub(crate) mod push;
pub(crate) mod retry;
mod signed;
mod step;
mod steps;

mod tables;
mod wait;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Instant;

use tokio::sync::OnceCell;

pub(crate) use crate::chain::system::SYSTEM_ACCOUNTS;
pub(crate) use cleos::{Cleos, CleosCommand};
pub(crate) use context::Context;
pub use error::BootError;
pub(crate) use error::Failure;
pub(crate) use push::Action;
pub(crate) use step::{Check, Outcome, Step};
pub(crate) use steps::select;
pub use steps::StepName;

use crate::plan::NetworkPlan;
use crate::printer::Printer;
use crate::runtime::Runtime;
use crate::state::StateDir;

/// Options of one boot run.
#[derive(Debug, Clone)]
pub struct BootOptions {
    /// The steps to run, in the boot's order ([`StepName::ALL`]; `Lab::boot` runs all but
    /// `msig-replace` and `xfer`).
    pub steps: Vec<StepName>,
    /// How many random transfers the optional `xfer` step makes.
    pub xfer_count: usize,
}

/// What one step did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepReport {
    /// The step.
    pub step: StepName,
    /// Whether it changed the chain (false: everything was already done).
    pub changed: bool,
    /// What it did or found, as its progress line says.
    pub note: String,
    /// When it started, in seconds after the run's first step started (steps that need nothing
    /// of one another run side by side).
    pub began: f64,
    /// How long it took.
    pub seconds: f64,
}

/// Runs boot steps against a lab's genesis node.
pub struct Boot<'a> {
    rt: &'a dyn Runtime,
    plan: &'a NetworkPlan,
    state: &'a StateDir,
    printer: &'a Printer,
    /// sha256 of the image's contracts, asked once.
    contract_hashes: OnceCell<BTreeMap<String, String>>,
    /// The genesis node's API as published on this host, once found answering there.
    direct: tokio::sync::Mutex<Option<crate::client::Direct>>,
    /// The wallet's keys, and the ABIs read, for transactions signed here.
    signing: signed::Signing,
}

impl<'a> Boot<'a> {
    pub fn new(rt: &'a dyn Runtime, plan: &'a NetworkPlan, state: &'a StateDir, printer: &'a Printer) -> Self {
        let keys = context::wallet_keys(plan).into_iter().cloned().collect();
        Boot {
            rt,
            plan,
            state,
            printer,
            contract_hashes: OnceCell::new(),
            direct: Default::default(),
            signing: signed::Signing::new(keys),
        }
    }

    /// What the steps work with. The genesis node's chain API is asked straight over HTTP where
    /// the lab publishes it on this host and it answers there as in its container (a boot makes
    /// a few hundred calls: an exec each is most of a small lab's boot); else through the engine.
    /// Not found yet (the node not answering) is asked again by the next context.
    async fn context(&self, xfer_count: usize) -> Context<'_> {
        let mut direct = self.direct.lock().await;
        if direct.is_none() {
            if let Some(port) = self.state.api_port() {
                *direct = crate::client::direct_url(self.rt, &self.plan.genesis().container, port).await;
            }
        }
        Context::new(self.rt, self.plan, self.state, &self.contract_hashes, &self.signing, xfer_count)
            .reached_at(direct.clone())
    }

    /// Schedules PREACTIVATE_FEATURE on a chain that needs it, for the next block the genesis
    /// node makes (a held genesis node takes it before it is released); `sys-contract` checks,
    /// and schedules it itself if this did not take.
    pub async fn schedule_preactivation(&self) {
        let _ = steps::schedule_preactivation(&self.context(0).await).await;
    }

    /// Runs the steps in order; stops at the first failure.
    pub async fn run(&self, opts: &BootOptions) -> Result<Vec<StepReport>, BootError> {
        let cx = self.context(opts.xfer_count).await;
        let preactivate = async {
            if opts.steps.contains(&StepName::SysContract) {
                // PREACTIVATE_FEATURE activates a block after it is scheduled; scheduling it now,
                // beside the first steps (it needs no wallet and no account), lets that block pass
                // meanwhile. `sys-contract` still checks, and schedules it itself if this did not take.
                let _ = steps::schedule_preactivation(&cx).await;
            }
        };
        let (_, reports) = tokio::join!(preactivate, self.run_steps(&cx, &opts.steps));
        reports
    }

    /// Runs `names` in their order of needs ([`order::by_needs`]): those that need nothing of
    /// one another side by side. Reports come in the boot's order.
    async fn run_steps(&self, cx: &Context<'_>, names: &[StepName]) -> Result<Vec<StepReport>, BootError> {
        let producers = self.producer_nodes().await;
        let start = Instant::now();
        Ok(order::by_needs(names, producers, |name| self.run_one(cx, name, start)).await?.into_values().collect())
    }

    /// Whether every node beside the genesis node runs already, which decides whether the votes
    /// wait for `start-prod` ([`StepName::needs`]). Where the engine cannot tell, the votes wait.
    async fn producer_nodes(&self) -> steps::ProducerNodes {
        match steps::not_running(self.rt, self.plan).await {
            Ok(0) => steps::ProducerNodes::Running,
            _ => steps::ProducerNodes::ToStart,
        }
    }

    /// One step, its progress line, and on a failure the genesis node's last lines.
    async fn run_one(
        &self,
        cx: &Context<'_>,
        name: StepName,
        start: Instant,
    ) -> (StepName, Result<StepReport, BootError>) {
        let task = self.printer.task(format!("{:<13}", name.as_str()));
        let started = Instant::now();
        let began = started.duration_since(start).as_secs_f64();
        match run_step(name.step(), cx, &task).await {
            Ok(outcome) => {
                task.done(&outcome.note);
                let seconds = started.elapsed().as_secs_f64();
                (name, Ok(StepReport { step: name, changed: outcome.changed, note: outcome.note, began, seconds }))
            }
            Err(failure) => {
                task.fail();
                // What the chain said around the failure: the genesis node's last lines.
                if let Ok(logs) = cx.rt.logs(cx.genesis, 30).await {
                    self.printer.info(format!(
                        "last lines of {}:\n{}",
                        cx.genesis,
                        crate::runtime::health::indent(&logs)
                    ));
                }
                (name, Err(failure.in_step(name)))
            }
        }
    }

    /// What a step's check finds on the chain. Changes nothing.
    pub async fn check(&self, step: StepName) -> Result<Check, BootError> {
        step.step().check(&self.context(0).await).await.map_err(|f| f.in_step(step))
    }

    /// Whether every given step's work is on the chain, asked side by side. Steps that always
    /// run (log, xfer) do not count.
    pub async fn all_done(&self, steps: &[StepName]) -> Result<bool, BootError> {
        Ok(self.missing(steps).await?.is_empty())
    }

    /// The given steps whose work is not on the chain, with what their check found, asked side
    /// by side. Steps that always run (log, xfer) do not count.
    pub async fn missing(&self, steps: &[StepName]) -> Result<Vec<(StepName, String)>, BootError> {
        // The checks' calls made at the same moment go to the node in one exec, not one each.
        let checks =
            crate::client::coalesced(futures::future::try_join_all(steps.iter().map(|s| self.check(*s)))).await?;
        Ok(steps.iter().zip(checks).filter(|(_, c)| c.done() == Some(false)).map(|(s, c)| (*s, c.describe())).collect())
    }

    /// Whether eosio has resigned: its owner held by eosio.prods, so a step that needs eosio's
    /// key cannot run (a change goes through eosio.msig: [`Boot::upgrade_protocol`]).
    pub async fn resigned(&self) -> Result<bool, BootError> {
        let cx = self.context(0).await;
        msig::resigned(&cx).await.map_err(|failure| BootError { step: StepName::Resign, failure })
    }
}

/// A step: its check, then its run unless the check found it done.
async fn run_step(step: &dyn Step, cx: &Context<'_>, task: &crate::printer::Task) -> Result<Outcome, Failure> {
    match step.check(cx).await? {
        Check::Done(note) => Ok(Outcome {
            changed: false,
            note: if note.is_empty() { "already done".into() } else { format!("already done ({note})") },
        }),
        Check::ToDo(what) => {
            tracing::debug!(step = %step.name(), %what, "to do");
            step.run(cx, task).await
        }
        Check::Always => step.run(cx, task).await,
        Check::NotSupported(why) => Ok(Outcome::unchanged(format!("not supported: {why}"))),
    }
}
