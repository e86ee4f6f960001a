//! What `lab load` reports: counts, rates, latency percentiles, failures by reason, what was
//! lost and why, whether the balances add up, each node's CPU.

use std::collections::BTreeMap;
use std::fmt;

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Percentiles {
    /// Half of the samples are at most this.
    pub p50: u64,
    /// 95 % of the samples are at most this.
    pub p95: u64,
    /// 99 % of the samples are at most this.
    pub p99: u64,
    /// The largest sample.
    pub max: u64,
}

impl Percentiles {
    /// Nearest-rank percentiles of `samples` (ms); `None` without samples. Pure.
    pub fn of(samples: &mut [u64]) -> Option<Percentiles> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_unstable();
        let at = |p: f64| samples[((p / 100.0 * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1];
        Some(Percentiles { p50: at(50.0), p95: at(95.0), p99: at(99.0), max: *samples.last().unwrap() })
    }
}

impl fmt::Display for Percentiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p50 {} ms, p95 {} ms, p99 {} ms, max {} ms", self.p50, self.p95, self.p99, self.max)
    }
}

/// An accepted transaction that is not in an irreversible block exactly once.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Lost {
    /// The transaction id.
    pub id: String,
    /// Why, as far as the chain shows: `expired before inclusion`, `in block N, which was
    /// forked out`, `not irreversible when the wait ended`, `in 2 irreversible blocks`.
    pub reason: String,
}

/// An account whose balance did not move by what the chain's transfers say.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BalanceMismatch {
    /// The account.
    pub account: String,
    /// The change the included transfers make, in the token's smallest unit.
    pub expected_units: i64,
    /// The change the chain shows.
    pub actual_units: i64,
}

/// A node's CPU while the load was sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NodeCpu {
    /// The node.
    pub node: String,
    /// Percent of one core, averaged over the sending (200 is two cores busy).
    pub cpu_percent: Option<f64>,
}

/// Why sending ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    /// The duration asked for passed.
    Duration,
    /// The count asked for was sent.
    Count,
    /// Stopped early (Ctrl-C, or the caller's `stop`).
    Interrupted,
    /// A template's data, filled for the next transaction, did not pack (a `{n}` grown past its
    /// field's range, …); what was sent before it is checked as any run.
    BadData,
}

/// The outcome of a load run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoadReport {
    /// The lab's name.
    pub lab: String,
    /// The API nodes the transactions went to.
    pub api_urls: Vec<String>,
    /// Transactions per second asked for.
    pub rate: f64,
    /// How long sending lasted, in seconds.
    pub sending_secs: f64,
    /// Why sending ended.
    pub ended: Ended,
    /// Transactions sent.
    pub sent: u64,
    /// Accepted by the API node (it applied the transaction and answered with its trace).
    pub accepted: u64,
    /// Refused, by nodeos's reason (`tx_cpu_usage_exceeded`, …) or the connection's.
    pub failed: BTreeMap<String, u64>,
    /// Accepted transactions the follower saw in a block.
    pub in_block: u64,
    /// Accepted transactions in an irreversible block (the final check's count).
    pub irreversible: u64,
    /// Accepted per second of sending.
    pub accepted_per_sec: f64,
    /// From sending to the timestamp of the block that holds it.
    pub inclusion_ms: Option<Percentiles>,
    /// From sending to the follower seeing its block irreversible.
    pub irreversible_ms: Option<Percentiles>,
    /// The blocks the final check read, first and last.
    pub checked_blocks: (u32, u32),
    /// Every accepted transaction that is not in exactly one irreversible block, with why.
    pub lost: Vec<Lost>,
    /// What each transaction did: `eosio.token::transfer`, or a template's `contract::action`.
    pub action: String,
    /// Whether every account moved by exactly the sum of the transfers the chain holds; `None`
    /// (not checked) when the run sent a template's action.
    pub balances_add_up: Option<bool>,
    /// The accounts whose balance did not move as the chain's transfers say.
    pub balance_mismatches: Vec<BalanceMismatch>,
    /// The sum the chain's transfers moved, as the token's string; `None` for a template's action.
    pub moved: Option<String>,
    /// How many accounts sent and received.
    pub accounts: usize,
    /// Each node's CPU while the load was sent.
    pub cpu: Vec<NodeCpu>,
}

impl LoadReport {
    /// Nothing accepted was lost and the balances add up (where they were checked).
    pub fn nothing_lost(&self) -> bool {
        self.lost.is_empty() && self.balances_add_up != Some(false)
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ended = match self.ended {
            Ended::Duration => "for the duration asked",
            Ended::Count => "the count asked",
            Ended::Interrupted => "until interrupted",
            Ended::BadData => "until the template's data stopped packing",
        };
        writeln!(
            f,
            "lab `{}`: {} × {} sent in {:.1}s ({ended}, {:.0}/s asked) to {}",
            self.lab,
            self.sent,
            self.action,
            self.sending_secs,
            self.rate,
            self.api_urls.join(", ")
        )?;
        let failed: u64 = self.failed.values().sum();
        writeln!(
            f,
            "  accepted      {} ({:.1}/s), failed {failed}, in a block {}, irreversible {}",
            self.accepted, self.accepted_per_sec, self.in_block, self.irreversible
        )?;
        for (reason, n) in &self.failed {
            writeln!(f, "    failed: {n} × {reason}")?;
        }
        if let Some(p) = self.inclusion_ms {
            writeln!(f, "  to a block    {p}")?;
        }
        if let Some(p) = self.irreversible_ms {
            writeln!(f, "  irreversible  {p}")?;
        }
        let (first, last) = self.checked_blocks;
        if self.lost.is_empty() {
            writeln!(
                f,
                "  lost          none: every accepted transaction is in exactly one irreversible block of {first}-{last}"
            )?;
        } else {
            writeln!(
                f,
                "  lost          {} of {} accepted (blocks {first}-{last} read):",
                self.lost.len(),
                self.accepted
            )?;
            for l in self.lost.iter().take(20) {
                writeln!(f, "    {} {}", l.id, l.reason)?;
            }
            if self.lost.len() > 20 {
                writeln!(f, "    … and {} more (`--json` lists every one)", self.lost.len() - 20)?;
            }
        }
        if self.balances_add_up.is_none() {
            writeln!(f, "  balances      not checked: the run sent {}, not the default transfers", self.action)?;
        } else if self.balances_add_up == Some(true) {
            writeln!(
                f,
                "  balances      {} accounts moved by exactly the transfers the chain holds ({})",
                self.accounts,
                self.moved.as_deref().unwrap_or_default()
            )?;
        } else {
            writeln!(f, "  balances      do NOT add up:")?;
            for m in &self.balance_mismatches {
                writeln!(
                    f,
                    "    {}: expected {:+} units, the chain shows {:+}",
                    m.account, m.expected_units, m.actual_units
                )?;
            }
        }
        let cpu: Vec<String> = self
            .cpu
            .iter()
            .map(|c| format!("{} {}", c.node, c.cpu_percent.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "-".into())))
            .collect();
        write!(f, "  cpu           {}", cpu.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut samples: Vec<u64> = (1..=100).collect();
        assert_eq!(Percentiles::of(&mut samples), Some(Percentiles { p50: 50, p95: 95, p99: 99, max: 100 }));
        assert_eq!(Percentiles::of(&mut [7]), Some(Percentiles { p50: 7, p95: 7, p99: 7, max: 7 }));
        assert_eq!(Percentiles::of(&mut []), None);
    }
}
