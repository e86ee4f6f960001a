//! [`Lab::load`]: signed transfers at a rate against the lab's API nodes, and the check that
//! nothing accepted was lost.

use std::future::Future;

use super::accounts::AccountRole;
use super::{Lab, Result};
use crate::load::{self, LoadAccount, LoadOptions, LoadReport, LoadTarget};

impl Lab {
    /// Sends token transfers between the lab's user accounts at `options.rate` to its API nodes
    /// (the api nodes, else the genesis node's published API), then checks from the chain that
    /// every accepted transaction is in exactly one irreversible block and that the balances
    /// moved by exactly those transfers. Refuses before sending anything when the options are
    /// bad, an account's key does not sign, a sender lacks the tokens, or no API node answers.
    pub async fn load(&self, options: &LoadOptions) -> Result<LoadReport> {
        self.load_until(options, std::future::pending()).await
    }

    /// [`Lab::load`], with sending ended early when `stop` completes (Ctrl-C on the command
    /// line): what is in flight is awaited, the chain checked, and the report still comes.
    pub async fn load_until(&self, options: &LoadOptions, stop: impl Future<Output = ()>) -> Result<LoadReport> {
        options.check().map_err(load::LoadError::BadOptions)?;
        let served = self.served().await?;
        let chain_id = self.chain_id().await?;
        let accounts: Vec<LoadAccount> = self
            .accounts()?
            .into_iter()
            .filter(|a| a.role == AccountRole::User)
            .map(|a| LoadAccount { name: a.name, private_key: a.private_key })
            .collect();
        let target = LoadTarget {
            lab: self.name().to_string(),
            api_urls: served.api_urls,
            chain_id,
            symbol: self.plan.chain.symbol.clone(),
            token_contract: "eosio.token".into(),
            accounts,
            nodes: self.plan.nodes.iter().map(|n| (n.name.clone(), n.container.clone())).collect(),
            rt: self.rt.as_ref(),
        };
        Ok(load::run(target, options, &self.printer, stop).await?)
    }
}
