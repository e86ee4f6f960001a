use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Ctx;
use crate::cli::StartArgs;
use crate::orchestrator;

pub async fn run(ctx: &Ctx, args: StartArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (plan, _) = ctx.plan()?;
    let nodes = orchestrator::select(&plan, &args.nodes, true)?;
    let rt = ctx.runtime().await?;
    let report = orchestrator::start(&rt, &plan, &nodes, Duration::from_secs(args.timeout), &ctx.printer).await?;
    super::start_summary(ctx, &plan.lab, &report, started);
    Ok(ExitCode::SUCCESS)
}
