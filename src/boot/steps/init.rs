//! `stepInitSystemContract`: `init` with the core symbol, which opens the RAM market.

use async_trait::async_trait;
use serde_json::json;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::printer::Task;

pub struct Init;

/// `init` creates the `rammarket` row; before it (or before eosio.system) the table is empty.
async fn initialised(cx: &Context<'_>) -> Result<bool, Failure> {
    Ok(!cx.chain().table::<serde_json::Value>("eosio", "eosio", "rammarket").await?.is_empty())
}

#[async_trait]
impl Step for Init {
    fn name(&self) -> StepName {
        StepName::Init
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        Ok(if initialised(cx).await? { Check::Done(String::new()) } else { Check::ToDo("no RAM market yet".into()) })
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        if initialised(cx).await? {
            return Ok(Outcome::unchanged(""));
        }
        let symbol = cx.plan.chain.symbol.to_chain_string();
        cx.pusher().push(&[Action::new("eosio", "init", "eosio", json!({"version": 0, "core": symbol}))]).await?;
        Ok(Outcome::changed(symbol))
    }
}
