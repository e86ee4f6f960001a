use std::process::ExitCode;

use anyhow::{bail, Result};

use super::Ctx;
use crate::boot::{select, Boot, BootOptions, Check, StepName};
use crate::cli::BootArgs;
use crate::plan::NetworkPlan;
use crate::runtime::Runtime;
use crate::topology::{self, TopologySource};

pub async fn run(ctx: &Ctx, args: BootArgs) -> Result<ExitCode> {
    let (mut plan, state) = ctx.plan()?;
    if let Some(file) = &args.accounts {
        // The topology with its accounts taken from the given file.
        let mut source: TopologySource = ctx.topology()?;
        source.topology.accounts =
            topology::AccountsConfig { count: None, file: Some(std::env::current_dir()?.join(file)) };
        let with_file = NetworkPlan::build(&source, &plan.seed)?;
        // The lab's nodes were made for the topology's producers; a file naming others would
        // boot accounts no node produces for.
        let nodes = |p: &NetworkPlan| p.nodes.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
        if nodes(&with_file) != nodes(&plan) {
            bail!(
                "{} names the producers {}, but lab `{}` runs nodes for {}: set accounts.file in the topology, then `lab down` and `lab up`",
                file.display(),
                with_file.producers().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
                plan.lab,
                plan.producers().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
            );
        }
        plan = with_file;
    }
    let rt = ctx.runtime().await?;
    if rt.container_state(&plan.genesis().container).await? != Some(crate::runtime::ContainerState::Running) {
        bail!("the genesis node {} is not running; `lab up --no-boot` starts the lab", plan.genesis().container);
    }
    let boot = Boot::new(&rt, &plan, &state, &ctx.printer);
    let steps = select(&args.only, args.from, &args.skip, args.all);
    if args.list {
        for step in StepName::ALL {
            let done = match boot.check(step).await {
                Ok(Check::Done(_)) => "done",
                Ok(Check::ToDo(_)) => "to do",
                Ok(Check::Always) => "-",
                Ok(Check::NotSupported(_)) => "not supported",
                Err(_) => "unknown",
            };
            let selected = if steps.contains(&step) { "*" } else { " " };
            println!("{selected} {:<13} {:<8} {}", step.as_str(), done, step.about());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let reports = boot.run(&BootOptions { steps, xfer_count: args.count }).await?;
    let changed = reports.iter().filter(|r| r.changed).count();
    if changed == 0 {
        ctx.printer.info("nothing to do: every step was already done");
    }
    Ok(ExitCode::SUCCESS)
}
