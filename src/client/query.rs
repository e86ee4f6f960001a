//! What `lab` asks a chain: accounts, code hashes, tables, features, the schedule. Every answer
//! is typed ([`crate::chain::answers`]); "no such thing" is `None` or an empty list, anything else that
//! does not parse is an error naming the node and the call.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::{answer_is_not_found, ApiError, NodeClient};
use crate::chain::answers::{
    Account, ActivatedFeatures, ChainInfo, CodeHash, CurrencyStats, FinalizerInfo, ProducerSchedules, Schedule,
    SupportedFeature, TableRows,
};
use crate::runtime::Runtime;

pub struct Chain<'a> {
    pub node: NodeClient<'a>,
}

impl<'a> Chain<'a> {
    /// The chain as the node in `container` sees it, asked from inside that container.
    pub fn new(rt: &'a dyn Runtime, container: &'a str) -> Self {
        Chain { node: NodeClient::new(rt, container) }
    }

    /// The same, asked at `direct` when given (see [`super::direct_url`]).
    pub fn reached_at(rt: &'a dyn Runtime, container: &'a str, direct: Option<super::Direct>) -> Self {
        Chain { node: NodeClient::new(rt, container).reached_at(direct) }
    }

    pub async fn info(&self) -> Result<ChainInfo, ApiError> {
        self.node.get_info().await
    }

    pub async fn head_block_num(&self) -> Result<u64, ApiError> {
        Ok(self.info().await?.head_block_num)
    }

    /// The account, or `None` when the chain has no such account.
    pub async fn account(&self, name: &str) -> Result<Option<Account>, ApiError> {
        match self.node.call_as("chain/get_account", &json!({ "account_name": name })).await {
            Ok(a) => Ok(Some(a)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Several accounts in one request stream, in order; `None` where there is no such account.
    pub async fn accounts(&self, names: &[String]) -> Result<Vec<Option<Account>>, ApiError> {
        let path = "chain/get_account";
        let bodies: Vec<Value> = names.iter().map(|n| json!({ "account_name": n })).collect();
        let answers = self.node.call_many(path, &bodies).await?;
        answers
            .into_iter()
            .map(|(status, body)| match status {
                200..=299 => self.node.read(path, body).map(Some),
                _ if answer_is_not_found(status, &body) => Ok(None),
                _ => Err(ApiError::Status {
                    container: self.node.container.into(),
                    path: path.into(),
                    status,
                    body: body.to_string().chars().take(500).collect(),
                }),
            })
            .collect()
    }

    /// Which of `names` exist, asked in one request stream.
    pub async fn existing_accounts(&self, names: &[String]) -> Result<Vec<bool>, ApiError> {
        Ok(self.accounts(names).await?.iter().map(Option::is_some).collect())
    }

    /// The scopes of a table that hold rows, page after page (`get_table_by_scope`); empty when
    /// the contract (or its table) is not there yet. For eosio's `userres`: every account made
    /// since the system contract (its `newaccount` gives each one a row), in a few requests
    /// however many there are.
    pub async fn table_scopes(&self, code: &str, table: &str) -> Result<BTreeSet<String>, ApiError> {
        let mut scopes = BTreeSet::new();
        let mut lower = String::new();
        loop {
            let body = json!({"code": code, "table": table, "lower_bound": lower, "limit": 1000});
            let page = match self.node.call("chain/get_table_by_scope", &body).await {
                Ok(p) => p,
                Err(e) if e.is_not_found() => return Ok(scopes),
                Err(e) => return Err(e),
            };
            let rows = page["rows"].as_array().into_iter().flatten();
            scopes.extend(rows.filter_map(|r| r["scope"].as_str().map(String::from)));
            match page["more"].as_str() {
                Some(more) if !more.is_empty() && more != lower => lower = more.to_string(),
                _ => return Ok(scopes),
            }
        }
    }

    /// The sha256 of the account's code ([`crate::chain::answers::NO_CODE`] when it has none).
    pub async fn code_hash(&self, account: &str) -> Result<String, ApiError> {
        let v: CodeHash = self.node.call_as("chain/get_code_hash", &json!({ "account_name": account })).await?;
        Ok(v.code_hash)
    }

    /// Every row of a table, page after page; empty when the contract (or its table) is not
    /// there yet.
    pub async fn table<T: DeserializeOwned>(&self, code: &str, scope: &str, table: &str) -> Result<Vec<T>, ApiError> {
        let mut rows = Vec::new();
        let mut lower = String::new();
        loop {
            let body = json!({"code": code, "scope": scope, "table": table, "json": true, "limit": 1000, "lower_bound": lower});
            let page: TableRows<T> = match self.node.call_as("chain/get_table_rows", &body).await {
                Ok(p) => p,
                Err(e) if e.is_not_found() => return Ok(rows),
                Err(e) => return Err(e),
            };
            rows.extend(page.rows);
            if !page.more || page.next_key.is_empty() {
                return Ok(rows);
            }
            lower = page.next_key;
        }
    }

    /// A singleton table's row, if it has one.
    pub async fn singleton<T: DeserializeOwned>(&self, code: &str, table: &str) -> Result<Option<T>, ApiError> {
        Ok(self.table(code, code, table).await?.into_iter().next())
    }

    /// The token's stats, or `None` before `create`.
    pub async fn currency_stats(&self, code: &str, symbol: &str) -> Result<Option<CurrencyStats>, ApiError> {
        let path = "chain/get_currency_stats";
        let v = match self.node.call(path, &json!({"code": code, "symbol": symbol})).await {
            Ok(v) => v,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        // `{}` before the token is created, `{"SYS": {...}}` after.
        match v.get(symbol) {
            Some(stats) => self.node.read(path, stats.clone()).map(Some),
            None => Ok(None),
        }
    }

    /// The balances of `holders` in one token, in order (zero where there is none).
    pub async fn balances(&self, code: &str, holders: &[&str], symbol: &str) -> Result<Vec<Option<String>>, ApiError> {
        let path = "chain/get_currency_balance";
        let bodies: Vec<Value> =
            holders.iter().map(|h| json!({"code": code, "account": h, "symbol": symbol})).collect();
        let answers = self.node.call_many(path, &bodies).await?;
        answers
            .into_iter()
            .map(|(status, body)| {
                if !(200..300).contains(&status) {
                    return Err(ApiError::Status {
                        container: self.node.container.into(),
                        path: path.into(),
                        status,
                        body: body.to_string().chars().take(500).collect(),
                    });
                }
                let list: Vec<String> = self.node.read(path, body)?;
                Ok(list.into_iter().next())
            })
            .collect()
    }

    pub async fn activated_features(&self) -> Result<Vec<String>, ApiError> {
        let mut out = Vec::new();
        let mut lower = 0u64;
        loop {
            let page: ActivatedFeatures = self
                .node
                .call_as(
                    "chain/get_activated_protocol_features",
                    &json!({"lower_bound": lower, "limit": 100, "search_by_block_num": false}),
                )
                .await?;
            let empty = page.activated_protocol_features.is_empty();
            out.extend(page.activated_protocol_features.into_iter().map(|f| f.feature_digest));
            match page.more {
                Some(next) if next > 0 && !empty => lower = next,
                _ => return Ok(out),
            }
        }
    }

    pub async fn supported_features(&self) -> Result<Vec<SupportedFeature>, ApiError> {
        self.node.call_as("producer/get_supported_protocol_features", &json!({})).await
    }

    /// The finalizer policies, or `None` from a nodeos without Savanna (it knows no such call).
    pub async fn finalizer_info(&self) -> Result<Option<FinalizerInfo>, ApiError> {
        match self.node.call_as("chain/get_finalizer_info", &json!({})).await {
            Ok(info) => Ok(Some(info)),
            Err(e) if e.is_unknown_call() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn active_schedule(&self) -> Result<Schedule, ApiError> {
        let v: ProducerSchedules = self.node.call_as("chain/get_producer_schedule", &json!({})).await?;
        Ok(v.active)
    }
}
