use std::process::ExitCode;

use anyhow::{anyhow, Result};

use super::Ctx;
use crate::cli::PlanArgs;
use crate::render;

pub fn run(ctx: &Ctx, args: PlanArgs) -> Result<ExitCode> {
    let (plan, state) = ctx.preview()?;
    let hide = |text: String| -> String {
        if args.show_secrets {
            return text;
        }
        let mut t = text.replace(&plan.seed, "<seed hidden>");
        for k in std::iter::once(&plan.chain.eosio).chain(plan.accounts.iter().map(|a| &a.keys)) {
            t = t.replace(&k.private, "<private key hidden: --show-secrets>");
        }
        for bls in plan.accounts.iter().filter_map(|a| a.finalizer.as_ref()) {
            t = t.replace(&bls.private, "<private key hidden: --show-secrets>");
        }
        t
    };
    if args.compose {
        // The files Compose mounts must exist: write them, as `up` would (no Docker involved).
        state.write_plan(&plan)?;
        let specs: Vec<_> = plan.nodes.iter().map(|n| crate::orchestrator::container_spec(&plan, n, &state)).collect();
        print!("{}", crate::runtime::compose::compose_file(&plan, &specs));
        return Ok(ExitCode::SUCCESS);
    }
    if args.json {
        println!("{}", hide(serde_json::to_string_pretty(&plan)?));
        return Ok(ExitCode::SUCCESS);
    }
    let nodes: Vec<_> = match &args.node {
        Some(n) => vec![plan.node(n).ok_or_else(|| anyhow!("{n:?} is not a node of lab `{}`", plan.lab))?],
        None => plan.nodes.iter().collect(),
    };
    println!(
        "lab `{}`: image {}, network {}, state in {}",
        plan.lab,
        plan.image.reference(),
        plan.network,
        state.root.display()
    );
    println!(
        "chain: {} accounts ({} producers), max supply {}, distributing {}",
        plan.accounts.len(),
        plan.producers().count(),
        plan.chain.max_supply.display(&plan.chain.symbol),
        plan.chain.distribute.display(&plan.chain.symbol)
    );
    for node in nodes {
        let ports: Vec<String> = node
            .host_ports()
            .iter()
            .map(|p| format!("{} on 127.0.0.1:{}", p.kind.trim_end_matches("_port"), p.host))
            .collect();
        println!(
            "\n== node {} ({}) container {} volume {}{}",
            node.name,
            node.role.as_str(),
            node.container,
            node.volume,
            if ports.is_empty() { String::new() } else { format!(", {}", ports.join(", ")) }
        );
        println!("   peers: {}", if node.peers.is_empty() { "-".to_string() } else { node.peers.join(", ") });
        for file in render::node_files(&plan, node) {
            if file.name == "logging.json" {
                continue;
            }
            println!("--- {}", file.name);
            print!("{}", hide(file.contents));
        }
    }
    Ok(ExitCode::SUCCESS)
}
