//! u1: the upgrade rehearsal, timed as a user runs it with the `lab` binary: a Leap 4.1 lab (the
//! default image) booted legacy, moved to Spring and to Savanna the way networks did in
//! 2024–2025. The time counted is from the booted Leap lab to Savanna finality with every
//! producer; the balances of every user and the supply are compared before and after.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::experiments::Driver;

/// The target for the default lab, in seconds (issue: ≤ 60 s).
const TARGET_S: f64 = 60.0;

#[derive(Debug, Serialize)]
pub struct UpgradeOutcome {
    /// `lab upgrade` of the genesis node and one producer, the first `--protocol`, the other
    /// producers, the second `--protocol` (to Savanna).
    pub first_nodes_s: f64,
    pub msig_s: f64,
    pub other_nodes_s: f64,
    pub protocol_s: f64,
    pub total_s: f64,
    pub target_s: f64,
    /// Every user's tokens and the supply as before.
    pub balances_unchanged: bool,
}

impl UpgradeOutcome {
    pub fn meets_target(&self) -> bool {
        self.total_s <= self.target_s && self.balances_unchanged
    }
}

pub fn run(bin: &Path, dir: PathBuf, spring: &Path) -> Result<UpgradeOutcome> {
    let state = dir.join("state");
    std::fs::create_dir_all(&state)?;
    let name = "bench-u1";
    std::fs::write(
        dir.join("lab.yaml"),
        format!("name: {name}\nseed: bench\nnodes: {{genesis: {{http_port: 18981}}}}\n"),
    )?;
    let d = Driver { bin, dir: dir.clone(), state };
    let _ = d.lab(&["down", "--name", name]);
    let outcome = measure(&d, spring);
    let _ = d.lab(&["down", "--name", name]);
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

fn balances(d: &Driver) -> Result<String> {
    let (_, accounts) = d.lab_output(&["accounts", "--json"])?;
    let accounts: serde_json::Value = serde_json::from_str(&accounts).context("lab accounts --json is not JSON")?;
    let users: Vec<String> = accounts
        .as_array()
        .context("lab accounts --json is not a list")?
        .iter()
        .filter(|a| a["role"] == "staked")
        .map(|a| format!("{} {} {}", a["name"], a["liquid"], a["staked"]))
        .collect();
    let (_, stats) = d.lab_output(&["cleos", "--", "get", "currency", "stats", "eosio.token", "SYS"])?;
    Ok(format!("{}\n{stats}", users.join("\n")))
}

fn measure(d: &Driver, spring: &Path) -> Result<UpgradeOutcome> {
    let spring = spring.canonicalize().with_context(|| spring.display().to_string())?;
    let image = format!("{{files: {}, tag: antelope-lab/bench-spring:u1}}", spring.display());
    eprintln!("  lab up (Leap, legacy)");
    d.lab(&["up", "-q"])?;
    let before = balances(d)?;
    eprintln!("  lab upgrade genesis accountnum11");
    // The image is built on the first move; the bench times the moves, not the build.
    d.lab(&["upgrade", "accountnum44", "--image", &image, "--timeout", "300"])?;
    let first_nodes_s = d.lab(&["upgrade", "genesis", "accountnum11", "--image", &image])?;
    eprintln!("  lab upgrade --protocol (eosio.msig)");
    let msig_s = d.lab(&["upgrade", "--protocol"])?;
    eprintln!("  lab upgrade the other producers");
    let other_nodes_s = d.lab(&["upgrade", "accountnum22", "accountnum33", "--image", &image])?;
    eprintln!("  lab upgrade --protocol (to Savanna)");
    let (protocol_s, out) = d.lab_output(&["upgrade", "--protocol"])?;
    if !out.contains("Savanna: policy generation") {
        bail!("the second `lab upgrade --protocol` did not end in Savanna:\n{out}");
    }
    let after = balances(d)?;
    let total_s = first_nodes_s + msig_s + other_nodes_s + protocol_s;
    Ok(UpgradeOutcome {
        first_nodes_s,
        msig_s,
        other_nodes_s,
        protocol_s,
        total_s,
        target_s: TARGET_S,
        balances_unchanged: before == after,
    })
}

pub fn print(o: &UpgradeOutcome) {
    println!("\n### u1 — Leap 4.1 → Spring → Savanna, 4 producers");
    let verdict = if o.meets_target() { "meets" } else { "MISSES" };
    println!("rehearsal                 {:>6.1} s   (target ≤ {} s: {verdict})", o.total_s, o.target_s);
    println!("  genesis, 1 producer     {:>6.1} s", o.first_nodes_s);
    println!("  --protocol (eosio.msig) {:>6.1} s", o.msig_s);
    println!("  2 more producers        {:>6.1} s", o.other_nodes_s);
    println!("  --protocol (Savanna)    {:>6.1} s", o.protocol_s);
    println!("balances and supply       {}", if o.balances_unchanged { "unchanged" } else { "CHANGED" });
}
