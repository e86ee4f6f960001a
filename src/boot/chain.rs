//! What boot asks the chain, so that every step acts only on what is missing.

use serde_json::{json, Value};

use crate::client::{ApiError, NodeClient};
use crate::runtime::Runtime;

pub struct Chain<'a> {
    pub node: NodeClient<'a>,
}

impl<'a> Chain<'a> {
    pub fn new(rt: &'a dyn Runtime, container: &'a str) -> Self {
        Chain { node: NodeClient::new(rt, container) }
    }

    /// The account, or `None` when the chain has no such account.
    pub async fn account(&self, name: &str) -> Result<Option<Value>, ApiError> {
        match self.node.call("chain/get_account", &json!({ "account_name": name })).await {
            Ok(v) => Ok(Some(v)),
            Err(ApiError::Status { status: 500 | 400, body, .. })
                if body.contains("unknown key") || body.contains("account_query_exception") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Which of `names` exist, asked in one request stream.
    pub async fn existing_accounts(&self, names: &[String]) -> Result<Vec<bool>, ApiError> {
        let bodies: Vec<Value> = names.iter().map(|n| json!({ "account_name": n })).collect();
        let answers = self.node.call_many("chain/get_account", &bodies).await?;
        Ok(answers.into_iter().map(|(status, _)| (200..300).contains(&status)).collect())
    }

    pub async fn code_hash(&self, account: &str) -> Result<String, ApiError> {
        let v = self.node.call("chain/get_code_hash", &json!({ "account_name": account })).await?;
        Ok(v["code_hash"].as_str().unwrap_or_default().to_string())
    }

    pub async fn table(&self, code: &str, scope: &str, table: &str) -> Result<Vec<Value>, ApiError> {
        let mut rows = Vec::new();
        let mut lower = String::new();
        loop {
            let v = self
                .node
                .call(
                    "chain/get_table_rows",
                    &json!({"code": code, "scope": scope, "table": table, "json": true, "limit": 1000, "lower_bound": lower}),
                )
                .await?;
            rows.extend(v["rows"].as_array().cloned().unwrap_or_default());
            match v["next_key"].as_str() {
                Some(k) if v["more"].as_bool() == Some(true) && !k.is_empty() => lower = k.to_string(),
                _ => return Ok(rows),
            }
        }
    }

    /// The token's `{supply, max_supply, issuer}`, or `None` before `create`.
    pub async fn currency_stats(&self, code: &str, symbol: &str) -> Result<Option<Value>, ApiError> {
        match self.node.call("chain/get_currency_stats", &json!({"code": code, "symbol": symbol})).await {
            Ok(v) => Ok(v.get(symbol).cloned()),
            Err(ApiError::Status { status: 500 | 400, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn activated_features(&self) -> Result<Vec<String>, ApiError> {
        let mut out = Vec::new();
        let mut lower = 0u64;
        loop {
            let v = self
                .node
                .call(
                    "chain/get_activated_protocol_features",
                    &json!({"lower_bound": lower, "limit": 100, "search_by_block_num": false}),
                )
                .await?;
            let features = v["activated_protocol_features"].as_array().cloned().unwrap_or_default();
            out.extend(features.iter().filter_map(|f| f["feature_digest"].as_str().map(String::from)));
            match v["more"].as_u64() {
                Some(next) if next > 0 && !features.is_empty() => lower = next,
                _ => return Ok(out),
            }
        }
    }

    /// Supported features as `(digest, codename, dependencies)`.
    pub async fn supported_features(&self) -> Result<Vec<(String, String, Vec<String>)>, ApiError> {
        let v = self.node.call("producer/get_supported_protocol_features", &json!({})).await?;
        Ok(v.as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|f| {
                let codename = f["specification"]
                    .as_array()
                    .and_then(|s| s.iter().find(|kv| kv["name"] == "builtin_feature_codename"))
                    .and_then(|kv| kv["value"].as_str())
                    .unwrap_or_default()
                    .to_string();
                let deps = f["dependencies"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|d| d.as_str().map(String::from))
                    .collect();
                (f["feature_digest"].as_str().unwrap_or_default().to_string(), codename, deps)
            })
            .collect())
    }

    /// The active schedule: `(version, producer names)`.
    pub async fn active_schedule(&self) -> Result<(u64, Vec<String>), ApiError> {
        let v = self.node.call("chain/get_producer_schedule", &json!({})).await?;
        let active = &v["active"];
        let names = active["producers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p["producer_name"].as_str().map(String::from))
            .collect();
        Ok((active["version"].as_u64().unwrap_or(0), names))
    }
}
