use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use super::Ctx;
use crate::bundle;
use crate::cli::SnapshotArgs;
use crate::plan::NetworkPlan;
use crate::state::StateDir;

pub async fn run(ctx: &Ctx, args: SnapshotArgs) -> Result<ExitCode> {
    let source = ctx.topology()?;
    let state = StateDir::for_lab(&source.topology.name);
    // Without the lab's seed the keys in the bundle would be new ones, not the chain's.
    if source.topology.seed.is_none() && !state.root.join("seed").exists() {
        bail!(
            "lab `{}` has no seed in {} nor a state folder ({}): is it up, from this topology?",
            source.topology.name,
            source.describe(),
            state.root.display()
        );
    }
    let seed = state.seed(source.topology.seed.as_deref())?;
    let plan = NetworkPlan::build(&source, &seed)?;
    let Some(node) = plan.node(&args.node) else {
        let names: Vec<&str> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
        bail!("--node: `{}` is not a node of lab `{}` (its nodes: {})", args.node, plan.lab, names.join(", "));
    };
    if let Some(out) = &args.output {
        if out.exists() {
            bail!("-o: {} exists; `lab snapshot` does not overwrite a file", out.display());
        }
    }
    let rt = ctx.runtime().await?;
    let task = ctx.printer.task(format!("snapshot of {}", node.name));
    let made = bundle::make(&rt, &source, &plan, node).await;
    let b = match made {
        Ok(b) => b,
        Err(e) => {
            task.fail();
            return Err(e);
        }
    };
    let out =
        args.output.unwrap_or_else(|| PathBuf::from(format!("{}-{}.labsnap.tar.gz", plan.lab, b.manifest.head_block)));
    b.write(&out).with_context(|| format!("lab `{}`: the snapshot was taken but not saved", plan.lab))?;
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    task.done(format!("block {}, {:.1} MB", b.manifest.head_block, size as f64 / 1e6));
    ctx.printer.info(format!(
        "wrote {} (mode 0600: it holds the lab's seed, from which every key derives; keep it private). \
         `lab up --from {} --name NEW` starts a lab from it.",
        out.display(),
        out.display()
    ));
    println!("{}", out.display());
    Ok(ExitCode::SUCCESS)
}
