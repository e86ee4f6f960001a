//! `stepCreateSystemAccounts`: the eosio.* accounts, held by eosio's key until `resign`; with a
//! system contract of the 3.x era, also the accounts it pays fees and rewards to.

use async_trait::async_trait;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::printer::Task;

pub struct Sys;

async fn missing(cx: &Context<'_>) -> Result<Vec<&'static str>, Failure> {
    let wanted = cx.system_accounts().await?;
    let names: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
    let exists = cx.chain().existing_accounts(&names).await?;
    Ok(wanted.into_iter().zip(exists).filter(|(_, e)| !e).map(|(n, _)| n).collect())
}

#[async_trait]
impl Step for Sys {
    fn name(&self) -> StepName {
        StepName::Sys
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        Ok(Check::missing(&missing(cx).await?, "system accounts to create", ""))
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        let missing = missing(cx).await?;
        if missing.is_empty() {
            return Ok(Outcome::unchanged(""));
        }
        let key = &cx.plan.chain.eosio.public;
        let actions: Vec<Action> = missing.iter().map(|n| Action::newaccount(n, key)).collect();
        cx.pusher().push(&actions).await?;
        Ok(Outcome::changed(format!("{} accounts", missing.len())))
    }
}
