use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::DownArgs;
use crate::lab::{self, LabConfig};
use crate::state::StateDir;

pub async fn run(ctx: &Ctx, args: DownArgs) -> Result<ExitCode> {
    // Only the name is needed: `--name` or `--all` work without (or with a broken) topology file.
    if args.all && (ctx.name_flag.is_some() || ctx.file.is_some()) {
        anyhow::bail!("--all removes every lab: give it without --name or -f");
    }
    let name = if args.all { None } else { Some(ctx.lab_name()?) };
    // The engine the lab was run on (remembered in its state folder), else the topology's when
    // there is one to read, else the local engine.
    let topology = LabConfig::discover(ctx.file.as_deref()).map(|c| c.topology().engine).unwrap_or_default();
    let engine = match &name {
        Some(n) => crate::orchestrator::engine::resolve(ctx.engine, topology, &StateDir::for_lab(n))?,
        None => ctx.engine.unwrap_or(topology),
    };
    let report = lab::down(engine, name.as_deref(), args.keep_data, &ctx.printer).await?;
    let target = name.map(|n| format!("lab `{n}`")).unwrap_or_else(|| "all labs".into());
    if report.containers.is_empty() && report.networks.is_empty() && report.volumes.is_empty() {
        ctx.printer.info(format!("{target}: nothing to remove"));
    } else {
        ctx.printer.info(format!(
            "{target}: removed {} containers, {} networks, {} volumes{}",
            report.containers.len(),
            report.networks.len(),
            report.volumes.len(),
            if args.keep_data { " (data volumes kept)" } else { "" }
        ));
    }
    Ok(ExitCode::SUCCESS)
}
