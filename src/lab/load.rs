//! [`Lab::load`]: signed transfers at a rate against the lab's API nodes, and the check that
//! nothing accepted was lost.

use std::future::Future;

use super::accounts::AccountRole;
use super::{Lab, Result};
use futures::FutureExt;

use crate::load::{self, FindMaxOptions, FindMaxReport, FindMaxStep, LoadAccount, LoadOptions, LoadReport, LoadTarget};

impl Lab {
    /// Sends token transfers between the lab's user accounts (or `options.action`, a template of
    /// any contract action) at `options.rate` to its API nodes (the api nodes, else the genesis
    /// node's published API), then checks from the chain that every accepted transaction is in
    /// exactly one irreversible block and, for transfers, that the balances moved by exactly
    /// those transfers. Refuses before sending anything when the options are bad, an account's key
    /// does not sign, a sender lacks the tokens, a template names what the chain or the lab's keys
    /// do not have, or no API node answers.
    pub async fn load(&self, options: &LoadOptions) -> Result<LoadReport> {
        self.load_until(options, std::future::pending()).await
    }

    /// [`Lab::load`], with sending ended early when `stop` completes (Ctrl-C on the command
    /// line): what is in flight is awaited, the chain checked, and the report still comes.
    pub async fn load_until(&self, options: &LoadOptions, stop: impl Future<Output = ()>) -> Result<LoadReport> {
        options.check().map_err(load::LoadError::BadOptions)?;
        let served = self.served().await?;
        let chain_id = self.chain_id().await?;
        let keys: Vec<(AccountRole, LoadAccount)> = self
            .accounts()?
            .into_iter()
            .map(|a| (a.role, LoadAccount { name: a.name, private_key: a.private_key }))
            .collect();
        let accounts = keys.iter().filter(|(role, _)| *role == AccountRole::User).map(|(_, a)| a.clone()).collect();
        let target = LoadTarget {
            lab: self.name().to_string(),
            api_urls: served.api_urls,
            chain_id,
            symbol: self.plan.chain.symbol.clone(),
            token_contract: "eosio.token".into(),
            accounts,
            keys: keys.into_iter().map(|(_, a)| a).collect(),
            nodes: self.plan.nodes.iter().map(|n| (n.name.clone(), n.container.clone())).collect(),
            rt: self.rt.as_ref(),
        };
        Ok(load::run(target, options, &self.printer, stop).await?)
    }

    /// The highest transfer rate the lab holds: runs of [`Lab::load`] for `options.step` each,
    /// doubling the rate from `options.start` until one does not hold (over 0.1 % refused, anything
    /// lost, under 95 % of the rate accepted, or p99 to a block over
    /// `options.max_p99_inclusion`), then halving the gap to the lowest rate that failed.
    /// Every run's report is kept; `stop` ends the run under way (its report still comes) and
    /// the search.
    pub async fn load_find_max(
        &self,
        options: &FindMaxOptions,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> Result<FindMaxReport> {
        options.check().map_err(load::LoadError::BadOptions)?;
        let stop = stop.boxed().shared();
        // Polled here too: between runs nothing else polls it, and a run must not start after it.
        let stopped = |stop: &futures::future::Shared<_>| stop.clone().now_or_never().is_some();
        let mut search = load::Search::new(options.start, options.resolution);
        let mut steps = Vec::new();
        while let Some(rate) = search.next().filter(|_| steps.len() < options.max_steps) {
            if stopped(&stop) {
                break;
            }
            let run = LoadOptions {
                rate,
                duration: Some(options.step),
                count: None,
                expiration: options.expiration,
                settle_timeout: options.settle_timeout,
                action: options.action.clone(),
            };
            let report = self.load_until(&run, stop.clone()).await?;
            let verdict = report.holds(options.max_p99_inclusion);
            self.printer.plain(match &verdict {
                Ok(()) => format!("{rate:.0}/s held"),
                Err(why) => format!("{rate:.0}/s did not hold: {why}"),
            });
            search.record(rate, verdict.is_ok());
            steps.push(FindMaxStep { rate, held: verdict.is_ok(), why_not: verdict.err(), report });
        }
        Ok(FindMaxReport {
            lab: self.name().to_string(),
            step_secs: options.step.as_secs_f64(),
            max_p99_inclusion_ms: options.max_p99_inclusion.as_millis() as u64,
            highest_held: search.highest_held(),
            interrupted: stopped(&stop),
            steps,
        })
    }
}
