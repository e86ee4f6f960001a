use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Ctx;
use crate::boot::{select, Boot, BootOptions, StepName};
use crate::cli::UpArgs;
use crate::lab;

pub async fn run(ctx: &Ctx, args: UpArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (plan, state) = ctx.plan()?;
    let rt = ctx.docker().await?;
    let report = lab::up(&rt, &plan, &state, &ctx.printer, args.no_boot || lab::start_all_at_once(&plan)).await?;
    let timeout = Duration::from_secs(args.timeout);
    if !report.recover.is_empty() {
        // The crashed nodes come back from a snapshot of one that runs, so they go last.
        let crashed = lab::select(&plan, &report.recover, false)?;
        lab::recover_all(&rt, &plan, &crashed, timeout, &ctx.printer).await?;
    }
    if args.no_boot {
        lab::wait_ready(&rt, &plan.nodes.iter().collect::<Vec<_>>(), timeout, &ctx.printer).await?;
    } else {
        // The boot needs only the genesis node. Producers not started yet are started by
        // `start-prod`, as the tutorial does, once the accounts are staked and registered.
        lab::wait_ready(&rt, &[plan.genesis()], timeout, &ctx.printer).await?;
        let boot = Boot::new(&rt, &plan, &state, &ctx.printer);
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
    let what = if report.changed() { "up" } else { "already up" };
    ctx.printer.info(format!(
        "lab `{}` {what} in {:.1}s: {} nodes{}. `lab status` shows them, `lab cleos -- get info` asks the chain.",
        plan.lab,
        started.elapsed().as_secs_f64(),
        plan.nodes.len(),
        plan.genesis().host_http_port.map(|p| format!(", API on http://127.0.0.1:{p}")).unwrap_or_default()
    ));
    Ok(ExitCode::SUCCESS)
}
