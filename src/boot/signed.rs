//! Transactions packed and signed here and sent to the genesis node's API, where the lab
//! publishes it on this host ([`crate::client::direct_url`]): no exec, no cleos and no keosd
//! round trips for a push. The chain decides as it would for cleos: the keys are the ones it
//! asks for (`get_required_keys`, offered the keys the boot's wallet holds), the data is packed by
//! the contract's ABI as the chain has it (the native actions by their built-in types), and a
//! refusal reads as cleos prints it, for the retry rules ([`super::retry`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::sync::Mutex;

use super::error::Failure;
use super::push::Action;
use crate::chain::abi::{public_key_k1, Abi, NATIVE_ACTIONS};
use crate::chain::answers::parse_block_time;
use crate::chain::transaction::{decode_hex, encode_hex, packed_trx_json, PermissionLevel, Transaction};
use crate::client::{ApiError, Chain};
use crate::keys::KeyPair;

/// How long a transaction is valid for, from the head block's time, as cleos gives it.
const EXPIRATION_SECS: i64 = 30;

/// The keys a boot signs with, and the contracts' ABIs it has read (kept across its steps).
pub struct Signing {
    keys: Vec<KeyPair>,
    /// Account → (its code hash, the ABI read with that code): a contract set again is read again.
    abis: Mutex<HashMap<String, (String, Arc<Abi>)>>,
}

/// Why a transaction was not taken.
pub enum SendError {
    /// The node answered with an error: as cleos prints it (`Error 3080004: …`).
    Refused(String),
    /// Anything else: the node did not answer, a contract's ABI does not pack the data, ….
    Failure(Failure),
}

impl From<ApiError> for SendError {
    fn from(e: ApiError) -> Self {
        SendError::Failure(e.into())
    }
}

impl Signing {
    pub fn new(keys: Vec<KeyPair>) -> Self {
        Signing { keys, abis: Mutex::new(HashMap::new()) }
    }

    /// Packs, signs and sends one transaction of `actions`; returns once the node has run it.
    pub async fn send(&self, chain: &Chain<'_>, actions: &[Action]) -> Result<(), SendError> {
        let info = chain.info().await?;
        let packed_actions = self.pack_actions(chain, actions).await.map_err(SendError::Failure)?;
        let head_ms = parse_block_time(&info.head_block_time).ok_or_else(|| {
            SendError::Failure(Failure::chain(format!("a head block time {:?}", info.head_block_time)))
        })?;
        // From the head block's time, as cleos counts. A chain just made has only the genesis
        // block, whose time is the genesis file's (years ago): the block that will hold the
        // transaction is made now. The node runs on this host (its API is published here), so
        // this host's clock is its clock.
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        let expiration = (head_ms.max(now_ms) / 1000 + EXPIRATION_SECS) as u32;
        let (ref_block_num, ref_block_prefix) =
            Transaction::tapos(&info.last_irreversible_block_id).map_err(|e| SendError::Failure(Failure::chain(e)))?;
        let trx = Transaction {
            expiration,
            ref_block_num,
            ref_block_prefix,
            max_net_usage_words: 0,
            max_cpu_usage_ms: 0,
            delay_sec: 0,
            context_free_actions: Vec::new(),
            actions: packed_actions,
        };
        let packed = trx.pack().map_err(|e| SendError::Failure(Failure::chain(e)))?;
        let chain_id: [u8; 32] = decode_hex(&info.chain_id)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| SendError::Failure(Failure::chain(format!("a chain id {:?}", info.chain_id))))?;
        let digest = Transaction::signing_digest(&chain_id, &packed);
        let mut signatures = Vec::new();
        for key in self.required_keys(chain, &trx).await? {
            let signer = key.signer().map_err(|e| SendError::Failure(Failure::chain(e.to_string())))?;
            signatures.push(signer.sign(&digest));
        }
        match chain.node.call_within("chain/send_transaction", &packed_trx_json(&signatures, &packed), 30).await {
            Ok(_) => Ok(()),
            Err(ApiError::Status { body, .. }) => Err(SendError::Refused(as_cleos_prints(&body))),
            Err(e @ ApiError::Unreachable { .. }) => Err(SendError::Refused(format!("Failed to connect: {e}"))),
            Err(e) => Err(e.into()),
        }
    }

    /// Each action with its data packed: a native action of `eosio` by the chain's own types,
    /// any other by its contract's ABI.
    async fn pack_actions(
        &self,
        chain: &Chain<'_>,
        actions: &[Action],
    ) -> Result<Vec<crate::chain::transaction::Action>, Failure> {
        let mut out = Vec::with_capacity(actions.len());
        for a in actions {
            let native = a.account == "eosio" && NATIVE_ACTIONS.contains(&a.name.as_str());
            let abi = if native { None } else { Some(self.abi(chain, &a.account).await?) };
            let abi = abi.as_deref().unwrap_or(Abi::native());
            let data = abi
                .pack_action(&a.name, &a.data)
                .map_err(|e| Failure::chain(format!("{}::{}: {e}", a.account, a.name)))?;
            let authorization = a
                .authorization
                .iter()
                .map(|level| PermissionLevel {
                    actor: level["actor"].as_str().unwrap_or_default().to_string(),
                    permission: level["permission"].as_str().unwrap_or_default().to_string(),
                })
                .collect();
            out.push(crate::chain::transaction::Action {
                account: a.account.clone(),
                name: a.name.clone(),
                authorization,
                data,
            });
        }
        Ok(out)
    }

    /// The ABI the chain holds for `account`'s contract, read again once its code changed.
    async fn abi(&self, chain: &Chain<'_>, account: &str) -> Result<Arc<Abi>, Failure> {
        let code = chain.code_hash(account).await?;
        if let Some((hash, abi)) = self.abis.lock().await.get(account) {
            if *hash == code {
                return Ok(abi.clone());
            }
        }
        let answer = chain.node.call("chain/get_abi", &json!({ "account_name": account })).await?;
        if answer["abi"].is_null() {
            return Err(Failure::chain(format!("{account} has no ABI on the chain")));
        }
        let abi =
            Arc::new(Abi::from_json(&answer["abi"]).map_err(|e| Failure::chain(format!("{account}'s ABI: {e}")))?);
        self.abis.lock().await.insert(account.to_string(), (code, abi.clone()));
        Ok(abi)
    }

    /// The keys the chain asks for, of those the boot holds, as cleos asks its wallet's.
    async fn required_keys(&self, chain: &Chain<'_>, trx: &Transaction) -> Result<Vec<&KeyPair>, SendError> {
        let actions: Vec<Value> = trx
            .actions
            .iter()
            .map(|a| {
                let authorization: Vec<Value> =
                    a.authorization.iter().map(|l| json!({"actor": l.actor, "permission": l.permission})).collect();
                json!({"account": a.account, "name": a.name, "authorization": authorization, "data": encode_hex(&a.data)})
            })
            .collect();
        let expiration = chrono::DateTime::from_timestamp(i64::from(trx.expiration), 0)
            .map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string())
            .unwrap_or_default();
        let body = json!({
            "transaction": {
                "expiration": expiration,
                "ref_block_num": trx.ref_block_num,
                "ref_block_prefix": trx.ref_block_prefix,
                "max_net_usage_words": 0,
                "max_cpu_usage_ms": 0,
                "delay_sec": 0,
                "context_free_actions": [],
                "actions": actions,
                "transaction_extensions": [],
            },
            "available_keys": self.keys.iter().map(|k| k.public.as_str()).collect::<Vec<_>>(),
        });
        let answer = match chain.node.call("chain/get_required_keys", &body).await {
            Ok(answer) => answer,
            // Authority the keys do not satisfy is the chain's answer, as cleos reports it.
            Err(ApiError::Status { body, .. }) => return Err(SendError::Refused(as_cleos_prints(&body))),
            Err(e) => return Err(e.into()),
        };
        let required = answer["required_keys"].as_array().cloned().unwrap_or_default();
        let mut keys = Vec::new();
        for r in required {
            // The node may write a key in either format (`EOS…`, `PUB_K1_…`): compared as bytes.
            let wanted = r.as_str().and_then(|t| public_key_k1(t).ok());
            let key = self.keys.iter().find(|k| wanted.is_some() && public_key_k1(&k.public).ok() == wanted);
            match key {
                Some(k) if !keys.iter().any(|x: &&KeyPair| x.public == k.public) => keys.push(k),
                Some(_) => {}
                None => {
                    return Err(SendError::Failure(Failure::chain(format!(
                        "the chain asks for a key the boot does not hold: {r}"
                    ))))
                }
            }
        }
        Ok(keys)
    }
}

/// A nodeos error answer (`{"code":500,"error":{"code":3050003,"what":…,"details":[…]}}`) as cleos
/// prints it: `Error 3050003: eosio_assert_message assertion failure` and the details' messages.
pub fn as_cleos_prints(body: &str) -> String {
    let v: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => return body.to_string(),
    };
    let error = &v["error"];
    let mut out = format!(
        "Error {}: {}",
        error["code"].as_i64().map_or_else(|| "?".to_string(), |c| c.to_string()),
        error["what"].as_str().or_else(|| v["message"].as_str()).unwrap_or("(no message)")
    );
    let details: Vec<&str> = error["details"]
        .as_array()
        .map(|d| d.iter().filter_map(|x| x["message"].as_str()).collect())
        .unwrap_or_default();
    if !details.is_empty() {
        out.push_str("\nError Details:\n");
        out.push_str(&details.join("\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex as StdMutex;

    use super::*;
    use crate::chain::asset::Symbol;
    use crate::chain::transaction::transfer_data;
    use crate::runtime::fake::FakeRuntime;
    use crate::runtime::ExecOutput;

    const CHAIN_ID: &str = "cf057bbfb72640471fd910bcb67639c22df9f92470936cddc1ade0e2f2e7dc4f";

    fn info(head: u64, time: &str) -> Value {
        json!({"chain_id": CHAIN_ID, "head_block_num": head, "last_irreversible_block_num": head,
            "head_block_producer": "eosio", "head_block_time": time, "server_version_string": "v1",
            "last_irreversible_block_id": format!("{head:08x}{}", "ab".repeat(28))})
    }

    /// What the fake node was asked, and what it answers.
    #[derive(Default)]
    struct Node {
        info: Value,
        code_hash: String,
        abi_asks: usize,
        required: Vec<String>,
        sent: Vec<Value>,
        refuse_with: Option<String>,
    }

    /// A node on loopback answering the calls a signed push makes, from `node`.
    async fn serve(node: Arc<StdMutex<Node>>) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let node = node.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    loop {
                        // One whole request: the headers, then content-length bytes.
                        let (path, body) = loop {
                            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                let head = String::from_utf8_lossy(&buf[..end]).to_string();
                                let len: usize = head
                                    .lines()
                                    .find_map(|l| {
                                        l.to_ascii_lowercase()
                                            .strip_prefix("content-length:")
                                            .map(|v| v.trim().parse().unwrap())
                                    })
                                    .unwrap_or(0);
                                if buf.len() >= end + 4 + len {
                                    let body: Value =
                                        serde_json::from_slice(&buf[end + 4..end + 4 + len]).unwrap_or(Value::Null);
                                    let path = head.split_whitespace().nth(1).unwrap().to_string();
                                    buf.drain(..end + 4 + len);
                                    break (path, body);
                                }
                            }
                            let mut chunk = vec![0u8; 65536];
                            match socket.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let (status, answer) = {
                            let mut n = node.lock().unwrap();
                            match path.as_str() {
                                "/v1/chain/get_info" => (200, n.info.clone()),
                                "/v1/chain/get_code_hash" => {
                                    (200, json!({"account_name": body["account_name"], "code_hash": n.code_hash}))
                                }
                                "/v1/chain/get_abi" => {
                                    n.abi_asks += 1;
                                    (
                                        200,
                                        json!({"account_name": body["account_name"], "abi": {"structs": [{"name": "transfer", "base": "", "fields": [
                                        {"name": "from", "type": "name"}, {"name": "to", "type": "name"},
                                        {"name": "quantity", "type": "asset"}, {"name": "memo", "type": "string"}]}],
                                        "actions": [{"name": "transfer", "type": "transfer"}]}}),
                                    )
                                }
                                "/v1/chain/get_required_keys" => (200, json!({"required_keys": n.required})),
                                "/v1/chain/send_transaction" => match n.refuse_with.clone() {
                                    Some(error) => (500, serde_json::from_str(&error).unwrap()),
                                    None => {
                                        n.sent.push(body);
                                        (202, json!({"transaction_id": "00"}))
                                    }
                                },
                                _ => (404, json!({})),
                            }
                        };
                        let text = answer.to_string();
                        let reply = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
                            text.len()
                        );
                        if socket.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        port
    }

    #[tokio::test]
    async fn a_push_is_packed_by_the_abis_signed_by_the_keys_the_chain_asks_for_and_sent_without_an_exec() {
        let eosio = KeyPair::derive("signed-test", "eosio");
        let user = KeyPair::derive("signed-test", "user");
        let other = KeyPair::derive("signed-test", "other");
        // A chain just made: its head is the genesis block, from 2018.
        let node = Arc::new(StdMutex::new(Node {
            info: info(1, "2018-06-01T12:00:00.000"),
            code_hash: "11".repeat(32),
            required: vec![eosio.public.clone(), user.public.clone()],
            ..Node::default()
        }));
        let port = serve(node.clone()).await;
        let rt = FakeRuntime::new();
        rt.run_plain("n").await;
        let inside = info(1, "2018-06-01T12:00:00.000").to_string();
        rt.on_exec(move |call| {
            call.cmd.last().is_some_and(|u| u.ends_with("chain/get_info")).then(|| ExecOutput {
                code: 0,
                stdout: format!("{inside}\n200"),
                stderr: String::new(),
            })
        });
        rt.set_publishes_here(true);
        let direct = crate::client::direct_url(&rt, "n", port).await.expect("the node answers on loopback");
        let chain = Chain::reached_at(&rt, "n", Some(direct));
        let signing = Signing::new(vec![eosio.clone(), user.clone(), other.clone()]);
        let auth = json!({"threshold": 1, "keys": [{"key": eosio.public, "weight": 1}], "accounts": [], "waits": []});
        let actions = vec![
            Action::newaccount("alice", &eosio.public),
            Action::new(
                "eosio.token",
                "transfer",
                "bob",
                json!({"from": "bob", "to": "alice", "quantity": "1.0000 SYS", "memo": "m"}),
            ),
        ];
        let execs = rt.execs().len();
        let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as u32;
        assert!(signing.send(&chain, &actions).await.is_ok());
        assert_eq!(rt.execs().len(), execs, "no exec");

        let sent = node.lock().unwrap().sent[0].clone();
        let packed = decode_hex(sent["packed_trx"].as_str().unwrap()).unwrap();
        // Expiration from this host's clock, not the genesis block's 2018 (it would have expired).
        let expiration = u32::from_le_bytes(packed[..4].try_into().unwrap());
        assert!((before + 29..=before + 32).contains(&expiration), "{expiration} against {before}");
        let newaccount = json!({"creator": "eosio", "name": "alice", "owner": auth, "active": auth});
        let trx = Transaction {
            expiration,
            ref_block_num: 1,
            ref_block_prefix: u32::from_le_bytes([0xab; 4]),
            max_net_usage_words: 0,
            max_cpu_usage_ms: 0,
            delay_sec: 0,
            context_free_actions: Vec::new(),
            actions: vec![
                crate::chain::transaction::Action {
                    account: "eosio".into(),
                    name: "newaccount".into(),
                    authorization: vec![PermissionLevel { actor: "eosio".into(), permission: "active".into() }],
                    data: Abi::native().pack_action("newaccount", &newaccount).unwrap(),
                },
                crate::chain::transaction::Action {
                    account: "eosio.token".into(),
                    name: "transfer".into(),
                    authorization: vec![PermissionLevel { actor: "bob".into(), permission: "active".into() }],
                    data: transfer_data("bob", "alice", 10_000, &Symbol::parse_code("SYS", 4).unwrap(), "m").unwrap(),
                },
            ],
        };
        assert_eq!(packed, trx.pack().unwrap());
        // Signed by the keys asked for, in that order, and no other.
        let chain_id: [u8; 32] = decode_hex(CHAIN_ID).unwrap().try_into().unwrap();
        let digest = Transaction::signing_digest(&chain_id, &packed);
        let expected: Vec<String> = [&eosio, &user].iter().map(|k| k.signer().unwrap().sign(&digest)).collect();
        assert_eq!(sent["signatures"], json!(expected));

        // The ABI is read again only once the contract's code changed.
        signing.send(&chain, &actions).await.ok();
        assert_eq!(node.lock().unwrap().abi_asks, 1);
        node.lock().unwrap().code_hash = "22".repeat(32);
        signing.send(&chain, &actions).await.ok();
        assert_eq!(node.lock().unwrap().abi_asks, 2);

        // A refusal reads as cleos prints it; a key the boot does not hold is named.
        node.lock().unwrap().refuse_with = Some(
            r#"{"code":500,"error":{"code":3050003,"what":"eosio_assert_message assertion failure","details":[{"message":"assertion failure with message: overdrawn balance"}]}}"#.into(),
        );
        match signing.send(&chain, &actions).await {
            Err(SendError::Refused(text)) => {
                assert!(text.starts_with("Error 3050003") && text.contains("overdrawn balance"), "{text}")
            }
            _ => panic!("not refused"),
        }
        let stranger = KeyPair::derive("signed-test", "stranger");
        node.lock().unwrap().required = vec![stranger.public.clone()];
        match signing.send(&chain, &actions).await {
            Err(SendError::Failure(f)) => assert!(f.to_string().contains(&stranger.public), "{f}"),
            _ => panic!("a key the boot does not hold"),
        }
    }

    #[test]
    fn a_refusal_reads_as_cleos_prints_it_for_the_retry_rules() {
        let body = r#"{"code":500,"message":"Internal Service Error","error":{"code":3080004,"name":"tx_cpu_usage_exceeded","what":"Transaction exceeded the current CPU usage limit imposed on the transaction","details":[{"message":"billed CPU time (1200 us) is greater than the maximum billable CPU time for the transaction (1000 us)","file":"x.cpp","line_number":1,"method":"m"}]}}"#;
        let text = as_cleos_prints(body);
        assert_eq!(
            text,
            "Error 3080004: Transaction exceeded the current CPU usage limit imposed on the transaction\nError Details:\nbilled CPU time (1200 us) is greater than the maximum billable CPU time for the transaction (1000 us)"
        );
        assert_eq!(super::super::retry::classify(&text), super::super::retry::Verdict::TooHeavy);
        let assert = r#"{"code":500,"error":{"code":3050003,"what":"eosio_assert_message assertion failure","details":[{"message":"assertion failure with message: can be run only once"}]}}"#;
        assert!(as_cleos_prints(assert).contains("can be run only once"));
        assert_eq!(as_cleos_prints("not json"), "not json");
    }
}
