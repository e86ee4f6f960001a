use std::process::ExitCode;

use anyhow::{anyhow, Result};

use super::Ctx;
use crate::cli::HealArgs;
use crate::faults::{apply, FaultError};
use crate::orchestrator;

pub async fn run(ctx: &Ctx, _args: HealArgs) -> Result<ExitCode> {
    let (plan, state) = ctx.plan()?;
    let rt = ctx.runtime().await?;
    let nodes = match apply::live_nodes(&rt, &plan).await {
        Ok(n) => n,
        // A stopped container's network namespace is gone, and its rules with it.
        Err(FaultError::NotRunning(lab)) => {
            state.save_faults(&Default::default())?;
            ctx.printer.info(format!("lab `{lab}`: no node runs, so no fault is in effect; the record is cleared"));
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => return Err(e.into()),
    };
    let image = orchestrator::ensure_nettools_image(&rt, &plan, &ctx.printer).await?;
    let task = ctx.printer.task("heal");
    let (done, error) = apply::heal(&rt, &image, &plan, &nodes).await;
    let mut faults = state.faults()?;
    // Healed, or not running (their rules went with their network namespace): nothing remains.
    faults.retain(|node, _| !done.contains(node) && nodes.iter().any(|n| &n.name == node && n.running()));
    state.save_faults(&faults)?;
    if let Some(e) = error {
        task.fail();
        return Err(anyhow!(e).context("some faults remain (see `lab status`); run `lab heal` again"));
    }
    task.done(format!("{} nodes on a clean network", done.len()));
    for n in nodes.iter().filter(|n| !n.running()) {
        ctx.printer
            .info(format!("{} is not running: it holds no rule (they go with its network namespace)", n.describe()));
    }
    Ok(ExitCode::SUCCESS)
}
