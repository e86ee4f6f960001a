use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::DownArgs;
use crate::lab;
use crate::state::StateDir;

pub async fn run(ctx: &Ctx, args: DownArgs) -> Result<ExitCode> {
    // Only the name is needed: `--name` or `--all` work without (or with a broken) topology file.
    let name = match (&args.name, args.all) {
        (_, true) => None,
        (Some(n), _) => Some(n.clone()),
        (None, false) => Some(ctx.topology()?.topology.name),
    };
    let rt = ctx.runtime().await?;
    let report = lab::down(&rt, name.as_deref(), args.keep_data, &ctx.printer).await?;
    if !args.keep_data {
        let mut labs = report.labs.clone();
        labs.extend(name.clone());
        labs.sort();
        labs.dedup();
        for l in labs {
            StateDir::for_lab(&l).remove()?;
        }
    }
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
