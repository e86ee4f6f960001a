use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Ctx;
use crate::boot::{select, Boot, BootOptions};
use crate::cli::UpArgs;
use crate::{bundle, lab};

pub async fn run(ctx: &Ctx, args: UpArgs) -> Result<ExitCode> {
    let started = Instant::now();
    if let Some(from) = &args.from {
        return up_from(ctx, from, args.name.as_deref(), started).await;
    }
    let (plan, state) = ctx.plan()?;
    let rt = ctx.docker().await?;
    let report = lab::up(&rt, &plan, &state, &ctx.printer, args.no_boot || lab::start_all_at_once(&plan)).await?;
    let timeout = Duration::from_secs(args.timeout);
    if args.no_boot {
        lab::wait_ready(&rt, &plan.nodes.iter().collect::<Vec<_>>(), timeout, &ctx.printer).await?;
    } else {
        // The boot needs only the genesis node. Producers not started yet are started by
        // `start-prod`, as the tutorial does, once the accounts are staked and registered.
        lab::wait_ready(&rt, &[plan.genesis()], timeout, &ctx.printer).await?;
        let boot = Boot::new(&rt, &plan, &state, &ctx.printer);
        let steps = select(&[], None, &[], false);
        // On a lab that was already running, ask the chain about every step at once; only if
        // something is missing does the boot run (and resume where it stopped).
        if report.all_running && boot.all_done(&steps).await? {
            ctx.printer.info("the chain is booted: every boot step checked on the chain is done");
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

/// `lab up --from FILE [--name NEW]`: a lab from a bundle, no boot steps but the wallet's.
async fn up_from(ctx: &Ctx, from: &std::path::Path, name: Option<&str>, started: Instant) -> Result<ExitCode> {
    let rt = ctx.docker().await?;
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
