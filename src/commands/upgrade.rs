use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Ctx;
use crate::cli::UpgradeArgs;

pub async fn run(ctx: &Ctx, args: UpgradeArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let mut lab = ctx.attach().await?;
    let Some(image) = args.image else {
        let steps = lab.upgrade_protocol().await?;
        for s in &steps {
            println!("{:<13} {}{}", s.phase, if s.changed { "" } else { "(nothing to do) " }, s.note);
        }
        ctx.printer.info(format!("lab `{}`: protocol upgrade in {:.1}s", lab.name(), started.elapsed().as_secs_f64()));
        return Ok(ExitCode::SUCCESS);
    };
    let done = lab.upgrade(&args.nodes, image, Duration::from_secs(args.timeout)).await?;
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
