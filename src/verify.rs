//! Checks a booted chain against the plan: every account exists with exactly the stake and the
//! liquid balance the allocation gave it, and all balances add up to the token supply.

use serde_json::{json, Value};

use crate::boot::{Chain, SYSTEM_ACCOUNTS};
use crate::chain::{Amount, Symbol};
use crate::plan::{Allocation, NetworkPlan};
use crate::runtime::Runtime;

#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    pub accounts_checked: usize,
    pub supply: Amount,
    pub staked: Amount,
    pub balances: Amount,
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn parse(v: &Value, symbol: &Symbol) -> Amount {
    v.as_str().and_then(|s| Amount::parse(s, symbol).ok()).unwrap_or_default()
}

pub async fn verify(rt: &dyn Runtime, plan: &NetworkPlan) -> anyhow::Result<VerifyReport> {
    let symbol = &plan.chain.symbol;
    let chain = Chain::new(rt, &plan.genesis().container);
    let allocation: Vec<&Allocation> = plan.allocation.iter().filter(|a| !a.skipped()).collect();
    let bodies: Vec<Value> = allocation.iter().map(|a| json!({"account_name": a.name})).collect();
    let answers = chain.node.call_many("chain/get_account", &bodies).await?;
    let mut problems = Vec::new();
    let mut staked = 0i64;
    let mut balances = 0i64;
    for (a, (status, acct)) in allocation.iter().zip(&answers) {
        if !(200..300).contains(status) {
            problems.push(format!("{}: no such account", a.name));
            continue;
        }
        let own = &acct["self_delegated_bandwidth"];
        let (net, cpu) = (parse(&own["net_weight"], symbol), parse(&own["cpu_weight"], symbol));
        let liquid = parse(&acct["core_liquid_balance"], symbol);
        if (net, cpu) != (a.net, a.cpu) {
            problems.push(format!(
                "{}: staked {} net / {} cpu, allocated {} / {}",
                a.name,
                net.display(symbol),
                cpu.display(symbol),
                a.net.display(symbol),
                a.cpu.display(symbol)
            ));
        }
        // Producers' liquid balance grows with claimed rewards; users' must be exact.
        if liquid != a.liquid && !(a.producer && liquid > a.liquid) {
            problems.push(format!(
                "{}: liquid {}, allocated {}",
                a.name,
                liquid.display(symbol),
                a.liquid.display(symbol)
            ));
        }
        staked += net.0 + cpu.0;
        balances += liquid.0;
    }
    // Tokens are also held by eosio and the system accounts (stake, RAM, fees).
    let holders: Vec<&str> = std::iter::once("eosio").chain(SYSTEM_ACCOUNTS.iter().copied()).collect();
    let holder_bodies: Vec<Value> =
        holders.iter().map(|h| json!({"code": "eosio.token", "account": h, "symbol": symbol.code})).collect();
    let holder_balances = chain.node.call_many("chain/get_currency_balance", &holder_bodies).await?;
    let mut stake_account = 0i64;
    for (h, (_, v)) in holders.iter().zip(holder_balances) {
        let b = v.as_array().and_then(|a| a.first()).map(|x| parse(x, symbol)).unwrap_or_default();
        if *h == "eosio.stake" {
            stake_account = b.0;
        }
        balances += b.0;
    }
    if staked != stake_account {
        problems.push(format!(
            "staked balances add to {}, eosio.stake holds {}",
            Amount(staked).display(symbol),
            Amount(stake_account).display(symbol)
        ));
    }
    let supply = match chain.currency_stats("eosio.token", &symbol.code).await? {
        Some(s) => parse(&s["supply"], symbol),
        None => {
            problems.push("the core token does not exist".into());
            Amount(0)
        }
    };
    if balances != supply.0 {
        problems.push(format!(
            "balances add to {}, the supply is {}",
            Amount(balances).display(symbol),
            supply.display(symbol)
        ));
    }
    Ok(VerifyReport {
        accounts_checked: allocation.len(),
        supply,
        staked: Amount(staked),
        balances: Amount(balances),
        problems,
    })
}
