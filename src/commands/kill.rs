use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::KillArgs;
use crate::orchestrator;

pub async fn run(ctx: &Ctx, args: KillArgs) -> Result<ExitCode> {
    let signal = orchestrator::parse_signal(&args.signal)?;
    let (plan, state) = ctx.plan()?;
    let nodes = orchestrator::select(&plan, &args.nodes, false)?;
    let rt = ctx.runtime().await?;
    orchestrator::kill(&rt, &plan, &nodes, &signal).await?;
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    state.forget_faults(&names)?;
    ctx.printer.info(format!(
        "sent {signal} to {}; `lab status` shows how each ended, `lab start` brings a crashed node back",
        names.join(", ")
    ));
    Ok(ExitCode::SUCCESS)
}
