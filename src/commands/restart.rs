use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Ctx;
use crate::cli::RestartArgs;
use crate::lab;

pub async fn run(ctx: &Ctx, args: RestartArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (plan, state) = ctx.plan()?;
    let nodes = lab::select(&plan, &args.nodes, false)?;
    let rt = ctx.runtime().await?;
    lab::stop(&rt, &plan, &nodes, &ctx.printer).await?;
    state.forget_faults(&nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>())?;
    let report = lab::start(&rt, &plan, &nodes, Duration::from_secs(args.timeout), &ctx.printer).await?;
    super::start_summary(ctx, &plan.lab, &report, started);
    Ok(ExitCode::SUCCESS)
}
