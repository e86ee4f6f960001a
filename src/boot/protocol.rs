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
//!    proposal); and the `finality` step (finalizer keys, `switchtosvnn` through eosio.msig,
//!    Savanna). These proposals, `switchtosvnn` included, are proposed and approved together,
//!    one round of the producers' approvals for all; parameters and features execute in one
//!    transaction, the contracts once those are in effect (the system contract needs both),
//!    the switch once `finality` has registered the keys.
//!
//! Not done: the system accounts a newer system contract expects (the Vaulta-era ones `sys`
//! creates on a new chain); `lab up` names them.

use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Value};

use super::context::Context;
use super::error::Failure;
use super::msig::{execute, together, Done, Proposal};
use super::steps::{switch_to_come, SWITCH_PROPOSAL};
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
        let cx = self.context(0).await;
        let mut steps = Vec::new();
        let (started, task) = (Instant::now(), self.printer.task("eosio.msig"));
        let r = async {
            match contracts(&cx, &[("eosio.msig", "eosio.msig")], "msigcontract").await? {
                Planned::InEffect(note) => Ok((false, note)),
                Planned::Propose(proposal, note) => {
                    Ok((true, format!("{note}; {}", execute(&cx, &task, proposal).await?)))
                }
            }
        }
        .await;
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
        self.to_savanna(&cx, &mut steps).await?;
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

    /// Parameters, features and contracts, each a proposal where the chain needs it, with the
    /// switch to Savanna that `finality` then executes: proposed and approved together (one
    /// round of the producers' approvals instead of one a proposal), executed in the order they
    /// need (the contracts once the parameters and features are in effect).
    async fn to_savanna(&self, cx: &Context<'_>, steps: &mut Vec<ProtocolStep>) -> Result<(), ProtocolError> {
        let started = Instant::now();
        let task = self.printer.task("parameters, features, contracts");
        let fail = |phase: &'static str| move |failure| ProtocolError { phase, failure };
        let wanted = [("eosio.token", "eosio.token"), ("eosio.wrap", "eosio.wrap"), ("eosio.system", "eosio")];
        // Each phase, the proposal it needs (none: in effect already), and what it changes.
        let mut phases: Vec<(&'static str, Option<&'static str>, String)> = Vec::new();
        let mut proposals = Vec::new();
        // The contracts' proposal executes after the others: the system contract's setcode needs
        // the raised inline action size, and its wasm the features' host functions.
        for (phase, stage, planned) in [
            ("parameters", 0, parameters(cx).await.map_err(fail("parameters"))?),
            ("features", 0, features(cx).await.map_err(fail("features"))?),
            ("contracts", 1, contracts(cx, &wanted, "contracts").await.map_err(fail("contracts"))?),
        ] {
            match planned {
                Planned::Propose(mut proposal, note) => {
                    phases.push((phase, Some(proposal.name), note));
                    proposal.stage = Some(stage);
                    proposals.push(proposal);
                }
                Planned::InEffect(note) => phases.push((phase, None, note)),
            }
        }
        if !proposals.is_empty() && switch_to_come(cx).await.map_err(fail("finality"))? {
            proposals.push(switch_proposal(cx).await.map_err(fail("finality"))?);
        }
        let executed = match proposals.is_empty() {
            true => Default::default(),
            false => match together(cx, &task, &proposals).await {
                Ok(executed) => executed,
                Err(failure) => {
                    task.fail();
                    return Err(ProtocolError { phase: "parameters, features, contracts", failure });
                }
            },
        };
        let mut changed = Vec::new();
        for (phase, proposal, note) in phases {
            steps.push(match proposal.and_then(|p| executed.get(p)) {
                Some(e) => {
                    if e.changed {
                        changed.push(phase);
                    }
                    let seconds = e.at.duration_since(started).as_secs_f64();
                    ProtocolStep { phase, changed: e.changed, note: format!("{note}; {}", e.how), seconds }
                }
                None => ProtocolStep { phase, changed: false, note, seconds: 0.0 },
            });
        }
        task.done(&match (changed.is_empty(), executed.get(SWITCH_PROPOSAL)) {
            (true, _) => "nothing to do".to_string(),
            (false, None) => format!("{} through eosio.msig", changed.join(", ")),
            (false, Some(e)) => format!("{} through eosio.msig; {}", changed.join(", "), e.how),
        });
        Ok(())
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

/// A phase's proposal and what it changes, or what the chain has already.
enum Planned<'a> {
    Propose(Proposal<'a>, String),
    InEffect(String),
}

/// The image's contracts on their accounts (`wanted`: contract, account) where the chain runs
/// other code there, in one proposal `proposal` (one round of approvals however many change).
async fn contracts<'a>(
    cx: &'a Context<'_>,
    wanted: &[(&'static str, &'static str)],
    proposal: &'static str,
) -> Result<Planned<'a>, Failure> {
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
        return Ok(Planned::InEffect(note));
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
    let moved: Vec<String> = changes
        .iter()
        .map(|(contract, account, now, target)| format!("{account}: {} → {} ({contract})", short(now), short(target)))
        .collect();
    let targets: Vec<(&str, String)> = changes.into_iter().map(|(_, account, _, target)| (account, target)).collect();
    let done: Done<'a> = Box::new(move || {
        let targets = targets.clone();
        Box::pin(async move {
            for (account, target) in &targets {
                if cx.chain().code_hash(account).await? != *target {
                    return Ok(false);
                }
            }
            Ok(true)
        })
    });
    let proposal = Proposal {
        name: proposal,
        write: format!("cat {MSIG_DIR}/{source}"),
        file: format!("{MSIG_DIR}/{proposal}.json"),
        done,
        stage: Some(0),
    };
    Ok(Planned::Propose(proposal, moved.join(", ")))
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

async fn parameters<'a>(cx: &'a Context<'_>) -> Result<Planned<'a>, Failure> {
    let now = current_parameters(cx).await?;
    let low = |k: &str, min: u64| now[k].as_u64().unwrap_or(0) < min;
    if !low("max_inline_action_size", INLINE_ACTION_SIZE) && !low("max_transaction_cpu_usage", TRX_CPU_US) {
        return Ok(Planned::InEffect("at or above mainnet's (inline action size, transaction CPU)".into()));
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
    let done: Done<'a> = Box::new(move || {
        Box::pin(async move {
            let p = current_parameters(cx).await?;
            Ok(p["max_inline_action_size"].as_u64().unwrap_or(0) >= INLINE_ACTION_SIZE
                && p["max_transaction_cpu_usage"].as_u64().unwrap_or(0) >= TRX_CPU_US)
        })
    });
    let proposal = Proposal {
        name: "params",
        write: format!("{} push action eosio setparams '{data}' -p eosio@active -s -d -j --expiration 3600", cleos()),
        file: format!("{MSIG_DIR}/params.json"),
        done,
        stage: Some(0),
    };
    let note = format!(
        "max_inline_action_size {INLINE_ACTION_SIZE}, transaction CPU {TRX_CPU_US} µs, block {BLOCK_CPU_US} µs"
    );
    Ok(Planned::Propose(proposal, note))
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

async fn features<'a>(cx: &'a Context<'_>) -> Result<Planned<'a>, Failure> {
    let missing = missing_features(cx).await?;
    if missing.is_empty() {
        return Ok(Planned::InEffect("every feature the nodes support is active".into()));
    }
    let names: Vec<&str> = missing.iter().map(|(_, n)| n.as_str()).collect();
    let actions: Vec<Value> = missing
        .iter()
        .map(|(digest, _)| {
            json!({"account": "eosio", "name": "activate",
                   "authorization": [{"actor": "eosio", "permission": "active"}], "data": digest})
        })
        .collect();
    let done: Done<'a> = Box::new(move || Box::pin(async move { Ok(missing_features(cx).await?.is_empty()) }));
    let proposal = Proposal {
        name: "features",
        write: format!("printf '%s' '{}'", unsigned_trx(cx, actions).await?),
        file: format!("{MSIG_DIR}/features.json"),
        done,
        stage: Some(0),
    };
    Ok(Planned::Propose(proposal, format!("{} activated", names.join(", "))))
}

/// `switchtosvnn` under eosio@active, written by hand: the chain's ABI has the action only once
/// the contracts' proposal has executed, and this one is proposed beside it.
async fn switch_proposal<'a>(cx: &'a Context<'_>) -> Result<Proposal<'a>, Failure> {
    let action = json!({"account": "eosio", "name": "switchtosvnn",
                        "authorization": [{"actor": "eosio", "permission": "active"}], "data": ""});
    // Its effect is `finality`'s to wait for; held here, executed there.
    let done: Done<'a> = Box::new(|| Box::pin(async { Ok(false) }));
    Ok(Proposal {
        name: SWITCH_PROPOSAL,
        write: format!("printf '%s' '{}'", unsigned_trx(cx, vec![action]).await?),
        file: format!("{MSIG_DIR}/switch.json"),
        done,
        stage: None,
    })
}

/// A transaction of `actions` on the last irreversible block, expiring an hour after the head.
async fn unsigned_trx(cx: &Context<'_>, actions: Vec<Value>) -> Result<String, Failure> {
    let info = cx.chain().info().await?;
    trx_json(actions, &info.last_irreversible_block_id, info.last_irreversible_block_num, &info.head_block_time)
}

/// A transaction of `actions`, on reference block `block_id`, expiring an hour after
/// `head_time`. Pure.
fn trx_json(actions: Vec<Value>, block_id: &str, block_num: u64, head_time: &str) -> Result<String, Failure> {
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
    fn a_hand_written_transaction_refers_to_the_block_and_carries_every_action() {
        let id = "0000001ddd9c103fe4b2b343c6b22052295226aaaf425c3d3bda27a397a9c469";
        let activate = |d: String| {
            json!({"account": "eosio", "name": "activate",
                                          "authorization": [{"actor": "eosio", "permission": "active"}], "data": d})
        };
        let actions = vec![activate("aa".repeat(32)), activate("bb".repeat(32))];
        let trx: Value =
            serde_json::from_str(&trx_json(actions.clone(), id, 29, "2026-12-03T15:22:55.500").unwrap()).unwrap();
        assert_eq!(trx["ref_block_num"], 29);
        assert_eq!(trx["ref_block_prefix"], u32::from_le_bytes([0xe4, 0xb2, 0xb3, 0x43]));
        assert_eq!(trx["expiration"], "2026-12-03T16:22:55");
        assert_eq!(trx["actions"][1]["data"], "bb".repeat(32));
        assert_eq!(trx["actions"][0]["authorization"][0]["actor"], "eosio");
        assert!(trx_json(actions, "00ff", 1, "2026-12-03T15:22:55.500").is_err());
    }
}
