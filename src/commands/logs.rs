use std::io::Write;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use futures::StreamExt;

use super::Ctx;
use crate::cli::LogsArgs;
use crate::runtime::Runtime;

pub async fn run(ctx: &Ctx, args: LogsArgs) -> Result<ExitCode> {
    let (plan, _) = ctx.plan()?;
    let node = plan.node(&args.node).ok_or_else(|| {
        anyhow!(
            "{:?} is not a node of lab `{}` (nodes: {})",
            args.node,
            plan.lab,
            plan.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", ")
        )
    })?;
    let rt = ctx.runtime().await?;
    if rt.container_state(&node.container).await?.is_none() {
        return Err(anyhow!("{} has no container; `lab up` creates it", node.name));
    }
    if !args.follow {
        print!("{}", rt.logs(&node.container, args.tail).await?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut stream = rt.follow_logs(&node.container, args.tail);
    let mut out = std::io::stdout();
    while let Some(chunk) = stream.next().await {
        out.write_all(chunk?.as_bytes())?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}
