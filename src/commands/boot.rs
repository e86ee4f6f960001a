use std::process::ExitCode;

use anyhow::{bail, Result};

use super::Ctx;
use crate::boot::{select, Boot, BootOptions, Check, StepName};
use crate::cli::BootArgs;
use crate::lab::Lab;
use crate::plan::NetworkPlan;
use crate::runtime::ContainerState;
use crate::topology;

pub async fn run(ctx: &Ctx, args: BootArgs) -> Result<ExitCode> {
    let mut config = ctx.config()?;
    if let Some(file) = &args.accounts {
        let (plan, _) = config.plan()?;
        // The topology with its accounts taken from the given file.
        let file = std::env::current_dir()?.join(file);
        let with_file = config
            .clone()
            .map_topology(|t| t.accounts = topology::AccountsConfig { count: None, file: Some(file.clone()) });
        let (with_file_plan, _) = with_file.plan()?;
        // The lab's nodes were made for the topology's producers; a file naming others would
        // boot accounts no node produces for.
        let nodes = |p: &NetworkPlan| p.nodes.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
        if nodes(&with_file_plan) != nodes(&plan) {
            bail!(
                "{} names the producers {}, but lab `{}` runs nodes for {}: set accounts.file in the topology, then `lab down` and `lab up`",
                args.accounts.as_ref().expect("given").display(),
                with_file_plan.producers().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
                plan.lab,
                plan.producers().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
            );
        }
        config = with_file;
    }
    let lab = Lab::attach_config(&config).await?.with_printer(ctx.printer.clone());
    let genesis = &lab.plan().genesis().container;
    if lab.runtime().container_state(genesis).await? != Some(ContainerState::Running) {
        bail!("the genesis node {genesis} is not running; `lab up --no-boot` starts the lab");
    }
    let steps = select(&args.only, args.from, &args.skip, args.all);
    if args.list {
        let boot = Boot::new(lab.runtime(), lab.plan(), lab.state(), &ctx.printer);
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
    let reports = lab.boot_with(&BootOptions { steps, xfer_count: args.count }).await?;
    let changed = reports.iter().filter(|r| r.changed).count();
    if changed == 0 {
        ctx.printer.info("nothing to do: every step was already done");
    }
    Ok(ExitCode::SUCCESS)
}
