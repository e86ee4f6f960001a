//! `stepProxyVotes`: the first producer votes for every producer and registers as a proxy; the
//! voters then delegate their votes to it.

use async_trait::async_trait;
use serde_json::json;

use crate::boot::confirm::{push_confirmed, push_whole_confirmed};
use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::tables;
use crate::boot::StepName;
use crate::chain::system::MAX_VOTES;
use crate::printer::Task;

pub struct Proxy;

/// What is left to do, in order: the proxy's own vote, its registration, the voters' delegation.
async fn missing(cx: &Context<'_>) -> Result<Vec<Action>, Failure> {
    let Some(proxy) = cx.plan.producers().next() else { return Ok(vec![]) };
    let proxy = proxy.name.as_str();
    let table = tables::voters(&cx.chain()).await?;
    let mut actions = Vec::new();
    let row = table.get(proxy);
    if row.is_none_or(|r| r.producers.is_empty()) {
        // The proxy votes for every producer (a vote holds at most 30): voters who delegate to it
        // then keep the whole elected set in office instead of shrinking it.
        let mut all: Vec<String> = cx.plan.producers().map(|p| p.name.clone()).take(MAX_VOTES).collect();
        all.sort();
        actions.push(Action::new(
            "eosio",
            "voteproducer",
            proxy,
            json!({"voter": proxy, "proxy": "", "producers": all}),
        ));
    }
    if row.is_none_or(|r| r.is_proxy != 1) {
        actions.push(Action::new("eosio", "regproxy", proxy, json!({"proxy": proxy, "isproxy": true})));
    }
    for v in cx.voters() {
        if table.get(&v.name).is_none_or(|r| r.proxy != proxy) {
            let data = json!({"voter": v.name, "proxy": proxy, "producers": []});
            actions.push(Action::new("eosio", "voteproducer", &v.name, data));
        }
    }
    Ok(actions)
}

#[async_trait]
impl Step for Proxy {
    fn name(&self) -> StepName {
        StepName::Proxy
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        Ok(Check::missing(&missing(cx).await?, "proxy actions to push", ""))
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        let actions = missing(cx).await?;
        if actions.is_empty() {
            return Ok(Outcome::unchanged(""));
        }
        let n = actions.len();
        let proxy = cx.plan.producers().next().map(|p| p.name.clone()).unwrap_or_default();
        // All in one transaction first: in it the registration comes before the delegations that
        // name the proxy, whatever a producer keeps or drops, and one confirmation covers all.
        let left = push_whole_confirmed(&cx.pusher(), &cx.chain(), &actions, || missing(cx)).await?;
        if left.is_empty() {
            return Ok(Outcome::changed(format!("{proxy} is a proxy ({n} actions)")));
        }
        // Refused as one (too heavy on a busy machine) or dropped: the proxy's own vote and
        // registration first, confirmed in blocks. A voter's delegation pushed before the
        // registration is in the chain's state is refused ("proxy not found"), and on a busy
        // 21-producer Savanna lab the registration took longer than the retries of one batch gave
        // it (seen in CI, 2026-12-07).
        let own = |a: &Action| a.data["voter"] == proxy.as_str() || a.name == "regproxy";
        let own_missing = || async { Ok(missing(cx).await?.into_iter().filter(own).collect::<Vec<_>>()) };
        let first: Vec<Action> = left.iter().filter(|a| own(a)).cloned().collect();
        if !first.is_empty() {
            push_confirmed(&cx.pusher(), &cx.chain(), first, own_missing).await?;
        }
        let rest = missing(cx).await?;
        if !rest.is_empty() {
            push_confirmed(&cx.pusher(), &cx.chain(), rest, || missing(cx)).await?;
        }
        Ok(Outcome::changed(format!("{proxy} is a proxy ({n} actions)")))
    }
}
