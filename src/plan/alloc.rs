//! The token allocation of the upstream tutorial: a Pareto distribution (shape 1.161, the 80/20
//! rule) over all accounts, sorted so the first accounts hold the most, scaled to the amount to
//! distribute; producers get at least their minimum. The sum of the allocations is what is issued.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use super::{AccountPlan, ChainPlan};
use crate::chain::Amount;

/// Pareto shape that puts 80% of the tokens with 20% of the holders.
pub const PARETO_SHAPE: f64 = 1.161;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Allocation {
    pub name: String,
    pub producer: bool,
    pub funds: Amount,
    pub ram: Amount,
    pub net: Amount,
    pub cpu: Amount,
    pub liquid: Amount,
}

impl Allocation {
    /// Accounts whose funds do not cover their RAM are not created (the tutorial's rule).
    pub fn skipped(&self) -> bool {
        self.funds < self.ram
    }
}

pub fn rng_for(seed: &str, purpose: &str) -> ChaCha8Rng {
    let digest: [u8; 32] = Sha256::digest(format!("antelope-lab/{purpose}/{seed}")).into();
    ChaCha8Rng::from_seed(digest)
}

/// numpy.random.pareto: the Lomax distribution, `(1-U)^(-1/a) - 1`.
fn pareto(rng: &mut ChaCha8Rng, shape: f64) -> f64 {
    let u: f64 = rng.gen();
    (1.0 - u).powf(-1.0 / shape) - 1.0
}

pub fn allocate(accounts: &[AccountPlan], chain: &ChainPlan, seed: &str) -> Vec<Allocation> {
    let mut rng = rng_for(seed, "allocation");
    let mut dist: Vec<f64> = (0..accounts.len()).map(|_| pareto(&mut rng, PARETO_SHAPE)).collect();
    dist.sort_by(|a, b| b.partial_cmp(a).expect("finite"));
    let sum: f64 = dist.iter().sum();
    let factor = if sum > 0.0 { chain.distribute.0 as f64 / sum } else { 0.0 };
    accounts
        .iter()
        .zip(dist)
        .map(|(a, d)| {
            let mut funds = (factor * d).round() as i64;
            if a.producer {
                funds = funds.max(chain.min_producer_funds.0);
            }
            split(&a.name, a.producer, Amount(funds), chain)
        })
        .collect()
}

/// The tutorial's split of an account's funds: RAM first, then at least `min_stake` staked, at
/// most `max_unstaked` liquid, the stake halved between net (rounded) and cpu.
fn split(name: &str, producer: bool, funds: Amount, chain: &ChainPlan) -> Allocation {
    let ram = chain.ram_funds.0;
    let f = funds.0;
    let (net, cpu, liquid) = if f < ram {
        (0, 0, 0)
    } else {
        let min_stake = (f - ram).min(chain.min_stake.0);
        let liquid = (f - ram - min_stake).min(chain.max_unstaked.0);
        let stake = f - ram - liquid;
        let net = (stake as f64 / 2.0).round() as i64;
        (net, stake - net, liquid)
    };
    Allocation {
        name: name.into(),
        producer,
        funds,
        ram: Amount(ram),
        net: Amount(net),
        cpu: Amount(cpu),
        liquid: Amount(liquid),
    }
}

/// What `tokens` issues: everything the allocation hands out.
pub fn total(allocations: &[Allocation]) -> Amount {
    Amount(allocations.iter().map(|a| a.funds.0).sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::NetworkPlan;
    use crate::topology::{parse, TopologySource};

    fn plan(yaml: &str, seed: &str) -> NetworkPlan {
        NetworkPlan::build(&TopologySource { topology: parse(yaml).unwrap(), path: None }, seed).unwrap()
    }

    #[test]
    fn sums_exactly_and_each_account_adds_up() {
        for seed in ["a", "b", "c"] {
            let p = plan("{}", seed);
            let alloc = allocate(&p.accounts, &p.chain, seed);
            assert_eq!(alloc.len(), 25);
            let sum: i64 = alloc.iter().map(|a| a.funds.0).sum();
            assert_eq!(total(&alloc).0, sum);
            // Scaled to the amount distributed, give or take rounding and the producers' minimum.
            let distribute = p.chain.distribute.0;
            assert!((sum - distribute).abs() <= 25 + 4 * p.chain.min_producer_funds.0, "{sum} vs {distribute}");
            for a in alloc.iter().filter(|a| !a.skipped()) {
                assert_eq!(a.funds.0, a.ram.0 + a.net.0 + a.cpu.0 + a.liquid.0, "{a:?}");
                assert!(a.liquid <= p.chain.max_unstaked);
                assert!((a.net.0 - a.cpu.0).abs() <= 1);
            }
        }
    }

    #[test]
    fn producers_get_their_minimum() {
        let p = plan("accounts: {count: 200}\nproducers: 21", "s");
        let alloc = allocate(&p.accounts, &p.chain, "s");
        for a in alloc.iter().filter(|a| a.producer) {
            assert!(a.funds >= p.chain.min_producer_funds, "{a:?}");
        }
        assert_eq!(alloc.iter().filter(|a| a.producer).count(), 21);
    }

    #[test]
    fn the_top_fifth_holds_about_four_fifths() {
        for seed in ["one", "two", "three", "four"] {
            let p = plan("accounts: {count: 3000}\nproducers: 21", seed);
            let alloc = allocate(&p.accounts, &p.chain, seed);
            let mut funds: Vec<i64> = alloc.iter().map(|a| a.funds.0).collect();
            funds.sort_unstable_by(|a, b| b.cmp(a));
            let top: i64 = funds[..600].iter().sum();
            let share = top as f64 / funds.iter().sum::<i64>() as f64;
            assert!((0.65..0.95).contains(&share), "seed {seed}: top 20% hold {share:.2}");
        }
    }

    #[test]
    fn users_come_first_and_hold_the_most() {
        let p = plan("{}", "x");
        let alloc = allocate(&p.accounts, &p.chain, "x");
        assert!(!alloc[0].producer);
        assert!(alloc[0].funds >= alloc[20].funds);
    }

    #[test]
    fn is_reproducible_from_the_seed() {
        let p = plan("{}", "x");
        assert_eq!(allocate(&p.accounts, &p.chain, "x"), allocate(&p.accounts, &p.chain, "x"));
        assert_ne!(allocate(&p.accounts, &p.chain, "x"), allocate(&p.accounts, &p.chain, "y"));
    }

    #[test]
    fn the_tutorials_split() {
        let p = plan("{}", "x");
        let a = split("a", false, Amount(5_0000), &p.chain);
        // 0.1 RAM, 0.9 staked minimum, then up to 10 liquid: 4 liquid here.
        assert_eq!((a.ram.0, a.liquid.0, a.net.0 + a.cpu.0), (1000, 4_0000, 9000));
        let b = split("b", false, Amount(1000_0000), &p.chain);
        assert_eq!(b.liquid.0, 10_0000);
        assert_eq!(b.net.0 + b.cpu.0, 1000_0000 - 1000 - 10_0000);
        assert!(split("c", false, Amount(999), &p.chain).skipped());
    }
}
