use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use super::Ctx;
use crate::cli::WaitArgs;
use crate::wait::Conditions;

pub async fn run(ctx: &Ctx, args: WaitArgs) -> Result<ExitCode> {
    let conditions = Conditions {
        lib_advances: args.lib_advances,
        head: args.head,
        in_sync: args.in_sync,
        schedule: args.schedule.iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
    };
    ctx.attach().await?.wait(&conditions, Duration::from_secs(args.timeout)).await?;
    Ok(ExitCode::SUCCESS)
}
