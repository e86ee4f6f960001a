//! The switch to Savanna finality, which the upstream tutorial leaves to be written: every
//! producer of the voted schedule registers its BLS finalizer key (`regfinkey`), then eosio asks
//! the system contract to switch (`switchtosvnn`), then the step waits until the node finalizes
//! with the new policy (LIB a few blocks behind the head instead of two thirds of a round).
//!
//! It needs three things, and says which is missing instead of failing the boot: a nodeos that
//! supports the SAVANNA feature, a system contract with `regfinkey` and `switchtosvnn` (3.x), and
//! producers started with their finalizer key (`lab up` renders it for a nodeos that knows Savanna).

use std::collections::BTreeSet;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;

use crate::boot::confirm::push_confirmed;
use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::wait::{settle, wait_for};
use crate::boot::StepName;
use crate::chain::answers::{FinalizerPolicy, FinalizerRow};
use crate::keys::bls::BlsKey;
use crate::printer::Task;

pub struct Finality;

/// Under Savanna a block is final two blocks after it is made; before, LIB trails the head by two
/// thirds of a round of 12 blocks per producer. More than this behind is not Savanna's finality.
pub const SAVANNA_LIB_LAG: u64 = 6;

/// The proposal that switches a resigned chain to Savanna.
pub(crate) const SWITCH_PROPOSAL: &str = "switchsvnn";

/// Whether `finality` is still to switch this resigned chain through eosio.msig: it can, and the
/// elected producers are not the finalizers yet. A protocol upgrade proposes and approves the
/// switch with its own proposals, so that `finality` only executes it.
pub(crate) async fn switch_to_come(cx: &Context<'_>) -> Result<bool, Failure> {
    if unsupported(cx).await?.is_some() || !crate::boot::msig::resigned(cx).await? {
        return Ok(false);
    }
    let Some(schedule) = schedule(cx).await? else { return Ok(false) };
    Ok(savanna_policy(cx, &schedule).await?.is_none())
}

/// How many times `switchtosvnn` is pushed while the contract still counts fewer keys than the
/// table the API reads shows (the registration executed but is not in a block it reads yet).
const SWITCH_TRIES: usize = 5;

/// Why this lab cannot switch to Savanna, or `None` when it can.
pub(super) async fn unsupported(cx: &Context<'_>) -> Result<Option<String>, Failure> {
    let chain = cx.chain();
    if !chain.supported_features().await?.iter().any(|f| f.codename() == "SAVANNA") {
        let version = chain.info().await?.server_version_string.unwrap_or_else(|| "this nodeos".into());
        return Ok(Some(format!("nodeos {version} has no SAVANNA protocol feature")));
    }
    let actions = cx.system_actions().await?;
    if let Some(a) = ["regfinkey", "switchtosvnn"].iter().find(|a| !actions.iter().any(|x| x == *a)) {
        return Ok(Some(format!("the image's eosio.system has no `{a}` action (system contracts 3.x have it)")));
    }
    let without: Vec<&str> = cx
        .plan
        .producers()
        .filter(|p| !config_has_key(cx, &p.name, p.finalizer.as_ref()))
        .map(|p| p.name.as_str())
        .collect();
    if !without.is_empty() {
        return Ok(Some(format!(
            "{} started without a finalizer key (`lab up` gives producers one when the image's nodeos \
             knows Savanna; `lab down` then `lab up` renders it)",
            without.join(", ")
        )));
    }
    Ok(None)
}

/// `regfinkey` for a producer, with the key it was started with.
pub(super) fn register_key(name: &str, key: &BlsKey) -> Action {
    Action::new(
        "eosio",
        "regfinkey",
        name,
        json!({"finalizer_name": name, "finalizer_key": key.public, "proof_of_possession": key.pop}),
    )
}

/// Whether a node's rendered config.ini, the one it was started with, carries its key.
fn config_has_key(cx: &Context<'_>, node: &str, key: Option<&BlsKey>) -> bool {
    let Some(key) = key else { return false };
    let path = cx.state.node_dir(node).join("config.ini");
    std::fs::read_to_string(path).is_ok_and(|ini| ini.contains(&format!("signature-provider = {}=KEY:", key.public)))
}

/// Savanna from the start, while eosio alone produces: the image's eosio.bios (3.x, with
/// `setfinalizer`) names the genesis node's key the only finalizer, as Spring's own test clusters
/// switch. A legacy LIB with one producer is the head, so the switch takes a few blocks, where
/// switching after the vote waits for legacy LIB to pass the proposal: two thirds of a round, 40 s
/// with 4 producers and over 2 minutes with 21. The producers take over finality in `finality`
/// (`regfinkey`, `switchtosvnn`), a policy change Savanna makes final in a few blocks.
///
/// Runs in `sys-contract`, after the features are activated and before eosio.system replaces the
/// bios. `None` when the chain is Savanna's already or cannot be yet (no SAVANNA feature, a bios
/// without `setfinalizer`, a genesis node started without its key): `finality` switches then.
pub async fn savanna_from_genesis(cx: &Context<'_>, task: &Task) -> Result<Option<String>, Failure> {
    let chain = cx.chain();
    let Some(info) = chain.finalizer_info().await? else { return Ok(None) };
    if info.active_finalizer_policy.is_some() {
        return Ok(None);
    }
    let savanna_active = {
        let supported = chain.supported_features().await?;
        let active = chain.activated_features().await?;
        supported.iter().any(|f| f.codename() == "SAVANNA" && active.contains(&f.feature_digest))
    };
    let genesis = cx.plan.genesis();
    let key = genesis.producer.as_ref().and_then(|p| p.finalizer.as_ref());
    let Some(key) = key.filter(|k| savanna_active && config_has_key(cx, &genesis.name, Some(k))) else {
        return Ok(None);
    };
    if !cx.contract_actions("eosio.bios").await?.iter().any(|a| a == "setfinalizer") {
        return Ok(None);
    }
    task.message("deploy eosio.bios, genesis finalizes alone");
    cx.set_contract("eosio", "eosio.bios").await?;
    let policy = json!({"finalizer_policy": {"threshold": 1, "finalizers": [
        {"description": "eosio", "weight": 1, "public_key": key.public, "pop": key.pop}
    ]}});
    cx.pusher().push(&[Action::new("eosio", "setfinalizer", "eosio", policy)]).await?;
    // Not waited for: with one producer the transition ends a few blocks later on its own while
    // the next steps run (the contract that replaces the bios does not undo an executed action);
    // `vote` waits for its end before the votes (see [`transition_ended`]), `finality` checks it.
    let block = chain.info().await?.head_block_num;
    cx.asked_for_savanna(block);
    Ok(Some(format!("Savanna asked for at block {block}, the genesis node its only finalizer")))
}

/// Waits, when this run asked for Savanna in `sys-contract`, until the chain has switched (the
/// genesis node finalizes under the policy it was given).
///
/// Why: the votes that activate the system contract must not land while the chain is between its
/// legacy and Savanna blocks. The contract proposes the elected producers in the next block's
/// `onblock` and tries again only 120 slots (60 s) later; Spring refuses a producer schedule
/// proposed in a legacy block of the transition (`set_proposed_producers` answers -1, "ignore
/// proposed producers during transition"), and drops one proposed just before it at the switch.
/// Seen: with the pushes signed here, the votes went in within a block of `setfinalizer`, and the
/// boot timed out in `vote` waiting for the contract to propose the elected schedule.
pub(in crate::boot) async fn transition_ended(cx: &Context<'_>, task: &Task) -> Result<(), Failure> {
    let Some(asked) = cx.savanna_asked() else { return Ok(()) };
    let chain = cx.chain();
    let active = || async { Ok(chain.finalizer_info().await?.and_then(|i| i.active_finalizer_policy).map(|_| ())) };
    if active().await?.is_some() {
        return Ok(());
    }
    task.message(format!("wait for the switch to Savanna asked at block {asked} to end"));
    let head = chain.head_block_num().await?;
    wait_for("the chain to end its switch to Savanna (an active finalizer policy)", Duration::from_secs(30), active)
        .await?;
    tracing::debug!(asked, head, "the votes waited for the switch to Savanna to end");
    Ok(())
}

/// The active schedule's producers, once it is a voted one.
async fn schedule(cx: &Context<'_>) -> Result<Option<Vec<String>>, Failure> {
    let s = cx.chain().active_schedule().await?;
    let names = s.names();
    Ok((s.version > 0 && !names.iter().any(|n| n == "eosio")).then_some(names))
}

pub(super) async fn registered(cx: &Context<'_>) -> Result<BTreeSet<String>, Failure> {
    let rows: Vec<FinalizerRow> = cx.chain().table("eosio", "eosio", "finalizers").await?;
    Ok(rows.into_iter().map(|r| r.finalizer_name).collect())
}

/// The active finalizer policy, when it names every producer of `schedule`.
async fn savanna_policy(cx: &Context<'_>, schedule: &[String]) -> Result<Option<FinalizerPolicy>, Failure> {
    let Some(info) = cx.chain().finalizer_info().await? else { return Ok(None) };
    Ok(info.active_finalizer_policy.filter(|p| {
        let names: BTreeSet<&str> = p.finalizers.iter().map(|f| f.description.as_str()).collect();
        schedule.iter().all(|s| names.contains(s.as_str()))
    }))
}

fn describe(p: &FinalizerPolicy) -> String {
    format!("Savanna: policy generation {}, {} finalizers, threshold {}", p.generation, p.finalizers.len(), p.threshold)
}

/// `regfinkey` for each producer of the schedule the table does not list.
async fn missing_keys(cx: &Context<'_>, schedule: &[String]) -> Result<Vec<Action>, Failure> {
    let done = registered(cx).await?;
    let mut actions = Vec::new();
    for name in schedule.iter().filter(|n| !done.contains(*n)) {
        let key = cx.account(name).and_then(|a| a.finalizer.as_ref()).ok_or_else(|| {
            Failure::chain(format!(
                "{name} is in the active schedule but is no producer of this lab: it has no finalizer key here"
            ))
        })?;
        actions.push(register_key(name, key));
    }
    Ok(actions)
}

#[async_trait]
impl Step for Finality {
    fn name(&self) -> StepName {
        StepName::Finality
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        if let Some(why) = unsupported(cx).await? {
            return Ok(Check::NotSupported(why));
        }
        let Some(schedule) = schedule(cx).await? else {
            return Ok(Check::ToDo("the active schedule is not a voted one yet".into()));
        };
        Ok(match savanna_policy(cx, &schedule).await? {
            Some(p) => Check::Done(describe(&p)),
            None => Check::ToDo("finality is not Savanna's yet".into()),
        })
    }

    async fn run(&self, cx: &Context<'_>, task: &Task) -> Result<Outcome, Failure> {
        if let Some(why) = unsupported(cx).await? {
            return Ok(Outcome::unchanged(format!("not supported: {why}")));
        }
        // The finalizers are the producers of the voted schedule: once it has taken over.
        let schedule = match schedule(cx).await? {
            Some(s) => s,
            None => super::vote::take_over(cx, task).await?.names(),
        };
        let chain = cx.chain();
        let to_register = missing_keys(cx, &schedule).await?;
        let registered_now = to_register.len();
        if !to_register.is_empty() {
            task.message(format!("register {registered_now} finalizer keys"));
            // Confirmed in blocks: the switch counts the keys the contract reads, not those pushed.
            push_confirmed(&cx.pusher(), &chain, to_register, || missing_keys(cx, &schedule)).await?;
        }
        if savanna_policy(cx, &schedule).await?.is_none() {
            task.message("switch to Savanna");
            if crate::boot::msig::resigned(cx).await? {
                // eosio is held by eosio.prods: the producers switch, through eosio.msig.
                let write = format!(
                    "{} push action eosio switchtosvnn '{{}}' -p eosio@active -s -d -j --expiration 3600",
                    crate::boot::CleosCommand::local().shell()
                );
                let done = || async { Ok(savanna_policy(cx, &schedule).await?.is_some()) };
                crate::boot::msig::through_producers(
                    cx,
                    task,
                    SWITCH_PROPOSAL,
                    &write,
                    "/lab/data/msig/switch.json",
                    done,
                )
                .await?;
            } else {
                switch(cx).await?;
            }
        }
        task.message("wait for Savanna finality");
        let waited = wait_for(
            "Savanna finality (every producer in the active finalizer policy, LIB near the head)",
            Duration::from_secs(120),
            || async {
                let Some(policy) = savanna_policy(cx, &schedule).await? else { return Ok(None) };
                let info = cx.chain().info().await?;
                let close = info.head_block_num.saturating_sub(info.last_irreversible_block_num) <= SAVANNA_LIB_LAG;
                Ok(close.then_some((policy, info.head_block_num, info.last_irreversible_block_num)))
            },
        )
        .await;
        let (policy, head, lib) = match waited {
            Ok(done) => done,
            // What the chain shows instead: who of the policy does not vote, and where LIB is.
            Err(Failure::Timeout { what, secs }) => {
                let info = cx.chain().info().await?;
                let votes = match cx.chain().finalizer_info().await? {
                    Some(f) => f.votes(info.head_block_num).map(|v| format!("; {v}")).unwrap_or_default(),
                    None => String::new(),
                };
                return Err(Failure::Timeout {
                    what: format!(
                        "{what}: LIB {}, head {}{votes}",
                        info.last_irreversible_block_num, info.head_block_num
                    ),
                    secs,
                });
            }
            Err(e) => return Err(e),
        };
        Ok(Outcome::changed(format!(
            "{registered_now} finalizer keys registered; {}; LIB {lib}, head {head}",
            describe(&policy)
        )))
    }
}

/// Finality handed to the elected producers in the same wait as the schedule, called by `vote`
/// once its votes are in. Savanna makes a proposed schedule the producers' at the second round
/// boundary after the proposal (13 to 24 blocks), while a finalizer policy is active a few blocks
/// after it is proposed: pushed as soon as the contract has proposed the elected schedule, the
/// switch is done before the producers take over, instead of after them.
///
/// Only when everything is there already: a chain and contract that can switch, eosio still
/// holding its own key, and every elected producer's key registered (`reg-prod` registers them
/// when the chain can finalize). Otherwise `None`, and `finality` does it all, in order.
pub(super) async fn switch_with_the_vote(cx: &Context<'_>, task: &Task) -> Result<Option<String>, Failure> {
    if unsupported(cx).await?.is_some() || crate::boot::msig::resigned(cx).await? {
        return Ok(None);
    }
    let chain = cx.chain();
    let elected: Vec<String> =
        crate::boot::tables::elected(&crate::boot::tables::producers(&chain).await?).into_iter().collect();
    if elected.is_empty() || savanna_policy(cx, &elected).await?.is_some() {
        return Ok(None);
    }
    let keys = registered(cx).await?;
    if !elected.iter().all(|p| keys.contains(p)) {
        return Ok(None);
    }
    // The contract counts the keys of the schedule it last proposed: the first block after the
    // vote that activated it proposes the elected schedule.
    let size = elected.len();
    task.message("wait for the contract to propose the elected schedule");
    wait_for("the system contract to propose the elected schedule", super::vote::PROPOSAL_WAIT, || async {
        let proposed =
            crate::boot::tables::global(&chain).await?.map_or(0, |g| usize::from(g.last_producer_schedule_size));
        Ok((proposed == size).then_some(()))
    })
    .await?;
    task.message(format!("hand finality to the {size} elected producers (switchtosvnn)"));
    switch(cx).await?;
    Ok(Some(format!("finality handed to the {size} elected producers")))
}

/// `switchtosvnn` with eosio's authority; pushed again while the contract still counts fewer
/// registered keys than there are producers (it reads the state of the block it runs in).
async fn switch(cx: &Context<'_>) -> Result<(), Failure> {
    let action = Action::new("eosio", "switchtosvnn", "eosio", json!({}));
    let mut last = None;
    for _ in 0..SWITCH_TRIES {
        match cx.pusher().push(std::slice::from_ref(&action)).await {
            Ok(()) => return Ok(()),
            // Switched already (by `vote`, in a boot that stopped before the policy was active).
            Err(e) if e.to_string().contains("can be run only once") => return Ok(()),
            Err(e) if e.to_string().contains("not enough top producers") => {
                tracing::debug!(error = %e, "the contract does not count every key yet");
                last = Some(e);
                settle(&cx.chain()).await?;
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| Failure::chain("switchtosvnn was refused")))
}
