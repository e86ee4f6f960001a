//! Follows the chain from an API node while load runs: every new block's transaction ids, and
//! how far the last irreversible block has come. What it records is the live view (latencies);
//! the final check reads the chain again (`verify`).

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use crate::chain::answers::parse_block_time;
use crate::client::http::Http;

/// Where a transaction was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub block: u32,
    pub block_id: String,
    /// The block's timestamp, in milliseconds since the Unix epoch.
    pub block_time_ms: i64,
    /// When the follower saw the last irreversible block reach it.
    pub irreversible_at: Option<SystemTime>,
}

/// The tip of the chain as a transaction needs it: TaPoS and the head's time.
#[derive(Debug, Clone, PartialEq)]
pub struct Tip {
    pub head: u32,
    pub head_time_ms: i64,
    pub lib: u32,
    pub lib_id: String,
}

pub struct Follower {
    http: Http,
    url: String,
    /// The next block to read.
    next: u32,
    pub tip: Tip,
    pub seen: HashMap<String, Seen>,
    /// Block timestamps by number (ms), of the blocks read.
    pub block_times: BTreeMap<u32, i64>,
}

/// `2026-12-06T23:22:41.500` (UTC, as nodeos writes it) in milliseconds since the epoch. Pure.
/// The ids of a `get_block` answer's transactions (an input transaction's id, or the id a
/// deferred one is given as). Pure.
pub fn transaction_ids(block: &serde_json::Value) -> Vec<String> {
    block["transactions"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t["trx"]["id"].as_str().or_else(|| t["trx"].as_str()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Follower {
    /// Starts at the head `url` answers now: blocks before it hold none of the load.
    pub async fn start(http: Http, url: &str) -> Result<Follower, String> {
        let tip = tip(&http, url).await?;
        Ok(Follower {
            http,
            url: url.to_string(),
            next: tip.head + 1,
            tip,
            seen: HashMap::new(),
            block_times: BTreeMap::new(),
        })
    }

    /// A follower that has seen `seen`, with the last irreversible block at `lib`.
    #[cfg(test)]
    pub fn for_tests(seen: HashMap<String, Seen>, lib: u32, block_times: BTreeMap<u32, i64>) -> Follower {
        Follower {
            http: Http::new(),
            url: String::new(),
            next: lib + 1,
            tip: Tip { head: lib, head_time_ms: 0, lib, lib_id: String::new() },
            seen,
            block_times,
        }
    }

    /// The first block the follower reads: where the load's transactions can start.
    pub fn first_block(&self) -> u32 {
        self.block_times.keys().next().copied().unwrap_or(self.next)
    }

    /// Reads the new tip and every block up to it; marks what became irreversible.
    pub async fn poll(&mut self) -> Result<(), String> {
        self.tip = tip(&self.http, &self.url).await?;
        while self.next <= self.tip.head {
            let n = self.next;
            let block =
                self.http.call(&self.url, "/v1/chain/get_block", &serde_json::json!({"block_num_or_id": n})).await?;
            let id = block["id"].as_str().unwrap_or_default().to_string();
            let time = block["timestamp"].as_str().and_then(parse_block_time).unwrap_or_default();
            self.block_times.insert(n, time);
            for trx in transaction_ids(&block) {
                // A transaction seen again (its first block forked out) is where it is now.
                self.seen
                    .insert(trx, Seen { block: n, block_id: id.clone(), block_time_ms: time, irreversible_at: None });
            }
            self.next += 1;
        }
        let now = SystemTime::now();
        let lib = self.tip.lib;
        for s in self.seen.values_mut().filter(|s| s.irreversible_at.is_none() && s.block <= lib) {
            s.irreversible_at = Some(now);
        }
        Ok(())
    }

    /// The timestamp of the last irreversible block, when the follower read it (ms).
    pub fn lib_time_ms(&self) -> Option<i64> {
        self.block_times.range(..=self.tip.lib).next_back().map(|(_, t)| *t)
    }
}

pub async fn tip(http: &Http, url: &str) -> Result<Tip, String> {
    let info = http.call(url, "/v1/chain/get_info", &serde_json::json!({})).await?;
    let num = |k: &str| info[k].as_u64().map(|n| n as u32).ok_or_else(|| format!("{url}: get_info has no {k}"));
    Ok(Tip {
        head: num("head_block_num")?,
        head_time_ms: info["head_block_time"].as_str().and_then(parse_block_time).unwrap_or_default(),
        lib: num("last_irreversible_block_num")?,
        lib_id: info["last_irreversible_block_id"].as_str().unwrap_or_default().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_times_and_transaction_ids_read_as_nodeos_writes_them() {
        assert_eq!(parse_block_time("1970-01-01T00:00:01.500"), Some(1500));
        assert_eq!(parse_block_time("2018-06-01T12:00:00.000"), Some(1_527_854_400_000));
        assert_eq!(parse_block_time("yesterday"), None);
        let block = serde_json::json!({"transactions": [
            {"status": "executed", "trx": {"id": "aa", "signatures": []}},
            {"status": "executed", "trx": "bb"},
        ]});
        assert_eq!(transaction_ids(&block), ["aa", "bb"]);
        assert!(transaction_ids(&serde_json::json!({})).is_empty());
    }
}
