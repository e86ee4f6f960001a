//! `stepMsigReplaceSystem` (optional): eosio's code is replaced through an eosio.msig proposal
//! that the elected producers approve, the way a live network upgrades its system contract.

use std::collections::BTreeSet;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;

use crate::boot::cleos::CleosCommand;
use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::wait::{settle, wait_for};
use crate::boot::StepName;
use crate::chain::answers::{ApprovalsRow, PermissionLevel, ProposalRow};
use crate::chain::system::wasm_path;
use crate::printer::Task;

pub struct MsigReplace;

/// Where the run writes the replacement contract and the proposed transaction (the genesis
/// node's volume).
const REPLACED_DIR: &str = "/lab/data/msig/eosio.system";
const TRX_FILE: &str = "/lab/data/msig/replace-trx.json";
const PROPOSAL: &str = "replace";
/// Rounds of "do the next missing thing".
const ROUNDS: usize = 5;

/// A wasm custom section appended to eosio.system: the replacement's hash differs (the chain
/// refuses to set the code it already runs) while it behaves the same.
fn custom_section() -> Vec<u8> {
    let name = b"antelope-lab";
    let payload = b"msig-replace";
    let mut content = vec![name.len() as u8];
    content.extend_from_slice(name);
    content.extend_from_slice(payload);
    let mut section = vec![0u8, content.len() as u8];
    section.extend(content);
    section
}

/// The replacement's code hash, computed in the container without writing anything.
async fn replaced_hash(cx: &Context<'_>) -> Result<String, Failure> {
    let out =
        cx.cleos().sh(&format!("cat {} - | sha256sum", wasm_path("eosio.system")), Some(custom_section())).await?;
    out.stdout
        .split_whitespace()
        .next()
        .map(str::to_string)
        .ok_or_else(|| Failure::chain("sha256sum printed nothing for the replacement"))
}

/// Writes the replacement contract (the image's ABI, the wasm with the custom section).
async fn write_replacement(cx: &Context<'_>) -> Result<(), Failure> {
    let script = format!(
        "mkdir -p {REPLACED_DIR} && cp {dir}/eosio.system.abi {REPLACED_DIR}/ && cat {wasm} - > {REPLACED_DIR}/eosio.system.wasm",
        dir = crate::chain::system::contract_dir("eosio.system"),
        wasm = wasm_path("eosio.system"),
    );
    cx.cleos().sh(&script, Some(custom_section())).await?;
    Ok(())
}

#[async_trait]
impl Step for MsigReplace {
    fn name(&self) -> StepName {
        StepName::MsigReplace
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        Ok(if cx.chain().code_hash("eosio").await? == replaced_hash(cx).await? {
            Check::Done("eosio runs the replacement".into())
        } else {
            Check::ToDo("eosio runs the original code".into())
        })
    }

    async fn run(&self, cx: &Context<'_>, task: &Task) -> Result<Outcome, Failure> {
        let target = replaced_hash(cx).await?;
        let chain = cx.chain();
        if chain.code_hash("eosio").await? == target {
            return Ok(Outcome::unchanged("eosio runs the replacement"));
        }
        write_replacement(cx).await?;
        let proposer =
            cx.voters().next().map(|a| a.name.clone()).ok_or_else(|| Failure::chain("no user to propose"))?;
        let schedule = chain.active_schedule().await?.names();
        let approvers: Vec<String> =
            if schedule.iter().any(|p| p == "eosio") { vec!["eosio".into()] } else { schedule };
        let done =
            || Outcome::changed(format!("proposed by {proposer}, approved by {} producers, executed", approvers.len()));
        // Each round reads the chain and does the next missing thing: propose, approve, exec. A
        // transaction the genesis node accepted can still be dropped by the producer whose block
        // it was meant for (a 400 KB proposal on a busy laptop); the next round sees that and
        // does it again.
        let mut last_error = None;
        for _ in 0..ROUNDS {
            if chain.code_hash("eosio").await? == target {
                return Ok(done());
            }
            match round(cx, task, &proposer, &approvers, &target).await {
                Ok(true) => return Ok(done()),
                Ok(false) => {}
                Err(e @ Failure::Exec { .. }) => last_error = Some(e),
                Err(e) => return Err(e),
            }
            settle(&chain).await?;
        }
        Err(last_error.unwrap_or_else(|| Failure::chain(format!("the proposal did not execute in {ROUNDS} rounds"))))
    }
}

/// One round; `Ok(true)` once eosio runs the replacement.
async fn round(
    cx: &Context<'_>,
    task: &Task,
    proposer: &str,
    approvers: &[String],
    target: &str,
) -> Result<bool, Failure> {
    let chain = cx.chain();
    let proposed = || async {
        let rows: Vec<ProposalRow> = cx.chain().table("eosio.msig", proposer, "proposal").await?;
        Ok::<_, Failure>(rows.iter().any(|r| r.proposal_name == PROPOSAL))
    };
    if !proposed().await? {
        task.message("propose");
        propose(cx, proposer, approvers).await?;
        // Seen or not, the next round decides what to do.
        let _ = wait_for("the proposal to appear", Duration::from_secs(5), || async {
            Ok(proposed().await?.then_some(()))
        })
        .await;
        return Ok(false);
    }
    let approvals: Vec<ApprovalsRow> = chain.table("eosio.msig", proposer, "approvals2").await?;
    let provided: BTreeSet<&str> = approvals
        .iter()
        .filter(|r| r.proposal_name == PROPOSAL)
        .flat_map(|r| r.provided_approvals.iter().map(|a| a.level.actor.as_str()))
        .collect();
    let missing: Vec<&String> = approvers.iter().filter(|p| !provided.contains(p.as_str())).collect();
    if !missing.is_empty() {
        task.message(format!("{} approvals", missing.len()));
        for p in missing {
            let level = json!({"actor": p, "permission": "active"}).to_string();
            cx.cleos().ok(&["multisig", "approve", "-t", "false", proposer, PROPOSAL, &level, "-p", p]).await?;
        }
        return Ok(false);
    }
    task.message("exec");
    cx.cleos().ok(&["multisig", "exec", "-t", "false", proposer, PROPOSAL, "-p", proposer]).await?;
    let ran = wait_for("eosio to run the replaced code", Duration::from_secs(10), || async {
        Ok((cx.chain().code_hash("eosio").await? == target).then_some(()))
    })
    .await;
    Ok(ran.is_ok())
}

async fn propose(cx: &Context<'_>, proposer: &str, approvers: &[String]) -> Result<(), Failure> {
    let cleos = cx.cleos();
    // The proposal stores the whole transaction, code included: the proposer buys the RAM for it
    // from its liquid tokens (eosio has none left once everything is allocated).
    let size = cleos.sh(&format!("wc -c < {REPLACED_DIR}/eosio.system.wasm"), None).await?.stdout;
    let size: i64 =
        size.trim().parse().map_err(|_| Failure::chain(format!("wc printed {size:?} for the wasm size")))?;
    let needed = size + 20_000;
    let account =
        cx.chain().account(proposer).await?.ok_or_else(|| Failure::chain(format!("no account {proposer}")))?;
    if account.free_ram() < needed {
        let data = json!({"payer": proposer, "receiver": proposer, "bytes": needed - account.free_ram()});
        cx.pusher().push(&[Action::new("eosio", "buyrambytes", proposer, data)]).await?;
    }
    // The ABI is unchanged, so cleos leaves setabi out: the proposal stays under the 512 KiB
    // transaction limit. (`-x N` does not parse in this cleos; `--expiration N` does.)
    let base = CleosCommand::local().shell();
    cleos
        .sh(&format!("{base} set contract -s -d -j --expiration 3600 eosio {REPLACED_DIR} > {TRX_FILE}"), None)
        .await?;
    let requested: Vec<PermissionLevel> =
        approvers.iter().map(|p| PermissionLevel { actor: p.clone(), permission: "active".into() }).collect();
    let requested = serde_json::to_string(&requested).map_err(|e| Failure::chain(e.to_string()))?;
    cleos
        .ok(&["multisig", "propose_trx", "-t", "false", PROPOSAL, &requested, TRX_FILE, proposer, "-p", proposer])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_custom_section_is_well_formed() {
        let s = custom_section();
        assert_eq!(s[0], 0, "custom section id");
        assert_eq!(s[1] as usize, s.len() - 2, "size");
        assert_eq!(s[2] as usize, "antelope-lab".len());
    }
}
