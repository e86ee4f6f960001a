//! `lab graph`: the plan's p2p topology; with a running lab, its states and live connections.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::Ctx;
use crate::cli::{GraphArgs, GraphFormat};
use crate::graph::{dot, mermaid, svg, Graph};
use crate::runtime::RuntimeError;
use crate::top::Collector;

pub async fn run(ctx: &Ctx, args: GraphArgs) -> Result<ExitCode> {
    let (plan, state) = ctx.preview()?;
    let mut graph = Graph::from_plan(&plan);
    if !args.offline {
        match ctx.runtime().await {
            Ok(rt) => {
                let collector = Collector::new(&rt, &plan.lab, state);
                if collector.containers().await?.is_empty() {
                    ctx.printer.info(format!("lab `{}` is not running: the plan only", plan.lab));
                } else {
                    let sample = collector.sample(None, false).await?;
                    let states: BTreeMap<String, String> =
                        sample.nodes.iter().map(|n| (n.node.clone(), n.health.to_string())).collect();
                    let links: BTreeSet<(String, String)> = sample
                        .nodes
                        .iter()
                        .flat_map(|n| n.peers.iter().flatten().map(|p| (n.node.clone(), p.clone())))
                        .collect();
                    graph = graph.with_live(&states, &links);
                }
            }
            // No engine: the plan is still worth drawing.
            Err(e) if e.chain().any(|c| matches!(c.downcast_ref(), Some(RuntimeError::Connect(_)))) => {
                ctx.printer.info("no Docker engine: the plan only");
            }
            Err(e) => return Err(e),
        }
    }
    let text = match args.format {
        GraphFormat::Mermaid => mermaid(&graph),
        GraphFormat::Dot => dot(&graph),
        GraphFormat::Svg => svg(&graph),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?;
            ctx.printer.info(format!(
                "wrote {} ({} nodes, {} links{})",
                path.display(),
                graph.nodes.len(),
                graph.edges.len(),
                if graph.live { ", live" } else { "" }
            ));
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
