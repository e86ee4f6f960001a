use std::process::ExitCode;

use anyhow::Result;

use super::{relay, Ctx};
use crate::cli::ExecArgs;
use crate::lab::{Lab, LabConfig};

pub async fn run(ctx: &Ctx, args: ExecArgs) -> Result<ExitCode> {
    let lab = Lab::attach_config(&LabConfig::discover(ctx.file.as_deref())?.engine(ctx.engine)).await?;
    Ok(relay(&lab.exec(&args.node, &args.cmd).await?))
}
