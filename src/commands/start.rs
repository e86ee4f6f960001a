use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Ctx;
use crate::cli::StartArgs;

pub async fn run(ctx: &Ctx, args: StartArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let lab = ctx.attach().await?;
    let report = lab.start(&args.nodes, Duration::from_secs(args.timeout)).await?;
    super::start_summary(ctx, lab.name(), &report, started);
    Ok(ExitCode::SUCCESS)
}
