use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Result};

use super::Ctx;
use crate::cli::WaitArgs;
use crate::wait::{self, Conditions};

pub async fn run(ctx: &Ctx, args: WaitArgs) -> Result<ExitCode> {
    let conditions = Conditions {
        lib_advances: args.lib_advances,
        head: args.head,
        in_sync: args.in_sync,
        schedule: args.schedule.iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
    };
    if conditions.is_empty() {
        bail!("nothing to wait for: give --lib-advances, --head, --in-sync or --schedule");
    }
    for p in &conditions.schedule {
        crate::chain::check_account_name(p).map_err(|e| anyhow::anyhow!("--schedule: {e}"))?;
    }
    let (plan, _) = ctx.plan()?;
    let rt = ctx.runtime().await?;
    let task = ctx.printer.task("wait for the chain");
    match wait::wait(&rt, &plan, &conditions, Duration::from_secs(args.timeout)).await {
        Ok(verdict) => {
            task.done(verdict.observed.join(", "));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            task.fail();
            Err(e)
        }
    }
}
