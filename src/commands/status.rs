use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::chain::answers::FinalizerVote;
use crate::cli::StatusArgs;
use crate::lab::Finality;
use crate::orchestrator::Health;
use crate::runtime::ContainerState;
use crate::state::StateDir;

pub async fn run(ctx: &Ctx, args: StatusArgs) -> Result<ExitCode> {
    let name = ctx.lab_name()?;
    let rt = ctx.runtime().await?;
    let status = crate::lab::status_of(&rt, &name, &StateDir::for_lab(&name)).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(ExitCode::SUCCESS);
    }
    if status.nodes.is_empty() {
        println!("lab `{name}` has no containers (`lab up` starts it)");
        return Ok(ExitCode::SUCCESS);
    }
    let dash = || "-".to_string();
    let hosts = status.nodes.iter().any(|n| n.host.is_some());
    println!(
        "{:<14} {:<9} {:<13} {:>8} {:>8} {:<14} {:<40} FAULTS",
        "NODE",
        "ROLE",
        "STATE",
        "HEAD",
        "LIB",
        "PRODUCER",
        // A swarm publishes no ports on this machine: the column says where each node runs.
        if hosts { "HOST" } else { "PORTS" },
    );
    for n in &status.nodes {
        let mut ports: Vec<String> = [("http", n.http_port), ("p2p", n.p2p_port)]
            .iter()
            .filter_map(|(k, p)| p.map(|p| format!("{k} 127.0.0.1:{p}")))
            .collect();
        ports.extend(n.ship_url.as_ref().map(|u| format!("ship {}", u.trim_start_matches("ws://"))));
        let state = match (n.status, n.exit_code) {
            (Health::Crashed, Some(code)) => format!("crashed ({code})"),
            (status, _) => status.to_string(),
        };
        println!(
            "{:<14} {:<9} {:<13} {:>8} {:>8} {:<14} {:<40} {}",
            n.node,
            n.role,
            state,
            n.head_block.map(|h| h.to_string()).unwrap_or_else(dash),
            n.last_irreversible_block.map(|h| h.to_string()).unwrap_or_else(dash),
            n.head_producer.clone().unwrap_or_else(dash),
            if hosts {
                n.host.clone().unwrap_or_else(dash)
            } else if ports.is_empty() {
                dash()
            } else {
                ports.join(", ")
            },
            if n.faults.is_empty() { dash() } else { n.faults.join("; ") }
        );
        if !n.faults.is_empty() {
            // Rules live in the node's network namespace, which a stopped node no longer has.
            let gone = if n.state == ContainerState::Running { "" } else { " (not in effect: not running)" };
            println!("{:<14} faults: {}{gone}", "", n.faults.join("; "));
        }
    }
    match &status.finality {
        Some(Finality { policy: Some(p), .. }) => {
            println!(
                "finality: Savanna; finalizer policy generation {}, threshold {} of {}:",
                p.generation,
                p.threshold,
                p.finalizers.iter().map(|f| f.weight).sum::<u64>()
            );
            let votes = status.finality.as_ref().and_then(|f| f.votes.as_ref());
            for f in &p.finalizers {
                let vote = votes.and_then(|v| v.finalizers.iter().find(|v| v.name == f.description));
                let vote = match vote {
                    Some(FinalizerVote { voting: true, last_vote_block: Some(b), .. }) => format!("voting (block {b})"),
                    Some(FinalizerVote { last_vote_block: Some(b), .. }) => format!("silent since block {b}"),
                    Some(_) => "no vote seen".to_string(),
                    None => "-".to_string(),
                };
                println!("  {:<13} weight {} {:<24} {}", f.description, f.weight, vote, f.public_key);
            }
            if let Some(v) = votes.filter(|v| !v.quorum()) {
                println!("  {v}");
            }
        }
        Some(Finality { savanna_supported: true, .. }) => {
            println!("finality: legacy (producers' confirmations); this nodeos has Savanna, not switched to yet")
        }
        Some(_) => println!("finality: legacy (producers' confirmations); this nodeos has no Savanna"),
        None => {}
    }
    Ok(ExitCode::SUCCESS)
}
