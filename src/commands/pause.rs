use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::PauseArgs;

pub async fn run(ctx: &Ctx, args: PauseArgs, pause: bool) -> Result<ExitCode> {
    let lab = ctx.attach().await?;
    if pause {
        lab.pause(&args.nodes).await?;
        ctx.printer.info(format!("paused {}; `lab unpause` resumes them", args.nodes.join(", ")));
    } else {
        lab.unpause(&args.nodes).await?;
        ctx.printer.info(format!("resumed {}", args.nodes.join(", ")));
    }
    Ok(ExitCode::SUCCESS)
}
