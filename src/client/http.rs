//! JSON over HTTP to a node's published API, from this host: many requests in flight on a pool
//! of kept-alive connections, no process per request.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// What a request can end in besides an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// No answer within the time given.
    Timeout,
    /// The connection failed (refused, reset, closed).
    Connection(String),
    /// An answer that is not JSON.
    NotJson(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Timeout => write!(f, "no answer in time"),
            HttpError::Connection(e) => write!(f, "connection failed: {e}"),
            HttpError::NotJson(e) => write!(f, "the answer is not JSON: {e}"),
        }
    }
}

#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Http {
    pub fn new() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        Http { client: Client::builder(TokioExecutor::new()).pool_max_idle_per_host(512).build(connector) }
    }

    /// POSTs `body` to `base` + `path`; the HTTP status and the JSON answer.
    pub async fn post(
        &self,
        base: &str,
        path: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<(u16, serde_json::Value), HttpError> {
        let request = hyper::Request::post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| HttpError::Connection(e.to_string()))?;
        let work = async {
            let response = self.client.request(request).await.map_err(|e| HttpError::Connection(chain_of(&e)))?;
            let status = response.status().as_u16();
            let bytes =
                response.into_body().collect().await.map_err(|e| HttpError::Connection(e.to_string()))?.to_bytes();
            let json = serde_json::from_slice(&bytes).map_err(|e| {
                HttpError::NotJson(format!("{e}: {}", String::from_utf8_lossy(&bytes[..bytes.len().min(200)])))
            })?;
            Ok((status, json))
        };
        tokio::time::timeout(timeout, work).await.map_err(|_| HttpError::Timeout)?
    }

    /// POSTs a JSON value; an answer other than 200 is an error with nodeos's own words.
    pub async fn call(&self, base: &str, path: &str, body: &serde_json::Value) -> Result<serde_json::Value, String> {
        match self.post(base, path, body.to_string().into_bytes(), Duration::from_secs(10)).await {
            Ok((200 | 202, v)) => Ok(v),
            Ok((status, v)) => Err(format!("{base}{path}: HTTP {status}: {}", error_reason(&v))),
            Err(e) => Err(format!("{base}{path}: {e}")),
        }
    }
}

/// The error and its causes, as one line.
fn chain_of(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The reason nodeos gives in an error answer: the exception's name (`tx_cpu_usage_exceeded`,
/// `expired_tx_exception`, …), else its message. Pure.
pub fn error_reason(answer: &serde_json::Value) -> String {
    let error = &answer["error"];
    let name = error["name"]
        .as_str()
        .or_else(|| error["what"].as_str())
        .or_else(|| answer["message"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| answer.to_string().chars().take(200).collect());
    // Which limit a CPU or net refusal reached ("reached account cpu limit", "reached block cpu
    // limit", …) says whose limit it was; the figures around it would split the counts.
    let reached = error["details"].as_array().into_iter().flatten().find_map(|d| {
        let message = d["message"].as_str()?;
        let at = message.find("reached ")?;
        let limit = message[at..].trim_end_matches(|c: char| c == '.' || c.is_whitespace());
        // Leap and Spring end it with the limit's figure ("… cpu limit 250us").
        Some(match limit.rsplit_once(' ') {
            Some((words, figure)) if figure.starts_with(|c: char| c.is_ascii_digit()) => words.to_string(),
            _ => limit.to_string(),
        })
    });
    match reached {
        Some(limit) => format!("{name} ({limit})"),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_the_exceptions_name() {
        let answer = serde_json::json!({"code": 500, "message": "Internal Service Error", "error": {"code": 3080004, "name": "tx_cpu_usage_exceeded", "what": "Transaction exceeded the current CPU usage limit imposed on the transaction", "details": []}});
        assert_eq!(error_reason(&answer), "tx_cpu_usage_exceeded");
        assert_eq!(error_reason(&serde_json::json!({"message": "Not Found"})), "Not Found");
        let limit = serde_json::json!({"code": 500, "error": {"name": "tx_cpu_usage_exceeded", "details": [{"message": "billed CPU time (412 us) is greater than the maximum billable CPU time for the transaction (250 us) reached account cpu limit 250us", "method": "validate_account_cpu_usage"}]}});
        assert_eq!(error_reason(&limit), "tx_cpu_usage_exceeded (reached account cpu limit)");
    }
}
