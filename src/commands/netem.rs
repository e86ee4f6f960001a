use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::NetemArgs;
use crate::faults::LinkArgs;

pub async fn run(ctx: &Ctx, args: NetemArgs) -> Result<ExitCode> {
    let link = LinkArgs { delay: args.delay, jitter: args.jitter, loss: args.loss, rate: args.rate, clear: args.clear };
    ctx.attach().await?.netem(&args.nodes, &link).await?;
    Ok(ExitCode::SUCCESS)
}
