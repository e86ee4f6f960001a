//! Asks a node's HTTP API from inside its own container (`curl` through `docker exec`), so that
//! nodes need no published port to be queried; or, where the node's API is published on this
//! host and found answering there ([`direct_url`]), straight over HTTP: an exec costs tens of
//! milliseconds, a request on a kept-alive connection a fraction of one.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub(crate) use crate::chain::answers::ChainInfo;

mod coalesce;
pub(crate) mod http;
mod query;
pub(crate) use coalesce::coalesced;
pub(crate) use query::Chain;

use crate::plan::HTTP_PORT;
use crate::runtime::{ExecOutput, Runtime, RuntimeError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("{container}: {path} did not answer: {detail}")]
    Unreachable { container: String, path: String, detail: String },
    #[error("{container}: {path} answered HTTP {status}: {body}")]
    Status { container: String, path: String, status: u16, body: String },
    #[error("{container}: {path} answered something that is not JSON: {body}")]
    NotJson { container: String, path: String, body: String },
    #[error("{container}: {path} answered JSON of an unexpected shape ({detail}): {body}")]
    Shape { container: String, path: String, detail: String, body: String },
}

impl ApiError {
    /// Whether the node answered that the thing asked for does not exist (an account, a table
    /// the contract's ABI does not declare yet, a token not created yet).
    pub fn is_not_found(&self) -> bool {
        match self {
            ApiError::Status { status: 400 | 500, body, .. } => NOT_FOUND.iter().any(|m| body.contains(m)),
            _ => false,
        }
    }

    /// Whether the node knows no such call (a Leap nodeos asked Spring's `get_finalizer_info`).
    pub fn is_unknown_call(&self) -> bool {
        matches!(self, ApiError::Status { status: 404, .. }) || self.is_not_found()
    }
}

/// How nodeos says "no such thing" in an error body.
const NOT_FOUND: &[&str] = &[
    "unknown key",
    "account_query_exception",
    "is not specified in the ABI",
    "contract_table_query_exception",
    "abi_not_found_exception",
    "No ABI found",
    "symbol does not exist",
];

/// Whether one answer of [`NodeClient::call_many`] says "no such thing".
pub fn answer_is_not_found(status: u16, body: &Value) -> bool {
    matches!(status, 400 | 500) && {
        let text = body.to_string();
        NOT_FOUND.iter().any(|m| text.contains(m))
    }
}

/// How long a call is given to answer, unless it says otherwise.
const CALL_SECS: u64 = 10;

/// Separates answers in a `call_many` stream.
const SEP: &str = "@@antelope-lab@@";

/// One request of a curl config (`curl -K`): a POST of `body` to `url`, its answer followed by a
/// line of [`SEP`] and the HTTP status, given at most `max_time` seconds. Pure.
fn curl_config(url: &str, body: &Value, max_time: u64) -> String {
    let data = body.to_string().replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "url = \"{url}\"\nrequest = \"POST\"\ndata-binary = \"{data}\"\nwrite-out = \"\\n{SEP}%{{http_code}}\\n\"\nsilent\nshow-error\nconnect-timeout = 1\nmax-time = {max_time}\n"
    )
}

/// A POSIX shell script that runs one curl per config at once, each writing to a file of its own
/// in a temporary folder, then prints the files in order and removes the folder. The configs are
/// here-documents with quoted delimiters: the shell expands nothing in them. Pure.
fn at_once_script(configs: &[String]) -> String {
    let mut script = String::from("d=$(mktemp -d) || exit 1\n");
    for (i, config) in configs.iter().enumerate() {
        script.push_str(&format!("curl -K - > \"$d/{i}\" <<'LAB_REQUEST_{i}' &\n{config}LAB_REQUEST_{i}\n"));
    }
    let files: Vec<String> = (0..configs.len()).map(|i| format!("\"$d/{i}\"")).collect();
    script.push_str(&format!("wait\ncat {}\nrm -rf \"$d\"\n", files.join(" ")));
    script
}

/// `get_info` of each node, asked in its own container (one exec each, at once); `None` for a
/// node that does not answer. What an observer uses: a partition, delay or loss on the lab network
/// changes the answers, not whether they come.
pub async fn infos_through_engine(rt: &dyn Runtime, containers: &[String]) -> Vec<Option<ChainInfo>> {
    futures::future::join_all(containers.iter().map(|c| async move { NodeClient::new(rt, c).get_info().await.ok() }))
        .await
}

/// The API of the node in `container` as published on this host at `port`, when it answers there
/// as the same node answers inside its container (same chain, same server): calls to it then
/// need no exec. `None` on an engine that does not run here ([`Runtime::publishes_here`]), or
/// when either does not answer (yet) or they differ: the calls then go through the engine.
pub async fn direct_url(rt: &dyn Runtime, container: &str, port: u16) -> Option<Direct> {
    if !rt.publishes_here() {
        return None;
    }
    let direct = Direct { base: format!("http://127.0.0.1:{port}"), http: http::Http::new() };
    let inside = NodeClient::new(rt, container);
    let empty = json!({});
    let (inside, here) = tokio::join!(inside.get_info(), direct.http.call(&direct.base, "/v1/chain/get_info", &empty));
    let (inside, here) = (inside.ok()?, here.ok()?);
    let same = here["chain_id"].as_str() == Some(inside.chain_id.as_str())
        && here["server_version_string"].as_str() == inside.server_version_string.as_deref();
    same.then_some(direct)
}

/// A node's API published on this host, and the connections kept alive to it.
#[derive(Clone)]
pub struct Direct {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    http: http::Http,
}

impl Direct {
    /// POSTs `body` to `/v1/<path>`: the HTTP status and the JSON answer.
    async fn post(&self, path: &str, body: &Value, secs: u64) -> Result<(u16, Value), http::HttpError> {
        let timeout = std::time::Duration::from_secs(secs);
        self.http.post(&self.base, &format!("/v1/{path}"), body.to_string().into_bytes(), timeout).await
    }
}

pub struct NodeClient<'a> {
    pub rt: &'a dyn Runtime,
    pub container: &'a str,
    /// `http://127.0.0.1:8888` for nodeos; keosd's address for the wallet API.
    pub base_url: String,
    /// The same API published on this host, when [`direct_url`] found it there: calls go to it
    /// over HTTP instead of through an exec.
    pub direct: Option<Direct>,
}

impl<'a> NodeClient<'a> {
    pub fn new(rt: &'a dyn Runtime, container: &'a str) -> Self {
        NodeClient { rt, container, base_url: format!("http://127.0.0.1:{HTTP_PORT}"), direct: None }
    }

    /// The node's API asked at `direct` (see [`direct_url`]) instead of through the engine.
    pub fn reached_at(mut self, direct: Option<Direct>) -> Self {
        self.direct = direct;
        self
    }

    /// POSTs `body` to `/v1/<path>` and returns the JSON answer. Inside [`coalesced`], sent
    /// together with the calls made beside it, unless the node is reached directly.
    pub async fn call(&self, path: &str, body: &Value) -> Result<Value, ApiError> {
        if let Some(direct) = &self.direct {
            return self.call_direct(direct, path, body, CALL_SECS).await;
        }
        let url = format!("{}/v1/{path}", self.base_url);
        match coalesce::call(self, url, body).await {
            Some(answer) => coalesce::read(self, path, answer),
            None => self.call_within(path, body, CALL_SECS).await,
        }
    }

    /// [`Self::call`] for a call that answers late (a snapshot answers once its block is
    /// irreversible), given `secs` to answer.
    pub async fn call_within(&self, path: &str, body: &Value, secs: u64) -> Result<Value, ApiError> {
        if let Some(direct) = &self.direct {
            return self.call_direct(direct, path, body, secs).await;
        }
        let url = format!("{}/v1/{path}", self.base_url);
        let secs = secs.to_string();
        let cmd: Vec<String> =
            ["curl", "-sS", "-m", &secs, "-X", "POST", "-w", "\n%{http_code}", "--data-binary", "@-", &url]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let out = self.rt.exec(self.container, &cmd, Some(body.to_string().into_bytes())).await?;
        self.parse(path, out)
    }

    /// One call over HTTP to the node's published API, read as an exec's answer is.
    async fn call_direct(&self, direct: &Direct, path: &str, body: &Value, secs: u64) -> Result<Value, ApiError> {
        let sent = direct.post(path, body, secs).await;
        let (container, path) = (self.container.to_string(), path.to_string());
        match sent {
            Ok((status, v)) if (200..300).contains(&status) => Ok(v),
            Ok((status, v)) => {
                Err(ApiError::Status { container, path, status, body: v.to_string().chars().take(2000).collect() })
            }
            Err(http::HttpError::NotJson(body)) => Err(ApiError::NotJson { container, path, body }),
            Err(e) => Err(ApiError::Unreachable { container, path, detail: format!("{}: {e}", direct.base) }),
        }
    }

    fn parse(&self, path: &str, out: ExecOutput) -> Result<Value, ApiError> {
        let err =
            |detail: String| ApiError::Unreachable { container: self.container.into(), path: path.into(), detail };
        if !out.success() {
            return Err(err(out.tail(2)));
        }
        let (body, status) = out.stdout.rsplit_once('\n').ok_or_else(|| err(out.stdout.clone()))?;
        let status: u16 = status.trim().parse().map_err(|_| err(out.stdout.clone()))?;
        if !(200..300).contains(&status) {
            return Err(ApiError::Status {
                container: self.container.into(),
                path: path.into(),
                status,
                body: body.chars().take(2000).collect(),
            });
        }
        serde_json::from_str(body).map_err(|_| ApiError::NotJson {
            container: self.container.into(),
            path: path.into(),
            body: body.chars().take(500).collect(),
        })
    }

    /// POSTs many bodies to one endpoint through one curl process (a config on stdin, one
    /// connection); returns `(HTTP status, JSON or Null)` per body, in order.
    pub async fn call_many(&self, path: &str, bodies: &[Value]) -> Result<Vec<(u16, Value)>, ApiError> {
        if let Some(direct) = &self.direct {
            // Side by side on the kept-alive connections; a request with no answer gets status 0.
            let sends = bodies.iter().map(|b| async move {
                direct.post(path, b, CALL_SECS).await.unwrap_or_else(|e| (0, Value::String(e.to_string())))
            });
            return Ok(futures::future::join_all(sends).await);
        }
        let url = format!("{}/v1/{path}", self.base_url);
        let requests: Vec<(String, Value)> = bodies.iter().map(|b| (url.clone(), b.clone())).collect();
        let (answers, out) = self.curl_many(&requests).await?;
        if !out.success() {
            return Err(ApiError::Unreachable {
                container: self.container.into(),
                path: path.into(),
                detail: out.tail(2),
            });
        }
        Ok(answers)
    }

    /// `get_info` of other nodes, asked from this container over the lab network in one exec,
    /// each by a curl of its own, at once, given `secs`; `None` for a node that does not answer
    /// (yet). For bringing a lab up, where one exec beats many; an observer uses
    /// [`infos_through_engine`], which no network fault comes between. Asked one after the other,
    /// nodes busy loading a snapshot on their main thread made each round as long as the sum of
    /// their waits (21 producers: `start-prod` 19 s in some runs, 9 s in others).
    pub async fn get_info_of(&self, containers: &[String], secs: u64) -> Result<Vec<Option<ChainInfo>>, ApiError> {
        let requests: Vec<(String, Value)> =
            containers.iter().map(|c| (format!("http://{c}:{HTTP_PORT}/v1/chain/get_info"), json!({}))).collect();
        let answers = self.call_urls_at_once(&requests, secs).await?;
        Ok(answers
            .into_iter()
            .map(|(status, v)| (200..300).contains(&status).then(|| serde_json::from_value(v).ok()).flatten())
            .collect())
    }

    /// One curl process for many requests, one after the other (curl's parallel mode interleaves
    /// the answers on stdout); a request that fails gets status 0.
    async fn curl_many(&self, requests: &[(String, Value)]) -> Result<(Vec<(u16, Value)>, ExecOutput), ApiError> {
        self.curl_many_within(requests, 30).await
    }

    /// POSTs each `(url, body)` in one curl process run in this container (URLs of other nodes
    /// over the lab network included), each request given at most `secs`: a paused node accepts a
    /// connection and never answers. Returns `(HTTP status, JSON or text)` per request, in order;
    /// status 0 for a request that got no answer.
    pub async fn call_urls(&self, requests: &[(String, Value)], secs: u64) -> Result<Vec<(u16, Value)>, ApiError> {
        Ok(self.curl_many_within(requests, secs).await?.0)
    }

    async fn curl_many_within(
        &self,
        requests: &[(String, Value)],
        max_time: u64,
    ) -> Result<(Vec<(u16, Value)>, ExecOutput), ApiError> {
        if requests.is_empty() {
            return Ok((vec![], ExecOutput { code: 0, stdout: String::new(), stderr: String::new() }));
        }
        let config: Vec<String> = requests.iter().map(|(url, body)| curl_config(url, body, max_time)).collect();
        let cmd: Vec<String> = ["curl", "-K", "-"].iter().map(|s| s.to_string()).collect();
        let out = self.rt.exec(self.container, &cmd, Some(config.join("next\n").into_bytes())).await?;
        self.answers(requests, out)
    }

    /// [`Self::call_urls`], every request sent at once, each by a curl of its own, so that a node
    /// busy on its main thread delays only its own answer. Returns the answers in order.
    pub async fn call_urls_at_once(
        &self,
        requests: &[(String, Value)],
        secs: u64,
    ) -> Result<Vec<(u16, Value)>, ApiError> {
        if requests.is_empty() {
            return Ok(vec![]);
        }
        let script =
            at_once_script(&requests.iter().map(|(url, body)| curl_config(url, body, secs)).collect::<Vec<_>>());
        // On standard input: an argument is limited to 128 KiB, and a lab of 300 nodes comes near.
        let cmd: Vec<String> = ["sh", "-s"].iter().map(|s| s.to_string()).collect();
        let out = self.rt.exec(self.container, &cmd, Some(script.into_bytes())).await?;
        Ok(self.answers(requests, out)?.0)
    }

    /// Reads the answers of `requests` from curl's output: each body followed by a line of
    /// [`SEP`] and its HTTP status.
    fn answers(
        &self,
        requests: &[(String, Value)],
        out: ExecOutput,
    ) -> Result<(Vec<(u16, Value)>, ExecOutput), ApiError> {
        let mut answers = Vec::with_capacity(requests.len());
        let mut body = String::new();
        for line in out.stdout.lines() {
            if let Some(rest) = line.strip_prefix(SEP) {
                // curl writes 000 for a request that got no answer.
                let status = rest.trim().parse().unwrap_or(0);
                // A body that is not JSON is kept as text: a typed read of it then fails saying
                // what came back.
                let text = body.trim();
                answers.push((status, serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()))));
                body.clear();
            } else {
                body.push_str(line);
                body.push('\n');
            }
        }
        if answers.len() != requests.len() {
            return Err(ApiError::Unreachable {
                container: self.container.into(),
                path: requests[0].0.clone(),
                detail: format!("{} answers to {} requests: {}", answers.len(), requests.len(), out.tail(2)),
            });
        }
        Ok((answers, out))
    }

    /// POSTs `body` to `/v1/<path>` and reads the answer as `T`.
    pub async fn call_as<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, ApiError> {
        let v = self.call(path, body).await?;
        self.read(path, v)
    }

    /// Reads an answer as `T`; an answer of another shape is an error naming the node and the call.
    pub fn read<T: DeserializeOwned>(&self, path: &str, v: Value) -> Result<T, ApiError> {
        serde_path_to_error::deserialize(&v).map_err(|e| ApiError::Shape {
            container: self.container.into(),
            path: path.into(),
            detail: e.to_string(),
            body: v.to_string().chars().take(500).collect(),
        })
    }

    pub async fn get_info(&self) -> Result<ChainInfo, ApiError> {
        self.call_as("chain/get_info", &json!({})).await
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::runtime::fake::FakeRuntime;

    const INFO: &str = r#"{"chain_id": "aa", "head_block_num": 7, "last_irreversible_block_num": 5,
        "head_block_producer": "eosio", "head_block_time": "2026-12-07T10:00:00.000", "server_version_string": "v1"}"#;

    /// A server on loopback that answers every request with `body` (HTTP/1.1, kept alive).
    async fn serve(body: String) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let body = body.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 65536];
                    // One request a read is enough for these small POSTs.
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if socket.write_all(answer.as_bytes()).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        port
    }

    /// A fake engine with the running container `n`, whose node answers `get_info` with [`INFO`].
    async fn engine() -> FakeRuntime {
        let rt = FakeRuntime::new();
        rt.run_plain("n").await;
        rt.on_exec(|call| {
            call.cmd.last().is_some_and(|u| u.ends_with("chain/get_info")).then(|| ExecOutput {
                code: 0,
                stdout: format!("{INFO}\n200"),
                stderr: String::new(),
            })
        });
        rt
    }

    #[tokio::test]
    async fn a_node_answering_here_as_inside_its_container_is_asked_without_an_exec() {
        let rt = engine().await;
        let port = serve(INFO.into()).await;
        // An engine that does not run here is never asked that way.
        assert!(direct_url(&rt, "n", port).await.is_none());
        rt.set_publishes_here(true);
        let direct = direct_url(&rt, "n", port).await.expect("the same chain and server answer here");
        assert_eq!(direct.base, format!("http://127.0.0.1:{port}"));
        let before = rt.execs().len();
        let client = NodeClient::new(&rt, "n").reached_at(Some(direct));
        assert_eq!(client.get_info().await.unwrap().head_block_num, 7);
        let many = client.call_many("chain/get_info", &[json!({}), json!({})]).await.unwrap();
        assert!(many.iter().all(|(status, v)| *status == 200 && v["chain_id"] == "aa"), "{many:?}");
        assert_eq!(rt.execs().len(), before, "asked without an exec");
    }

    #[tokio::test]
    async fn another_chain_or_nothing_at_the_port_is_not_the_node() {
        let rt = engine().await;
        rt.set_publishes_here(true);
        let other = serve(INFO.replace("\"aa\"", "\"bb\"")).await;
        assert!(direct_url(&rt, "n", other).await.is_none(), "another chain");
        let nothing = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        assert!(direct_url(&rt, "n", nothing).await.is_none(), "no server");
    }

    /// The script runs in a real shell, with a `curl` that echoes its config back: the answers
    /// come out in the order asked, and nothing in a body is expanded by the shell.
    #[test]
    fn the_at_once_script_prints_each_answer_in_order_and_expands_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let curl = dir.path().join("curl");
        std::fs::write(&curl, "#!/bin/sh\nsleep 0.$(($$ % 3))\ncat\n").unwrap();
        std::fs::set_permissions(&curl, std::fs::Permissions::from_mode(0o755)).unwrap();
        let bodies = [json!({"a": "$HOME `id` $(id)"}), json!({"b": "it's \\ \"quoted\""}), json!({})];
        let configs: Vec<String> =
            bodies.iter().enumerate().map(|(i, b)| curl_config(&format!("http://n{i}:8888/v1/x"), b, 2)).collect();
        let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
        let mut sh = std::process::Command::new("sh")
            .arg("-s")
            .env("PATH", path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        sh.stdin.take().unwrap().write_all(at_once_script(&configs).as_bytes()).unwrap();
        let out = sh.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8(out.stdout).unwrap(), configs.concat());
    }
}
