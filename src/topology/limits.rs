//! Sizes a laptop can run, and settings that can never give a booted chain. Checked before
//! anything is generated from the topology, so an absurd size is an error at once, never a hang.

use super::{ProducersConfig, Topology, ValidationError};

/// Accounts: each one is a key derivation at plan time and a staked account in the boot, pushed at
/// about 200 a second on a laptop; ten thousand is under a minute of boot and a few MB of state.
pub const MAX_ACCOUNTS: usize = 10_000;
/// Producers: each one is a nodeos container (about 150 MB resident with lab's 256 MB state
/// database), so a hundred is what a well-equipped workstation holds; the schedule elects 21 anyway.
pub const MAX_PRODUCERS: usize = 100;
/// Extra (non-producing) nodes: the same cost per node, without producing; beyond a few hundred the
/// mesh's connections (every node to every other) alone outgrow a single engine.
pub const MAX_EXTRA_NODES: usize = 200;
/// The system contract's limit on the producers one vote names (`voteproducer`).
pub const MAX_VOTES_PER_VOTER: usize = 30;

/// Problems of size and of settings that can never give a booted chain; each names its field and,
/// for a size, the limit. When this finds a size problem, nothing should be generated from the
/// topology (see `too_big`).
pub fn check_limits(t: &Topology) -> Vec<ValidationError> {
    let mut errs = Vec::new();
    let mut add = |path: &str, message: String| errs.push(ValidationError { path: path.into(), message });
    if let Some(n) = t.accounts.count.filter(|n| *n > MAX_ACCOUNTS) {
        add("accounts.count", format!("is {n}; at most {MAX_ACCOUNTS} accounts (each is staked by the boot)"));
    }
    let producers = match &t.producers {
        ProducersConfig::Count(n) => *n,
        ProducersConfig::Names(names) => names.len(),
    };
    if producers > MAX_PRODUCERS {
        add("producers", format!("is {producers}; at most {MAX_PRODUCERS} producers (each runs its own nodeos)"));
    }
    if t.extra_nodes.len() > MAX_EXTRA_NODES {
        add(
            "extra_nodes",
            format!("lists {}; at most {MAX_EXTRA_NODES} extra nodes (each runs its own nodeos)", t.extra_nodes.len()),
        );
    }
    // The system contract hands the chain to the elected producers only once 15% of the stake has
    // voted; without voters that never happens and the boot would stop at `vote`.
    if t.chain.voters == 0 {
        add("chain.voters", "is 0; the elected producers take over only once 15% of the stake has voted".into());
    }
    let v = t.chain.votes_per_voter;
    if v == 0 || v > MAX_VOTES_PER_VOTER {
        add("chain.votes_per_voter", format!("is {v}; a vote names 1 to {MAX_VOTES_PER_VOTER} producers"));
    }
    errs
}

/// Whether a size is past its limit: then names and keys are not generated at all.
pub fn too_big(t: &Topology) -> bool {
    let producers = match &t.producers {
        ProducersConfig::Count(n) => *n,
        ProducersConfig::Names(names) => names.len(),
    };
    t.accounts.count.is_some_and(|n| n > MAX_ACCOUNTS) || producers > MAX_PRODUCERS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::parse;

    fn paths(yaml: &str) -> Vec<(String, String)> {
        check_limits(&parse(yaml).unwrap()).into_iter().map(|e| (e.path, e.message)).collect()
    }

    #[test]
    fn the_default_is_within_limits() {
        assert_eq!(paths("{}"), vec![]);
        assert_eq!(paths("accounts: {count: 10000}\nproducers: 100"), vec![]);
    }

    #[test]
    fn absurd_sizes_name_the_limit() {
        let errs = paths("accounts: {count: 1000000000}\nproducers: 101");
        assert_eq!(
            errs[0],
            ("accounts.count".into(), "is 1000000000; at most 10000 accounts (each is staked by the boot)".into())
        );
        assert_eq!(errs[1].0, "producers");
        assert!(errs[1].1.contains("at most 100 producers"));
        assert!(too_big(&parse("accounts: {count: 10001}").unwrap()));
        assert!(!too_big(&parse("accounts: {count: 10000}").unwrap()));
        let extra: Vec<String> = (0..201).map(|i| format!("n{i}")).collect();
        let errs = paths(&format!("extra_nodes: [{}]", extra.join(", ")));
        assert_eq!(errs[0].0, "extra_nodes");
        assert!(errs[0].1.contains("at most 200"));
    }

    #[test]
    fn settings_that_never_boot_are_refused() {
        assert_eq!(paths("chain: {voters: 0}")[0].0, "chain.voters");
        assert_eq!(paths("chain: {votes_per_voter: 0}")[0].0, "chain.votes_per_voter");
        assert_eq!(paths("chain: {votes_per_voter: 31}")[0].1, "is 31; a vote names 1 to 30 producers");
        assert_eq!(paths("chain: {votes_per_voter: 30}"), vec![]);
    }
}
