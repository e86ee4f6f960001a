//! `stepCreateTokens`: the core token, and the issue of what the allocation hands out.

use async_trait::async_trait;
use serde_json::json;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::chain::Amount;
use crate::plan::alloc;
use crate::printer::Task;

pub struct Tokens;

/// The core token's supply, or `None` before `create`.
async fn supply(cx: &Context<'_>) -> Result<Option<Amount>, Failure> {
    let symbol = &cx.plan.chain.symbol;
    let Some(stats) = cx.chain().currency_stats("eosio.token", &symbol.code).await? else { return Ok(None) };
    Amount::parse(&stats.supply, symbol)
        .map(Some)
        .map_err(|e| Failure::chain(format!("eosio.token reports a supply of {:?}: {e}", stats.supply)))
}

#[async_trait]
impl Step for Tokens {
    fn name(&self) -> StepName {
        StepName::Tokens
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        Ok(match supply(cx).await? {
            Some(s) if s.0 > 0 => Check::Done(cx.asset(s)),
            Some(_) => Check::ToDo("nothing issued".into()),
            None => Check::ToDo("no core token".into()),
        })
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        let total = alloc::total(cx.allocation());
        let supply = supply(cx).await?;
        let mut actions = Vec::new();
        if supply.is_none() {
            let max = cx.asset(cx.plan.chain.max_supply);
            actions.push(Action::new(
                "eosio.token",
                "create",
                "eosio.token",
                json!({"issuer": "eosio", "maximum_supply": max}),
            ));
        }
        match supply {
            Some(s) if s.0 > 0 && s != total => {
                return Err(Failure::chain(format!(
                    "the chain has issued {} but this lab's accounts allocate {}: it was booted from another topology",
                    cx.asset(s),
                    cx.asset(total)
                )))
            }
            Some(s) if s.0 > 0 => {}
            _ => actions.push(Action::new(
                "eosio.token",
                "issue",
                "eosio",
                json!({"to": "eosio", "quantity": cx.asset(total), "memo": "antelope-lab allocation"}),
            )),
        }
        if actions.is_empty() {
            return Ok(Outcome::unchanged(cx.asset(total)));
        }
        cx.pusher().push(&actions).await?;
        Ok(Outcome::changed(format!("issued {}", cx.asset(total))))
    }
}
