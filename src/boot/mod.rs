//! The bios boot sequence. Each step first asks the chain what is already done and acts only on
//! what is missing, so a rerun is safe and a failed run resumes.

pub mod alloc;
mod chain;
mod cleos;
mod steps;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use thiserror::Error;

pub use chain::Chain;
pub use cleos::{Action, Cleos};
pub use steps::{select, StepName};

use crate::chain::Amount;
use crate::client::{ApiError, NodeClient};
use crate::plan::{AccountPlan, NetworkPlan, DATA_MOUNT, KEOSD_PORT};
use crate::printer::Printer;
use crate::runtime::{Runtime, RuntimeError};
use crate::state::StateDir;

/// Where the image keeps the compiled system contracts (the image contract, images/README.md).
pub const CONTRACTS_DIR: &str = "/opt/antelope/contracts";
/// The feature every other feature needs first; it is scheduled through the producer API.
const PREACTIVATE_FEATURE: &str = "0ec7e080177b2c02b278d5088611686b49d739925a92d9bfcacd7fc6b74053bd";
/// The system contract activates the chain once this much stake has voted: 150 000 000.0000 of
/// the core token, 15% of the tutorial's billion, fixed in eosio.system (`min_activated_stake`).
const MIN_ACTIVATED_STAKE: i64 = 150_000_000_0000;
/// The system accounts the tutorial creates, plus eosio.wrap.
pub const SYSTEM_ACCOUNTS: &[&str] = &[
    "eosio.bpay",
    "eosio.msig",
    "eosio.names",
    "eosio.ram",
    "eosio.ramfee",
    "eosio.saving",
    "eosio.stake",
    "eosio.token",
    "eosio.vpay",
    "eosio.rex",
    "eosio.wrap",
];
/// Accounts per staking transaction (4 actions each) and transactions in flight.
const STAKE_ACCOUNTS_PER_TRX: usize = 100;
const IN_FLIGHT: usize = 3;

#[derive(Debug, Error)]
pub enum BootError {
    #[error("step {step} on {node}: {what} exited with code {code}:\n{stderr}")]
    Exec { step: String, node: String, what: String, code: i64, stderr: String },
    #[error("step {step}: timed out after {secs}s waiting for {what}")]
    Timeout { step: String, what: String, secs: u64 },
    #[error("step {step}: {message}")]
    Chain { step: String, message: String },
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

impl BootError {
    fn chain(step: StepName, message: impl Into<String>) -> Self {
        BootError::Chain { step: step.as_str().into(), message: message.into() }
    }
}

/// Options of one boot run.
#[derive(Debug, Clone)]
pub struct BootOptions {
    pub steps: Vec<StepName>,
    pub xfer_count: usize,
}

/// What one step did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepReport {
    pub step: StepName,
    /// Whether it changed the chain (false: everything was already done).
    pub changed: bool,
    pub note: String,
    pub seconds: f64,
}

pub struct Boot<'a> {
    pub rt: &'a dyn Runtime,
    pub plan: &'a NetworkPlan,
    pub state: &'a StateDir,
    pub printer: &'a Printer,
    container: &'a str,
    allocation: Vec<alloc::Allocation>,
    /// sha256 of the image's contract files, asked once per run.
    hashes: tokio::sync::Mutex<BTreeMap<String, String>>,
}

fn wasm_path(contract: &str) -> String {
    format!("{CONTRACTS_DIR}/{contract}/{contract}.wasm")
}

impl<'a> Boot<'a> {
    pub fn new(rt: &'a dyn Runtime, plan: &'a NetworkPlan, state: &'a StateDir, printer: &'a Printer) -> Self {
        let allocation = alloc::allocate(&plan.accounts, &plan.chain, &plan.seed);
        Boot { rt, plan, state, printer, container: &plan.genesis().container, allocation, hashes: Default::default() }
    }

    fn cleos(&self) -> Cleos<'_> {
        Cleos { rt: self.rt, container: self.container }
    }

    fn chain(&self) -> Chain<'_> {
        Chain::new(self.rt, self.container)
    }

    fn asset(&self, a: Amount) -> String {
        a.display(&self.plan.chain.symbol).to_string()
    }

    fn eosio_pub(&self) -> &str {
        &self.plan.chain.eosio.public
    }

    /// Runs the steps in order; stops at the first failure.
    pub async fn run(&self, opts: &BootOptions) -> Result<Vec<StepReport>, BootError> {
        let preactivate = async {
            if opts.steps.contains(&StepName::SysContract) {
                // PREACTIVATE_FEATURE activates a block after it is scheduled; scheduling it now,
                // beside the first steps (it needs no wallet and no account), lets that block pass
                // meanwhile. `sys-contract` still checks, and schedules it itself if this did not take.
                let _ = self.schedule_preactivation().await;
            }
        };
        let (_, reports) = tokio::join!(preactivate, self.run_steps(opts));
        reports
    }

    async fn run_steps(&self, opts: &BootOptions) -> Result<Vec<StepReport>, BootError> {
        let mut reports = Vec::new();
        for &step in &opts.steps {
            let task = self.printer.task(format!("{:<13}", step.as_str()));
            let started = Instant::now();
            match self.run_step(step, opts, &task).await {
                Ok((changed, note)) => {
                    let always_runs = matches!(step, StepName::Log | StepName::Xfer);
                    let shown = if changed || always_runs {
                        note.clone()
                    } else {
                        format!("already done{}", if note.is_empty() { String::new() } else { format!(" ({note})") })
                    };
                    task.done(shown);
                    reports.push(StepReport { step, changed, note, seconds: started.elapsed().as_secs_f64() });
                }
                Err(e) => {
                    task.fail();
                    return Err(e);
                }
            }
        }
        Ok(reports)
    }

    async fn run_step(
        &self,
        step: StepName,
        opts: &BootOptions,
        task: &crate::printer::Task,
    ) -> Result<(bool, String), BootError> {
        match step {
            StepName::Wallet => self.wallet().await,
            StepName::Sys => self.sys().await,
            StepName::Contracts => self.contracts().await,
            StepName::Tokens => self.tokens().await,
            StepName::SysContract => self.sys_contract(task).await,
            StepName::Init => self.init().await,
            StepName::Stake => self.stake(task).await,
            StepName::RegProd => self.reg_prod().await,
            StepName::StartProd => self.start_prod(task).await,
            StepName::Vote => self.vote(task).await,
            StepName::Claim => self.claim().await,
            StepName::Proxy => self.proxy().await,
            StepName::Resign => self.resign().await,
            StepName::MsigReplace => self.msig_replace(task).await,
            StepName::Xfer => self.xfer(opts.xfer_count).await,
            StepName::Log => self.log().await,
        }
    }

    /// Whether every given step's work is on the chain, asked side by side. Steps that always
    /// run (log, xfer) and start-prod (a question for the runtime) do not count.
    pub async fn all_done(&self, steps: &[StepName]) -> Result<bool, BootError> {
        let answers = futures::future::try_join_all(steps.iter().map(|s| self.is_done(*s))).await?;
        Ok(answers.into_iter().all(|a| a != Some(false)))
    }

    /// Whether a step's work is on the chain already (`None`: the step always runs).
    pub async fn is_done(&self, step: StepName) -> Result<Option<bool>, BootError> {
        let c = self.chain();
        Ok(match step {
            StepName::Wallet => Some(self.keosd_up().await? && self.missing_keys().await?.is_empty()),
            StepName::Sys => Some(
                c.existing_accounts(&SYSTEM_ACCOUNTS.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                    .await?
                    .iter()
                    .all(|e| *e),
            ),
            StepName::Contracts => Some(self.contracts_missing().await?.is_empty()),
            StepName::Tokens => Some(self.supply().await?.is_some_and(|s| s.0 > 0)),
            StepName::SysContract => {
                Some(c.code_hash("eosio").await? == self.file_hash(&wasm_path("eosio.system")).await?)
            }
            StepName::Init => Some(!c.table("eosio", "eosio", "rammarket").await?.is_empty()),
            StepName::Stake => Some(self.unstaked_accounts().await?.is_empty()),
            StepName::RegProd => Some(self.unregistered().await?.is_empty()),
            StepName::StartProd => None,
            StepName::Vote => Some(self.votes_missing().await?.is_empty() && self.schedule_elected().await?),
            StepName::Claim => Some(self.claimable().await?.is_empty()),
            StepName::Proxy => Some(self.proxy_actions().await?.is_empty()),
            StepName::Resign => Some(self.resign_actions().await?.is_empty()),
            StepName::MsigReplace => Some(c.code_hash("eosio").await? == self.replaced_hash().await?),
            StepName::Xfer | StepName::Log => None,
        })
    }

    async fn file_hash(&self, path: &str) -> Result<String, BootError> {
        let mut cache = self.hashes.lock().await;
        if cache.is_empty() || !path.starts_with(CONTRACTS_DIR) {
            // One exec hashes every contract the boot deploys.
            let out = self.cleos().sh("contracts", &format!("sha256sum {CONTRACTS_DIR}/*/*.wasm {path}"), None).await?;
            for line in out.stdout.lines() {
                if let Some((hash, file)) = line.split_once(char::is_whitespace) {
                    cache.insert(file.trim().trim_start_matches('*').to_string(), hash.to_string());
                }
            }
        }
        let hash = cache.get(path).cloned().unwrap_or_default();
        if !path.starts_with(CONTRACTS_DIR) {
            cache.remove(path);
        }
        Ok(hash)
    }

    // ---- wallet ----------------------------------------------------------------------------

    async fn keosd_up(&self) -> Result<bool, BootError> {
        Ok(self.cleos().run(&["wallet", "list"], None).await?.success())
    }

    /// The keys the later steps sign with: eosio, the producers, the voters and the senders of
    /// `xfer` (the first users), as the tutorial imports at most ten user keys.
    fn wallet_keys(&self) -> Vec<&crate::keys::KeyPair> {
        let mut keys = vec![&self.plan.chain.eosio];
        keys.extend(self.plan.producers().map(|a| &a.keys));
        keys.extend(self.plan.users().take(self.plan.chain.voters.max(10)).map(|a| &a.keys));
        keys
    }

    async fn missing_keys(&self) -> Result<Vec<String>, BootError> {
        let out = self.cleos().run(&["wallet", "keys"], None).await?;
        let have: Vec<String> = serde_json::from_str(&out.stdout).unwrap_or_default();
        let mut missing: Vec<String> =
            self.wallet_keys().into_iter().filter(|k| !have.contains(&k.public)).map(|k| k.private.clone()).collect();
        missing.dedup();
        Ok(missing)
    }

    async fn wallet(&self) -> Result<(bool, String), BootError> {
        let step = "wallet";
        let cleos = format!("cleos --no-auto-keosd --wallet-url http://127.0.0.1:{KEOSD_PORT}");
        // One exec: start keosd unless it runs (it outlives the exec: the container's init
        // adopts it), wait for it, then create the wallet or unlock it with the password given
        // on stdin. It prints `created "PW…"` or `started`/`unlocked` lines for what it did.
        let script = format!(
            r#"set -e
if ! {cleos} wallet list >/dev/null 2>&1; then
  mkdir -p {DATA_MOUNT}/wallet
  nohup keosd --unlock-timeout 999999999 --http-server-address 127.0.0.1:{KEOSD_PORT} \
    --wallet-dir {DATA_MOUNT}/wallet --http-max-response-time-ms 99999 >{DATA_MOUNT}/keosd.log 2>&1 &
  i=0; until {cleos} wallet list >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || {{ echo "keosd did not start" >&2; exit 1; }}; sleep 0.1; done
  echo started
fi
if [ ! -f {DATA_MOUNT}/wallet/default.wallet ]; then
  echo "created $({cleos} wallet create --to-console | tail -n 1)"
else
  read -r pw || true
  if {cleos} wallet list | grep -q '"default"$\|"default",\?$'; then
    [ -n "$pw" ] || {{ echo "the wallet exists but its password is missing" >&2; exit 1; }}
    {cleos} wallet unlock --password "$pw" >/dev/null && echo unlocked
  fi
fi"#
        );
        let password = self.state.wallet_password().unwrap_or_default();
        let out = self.cleos().sh(step, &script, Some(format!("{password}\n").into_bytes())).await?;
        let mut changed = false;
        let mut notes = Vec::new();
        for line in out.stdout.lines() {
            if let Some(pw) = line.strip_prefix("created ") {
                let pw = pw.trim().trim_matches('"');
                self.state.save_wallet_password(pw).map_err(|e| BootError::chain(StepName::Wallet, e.to_string()))?;
                notes.push("wallet created".to_string());
                changed = true;
            } else if line == "started" || line == "unlocked" {
                notes.push(format!("keosd {line}"));
                changed = true;
            }
        }
        let missing = self.missing_keys().await?;
        if !missing.is_empty() {
            // Through keosd's API in one curl process, the keys on stdin (never on a command line).
            let keosd = NodeClient {
                rt: self.rt,
                container: self.container,
                base_url: format!("http://127.0.0.1:{KEOSD_PORT}"),
            };
            let bodies: Vec<Value> = missing.iter().map(|k| json!(["default", k])).collect();
            let answers = keosd.call_many("wallet/import_key", &bodies).await?;
            if let Some((status, body)) = answers.iter().find(|(s, _)| !(200..300).contains(s)) {
                return Err(BootError::chain(StepName::Wallet, format!("keosd refused a key (HTTP {status}): {body}")));
            }
            notes.push(format!("{} keys imported", missing.len()));
            changed = true;
        }
        Ok((changed, notes.join(", ")))
    }

    // ---- sys, contracts, tokens -------------------------------------------------------------

    fn newaccount(&self, name: &str, key: &str) -> Action {
        let auth = json!({"threshold": 1, "keys": [{"key": key, "weight": 1}], "accounts": [], "waits": []});
        Action::new(
            "eosio",
            "newaccount",
            "eosio",
            json!({"creator": "eosio", "name": name, "owner": auth, "active": auth}),
        )
    }

    async fn sys(&self) -> Result<(bool, String), BootError> {
        let names: Vec<String> = SYSTEM_ACCOUNTS.iter().map(|s| s.to_string()).collect();
        let exists = self.chain().existing_accounts(&names).await?;
        let missing: Vec<&String> = names.iter().zip(exists).filter(|(_, e)| !e).map(|(n, _)| n).collect();
        if missing.is_empty() {
            return Ok((false, String::new()));
        }
        let actions: Vec<Action> = missing.iter().map(|n| self.newaccount(n, self.eosio_pub())).collect();
        self.cleos().push("sys", &actions).await?;
        Ok((true, format!("{} accounts", missing.len())))
    }

    async fn contracts_missing(&self) -> Result<Vec<&'static str>, BootError> {
        let mut missing = Vec::new();
        for c in ["eosio.token", "eosio.msig", "eosio.wrap"] {
            if self.chain().code_hash(c).await? != self.file_hash(&wasm_path(c)).await? {
                missing.push(c);
            }
        }
        Ok(missing)
    }

    async fn contracts(&self) -> Result<(bool, String), BootError> {
        let missing = self.contracts_missing().await?;
        // Different accounts: the deployments go out side by side.
        futures::future::try_join_all(missing.iter().map(|c| async move {
            let dir = format!("{CONTRACTS_DIR}/{c}");
            self.cleos().ok("contracts", &["set", "contract", "-t", "false", c, &dir]).await
        }))
        .await?;
        Ok((!missing.is_empty(), missing.join(", ")))
    }

    async fn supply(&self) -> Result<Option<Amount>, BootError> {
        let sym = &self.plan.chain.symbol;
        match self.chain().currency_stats("eosio.token", &sym.code).await? {
            Some(stats) => Ok(Some(Amount::parse(stats["supply"].as_str().unwrap_or("0"), sym).unwrap_or_default())),
            None => Ok(None),
        }
    }

    async fn tokens(&self) -> Result<(bool, String), BootError> {
        let total = alloc::total(&self.allocation);
        let mut actions = Vec::new();
        let supply = self.supply().await?;
        if supply.is_none() {
            actions.push(Action::new(
                "eosio.token",
                "create",
                "eosio.token",
                json!({"issuer": "eosio", "maximum_supply": self.asset(self.plan.chain.max_supply)}),
            ));
        }
        match supply {
            Some(s) if s.0 > 0 && s != total => {
                return Err(BootError::chain(
                    StepName::Tokens,
                    format!(
                    "the chain has issued {} but this lab's accounts allocate {}: it was booted from another topology",
                    self.asset(s),
                    self.asset(total)
                ),
                ))
            }
            Some(s) if s.0 > 0 => {}
            _ => actions.push(Action::new(
                "eosio.token",
                "issue",
                "eosio",
                json!({"to": "eosio", "quantity": self.asset(total), "memo": "antelope-lab allocation"}),
            )),
        }
        if actions.is_empty() {
            return Ok((false, self.asset(total)));
        }
        self.cleos().push("tokens", &actions).await?;
        Ok((true, format!("issued {}", self.asset(total))))
    }

    // ---- sys-contract, init ------------------------------------------------------------------

    /// Schedules PREACTIVATE_FEATURE unless it is active; true if it was scheduled.
    async fn schedule_preactivation(&self) -> Result<bool, BootError> {
        let chain = self.chain();
        if chain.activated_features().await?.iter().any(|f| f == PREACTIVATE_FEATURE) {
            return Ok(false);
        }
        if chain.code_hash("eosio").await? == self.file_hash(&wasm_path("eosio.system")).await? {
            return Ok(false);
        }
        chain
            .node
            .call(
                "producer/schedule_protocol_feature_activations",
                &json!({"protocol_features_to_activate": [PREACTIVATE_FEATURE]}),
            )
            .await?;
        Ok(true)
    }

    async fn sys_contract(&self, task: &crate::printer::Task) -> Result<(bool, String), BootError> {
        let step = StepName::SysContract;
        let chain = self.chain();
        let system_hash = self.file_hash(&wasm_path("eosio.system")).await?;
        let mut changed = false;
        let mut note = String::new();
        if chain.code_hash("eosio").await? != system_hash {
            let mut active = chain.activated_features().await?;
            if !active.iter().any(|f| f == PREACTIVATE_FEATURE) {
                task.message("schedule PREACTIVATE_FEATURE");
                self.schedule_preactivation().await?;
                // It activates in the next block the genesis node produces.
                wait_for(step, "PREACTIVATE_FEATURE to activate", Duration::from_secs(30), || async {
                    Ok(self.chain().activated_features().await?.iter().any(|f| f == PREACTIVATE_FEATURE).then_some(()))
                })
                .await?;
                active = chain.activated_features().await?;
            }
            // Every feature this node supports, not a fixed list: it works across nodeos versions.
            let supported = chain.supported_features().await?;
            let pending: Vec<(String, String, Vec<String>)> =
                supported.into_iter().filter(|(d, _, _)| !active.contains(d)).collect();
            if !pending.is_empty() {
                let bios_hash = self.file_hash(&wasm_path("eosio.bios")).await?;
                if chain.code_hash("eosio").await? != bios_hash {
                    task.message("deploy eosio.bios");
                    self.cleos()
                        .ok(
                            step.as_str(),
                            &["set", "contract", "-t", "false", "eosio", &format!("{CONTRACTS_DIR}/eosio.bios")],
                        )
                        .await?;
                }
                // Dependencies first; a feature's dependency counts once pre-activated in the same block.
                let ordered = order_by_dependencies(&pending, &active);
                task.message(format!("activate {} features", ordered.len()));
                let actions: Vec<Action> = ordered
                    .iter()
                    .map(|d| Action::new("eosio", "activate", "eosio", json!({"feature_digest": d})))
                    .collect();
                self.cleos().push(step.as_str(), &actions).await?;
                let wanted: Vec<String> = ordered.clone();
                wait_for(step, "the protocol features to activate", Duration::from_secs(30), || async {
                    let now = self.chain().activated_features().await?;
                    Ok(wanted.iter().all(|w| now.contains(w)).then_some(()))
                })
                .await?;
                note = format!("{} features activated", ordered.len());
            }
            task.message("deploy eosio.system");
            self.cleos()
                .ok(
                    step.as_str(),
                    &["set", "contract", "-t", "false", "eosio", &format!("{CONTRACTS_DIR}/eosio.system")],
                )
                .await?;
            changed = true;
        }
        // msig and wrap execute transactions on behalf of others: they must be privileged.
        let mut setpriv = Vec::new();
        for account in ["eosio.msig", "eosio.wrap"] {
            let info = chain.account(account).await?.unwrap_or_default();
            if info["privileged"].as_bool() != Some(true) {
                setpriv.push(Action::new("eosio", "setpriv", "eosio", json!({"account": account, "is_priv": 1})));
            }
        }
        if !setpriv.is_empty() {
            self.cleos().push(step.as_str(), &setpriv).await?;
            changed = true;
        }
        Ok((changed, if note.is_empty() && changed { "eosio.system deployed".into() } else { note }))
    }

    async fn init(&self) -> Result<(bool, String), BootError> {
        if !self.chain().table("eosio", "eosio", "rammarket").await?.is_empty() {
            return Ok((false, String::new()));
        }
        let symbol = self.plan.chain.symbol.to_chain_string();
        self.cleos()
            .push("init", &[Action::new("eosio", "init", "eosio", json!({"version": 0, "core": symbol}))])
            .await?;
        Ok((true, symbol))
    }

    // ---- stake ------------------------------------------------------------------------------

    async fn unstaked_accounts(&self) -> Result<Vec<&alloc::Allocation>, BootError> {
        let wanted: Vec<&alloc::Allocation> = self.allocation.iter().filter(|a| !a.skipped()).collect();
        let names: Vec<String> = wanted.iter().map(|a| a.name.clone()).collect();
        let exists = self.chain().existing_accounts(&names).await?;
        Ok(wanted.into_iter().zip(exists).filter(|(_, e)| !e).map(|(a, _)| a).collect())
    }

    fn account(&self, name: &str) -> &AccountPlan {
        self.plan.accounts.iter().find(|a| a.name == name).expect("planned account")
    }

    async fn stake(&self, task: &crate::printer::Task) -> Result<(bool, String), BootError> {
        let missing = self.unstaked_accounts().await?;
        if missing.is_empty() {
            return Ok((false, format!("{} accounts", self.allocation.len())));
        }
        // One account's actions share a transaction, so an account exists only fully staked.
        let groups: Vec<Vec<Action>> = missing
            .iter()
            .map(|a| {
                let mut g = vec![
                    self.newaccount(&a.name, &self.account(&a.name).keys.public),
                    Action::new("eosio", "buyram", "eosio", json!({"payer": "eosio", "receiver": a.name, "quant": self.asset(a.ram)})),
                    Action::new(
                        "eosio",
                        "delegatebw",
                        "eosio",
                        json!({"from": "eosio", "receiver": a.name, "stake_net_quantity": self.asset(a.net), "stake_cpu_quantity": self.asset(a.cpu), "transfer": true}),
                    ),
                ];
                if a.liquid.0 > 0 {
                    g.push(Action::new("eosio.token", "transfer", "eosio", json!({"from": "eosio", "to": a.name, "quantity": self.asset(a.liquid), "memo": ""})));
                }
                g
            })
            .collect();
        let total = missing.len();
        let done = std::sync::atomic::AtomicU64::new(0);
        let progress = |n: u64| {
            let d = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
            task.message(format!("{d}/{total} accounts"));
        };
        let started = Instant::now();
        self.cleos().push_groups("stake", groups, STAKE_ACCOUNTS_PER_TRX * 4, IN_FLIGHT, &progress).await?;
        let rate = total as f64 / started.elapsed().as_secs_f64().max(0.001);
        Ok((true, format!("{total} accounts staked, {rate:.0}/s")))
    }

    // ---- producers -----------------------------------------------------------------------------

    async fn producers_table(&self) -> Result<Vec<Value>, BootError> {
        Ok(self.chain().table("eosio", "eosio", "producers").await?)
    }

    async fn unregistered(&self) -> Result<Vec<&AccountPlan>, BootError> {
        let rows = self.producers_table().await?;
        let registered: BTreeSet<&str> =
            rows.iter().filter(|r| r["is_active"].as_u64() == Some(1)).filter_map(|r| r["owner"].as_str()).collect();
        Ok(self.plan.producers().filter(|p| !registered.contains(p.name.as_str())).collect())
    }

    async fn reg_prod(&self) -> Result<(bool, String), BootError> {
        let missing = self.unregistered().await?;
        if missing.is_empty() {
            return Ok((false, String::new()));
        }
        let actions: Vec<Action> = missing
            .iter()
            .map(|p| {
                Action::new(
                    "eosio",
                    "regproducer",
                    &p.name,
                    json!({"producer": p.name, "producer_key": p.keys.public, "url": format!("https://{}.com/{}", p.name, p.keys.public), "location": 0}),
                )
            })
            .collect();
        self.cleos().push("reg-prod", &actions).await?;
        Ok((true, format!("{} producers", missing.len())))
    }

    async fn start_prod(&self, task: &crate::printer::Task) -> Result<(bool, String), BootError> {
        let mut waiting = Vec::new();
        let mut fresh = false;
        for node in self.plan.nodes.iter().skip(1) {
            match self.rt.container_state(&node.container).await? {
                Some(crate::runtime::ContainerState::Running) => {}
                None => {
                    return Err(BootError::chain(
                        StepName::StartProd,
                        format!("{} has no container; `lab up` creates it", node.container),
                    ))
                }
                // "created": it never ran, its volume is empty.
                Some(state) => {
                    fresh |= state == crate::runtime::ContainerState::Created;
                    waiting.push(node);
                }
            }
        }
        if fresh {
            // Nodes with no data join from a snapshot of the chain as it stands, the way a node
            // joins a live network, instead of replaying every staking transaction since genesis.
            task.message("snapshot of the genesis node");
            let snap = self.chain().node.call("producer/create_snapshot", &json!({})).await?;
            let name = snap["snapshot_name"].as_str().unwrap_or_default().to_string();
            if name.is_empty() {
                return Err(BootError::chain(StepName::StartProd, format!("create_snapshot answered {snap}")));
            }
            let target = format!("{DATA_MOUNT}/{}", crate::plan::START_SNAPSHOT);
            self.cleos()
                .sh(
                    StepName::StartProd.as_str(),
                    &format!("ln -f '{name}' {target}.tmp && mv -f {target}.tmp {target}"),
                    None,
                )
                .await?;
        }
        task.message(format!("start {} nodes", waiting.len()));
        futures::future::try_join_all(waiting.iter().map(|n| self.rt.start_container(&n.container))).await?;
        tracing::debug!(nodes = waiting.len(), "containers started");
        let started = waiting.len();
        // Wait until every node answers and has reached the genesis head of now. One exec in
        // the genesis container asks them all over the lab network each round; a node whose
        // container stopped is reported with its log.
        let others: Vec<&crate::plan::NodePlan> = self.plan.nodes.iter().skip(1).collect();
        let containers: Vec<String> = others.iter().map(|n| n.container.clone()).collect();
        let target = NodeClient::new(self.rt, self.container).get_info().await?.head_block_num;
        task.message(format!("{} nodes to reach block {target}", others.len()));
        let genesis = NodeClient::new(self.rt, self.container);
        let lab_filter = crate::lab::lab_filter(Some(&self.plan.lab));
        let start = Instant::now();
        let mut round = 0u32;
        loop {
            let infos = genesis.get_info_of(&containers).await?;
            let behind: Vec<&str> = others
                .iter()
                .zip(&infos)
                .filter(|(_, i)| i.as_ref().is_none_or(|i| i.head_block_num < target))
                .map(|(n, _)| n.name.as_str())
                .collect();
            if behind.is_empty() {
                break;
            }
            tracing::debug!(behind = behind.len(), "nodes not yet at the target");
            task.message(format!("{} of {} nodes at block {target}", others.len() - behind.len(), others.len()));
            round += 1;
            if round % 8 == 0 {
                let listed = self.rt.containers(&lab_filter).await?;
                if let Some(dead) = listed.iter().find(|c| containers.contains(&c.name) && !c.running()) {
                    let logs = self.rt.logs(&dead.name, 20).await.unwrap_or_default();
                    return Err(BootError::chain(
                        StepName::StartProd,
                        format!("{} stopped ({}):\n{}", dead.name, dead.state, crate::lab::indent(&logs)),
                    ));
                }
            }
            if start.elapsed() > Duration::from_secs(180) {
                return Err(BootError::Timeout {
                    step: StepName::StartProd.as_str().into(),
                    what: format!("{} to answer and reach block {target}", behind.join(", ")),
                    secs: 180,
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok((started > 0, format!("{} nodes at block {target} or later", self.plan.nodes.len() - 1)))
    }

    // ---- vote --------------------------------------------------------------------------------

    /// Each voter's pick: up to `votes_per_voter` producers at random (seeded), sorted by name as
    /// voteproducer requires.
    pub fn ballots(&self) -> Vec<(String, Vec<String>)> {
        let mut rng = alloc::rng_for(&self.plan.seed, "votes");
        let producers: Vec<String> = self.plan.producers().map(|p| p.name.clone()).collect();
        let k = self.plan.chain.votes_per_voter.min(producers.len());
        self.voters()
            .map(|v| {
                let mut pick: Vec<String> = producers.choose_multiple(&mut rng, k).cloned().collect();
                pick.sort();
                (v.name.clone(), pick)
            })
            .collect()
    }

    fn voters(&self) -> impl Iterator<Item = &alloc::Allocation> {
        let skipped: BTreeSet<&str> = self.allocation.iter().filter(|a| a.skipped()).map(|a| a.name.as_str()).collect();
        self.allocation
            .iter()
            .filter(move |a| !a.producer && !skipped.contains(a.name.as_str()))
            .take(self.plan.chain.voters)
    }

    async fn voters_table(&self) -> Result<BTreeMap<String, Value>, BootError> {
        let rows = self.chain().table("eosio", "eosio", "voters").await?;
        Ok(rows.into_iter().filter_map(|r| Some((r["owner"].as_str()?.to_string(), r))).collect())
    }

    async fn votes_missing(&self) -> Result<Vec<(String, Vec<String>)>, BootError> {
        let table = self.voters_table().await?;
        Ok(self
            .ballots()
            .into_iter()
            .filter(|(voter, _)| {
                table.get(voter).is_none_or(|r| {
                    r["producers"].as_array().is_none_or(|p| p.is_empty())
                        && r["proxy"].as_str().is_none_or(|p| p.is_empty())
                })
            })
            .collect())
    }

    /// The producers the system contract elects: the top 21 by votes, with votes, active.
    async fn elected(&self) -> Result<BTreeSet<String>, BootError> {
        let mut rows: Vec<(f64, String)> = self
            .producers_table()
            .await?
            .iter()
            .filter(|r| r["is_active"].as_u64() == Some(1))
            .filter_map(|r| {
                let votes: f64 =
                    r["total_votes"].as_str().and_then(|s| s.parse().ok()).or_else(|| r["total_votes"].as_f64())?;
                (votes > 0.0).then(|| (votes, r["owner"].as_str().unwrap_or_default().to_string()))
            })
            .collect();
        rows.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        Ok(rows.into_iter().take(21).map(|(_, n)| n).collect())
    }

    async fn schedule_elected(&self) -> Result<bool, BootError> {
        let elected = self.elected().await?;
        let (version, active) = self.chain().active_schedule().await?;
        Ok(version > 0 && !elected.is_empty() && active.into_iter().collect::<BTreeSet<_>>() == elected)
    }

    async fn vote(&self, task: &crate::printer::Task) -> Result<(bool, String), BootError> {
        let step = StepName::Vote;
        let missing = self.votes_missing().await?;
        let changed = !missing.is_empty();
        if changed {
            let groups: Vec<Vec<Action>> = missing
                .iter()
                .map(|(voter, producers)| {
                    vec![Action::new(
                        "eosio",
                        "voteproducer",
                        voter,
                        json!({"voter": voter, "proxy": "", "producers": producers}),
                    )]
                })
                .collect();
            let total = groups.len();
            task.message(format!("{total} voters"));
            self.cleos().push_groups(step.as_str(), groups, 50, 1, &|_| {}).await?;
        }
        // Below 15% of the stake voting, the system contract never hands over: say so plainly.
        let global = self.chain().table("eosio", "eosio", "global").await?;
        let activated = global
            .first()
            .and_then(|g| g["thresh_activated_stake_time"].as_str())
            .is_some_and(|t| !t.starts_with("1970-01-01"));
        let voted: i64 = self
            .voters_table()
            .await?
            .values()
            .filter(|r| {
                r["producers"].as_array().is_some_and(|p| !p.is_empty())
                    || r["proxy"].as_str().is_some_and(|p| !p.is_empty())
            })
            .map(|r| r["staked"].as_str().and_then(|s| s.parse().ok()).or_else(|| r["staked"].as_i64()).unwrap_or(0))
            .sum();
        if !activated {
            return Err(BootError::chain(
                step,
                format!(
                    "only {} has voted, below the {} (15% of a billion) the system contract needs to activate: \
                     the elected producers cannot take over. Raise chain.distribute or chain.voters.",
                    self.asset(Amount(voted)),
                    self.asset(Amount(MIN_ACTIVATED_STAKE))
                ),
            ));
        }
        let elected = self.elected().await?;
        task.message(format!("waiting for {} elected producers to take over", elected.len()));
        let what =
            format!("the active schedule to be the {} elected producers and a block from one of them", elected.len());
        wait_for(step, &what, Duration::from_secs(180), || async {
            if !self.schedule_elected().await? {
                return Ok(None);
            }
            let head = NodeClient::new(self.rt, self.container).get_info().await?;
            Ok(elected.contains(&head.head_block_producer).then_some(()))
        })
        .await?;
        let (version, _) = self.chain().active_schedule().await?;
        let pct = voted as f64 / alloc::total(&self.allocation).0.max(1) as f64 * 100.0;
        Ok((changed, format!("{}% of the supply voted; schedule v{version}: {} producers", pct.round(), elected.len())))
    }

    // ---- claim, proxy, resign ---------------------------------------------------------------

    /// Producers of the lab with unpaid blocks that may claim: the system contract allows one
    /// claim a day, counted from the last claim, and registration counts as one.
    async fn claimable(&self) -> Result<Vec<String>, BootError> {
        let ours: BTreeSet<String> = self.plan.producers().map(|p| p.name.clone()).collect();
        let now = NodeClient::new(self.rt, self.container).get_info().await?.head_block_time;
        let Some(now) = chain_seconds(&now) else { return Ok(vec![]) };
        Ok(self
            .producers_table()
            .await?
            .iter()
            .filter(|r| r["unpaid_blocks"].as_u64().unwrap_or(0) > 0)
            .filter(|r| r["last_claim_time"].as_str().and_then(chain_seconds).is_some_and(|t| now - t > 86_400))
            .filter_map(|r| r["owner"].as_str().map(String::from))
            .filter(|o| ours.contains(o))
            .collect())
    }

    async fn claim(&self) -> Result<(bool, String), BootError> {
        let producers = self.claimable().await?;
        if producers.is_empty() {
            return Ok((false, "rewards are claimed once a day, a day after registration".into()));
        }
        // One transaction each: one producer's claim cannot fail another's.
        for p in &producers {
            self.cleos().push("claim", &[Action::new("eosio", "claimrewards", p, json!({"owner": p}))]).await?;
        }
        Ok((true, format!("{} producers claimed", producers.len())))
    }

    async fn proxy_actions(&self) -> Result<Vec<Action>, BootError> {
        let Some(proxy) = self.plan.producers().next() else {
            return Ok(vec![]);
        };
        let proxy = proxy.name.clone();
        let table = self.voters_table().await?;
        let mut actions = Vec::new();
        let row = table.get(&proxy);
        if row.is_none_or(|r| r["producers"].as_array().is_none_or(|p| p.is_empty())) {
            // The proxy votes for every producer (a vote holds at most 30): voters who delegate to
            // it then keep the whole elected set in office instead of shrinking it.
            let mut all: Vec<String> = self.plan.producers().map(|p| p.name.clone()).take(30).collect();
            all.sort();
            actions.push(Action::new(
                "eosio",
                "voteproducer",
                &proxy,
                json!({"voter": proxy, "proxy": "", "producers": all}),
            ));
        }
        if row.is_none_or(|r| r["is_proxy"].as_u64() != Some(1)) {
            actions.push(Action::new("eosio", "regproxy", &proxy, json!({"proxy": proxy, "isproxy": true})));
        }
        for v in self.voters() {
            if table.get(&v.name).is_none_or(|r| r["proxy"].as_str() != Some(proxy.as_str())) {
                actions.push(Action::new(
                    "eosio",
                    "voteproducer",
                    &v.name,
                    json!({"voter": v.name, "proxy": proxy, "producers": []}),
                ));
            }
        }
        Ok(actions)
    }

    async fn proxy(&self) -> Result<(bool, String), BootError> {
        let actions = self.proxy_actions().await?;
        if actions.is_empty() {
            return Ok((false, String::new()));
        }
        let n = actions.len();
        self.push_confirmed(StepName::Proxy, actions, || self.proxy_actions()).await?;
        let proxy = self.plan.producers().next().map(|p| p.name.clone()).unwrap_or_default();
        Ok((true, format!("{proxy} is a proxy ({n} actions)")))
    }

    /// Waits until three blocks have passed the current head: a transaction the node accepted is
    /// then in a block, or was dropped and its effect is gone from the state the API reads.
    async fn settle(&self, step: StepName) -> Result<(), BootError> {
        let h0 = NodeClient::new(self.rt, self.container).get_info().await?.head_block_num;
        wait_for(step, "three more blocks", Duration::from_secs(20), || async {
            Ok((NodeClient::new(self.rt, self.container).get_info().await?.head_block_num >= h0 + 3).then_some(()))
        })
        .await
    }

    /// Pushes `actions`, lets them settle into blocks, and asks `missing` (the step's own check)
    /// what is still to do; pushes that again, a bounded number of times. Once the elected
    /// producers make the blocks, a transaction the genesis node accepted can still be dropped.
    async fn push_confirmed<F, Fut>(
        &self,
        step: StepName,
        mut actions: Vec<Action>,
        missing: F,
    ) -> Result<(), BootError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Action>, BootError>>,
    {
        for attempt in 0..5 {
            if attempt == 0 {
                self.cleos().push(step.as_str(), &actions).await?;
            } else {
                // A producer busy syncing can find a whole batch too slow and drop it: what is
                // left goes one action a transaction, in order (a proxy registers before voters
                // name it).
                for a in &actions {
                    self.cleos().push(step.as_str(), std::slice::from_ref(a)).await?;
                }
            }
            self.settle(step).await?;
            actions = missing().await?;
            if actions.is_empty() {
                return Ok(());
            }
            tracing::debug!(step = step.as_str(), left = actions.len(), "not in a block yet, pushing again");
        }
        Err(BootError::chain(step, format!("{} actions did not make it into a block after 5 pushes", actions.len())))
    }

    fn held_by(account: &Value, permission: &str, controller: &str) -> bool {
        account["permissions"].as_array().into_iter().flatten().any(|p| {
            p["perm_name"] == permission && {
                let auth = &p["required_auth"];
                auth["keys"].as_array().is_some_and(|k| k.is_empty())
                    && auth["accounts"].as_array().is_some_and(|a| {
                        a.len() == 1
                            && a[0]["permission"]["actor"] == controller
                            && a[0]["permission"]["permission"] == "active"
                    })
            }
        })
    }

    async fn resign_actions(&self) -> Result<Vec<Action>, BootError> {
        let mut actions = Vec::new();
        let mut pairs = vec![("eosio", "eosio.prods")];
        pairs.extend(SYSTEM_ACCOUNTS.iter().map(|a| (*a, "eosio")));
        let names: Vec<Value> = pairs.iter().map(|(a, _)| json!({ "account_name": a })).collect();
        let infos = self.chain().node.call_many("chain/get_account", &names).await?;
        for ((account, controller), (status, info)) in pairs.into_iter().zip(infos) {
            if !(200..300).contains(&status) {
                continue;
            }
            for (permission, parent) in [("owner", ""), ("active", "owner")] {
                if !Self::held_by(&info, permission, controller) {
                    let auth = json!({"threshold": 1, "keys": [], "waits": [], "accounts": [{"weight": 1, "permission": {"actor": controller, "permission": "active"}}]});
                    actions.push(Action::with_permission(
                        "eosio",
                        "updateauth",
                        account,
                        permission,
                        json!({"account": account, "permission": permission, "parent": parent, "auth": auth}),
                    ));
                }
            }
        }
        Ok(actions)
    }

    async fn resign(&self) -> Result<(bool, String), BootError> {
        let actions = self.resign_actions().await?;
        if actions.is_empty() {
            return Ok((false, "eosio is held by eosio.prods".into()));
        }
        let n = actions.len();
        self.push_confirmed(StepName::Resign, actions, || self.resign_actions()).await?;
        Ok((true, format!("{n} permissions handed over; eosio is held by eosio.prods")))
    }

    // ---- msig-replace, xfer, log -------------------------------------------------------------

    /// The replacement system contract: eosio.system with a custom section appended, so its hash
    /// differs (the chain refuses to set the code it already runs) while it behaves the same.
    const REPLACED_DIR: &'static str = "/lab/data/msig/eosio.system";

    fn custom_section() -> Vec<u8> {
        let name = b"antelope-lab";
        let payload = b"msig-replace";
        let mut content = vec![name.len() as u8];
        content.extend_from_slice(name);
        content.extend_from_slice(payload);
        let mut section = vec![0u8, content.len() as u8];
        section.extend(content);
        section
    }

    async fn prepare_replacement(&self) -> Result<(), BootError> {
        let dir = Self::REPLACED_DIR;
        let script = format!(
            "mkdir -p {dir} && cp {CONTRACTS_DIR}/eosio.system/eosio.system.abi {dir}/ && cat {} - > {dir}/eosio.system.wasm",
            wasm_path("eosio.system")
        );
        self.cleos().sh("msig-replace", &script, Some(Self::custom_section())).await?;
        Ok(())
    }

    async fn replaced_hash(&self) -> Result<String, BootError> {
        self.prepare_replacement().await?;
        self.file_hash(&format!("{}/eosio.system.wasm", Self::REPLACED_DIR)).await
    }

    async fn msig_replace(&self, task: &crate::printer::Task) -> Result<(bool, String), BootError> {
        let step = StepName::MsigReplace;
        let target = self.replaced_hash().await?;
        if self.chain().code_hash("eosio").await? == target {
            return Ok((false, "eosio runs the replacement".into()));
        }
        let proposer =
            self.voters().next().map(|a| a.name.clone()).ok_or_else(|| BootError::chain(step, "no user to propose"))?;
        let (_, schedule) = self.chain().active_schedule().await?;
        let approvers: Vec<String> =
            if schedule.iter().any(|p| p == "eosio") { vec!["eosio".into()] } else { schedule };
        // Each round reads the chain and does the next missing thing: propose, approve, exec. A
        // transaction the genesis node accepted can still be dropped by the producer whose block
        // it was meant for (a 400 KB proposal on a busy laptop); the next round sees that and
        // does it again. Rounds are bounded.
        let mut last_error = None;
        for _round in 0..5 {
            if self.chain().code_hash("eosio").await? == target {
                return Ok((
                    true,
                    format!("proposed by {proposer}, approved by {} producers, executed", approvers.len()),
                ));
            }
            let result = self.msig_round(task, &proposer, &approvers, &target).await;
            match result {
                Ok(true) => {
                    return Ok((
                        true,
                        format!("proposed by {proposer}, approved by {} producers, executed", approvers.len()),
                    ))
                }
                Ok(false) => {}
                Err(e @ BootError::Exec { .. }) => last_error = Some(e),
                Err(e) => return Err(e),
            }
            // Blocks pass before the chain is read again.
            self.settle(StepName::MsigReplace).await?;
        }
        Err(last_error.unwrap_or_else(|| BootError::chain(step, "the proposal did not execute in 5 rounds")))
    }

    const PROPOSAL: &'static str = "replace";

    /// One round of msig-replace; `Ok(true)` once eosio runs the replacement.
    async fn msig_round(
        &self,
        task: &crate::printer::Task,
        proposer: &str,
        approvers: &[String],
        target: &str,
    ) -> Result<bool, BootError> {
        let step = StepName::MsigReplace.as_str();
        let proposal = Self::PROPOSAL;
        let cleos = self.cleos();
        let proposals = self.chain().table("eosio.msig", proposer, "proposal").await?;
        if !proposals.iter().any(|r| r["proposal_name"] == proposal) {
            task.message("propose");
            self.propose_replacement(proposer, approvers).await?;
            wait_for(StepName::MsigReplace, "the proposal to appear", Duration::from_secs(5), || async {
                let rows = self.chain().table("eosio.msig", proposer, "proposal").await?;
                Ok(rows.iter().any(|r| r["proposal_name"] == proposal).then_some(()))
            })
            .await
            .ok();
            return Ok(false);
        }
        let approvals = self.chain().table("eosio.msig", proposer, "approvals2").await?;
        let provided: BTreeSet<String> = approvals
            .iter()
            .filter(|r| r["proposal_name"] == proposal)
            .flat_map(|r| r["provided_approvals"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a["level"]["actor"].as_str().map(String::from))
            .collect();
        let missing: Vec<&String> = approvers.iter().filter(|p| !provided.contains(*p)).collect();
        if !missing.is_empty() {
            task.message(format!("{} approvals", missing.len()));
            for p in missing {
                let level = json!({"actor": p, "permission": "active"}).to_string();
                cleos.ok(step, &["multisig", "approve", "-t", "false", proposer, proposal, &level, "-p", p]).await?;
            }
            return Ok(false);
        }
        task.message("exec");
        cleos.ok(step, &["multisig", "exec", "-t", "false", proposer, proposal, "-p", proposer]).await?;
        let ran =
            wait_for(StepName::MsigReplace, "eosio to run the replaced code", Duration::from_secs(10), || async {
                Ok((self.chain().code_hash("eosio").await? == target).then_some(()))
            })
            .await;
        Ok(ran.is_ok())
    }

    async fn propose_replacement(&self, proposer: &str, approvers: &[String]) -> Result<(), BootError> {
        let step = StepName::MsigReplace.as_str();
        let cleos = self.cleos();
        // The proposal stores the whole transaction, code included: the proposer buys the RAM
        // for it from its liquid tokens (eosio has none left once everything is allocated).
        let wasm = format!("{}/eosio.system.wasm", Self::REPLACED_DIR);
        let size: u64 =
            cleos.sh(step, &format!("wc -c < {wasm}"), None).await?.stdout.trim().parse().unwrap_or(400_000);
        let needed = size as i64 + 20_000;
        let account = self.chain().account(proposer).await?.unwrap_or_default();
        let free = account["ram_quota"].as_i64().unwrap_or(0) - account["ram_usage"].as_i64().unwrap_or(0);
        if free < needed {
            let bytes = needed - free.max(0);
            let data = json!({"payer": proposer, "receiver": proposer, "bytes": bytes});
            cleos.push(step, &[Action::new("eosio", "buyrambytes", proposer, data)]).await?;
        }
        let trx_file = "/lab/data/msig/replace-trx.json";
        // The ABI is unchanged, so cleos leaves setabi out: the proposal stays under the 512 KiB
        // transaction limit. (`-x N` does not parse in this cleos; `--expiration N` does.)
        let base = format!(
            "cleos --no-auto-keosd --url http://127.0.0.1:{} --wallet-url http://127.0.0.1:{KEOSD_PORT}",
            crate::plan::HTTP_PORT
        );
        cleos
            .sh(
                step,
                &format!("{base} set contract -s -d -j --expiration 3600 eosio {} > {trx_file}", Self::REPLACED_DIR),
                None,
            )
            .await?;
        let requested: Vec<Value> = approvers.iter().map(|p| json!({"actor": p, "permission": "active"})).collect();
        let requested = Value::Array(requested).to_string();
        cleos
            .ok(
                step,
                &[
                    "multisig",
                    "propose_trx",
                    "-t",
                    "false",
                    Self::PROPOSAL,
                    &requested,
                    trx_file,
                    proposer,
                    "-p",
                    proposer,
                ],
            )
            .await?;
        Ok(())
    }

    async fn xfer(&self, count: usize) -> Result<(bool, String), BootError> {
        let senders: Vec<&alloc::Allocation> = self.voters().take(10).collect();
        if senders.len() < 2 || count == 0 {
            return Ok((false, "needs two users and a count".into()));
        }
        let mut rng = rand::thread_rng();
        let unit = Amount(1);
        let groups: Vec<Vec<Action>> = (0..count)
            .map(|_| {
                let from = rng.gen_range(0..senders.len());
                let mut to = rng.gen_range(0..senders.len() - 1);
                if to >= from {
                    to += 1;
                }
                let (f, t) = (&senders[from].name, &senders[to].name);
                vec![Action::new(
                    "eosio.token",
                    "transfer",
                    f,
                    json!({"from": f, "to": t, "quantity": self.asset(unit), "memo": "xfer"}),
                )]
            })
            .collect();
        self.cleos().push_groups("xfer", groups, 100, 1, &|_| {}).await?;
        Ok((true, format!("{count} transfers")))
    }

    async fn log(&self) -> Result<(bool, String), BootError> {
        let logs = self.rt.logs(self.container, 30).await?;
        self.printer.info(crate::lab::indent(&logs));
        Ok((false, format!("last lines of {}", self.container)))
    }
}

/// Seconds since 1970 of a chain time (`2026-11-24T05:21:09.000`, UTC).
fn chain_seconds(t: &str) -> Option<i64> {
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut hms = time.split(':');
    let (h, min) = (hms.next()?.parse::<i64>().ok()?, hms.next()?.parse::<i64>().ok()?);
    let sec = hms.next()?.parse::<f64>().ok()? as i64;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + min * 60 + sec)
}

/// Orders features so each comes after its dependencies.
fn order_by_dependencies(pending: &[(String, String, Vec<String>)], active: &[String]) -> Vec<String> {
    let mut done: Vec<String> = active.to_vec();
    let mut out = Vec::new();
    let mut left: Vec<&(String, String, Vec<String>)> = pending.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|(d, _, deps)| {
            if deps.iter().all(|x| done.contains(x)) {
                done.push(d.clone());
                out.push(d.clone());
                false
            } else {
                true
            }
        });
        if left.len() == before {
            // Unknown dependencies: keep the rest in the node's order and let the chain judge.
            out.extend(left.iter().map(|(d, _, _)| d.clone()));
            break;
        }
    }
    out
}

/// Polls a chain condition until it holds; the timeout names what was awaited.
pub async fn wait_for<T, F, Fut>(step: StepName, what: &str, timeout: Duration, mut check: F) -> Result<T, BootError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, BootError>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if start.elapsed() > timeout {
            return Err(BootError::Timeout { step: step.as_str().into(), what: what.into(), secs: timeout.as_secs() });
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_come_after_their_dependencies() {
        let pending = vec![
            ("b".to_string(), "B".to_string(), vec!["a".to_string()]),
            ("a".to_string(), "A".to_string(), vec!["pre".to_string()]),
            ("c".to_string(), "C".to_string(), vec![]),
        ];
        assert_eq!(order_by_dependencies(&pending, &["pre".to_string()]), ["a", "c", "b"]);
    }

    #[test]
    fn chain_times_count_seconds() {
        assert_eq!(chain_seconds("1970-01-01T00:00:00.000"), Some(0));
        assert_eq!(chain_seconds("2000-03-01T00:00:01.500"), Some(951_868_801));
        assert_eq!(
            chain_seconds("2026-11-25T05:21:09.000").unwrap() - chain_seconds("2026-11-24T05:21:09.000").unwrap(),
            86_400
        );
        assert_eq!(chain_seconds("garbage"), None);
    }

    #[test]
    fn the_custom_section_is_well_formed() {
        let s = Boot::custom_section();
        assert_eq!(s[0], 0, "custom section id");
        assert_eq!(s[1] as usize, s.len() - 2, "size");
        assert_eq!(s[2] as usize, "antelope-lab".len());
    }
}
