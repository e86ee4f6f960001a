//! `stepInstallSystemContracts`: eosio.token, eosio.msig and eosio.wrap on their accounts.

use async_trait::async_trait;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::chain::system::ACCOUNT_CONTRACTS;
use crate::printer::Task;

pub struct Contracts;

/// Contracts whose account does not run the image's build of them.
async fn missing(cx: &Context<'_>) -> Result<Vec<&'static str>, Failure> {
    // The accounts' hashes asked side by side: one exec in the genesis container.
    let chain = cx.chain();
    let on_chain =
        crate::client::coalesced(futures::future::try_join_all(ACCOUNT_CONTRACTS.iter().map(|c| chain.code_hash(c))))
            .await?;
    let mut missing = Vec::new();
    for (c, hash) in ACCOUNT_CONTRACTS.iter().zip(on_chain) {
        if hash != cx.contract_hash(c).await? {
            missing.push(*c);
        }
    }
    Ok(missing)
}

#[async_trait]
impl Step for Contracts {
    fn name(&self) -> StepName {
        StepName::Contracts
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        let missing = missing(cx).await?;
        Ok(if missing.is_empty() { Check::Done(String::new()) } else { Check::ToDo(missing.join(", ")) })
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        let missing = missing(cx).await?;
        // Different accounts: the deployments go out side by side.
        futures::future::try_join_all(missing.iter().map(|c| async move { cx.set_contract(c, c).await })).await?;
        Ok(Outcome { changed: !missing.is_empty(), note: missing.join(", ") })
    }
}
