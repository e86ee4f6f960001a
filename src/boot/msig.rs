//! A transaction under eosio's authority once eosio has resigned: proposed through eosio.msig,
//! approved by the producers of the active schedule (eosio.prods holds eosio), executed, the way a
//! live network changes its system. Each round reads the chain and does what is missing, in order
//! (propose, approve, exec), going on as soon as the node shows the last one's effect; a
//! transaction a busy producer dropped is simply done again in the next round.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
/// How long a pushed proposal or approval gets to show in the table the API reads.
const SHOW_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether a proposal's effect shows on the chain.
pub type Done<'a> =
    Box<dyn Fn() -> Pin<Box<dyn Future<Output = Result<bool, Failure>> + Send + 'a>> + Send + Sync + 'a>;

/// A transaction under eosio's authority, for [`together`].
pub struct Proposal<'a> {
    /// The proposal's name (an account name: 12 characters at most).
    pub name: &'static str,
    /// The shell command, run in the genesis container, that prints the transaction.
    pub write: String,
    /// Where the transaction is written in the genesis container.
    pub file: String,
    /// Whether its effect shows on the chain (then it is not proposed, or not again).
    pub done: Done<'a>,
    /// Proposals execute stage by stage, a stage once every earlier one's effect shows (a
    /// feature activated is active from the next block, and a contract that needs it waits).
    /// `None`: proposed and approved only, for a later step to execute (through
    /// [`through_producers`] of the same name, which finds it ready).
    pub stage: Option<u8>,
}

/// What [`together`] did with one proposal.
pub struct Executed {
    /// "proposal NAME by P, approved by N producers, executed" (or "already in effect", or
    /// "approved" for one held for later).
    pub how: String,
    /// Whether this call changed the chain for it.
    pub changed: bool,
    /// When its effect showed (or this call found it in effect, or approved it).
    pub at: Instant,
}

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
    name: &'static str,
    write: &str,
    file: &str,
    done: D,
) -> Result<String, Failure>
where
    D: Fn() -> F + Send + Sync,
    F: Future<Output = Result<bool, Failure>> + Send,
{
    let done = &done;
    let proposal = Proposal {
        name,
        write: write.to_string(),
        file: file.to_string(),
        done: Box::new(move || Box::pin(done())),
        stage: Some(0),
    };
    execute(cx, task, proposal).await
}

/// One proposal through [`together`]; what it did, in a line.
pub async fn execute(cx: &Context<'_>, task: &Task, proposal: Proposal<'_>) -> Result<String, Failure> {
    let name = proposal.name;
    let mut out = together(cx, task, &[proposal]).await?;
    Ok(out.remove(name).map(|e| e.how).unwrap_or_default())
}

/// Several proposals at once: every one not in effect proposed (the proposer's RAM for all of
/// them bought once), every missing approval in one transaction, then executed stage by stage,
/// each stage's execs in one transaction. A round that finds something not shown yet ends, and
/// the next reads the chain again; a proposal executed is not proposed again.
pub async fn together(
    cx: &Context<'_>,
    task: &Task,
    proposals: &[Proposal<'_>],
) -> Result<BTreeMap<&'static str, Executed>, Failure> {
    let chain = cx.chain();
    let producers = chain.active_schedule().await?.names();
    let proposer = producers.first().cloned().ok_or_else(|| Failure::chain("the active schedule is empty"))?;
    let how = || format!("by {proposer}, approved by {} producers, executed", producers.len());
    let mut result: BTreeMap<&'static str, Executed> = BTreeMap::new();
    let mut last_error = None;
    for _ in 0..ROUNDS {
        let mut pending = Vec::new();
        let open: Vec<&Proposal> = proposals.iter().filter(|p| !result.contains_key(p.name)).collect();
        for p in open {
            if (p.done)().await? {
                let how = format!("proposal {} already in effect", p.name);
                result.insert(p.name, Executed { how, changed: false, at: Instant::now() });
            } else {
                pending.push(p);
            }
        }
        if pending.is_empty() {
            return Ok(result);
        }
        let round = Round { cx, task, proposer: &proposer, approvers: &producers };
        let mut executed = Vec::new();
        let outcome = round.run(&pending, &mut executed).await;
        for (name, at) in executed {
            let held = proposals.iter().any(|p| p.name == name && p.stage.is_none());
            let how = if held {
                format!("proposal {name} by {proposer}, approved by {} producers", producers.len())
            } else {
                format!("proposal {name} {}", how())
            };
            result.insert(name, Executed { how, changed: true, at });
        }
        match outcome {
            Ok(()) => {}
            Err(e @ (Failure::Exec { .. } | Failure::Refused { .. })) => last_error = Some(e),
            Err(e) => return Err(e),
        }
        if proposals.iter().all(|p| result.contains_key(p.name)) {
            return Ok(result);
        }
        settle(&chain).await?;
    }
    let names: Vec<&str> = proposals.iter().map(|p| p.name).filter(|n| !result.contains_key(n)).collect();
    Err(last_error
        .unwrap_or_else(|| Failure::chain(format!("proposal {} did not execute in {ROUNDS} rounds", names.join(", ")))))
}

/// A transaction eosio.msig scheduled and nobody ran.
async fn deferred_left(cx: &Context<'_>) -> Result<bool, Failure> {
    let body = json!({"json": true, "limit": 10});
    let v: serde_json::Value =
        crate::client::NodeClient::new(cx.rt, cx.genesis).call_as("chain/get_scheduled_transactions", &body).await?;
    Ok(v["transactions"].as_array().is_some_and(|t| t.iter().any(|x| x["sender"] == "eosio.msig")))
}

struct Round<'r, 'c> {
    cx: &'r Context<'c>,
    task: &'r Task,
    proposer: &'r str,
    approvers: &'r [String],
}

impl Round<'_, '_> {
    /// The names of the proposals the proposer has in the table.
    async fn listed(&self) -> Result<BTreeSet<String>, Failure> {
        let rows: Vec<ProposalRow> = self.cx.chain().table("eosio.msig", self.proposer, "proposal").await?;
        Ok(rows.into_iter().map(|r| r.proposal_name).collect())
    }

    /// Per proposal of `names`, the approvers whose approval is missing.
    async fn missing(&self, names: &[&str]) -> Result<Vec<(String, String)>, Failure> {
        let approvals: Vec<ApprovalsRow> = self.cx.chain().table("eosio.msig", self.proposer, "approvals2").await?;
        let mut out = Vec::new();
        for name in names {
            let provided: BTreeSet<&str> = approvals
                .iter()
                .filter(|r| r.proposal_name == *name)
                .flat_map(|r| r.provided_approvals.iter().map(|a| a.level.actor.as_str()))
                .collect();
            out.extend(
                self.approvers.iter().filter(|p| !provided.contains(p.as_str())).map(|p| (name.to_string(), p.clone())),
            );
        }
        Ok(out)
    }

    /// Proposes what is not listed, approves what is missing, executes stage by stage, adding
    /// to `executed` each proposal executed and when its effect showed (a held one once it is
    /// approved). Ends early when a proposal or an approval does not show in time.
    async fn run(&self, pending: &[&Proposal<'_>], executed: &mut Vec<(&'static str, Instant)>) -> Result<(), Failure> {
        let names: Vec<&str> = pending.iter().map(|p| p.name).collect();
        let listed = self.listed().await?;
        let to_propose: Vec<&Proposal> = pending.iter().copied().filter(|p| !listed.contains(p.name)).collect();
        if !to_propose.is_empty() {
            let list: Vec<&str> = to_propose.iter().map(|p| p.name).collect();
            self.task.message(format!("propose {}", list.join(", ")));
            propose(self.cx, &to_propose, self.proposer, self.approvers).await?;
            let seen = wait_for("the proposals to appear", SHOW_TIMEOUT, || async {
                let listed = self.listed().await?;
                Ok(names.iter().all(|n| listed.contains(*n)).then_some(()))
            })
            .await;
            if seen.is_err() {
                return Ok(());
            }
        }
        let waiting = self.missing(&names).await?;
        if !waiting.is_empty() {
            // Every missing approval in one transaction: the lab's wallet holds the producers' keys.
            self.task.message(format!("{} approvals of {}", waiting.len(), names.join(", ")));
            let approvals: Vec<Action> = waiting
                .iter()
                .map(|(name, p)| {
                    let level = json!({"actor": p, "permission": "active"});
                    let data = json!({"proposer": self.proposer, "proposal_name": name, "level": level});
                    Action::new("eosio.msig", "approve", p, data)
                })
                .collect();
            self.cx.pusher().push(&approvals).await?;
            let seen = wait_for("the approvals to show", SHOW_TIMEOUT, || async {
                Ok(self.missing(&names).await?.is_empty().then_some(()))
            })
            .await;
            if seen.is_err() {
                return Ok(());
            }
        }
        let now = Instant::now();
        executed.extend(pending.iter().filter(|p| p.stage.is_none()).map(|p| (p.name, now)));
        let stages: BTreeSet<u8> = pending.iter().filter_map(|p| p.stage).collect();
        for stage in stages {
            let group: Vec<&Proposal> = pending.iter().copied().filter(|p| p.stage == Some(stage)).collect();
            let list: Vec<&str> = group.iter().map(|p| p.name).collect();
            self.task.message(format!("exec {}", list.join(", ")));
            let execs: Vec<Action> = group
                .iter()
                .map(|p| {
                    let data = json!({"proposer": self.proposer, "proposal_name": p.name, "executer": self.proposer});
                    Action::new("eosio.msig", "exec", self.proposer, data)
                })
                .collect();
            self.cx.pusher().push(&execs).await?;
            // A current eosio.msig runs the actions inline, in the exec itself; an older one
            // schedules them as a deferred transaction, which only Leap runs.
            let shown: Mutex<Vec<Option<Instant>>> = Mutex::new(vec![None; group.len()]);
            let at = |i: usize| shown.lock().unwrap_or_else(|e| e.into_inner())[i];
            let seen = wait_for("the proposals to take effect", EFFECT_TIMEOUT, || async {
                for (i, p) in group.iter().enumerate() {
                    if at(i).is_none() && (p.done)().await? {
                        shown.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(Instant::now());
                    }
                }
                Ok((0..group.len()).all(|i| at(i).is_some()).then_some(()))
            })
            .await;
            if seen.is_err() && deferred_left(self.cx).await? {
                return Err(Failure::chain(format!(
                    "proposal {} executed as a deferred transaction, which this nodeos does not run \
                     (eosio.msig of this chain predates inline execution): replace eosio.msig while the \
                     producers still run Leap, then move them",
                    list.join(", ")
                )));
            }
            // An effect that takes longer than the wait is the caller's to wait for: executed is
            // executed (the proposal is gone from the table).
            executed.extend(group.iter().enumerate().map(|(i, p)| (p.name, at(i).unwrap_or_else(Instant::now))));
        }
        Ok(())
    }
}

/// Writes each proposal's transaction, buys the proposer the RAM they all take, proposes each.
async fn propose(
    cx: &Context<'_>,
    proposals: &[&Proposal<'_>],
    proposer: &str,
    approvers: &[String],
) -> Result<(), Failure> {
    let cleos = cx.cleos();
    let mut sizes = 0;
    for p in proposals {
        let file = &p.file;
        let script = format!("mkdir -p $(dirname {file}) && {} > {file} && wc -c < {file}", p.write);
        let size = cleos.sh(&script, None).await?.stdout;
        let size: i64 = size.trim().parse().map_err(|_| Failure::chain(format!("wc printed {size:?} for {file}")))?;
        // The packed transaction is about half its JSON; the rest is the rows' overhead.
        sizes += size / 2 + 20_000;
    }
    // The proposals store the whole transactions: the proposer's RAM holds them, bought by the
    // producers from their liquid tokens (eosio has none left once everything is allocated).
    let account =
        cx.chain().account(proposer).await?.ok_or_else(|| Failure::chain(format!("no account {proposer}")))?;
    let needed = sizes - account.free_ram();
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
    for p in proposals {
        let args = ["multisig", "propose_trx", "-t", "false", p.name, &requested, &p.file, proposer, "-p", proposer];
        cleos.ok(&args).await?;
    }
    Ok(())
}
