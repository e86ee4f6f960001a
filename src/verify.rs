//! Checks a booted chain against the plan: every account exists with exactly the stake and the
//! liquid balance the allocation gave it, and all balances add up to the token supply.

use anyhow::{anyhow, Result};

use crate::boot::SYSTEM_ACCOUNTS;
use crate::chain::system::VAULTA_ACCOUNTS;
use crate::chain::{Amount, Symbol};
use crate::client::Chain;
use crate::plan::NetworkPlan;
use crate::runtime::Runtime;

/// A booted chain checked against its plan: every staked account as allocated, and the tokens
/// adding up (staked plus liquid is the supply).
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    /// How many accounts were read.
    pub accounts_checked: usize,
    /// The core token's supply, in its smallest unit.
    pub supply: i64,
    /// What the accounts staked, in the smallest unit.
    pub staked: i64,
    /// What they hold liquid (system accounts included), in the smallest unit.
    pub balances: i64,
    /// Every difference found, in words; none when the chain is as planned.
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// No problem found.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// An amount the chain reported; one that does not parse is an error, not zero.
fn amount(text: Option<&str>, symbol: &Symbol, what: &str) -> Result<Amount> {
    match text {
        None => Ok(Amount(0)),
        Some(t) => Amount::parse(t, symbol).map_err(|e| anyhow!("{what}: the chain reported {t:?}: {e}")),
    }
}

pub async fn verify(rt: &dyn Runtime, plan: &NetworkPlan) -> Result<VerifyReport> {
    let symbol = &plan.chain.symbol;
    let chain = Chain::new(rt, &plan.genesis().container);
    let allocation: Vec<_> = plan.allocation.iter().filter(|a| !a.skipped()).collect();
    let names: Vec<String> = allocation.iter().map(|a| a.name.clone()).collect();
    let accounts = chain.accounts(&names).await?;
    let mut problems = Vec::new();
    let mut staked = 0i64;
    let mut balances = 0i64;
    for (a, acct) in allocation.iter().zip(&accounts) {
        let Some(acct) = acct else {
            problems.push(format!("{}: no such account", a.name));
            continue;
        };
        let own = acct.self_delegated_bandwidth.as_ref();
        let net = amount(own.map(|b| b.net_weight.as_str()), symbol, &a.name)?;
        let cpu = amount(own.map(|b| b.cpu_weight.as_str()), symbol, &a.name)?;
        let liquid = amount(acct.core_liquid_balance.as_deref(), symbol, &a.name)?;
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
    // Tokens are also held by eosio and the system accounts (stake, RAM, fees); a 3.x system
    // contract pays its RAM fees to eosio.fees, one of the Vaulta-era accounts (absent on older
    // chains: no balance).
    let holders: Vec<&str> = std::iter::once("eosio")
        .chain(SYSTEM_ACCOUNTS.iter().copied())
        .chain(VAULTA_ACCOUNTS.iter().copied())
        .collect();
    let holder_balances = chain.balances("eosio.token", &holders, &symbol.code).await?;
    let mut stake_account = 0i64;
    for (h, b) in holders.iter().zip(holder_balances) {
        let b = amount(b.as_deref(), symbol, h)?;
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
        Some(s) => amount(Some(&s.supply), symbol, "the supply")?,
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
    Ok(VerifyReport { accounts_checked: allocation.len(), supply: supply.0, staked, balances, problems })
}
