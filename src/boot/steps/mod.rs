//! The boot steps, one file each, named and ordered as the upstream `bios-boot-tutorial.py`
//! names them. [`StepName::ALL`] is the order; [`StepName::step`] finds a step's code.

mod claim;
mod contracts;
mod finality;
mod init;
mod log;
mod msig_replace;
mod proxy;
mod reg_prod;
mod resign;
mod stake;
mod start_prod;
mod sys;
mod sys_contract;
mod tokens;
mod vote;
mod wallet;
mod xfer;

use super::step::Step;

#[cfg(test)]
pub(super) use finality::transition_ended;
pub(crate) use finality::{switch_to_come, SWITCH_PROPOSAL};
pub(super) use start_prod::not_running;
pub(crate) use sys_contract::schedule_preactivation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
/// A step of the bios boot sequence, in the order `lab boot` runs them ([`StepName::ALL`]).
pub enum StepName {
    /// Start keosd, create the wallet, import the keys.
    Wallet,
    /// Create the system accounts (eosio.*).
    Sys,
    /// Deploy eosio.token, eosio.msig, eosio.wrap.
    Contracts,
    /// Create the core token, issue what the allocation hands out.
    Tokens,
    /// Activate every supported protocol feature, deploy eosio.system.
    SysContract,
    /// Init the system contract with the core symbol.
    Init,
    /// Create the accounts staked (Pareto 80/20 allocation).
    Stake,
    /// Register the producers.
    RegProd,
    /// Producers running and caught up with the genesis head.
    StartProd,
    /// Vote until the system contract proposes the elected producers.
    Vote,
    /// Register the producers' BLS finalizer keys, switch to Savanna (when supported).
    Finality,
    /// The elected producers take over; those with unpaid blocks claim rewards.
    Claim,
    /// The first producer becomes a proxy; voters delegate to it.
    Proxy,
    /// Eosio resigns to eosio.prods; system accounts to eosio.
    Resign,
    /// (optional) replace eosio's code by an msig the producers approve.
    MsigReplace,
    /// (optional) random transfers between accounts (--count).
    Xfer,
    /// Read the tail of the genesis node's log (shown with `-v`, or when a step fails).
    Log,
}

/// Whether the boot is to start the producers' nodes (`start-prod` starts them from a snapshot
/// of the genesis node) or every one runs already, as a small lab's start with the genesis node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProducerNodes {
    ToStart,
    Running,
}

impl StepName {
    /// Every step, in the order they run.
    pub const ALL: [StepName; 17] = [
        StepName::Wallet,
        StepName::Sys,
        StepName::Contracts,
        StepName::Tokens,
        StepName::SysContract,
        StepName::Init,
        StepName::Stake,
        StepName::RegProd,
        StepName::StartProd,
        StepName::Vote,
        StepName::Finality,
        StepName::Claim,
        StepName::Proxy,
        StepName::Resign,
        StepName::MsigReplace,
        StepName::Xfer,
        StepName::Log,
    ];

    /// The step's name on the command line (`sys-contract`, `reg-prod`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Wallet => "wallet",
            StepName::Sys => "sys",
            StepName::Contracts => "contracts",
            StepName::Tokens => "tokens",
            StepName::SysContract => "sys-contract",
            StepName::Init => "init",
            StepName::Stake => "stake",
            StepName::RegProd => "reg-prod",
            StepName::StartProd => "start-prod",
            StepName::Vote => "vote",
            StepName::Finality => "finality",
            StepName::Claim => "claim",
            StepName::Proxy => "proxy",
            StepName::Resign => "resign",
            StepName::MsigReplace => "msig-replace",
            StepName::Xfer => "xfer",
            StepName::Log => "log",
        }
    }

    /// The step's code.
    pub(crate) fn step(self) -> &'static dyn Step {
        match self {
            StepName::Wallet => &wallet::Wallet,
            StepName::Sys => &sys::Sys,
            StepName::Contracts => &contracts::Contracts,
            StepName::Tokens => &tokens::Tokens,
            StepName::SysContract => &sys_contract::SysContract,
            StepName::Init => &init::Init,
            StepName::Stake => &stake::Stake,
            StepName::RegProd => &reg_prod::RegProd,
            StepName::StartProd => &start_prod::StartProd,
            StepName::Vote => &vote::Vote,
            StepName::Finality => &finality::Finality,
            StepName::Claim => &claim::Claim,
            StepName::Proxy => &proxy::Proxy,
            StepName::Resign => &resign::Resign,
            StepName::MsigReplace => &msig_replace::MsigReplace,
            StepName::Xfer => &xfer::Xfer,
            StepName::Log => &log::Log,
        }
    }

    /// The steps whose work this one builds on, directly; the runner starts a step once every
    /// step it needs, directly or through another, has ended, and runs the others beside it.
    /// The upstream script runs them one after the other; what may overlap is what touches
    /// nothing the other needs: the token contracts and the system contract each need the system
    /// accounts, not one another; the proxy's delegation, the claim, the resignation and the
    /// producers' takeover that `claim` waits for each need the votes, not one another. `resign`
    /// waits for `finality`, the last step that acts with eosio's own key.
    ///
    /// The votes hand the schedule to the producers, so producers yet to start run first (else
    /// they would miss their first slots). Producers that run already (a small lab starts them
    /// with the genesis node) follow the chain: `start-prod` only checks them, beside the votes,
    /// and the takeover (`claim`) and `finality` wait for that check.
    pub(crate) fn needs(self, producers: ProducerNodes) -> &'static [StepName] {
        use StepName::*;
        match (self, producers) {
            (Vote, ProducerNodes::Running) => &[RegProd],
            (Finality | Claim, ProducerNodes::Running) => &[Vote, StartProd],
            _ => self.needs_to_start(),
        }
    }

    /// [`StepName::needs`] where producers are to start.
    fn needs_to_start(self) -> &'static [StepName] {
        use StepName::*;
        match self {
            Wallet => &[],
            Sys => &[Wallet],
            Contracts => &[Sys],
            Tokens => &[Contracts],
            // The system contract needs the system accounts made before it (the accounts it
            // did not make have unlimited resources); the token contracts and the core token
            // need nothing of it, nor it of them: they go in beside it. `init` needs both.
            SysContract => &[Sys],
            Init => &[SysContract, Tokens],
            Stake => &[Init],
            RegProd => &[Stake],
            StartProd => &[RegProd],
            Vote => &[StartProd],
            Finality | Claim | Proxy => &[Vote],
            Resign => &[Finality],
            // An msig needs the producers to have taken over (`claim` waits for it) and eosio
            // resigned; the transfers and the log come after everything else.
            MsigReplace => &[Resign, Claim],
            Xfer => &[MsigReplace, Proxy],
            Log => &[Xfer],
        }
    }

    /// Every step this one needs, directly or through another.
    pub(crate) fn needs_all(self, producers: ProducerNodes) -> std::collections::BTreeSet<StepName> {
        let mut all = std::collections::BTreeSet::new();
        let mut todo = self.needs(producers).to_vec();
        while let Some(s) = todo.pop() {
            if all.insert(s) {
                todo.extend_from_slice(s.needs(producers));
            }
        }
        all
    }

    /// Steps that run only when asked for (`--only`, or `--all`).
    pub(crate) fn optional(self) -> bool {
        matches!(self, StepName::MsigReplace | StepName::Xfer)
    }

    /// What the step does, in a line.
    pub fn about(self) -> &'static str {
        match self {
            StepName::Wallet => "start keosd, create the wallet, import the keys",
            StepName::Sys => "create the system accounts (eosio.*)",
            StepName::Contracts => "deploy eosio.token, eosio.msig, eosio.wrap",
            StepName::Tokens => "create the core token, issue what the allocation hands out",
            StepName::SysContract => "activate every supported protocol feature, deploy eosio.system",
            StepName::Init => "init the system contract with the core symbol",
            StepName::Stake => "create the accounts staked (Pareto 80/20 allocation)",
            StepName::RegProd => "register the producers",
            StepName::StartProd => "producers running and caught up with the genesis head",
            StepName::Vote => "vote until the system contract proposes the elected producers",
            StepName::Finality => "register the producers' BLS finalizer keys, switch to Savanna (when supported)",
            StepName::Claim => "the elected producers take over; those with unpaid blocks claim rewards",
            StepName::Proxy => "the first producer becomes a proxy; voters delegate to it",
            StepName::Resign => "eosio resigns to eosio.prods; system accounts to eosio",
            StepName::MsigReplace => "(optional) replace eosio's code by an msig the producers approve",
            StepName::Xfer => "(optional) random transfers between accounts (--count)",
            StepName::Log => "read the tail of the genesis node's log (shown with -v, or when a step fails)",
        }
    }
}

impl std::fmt::Display for StepName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which steps run, in order: `--only` names them (optional ones included); otherwise every
/// default step (and the optional ones with `all`) from `--from` on, less `--skip`.
pub fn select(only: &[StepName], from: Option<StepName>, skip: &[StepName], all: bool) -> Vec<StepName> {
    StepName::ALL
        .into_iter()
        .filter(|s| {
            if !only.is_empty() {
                return only.contains(s);
            }
            (all || !s.optional()) && from.is_none_or(|f| *s >= f) && !skip.contains(s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use StepName::*;

    #[test]
    fn the_default_plan_is_every_step_but_the_optional_ones() {
        let s = select(&[], None, &[], false);
        assert_eq!(s.len(), 15);
        assert_eq!(s.first(), Some(&Wallet));
        assert_eq!(s.last(), Some(&Log));
        assert!(!s.contains(&MsigReplace) && !s.contains(&Xfer));
        assert_eq!(select(&[], None, &[], true).len(), 17);
    }

    #[test]
    fn only_from_and_skip() {
        assert_eq!(select(&[Xfer, Wallet], None, &[], false), [Wallet, Xfer]);
        assert_eq!(select(&[], Some(Vote), &[Claim], false), [Vote, Finality, Proxy, Resign, Log]);
        assert_eq!(select(&[], None, &[Log, Claim, Proxy, Resign, Finality], false).last(), Some(&Vote));
    }

    #[cfg(feature = "cli")]
    #[test]
    fn names_are_the_command_line_names() {
        use clap::ValueEnum;
        for s in StepName::ALL {
            assert_eq!(s.to_possible_value().unwrap().get_name(), s.as_str());
        }
    }

    #[test]
    fn every_step_needs_only_steps_before_it_and_the_log_needs_all() {
        for p in [ProducerNodes::ToStart, ProducerNodes::Running] {
            for s in StepName::ALL {
                assert!(s.needs(p).iter().all(|n| *n < s), "{s} needs a later step");
            }
            assert_eq!(Log.needs_all(p).len(), StepName::ALL.len() - 1);
            // Overlapping only where the votes are the last thing they share.
            for s in [Finality, Claim, Proxy] {
                assert!(s.needs_all(p).contains(&Vote));
                assert!(![Finality, Claim, Proxy].iter().any(|o| s.needs_all(p).contains(o)));
            }
            assert!(Resign.needs_all(p).contains(&Finality) && !Resign.needs_all(p).contains(&Proxy));
            // The takeover and the finalizers need the producers' nodes, whatever the votes need.
            assert!(Claim.needs_all(p).contains(&StartProd) && Finality.needs_all(p).contains(&StartProd));
        }
        // Producers to start run before the votes; producers running are checked beside them.
        assert!(Vote.needs_all(ProducerNodes::ToStart).contains(&StartProd));
        assert!(!Vote.needs_all(ProducerNodes::Running).contains(&StartProd));
    }

    #[test]
    fn each_name_finds_its_own_step() {
        for s in StepName::ALL {
            assert_eq!(s.step().name(), s);
        }
    }

    #[test]
    fn names_match_the_upstream_script() {
        let names: Vec<&str> = StepName::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "wallet",
                "sys",
                "contracts",
                "tokens",
                "sys-contract",
                "init",
                "stake",
                "reg-prod",
                "start-prod",
                "vote",
                "finality",
                "claim",
                "proxy",
                "resign",
                "msig-replace",
                "xfer",
                "log"
            ]
        );
    }
}
