//! `lab deploy`: a contract from host files to an account of the lab. Reads and checks the files
//! ([`input`]), creates the account when it is missing ([`account`]), copies the files into the
//! genesis container ([`upload`]) and sets code and ABI there unless the chain has them already
//! (the code hash against the wasm's sha256, the ABI as JSON: [`abi`]). [`cleos_args`] does the
//! same copying for `lab cleos` arguments that name host files; [`record`] keeps the accounts
//! deployed to in the lab's state folder, for `lab accounts`.

pub(crate) mod abi;
pub(crate) mod account;
pub(crate) mod cleos_args;
pub(crate) mod input;
pub(crate) mod record;
pub(crate) mod upload;

use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::boot::push::Pusher;
use crate::boot::{Cleos, CleosCommand};
use crate::client::Chain;
use crate::keys::KeyPair;
use crate::plan::{NetworkPlan, KEOSD_PORT};
use crate::runtime::{ContainerState, ExecOutput, Runtime};
use crate::state::StateDir;
pub(crate) use input::read_contract;
pub use input::ContractFiles;

#[derive(Debug, Error)]
pub enum DeployError {
    #[error("{0}")]
    BadName(String),
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    #[error("{} has no .wasm file", .0.display())]
    NoWasm(PathBuf),
    #[error("{} has {} .wasm files ({}); name one: lab deploy ACCOUNT FILE.wasm", .0.display(), .1.len(),
        .1.iter().map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned()).collect::<Vec<_>>().join(", "))]
    ManyWasm(PathBuf, Vec<PathBuf>),
    #[error("{} is not a wasm module (it does not start with \\0asm)", .0.display())]
    NotWasm(PathBuf),
    #[error("{} is not JSON: {message}", path.display())]
    AbiNotJson { path: PathBuf, message: String },
    #[error("lab `{lab}` is not running ({container} is {state}); `lab up` starts it")]
    NotRunning { lab: String, container: String, state: String },
}

/// What `lab deploy` did.
#[derive(Debug, Clone, Serialize)]
pub struct DeployReport {
    /// The account the contract went to.
    pub account: String,
    /// Created by this deploy (with its RAM, and unlimited CPU and NET).
    pub created: bool,
    /// The key of the account when this deploy created it.
    pub public_key: Option<String>,
    /// The RAM bought for a created account, in bytes.
    pub ram_bytes: Option<i64>,
    /// sha256 of the wasm, as the chain's `get_code_hash` answers.
    pub code_hash: String,
    /// The code was set (false: the chain already had this code).
    pub code_set: bool,
    /// The ABI was set (false: none given, or the chain already had it).
    pub abi_set: bool,
}

impl DeployReport {
    /// Nothing changed: the account existed with this code and ABI.
    pub fn nothing_done(&self) -> bool {
        !self.created && !self.code_set && !self.abi_set
    }
}

/// Fails unless the lab's genesis container runs.
pub async fn require_running(rt: &dyn Runtime, plan: &NetworkPlan) -> anyhow::Result<()> {
    let genesis = &plan.genesis().container;
    let state = rt.container_state(genesis).await?;
    if state != Some(ContainerState::Running) {
        return Err(DeployError::NotRunning {
            lab: plan.lab.clone(),
            container: genesis.clone(),
            state: state.map(|s| s.to_string()).unwrap_or_else(|| "absent".into()),
        }
        .into());
    }
    Ok(())
}

/// The key the lab uses for `account`: a planned account's, else one derived from the seed.
pub fn key_for(plan: &NetworkPlan, account: &str) -> KeyPair {
    plan.accounts
        .iter()
        .find(|a| a.name == account)
        .map(|a| a.keys.clone())
        .unwrap_or_else(|| KeyPair::derive(&plan.seed, account))
}

/// Makes keosd hold `key` (the account signs its own `setcode`).
async fn import_key(rt: &dyn Runtime, container: &str, key: &KeyPair) -> anyhow::Result<()> {
    let cleos = Cleos::new(rt, container);
    let have = cleos.run(&["wallet", "keys"], None).await?;
    if have.success() && have.stdout.contains(&key.public) {
        return Ok(());
    }
    let keosd =
        crate::client::NodeClient { rt, container, base_url: format!("http://127.0.0.1:{KEOSD_PORT}"), direct: None };
    let answers = keosd.call_many("wallet/import_key", &[serde_json::json!(["default", key.private])]).await?;
    match answers.first() {
        Some((status, _)) if (200..300).contains(status) => Ok(()),
        Some((status, body)) => anyhow::bail!("keosd refused the account's key (HTTP {status}): {body}"),
        None => anyhow::bail!("keosd did not answer the key import"),
    }
}

/// Checks the account name and reads the contract at `target` (a folder or a `.wasm`) with
/// `abi`: everything [`deploy`] needs, refused before any engine is asked.
pub fn read_input(account: &str, target: &Path, abi: Option<&Path>) -> Result<ContractFiles, DeployError> {
    crate::chain::check_account_name(account).map_err(|e| DeployError::BadName(format!("account: {e}")))?;
    input::read_contract(target, abi)
}

/// Deploys `files` (from [`read_input`]) to `account`.
pub async fn deploy(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    state: &StateDir,
    account: &str,
    files: &ContractFiles,
) -> anyhow::Result<DeployReport> {
    require_running(rt, plan).await?;
    let genesis = plan.genesis().container.as_str();
    let chain = Chain::new(rt, genesis);
    let key = key_for(plan, account);
    let abi_len = files.abi.as_ref().map_or(0, |a| a.bytes.len());
    let needed_ram = account::ram_for(files.wasm.len(), abi_len);
    let pusher = Pusher::new(Cleos::new(rt, genesis));
    let mut report = DeployReport {
        account: account.into(),
        created: false,
        public_key: None,
        ram_bytes: None,
        code_hash: files.code_hash.clone(),
        code_set: false,
        abi_set: false,
    };
    let existing = chain.account(account).await?;
    let code_same = existing.is_some() && chain.code_hash(account).await? == files.code_hash;
    let abi_same = match (&files.abi, &existing) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(_)) => {
            let v = chain.node.call("chain/get_abi", &serde_json::json!({ "account_name": account })).await?;
            abi::same(v.get("abi"), &a.json)
        }
    };
    if code_same && abi_same {
        return Ok(report);
    }
    match &existing {
        None => {
            pusher.push(&account::create_actions(account, &key.public, needed_ram)).await?;
            // The node answers once it applied the transaction speculatively; the account is
            // there for the next transaction once its block is.
            wait_for(|| async { Ok(chain.account(account).await?.is_some()) }, &format!("account {account}")).await?;
            record::add(state, account, &key.public)?;
            report.created = true;
            report.public_key = Some(key.public.clone());
            report.ram_bytes = Some(needed_ram);
        }
        Some(a) if !code_same && a.ram_quota >= 0 && a.ram_quota < needed_ram => {
            // A larger contract than the account has room for.
            pusher.push(&account::resource_actions(account, needed_ram)).await?;
            report.ram_bytes = Some(needed_ram);
        }
        Some(_) => {}
    }
    import_key(rt, genesis, &key).await?;
    // Without an ABI only the code is pushed, as an action: no file to copy.
    let dir = match &files.abi {
        Some(a) => {
            let uploads = [
                upload::Upload { name: "contract.wasm".into(), contents: &files.wasm },
                upload::Upload { name: "contract.abi".into(), contents: &a.bytes },
            ];
            upload::upload(rt, genesis, &uploads).await?
        }
        None => String::new(),
    };
    let permission = format!("{account}@active");
    let result = async {
        match &files.abi {
            // This cleos cannot `set code` or `set abi` (it makes an empty contract path
            // canonical and fails); `set contract` with both files named works, and skips
            // by itself the half the chain has already.
            Some(_) => {
                let wasm = format!("{dir}/contract.wasm");
                let abi = format!("{dir}/contract.abi");
                let args = ["set", "contract", account, &dir, &wasm, &abi, "-p", &permission];
                // On a busy machine `setcode` may be billed more CPU than the chain allows one
                // transaction (wall-clock time, 50 ms by default): tried again, as boot steps are.
                let mut attempt = 0;
                let out = loop {
                    let out = cleos(rt, genesis, &args).await?;
                    attempt += 1;
                    if out.success()
                        || crate::boot::retry::classify(&out.stderr) == crate::boot::retry::Verdict::Final
                        || attempt == crate::boot::retry::ATTEMPTS
                    {
                        break out;
                    }
                    tokio::time::sleep(crate::boot::retry::backoff(attempt)).await;
                };
                check(&out, "set contract", &files.wasm_path)?;
                report.code_set = !code_same && !out.stderr.contains("Skipping set code");
                report.abi_set = !abi_same && !out.stderr.contains("Skipping set abi");
            }
            None => {
                let hex: String = files.wasm.iter().map(|b| format!("{b:02x}")).collect();
                let data = serde_json::json!({"account": account, "vmtype": 0, "vmversion": 0, "code": hex});
                Pusher::new(Cleos::new(rt, genesis))
                    .push(&[crate::boot::Action::new("eosio", "setcode", account, data)])
                    .await
                    .map_err(|e| anyhow::anyhow!("setcode of {} failed: {e}", files.wasm_path.display()))?;
                report.code_set = true;
            }
        }
        anyhow::Ok(())
    }
    .await;
    if !dir.is_empty() {
        upload::remove(rt, genesis, &dir).await;
    }
    result?;
    // Done when the node's state has it: a read (or a rerun) right after sees the new code.
    let want = &files.code_hash;
    wait_for(|| async { Ok(&chain.code_hash(account).await? == want) }, &format!("code {want} on {account}")).await?;
    Ok(report)
}

/// Asks `cond` until it holds, for up to 30 s.
async fn wait_for<F, Fut>(cond: F, what: &str) -> anyhow::Result<()>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !cond().await? {
        if std::time::Instant::now() > deadline {
            anyhow::bail!("the chain does not show {what} 30s after it was pushed");
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Ok(())
}

async fn cleos(rt: &dyn Runtime, container: &str, args: &[&str]) -> anyhow::Result<ExecOutput> {
    Ok(rt.exec(container, &CleosCommand::local().args(args), None).await?)
}

fn check(out: &ExecOutput, what: &str, file: &Path) -> anyhow::Result<()> {
    if out.success() {
        return Ok(());
    }
    anyhow::bail!("cleos {what} of {} failed (exit {}):\n{}", file.display(), out.code, out.tail(12))
}

/// `lab cleos` with host files: copies the files the arguments name into the genesis container,
/// runs cleos there with the rewritten arguments (`cleos` is the command line before them),
/// removes the copies. `cwd` is where relative paths start.
pub async fn run_cleos(
    rt: &dyn Runtime,
    genesis: &str,
    cleos: &CleosCommand,
    args: &[String],
    cwd: &Path,
) -> anyhow::Result<ExecOutput> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = format!("{}/{}/cleos-{}-{nanos}", crate::plan::DATA_MOUNT, upload::UPLOADS, std::process::id());
    let rewritten = cleos_args::rewrite(args, cwd, &dir).map_err(anyhow::Error::msg)?;
    let mut out = if rewritten.files.is_empty() {
        rt.exec(genesis, &cleos.args(&rewritten.args), None).await?
    } else {
        upload_and_run(rt, genesis, cleos, &rewritten, &dir).await?
    };
    if out.stderr.contains("cannot make canonical path") {
        // cleos 4.x makes an empty contract folder canonical for `set code` and `set abi`.
        if !out.stderr.ends_with('\n') {
            out.stderr.push('\n');
        }
        out.stderr.push_str(
            "lab: this cleos cannot `set code` or `set abi` from any path; use `set contract ACCOUNT DIR WASM ABI` or `lab deploy ACCOUNT DIR`\n",
        );
    }
    Ok(out)
}

async fn upload_and_run(
    rt: &dyn Runtime,
    genesis: &str,
    cleos: &CleosCommand,
    rewritten: &cleos_args::Rewritten,
    dir: &str,
) -> anyhow::Result<ExecOutput> {
    let mut entries = Vec::new();
    for (path, name) in &rewritten.files {
        let contents = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        entries.push(crate::runtime::FileEntry { name: name.clone(), contents, mode: 0o644 });
    }
    rt.exec(genesis, &["mkdir".to_string(), "-p".to_string(), dir.to_string()], None).await?;
    rt.put_files(genesis, dir, &entries).await?;
    let out = rt.exec(genesis, &cleos.args(&rewritten.args), None).await;
    upload::remove(rt, genesis, dir).await;
    Ok(out?)
}
