//! What every step works with: the runtime, the plan, the lab's state, and the genesis node
//! where cleos and the wallet run.

use std::collections::BTreeMap;

use tokio::sync::OnceCell;

use super::cleos::Cleos;
use super::error::Failure;
use super::push::Pusher;
use super::signed::Signing;
use super::wait::wait_for;
use crate::chain::system::contract_dir;
use crate::chain::system::{abi_path, wasm_path, CONTRACTS_DIR, VAULTA_ACCOUNTS, VAULTA_ERA_ACTIONS};
use crate::chain::Amount;
use crate::client::Chain;
use crate::keys::KeyPair;
use crate::plan::alloc::Allocation;
use crate::plan::{AccountPlan, NetworkPlan};
use crate::runtime::ExecOutput;
use crate::runtime::Runtime;
use crate::state::StateDir;
use std::time::Duration;

pub struct Context<'a> {
    pub rt: &'a dyn Runtime,
    pub plan: &'a NetworkPlan,
    pub state: &'a StateDir,
    /// The genesis node's container: cleos, keosd and the API every step asks.
    pub genesis: &'a str,
    /// Transfers the `xfer` step makes.
    pub xfer_count: usize,
    contract_hashes: &'a OnceCell<BTreeMap<String, String>>,
    system_actions: OnceCell<Vec<String>>,
    /// The genesis node's API published on this host, when it answers there.
    direct: Option<crate::client::Direct>,
    /// The keys and ABIs transactions are signed with here, when they are sent to `direct`.
    signing: &'a Signing,
    /// The head block when this run asked the chain to switch to Savanna with the genesis node
    /// as its only finalizer (`sys-contract`); the switch ends a few blocks later.
    savanna_asked: std::sync::OnceLock<u64>,
}

impl<'a> Context<'a> {
    pub fn new(
        rt: &'a dyn Runtime,
        plan: &'a NetworkPlan,
        state: &'a StateDir,
        contract_hashes: &'a OnceCell<BTreeMap<String, String>>,
        signing: &'a Signing,
        xfer_count: usize,
    ) -> Self {
        Context {
            rt,
            plan,
            state,
            genesis: &plan.genesis().container,
            xfer_count,
            contract_hashes,
            system_actions: OnceCell::new(),
            direct: None,
            signing,
            savanna_asked: std::sync::OnceLock::new(),
        }
    }

    /// The chain asked at `direct` (see [`crate::client::direct_url`]) instead of through the engine.
    pub fn reached_at(mut self, direct: Option<crate::client::Direct>) -> Self {
        self.direct = direct;
        self
    }

    /// Notes that this run asked for Savanna at block `head` (see [`Context::savanna_asked`]).
    pub fn asked_for_savanna(&self, head: u64) {
        let _ = self.savanna_asked.set(head);
    }

    /// The block at which this run asked the chain to switch to Savanna, if it did.
    pub fn savanna_asked(&self) -> Option<u64> {
        self.savanna_asked.get().copied()
    }

    pub fn cleos(&self) -> Cleos<'a> {
        Cleos::new(self.rt, self.genesis)
    }

    /// `cleos set contract ACCOUNT` with the image's `contract`, once the chain has a block after
    /// the genesis block: cleos counts a transaction's expiration from the head block's time,
    /// and the genesis block's is the genesis file's, years ago (seen: a boot's first push, signed
    /// here, taken the moment the genesis node was released, and the next step's `set contract`
    /// refused with `expired transaction … expiration 2018-06-01T12:00:30`).
    pub async fn set_contract(&self, account: &str, contract: &str) -> Result<ExecOutput, Failure> {
        wait_for("the genesis node's first block", Duration::from_secs(30), || async {
            Ok((self.chain().head_block_num().await? > 1).then_some(()))
        })
        .await?;
        self.cleos().ok(&["set", "contract", "-t", "false", account, &contract_dir(contract)]).await
    }

    /// Pushes transactions: signed here and sent over HTTP where the genesis node's API answers
    /// on this host (no exec a push), else through cleos and the wallet in its container.
    pub fn pusher(&self) -> Pusher<'a> {
        let pusher = Pusher::new(self.cleos());
        match &self.direct {
            Some(_) => pusher.signing(self.signing, self.chain()),
            None => pusher,
        }
    }

    pub fn chain(&self) -> Chain<'a> {
        Chain::reached_at(self.rt, self.genesis, self.direct.clone())
    }

    pub fn allocation(&self) -> &'a [Allocation] {
        &self.plan.allocation
    }

    /// An amount of the core token as the chain writes it (`12.5000 SYS`).
    pub fn asset(&self, a: Amount) -> String {
        a.display(&self.plan.chain.symbol).to_string()
    }

    pub fn account(&self, name: &str) -> Option<&'a AccountPlan> {
        self.plan.accounts.iter().find(|a| a.name == name)
    }

    /// The users who vote: the first `chain.voters` of those the allocation creates.
    pub fn voters(&self) -> impl Iterator<Item = &'a Allocation> {
        self.allocation().iter().filter(|a| !a.producer && !a.skipped()).take(self.plan.chain.voters)
    }

    /// The keys the steps sign with ([`wallet_keys`]).
    pub fn wallet_keys(&self) -> Vec<&'a KeyPair> {
        wallet_keys(self.plan)
    }

    /// Whether the image carries a contract (its wasm is in the contracts folder).
    pub async fn has_contract(&self, contract: &str) -> Result<bool, Failure> {
        self.contract_hash(contract).await.map(|_| true).or_else(|e| match e {
            Failure::Chain(_) => Ok(false),
            e => Err(e),
        })
    }

    /// The actions the image's eosio.system declares, read once from its ABI.
    pub async fn system_actions(&self) -> Result<&[String], Failure> {
        self.system_actions.get_or_try_init(|| self.contract_actions("eosio.system")).await.map(Vec::as_slice)
    }

    /// The actions a contract of the image declares in its ABI.
    pub async fn contract_actions(&self, contract: &str) -> Result<Vec<String>, Failure> {
        let path = abi_path(contract);
        let out = self.cleos().sh(&format!("cat {path}"), None).await?;
        let abi: serde_json::Value = serde_json::from_str(&out.stdout)
            .map_err(|e| Failure::chain(format!("the image's {path} is not JSON: {e}")))?;
        Ok(abi["actions"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["name"].as_str().map(str::to_string)).collect())
            .unwrap_or_default())
    }

    /// The system accounts `sys` creates: the tutorial's, and the Vaulta-era ones when the image's
    /// system contract pays them.
    pub async fn system_accounts(&self) -> Result<Vec<&'static str>, Failure> {
        let mut names = crate::chain::system::SYSTEM_ACCOUNTS.to_vec();
        let actions = self.system_actions().await?;
        if VAULTA_ERA_ACTIONS.iter().any(|a| actions.iter().any(|x| x == a)) {
            names.extend(VAULTA_ACCOUNTS);
        }
        Ok(names)
    }

    /// The sha256 of a contract's wasm in the image, the code hash the chain reports once it is
    /// deployed. One exec reads them all, once per boot; nothing is written.
    pub async fn contract_hash(&self, contract: &str) -> Result<String, Failure> {
        let hashes = self
            .contract_hashes
            .get_or_try_init(|| async {
                let out = self.cleos().sh(&format!("sha256sum {CONTRACTS_DIR}/*/*.wasm"), None).await?;
                Ok::<_, Failure>(
                    out.stdout
                        .lines()
                        .filter_map(|l| l.split_once(char::is_whitespace))
                        .map(|(hash, file)| (file.trim().trim_start_matches('*').to_string(), hash.to_string()))
                        .collect(),
                )
            })
            .await?;
        let path = wasm_path(contract);
        hashes.get(&path).cloned().ok_or_else(|| {
            Failure::chain(format!("the image has no {path} (images/README.md lists the contracts an image carries)"))
        })
    }
}

/// The keys the steps sign with: eosio, the producers, the voters and the senders of `xfer` (the
/// first users), as the tutorial imports at most ten user keys.
pub fn wallet_keys(plan: &NetworkPlan) -> Vec<&KeyPair> {
    let mut keys = vec![&plan.chain.eosio];
    keys.extend(plan.producers().map(|a| &a.keys));
    keys.extend(plan.users().take(plan.chain.voters.max(10)).map(|a| &a.keys));
    keys
}
