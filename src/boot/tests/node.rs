//! A fake nodeos behind the fake engine: it answers the HTTP calls boot makes through `curl` in
//! the genesis container, the contract hashes, `cleos set contract` and `push transaction`, from
//! a small in-memory chain. Enough of a chain for the early steps (wallet aside), whose effects it
//! applies: `newaccount`, `create`, `issue`, `set contract`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::chain::answers::NO_CODE;
use crate::chain::system::{wasm_path, ACCOUNT_CONTRACTS};
use crate::runtime::fake::{ExecCall, FakeRuntime};
use crate::runtime::ExecOutput;

/// The chain's state and what was pushed to it.
#[derive(Debug, Default)]
pub struct Chain {
    pub accounts: BTreeMap<String, bool>,
    pub code: BTreeMap<String, String>,
    pub supply: Option<String>,
    pub head: u64,
    /// Every transaction pushed, accepted or not: its actions as `account::name`.
    pub pushes: Vec<Vec<String>>,
    /// Answers for the next pushes, in order; a push with none queued is accepted.
    pub push_answers: VecDeque<ExecOutput>,
    /// A push of more actions than this fails as too heavy (deadline exceeded).
    pub max_actions: Option<usize>,
    /// `cleos set contract` calls, as (account, folder).
    pub deployments: Vec<(String, String)>,
    /// Contracts the image carries beyond the required ones (`eosio.boot`).
    pub image_extra: Vec<&'static str>,
    /// The actions the image's eosio.system ABI declares (a 1.x-era contract unless set).
    pub system_actions: Vec<&'static str>,
    /// The actions the image's eosio.bios ABI declares (`setfinalizer` in a 3.x bios).
    pub bios_actions: Vec<&'static str>,
    /// Protocol features: those the node supports (digest, codename) and those active.
    pub supported: Vec<(String, String)>,
    pub activated: Vec<String>,
    /// The active schedule: its version and producers.
    pub schedule: (u64, Vec<String>),
    /// How many producers the system contract proposed, where no voted schedule is active yet
    /// (0: none; a voted schedule active counts as proposed).
    pub proposed: usize,
    /// The `producers` table: who `regproducer` registered.
    pub producers: Vec<String>,
    /// The `finalizers` table: producer and its registered BLS key.
    pub finalizers: BTreeMap<String, String>,
    /// The next this many `regfinkey`s are accepted but dropped (a busy producer's).
    pub drop_regfinkeys: usize,
    /// The next this many `switchtosvnn`s are refused as if the contract counted too few keys.
    pub refuse_switch: usize,
    /// Whether the node knows `get_finalizer_info` (Spring); the active policy once switched.
    pub spring: bool,
    pub policy: Option<Vec<(String, String)>>,
    /// How many more `get_finalizer_info` asks answer no active policy though one is set (the
    /// blocks of a switch to Savanna); set from `transition_asks` by `setfinalizer`.
    pub pending_policy_asks: usize,
    pub transition_asks: usize,
    /// `get_finalizer_info` asks answered.
    pub finalizer_info_asks: usize,
    /// How far LIB trails the head before Savanna.
    pub lib_lag: u64,
}

/// The hash the fake image gives a contract's wasm.
pub fn image_hash(contract: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(contract.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn ok(stdout: impl Into<String>) -> ExecOutput {
    ExecOutput { code: 0, stdout: stdout.into(), stderr: String::new() }
}

pub fn failed(stderr: &str) -> ExecOutput {
    ExecOutput { code: 1, stdout: String::new(), stderr: stderr.into() }
}

pub const TOO_HEAVY: &str = "Error 3080006: Transaction took too long";
pub const TRANSIENT: &str =
    "Error 3080005: Transaction CPU usage is too much for the remaining allowable usage of the current block";
pub const ASSERTION: &str = "Error 3050003: eosio_assert_message assertion failure";

impl Chain {
    /// A fresh chain: eosio and nothing else.
    pub fn fresh() -> Self {
        let mut c = Chain {
            head: 10,
            system_actions: vec!["newaccount", "regproducer", "voteproducer"],
            bios_actions: vec!["activate", "setprods"],
            schedule: (0, vec!["eosio".into()]),
            lib_lag: 2,
            ..Default::default()
        };
        c.accounts.insert("eosio".into(), true);
        c
    }

    fn answer(&mut self, path: &str, body: &Value) -> (u16, Value) {
        self.head += 1;
        let name = body["account_name"].as_str().unwrap_or_default().to_string();
        match path {
            "chain/get_info" => {
                let lag = if self.policy.is_some() { 2 } else { self.lib_lag };
                (
                    200,
                    json!({"chain_id": "00", "head_block_num": self.head, "last_irreversible_block_num": self.head.saturating_sub(lag),
                           "head_block_producer": "eosio", "head_block_time": "2026-11-24T05:21:09.000"}),
                )
            }
            "producer/get_supported_protocol_features" => (
                200,
                Value::Array(
                    self.supported
                        .iter()
                        .map(|(d, name)| {
                            json!({"feature_digest": d, "dependencies": [],
                            "specification": [{"name": "builtin_feature_codename", "value": name}]})
                        })
                        .collect(),
                ),
            ),
            "chain/get_activated_protocol_features" => {
                let list: Vec<Value> = self.activated.iter().map(|d| json!({"feature_digest": d})).collect();
                (200, json!({"activated_protocol_features": list}))
            }
            "producer/schedule_protocol_feature_activations" => {
                self.activated.push(crate::chain::system::PREACTIVATE_FEATURE.into());
                (200, json!({"result": "ok"}))
            }
            "chain/get_producer_schedule" => {
                let producers: Vec<Value> = self.schedule.1.iter().map(|p| json!({"producer_name": p})).collect();
                (200, json!({"active": {"version": self.schedule.0, "producers": producers}}))
            }
            "chain/get_table_rows" if body["table"] == "producers" => {
                let rows: Vec<Value> = self
                    .producers
                    .iter()
                    .map(|p| {
                        json!({"owner": p, "total_votes": "0.0", "is_active": 1, "unpaid_blocks": 0,
                                    "last_claim_time": "1970-01-01T00:00:00.000"})
                    })
                    .collect();
                (200, json!({"rows": rows, "more": false, "next_key": ""}))
            }
            "chain/get_table_rows" if body["table"] == "global" => {
                let size = if self.schedule.0 > 0 { self.schedule.1.len() } else { self.proposed };
                let activated = if size > 0 { "2026-12-07T09:00:00.000" } else { "1970-01-01T00:00:00.000" };
                let row = json!({"thresh_activated_stake_time": activated, "last_producer_schedule_size": size});
                (200, json!({"rows": [row], "more": false, "next_key": ""}))
            }
            "chain/get_table_rows" if body["table"] == "finalizers" => {
                let rows: Vec<Value> = self.finalizers.keys().map(|n| json!({"finalizer_name": n})).collect();
                (200, json!({"rows": rows, "more": false, "next_key": ""}))
            }
            "chain/get_finalizer_info" if self.spring => {
                self.finalizer_info_asks += 1;
                let switching = self.pending_policy_asks > 0;
                self.pending_policy_asks = self.pending_policy_asks.saturating_sub(1);
                let policy = self.policy.as_ref().filter(|_| !switching).map(|p| {
                    let finalizers: Vec<Value> =
                        p.iter().map(|(n, k)| json!({"description": n, "weight": 1, "public_key": k})).collect();
                    json!({"generation": 1, "threshold": p.len() * 2 / 3 + 1, "finalizers": finalizers})
                });
                (200, json!({"active_finalizer_policy": policy, "pending_finalizer_policy": null}))
            }
            "chain/get_account" if self.accounts.contains_key(&name) => (
                200,
                json!({"account_name": name, "privileged": self.accounts[&name], "ram_quota": -1, "ram_usage": 0,
                       "permissions": [], "self_delegated_bandwidth": null}),
            ),
            "chain/get_account" => (500, json!({"error": {"name": "account_query_exception", "what": "unknown key"}})),
            // Every account has a row of `userres` in its scope (eosio's own included: the fake
            // does not tell the accounts made before the system contract).
            "chain/get_table_by_scope" if body["code"] == "eosio" && body["table"] == "userres" => {
                let lower = body["lower_bound"].as_str().unwrap_or_default();
                let limit = body["limit"].as_u64().unwrap_or(10) as usize;
                let mut names: Vec<&String> = self.accounts.keys().filter(|n| n.as_str() >= lower).collect();
                names.sort();
                let more = names.get(limit).map_or(String::new(), |n| n.to_string());
                let rows: Vec<Value> = names
                    .iter()
                    .take(limit)
                    .map(|n| json!({"code": "eosio", "scope": n, "table": "userres", "payer": n, "count": 1}))
                    .collect();
                (200, json!({"rows": rows, "more": more}))
            }
            "chain/get_code_hash" => {
                (200, json!({"account_name": name, "code_hash": self.code.get(&name).map_or(NO_CODE, |h| h)}))
            }
            "chain/get_currency_stats" => match &self.supply {
                Some(s) => {
                    (200, json!({"SYS": {"supply": s, "max_supply": "10000000000.0000 SYS", "issuer": "eosio"}}))
                }
                None => (200, json!({})),
            },
            other => (404, json!({"error": format!("the fake node does not know {other}")})),
        }
    }

    fn push(&mut self, trx: &Value) -> ExecOutput {
        let actions = trx["actions"].as_array().cloned().unwrap_or_default();
        self.pushes.push(
            actions
                .iter()
                .map(|a| format!("{}::{}", a["account"].as_str().unwrap(), a["name"].as_str().unwrap()))
                .collect(),
        );
        if let Some(answer) = self.push_answers.pop_front() {
            if !answer.success() {
                return answer;
            }
        }
        if self.max_actions.is_some_and(|m| actions.len() > m) {
            return failed(TOO_HEAVY);
        }
        for a in &actions {
            let data = &a["data"];
            match (a["account"].as_str().unwrap(), a["name"].as_str().unwrap()) {
                ("eosio", "newaccount") => {
                    self.accounts.insert(data["name"].as_str().unwrap().into(), false);
                }
                ("eosio.token", "create") => self.supply = Some("0.0000 SYS".into()),
                ("eosio.token", "issue") => self.supply = Some(data["quantity"].as_str().unwrap().into()),
                ("eosio", "activate") => self.activated.push(data["feature_digest"].as_str().unwrap().into()),
                ("eosio", "regproducer") => self.producers.push(data["producer"].as_str().unwrap().into()),
                ("eosio", "regfinkey") if self.drop_regfinkeys > 0 => self.drop_regfinkeys -= 1,
                ("eosio", "regfinkey") => {
                    let (name, key) =
                        (data["finalizer_name"].as_str().unwrap(), data["finalizer_key"].as_str().unwrap());
                    self.finalizers.insert(name.into(), key.into());
                }
                ("eosio", "setfinalizer") => {
                    self.pending_policy_asks = self.transition_asks;
                    let finalizers = data["finalizer_policy"]["finalizers"].as_array().unwrap();
                    self.policy = Some(
                        finalizers
                            .iter()
                            .map(|f| {
                                (f["description"].as_str().unwrap().into(), f["public_key"].as_str().unwrap().into())
                            })
                            .collect(),
                    );
                }
                ("eosio", "switchtosvnn") => {
                    let has = self.schedule.1.iter().filter(|p| self.finalizers.contains_key(*p)).count();
                    if self.refuse_switch > 0 || has < self.schedule.1.len() {
                        self.refuse_switch = self.refuse_switch.saturating_sub(1);
                        return failed(&format!(
                            "{ASSERTION}: not enough top producers have registered finalizer keys, has {}, require {}",
                            has.min(self.schedule.1.len() - 1),
                            self.schedule.1.len()
                        ));
                    }
                    self.policy =
                        Some(self.schedule.1.iter().map(|p| (p.clone(), self.finalizers[p].clone())).collect());
                }
                _ => {}
            }
        }
        ok("")
    }

    /// Answers one exec, or `None` for an exec this fake node does not know.
    fn exec(&mut self, call: &ExecCall) -> Option<ExecOutput> {
        let cmd = &call.cmd;
        let stdin = call.stdin.as_deref().map(|s| String::from_utf8_lossy(s).into_owned()).unwrap_or_default();
        if cmd.first().map(String::as_str) == Some("curl") {
            if cmd.iter().any(|c| c == "-K") {
                return Some(ok(self.curl_many(&stdin)));
            }
            let url = cmd.last().unwrap();
            let path = url.split("/v1/").nth(1).unwrap();
            let body: Value = serde_json::from_str(&stdin).unwrap_or(Value::Null);
            let (status, answer) = self.answer(path, &body);
            return Some(ok(format!("{answer}\n{status}")));
        }
        // Requests sent at once (`client::at_once_script`): each curl's config is a here-document;
        // their outputs come out in order, as one curl's would.
        if cmd.len() == 2 && cmd[0] == "sh" && cmd[1] == "-s" && stdin.contains("curl -K -") {
            let configs: Vec<&str> = stdin
                .split("<<'LAB_REQUEST_")
                .skip(1)
                .filter_map(|part| part.split_once("' &\n").map(|(_, rest)| rest))
                .filter_map(|rest| rest.split("LAB_REQUEST_").next())
                .collect();
            return Some(ok(self.curl_many(&configs.join("next\n"))));
        }
        let script = cmd.join(" ");
        if script.contains("sha256sum") && script.contains("*/*.wasm") {
            let lines: Vec<String> = ["eosio.bios", "eosio.system"]
                .iter()
                .chain(ACCOUNT_CONTRACTS)
                .chain(self.image_extra.iter())
                .map(|c| format!("{}  {}", image_hash(c), wasm_path(c)))
                .collect();
            return Some(ok(lines.join("\n")));
        }
        for (abi, actions) in [("eosio.system.abi", &self.system_actions), ("eosio.bios.abi", &self.bios_actions)] {
            if script.contains("cat ") && script.contains(abi) {
                let actions: Vec<Value> = actions.iter().map(|a| json!({"name": a, "type": a})).collect();
                return Some(ok(json!({"version": "eosio::abi/1.2", "actions": actions}).to_string()));
            }
        }
        if script.contains("push transaction") {
            return Some(self.push(&serde_json::from_str(&stdin).unwrap()));
        }
        if let Some(i) = cmd.iter().position(|c| c == "contract") {
            let (account, dir) = (cmd[i + 3].clone(), cmd[i + 4].clone());
            let contract = dir.rsplit('/').next().unwrap().to_string();
            self.code.insert(account.clone(), image_hash(&contract));
            self.deployments.push((account, dir));
            return Some(ok(""));
        }
        None
    }

    fn curl_many(&mut self, config: &str) -> String {
        let mut out = String::new();
        for request in config.split("next\n") {
            let field = |key: &str| {
                request.lines().find_map(|l| l.strip_prefix(&format!("{key} = \""))).map(|v| v.trim_end_matches('"'))
            };
            let url = field("url").unwrap();
            let data = field("data-binary").unwrap().replace("\\\"", "\"").replace("\\\\", "\\");
            let (status, answer) =
                self.answer(url.split("/v1/").nth(1).unwrap(), &serde_json::from_str(&data).unwrap());
            out.push_str(&format!("{answer}\n\n@@antelope-lab@@{status}\n"));
        }
        out
    }
}

/// Puts `chain` behind `rt`'s execs; returns the shared chain to inspect.
pub fn serve(rt: &FakeRuntime, chain: Chain) -> Arc<Mutex<Chain>> {
    let chain = Arc::new(Mutex::new(chain));
    let served = chain.clone();
    rt.on_exec(move |call| served.lock().unwrap().exec(call));
    chain
}
