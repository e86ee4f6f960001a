use std::process::ExitCode;

use anyhow::Result;

use super::{relay, Ctx};
use crate::api::{Lab, LabConfig};
use crate::cli::ExecArgs;

pub async fn run(ctx: &Ctx, args: ExecArgs) -> Result<ExitCode> {
    let lab = Lab::attach_config(&LabConfig::discover(ctx.file.as_deref())?.engine(ctx.engine)).await?;
    Ok(relay(&lab.exec(&args.node, &args.cmd).await?))
}
