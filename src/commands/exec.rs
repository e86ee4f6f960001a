use std::process::ExitCode;

use anyhow::Result;

use super::{relay, Ctx};
use crate::cli::ExecArgs;
use crate::lab::Lab;

pub async fn run(ctx: &Ctx, args: ExecArgs) -> Result<ExitCode> {
    let lab = Lab::attach_config(&ctx.config()?).await?;
    Ok(relay(&lab.exec(&args.node, &args.cmd).await?))
}
