use std::process::ExitCode;

use anyhow::{anyhow, Result};

use super::Ctx;
use crate::cli::PartitionArgs;
use crate::faults::{apply, record, spec};
use crate::orchestrator;

pub async fn run(ctx: &Ctx, args: PartitionArgs) -> Result<ExitCode> {
    let (plan, state) = ctx.plan()?;
    let names: Vec<String> = plan.nodes.iter().map(|n| n.name.clone()).collect();
    // Checked before the engine is asked anything: a refused partition changes nothing.
    let partition = spec::parse_partition(&args.groups, &names)?;
    let rt = ctx.runtime().await?;
    let nodes = apply::live_nodes(&rt, &plan).await?;
    let image = orchestrator::ensure_nettools_image(&rt, &plan, &ctx.printer).await?;
    let groups: Vec<String> = partition.groups.iter().map(|g| g.join(",")).collect();
    let task = ctx.printer.task(format!("partition {}", groups.join(" | ")));
    let (applied, error) = apply::partition(&rt, &image, &plan, &nodes, &partition).await;
    // What took effect is recorded even when a node failed, so `lab heal` and `lab status` know.
    state.save_faults(&record::with_partition(state.faults()?, &applied))?;
    if let Some(e) = error {
        task.fail();
        return Err(anyhow!(e).context(format!(
            "the partition is only partly in effect (on {}); `lab heal` undoes it",
            if applied.is_empty() {
                "no node".to_string()
            } else {
                applied.keys().cloned().collect::<Vec<_>>().join(", ")
            }
        )));
    }
    task.done(format!("{} nodes cut along {} groups", applied.len(), partition.groups.len()));
    for n in nodes.iter().filter(|n| !n.running()) {
        ctx.printer.warn(format!(
            "{} is not running: it was left alone and the others were not cut from it (its address is \
             unknown until it runs); run `lab partition` again once it runs",
            n.describe()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
