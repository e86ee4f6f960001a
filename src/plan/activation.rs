//! Whether the planned voters can ever activate the chain: the system contract hands the schedule
//! to the elected producers only once `min_activated_stake` has voted, so a plan whose voters hold
//! less can never give a booted chain and is refused before anything is created.

use super::NetworkPlan;
use crate::chain::system::MIN_ACTIVATED_STAKE;
use crate::chain::Amount;
use crate::topology::ValidationError;

/// What the voters stake, as `vote` will count it: the first `chain.voters` users the allocation
/// creates (boot's `Context::voters`), each with its net and cpu stake.
pub fn voters_stake(plan: &NetworkPlan) -> Amount {
    Amount(
        plan.allocation
            .iter()
            .filter(|a| !a.producer && !a.skipped())
            .take(plan.chain.voters)
            .map(|a| a.net.0 + a.cpu.0)
            .sum(),
    )
}

/// An error on `chain.voters` when the voters cannot reach the stake that activates the chain.
pub fn check_activation(plan: &NetworkPlan) -> Option<ValidationError> {
    let staked = voters_stake(plan);
    if staked.0 >= MIN_ACTIVATED_STAKE {
        return None;
    }
    let symbol = &plan.chain.symbol;
    Some(ValidationError {
        path: "chain.voters".into(),
        message: format!(
            "the {} voters stake {} in all, below the {} (15% of a billion) the system contract needs before \
             the elected producers take over; raise chain.voters or chain.distribute",
            plan.chain.voters,
            staked.display(symbol),
            Amount(MIN_ACTIVATED_STAKE).display(symbol),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::{parse, TopologySource};

    fn build(yaml: &str) -> Result<NetworkPlan, Vec<(String, String)>> {
        NetworkPlan::build(&TopologySource { topology: parse(yaml).unwrap(), path: None }, "seed")
            .map_err(|e| e.errors.into_iter().map(|e| (e.path, e.message)).collect())
    }

    #[test]
    fn the_default_voters_activate_the_chain() {
        let plan = build("{}").unwrap();
        assert!(voters_stake(&plan).0 >= MIN_ACTIVATED_STAKE);
    }

    #[test]
    fn voters_who_cannot_reach_the_stake_are_refused() {
        let errs = build("chain: {distribute: '100000000.0000'}").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, "chain.voters");
        assert!(errs[0].1.contains("below the 150000000.0000 SYS"), "{}", errs[0].1);
    }
}
