use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::SnapshotArgs;

pub async fn run(ctx: &Ctx, args: SnapshotArgs) -> Result<ExitCode> {
    let lab = ctx.attach().await?;
    let snapshot = lab.snapshot(&args.node, args.output.as_deref()).await?;
    let out = snapshot.path.display();
    ctx.printer.info(format!(
        "wrote {out} (mode 0600: it holds the lab's seed, from which every key derives; keep it private). \
         `lab up --from {out} --name NEW` starts a lab from it."
    ));
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}
