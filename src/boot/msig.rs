//! A transaction under eosio's authority once eosio has resigned: proposed through eosio.msig,
//! approved by the producers of the active schedule (eosio.prods holds eosio), executed, the way a
//! live network changes its system. Each round reads the chain and does what is missing, in order
//! (propose, approve, exec), going on as soon as the node shows the last one's effect; a
//! transaction a busy producer dropped is simply done again in the next round.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use serde_json::json;

use super::context::Context;
use super::error::Failure;
use super::push::Action;
use super::wait::{settle, wait_for};
use crate::chain::answers::{ApprovalsRow, PermissionLevel, ProposalRow};
use crate::printer::Task;

/// Rounds of "do the next missing thing".
const ROUNDS: usize = 5;
/// How long an executed proposal gets to show its effect (a deferred transaction runs a block
/// or two later, on a nodeos that runs them).
const EFFECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Whether eosio has resigned: its owner permission is held by eosio.prods, not by a key.
pub async fn resigned(cx: &Context<'_>) -> Result<bool, Failure> {
    let account = cx.chain().account("eosio").await?.ok_or_else(|| Failure::chain("no account eosio"))?;
    Ok(account.held_by("owner", "eosio.prods"))
}

/// The proposal `name` of the transaction the shell command `write` writes to `file` in the
/// genesis container, through eosio.msig: proposed by a producer, approved by every producer of
/// the active schedule, executed; nothing when `done` holds already. An exec whose effect does
/// not show while eosio.msig's deferred transaction stays scheduled is an eosio.msig that
/// executes as a deferred transaction, which Spring does not run: said so. An effect that takes
/// longer (the switch to Savanna) is the caller's to wait for.
pub async fn through_producers<D, F>(
    cx: &Context<'_>,
    task: &Task,
    name: &str,
    write: &str,
    file: &str,
    done: D,
) -> Result<String, Failure>
where
    D: Fn() -> F,
    F: Future<Output = Result<bool, Failure>>,
{
    let chain = cx.chain();
    let producers = chain.active_schedule().await?.names();
    let proposer = producers.first().cloned().ok_or_else(|| Failure::chain("the active schedule is empty"))?;
    let how = || format!("proposal {name} by {proposer}, approved by {} producers, executed", producers.len());
    let mut last_error = None;
    for _ in 0..ROUNDS {
        if done().await? {
            return Ok(how());
        }
        match round(cx, task, name, write, file, &proposer, &producers).await {
            Ok(true) => {
                // Executed. A current eosio.msig runs the actions inline, in the exec itself; an
                // older one schedules them as a deferred transaction, which only Leap runs.
                let seen = wait_for("the proposal to take effect", EFFECT_TIMEOUT, || async {
                    Ok(done().await?.then_some(()))
                })
                .await;
                if seen.is_ok() || !deferred_left(cx).await? {
                    return Ok(how());
                }
                return Err(Failure::chain(format!(
                    "proposal {name} executed as a deferred transaction, which this nodeos does not run \
                     (eosio.msig of this chain predates inline execution): replace eosio.msig while the \
                     producers still run Leap, then move them"
                )));
            }
            Ok(false) => {}
            Err(e @ Failure::Exec { .. }) => last_error = Some(e),
            Err(e) => return Err(e),
        }
        settle(&chain).await?;
    }
    Err(last_error.unwrap_or_else(|| Failure::chain(format!("proposal {name} did not execute in {ROUNDS} rounds"))))
}

/// A transaction eosio.msig scheduled and nobody ran.
async fn deferred_left(cx: &Context<'_>) -> Result<bool, Failure> {
    let body = json!({"json": true, "limit": 10});
    let v: serde_json::Value =
        crate::client::NodeClient::new(cx.rt, cx.genesis).call_as("chain/get_scheduled_transactions", &body).await?;
    Ok(v["transactions"].as_array().is_some_and(|t| t.iter().any(|x| x["sender"] == "eosio.msig")))
}

/// One round; `Ok(true)` once the proposal was executed.
async fn round(
    cx: &Context<'_>,
    task: &Task,
    name: &str,
    write: &str,
    file: &str,
    proposer: &str,
    approvers: &[String],
) -> Result<bool, Failure> {
    let chain = cx.chain();
    let proposed = || async {
        let rows: Vec<ProposalRow> = cx.chain().table("eosio.msig", proposer, "proposal").await?;
        Ok::<_, Failure>(rows.iter().any(|r| r.proposal_name == name))
    };
    if !proposed().await? {
        task.message(format!("propose {name}"));
        propose(cx, name, write, file, proposer, approvers).await?;
        // Seen in the node's state, the proposal can be approved at once; not seen, the next
        // round looks again.
        let seen = wait_for("the proposal to appear", Duration::from_secs(5), || async {
            Ok(proposed().await?.then_some(()))
        })
        .await;
        if seen.is_err() {
            return Ok(false);
        }
    }
    let missing = || async {
        let approvals: Vec<ApprovalsRow> = chain.table("eosio.msig", proposer, "approvals2").await?;
        let provided: BTreeSet<String> = approvals
            .iter()
            .filter(|r| r.proposal_name == name)
            .flat_map(|r| r.provided_approvals.iter().map(|a| a.level.actor.clone()))
            .collect();
        Ok::<_, Failure>(approvers.iter().filter(|p| !provided.contains(p.as_str())).cloned().collect::<Vec<String>>())
    };
    let waiting = missing().await?;
    if !waiting.is_empty() {
        // Every missing approval in one transaction: the lab's wallet holds the producers' keys.
        task.message(format!("{name}: {} approvals", waiting.len()));
        let approvals: Vec<Action> = waiting
            .iter()
            .map(|p| {
                let level = json!({"actor": p, "permission": "active"});
                Action::new(
                    "eosio.msig",
                    "approve",
                    p,
                    json!({"proposer": proposer, "proposal_name": name, "level": level}),
                )
            })
            .collect();
        cx.pusher().push(&approvals).await?;
        let seen = wait_for("the approvals to show", Duration::from_secs(5), || async {
            Ok(missing().await?.is_empty().then_some(()))
        })
        .await;
        if seen.is_err() {
            return Ok(false);
        }
    }
    task.message(format!("exec {name}"));
    cx.cleos().ok(&["multisig", "exec", "-t", "false", proposer, name, "-p", proposer]).await?;
    Ok(true)
}

async fn propose(
    cx: &Context<'_>,
    name: &str,
    write: &str,
    file: &str,
    proposer: &str,
    approvers: &[String],
) -> Result<(), Failure> {
    let cleos = cx.cleos();
    cleos.sh(&format!("mkdir -p $(dirname {file}) && {write} > {file}"), None).await?;
    // The proposal stores the whole transaction: the proposer's RAM holds it, bought by the
    // producers from their liquid tokens (eosio has none left once everything is allocated).
    let size = cleos.sh(&format!("wc -c < {file}"), None).await?.stdout;
    let size: i64 = size.trim().parse().map_err(|_| Failure::chain(format!("wc printed {size:?} for {file}")))?;
    let account =
        cx.chain().account(proposer).await?.ok_or_else(|| Failure::chain(format!("no account {proposer}")))?;
    let needed = size / 2 + 20_000 - account.free_ram();
    if needed > 0 {
        // Whoever of the producers (then of the voters) has the tokens for it.
        let voters = cx.voters().map(|a| a.name.clone());
        for payer in approvers.iter().cloned().chain(voters) {
            let data = json!({"payer": payer, "receiver": proposer, "bytes": needed});
            if cx.pusher().push(&[Action::new("eosio", "buyrambytes", &payer, data)]).await.is_ok() {
                break;
            }
        }
    }
    let requested: Vec<PermissionLevel> =
        approvers.iter().map(|p| PermissionLevel { actor: p.clone(), permission: "active".into() }).collect();
    let requested = serde_json::to_string(&requested).map_err(|e| Failure::chain(e.to_string()))?;
    cleos.ok(&["multisig", "propose_trx", "-t", "false", name, &requested, file, proposer, "-p", proposer]).await?;
    Ok(())
}
