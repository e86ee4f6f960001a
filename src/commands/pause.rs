//! `lab pause` and `lab unpause`: one file, as the two undo each other.

use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::PauseArgs;
use crate::orchestrator;

pub async fn run(ctx: &Ctx, args: PauseArgs, pause: bool) -> Result<ExitCode> {
    let (plan, _) = ctx.plan()?;
    let nodes = orchestrator::select(&plan, &args.nodes, false)?;
    let rt = ctx.runtime().await?;
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    if pause {
        orchestrator::pause(&rt, &plan, &nodes).await?;
        ctx.printer.info(format!("paused {}; `lab unpause` resumes them", names.join(", ")));
    } else {
        orchestrator::unpause(&rt, &plan, &nodes).await?;
        ctx.printer.info(format!("resumed {}", names.join(", ")));
    }
    Ok(ExitCode::SUCCESS)
}
