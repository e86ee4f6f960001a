use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use super::Ctx;
use crate::cli::StopArgs;

pub async fn run(ctx: &Ctx, args: StopArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let lab = ctx.attach().await?;
    let stopped = lab.stop(&args.nodes).await?;
    if stopped.is_empty() {
        ctx.printer.info("nothing to stop: no node named is running");
    } else {
        ctx.printer.info(format!(
            "stopped {} of lab `{}` in {:.1}s; `lab start` starts them again with their chain",
            stopped.join(", "),
            lab.name(),
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
