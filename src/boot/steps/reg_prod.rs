//! `stepRegProducers`: each producer registers with its block-signing key.

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

#[async_trait]
impl Step for RegProd {
    fn name(&self) -> StepName {
        StepName::RegProd
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        Ok(Check::missing(&unregistered(cx).await?, "producers to register", ""))
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        let missing = unregistered(cx).await?;
        if missing.is_empty() {
            return Ok(Outcome::unchanged(""));
        }
        let actions: Vec<Action> = missing
            .iter()
            .map(|p| {
                let url = format!("https://{}.com/{}", p.name, p.keys.public);
                let data = json!({"producer": p.name, "producer_key": p.keys.public, "url": url, "location": 0});
                Action::new("eosio", "regproducer", &p.name, data)
            })
            .collect();
        cx.pusher().push(&actions).await?;
        Ok(Outcome::changed(format!("{} producers", missing.len())))
    }
}
