use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::HealArgs;

pub async fn run(ctx: &Ctx, _args: HealArgs) -> Result<ExitCode> {
    let lab = ctx.attach().await?;
    let report = lab.heal().await?;
    if report.healed.is_empty() && report.not_running.len() == lab.plan().nodes.len() {
        ctx.printer
            .info(format!("lab `{}`: no node runs, so no fault is in effect; the record is cleared", lab.name()));
        return Ok(ExitCode::SUCCESS);
    }
    for n in &report.not_running {
        ctx.printer.info(format!("{n} is not running: it holds no rule (they go with its network namespace)"));
    }
    Ok(ExitCode::SUCCESS)
}
