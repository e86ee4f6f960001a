//! `stepVote`: the first users vote for producers at random, until more than 15% of the stake
//! has voted and the system contract proposes the elected producers as the schedule (on a chain
//! that can switch to Savanna, finality is handed to them with it: see
//! `finality::switch_with_the_vote`). The proposal needs nothing more than blocks to become the
//! active schedule: the steps after it run while it does, and `claim` waits for the takeover
//! ([`take_over`]), as the upstream script's sleep after its votes does.

use std::time::Duration;

use async_trait::async_trait;
use rand::seq::SliceRandom;
use serde_json::json;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::tables;
use crate::boot::wait::wait_for;
use crate::boot::StepName;
use crate::chain::answers::Schedule;
use crate::chain::system::MIN_ACTIVATED_STAKE;
use crate::chain::Amount;
use crate::plan::alloc;
use crate::printer::Task;

pub struct Vote;

/// How long the system contract's proposal of the elected producers is waited for. It proposes
/// in the first block after 15% of the stake has voted; where the chain refused that proposal
/// (see [`super::finality::transition_ended`]) the contract tries again 120 slots (60 s) later,
/// and a wait past that ends with the schedule proposed rather than a failure.
pub(super) const PROPOSAL_WAIT: Duration = Duration::from_secs(75);

/// Each voter's pick: up to `votes_per_voter` producers at random (seeded), sorted by name as
/// voteproducer requires.
pub fn ballots(cx: &Context<'_>) -> Vec<(String, Vec<String>)> {
    let mut rng = alloc::rng_for(&cx.plan.seed, "votes");
    let producers: Vec<String> = cx.plan.producers().map(|p| p.name.clone()).collect();
    let k = cx.plan.chain.votes_per_voter.min(producers.len());
    cx.voters()
        .map(|v| {
            let mut pick: Vec<String> = producers.choose_multiple(&mut rng, k).cloned().collect();
            pick.sort();
            (v.name.clone(), pick)
        })
        .collect()
}

/// Ballots of voters who have not voted (neither for producers nor through a proxy).
async fn votes_missing(cx: &Context<'_>) -> Result<Vec<(String, Vec<String>)>, Failure> {
    let table = tables::voters(&cx.chain()).await?;
    Ok(ballots(cx).into_iter().filter(|(voter, _)| table.get(voter).is_none_or(|r| !r.has_voted())).collect())
}

/// Whether the system contract has proposed a voted schedule (it does in the first block after
/// 15% of the stake voted, and again when the elected set changes).
async fn proposed(cx: &Context<'_>) -> Result<bool, Failure> {
    Ok(tables::global(&cx.chain()).await?.is_some_and(|g| g.activated() && g.last_producer_schedule_size > 0))
}

/// The voted schedule, once it is the active one and one of its producers made the head block.
pub(super) async fn taken_over(cx: &Context<'_>) -> Result<Option<Schedule>, Failure> {
    let chain = cx.chain();
    let schedule = chain.active_schedule().await?;
    let names = schedule.names();
    if schedule.version == 0 || names.is_empty() || names.iter().any(|n| n == "eosio") {
        return Ok(None);
    }
    Ok(names.contains(&chain.info().await?.head_block_producer).then_some(schedule))
}

/// Waits for the voted schedule the contract proposed to take over (Leap: once the proposing
/// block is irreversible; Savanna: at the second round boundary after it, 13 to 24 blocks).
pub(super) async fn take_over(cx: &Context<'_>, task: &Task) -> Result<Schedule, Failure> {
    if !proposed(cx).await? {
        return Err(Failure::chain(
            "the system contract has proposed no voted schedule: the producers have nothing to take over (run `vote` first)",
        ));
    }
    task.message("waiting for the elected producers to take over");
    wait_for("the voted schedule to be active and a block from one of its producers", Duration::from_secs(180), || {
        taken_over(cx)
    })
    .await
}

#[async_trait]
impl Step for Vote {
    fn name(&self) -> StepName {
        StepName::Vote
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        let missing = votes_missing(cx).await?;
        if !missing.is_empty() {
            return Ok(Check::ToDo(format!("{} voters to vote", missing.len())));
        }
        Ok(if proposed(cx).await? {
            Check::Done(String::new())
        } else {
            Check::ToDo("the system contract has not proposed the elected producers".into())
        })
    }

    async fn run(&self, cx: &Context<'_>, task: &Task) -> Result<Outcome, Failure> {
        let chain = cx.chain();
        let missing = votes_missing(cx).await?;
        let changed = !missing.is_empty();
        if changed {
            super::finality::transition_ended(cx, task).await?;
            let groups: Vec<Vec<Action>> = missing
                .iter()
                .map(|(voter, producers)| {
                    let data = json!({"voter": voter, "proxy": "", "producers": producers});
                    vec![Action::new("eosio", "voteproducer", voter, data)]
                })
                .collect();
            task.message(format!("{} voters", groups.len()));
            cx.pusher().push_groups(groups, 50, 1, &|_| {}).await?;
        }
        // Below 15% of the stake voting, the system contract never hands over: say so plainly.
        let activated = tables::global(&chain).await?.is_some_and(|g| g.activated());
        let voted: f64 = tables::voters(&chain).await?.values().filter(|r| r.has_voted()).map(|r| r.staked).sum();
        let voted = voted as i64;
        if !activated {
            return Err(Failure::chain(format!(
                "only {} has voted, below the {} (15% of a billion) the system contract needs to activate: \
                 the elected producers cannot take over. Raise chain.distribute or chain.voters.",
                cx.asset(Amount(voted)),
                cx.asset(Amount(MIN_ACTIVATED_STAKE))
            )));
        }
        // On a chain that can finalize, finality changes hands with the schedule, not after it.
        let handed = super::finality::switch_with_the_vote(cx, task).await?;
        task.message("waiting for the system contract to propose the elected producers");
        wait_for("the system contract to propose the elected producers", PROPOSAL_WAIT, || async {
            Ok(proposed(cx).await?.then_some(()))
        })
        .await?;
        let elected = tables::elected(&tables::producers(&chain).await?);
        let pct = voted as f64 / alloc::total(cx.allocation()).0.max(1) as f64 * 100.0;
        let handed = handed.map(|h| format!("; {h}")).unwrap_or_default();
        Ok(Outcome {
            changed: changed || !handed.is_empty(),
            note: format!(
                "{}% of the supply voted; the {} elected producers proposed{handed}",
                pct.round(),
                elected.len()
            ),
        })
    }
}
