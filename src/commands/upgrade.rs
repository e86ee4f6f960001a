use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Ctx;
use crate::cli::UpgradeArgs;

pub async fn run(ctx: &Ctx, args: UpgradeArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let mut lab = ctx.attach().await?;
    let done = lab.upgrade(&args.nodes, args.image, Duration::from_secs(args.timeout)).await?;
    for u in &done {
        println!("{u}");
    }
    ctx.printer.info(format!(
        "lab `{}`: {} node(s) upgraded in {:.1}s",
        lab.name(),
        done.len(),
        started.elapsed().as_secs_f64()
    ));
    Ok(ExitCode::SUCCESS)
}
