use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::PartitionArgs;

pub async fn run(ctx: &Ctx, args: PartitionArgs) -> Result<ExitCode> {
    ctx.attach().await?.partition(&args.groups).await?;
    Ok(ExitCode::SUCCESS)
}
