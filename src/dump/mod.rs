//! `lab dump`: what a failed CI job needs to see, in one folder: for each node its log, its
//! rendered files (keys masked unless asked), its container's state and exit code; and the
//! chain's info, schedule and producers table as a running node answers (best effort: a chain
//! that does not answer still leaves the logs, with the error in `chain/errors.txt`).

pub(crate) mod archive;
pub(crate) mod mask;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{json, Value};

use crate::client::NodeClient;
use crate::labels;
use crate::runtime::Runtime;
use crate::state::StateDir;

/// What a dump wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DumpReport {
    /// The folder written.
    pub dir: PathBuf,
    /// The nodes whose logs and config it holds.
    pub nodes: Vec<String>,
    /// The chain's answers could not all be had; what went wrong.
    pub chain_errors: Vec<String>,
    /// The `.tar.gz` of the folder, when asked for.
    pub archive: Option<PathBuf>,
}

fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

/// Dumps lab `lab` into `dir` (created; files in it are replaced).
pub async fn dump(rt: &dyn Runtime, lab: &str, state: &StateDir, dir: &Path, show_secrets: bool) -> Result<DumpReport> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let containers = crate::orchestrator::node_containers(rt, lab).await?;
    let mut report = DumpReport { dir: dir.to_path_buf(), nodes: Vec::new(), chain_errors: Vec::new(), archive: None };
    for c in &containers {
        let node = c.labels.get(labels::NODE).cloned().unwrap_or_else(|| c.name.clone());
        let ndir = dir.join("nodes").join(&node);
        std::fs::create_dir_all(&ndir)?;
        let log = match rt.logs(&c.name, 1_000_000).await {
            Ok(l) => l,
            Err(e) => format!("(the engine gave no log: {e})\n"),
        };
        write(&ndir.join("nodeos.log"), log)?;
        let container = json!({
            "container": c.name, "node": node, "role": c.labels.get(labels::ROLE), "image": c.image,
            "state": c.state, "exit_code": c.exit_code, "health": crate::orchestrator::health(c),
            "ports": c.ports.iter().map(|(inside, host)| json!({"container": inside, "host": host})).collect::<Vec<_>>(),
            "addresses": c.addresses, "labels": c.labels,
        });
        write(&ndir.join("container.json"), serde_json::to_string_pretty(&container)?)?;
        // The files the node was started with, as the state folder holds them.
        if let Ok(entries) = std::fs::read_dir(state.node_dir(&node)) {
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(text) = std::fs::read_to_string(&path) else { continue };
                let text = if show_secrets { text } else { mask::mask_config(&text) };
                write(&ndir.join(entry.file_name()), text)?;
            }
        }
        report.nodes.push(node);
    }
    let cdir = dir.join("chain");
    std::fs::create_dir_all(&cdir)?;
    match containers.iter().find(|c| c.running()) {
        None => report.chain_errors.push("no node of the lab runs: no chain state".into()),
        Some(c) => {
            let client = NodeClient::new(rt, &c.name);
            let asks: [(&str, &str, Value); 3] = [
                ("info.json", "chain/get_info", json!({})),
                ("schedule.json", "chain/get_producer_schedule", json!({})),
                (
                    "producers.json",
                    "chain/get_table_rows",
                    json!({"code": "eosio", "scope": "eosio", "table": "producers", "json": true, "limit": 1000}),
                ),
            ];
            for (file, path, body) in asks {
                match client.call(path, &body).await {
                    Ok(v) => write(&cdir.join(file), serde_json::to_string_pretty(&v)?)?,
                    Err(e) => report.chain_errors.push(format!("{path} (asked of {}): {e}", c.name)),
                }
            }
            // Savanna's finalizer policies and each finalizer's last vote; a nodeos without
            // Savanna knows no such call, and that is no error of the lab.
            match client.call("chain/get_finalizer_info", &json!({})).await {
                Ok(v) => write(&cdir.join("finalizers.json"), serde_json::to_string_pretty(&v)?)?,
                Err(e) if e.is_unknown_call() => {}
                Err(e) => report.chain_errors.push(format!("chain/get_finalizer_info (asked of {}): {e}", c.name)),
            }
        }
    }
    if !report.chain_errors.is_empty() {
        write(&cdir.join("errors.txt"), report.chain_errors.join("\n") + "\n")?;
    }
    Ok(report)
}
