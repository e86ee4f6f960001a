//! `stepRegProducers`: each producer registers with its block-signing key, and, on a chain that
//! can switch to Savanna, with the BLS key it finalizes with (`regfinkey`, in the same
//! transaction), so the switch can follow the vote at once (see `finality`).

use std::collections::BTreeSet;

use async_trait::async_trait;
use serde_json::json;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::chain::answers::ProducerRow;
use crate::plan::AccountPlan;
use crate::printer::Task;

pub struct RegProd;

async fn unregistered<'a>(cx: &Context<'a>) -> Result<Vec<&'a AccountPlan>, Failure> {
    let rows: Vec<ProducerRow> = cx.chain().table("eosio", "eosio", "producers").await?;
    let registered: BTreeSet<&str> = rows.iter().filter(|r| r.is_active == 1).map(|r| r.owner.as_str()).collect();
    Ok(cx.plan.producers().filter(|p| !registered.contains(p.name.as_str())).collect())
}

/// Producers of the plan whose finalizer key the contract does not list, when the chain can
/// switch to Savanna (none otherwise: on Leap, or before system contracts 3.x).
async fn keys_unregistered<'a>(cx: &Context<'a>) -> Result<Vec<&'a AccountPlan>, Failure> {
    if super::finality::unsupported(cx).await?.is_some() {
        return Ok(Vec::new());
    }
    let done = super::finality::registered(cx).await?;
    Ok(cx.plan.producers().filter(|p| p.finalizer.is_some() && !done.contains(&p.name)).collect())
}

#[async_trait]
impl Step for RegProd {
    fn name(&self) -> StepName {
        StepName::RegProd
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        let producers = unregistered(cx).await?;
        if !producers.is_empty() {
            return Ok(Check::missing(&producers, "producers to register", ""));
        }
        Ok(Check::missing(&keys_unregistered(cx).await?, "finalizer keys to register", ""))
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        let producers = unregistered(cx).await?;
        // Unregistered producers have no key registered either: regfinkey needs the producer row.
        let keys = keys_unregistered(cx).await?;
        if producers.is_empty() && keys.is_empty() {
            return Ok(Outcome::unchanged(""));
        }
        // One group per producer, its registration before its key.
        let mut groups: Vec<Vec<Action>> = Vec::new();
        for p in cx.plan.producers() {
            let mut group = Vec::new();
            if producers.iter().any(|q| q.name == p.name) {
                let url = format!("https://{}.com/{}", p.name, p.keys.public);
                let data = json!({"producer": p.name, "producer_key": p.keys.public, "url": url, "location": 0});
                group.push(Action::new("eosio", "regproducer", &p.name, data));
            }
            if let Some(key) = p.finalizer.as_ref().filter(|_| keys.iter().any(|q| q.name == p.name)) {
                group.push(super::finality::register_key(&p.name, key));
            }
            if !group.is_empty() {
                groups.push(group);
            }
        }
        // Each regfinkey checks a BLS proof of possession: 21 in one transaction overrun its CPU
        // limit, so a few per transaction (the pusher halves one the chain finds too heavy).
        cx.pusher().push_groups(groups, 8, 1, &|_| {}).await?;
        let mut note = Vec::new();
        if !producers.is_empty() {
            note.push(format!("{} producers", producers.len()));
        }
        if !keys.is_empty() {
            note.push(format!("{} finalizer keys", keys.len()));
        }
        Ok(Outcome::changed(note.join(", ")))
    }
}
