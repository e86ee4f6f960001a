//! Bringing a lab up, fresh or from a bundle, by one path: image, options check, containers,
//! readiness, then the boot (or, from a bundle, the wallet and a block from an elected producer);
//! and undoing what a failed or stopped `up` created.

use std::future::Future;
use std::time::{Duration, Instant};

use super::LabConfig;
use crate::boot::{select, Boot, BootOptions, StepName, StepReport};
use crate::bundle::{restore, Bundle};
use crate::orchestrator::UpInterrupted;
use crate::orchestrator::{self, Created};
use crate::plan::NetworkPlan;
use crate::printer::Printer;
use crate::runtime::{ContainerState, Runtime};
use crate::state::StateDir;
use anyhow::Result;

/// How [`super::Lab::up_with`] brings a lab up.
#[derive(Clone)]
pub struct UpOptions {
    /// Run the boot sequence (default); without it the nodes are started and answer, the chain
    /// holds only `eosio`.
    pub boot: bool,
    /// How long to wait for each node to answer `get_info`.
    pub timeout: Duration,
    /// When `up` fails, keep what it created for inspection instead of removing it.
    pub keep_failed: bool,
    /// Where progress goes (stderr: bars on a terminal, plain lines otherwise).
    pub printer: Printer,
}

impl Default for UpOptions {
    fn default() -> Self {
        UpOptions {
            boot: true,
            timeout: Duration::from_secs(120),
            keep_failed: false,
            printer: Printer::new(false, false),
        }
    }
}

impl UpOptions {
    /// Start the nodes without booting the chain.
    pub fn no_boot(mut self) -> Self {
        self.boot = false;
        self
    }

    /// Wait this long for each node to answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Progress through this printer (`Printer::new(true, true)` prints only warnings).
    pub fn printer(mut self, printer: Printer) -> Self {
        self.printer = printer;
        self
    }
}

/// Where the chain of the lab being brought up comes from.
pub(crate) enum Origin<'a> {
    /// A new chain, booted by the bios boot sequence (or found booted, and left as it is).
    Genesis,
    /// A bundle's chain: a new lab whose nodes all start from its snapshot. Its state folder is
    /// this `up`'s (made for it, removed on a failure).
    Bundle(&'a Bundle),
}

/// What [`up`] did.
pub(crate) struct UpDone {
    /// The plan as rendered for the image's nodeos.
    pub plan: NetworkPlan,
    pub state: StateDir,
    /// Whether anything was created, started or recovered (else the lab was up already).
    pub changed: bool,
    /// From a bundle: the block from an elected producer that was waited for, and who made it.
    pub produced: Option<(u64, String)>,
    /// The boot steps this `up` ran, with their times.
    pub steps: Vec<StepReport>,
}

/// Brings the lab up; on a failure, or when `stop` completes first, removes what this `up`
/// created (unless `keep_failed`) and returns the error.
pub(crate) async fn up(
    rt: &dyn Runtime,
    config: &LabConfig,
    options: &UpOptions,
    origin: Origin<'_>,
    stop: impl Future<Output = ()>,
) -> Result<UpDone> {
    let (plan, state) = config.plan()?;
    let state_existed = matches!(origin, Origin::Genesis) && state.exists();
    let created = Created::default();
    let outcome = tokio::select! {
        r = bring_up(rt, config, options, &origin, &plan, &state, &created) => r,
        _ = stop => Err(UpInterrupted.into()),
    };
    match outcome {
        Ok(done) => Ok(done),
        Err(e) => {
            undo(options, rt, &plan, &state, state_existed, &created, &e).await;
            Err(e)
        }
    }
}

/// Image, options check, containers, readiness, boot (or the bundle's wallet and first block).
async fn bring_up(
    rt: &dyn Runtime,
    config: &LabConfig,
    options: &UpOptions,
    origin: &Origin<'_>,
    plan: &NetworkPlan,
    state: &StateDir,
    created: &Created,
) -> Result<UpDone> {
    let printer = &options.printer;
    // The options are asked of the image, so it must be there first; nothing of the lab is made
    // until they are checked.
    orchestrator::ensure_image(rt, plan, printer).await?;
    if let Origin::Bundle(bundle) = origin {
        restore::check_image_reads(rt, plan, &bundle.manifest, printer, created).await?;
    }
    let mut checked = orchestrator::check_options(rt, plan, config.source(), created).await?;
    if let Some(note) = checked.note.take() {
        printer.warn(note);
    }
    // Rendered for this image's nodeos: only options it knows, finalizer keys if it has Savanna.
    let plan = checked.apply(plan.clone());
    if let Origin::Bundle(bundle) = origin {
        let preload = restore::preload(&plan, bundle);
        let report = orchestrator::up_recorded(rt, &plan, state, printer, true, Some(&preload), created).await?;
        keep_topology(config, state)?;
        orchestrator::wait_ready(rt, &[plan.genesis()], options.timeout, printer).await?;
        let produced = restore::carry_on(rt, &plan, state, &bundle.manifest, options.timeout, printer).await?;
        let changed = report.changed();
        return Ok(UpDone { plan, state: state.clone(), changed, produced: Some(produced), steps: Vec::new() });
    }
    let start_all = !options.boot || orchestrator::start_all_at_once(&plan);
    let report = orchestrator::up_recorded(rt, &plan, state, printer, start_all, None, created).await?;
    keep_topology(config, state)?;
    let boot = Boot::new(rt, &plan, state, printer);
    let mut ran = Vec::new();
    // When the wallet step began, for the later steps' `began` to count from it.
    let mut boot_started = None;
    // A new chain's genesis node was started held (with or without a boot to follow).
    if report.genesis_held {
        let release = orchestrator::release_genesis(rt, &plan, options.timeout, !options.boot, printer);
        if options.boot {
            // keosd and the keys need the genesis container, not its chain: the wallet is made
            // while the nodes connect, before the first block. PREACTIVATE_FEATURE is scheduled
            // then too, and activates in that block: `sys-contract` finds it active.
            boot_started = Some(Instant::now());
            let wallet = BootOptions { steps: vec![StepName::Wallet], xfer_count: 0 };
            let (released, wallet, ()) = tokio::join!(release, boot.run(&wallet), boot.schedule_preactivation());
            released?;
            ran = wallet?;
        } else {
            release.await?;
        }
    }
    if !report.recover.is_empty() {
        // The crashed nodes come back from a snapshot of one that runs, so they go last.
        let crashed = orchestrator::select(&plan, &report.recover, false)?;
        orchestrator::recover_all(rt, &plan, &crashed, options.timeout, printer).await?;
    }
    if !options.boot {
        orchestrator::wait_ready(rt, &plan.nodes.iter().collect::<Vec<_>>(), options.timeout, printer).await?;
    } else {
        // The boot needs only the genesis node. Producers not started yet are started by
        // `start-prod`, as the tutorial does, once the accounts are staked and registered.
        orchestrator::wait_ready(rt, &[plan.genesis()], options.timeout, printer).await?;
        let steps = select(&[], None, &[], false);
        // On a lab that has a chain (running, or stopped and started again), ask the chain about
        // every step at once; only if something is missing does the boot run (and resume where
        // it stopped). A chain just created has everything missing: no need to ask.
        let fresh = report.created.contains(&plan.genesis().container);
        // keosd lives in the genesis container's processes, not in its chain: after a restart
        // it is started again on its own, and that is no reason to run the boot.
        let chain_steps: Vec<StepName> = steps.iter().copied().filter(|s| *s != StepName::Wallet).collect();
        if !fresh {
            // Nodes this `up` started again answer before the chain is asked about the steps:
            // one still starting would count as a node behind the chain (`start-prod` missing).
            let restarted: Vec<_> = plan
                .nodes
                .iter()
                .filter(|n| n.name != plan.genesis().name)
                .filter(|n| report.started.iter().any(|s| *s == n.container || *s == n.name))
                .collect();
            if !restarted.is_empty() {
                orchestrator::wait_ready(rt, &restarted, options.timeout, printer).await?;
            }
        }
        let missing = if fresh { Vec::new() } else { boot.missing(&chain_steps).await? };
        let resigned_with_gaps = !missing.is_empty() && boot.resigned().await?;
        if !fresh && (missing.is_empty() || resigned_with_gaps) {
            if !boot.all_done(&[StepName::Wallet]).await? {
                ran = boot.run(&BootOptions { steps: vec![StepName::Wallet], xfer_count: 0 }).await?;
            }
            if resigned_with_gaps {
                // A chain booted by another image (a lab moved from Leap to Spring): the bios
                // steps of this image would need eosio's key, which eosio.prods holds now.
                let gaps: Vec<String> = missing.iter().map(|(s, why)| format!("{s} ({why})")).collect();
                printer.warn(format!(
                    "the chain is booted and eosio has resigned; this image's boot has steps the chain lacks: {}. \
                     They need eosio's authority: `lab upgrade --protocol` moves a resigned chain through eosio.msig",
                    gaps.join("; ")
                ));
            } else {
                printer
                    .info("the chain is booted: every boot step checked on the chain is done; no step was run again");
            }
        } else {
            let steps: Vec<StepName> = steps.into_iter().filter(|s| !ran.iter().any(|r| r.step == *s)).collect();
            let started = Instant::now();
            let mut rest = boot.run(&BootOptions { steps, xfer_count: 0 }).await?;
            // One timeline with the wallet made during the release.
            let after = boot_started.map_or(0.0, |b| started.duration_since(b).as_secs_f64());
            rest.iter_mut().for_each(|r| r.began += after);
            ran.extend(rest);
        }
    }
    let changed = report.changed();
    Ok(UpDone { plan, state: state.clone(), changed, produced: None, steps: ran })
}

/// A copy of the topology (paths made absolute) in the state folder, for `Lab::attach(name)`.
fn keep_topology(config: &LabConfig, state: &StateDir) -> Result<()> {
    let yaml = serde_norway::to_string(&config.absolute_topology()?)?;
    let path = state.root.join(super::config::TOPOLOGY_COPY);
    // The seed may be in it: private, as the seed file is.
    crate::state::write_secret(&path, yaml.as_bytes())
}

/// After a failure or an interrupt: shows the last log lines of nodes that stopped, then removes
/// what this `up` created (or keeps it with `keep_failed`, and says so). Problems while undoing
/// are printed; the error that stopped `up` stays the one reported.
async fn undo(
    options: &UpOptions,
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    state: &StateDir,
    state_existed: bool,
    created: &Created,
    error: &anyhow::Error,
) {
    let printer = &options.printer;
    let objects = created.objects();
    let shown = format!("{error:#}");
    for node in &plan.nodes {
        // The error shows the lines of the node it is about already.
        if !objects.containers.contains(&node.container) || shown.contains(&format!("{} stopped", node.container)) {
            continue;
        }
        if let Ok(Some(ContainerState::Exited | ContainerState::Dead)) = rt.container_state(&node.container).await {
            let logs = rt.logs(&node.container, 20).await.unwrap_or_default();
            printer.warn(format!("{} stopped; its last log lines:\n{}", node.container, orchestrator::indent(&logs)));
        }
    }
    let nothing = objects.is_empty() && objects.fresh_lab.is_none();
    if nothing {
        if !state_existed {
            let _ = state.remove();
        }
        return;
    }
    let task = printer.task("undo what this `up` created");
    match orchestrator::undo(rt, created, options.keep_failed).await {
        Ok(orchestrator::Undone::Nothing) => task.done("nothing was created"),
        Ok(orchestrator::Undone::Kept(objects)) => {
            task.done("kept");
            printer.warn(format!("kept for inspection: {}; `lab down` removes them", objects.describe()));
        }
        Ok(orchestrator::Undone::Removed(objects)) => {
            task.done(format!("removed {}", objects.describe()));
            if !state_existed {
                let _ = state.remove();
            }
        }
        Err(e) => {
            task.fail();
            printer.warn(format!("could not remove everything this `up` created ({e:#}); `lab down` removes the rest"));
        }
    }
}
