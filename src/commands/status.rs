use std::process::ExitCode;

use anyhow::Result;
use futures::future::join_all;
use serde::Serialize;

use super::Ctx;
use crate::chain::answers::{FinalizerPolicy, FinalizerVote, Votes};
use crate::cli::StatusArgs;
use crate::client::Chain;
use crate::client::NodeClient;
use crate::labels;
use crate::orchestrator::{self, health, Health};
use crate::runtime::{ContainerState, Runtime};
use crate::state::StateDir;

#[derive(Debug, Serialize)]
struct NodeStatus {
    node: String,
    role: String,
    container: String,
    state: ContainerState,
    /// `running`, `stopped` (exited cleanly), `paused`, `crashed` (see `exit_code`), `created`.
    status: Health,
    /// How the container's process ended, when it has.
    exit_code: Option<i64>,
    /// The network faults `lab partition` / `lab netem` applied to it (`lab heal` undoes them).
    faults: Vec<String>,
    head_block: Option<u64>,
    last_irreversible_block: Option<u64>,
    head_producer: Option<String>,
    http_port: Option<u16>,
    p2p_port: Option<u16>,
    /// The node's HTTP API for a client on the host, when published.
    api_url: Option<String>,
    /// The node's p2p address for a node on the host, when published.
    p2p_address: Option<String>,
    /// The host it runs on, where the engine has several (`<host> (lost)` when that host is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<String>,
}

#[derive(Debug, Serialize)]
struct LabStatus {
    lab: String,
    /// As the first running node answers.
    chain_id: Option<String>,
    nodes: Vec<NodeStatus>,
    /// How blocks become final, as the first running node says; absent when none runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    finality: Option<Finality>,
}

/// `legacy`: producers' confirmations (two thirds of a round behind the head); `savanna`: BLS
/// finalizers vote, and the active policy says who.
#[derive(Debug, Serialize)]
struct Finality {
    mode: &'static str,
    /// Whether the node could switch (it knows Savanna's finalizer API).
    savanna_supported: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<FinalizerPolicy>,
    /// Under Savanna: who of the policy votes, as that node sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    votes: Option<Votes>,
}

async fn finality(rt: &dyn Runtime, container: &str, head: Option<u64>) -> Option<Finality> {
    let info = Chain::new(rt, container).finalizer_info().await.ok()?;
    Some(match info {
        None => Finality { mode: "legacy", savanna_supported: false, policy: None, votes: None },
        Some(i) => {
            let votes = head.and_then(|h| i.votes(h));
            match i.active_finalizer_policy {
                Some(policy) => Finality { mode: "savanna", savanna_supported: true, policy: Some(policy), votes },
                None => Finality { mode: "legacy", savanna_supported: true, policy: None, votes: None },
            }
        }
    })
}

pub async fn run(ctx: &Ctx, args: StatusArgs) -> Result<ExitCode> {
    let name = ctx.lab_name()?;
    let rt = ctx.runtime().await?;
    let containers = orchestrator::node_containers(&rt, &name).await?;
    // Written by the fault commands; a lab without a state folder has none.
    let faults = StateDir::for_lab(&name).faults()?;
    let faults = &faults;
    let rt_ref: &dyn Runtime = &rt;
    let infos = join_all(containers.iter().map(|c| async move {
        if c.running() {
            NodeClient::new(rt_ref, &c.name).get_info().await.ok()
        } else {
            None
        }
    }))
    .await;
    let chain_id = infos.iter().flatten().next().map(|i| i.chain_id.clone());
    let nodes: Vec<NodeStatus> = containers
        .iter()
        .zip(infos)
        .map(|(c, info)| {
            let endpoints = crate::orchestrator::endpoints::of(c);
            let node = c.labels.get(labels::NODE).cloned().unwrap_or_default();
            NodeStatus {
                faults: faults.get(&node).cloned().unwrap_or_default(),
                node,
                status: health(c),
                exit_code: c.exit_code,
                role: c.labels.get(labels::ROLE).cloned().unwrap_or_default(),
                container: c.name.clone(),
                state: c.state,
                head_block: info.as_ref().map(|i| i.head_block_num),
                last_irreversible_block: info.as_ref().map(|i| i.last_irreversible_block_num),
                head_producer: info.as_ref().map(|i| i.head_block_producer.clone()),
                http_port: c.ports.iter().find(|(p, _)| *p == crate::plan::HTTP_PORT).map(|(_, h)| *h),
                p2p_port: c.ports.iter().find(|(p, _)| *p == crate::plan::P2P_PORT).map(|(_, h)| *h),
                api_url: endpoints.api_url,
                p2p_address: endpoints.p2p_address,
                host: c.labels.get(crate::runtime::HOST_LABEL).cloned(),
            }
        })
        .collect();
    let asked = containers.iter().zip(&nodes).find(|(c, _)| c.running());
    let finality = match asked {
        Some((c, n)) => finality(rt_ref, &c.name, n.head_block).await,
        None => None,
    };
    let status = LabStatus { lab: name.clone(), chain_id, nodes, finality };
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
        let ports: Vec<String> = [("http", n.http_port), ("p2p", n.p2p_port)]
            .iter()
            .filter_map(|(k, p)| p.map(|p| format!("{k} 127.0.0.1:{p}")))
            .collect();
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
