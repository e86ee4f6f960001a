//! Every account a lab made, with its keys and its balances as the chain has them.

use serde::Serialize;

use crate::chain::system::{SYSTEM_ACCOUNTS, VAULTA_ACCOUNTS};
use crate::chain::Amount;
use crate::client::Chain;
use crate::plan::NetworkPlan;
use crate::runtime::Runtime;
use crate::state::StateDir;

/// What an account is to the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListedRole {
    /// eosio and the eosio.* accounts the boot creates; held by eosio (eosio by the producers).
    System,
    /// A producer of the topology.
    Producer,
    /// An account the boot created and staked (the topology's users).
    Staked,
    /// An account `lab deploy` created.
    Deployed,
}

/// One account of the lab.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedAccount {
    /// The account name.
    pub name: String,
    /// What it is to the lab.
    pub role: ListedRole,
    /// The key the account was created with (owner and active); for system accounts, eosio's key,
    /// which no longer controls them once the boot resigned them.
    pub public_key: String,
    /// Only when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// Whether the chain has the account (a system account of another era, or a boot that
    /// stopped early, leaves some out).
    pub exists: bool,
    /// The core token the account holds, e.g. `"100.0000 SYS"`.
    pub liquid: String,
    /// The core token it staked itself for CPU and NET.
    pub staked: String,
    /// The same two in the token's smallest unit, for sums.
    pub liquid_units: i64,
    /// [`ListedAccount::staked`] in the smallest unit.
    pub staked_units: i64,
}

/// Every account the lab made: system accounts, producers, staked accounts, then those `lab
/// deploy` created; with balances read from the chain of the lab's genesis node (in two batched
/// request streams, one for balances and one for accounts, however many accounts there are).
/// Private keys only with `show_secrets`.
pub async fn list_accounts(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    state: &StateDir,
    show_secrets: bool,
) -> anyhow::Result<Vec<ListedAccount>> {
    let eosio = &plan.chain.eosio;
    let mut wanted: Vec<(String, ListedRole, &str, String)> = Vec::new();
    for name in std::iter::once("eosio").chain(SYSTEM_ACCOUNTS.iter().copied()).chain(VAULTA_ACCOUNTS.iter().copied()) {
        wanted.push((name.into(), ListedRole::System, &eosio.public, eosio.private.clone()));
    }
    for a in plan.producers() {
        wanted.push((a.name.clone(), ListedRole::Producer, &a.keys.public, a.keys.private.clone()));
    }
    for a in plan.users() {
        wanted.push((a.name.clone(), ListedRole::Staked, &a.keys.public, a.keys.private.clone()));
    }
    let deployed = crate::deploy::record::list(state)?;
    for d in &deployed {
        if wanted.iter().any(|w| w.0 == d.name) {
            continue;
        }
        let key = crate::deploy::key_for(plan, &d.name);
        wanted.push((d.name.clone(), ListedRole::Deployed, &d.public_key, key.private));
    }
    let chain = Chain::new(rt, &plan.genesis().container);
    let names: Vec<String> = wanted.iter().map(|w| w.0.clone()).collect();
    let symbol = &plan.chain.symbol;
    let code = symbol.code.clone();
    let holders: Vec<&str> = names.iter().map(String::as_str).collect();
    let (accounts, balances) =
        futures::try_join!(chain.accounts(&names), chain.balances("eosio.token", &holders, &code))?;
    let units = |text: Option<&str>| -> anyhow::Result<i64> {
        match text {
            None => Ok(0),
            Some(t) => Amount::parse(t, symbol).map(|a| a.0).map_err(|e| anyhow::anyhow!("{t:?}: {e}")),
        }
    };
    let mut out = Vec::new();
    for (((name, role, public, private), account), balance) in wanted.into_iter().zip(accounts).zip(balances) {
        // The boot makes these only for a system contract of that era.
        if account.is_none() && VAULTA_ACCOUNTS.contains(&name.as_str()) {
            continue;
        }
        let liquid_units = units(balance.as_deref())?;
        let staked_units = match account.as_ref().and_then(|a| a.self_delegated_bandwidth.as_ref()) {
            Some(b) => units(Some(&b.net_weight))? + units(Some(&b.cpu_weight))?,
            None => 0,
        };
        out.push(ListedAccount {
            name,
            role,
            public_key: public.to_string(),
            private_key: show_secrets.then_some(private),
            exists: account.is_some(),
            liquid: Amount(liquid_units).display(symbol).to_string(),
            staked: Amount(staked_units).display(symbol).to_string(),
            liquid_units,
            staked_units,
        });
    }
    Ok(out)
}
