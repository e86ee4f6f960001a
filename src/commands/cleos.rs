use std::process::ExitCode;

use anyhow::{anyhow, Result};

use super::{relay, Ctx};
use crate::cli::CleosArgs;
use crate::plan::{HTTP_PORT, KEOSD_PORT};
use crate::runtime::Runtime;

pub async fn run(ctx: &Ctx, args: CleosArgs) -> Result<ExitCode> {
    let (plan, _) = ctx.plan()?;
    let target = plan.node(&args.node).ok_or_else(|| anyhow!("{:?} is not a node of lab `{}`", args.node, plan.lab))?;
    let genesis = &plan.genesis().container;
    // cleos runs next to the wallet, in the genesis container, and talks to the chosen node.
    let url = if target.name == plan.genesis().name {
        format!("http://127.0.0.1:{HTTP_PORT}")
    } else {
        format!("http://{}:{HTTP_PORT}", target.container)
    };
    let mut cmd = vec![
        "cleos".to_string(),
        "--no-auto-keosd".into(),
        "--url".into(),
        url,
        "--wallet-url".into(),
        format!("http://127.0.0.1:{KEOSD_PORT}"),
    ];
    cmd.extend(args.args);
    let rt = ctx.docker().await?;
    if rt.container_state(genesis).await? != Some(crate::runtime::ContainerState::Running) {
        return Err(anyhow!("{genesis} is not running; `lab up` starts the lab"));
    }
    Ok(relay(&rt.exec(genesis, &cmd, None).await?))
}
