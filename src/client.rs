//! Asks a node's HTTP API from inside its own container (`curl` through `docker exec`), so that
//! nodes need no published port to be queried.

use serde::Deserialize;
use serde_json::{json, Value};

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
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct ChainInfo {
    pub chain_id: String,
    pub head_block_num: u64,
    pub last_irreversible_block_num: u64,
    pub head_block_producer: String,
    pub head_block_time: String,
    #[serde(default)]
    pub server_version_string: Option<String>,
}

/// Separates answers in a `call_many` stream.
const SEP: &str = "@@antelope-lab@@";

pub struct NodeClient<'a> {
    pub rt: &'a dyn Runtime,
    pub container: &'a str,
    /// `http://127.0.0.1:8888` for nodeos; keosd's address for the wallet API.
    pub base_url: String,
}

impl<'a> NodeClient<'a> {
    pub fn new(rt: &'a dyn Runtime, container: &'a str) -> Self {
        NodeClient { rt, container, base_url: format!("http://127.0.0.1:{HTTP_PORT}") }
    }

    /// POSTs `body` to `/v1/<path>` and returns the JSON answer.
    pub async fn call(&self, path: &str, body: &Value) -> Result<Value, ApiError> {
        let url = format!("{}/v1/{path}", self.base_url);
        let cmd: Vec<String> =
            ["curl", "-sS", "-m", "10", "-X", "POST", "-w", "\n%{http_code}", "--data-binary", "@-", &url]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let out = self.rt.exec(self.container, &cmd, Some(body.to_string().into_bytes())).await?;
        self.parse(path, out)
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

    /// `get_info` of other nodes, asked from this container over the lab network in one exec;
    /// `None` for a node that does not answer (yet).
    pub async fn get_info_of(&self, containers: &[String]) -> Result<Vec<Option<ChainInfo>>, ApiError> {
        let requests: Vec<(String, Value)> =
            containers.iter().map(|c| (format!("http://{c}:{HTTP_PORT}/v1/chain/get_info"), json!({}))).collect();
        let (answers, _) = self.curl_many(&requests).await?;
        Ok(answers
            .into_iter()
            .map(|(status, v)| (200..300).contains(&status).then(|| serde_json::from_value(v).ok()).flatten())
            .collect())
    }

    /// One curl process for many requests, one after the other (curl's parallel mode interleaves
    /// the answers on stdout); a request that fails gets status 0.
    async fn curl_many(&self, requests: &[(String, Value)]) -> Result<(Vec<(u16, Value)>, ExecOutput), ApiError> {
        if requests.is_empty() {
            return Ok((vec![], ExecOutput { code: 0, stdout: String::new(), stderr: String::new() }));
        }
        let mut config = String::new();
        for (i, (url, body)) in requests.iter().enumerate() {
            if i > 0 {
                config.push_str("next\n");
            }
            let data = body.to_string().replace('\\', "\\\\").replace('"', "\\\"");
            config.push_str(&format!(
                "url = \"{url}\"\nrequest = \"POST\"\ndata-binary = \"{data}\"\nwrite-out = \"\\n{SEP}%{{http_code}}\\n\"\nsilent\nshow-error\nconnect-timeout = 1\nmax-time = 30\n"
            ));
        }
        let cmd: Vec<String> = ["curl", "-K", "-"].iter().map(|s| s.to_string()).collect();
        let out = self.rt.exec(self.container, &cmd, Some(config.into_bytes())).await?;
        let mut answers = Vec::with_capacity(requests.len());
        let mut body = String::new();
        for line in out.stdout.lines() {
            if let Some(rest) = line.strip_prefix(SEP) {
                let status = rest.trim().parse().unwrap_or(0);
                answers.push((status, serde_json::from_str(body.trim()).unwrap_or(Value::Null)));
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

    pub async fn get_info(&self) -> Result<ChainInfo, ApiError> {
        let v = self.call("chain/get_info", &Value::Object(Default::default())).await?;
        serde_json::from_value(v.clone()).map_err(|_| ApiError::NotJson {
            container: self.container.into(),
            path: "chain/get_info".into(),
            body: v.to_string(),
        })
    }
}
