use std::process::ExitCode;

use anyhow::{anyhow, Result};

use super::{relay, Ctx};
use crate::cli::ExecArgs;
use crate::runtime::{ContainerState, Runtime};

pub async fn run(ctx: &Ctx, args: ExecArgs) -> Result<ExitCode> {
    let (plan, _) = ctx.plan()?;
    let node = plan.node(&args.node).ok_or_else(|| anyhow!("{:?} is not a node of lab `{}`", args.node, plan.lab))?;
    let rt = ctx.runtime().await?;
    if rt.container_state(&node.container).await? != Some(ContainerState::Running) {
        return Err(anyhow!("{} is not running; `lab up` starts the lab", node.container));
    }
    Ok(relay(&rt.exec(&node.container, &args.cmd, None).await?))
}
