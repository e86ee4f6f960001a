//! `stepClaimRewards`: the elected producers take over the schedule the votes proposed (the
//! upstream script sleeps after its votes for it), then those with unpaid blocks claim, where
//! the system contract lets them.

use std::collections::BTreeSet;

use async_trait::async_trait;
use serde_json::json;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::tables;
use crate::boot::StepName;
use crate::printer::Task;

pub struct Claim;

/// The system contract allows one claim a day, counted from the last claim.
const CLAIM_PERIOD_SECS: i64 = 86_400;
const NOTHING: &str = "rewards are claimed once a day, a day after registration";

/// Seconds since 1970 of a chain time (`2026-11-24T05:21:09.000`, UTC).
fn chain_seconds(t: &str) -> Option<i64> {
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| t.and_utc().timestamp())
}

/// Producers of the lab with unpaid blocks that may claim (registration counts as a claim).
async fn claimable(cx: &Context<'_>) -> Result<Vec<String>, Failure> {
    let ours: BTreeSet<&str> = cx.plan.producers().map(|p| p.name.as_str()).collect();
    let chain = cx.chain();
    let head_time = chain.info().await?.head_block_time;
    let now = chain_seconds(&head_time)
        .ok_or_else(|| Failure::chain(format!("get_info gave a head block time that is not a time: {head_time:?}")))?;
    Ok(tables::producers(&chain)
        .await?
        .into_iter()
        .filter(|r| r.unpaid_blocks > 0 && ours.contains(r.owner.as_str()))
        .filter(|r| chain_seconds(&r.last_claim_time).is_some_and(|t| now - t > CLAIM_PERIOD_SECS))
        .map(|r| r.owner)
        .collect())
}

#[async_trait]
impl Step for Claim {
    fn name(&self) -> StepName {
        StepName::Claim
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        if super::vote::taken_over(cx).await?.is_none() {
            return Ok(Check::ToDo("the elected producers have not taken over".into()));
        }
        Ok(Check::missing(&claimable(cx).await?, "producers may claim", NOTHING))
    }

    async fn run(&self, cx: &Context<'_>, task: &Task) -> Result<Outcome, Failure> {
        let schedule = super::vote::take_over(cx, task).await?;
        let took_over = format!("schedule v{}: {} producers", schedule.version, schedule.producers.len());
        let producers = claimable(cx).await?;
        if producers.is_empty() {
            return Ok(Outcome::unchanged(format!("{took_over}; {NOTHING}")));
        }
        // One transaction each: one producer's claim cannot fail another's.
        for p in &producers {
            cx.pusher().push(&[Action::new("eosio", "claimrewards", p, json!({"owner": p}))]).await?;
        }
        Ok(Outcome::changed(format!("{took_over}; {} producers claimed", producers.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_times_count_seconds() {
        assert_eq!(chain_seconds("1970-01-01T00:00:00.000"), Some(0));
        assert_eq!(chain_seconds("2000-03-01T00:00:01.500"), Some(951_868_801));
        assert_eq!(
            chain_seconds("2026-11-25T05:21:09.000").unwrap() - chain_seconds("2026-11-24T05:21:09.000").unwrap(),
            CLAIM_PERIOD_SECS
        );
        assert_eq!(chain_seconds("garbage"), None);
    }
}
