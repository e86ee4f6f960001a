//! `stepCreateStakedAccounts`: every account of the allocation created with its RAM, its stake
//! (net and cpu halves) and its liquid tokens, one account's actions in one transaction.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use async_trait::async_trait;
use serde_json::json;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::plan::alloc::Allocation;
use crate::printer::Task;

pub struct Stake;

/// Accounts per staking transaction (4 actions each) and transactions in flight.
const ACCOUNTS_PER_TRX: usize = 100;
const IN_FLIGHT: usize = 3;

/// Accounts of the allocation the chain does not have. An account exists only fully staked: its
/// actions share a transaction.
async fn unstaked<'a>(cx: &Context<'a>) -> Result<Vec<&'a Allocation>, Failure> {
    // An account of the allocation is made, bought its RAM and staked in one transaction, after
    // the system contract, whose `newaccount` gives it a row of `userres` in its own scope: the
    // scopes of that table say which are done in a request a thousand accounts (3000 accounts:
    // 3 requests, not 3000 `get_account`s).
    let staked = cx.chain().table_scopes("eosio", "userres").await?;
    Ok(cx.allocation().iter().filter(|a| !a.skipped() && !staked.contains(&a.name)).collect())
}

/// The tutorial's `newaccount --transfer` with `--buy-ram` and `--stake-net/cpu`, then `transfer`.
fn actions(cx: &Context<'_>, a: &Allocation) -> Result<Vec<Action>, Failure> {
    let key = &cx.account(&a.name).ok_or_else(|| Failure::chain(format!("{} is not a planned account", a.name)))?.keys;
    let mut g = vec![
        Action::newaccount(&a.name, &key.public),
        Action::new(
            "eosio",
            "buyram",
            "eosio",
            json!({"payer": "eosio", "receiver": a.name, "quant": cx.asset(a.ram)}),
        ),
        Action::new(
            "eosio",
            "delegatebw",
            "eosio",
            json!({"from": "eosio", "receiver": a.name, "stake_net_quantity": cx.asset(a.net), "stake_cpu_quantity": cx.asset(a.cpu), "transfer": true}),
        ),
    ];
    if a.liquid.0 > 0 {
        g.push(Action::new(
            "eosio.token",
            "transfer",
            "eosio",
            json!({"from": "eosio", "to": a.name, "quantity": cx.asset(a.liquid), "memo": ""}),
        ));
    }
    Ok(g)
}

#[async_trait]
impl Step for Stake {
    fn name(&self) -> StepName {
        StepName::Stake
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        let done = format!("{} accounts", cx.allocation().len());
        Ok(Check::missing(&unstaked(cx).await?, "accounts to create and stake", done))
    }

    async fn run(&self, cx: &Context<'_>, task: &Task) -> Result<Outcome, Failure> {
        let missing = unstaked(cx).await?;
        if missing.is_empty() {
            return Ok(Outcome::unchanged(format!("{} accounts", cx.allocation().len())));
        }
        let groups = missing.iter().map(|a| actions(cx, a)).collect::<Result<Vec<_>, _>>()?;
        let total = missing.len();
        let done = AtomicU64::new(0);
        let progress = |n: u64| {
            let d = done.fetch_add(n, Ordering::Relaxed) + n;
            task.message(format!("{d}/{total} accounts"));
        };
        let started = Instant::now();
        cx.pusher().push_groups(groups, ACCOUNTS_PER_TRX * 4, IN_FLIGHT, &progress).await?;
        let rate = total as f64 / started.elapsed().as_secs_f64().max(0.001);
        Ok(Outcome::changed(format!("{total} accounts staked, {rate:.0}/s")))
    }
}
