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
    let nodes = orchestrator::node_containers(&rt, &name).await?;
    let served = endpoints::served(&nodes);
    // A stopped api or history node publishes no port: say so, instead of silently exporting less.
    for c in nodes.iter().filter(|c| !c.running()) {
        let role = c.labels.get(crate::labels::ROLE).map(String::as_str).unwrap_or_default();
        let var = match role {
            "api" => "LAB_API_URLS",
            "history" => "LAB_SHIP_URLS",
            _ => continue,
        };
        eprintln!("lab env: {role} node {} is {}; {var} leaves it out (`lab start` starts it)", c.name, c.state);
    }
    let mut vars = vec![
        ("LAB_NAME", name.clone()),
        ("LAB_API_URL", e.api_url.clone().unwrap_or_default()),
        // Where clients send transactions and queries: the api nodes, else the genesis node.
        ("LAB_API_URLS", served.api_urls.join(",")),
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
    // The history nodes: the first one's as the one a client takes, every one's as a list.
    if let (Some(ship), Some(http)) = (served.ship_urls.first(), served.history_urls.first()) {
        vars.push(("LAB_SHIP_URL", ship.clone()));
        vars.push(("LAB_HISTORY_URL", http.clone()));
    }
    if !served.ship_urls.is_empty() {
        vars.push(("LAB_SHIP_URLS", served.ship_urls.join(",")));
    }
    print!("{}", exports(&vars));
    Ok(ExitCode::SUCCESS)
}
