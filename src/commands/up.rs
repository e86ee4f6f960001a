use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::signal::unix::{signal, SignalKind};

use super::Ctx;
use crate::boot::{select, Boot, BootOptions, StepName};
use crate::bundle;
use crate::cli::UpArgs;
use crate::error::UpInterrupted;
use crate::lab::{self, Created};
use crate::plan::NetworkPlan;
use crate::runtime::{ContainerState, Runtime};
use crate::state::StateDir;
use crate::topology::TopologySource;

pub async fn run(ctx: &Ctx, args: UpArgs) -> Result<ExitCode> {
    // Listening from the start: from here on Ctrl-C undoes what this `up` did instead of killing it.
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    let started = Instant::now();
    if let Some(from) = &args.from {
        return up_from(ctx, from, args.name.as_deref(), started).await;
    }
    let source = ctx.topology()?;
    let (plan, state) = ctx.plan()?;
    let rt = ctx.runtime().await?;
    let state_existed = state.exists();
    let created = Created::default();
    let outcome = tokio::select! {
        r = bring_up(ctx, &args, &rt, &source, &plan, &state, &created) => r,
        _ = interrupt.recv() => Err(UpInterrupted.into()),
    };
    let changed = match outcome {
        Ok(changed) => changed,
        Err(e) => {
            undo(ctx, &args, &rt, &plan, &state, state_existed, &created, &e).await;
            return Err(e);
        }
    };
    let what = if changed { "up" } else { "already up" };
    ctx.printer.info(format!(
        "lab `{}` {what} in {:.1}s: {} nodes{}. `lab status` shows them, `lab cleos -- get info` asks the chain.",
        plan.lab,
        started.elapsed().as_secs_f64(),
        plan.nodes.len(),
        plan.genesis().host_http_port.map(|p| format!(", API on http://127.0.0.1:{p}")).unwrap_or_default()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Image, options check, containers, readiness, boot. Returns whether anything changed.
async fn bring_up(
    ctx: &Ctx,
    args: &UpArgs,
    rt: &dyn Runtime,
    source: &TopologySource,
    plan: &NetworkPlan,
    state: &StateDir,
    created: &Created,
) -> Result<bool> {
    // The options are asked of the image, so it must be there first; nothing of the lab is made
    // until they are checked.
    lab::ensure_image(rt, plan, &ctx.printer).await?;
    let checked = lab::check_options(rt, plan, source, created).await?;
    if let Some(note) = checked.note {
        ctx.printer.warn(note);
    }
    // Rendered for this image's nodeos: only options it knows, finalizer keys if it has Savanna.
    let plan = &plan.clone().with_nodeos(checked.facts);
    let start_all = args.no_boot || lab::start_all_at_once(plan);
    let report = lab::up_recorded(rt, plan, state, &ctx.printer, start_all, created).await?;
    let timeout = Duration::from_secs(args.timeout);
    if !report.recover.is_empty() {
        // The crashed nodes come back from a snapshot of one that runs, so they go last.
        let crashed = lab::select(plan, &report.recover, false)?;
        lab::recover_all(rt, plan, &crashed, timeout, &ctx.printer).await?;
    }
    if args.no_boot {
        lab::wait_ready(rt, &plan.nodes.iter().collect::<Vec<_>>(), timeout, &ctx.printer).await?;
    } else {
        // The boot needs only the genesis node. Producers not started yet are started by
        // `start-prod`, as the tutorial does, once the accounts are staked and registered.
        lab::wait_ready(rt, &[plan.genesis()], timeout, &ctx.printer).await?;
        let boot = Boot::new(rt, plan, state, &ctx.printer);
        let steps = select(&[], None, &[], false);
        // On a lab that has a chain (running, or stopped and started again), ask the chain about
        // every step at once; only if something is missing does the boot run (and resume where
        // it stopped). A chain just created has everything missing: no need to ask.
        let fresh = report.created.contains(&plan.genesis().container);
        // keosd lives in the genesis container's processes, not in its chain: after a restart
        // it is started again on its own, and that is no reason to run the boot.
        let chain_steps: Vec<StepName> = steps.iter().copied().filter(|s| *s != StepName::Wallet).collect();
        if !fresh && boot.all_done(&chain_steps).await? {
            if !boot.all_done(&[StepName::Wallet]).await? {
                boot.run(&BootOptions { steps: vec![StepName::Wallet], xfer_count: 0 }).await?;
            }
            ctx.printer
                .info("the chain is booted: every boot step checked on the chain is done; no step was run again");
        } else {
            boot.run(&BootOptions { steps, xfer_count: 0 }).await?;
        }
    }
    Ok(report.changed())
}

/// After a failure or an interrupt: shows the last log lines of nodes that stopped, then removes
/// what this `up` created (or keeps it with `--keep-failed`, and says so). Problems while undoing
/// are printed; the error that stopped `up` stays the one reported.
#[allow(clippy::too_many_arguments)]
async fn undo(
    ctx: &Ctx,
    args: &UpArgs,
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    state: &StateDir,
    state_existed: bool,
    created: &Created,
    error: &anyhow::Error,
) {
    let objects = created.objects();
    let shown = format!("{error:#}");
    for node in &plan.nodes {
        // The error shows the lines of the node it is about already.
        if !objects.containers.contains(&node.container) || shown.contains(&format!("{} stopped", node.container)) {
            continue;
        }
        if let Ok(Some(ContainerState::Exited | ContainerState::Dead)) = rt.container_state(&node.container).await {
            let logs = rt.logs(&node.container, 20).await.unwrap_or_default();
            ctx.printer.warn(format!("{} stopped; its last log lines:\n{}", node.container, lab::indent(&logs)));
        }
    }
    let nothing = objects.is_empty() && objects.fresh_lab.is_none();
    if nothing {
        if !state_existed {
            let _ = state.remove();
        }
        return;
    }
    let task = ctx.printer.task("undo what this `up` created");
    match lab::undo(rt, created, args.keep_failed).await {
        Ok(lab::Undone::Nothing) => task.done("nothing was created"),
        Ok(lab::Undone::Kept(objects)) => {
            task.done("kept");
            ctx.printer.warn(format!("kept for inspection: {}; `lab down` removes them", objects.describe()));
        }
        Ok(lab::Undone::Removed(objects)) => {
            task.done(format!("removed {}", objects.describe()));
            if !state_existed {
                let _ = state.remove();
            }
        }
        Err(e) => {
            task.fail();
            ctx.printer
                .warn(format!("could not remove everything this `up` created ({e:#}); `lab down` removes the rest"));
        }
    }
}

/// `lab up --from FILE [--name NEW]`: a lab from a bundle, no boot steps but the wallet's.
async fn up_from(ctx: &Ctx, from: &std::path::Path, name: Option<&str>, started: Instant) -> Result<ExitCode> {
    let rt = ctx.runtime().await?;
    let r = bundle::up_from(&rt, from, name, &ctx.printer).await?;
    ctx.printer.info(format!(
        "lab `{}` up from {} in {:.1}s: {} nodes{}, block {} by {}. Its topology is {}: give it to other commands with `-f {}`.",
        r.plan.lab,
        from.display(),
        started.elapsed().as_secs_f64(),
        r.plan.nodes.len(),
        r.plan.genesis().host_http_port.map(|p| format!(", API on http://127.0.0.1:{p}")).unwrap_or_default(),
        r.block,
        r.producer,
        r.topology.display(),
        r.topology.display(),
    ));
    Ok(ExitCode::SUCCESS)
}
