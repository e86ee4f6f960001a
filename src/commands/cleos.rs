use std::process::ExitCode;

use anyhow::{anyhow, Result};

use super::{relay, Ctx};
use crate::boot::CleosCommand;
use crate::cli::CleosArgs;
use crate::runtime::Runtime;

pub async fn run(ctx: &Ctx, args: CleosArgs) -> Result<ExitCode> {
    let (plan, _) = ctx.plan()?;
    let target = plan.node(&args.node).ok_or_else(|| anyhow!("{:?} is not a node of lab `{}`", args.node, plan.lab))?;
    let genesis = &plan.genesis().container;
    // cleos runs next to the wallet, in the genesis container, and talks to the chosen node.
    let cleos = if target.name == plan.genesis().name {
        CleosCommand::local()
    } else {
        CleosCommand::to_node(&target.container)
    };
    let cmd = cleos.args(&args.args);
    let rt = ctx.runtime().await?;
    if rt.container_state(genesis).await? != Some(crate::runtime::ContainerState::Running) {
        return Err(anyhow!("{genesis} is not running; `lab up` starts the lab"));
    }
    Ok(relay(&rt.exec(genesis, &cmd, None).await?))
}
