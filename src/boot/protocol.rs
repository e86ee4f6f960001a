//! A running chain moved to what its nodes can do, as a live network does it once eosio has
//! resigned: every change under eosio's authority goes through eosio.msig and the producers'
//! approvals (see [`super::msig`]). Run after `lab upgrade` moved nodes to a newer nodeos (Leap →
//! Spring), and again after the next move; each phase checks the chain first and does only what
//! is missing:
//!
//! 1. `eosio.msig`: the image's, when the chain's differs. An eosio.msig older than inline
//!    execution runs a proposal as a deferred transaction, which only Leap producers run: this
//!    phase is for a lab whose genesis node is on the new image and whose producers still run
//!    Leap.
//! 2. Then only where every node's nodeos has Savanna: the chain's parameters raised to mainnet's
//!    where lower (`max_inline_action_size` 512 KiB, which setting a 400 KB system contract inline
//!    needs; transaction CPU 150 ms, block 200 ms); every protocol feature the nodes support and
//!    the chain lacks, activated; the image's eosio.token, eosio.wrap and system contract (one
//!    proposal); and the
//!    `finality` step (finalizer keys, `switchtosvnn` through eosio.msig, Savanna).
//!
//! Not done: the system accounts a newer system contract expects (the Vaulta-era ones `sys`
//! creates on a new chain); `lab up` names them.

use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Value};

use super::context::Context;
use super::error::Failure;
use super::msig::through_producers;
use super::{Boot, BootOptions, CleosCommand, StepName};
use crate::chain::system::contract_dir;
use crate::client::NodeClient;
use crate::printer::Task;

/// Where the proposed transactions are written (the genesis node's volume).
const MSIG_DIR: &str = "/lab/data/msig";
/// Mainnet's values, which a chain booted with the tutorial's genesis is below.
const INLINE_ACTION_SIZE: u64 = 524_287;
const TRX_CPU_US: u64 = 150_000;
const BLOCK_CPU_US: u64 = 200_000;

/// One phase of a protocol upgrade (`lab upgrade --protocol`, `Lab::upgrade_protocol`).
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolStep {
    /// The phase: `eosio.msig`, `parameters`, `features`, `contracts`, `finality`.
    pub phase: &'static str,
    /// Whether the phase changed the chain (false: it was already done).
    pub changed: bool,
    /// What it did, in a line.
    pub note: String,
    /// How long it took.
    pub seconds: f64,
}

/// A phase that failed, with the chain's words.
#[derive(Debug, thiserror::Error)]
#[error("protocol upgrade, {phase}: {failure}")]
pub struct ProtocolError {
    pub(crate) phase: &'static str,
    pub(crate) failure: Failure,
}

impl Boot<'_> {
    /// Moves the chain to what its nodes can do (see the module's doc); returns each phase.
    /// `savanna`: whether every node's nodeos has Savanna.
    pub async fn upgrade_protocol(&self, savanna: bool) -> Result<Vec<ProtocolStep>, ProtocolError> {
        let cx = self.context(0);
        let mut steps = Vec::new();
        let (started, task) = (Instant::now(), self.printer.task("eosio.msig"));
        let r = contracts(&cx, &task, &[("eosio.msig", "eosio.msig")], "msigcontract").await;
        record(&mut steps, "eosio.msig", task, started, r)?;
        if !savanna {
            steps.push(ProtocolStep {
                phase: "savanna",
                changed: false,
                note:
                    "not every node's nodeos has Savanna: `lab upgrade NODE… --image` moves them, then run this again"
                        .into(),
                seconds: 0.0,
            });
            return Ok(steps);
        }
        let (started, task) = (Instant::now(), self.printer.task("parameters"));
        let r = parameters(&cx, &task).await;
        record(&mut steps, "parameters", task, started, r)?;
        let (started, task) = (Instant::now(), self.printer.task("features"));
        let r = features(&cx, &task).await;
        record(&mut steps, "features", task, started, r)?;
        let (started, task) = (Instant::now(), self.printer.task("contracts"));
        let wanted = [("eosio.token", "eosio.token"), ("eosio.wrap", "eosio.wrap"), ("eosio.system", "eosio")];
        let r = contracts(&cx, &task, &wanted, "contracts").await;
        record(&mut steps, "contracts", task, started, r)?;
        let started = Instant::now();
        let reports = self
            .run(&BootOptions { steps: vec![StepName::Finality], xfer_count: 0 })
            .await
            .map_err(|e| ProtocolError { phase: "finality", failure: e.failure })?;
        for r in reports {
            steps.push(ProtocolStep {
                phase: "finality",
                changed: r.changed,
                note: r.note,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
        Ok(steps)
    }
}

/// A phase's outcome, on its progress line and in the report.
fn record(
    steps: &mut Vec<ProtocolStep>,
    phase: &'static str,
    task: Task,
    started: Instant,
    r: Result<(bool, String), Failure>,
) -> Result<(), ProtocolError> {
    match r {
        Ok((changed, note)) => {
            task.done(&note);
            steps.push(ProtocolStep { phase, changed, note, seconds: started.elapsed().as_secs_f64() });
            Ok(())
        }
        Err(failure) => {
            task.fail();
            Err(ProtocolError { phase, failure })
        }
    }
}

fn cleos() -> String {
    CleosCommand::local().shell()
}

/// The image's contracts on their accounts (`wanted`: contract, account) where the chain runs
/// other code there, in one proposal `proposal` (one round of approvals however many change).
async fn contracts(
    cx: &Context<'_>,
    task: &Task,
    wanted: &[(&str, &str)],
    proposal: &str,
) -> Result<(bool, String), Failure> {
    let mut changes = Vec::new();
    let mut unchanged = Vec::new();
    for &(contract, account) in wanted {
        if cx.chain().account(account).await?.is_none() {
            continue;
        }
        let target = cx.contract_hash(contract).await?;
        let now = cx.chain().code_hash(account).await?;
        if now != target {
            changes.push((contract, account, now, target));
        } else {
            unchanged.push((contract, account, target));
        }
    }
    let short = |h: &str| h.chars().take(12).collect::<String>();
    if changes.is_empty() {
        let note = match (wanted, unchanged.as_slice()) {
            ([_], [(contract, account, target)]) => {
                format!("{account} runs the image's {contract} ({})", short(target))
            }
            _ => {
                let accounts: Vec<&str> = wanted.iter().map(|(_, a)| *a).collect();
                let (last, rest) = accounts.split_last().unwrap_or((&"", &[]));
                let list = if rest.is_empty() { last.to_string() } else { format!("{} and {last}", rest.join(", ")) };
                format!("{list} run the image's contracts")
            }
        };
        return Ok((false, note));
    }
    // One transaction of every contract's setcode and setabi, as cleos writes them.
    let mut trx: Option<Value> = None;
    for (contract, account, _, _) in &changes {
        let dir = contract_dir(contract);
        let args = ["set", "contract", account, &dir, "-p", &format!("{account}@active"), "-s", "-d", "-j"];
        let out = cx.cleos().ok(&[&args[..], &["--expiration", "3600"]].concat()).await?;
        let one: Value = serde_json::from_str(&out.stdout)
            .map_err(|e| Failure::chain(format!("cleos set contract {account} printed no transaction: {e}")))?;
        match &mut trx {
            None => trx = Some(one),
            Some(all) => {
                let more = one["actions"].as_array().cloned().unwrap_or_default();
                all["actions"]
                    .as_array_mut()
                    .ok_or_else(|| Failure::chain("a transaction without actions"))?
                    .extend(more);
            }
        }
    }
    let trx = trx.map(|t| t.to_string()).unwrap_or_default();
    let source = format!("{proposal}.src.json");
    let file = crate::runtime::FileEntry { name: source.clone(), contents: trx.into_bytes(), mode: 0o644 };
    cx.cleos().sh(&format!("mkdir -p {MSIG_DIR}"), None).await?;
    cx.rt.put_files(cx.genesis, MSIG_DIR, &[file]).await?;
    let write = format!("cat {MSIG_DIR}/{source}");
    let done = || async {
        for (_, account, _, target) in &changes {
            if cx.chain().code_hash(account).await? != *target {
                return Ok(false);
            }
        }
        Ok(true)
    };
    let how = through_producers(cx, task, proposal, &write, &format!("{MSIG_DIR}/{proposal}.json"), done).await?;
    let moved: Vec<String> = changes
        .iter()
        .map(|(contract, account, now, target)| format!("{account}: {} → {} ({contract})", short(now), short(target)))
        .collect();
    Ok((true, format!("{}; {how}", moved.join(", "))))
}

/// The blockchain parameters the system contract keeps, as `setparams` takes them.
async fn current_parameters(cx: &Context<'_>) -> Result<Value, Failure> {
    let abi: Value =
        NodeClient::new(cx.rt, cx.genesis).call_as("chain/get_abi", &json!({"account_name": "eosio"})).await?;
    let structs = abi["abi"]["structs"].as_array().cloned().unwrap_or_default();
    let fields_of = |name: &str| -> Vec<String> {
        let Some(s) = structs.iter().find(|s| s["name"] == name) else { return vec![] };
        let mut out: Vec<String> = match s["base"].as_str().filter(|b| !b.is_empty()) {
            Some(base) => fields_of_base(&structs, base),
            None => vec![],
        };
        out.extend(s["fields"].as_array().into_iter().flatten().filter_map(|f| f["name"].as_str().map(String::from)));
        out
    };
    let fields = fields_of("blockchain_parameters");
    if fields.is_empty() {
        return Err(Failure::chain("the system contract's ABI has no blockchain_parameters"));
    }
    let rows: Vec<Value> = cx.chain().table("eosio", "eosio", "global").await?;
    let global = rows.first().ok_or_else(|| Failure::chain("eosio's global table is empty"))?;
    let mut params = serde_json::Map::new();
    for f in fields {
        params.insert(f.clone(), global[&f].clone());
    }
    Ok(Value::Object(params))
}

fn fields_of_base(structs: &[Value], name: &str) -> Vec<String> {
    structs
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["fields"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|f| f["name"].as_str().map(String::from))
        .collect()
}

async fn parameters(cx: &Context<'_>, task: &Task) -> Result<(bool, String), Failure> {
    let now = current_parameters(cx).await?;
    let low = |k: &str, min: u64| now[k].as_u64().unwrap_or(0) < min;
    if !low("max_inline_action_size", INLINE_ACTION_SIZE) && !low("max_transaction_cpu_usage", TRX_CPU_US) {
        return Ok((false, "at or above mainnet's (inline action size, transaction CPU)".into()));
    }
    let mut want = now.clone();
    let raise = |want: &mut Value, k: &str, v: u64| {
        if want[k].as_u64().unwrap_or(0) < v {
            want[k] = json!(v);
        }
    };
    raise(&mut want, "max_inline_action_size", INLINE_ACTION_SIZE);
    raise(&mut want, "max_block_cpu_usage", BLOCK_CPU_US);
    raise(&mut want, "max_transaction_cpu_usage", TRX_CPU_US);
    let data = json!({ "params": want }).to_string();
    let write = format!("{} push action eosio setparams '{data}' -p eosio@active -s -d -j --expiration 3600", cleos());
    let file = format!("{MSIG_DIR}/params.json");
    let done = || async {
        let p = current_parameters(cx).await?;
        Ok(p["max_inline_action_size"].as_u64().unwrap_or(0) >= INLINE_ACTION_SIZE
            && p["max_transaction_cpu_usage"].as_u64().unwrap_or(0) >= TRX_CPU_US)
    };
    let how = through_producers(cx, task, "params", &write, &file, done).await?;
    Ok((
        true,
        format!("max_inline_action_size {INLINE_ACTION_SIZE}, transaction CPU {TRX_CPU_US} µs, block {BLOCK_CPU_US} µs; {how}"),
    ))
}

/// Digests of the features the genesis node supports and the chain has not activated, each
/// after those it depends on, with their names.
async fn missing_features(cx: &Context<'_>) -> Result<Vec<(String, String)>, Failure> {
    let client = NodeClient::new(cx.rt, cx.genesis);
    let supported: Value = client.call_as("producer/get_supported_protocol_features", &json!({})).await?;
    let active: Value = client.call_as("chain/get_activated_protocol_features", &json!({"limit": 500})).await?;
    let mut done: Vec<String> = active["activated_protocol_features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["feature_digest"].as_str().map(String::from))
        .collect();
    let mut pending: Vec<(String, String, Vec<String>)> = supported
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let digest = f["feature_digest"].as_str()?.to_string();
            let name = f["specification"]
                .as_array()
                .and_then(|s| s.iter().find(|x| x["name"] == "builtin_feature_codename"))
                .and_then(|x| x["value"].as_str())
                .unwrap_or("?")
                .to_string();
            let deps = f["dependencies"].as_array().into_iter().flatten().filter_map(|d| d.as_str().map(String::from));
            Some((digest, name, deps.collect()))
        })
        .filter(|(d, _, _)| !done.contains(d))
        .collect();
    let mut ordered = Vec::new();
    while !pending.is_empty() {
        let Some(i) = pending.iter().position(|(_, _, deps)| deps.iter().all(|d| done.contains(d))) else {
            let names: Vec<&str> = pending.iter().map(|(_, n, _)| n.as_str()).collect();
            return Err(Failure::chain(format!("features whose dependencies are not supported: {}", names.join(", "))));
        };
        let (digest, name, _) = pending.remove(i);
        done.push(digest.clone());
        ordered.push((digest, name));
    }
    Ok(ordered)
}

async fn features(cx: &Context<'_>, task: &Task) -> Result<(bool, String), Failure> {
    let missing = missing_features(cx).await?;
    if missing.is_empty() {
        return Ok((false, "every feature the nodes support is active".into()));
    }
    let names: Vec<&str> = missing.iter().map(|(_, n)| n.as_str()).collect();
    let info = cx.chain().info().await?;
    let trx = activation_trx(
        &missing,
        &info.last_irreversible_block_id,
        info.last_irreversible_block_num,
        &info.head_block_time,
    )?;
    let write = format!("printf '%s' '{trx}'");
    let file = format!("{MSIG_DIR}/features.json");
    let done = || async { Ok(missing_features(cx).await?.is_empty()) };
    let how = through_producers(cx, task, "features", &write, &file, done).await?;
    Ok((true, format!("{} activated; {how}", names.join(", "))))
}

/// A transaction of `eosio::activate` for each digest, under eosio@active, on reference block
/// `block_id`, expiring an hour after `head_time`. Pure.
fn activation_trx(
    missing: &[(String, String)],
    block_id: &str,
    block_num: u64,
    head_time: &str,
) -> Result<String, Failure> {
    let id = (0..block_id.len())
        .step_by(2)
        .filter_map(|i| block_id.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect::<Vec<u8>>();
    if id.len() != 32 {
        return Err(Failure::chain(format!("{block_id:?} is not a block id")));
    }
    let prefix = u32::from_le_bytes([id[8], id[9], id[10], id[11]]);
    let head = chrono::NaiveDateTime::parse_from_str(head_time, "%Y-%m-%dT%H:%M:%S%.f")
        .map_err(|e| Failure::chain(format!("head block time {head_time:?}: {e}")))?;
    let expiration = (head + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%S").to_string();
    let actions: Vec<Value> = missing
        .iter()
        .map(|(digest, _)| {
            json!({"account": "eosio", "name": "activate",
                   "authorization": [{"actor": "eosio", "permission": "active"}], "data": digest})
        })
        .collect();
    Ok(json!({
        "expiration": expiration, "ref_block_num": block_num & 0xffff, "ref_block_prefix": prefix,
        "max_net_usage_words": 0, "max_cpu_usage_ms": 0, "delay_sec": 0,
        "context_free_actions": [], "actions": actions, "transaction_extensions": []
    })
    .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_proposal_name_is_a_name_the_chain_takes() {
        let source = include_str!("protocol.rs").to_string() + include_str!("steps/finality.rs");
        let names: Vec<&str> = ["msigcontract", "contracts", "params", "features", "switchsvnn"]
            .into_iter()
            .filter(|n| source.contains(&format!("\"{n}\"")))
            .collect();
        assert_eq!(names.len(), 5, "a proposal was renamed: update this list ({names:?})");
        for n in names {
            assert!(crate::chain::check_account_name(n).is_ok(), "{n}");
        }
        assert!(crate::chain::check_account_name("tokencontract").is_err(), "13 characters: refused");
    }

    #[test]
    fn the_activation_transaction_refers_to_the_block_and_lists_every_feature() {
        let id = "0000001ddd9c103fe4b2b343c6b22052295226aaaf425c3d3bda27a397a9c469";
        let missing = vec![("aa".repeat(32), "A".into()), ("bb".repeat(32), "B".into())];
        let trx: Value =
            serde_json::from_str(&activation_trx(&missing, id, 29, "2026-12-03T15:22:55.500").unwrap()).unwrap();
        assert_eq!(trx["ref_block_num"], 29);
        assert_eq!(trx["ref_block_prefix"], u32::from_le_bytes([0xe4, 0xb2, 0xb3, 0x43]));
        assert_eq!(trx["expiration"], "2026-12-03T16:22:55");
        assert_eq!(trx["actions"][1]["data"], "bb".repeat(32));
        assert_eq!(trx["actions"][0]["authorization"][0]["actor"], "eosio");
        assert!(activation_trx(&missing, "00ff", 1, "2026-12-03T15:22:55.500").is_err());
    }
}
