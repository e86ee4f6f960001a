use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Ctx;
use crate::cli::RestartArgs;
use crate::orchestrator;

pub async fn run(ctx: &Ctx, args: RestartArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (plan, state) = ctx.plan()?;
    let nodes = orchestrator::select(&plan, &args.nodes, false)?;
    let rt = ctx.runtime().await?;
    orchestrator::stop(&rt, &plan, &nodes, &ctx.printer).await?;
    state.forget_faults(&nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>())?;
    let report = orchestrator::start(&rt, &plan, &nodes, Duration::from_secs(args.timeout), &ctx.printer).await?;
    super::start_summary(ctx, &plan.lab, &report, started);
    Ok(ExitCode::SUCCESS)
}
