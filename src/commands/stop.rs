use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use super::Ctx;
use crate::cli::StopArgs;
use crate::orchestrator;

pub async fn run(ctx: &Ctx, args: StopArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (plan, state) = ctx.plan()?;
    let nodes = orchestrator::select(&plan, &args.nodes, true)?;
    let rt = ctx.runtime().await?;
    let stopped = orchestrator::stop(&rt, &plan, &nodes, &ctx.printer).await?;
    state.forget_faults(&nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>())?;
    if stopped.is_empty() {
        ctx.printer.info("nothing to stop: no node named is running");
    } else {
        ctx.printer.info(format!(
            "stopped {} of lab `{}` in {:.1}s; `lab start` starts them again with their chain",
            stopped.join(", "),
            plan.lab,
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
