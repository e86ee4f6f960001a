//! When the whole chain starts (a lab made from a bundle, `lab start` of a stopped lab), the
//! producers start with production paused and are released together once every node answers
//! and has shaken hands with the peers it dials.
//!
//! Why: started at once and free to produce, the producer whose slot it is made its first blocks
//! before its peers had connected; they missed the first block, found the next one unlinkable and
//! dropped the connection, and the chain waited for the next producer's slot (measured: the first
//! block from an elected producer came 3 s after the nodes started instead of 1 s). And every
//! node spends its first block measuring its timer in a busy loop (about 0.4 s of CPU each):
//! with production free, that came while the engine was still starting the last nodes, and a
//! whole-lab `lab start` at 21 producers took 9.7 s instead of 5.5 s.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Value};

use crate::chain::answers::NetConnection;
use crate::client::NodeClient;
use crate::plan::{NetworkPlan, NodePlan, Role, HTTP_PORT};
use crate::printer::Printer;
use crate::runtime::Runtime;

/// How many containers [`start_in_dial_order`] asks the engine to start at a time.
pub const STARTS_AT_ONCE: usize = 4;

/// How long the release waits for the connections; past it the producers are released anyway
/// (a peer that never connects must not keep the lab from producing).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the producers get to answer `producer/resume`.
pub const RESUME_TIMEOUT: Duration = Duration::from_secs(60);

/// The nodes started paused and released here: the producers. Not the genesis node: its key
/// (eosio's) left the schedule at the boot's end, so it has no production to hold back.
pub fn producing_nodes(plan: &NetworkPlan) -> Vec<&NodePlan> {
    plan.nodes.iter().filter(|n| n.producer.is_some() && n.role != Role::Genesis).collect()
}

/// Which of `node`'s dialed peers have not shaken hands yet, from its `net/connections` answer.
pub fn peers_missing(node: &NodePlan, plan: &NetworkPlan, connections: &[NetConnection]) -> Vec<String> {
    let shaken: BTreeSet<&str> = connections
        .iter()
        .filter(|c| !c.connecting && !c.last_handshake.p2p_address.is_empty())
        .filter_map(|c| c.peer.split(':').next())
        .collect();
    node.peers
        .iter()
        .filter(|p| {
            let container = plan.nodes.iter().find(|n| &n.name == *p).map(|n| n.container.as_str());
            container.is_none_or(|c| !shaken.contains(c))
        })
        .cloned()
        .collect()
}

/// Starts the containers of `nodes` (given in the plan's order) in that order, a few
/// ([`STARTS_AT_ONCE`]) at a time, calling `started` after each. In a mesh a node dials the nodes
/// before it in the plan: started in that order, a node finds most of its peers already
/// listening, where started all at once it often dialed one that was not up yet and waited a
/// second (`connection-cleanup-period`) for the next try, which the release then waited for. It
/// costs no time: the engine starts containers one after the other whatever it is asked.
pub async fn start_in_dial_order(
    rt: &dyn Runtime,
    nodes: &[&NodePlan],
    started: &(dyn Fn() + Sync),
) -> anyhow::Result<()> {
    futures::stream::iter(nodes.iter().map(|n| async move {
        rt.start_container(&n.container).await?;
        started();
        anyhow::Ok(())
    }))
    .buffered(STARTS_AT_ONCE)
    .try_collect::<Vec<()>>()
    .await?;
    Ok(())
}

/// Waits (at most [`CONNECT_TIMEOUT`]) until every node answers and is connected to the peers it
/// dials, then resumes production on `paused`, asked from `via` over the lab network. Returns
/// whether every connection was up at the release.
pub async fn release_when_connected(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    via: &str,
    paused: &[&NodePlan],
) -> anyhow::Result<bool> {
    let client = NodeClient::new(rt, via);
    let url = |n: &NodePlan, path: &str| format!("http://{}:{HTTP_PORT}/v1/{path}", n.container);
    let start = Instant::now();
    let connected = loop {
        let requests: Vec<(String, Value)> =
            plan.nodes.iter().map(|n| (url(n, "net/connections"), json!({}))).collect();
        let answers = client.call_urls_at_once(&requests, 2).await.unwrap_or_default();
        let waiting: Vec<String> = plan
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match answers.get(i) {
                Some((status, v)) if (200..300).contains(status) => {
                    match serde_json::from_value::<Vec<NetConnection>>(v.clone()) {
                        Ok(cs) => {
                            let missing = peers_missing(n, plan, &cs);
                            (!missing.is_empty()).then(|| format!("{} (not yet: {})", n.name, missing.join(" ")))
                        }
                        Err(_) => Some(format!("{} (an answer that is not a list of connections)", n.name)),
                    }
                }
                _ => Some(format!("{} (no answer)", n.name)),
            })
            .collect();
        let all = waiting.is_empty();
        if all || start.elapsed() > CONNECT_TIMEOUT {
            tracing::debug!(
                connected = all,
                after_ms = start.elapsed().as_millis() as u64,
                waiting = %waiting.join(", "),
                "releasing the producers"
            );
            break all;
        }
        tracing::trace!(waiting = %waiting.join(", "), "not every node is connected yet");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    resume(rt, via, paused).await?;
    Ok(connected)
}

/// Releases the genesis node of a new chain, started paused beside its peers (see
/// `up::hold_genesis`), once every node answers and has shaken hands with the peers it dials;
/// with `first_block`, returns once it has made its first block (see [`first_block`]). A boot
/// that follows does not wait here: its first transaction, signed in `lab`, can go into that
/// block, and its `cleos` commands wait for it themselves.
pub async fn release_genesis(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    timeout: Duration,
    first_block: bool,
    printer: &Printer,
) -> anyhow::Result<()> {
    let genesis = plan.genesis();
    // A node nodeos refuses stops here, named with its last log lines, before any wait for it.
    super::wait_ready(rt, &plan.nodes.iter().collect::<Vec<_>>(), timeout, printer).await?;
    let task = printer.task(format!("connect {} nodes, then produce", plan.nodes.len()));
    let connected = release_when_connected(rt, plan, &genesis.container, &[genesis]).await?;
    if first_block {
        self::first_block(rt, genesis).await?;
    }
    task.done(if connected {
        "every node connected before the first block".to_string()
    } else {
        format!(
            "released after {} s without every connection (`lab status` shows the peers)",
            CONNECT_TIMEOUT.as_secs()
        )
    });
    Ok(())
}

/// How long a released genesis node gets to make its first block.
pub const FIRST_BLOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// Returns once `genesis`, just released, has made a block on top of the genesis block (block 2).
///
/// Why: until then its head block's time is the genesis block's (the genesis file's timestamp,
/// years ago), and a transaction signed against it, whose expiration `cleos` counts from the head
/// block's time, expired long before the block that would hold it (seen: a push made the moment
/// the node was resumed, refused with `expired transaction … expiration 2018-06-01T12:00:30`).
/// A lab brought up without a boot is handed to its user, whose `cleos` would meet that.
async fn first_block(rt: &dyn Runtime, genesis: &NodePlan) -> anyhow::Result<()> {
    super::recover::wait_at(rt, &genesis.container, 2, FIRST_BLOCK_TIMEOUT)
        .await
        .map_err(|why| anyhow::anyhow!("{} made no block after being released: {why}", genesis.name))
}

/// Resumes production on `nodes`, asked from `via` over the lab network, and returns once each has
/// answered. Resuming a producer that is not paused changes nothing.
pub async fn resume(rt: &dyn Runtime, via: &str, nodes: &[&NodePlan]) -> anyhow::Result<()> {
    // Every producer is asked at once: the one whose slot it is makes a block at once, and every
    // node then spends its first block measuring its timer in a busy loop that holds its main
    // thread, where `producer/resume` is answered (measured at 21 producers: asked one after the
    // other, the last were resumed 4 s after the first). A node busy starting on a loaded
    // machine may not answer within a request's time: it is asked again (resuming is
    // idempotent) until RESUME_TIMEOUT.
    let client = NodeClient::new(rt, via);
    let url = |n: &NodePlan| format!("http://{}:{HTTP_PORT}/v1/producer/resume", n.container);
    let mut pending = nodes.to_vec();
    let start = Instant::now();
    loop {
        let requests: Vec<(String, Value)> = pending.iter().map(|n| (url(n), json!({}))).collect();
        let answers = client.call_urls_at_once(&requests, 5).await.unwrap_or_default();
        let refused: Vec<(&NodePlan, String)> = pending
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match answers.get(i) {
                Some((status, _)) if (200..300).contains(status) => None,
                Some((status, v)) => Some((*n, format!("{} ({status}: {v})", n.name))),
                None => Some((*n, format!("{} (no answer)", n.name))),
            })
            .collect();
        if refused.is_empty() {
            break;
        }
        if start.elapsed() > RESUME_TIMEOUT {
            let names: Vec<String> = refused.into_iter().map(|(_, why)| why).collect();
            anyhow::bail!(
                "producer/resume was not answered within {}s by {}",
                RESUME_TIMEOUT.as_secs(),
                names.join(", ")
            );
        }
        pending = refused.into_iter().map(|(n, _)| n).collect();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::chain::answers::Handshake;
    use crate::orchestrator::ready::tests::started;
    use crate::runtime::fake::FakeRuntime;
    use crate::runtime::ExecOutput;
    use crate::topology::{parse, TopologySource, DEFAULT_TOPOLOGY};

    const SEP: &str = "@@antelope-lab@@";

    fn connection(peer: &str, connecting: bool, address: &str) -> NetConnection {
        NetConnection {
            peer: peer.into(),
            connecting,
            last_handshake: Handshake { p2p_address: address.into(), agent: String::new() },
        }
    }

    fn plan() -> NetworkPlan {
        let source = TopologySource { topology: parse(DEFAULT_TOPOLOGY).unwrap(), path: None };
        NetworkPlan::build(&source, "seed").unwrap()
    }

    /// The URLs of a `curl -K -` config.
    fn urls(config: &str) -> Vec<String> {
        config.lines().filter_map(|l| l.strip_prefix("url = \"")).map(|u| u.trim_end_matches('"').to_string()).collect()
    }

    #[tokio::test]
    async fn the_producers_are_released_once_every_node_has_shaken_hands_and_asked_again_until_each_answers() {
        let rt = FakeRuntime::new();
        let plan = started(&rt).await;
        // The first poll finds nobody connected yet; the second, every dialed peer shaken hands.
        let polls = Arc::new(Mutex::new(0));
        let resumed = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (polls.clone(), resumed.clone());
        let peers: Vec<(String, Vec<String>)> = plan
            .nodes
            .iter()
            .map(|n| {
                let dialed =
                    n.peers.iter().map(|p| plan.nodes.iter().find(|m| &m.name == p).unwrap().container.clone());
                (n.container.clone(), dialed.collect())
            })
            .collect();
        rt.on_exec(move |call| {
            let urls = urls(&call.stdin_text());
            if urls.is_empty() {
                return None;
            }
            let mut out = String::new();
            if urls[0].ends_with("net/connections") {
                *p.lock().unwrap() += 1;
                let connected = *p.lock().unwrap() > 1;
                for u in &urls {
                    let host = u.trim_start_matches("http://").split(':').next().unwrap();
                    let dialed = &peers.iter().find(|(c, _)| c == host).unwrap().1;
                    let cs: Vec<String> = dialed
                        .iter()
                        .map(|c| {
                            let address = if connected { format!("{c}:9876 - ab") } else { String::new() };
                            format!(
                                r#"{{"peer":"{c}:9876","connecting":{},"last_handshake":{{"p2p_address":"{address}","agent":""}}}}"#,
                                !connected
                            )
                        })
                        .collect();
                    out.push_str(&format!("[{}]\n{SEP}200\n", cs.join(",")));
                }
            } else {
                for u in &urls {
                    assert!(*p.lock().unwrap() >= 2, "released before every node was connected");
                    let first_ask = !r.lock().unwrap().contains(u);
                    r.lock().unwrap().push(u.clone());
                    // accountnum22, busy, does not answer the first time.
                    if first_ask && u.contains("accountnum22") {
                        out.push_str(&format!("curl: (28) Operation timed out\n{SEP}000\n"));
                    } else {
                        out.push_str(&format!("{{\"result\":\"ok\"}}\n{SEP}200\n"));
                    }
                }
            }
            Some(ExecOutput::ok(out))
        });
        let connected =
            release_when_connected(&rt, &plan, &plan.genesis().container, &producing_nodes(&plan)).await.unwrap();
        assert!(connected);
        assert_eq!(*polls.lock().unwrap(), 2);
        let mut expected: Vec<String> = producing_nodes(&plan)
            .iter()
            .map(|n| format!("http://{}:{HTTP_PORT}/v1/producer/resume", n.container))
            .collect();
        expected.push(format!("http://lab-accountnum22:{HTTP_PORT}/v1/producer/resume"));
        assert_eq!(*resumed.lock().unwrap(), expected);
    }

    #[test]
    fn a_peer_counts_once_it_has_shaken_hands() {
        let plan = plan();
        let node = plan.nodes.iter().find(|n| !n.peers.is_empty()).unwrap();
        let containers: Vec<String> =
            node.peers.iter().map(|p| plan.nodes.iter().find(|n| &n.name == p).unwrap().container.clone()).collect();
        let none = peers_missing(node, &plan, &[]);
        assert_eq!(none, node.peers);
        let dialing: Vec<NetConnection> =
            containers.iter().map(|c| connection(&format!("{c}:9876"), true, "")).collect();
        assert_eq!(peers_missing(node, &plan, &dialing), node.peers);
        let shaken: Vec<NetConnection> =
            containers.iter().map(|c| connection(&format!("{c}:9876"), false, &format!("{c}:9876 - ab12"))).collect();
        assert!(peers_missing(node, &plan, &shaken).is_empty());
        // One peer still dialing: that one is named.
        let mut partial = shaken.clone();
        partial[0] = connection(&format!("{}:9876", containers[0]), true, "");
        assert_eq!(peers_missing(node, &plan, &partial), vec![node.peers[0].clone()]);
    }

    #[test]
    fn the_producers_are_started_paused_and_released_but_not_the_genesis_node() {
        let plan = plan();
        let producing: Vec<&str> = producing_nodes(&plan).iter().map(|n| n.name.as_str()).collect();
        assert_eq!(producing, ["accountnum11", "accountnum22", "accountnum33", "accountnum44"]);
    }

    /// The starts go out in the plan's order (in a mesh each node dials the nodes before it),
    /// every node is started, and an engine's refusal is the caller's error.
    #[tokio::test]
    async fn the_nodes_are_started_in_the_order_they_dial_each_other() {
        use crate::orchestrator::container_spec;
        use crate::runtime::fake::Call;
        use crate::state::StateDir;
        let topology = parse("name: o\nproducers: 7").unwrap();
        let plan = NetworkPlan::build(&TopologySource { topology, path: None }, "seed").unwrap();
        let rt = FakeRuntime::new();
        rt.add_image(plan.image.reference());
        rt.ensure_network(&plan.network, &plan.labels).await.unwrap();
        let state = StateDir { root: "/nonexistent".into() };
        for n in &plan.nodes {
            rt.create_container(&container_spec(&plan, n, &state)).await.unwrap();
        }
        let nodes: Vec<&NodePlan> = plan.nodes.iter().collect();
        rt.clear_calls();
        let count = std::sync::atomic::AtomicUsize::new(0);
        start_in_dial_order(&rt, &nodes, &|| {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .await
        .unwrap();
        let started: Vec<String> = rt
            .calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::StartContainer(name) => Some(name),
                _ => None,
            })
            .collect();
        let expected: Vec<String> = plan.nodes.iter().map(|n| n.container.clone()).collect();
        assert_eq!(started, expected);
        assert_eq!(count.into_inner(), plan.nodes.len());
        rt.fail_next("start_container", "no such network");
        let e = start_in_dial_order(&rt, &nodes, &|| ()).await.unwrap_err();
        assert!(format!("{e:#}").contains("no such network"), "{e:#}");
    }
}
