use std::process::ExitCode;

use anyhow::{anyhow, Result};

use super::Ctx;
use crate::cli::NetemArgs;
use crate::faults::{apply, record, spec, FaultError, LinkArgs, SpecErrors};
use crate::orchestrator;

pub async fn run(ctx: &Ctx, args: NetemArgs) -> Result<ExitCode> {
    let (plan, state) = ctx.plan()?;
    let names: Vec<String> = plan.nodes.iter().map(|n| n.name.clone()).collect();
    // Both checks before anything else, their problems reported together.
    let link_args =
        LinkArgs { delay: args.delay, jitter: args.jitter, loss: args.loss, rate: args.rate, clear: args.clear };
    let (targets, link) = match (spec::parse_nodes(&args.nodes, &names), spec::parse_link(&link_args)) {
        (Ok(t), Ok(l)) => (t, l),
        (t, l) => {
            let mut all = t.err().map(|e| e.0).unwrap_or_default();
            all.extend(l.err().map(|e| e.0).unwrap_or_default());
            return Err(SpecErrors(all).into());
        }
    };
    let rt = ctx.runtime().await?;
    let nodes = apply::live_nodes(&rt, &plan).await?;
    let targets: Vec<&apply::LiveNode> = nodes.iter().filter(|n| targets.contains(&n.name)).collect();
    let stopped: Vec<String> = targets
        .iter()
        .filter(|n| !n.running())
        .map(|n| format!("{} is not running: its link cannot be set", n.describe()))
        .collect();
    if !stopped.is_empty() {
        return Err(FaultError::NodesNotRunning(stopped).into());
    }
    let image = orchestrator::ensure_nettools_image(&rt, &plan, &ctx.printer).await?;
    if link.needs_netem() {
        // Asked once, beside the first node, before any node is changed.
        apply::probe_netem(&rt, &image, &plan, targets[0]).await?;
    }
    let what = if link.is_clear() { "clear".to_string() } else { link.describe().join(", ") };
    let names: Vec<&str> = targets.iter().map(|n| n.name.as_str()).collect();
    let task = ctx.printer.task(format!("netem {}: {what}", names.join(", ")));
    let (done, error) = apply::link(&rt, &image, &plan, &targets, &link).await;
    let mut faults = state.faults()?;
    for node in &done {
        faults = record::with_link(faults, node, &link);
    }
    state.save_faults(&faults)?;
    match error {
        Some(e) => {
            task.fail();
            Err(anyhow!(e).context(format!(
                "the link settings are in effect on {} only; `lab heal` undoes them",
                if done.is_empty() { "no node".to_string() } else { done.join(", ") }
            )))
        }
        None => {
            task.done(format!("{} nodes", done.len()));
            Ok(ExitCode::SUCCESS)
        }
    }
}
