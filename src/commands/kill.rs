use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::KillArgs;

pub async fn run(ctx: &Ctx, args: KillArgs) -> Result<ExitCode> {
    let lab = ctx.attach().await?;
    let signal = lab.kill(&args.nodes, &args.signal).await?;
    ctx.printer.info(format!(
        "sent {signal} to {}; `lab status` shows how each ended, `lab start` brings a crashed node back",
        args.nodes.join(", ")
    ));
    Ok(ExitCode::SUCCESS)
}
