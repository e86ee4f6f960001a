//! `lab load`: signed token transfers (or any contract action, from a template) at a steady rate
//! against a lab's API nodes, and the proof, read back from the chain, that nothing they accepted
//! was lost.
//!
//! Transactions are packed and signed here (K1, canonical), sent over HTTP to the published API
//! ports with many in flight, no cleos and no process per transaction. A follower reads every new
//! block while the load runs (inclusion and irreversibility latencies). When sending ends (the
//! duration, the count, or an interrupt), what is in flight is awaited, the chain is given time to
//! make every accepted transaction irreversible or let it expire, and then the final check reads
//! every block of the run again: each accepted transaction must be in exactly one irreversible
//! block, and (for transfers) every sender's balance must have moved by exactly the transfers the
//! chain holds. A template's action is packed by the contract's ABI, read from the chain first.

mod find_max;
mod follow;
mod refusals;
mod report;
mod template;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;

pub use find_max::{FindMaxOptions, FindMaxReport, FindMaxStep, Search};
pub use report::{BalanceMismatch, Ended, LoadReport, Lost, NodeCpu, Percentiles};
pub use template::ActionTemplate;

use crate::chain::abi::Abi;
use crate::chain::transaction::{
    decode_hex, encode_hex, nonce_action, packed_trx_json, transfer_data, Action, PermissionLevel, Transaction,
};
use crate::chain::{Amount, Symbol};
use crate::client::http::{self, Http};
use crate::keys::{KeyPair, Signer};
use crate::printer::Printer;
use crate::runtime::{ContainerStats, Runtime};
use follow::{Follower, Tip};

/// How much load, for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOptions {
    /// Transactions per second.
    pub rate: f64,
    /// Send for this long (with `count`, whichever comes first).
    pub duration: Option<Duration>,
    /// Send this many.
    pub count: Option<u64>,
    /// How long after the head block's time a transaction expires.
    pub expiration: Duration,
    /// How long to wait, after sending, for every accepted transaction to become irreversible
    /// or expire.
    pub settle_timeout: Duration,
    /// What each transaction does: `None` for token transfers between the lab's user accounts.
    pub action: Option<ActionTemplate>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            rate: 100.0,
            duration: Some(Duration::from_secs(10)),
            count: None,
            expiration: Duration::from_secs(30),
            settle_timeout: Duration::from_secs(180),
            action: None,
        }
    }
}

impl LoadOptions {
    /// Every problem of the options, named by flag. Pure.
    pub fn check(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if !(self.rate.is_finite() && self.rate > 0.0) {
            problems.push(format!("--rate {}: a rate is a number of transactions per second above 0", self.rate));
        }
        if self.rate > 100_000.0 {
            problems.push(format!("--rate {}: at most 100000 per second", self.rate));
        }
        match (self.duration, self.count) {
            (None, None) => problems.push("give --duration or --count: how long or how many".into()),
            (Some(d), _) if d.is_zero() => problems.push("--duration 0: nothing would be sent".into()),
            (_, Some(0)) => problems.push("--count 0: nothing would be sent".into()),
            _ => {}
        }
        if self.expiration < Duration::from_secs(3) || self.expiration > Duration::from_secs(3600) {
            problems
                .push(format!("--expiration {}s: between 3 s and the hour nodeos allows", self.expiration.as_secs()));
        }
        if let Some(Err(e)) = self.action.as_ref().map(ActionTemplate::check) {
            problems.push(e);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// How many transactions the run sends at most. Pure.
    fn planned(&self) -> u64 {
        let by_time = self.duration.map(|d| (d.as_secs_f64() * self.rate).ceil() as u64);
        match (by_time, self.count) {
            (Some(t), Some(c)) => t.min(c),
            (Some(t), None) => t,
            (None, Some(c)) => c,
            (None, None) => 0,
        }
    }
}

/// An account that sends (and receives) transfers, with the key of its `active` permission.
#[derive(Clone)]
pub struct LoadAccount {
    /// The account.
    pub name: String,
    /// Its active key, WIF.
    pub private_key: String,
}

/// What the load runs against.
pub struct LoadTarget<'a> {
    /// The lab's name.
    pub lab: String,
    /// Where transactions go, in turn.
    pub api_urls: Vec<String>,
    /// The chain id every API node must serve.
    pub chain_id: String,
    /// The core token's symbol.
    pub symbol: Symbol,
    /// The token contract (`eosio.token`).
    pub token_contract: String,
    /// The accounts that send and receive.
    pub accounts: Vec<LoadAccount>,
    /// Every account the lab holds a key for, for a template's `signer`.
    pub keys: Vec<LoadAccount>,
    /// The lab's nodes, as (node, container), for their CPU.
    pub nodes: Vec<(String, String)>,
    /// The engine the nodes run on.
    pub rt: &'a dyn Runtime,
}

/// Why a load run did not give a report.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Options that cannot make a run (`--rate 0`, …), each named by flag; nothing was sent.
    #[error("{0}; nothing was sent")]
    BadOptions(String),
    /// A template names what the chain or the lab's keys do not have (an account, a contract, an
    /// action, a field, a signer's key), each named by flag; nothing was sent.
    #[error("{0}; nothing was sent")]
    BadAction(String),
    /// The lab cannot carry the run (an account's key, its funds); nothing was sent.
    #[error("{0}; nothing was sent")]
    Refused(String),
    /// No API node answered; nothing was sent.
    #[error("no API node of lab `{lab}` answers: {detail}; nothing was sent (`lab status` shows the nodes)")]
    Unreachable {
        /// The lab.
        lab: String,
        /// What the API nodes answered.
        detail: String,
    },
    /// The chain stopped answering during the run.
    #[error("{0}")]
    Chain(String),
}

/// One transaction of the run.
#[derive(Debug, Clone)]
struct Record {
    id: String,
    /// A transfer's sender and receiver (indexes of the accounts) and units; `None` for a
    /// template's action.
    transfer: Option<(usize, usize, i64)>,
    sent_at: SystemTime,
    expiration_ms: i64,
    /// `None` while in flight; the refusal's reason when refused.
    outcome: Option<Result<(), String>>,
}

/// Sends the load, waits for the chain, checks it; `stop` ends sending early (Ctrl-C), and the
/// report still comes.
pub async fn run(
    target: LoadTarget<'_>,
    options: &LoadOptions,
    printer: &Printer,
    stop: impl Future<Output = ()>,
) -> Result<LoadReport, LoadError> {
    options.check().map_err(LoadError::BadOptions)?;
    if target.accounts.len() < 2 {
        return Err(LoadError::Refused(format!(
            "lab `{}` has {} account with a key to send from; transfers need 2",
            target.lab,
            target.accounts.len()
        )));
    }
    let chain_id = hex32(&target.chain_id).map_err(|e| LoadError::Refused(format!("chain id: {e}")))?;
    let template = options.action.as_ref();
    // Who signs: the user accounts in turn, or a template's one signer, whose key the lab must hold.
    let signing: Vec<LoadAccount> = match template.and_then(|t| t.signer.as_ref()) {
        None => target.accounts.clone(),
        Some(name) => match target.keys.iter().find(|k| &k.name == name) {
            Some(account) => vec![account.clone()],
            None => {
                return Err(LoadError::BadAction(format!(
                "--signer {name}: lab `{}` holds no key for it (`lab accounts` lists the accounts it holds keys for)",
                target.lab
            )))
            }
        },
    };
    let signers = signing
        .iter()
        .map(|a| {
            KeyPair::from_wif(&a.private_key)
                .and_then(|k| k.signer())
                .map_err(|e| LoadError::Refused(format!("account {}: its key does not sign: {e}", a.name)))
        })
        .collect::<Result<Vec<Signer>, _>>()?;
    let http = Http::new();

    // Every API node answers, on the lab's chain; else nothing is sent.
    if target.api_urls.is_empty() {
        return Err(LoadError::Unreachable {
            lab: target.lab.clone(),
            detail: "the lab publishes no API port (a running api node, or the genesis node's http_port)".into(),
        });
    }
    for url in &target.api_urls {
        let info = http
            .call(url, "/v1/chain/get_info", &serde_json::json!({}))
            .await
            .map_err(|detail| LoadError::Unreachable { lab: target.lab.clone(), detail })?;
        if info["chain_id"].as_str() != Some(target.chain_id.as_str()) {
            return Err(LoadError::Refused(format!(
                "{url} serves chain {}, not lab `{}`'s {}",
                info["chain_id"], target.lab, target.chain_id
            )));
        }
    }
    let main = target.api_urls[0].clone();

    let run_tag =
        format!("{:08x}", SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u32);
    // A template's contract, action and data, checked against the chain's ABI; transfers need
    // enough of the token on every sender.
    let (abi, before) = match template {
        Some(t) => {
            let abi = contract_abi(&http, &main, t).await?;
            let (_, sample) = template_data(t, 0, &signing, &target.accounts, &run_tag);
            abi.pack_action(&t.action, &sample).map_err(|e| LoadError::BadAction(format!("--data: {e}")))?;
            (Some(abi), Vec::new())
        }
        None => {
            let before = balances(&http, &main, &target).await?;
            let planned = options.planned();
            let n = target.accounts.len() as u64;
            let need = Amount((planned.div_ceil(n) * MAX_UNITS) as i64);
            if let Some((name, have)) = target.accounts.iter().zip(&before).find(|(_, b)| **b < need.0) {
                return Err(LoadError::Refused(format!(
                    "account {} holds {}, and its share of {planned} transfers may need {}",
                    name.name,
                    Amount(*have).display(&target.symbol),
                    need.display(&target.symbol)
                )));
            }
            (None, before)
        }
    };

    let cpu_before = cpu_sample(&target).await;
    let follower =
        Arc::new(tokio::sync::Mutex::new(Follower::start(http.clone(), &main).await.map_err(LoadError::Chain)?));
    let following = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let follow_task = {
        let (follower, following) = (follower.clone(), following.clone());
        tokio::spawn(async move {
            let mut errors = 0;
            while following.load(std::sync::atomic::Ordering::Relaxed) {
                let polled = follower.lock().await.poll().await;
                errors = if polled.is_err() { errors + 1 } else { 0 };
                if errors > 50 {
                    return polled;
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            Ok(())
        })
    };

    let records: Arc<Mutex<Vec<Record>>> = Arc::new(Mutex::new(Vec::new()));
    let task = printer.task(match template {
        Some(t) => format!("load {:.0}/s of {}", options.rate, t.shown()),
        None => format!("load {:.0}/s", options.rate),
    });
    let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut sends = tokio::task::JoinSet::new();
    let started = Instant::now();
    let mut tip: Tip = follower.lock().await.tip.clone();
    let mut tip_read = Instant::now();
    let mut last_progress = Instant::now();
    let mut progress_lines = 0u64;
    let ended;
    tokio::pin!(stop);
    let mut i: u64 = 0;
    loop {
        if options.count.is_some_and(|c| i >= c) {
            ended = Ended::Count;
            break;
        }
        let due = started + Duration::from_secs_f64(i as f64 / options.rate);
        if options.duration.is_some_and(|d| due >= started + d) {
            ended = Ended::Duration;
            break;
        }
        tokio::select! {
            _ = &mut stop => { ended = Ended::Interrupted; break; }
            _ = tokio::time::sleep_until(due.into()) => {}
        }
        if tip_read.elapsed() > Duration::from_millis(500) {
            tip = follower.lock().await.tip.clone();
            tip_read = Instant::now();
        }
        if last_progress.elapsed() > Duration::from_secs(1) {
            let line = progress(&records, &*follower.lock().await, started.elapsed());
            task.message(line.clone());
            progress_lines += 1;
            if progress_lines.is_multiple_of(5) {
                printer.plain(format!("  {line}"));
            }
            last_progress = Instant::now();
        }
        let (from, to, amount) = transfer_of(i, target.accounts.len());
        let expiration_ms = tip.head_time_ms + options.expiration.as_millis() as i64;
        let (ref_block_num, ref_block_prefix) = Transaction::tapos(&tip.lib_id).map_err(LoadError::Chain)?;
        // A template's actions may repeat (the same vote, the same data); a nonce, as `cleos
        // --force-unique` adds, keeps every transaction of the run its own.
        let mut context_free_actions = Vec::new();
        let (signer, contract, action, data, transfer) = match (template, &abi) {
            (Some(t), Some(abi)) => {
                let (signer, filled) = template_data(t, i, &signing, &target.accounts, &run_tag);
                let data = match abi.pack_action(&t.action, &filled) {
                    Ok(data) => data,
                    // The first was packed before anything was sent; a later one ends the sending,
                    // and what was sent is still checked and reported.
                    Err(e) => {
                        printer.warn(format!("transaction {i}: --data: {e}; sending stopped"));
                        ended = Ended::BadData;
                        break;
                    }
                };
                context_free_actions.push(nonce_action(&format!("lab load {run_tag} {i}")).map_err(LoadError::Chain)?);
                (signer, t.contract.clone(), t.action.clone(), data, None)
            }
            _ => {
                let memo = format!("lab load {run_tag} {i}");
                let (sender, receiver) = (&target.accounts[from].name, &target.accounts[to].name);
                let data =
                    transfer_data(sender, receiver, amount, &target.symbol, &memo).map_err(LoadError::Refused)?;
                (from, target.token_contract.clone(), "transfer".to_string(), data, Some((from, to, amount)))
            }
        };
        let trx = Transaction {
            expiration: (expiration_ms / 1000) as u32,
            ref_block_num,
            ref_block_prefix,
            max_net_usage_words: 0,
            max_cpu_usage_ms: 0,
            delay_sec: 0,
            context_free_actions,
            actions: vec![Action {
                account: contract,
                name: action,
                authorization: vec![PermissionLevel {
                    actor: signing[signer].name.clone(),
                    permission: "active".into(),
                }],
                data,
            }],
        };
        let packed = trx.pack().map_err(LoadError::Refused)?;
        let id = encode_hex(&Transaction::id(&packed));
        let signature = signers[signer].sign(&Transaction::signing_digest(&chain_id, &packed));
        let body = packed_trx_json(&[signature], &packed).to_string().into_bytes();
        let index = {
            let mut r = records.lock().unwrap();
            r.push(Record {
                id: id.clone(),
                transfer,
                sent_at: SystemTime::now(),
                expiration_ms: (expiration_ms / 1000) * 1000,
                outcome: None,
            });
            r.len() - 1
        };
        let permit = in_flight.clone().acquire_owned().await.expect("the semaphore is never closed");
        let (http, url, records) =
            (http.clone(), target.api_urls[i as usize % target.api_urls.len()].clone(), records.clone());
        sends.spawn(async move {
            let outcome = match http.post(&url, "/v1/chain/send_transaction", body, SEND_TIMEOUT).await {
                // nodeos answers 202 (Accepted) with the transaction's trace.
                Ok((200 | 202, answer)) if answer["transaction_id"].as_str() == Some(id.as_str()) => Ok(()),
                Ok((200 | 202, answer)) => Err(format!("answered for another id: {}", answer["transaction_id"])),
                Ok((_, answer)) => Err(http::error_reason(&answer)),
                Err(e) => Err(e.to_string()),
            };
            records.lock().unwrap()[index].outcome = Some(outcome);
            drop(permit);
        });
        i += 1;
    }
    let sending_secs = started.elapsed().as_secs_f64();
    task.message(format!("{i} sent; waiting for the answers in flight"));
    while sends.join_next().await.is_some() {}
    // The nodes' CPU while they took the load, not while the chain settles after it.
    let cpu_after = cpu_sample(&target).await;

    // The chain's turn: every accepted transaction irreversible, or past its expiration.
    task.message("waiting for every accepted transaction to become irreversible or expire".to_string());
    let settle_started = Instant::now();
    loop {
        let settled = {
            let f = follower.lock().await;
            let lib_time = f.lib_time_ms().unwrap_or(0);
            let r = records.lock().unwrap();
            r.iter().filter(|r| r.outcome == Some(Ok(()))).all(|r| match f.seen.get(&r.id) {
                Some(s) if s.irreversible_at.is_some() => true,
                _ => lib_time > r.expiration_ms,
            })
        };
        if settled || settle_started.elapsed() > options.settle_timeout {
            break;
        }
        if follow_task.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    following.store(false, std::sync::atomic::Ordering::Relaxed);
    match follow_task.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            task.fail();
            return Err(LoadError::Chain(format!("following the chain failed: {e}")));
        }
        Err(e) => {
            task.fail();
            return Err(LoadError::Chain(format!("following the chain failed: {e}")));
        }
    }
    let follower =
        Arc::try_unwrap(follower).map_err(|_| LoadError::Chain("the follower is still shared".into()))?.into_inner();
    let records = std::mem::take(&mut *records.lock().unwrap());
    task.message("reading the run's blocks back from the chain".to_string());

    // The final check, from the chain: every block of the run, up to the last irreversible one.
    let last = tip_of(&http, &main).await?.lib;
    let first = follower.first_block();
    let on_chain = read_ids(&http, &main, first, last).await?;
    let after = if template.is_some() { Vec::new() } else { balances(&http, &main, &target).await? };
    task.done(if first <= last {
        format!("{} sent, blocks {first}-{last} read back", records.len())
    } else {
        format!("{} sent, no block to read back", records.len())
    });

    let mut report = assemble(Assembly {
        target: &target,
        options,
        records,
        follower: &follower,
        on_chain,
        checked: (first, last),
        before,
        after,
        cpu: cpu_before.into_iter().zip(cpu_after).map(|((node, before), (_, after))| (node, before, after)).collect(),
        sending_secs,
        ended,
    });
    explain_lost(&target, &mut report.lost).await;
    Ok(report)
}

/// Adds to each lost transaction's reason where and why a node refused it, where one logged it.
async fn explain_lost(target: &LoadTarget<'_>, lost: &mut [Lost]) {
    if lost.is_empty() {
        return;
    }
    let ids: Vec<String> = lost.iter().map(|l| l.id.clone()).collect();
    let found = refusals::find(target.rt, &target.nodes, &ids).await;
    for l in lost.iter_mut() {
        if let Some(refusals) = found.get(&l.id) {
            let said: Vec<String> = refusals.iter().map(ToString::to_string).collect();
            l.reason = format!("{}; {}", l.reason, said.join("; "));
        }
    }
}

/// A transfer's amount is 1 to this many of the token's smallest unit.
const MAX_UNITS: u64 = 7;
/// At most this many transactions wait for their answer at once, each on a connection of its
/// own. With 4096, Docker's userland proxy of the published port (docker-proxy, 20.10) died at
/// 1000/s against a Leap 4.1 lab, about 50 s into a minute's run, and the port with it while
/// nodeos kept serving inside the container. nodeos applies transactions on one thread, so more
/// in flight only queues there.
const MAX_IN_FLIGHT: usize = 512;
/// How long an API node has to answer one transaction.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Transfer `i` of a run over `n` accounts: from, to, amount. Each account sends in turn, to a
/// receiver that shifts every round, with amounts of 1 to 7 units, so that balances change by
/// sums the check can tell apart. Pure.
fn transfer_of(i: u64, n: usize) -> (usize, usize, i64) {
    let n = n as u64;
    let from = i % n;
    let to = (from + 1 + (i / n) % (n - 1)) % n;
    (from as usize, to as usize, 1 + (i % MAX_UNITS) as i64)
}

/// Transaction `i` of a template's run: its signer (an index of `signing`) and its data, filled
/// with that signer and another user account (never the signer). Pure.
fn template_data(
    t: &ActionTemplate,
    i: u64,
    signing: &[LoadAccount],
    accounts: &[LoadAccount],
    run: &str,
) -> (usize, serde_json::Value) {
    let signer = i as usize % signing.len();
    let (from, to, _) = transfer_of(i, accounts.len());
    let account = if accounts[to].name == signing[signer].name { &accounts[from] } else { &accounts[to] };
    let data = t.fill(&template::Fill { n: i, signer: &signing[signer].name, account: &account.name, run });
    (signer, data)
}

fn progress(records: &Mutex<Vec<Record>>, follower: &Follower, elapsed: Duration) -> String {
    let r = records.lock().unwrap();
    let accepted = r.iter().filter(|r| r.outcome == Some(Ok(()))).count();
    let failed = r.iter().filter(|r| matches!(r.outcome, Some(Err(_)))).count();
    let in_block = r.iter().filter(|r| follower.seen.contains_key(&r.id)).count();
    let irreversible =
        r.iter().filter(|r| follower.seen.get(&r.id).is_some_and(|s| s.irreversible_at.is_some())).count();
    format!(
        "{:.0}s: sent {}, accepted {accepted}, in a block {in_block}, irreversible {irreversible}, failed {failed}",
        elapsed.as_secs_f64(),
        r.len()
    )
}

/// The template's contract's ABI, with its action in it; else a refusal naming what the chain
/// lacks.
async fn contract_abi(http: &Http, url: &str, t: &ActionTemplate) -> Result<Abi, LoadError> {
    let refused = |why: String| LoadError::BadAction(format!("--action {}: {why}", t.shown()));
    if http.call(url, "/v1/chain/get_account", &serde_json::json!({"account_name": t.contract})).await.is_err() {
        return Err(refused(format!("the chain has no account {}", t.contract)));
    }
    let answer = http
        .call(url, "/v1/chain/get_abi", &serde_json::json!({"account_name": t.contract}))
        .await
        .map_err(LoadError::Chain)?;
    if answer["abi"].is_null() {
        return Err(refused(format!("account {} has no contract (no ABI)", t.contract)));
    }
    let abi = Abi::from_json(&answer["abi"]).map_err(|e| refused(format!("its ABI: {e}")))?;
    if !abi.has_action(&t.action) {
        return Err(refused(format!(
            "{} has no action {} (it has {})",
            t.contract,
            t.action,
            abi.action_names().join(", ")
        )));
    }
    Ok(abi)
}

async fn tip_of(http: &Http, url: &str) -> Result<Tip, LoadError> {
    follow::tip(http, url).await.map_err(LoadError::Chain)
}

/// Each account's balance of the token, in units, in the order of `target.accounts`.
async fn balances(http: &Http, url: &str, target: &LoadTarget<'_>) -> Result<Vec<i64>, LoadError> {
    let mut out = Vec::new();
    for a in &target.accounts {
        let answer = http
            .call(
                url,
                "/v1/chain/get_currency_balance",
                &serde_json::json!({"code": target.token_contract, "account": a.name, "symbol": target.symbol.code}),
            )
            .await
            .map_err(LoadError::Chain)?;
        let units = match answer.as_array().and_then(|a| a.first()).and_then(|v| v.as_str()) {
            Some(text) => Amount::parse(text, &target.symbol).map_err(LoadError::Chain)?.0,
            None => 0,
        };
        out.push(units);
    }
    Ok(out)
}

/// Every transaction id in blocks `first..=last`, with the blocks that hold it.
async fn read_ids(http: &Http, url: &str, first: u32, last: u32) -> Result<HashMap<String, Vec<u32>>, LoadError> {
    let mut out: HashMap<String, Vec<u32>> = HashMap::new();
    let mut blocks = futures::stream::iter(first..=last)
        .map(|n| async move {
            let block = http.call(url, "/v1/chain/get_block", &serde_json::json!({"block_num_or_id": n})).await?;
            Ok::<_, String>((n, follow::transaction_ids(&block)))
        })
        .buffered(8);
    while let Some(block) = blocks.next().await {
        let (n, ids) = block.map_err(LoadError::Chain)?;
        for id in ids {
            out.entry(id).or_default().push(n);
        }
    }
    Ok(out)
}

async fn cpu_sample(target: &LoadTarget<'_>) -> Vec<(String, Option<ContainerStats>)> {
    let mut out = Vec::new();
    for (node, container) in &target.nodes {
        out.push((node.clone(), target.rt.container_stats(container).await.ok().flatten()));
    }
    out
}

struct Assembly<'a> {
    target: &'a LoadTarget<'a>,
    options: &'a LoadOptions,
    records: Vec<Record>,
    follower: &'a Follower,
    on_chain: HashMap<String, Vec<u32>>,
    checked: (u32, u32),
    before: Vec<i64>,
    after: Vec<i64>,
    /// Per node: its name, and its counters before and after the sending.
    cpu: Vec<(String, Option<ContainerStats>, Option<ContainerStats>)>,
    sending_secs: f64,
    ended: Ended,
}

/// The report, from what was sent, what the follower saw and what the chain holds. Pure.
fn assemble(a: Assembly<'_>) -> LoadReport {
    let ms = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as i64;
    let mut failed: BTreeMap<String, u64> = BTreeMap::new();
    let (mut inclusion, mut irreversible_ms) = (Vec::new(), Vec::new());
    let mut lost = Vec::new();
    let (mut accepted, mut in_block, mut irreversible) = (0u64, 0u64, 0u64);
    let lib_time = a.follower.lib_time_ms().unwrap_or(0);
    let mut expected = vec![0i64; a.target.accounts.len()];
    let mut moved = 0i64;
    for r in &a.records {
        let on_chain = a.on_chain.get(&r.id).map(Vec::as_slice).unwrap_or_default();
        if let (1, Some((from, to, amount))) = (on_chain.len(), r.transfer) {
            expected[from] -= amount;
            expected[to] += amount;
            moved += amount;
        }
        match &r.outcome {
            Some(Ok(())) => accepted += 1,
            Some(Err(reason)) => {
                *failed.entry(reason.clone()).or_default() += 1;
                continue;
            }
            None => {
                *failed.entry("no answer".into()).or_default() += 1;
                continue;
            }
        }
        let seen = a.follower.seen.get(&r.id);
        if let Some(s) = seen {
            in_block += 1;
            inclusion.push((s.block_time_ms - ms(r.sent_at)).max(0) as u64);
            if let Some(at) = s.irreversible_at {
                irreversible_ms.push((ms(at) - ms(r.sent_at)).max(0) as u64);
            }
        }
        let reason = match (on_chain.len(), seen) {
            (1, _) => {
                irreversible += 1;
                continue;
            }
            (0, Some(s)) => format!("in block {} ({}), which was forked out", s.block, short(&s.block_id)),
            (0, None) if lib_time > r.expiration_ms => "expired before inclusion".to_string(),
            (0, None) => "not in an irreversible block when the wait ended".to_string(),
            (k, _) => format!("in {k} irreversible blocks: {on_chain:?}"),
        };
        lost.push(Lost { id: r.id.clone(), reason });
    }
    // A template's actions move what they move; only transfers are checked against the balances.
    let transfers = a.options.action.is_none();
    let balance_mismatches: Vec<BalanceMismatch> = a
        .target
        .accounts
        .iter()
        .enumerate()
        .filter(|_| transfers)
        .filter(|(k, _)| a.after[*k] - a.before[*k] != expected[*k])
        .map(|(k, acct)| BalanceMismatch {
            account: acct.name.clone(),
            expected_units: expected[k],
            actual_units: a.after[k] - a.before[k],
        })
        .collect();
    let cpu = a
        .cpu
        .iter()
        .map(|(node, before, after)| NodeCpu {
            node: node.clone(),
            cpu_percent: match (before, after) {
                (Some(b), Some(n)) => n.cpu_percent_since(b),
                _ => None,
            },
        })
        .collect();
    LoadReport {
        lab: a.target.lab.clone(),
        api_urls: a.target.api_urls.clone(),
        rate: a.options.rate,
        sending_secs: a.sending_secs,
        ended: a.ended,
        sent: a.records.len() as u64,
        accepted,
        failed,
        in_block,
        irreversible,
        accepted_per_sec: if a.sending_secs > 0.0 { accepted as f64 / a.sending_secs } else { 0.0 },
        inclusion_ms: Percentiles::of(&mut inclusion),
        irreversible_ms: Percentiles::of(&mut irreversible_ms),
        checked_blocks: a.checked,
        lost,
        action: match &a.options.action {
            Some(t) => t.shown(),
            None => format!("{}::transfer", a.target.token_contract),
        },
        balances_add_up: transfers.then_some(balance_mismatches.is_empty()),
        balance_mismatches,
        moved: transfers.then(|| Amount(moved).display(&a.target.symbol).to_string()),
        accounts: a.target.accounts.len(),
        cpu,
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(16)]
}

/// A chain id's 32 bytes.
fn hex32(text: &str) -> Result<[u8; 32], String> {
    decode_hex(text).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| format!("{text:?} is not 64 hex digits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_options_are_refused_by_flag() {
        let ok = LoadOptions::default();
        assert_eq!(ok.check(), Ok(()));
        let e = LoadOptions { rate: 0.0, ..ok.clone() }.check().unwrap_err();
        assert!(e.contains("--rate 0"), "{e}");
        assert!(LoadOptions { rate: -5.0, ..ok.clone() }.check().unwrap_err().contains("--rate -5"));
        assert!(LoadOptions { rate: f64::NAN, ..ok.clone() }.check().is_err());
        let e = LoadOptions { duration: None, count: None, ..ok.clone() }.check().unwrap_err();
        assert!(e.contains("--duration or --count"), "{e}");
        assert!(LoadOptions { count: Some(0), ..ok.clone() }.check().unwrap_err().contains("--count 0"));
        assert!(LoadOptions { duration: Some(Duration::ZERO), ..ok.clone() }
            .check()
            .unwrap_err()
            .contains("--duration 0"));
        assert!(LoadOptions { expiration: Duration::from_secs(7200), ..ok }
            .check()
            .unwrap_err()
            .contains("--expiration"));
    }

    #[test]
    fn the_run_plans_the_smaller_of_count_and_rate_times_duration() {
        let o = LoadOptions { rate: 200.0, duration: Some(Duration::from_secs(30)), count: None, ..Default::default() };
        assert_eq!(o.planned(), 6000);
        assert_eq!(LoadOptions { count: Some(100), ..o.clone() }.planned(), 100);
        assert_eq!(LoadOptions { duration: None, count: Some(7), ..o }.planned(), 7);
    }

    /// Four accepted transactions and one refused: one in exactly one irreversible block, one
    /// whose block was forked out, one never seen and expired, one in two blocks; the report
    /// names each with its reason, and the balances are checked against what the chain holds.
    #[test]
    fn the_report_names_each_lost_transaction_with_why_and_checks_balances_against_the_chain() {
        let rt = crate::runtime::fake::FakeRuntime::new();
        let account = |name: &str| LoadAccount { name: name.into(), private_key: String::new() };
        let target = LoadTarget {
            lab: "x".into(),
            api_urls: vec!["http://127.0.0.1:1".into()],
            chain_id: String::new(),
            symbol: Symbol { code: "SYS".into(), precision: 4 },
            token_contract: "eosio.token".into(),
            accounts: vec![account("alice"), account("bob")],
            keys: vec![],
            nodes: vec![],
            rt: &rt,
        };
        let sent = UNIX_EPOCH + Duration::from_secs(1000);
        let record = |id: &str, amount: i64, outcome: Option<Result<(), String>>| Record {
            id: id.into(),
            transfer: Some((0, 1, amount)),
            sent_at: sent,
            expiration_ms: 1_030_000,
            outcome,
        };
        let records = vec![
            record("in", 3, Some(Ok(()))),
            record("forked", 5, Some(Ok(()))),
            record("expired", 7, Some(Ok(()))),
            record("twice", 11, Some(Ok(()))),
            record("refused", 13, Some(Err("tx_cpu_usage_exceeded".into()))),
        ];
        let mut follower_seen = HashMap::new();
        let seen = |block: u32| follow::Seen {
            block,
            block_id: format!("{block:08x}aaaaaaaaaaaaaaaa"),
            block_time_ms: 1_000_400,
            irreversible_at: Some(sent + Duration::from_secs(2)),
        };
        follower_seen.insert("in".to_string(), seen(10));
        follower_seen.insert("forked".to_string(), seen(11));
        let follower = Follower::for_tests(follower_seen, 40, [(40, 1_040_000)].into());
        let on_chain: HashMap<String, Vec<u32>> =
            [("in".to_string(), vec![10]), ("twice".to_string(), vec![12, 13])].into();
        let report = assemble(Assembly {
            target: &target,
            options: &LoadOptions::default(),
            records,
            follower: &follower,
            on_chain,
            checked: (9, 40),
            before: vec![100, 100],
            // The chain moved exactly the one transfer it holds once (3 units).
            after: vec![97, 103],
            cpu: vec![],
            sending_secs: 1.0,
            ended: Ended::Count,
        });
        assert_eq!((report.sent, report.accepted, report.irreversible, report.in_block), (5, 4, 1, 2));
        assert_eq!(report.failed, [("tx_cpu_usage_exceeded".to_string(), 1)].into());
        let reasons: Vec<(&str, &str)> = report.lost.iter().map(|l| (l.id.as_str(), l.reason.as_str())).collect();
        assert_eq!(
            reasons,
            [
                ("forked", "in block 11 (0000000baaaaaaaa), which was forked out"),
                ("expired", "expired before inclusion"),
                ("twice", "in 2 irreversible blocks: [12, 13]"),
            ]
        );
        assert_eq!(report.balances_add_up, Some(true), "{report}");
        assert_eq!(report.moved.as_deref(), Some("0.0003 SYS"));
        assert_eq!(report.action, "eosio.token::transfer");
        assert_eq!(report.inclusion_ms.unwrap().p50, 400);
        assert!(!report.nothing_lost());
        // Balances that moved otherwise are named, with both changes.
        let records = vec![record("in", 3, Some(Ok(())))];
        let report = assemble(Assembly {
            target: &target,
            options: &LoadOptions::default(),
            records,
            follower: &follower,
            on_chain: [("in".to_string(), vec![10])].into(),
            checked: (9, 40),
            before: vec![100, 100],
            after: vec![96, 103],
            cpu: vec![],
            sending_secs: 1.0,
            ended: Ended::Count,
        });
        assert_eq!(
            report.balance_mismatches,
            [BalanceMismatch { account: "alice".into(), expected_units: -3, actual_units: -4 }]
        );
        assert!(report.lost.is_empty() && !report.nothing_lost());
    }

    #[test]
    fn transfers_go_round_every_account_to_a_receiver_that_is_never_the_sender() {
        let n = 5;
        let mut sent = vec![0; n];
        for i in 0..1000 {
            let (from, to, amount) = transfer_of(i, n);
            assert_ne!(from, to, "{i}");
            assert!((1..=MAX_UNITS as i64).contains(&amount));
            sent[from] += 1;
        }
        assert!(sent.iter().all(|s| *s == 200), "{sent:?}");
        // The receivers shift, so balances change by sums that tell the transfers apart.
        let receivers: std::collections::BTreeSet<usize> = (0..20).map(|i| transfer_of(i * 5, n).1).collect();
        assert_eq!(receivers.len(), 4);
    }
}
