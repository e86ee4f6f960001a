use std::process::ExitCode;

use anyhow::{anyhow, Result};

use super::Ctx;
use crate::cli::EnvArgs;
use crate::client::NodeClient;
use crate::orchestrator::endpoints::{self, exports};
use crate::orchestrator::{self, lab_filter};
use crate::runtime::Runtime;
use crate::state::StateDir;

/// `eval "$(lab env)"`: the running lab's endpoints as shell exports, read from its containers.
pub async fn run(ctx: &Ctx, _args: EnvArgs) -> Result<ExitCode> {
    let name = ctx.lab_name()?;
    let rt = ctx.runtime().await?;
    let containers = rt.containers(&lab_filter(Some(&name))).await?;
    let genesis = orchestrator::genesis_of(&containers)
        .ok_or_else(|| anyhow!("lab `{name}` has no genesis container; `lab up` starts it"))?;
    if !genesis.running() {
        return Err(anyhow!("lab `{name}` is not running ({} is {}); `lab up` starts it", genesis.name, genesis.state));
    }
    let info = NodeClient::new(&rt, &genesis.name).get_info().await?;
    let e = endpoints::of(genesis);
    let mut vars = vec![
        ("LAB_NAME", name.clone()),
        ("LAB_API_URL", e.api_url.clone().unwrap_or_default()),
        ("LAB_CHAIN_ID", info.chain_id),
        // What `lab` reads: the folder above every lab's, so that later commands find this one
        // by LAB_NAME; LAB_DIR is this lab's own (keys, seed, node files).
        ("LAB_STATE_DIR", crate::state::state_base().display().to_string()),
        ("LAB_DIR", StateDir::for_lab(&name).root.display().to_string()),
        ("LAB_GENESIS_CONTAINER", genesis.name.clone()),
    ];
    if let Some(p2p) = e.p2p_address {
        vars.push(("LAB_P2P_ADDRESS", p2p));
    }
    print!("{}", exports(&vars));
    Ok(ExitCode::SUCCESS)
}
