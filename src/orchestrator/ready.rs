//! Readiness: waiting until nodes answer get_info, or saying why they did not.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde_json::{json, Value};

use crate::client::{ChainInfo, NodeClient};
use crate::plan::{NodePlan, HTTP_PORT};
use crate::printer::Printer;
use crate::runtime::{ContainerState, Runtime};

/// Waits until every node answers get_info; a timeout names the node and shows its last log lines.
pub async fn wait_ready(
    rt: &dyn Runtime,
    nodes: &[&NodePlan],
    timeout: Duration,
    printer: &Printer,
) -> Result<Vec<ChainInfo>> {
    let label = match nodes {
        [one] => format!("wait for {} to answer get_info", one.name),
        _ => "wait for nodes to answer get_info".into(),
    };
    let bar = printer.bar(label, nodes.len() as u64);
    match wait_all(rt, nodes, timeout, &|| bar.inc(1)).await {
        Ok(i) => {
            bar.done(format!("head {}", i.first().map(|i| i.head_block_num).unwrap_or_default()));
            Ok(i)
        }
        Err(e) => {
            bar.fail();
            Err(e)
        }
    }
}

/// How often the nodes not answering yet are asked whether their container still runs, in rounds.
const STATE_EVERY: u32 = 5;

/// Waits until every node answers get_info, calling `answered` for each. The first node is asked
/// directly; once it answers, it asks the others over the lab network, all of them in one exec a
/// round: 22 nodes each asked through an exec of its own every 200 ms kept the engine and the
/// machine's cores busy while those nodes started. A node whose container stops is named at once,
/// with its exit code and last log lines.
pub async fn wait_all(
    rt: &dyn Runtime,
    nodes: &[&NodePlan],
    timeout: Duration,
    answered: &(dyn Fn() + Sync),
) -> Result<Vec<ChainInfo>> {
    let Some(first) = nodes.first() else { return Ok(Vec::new()) };
    let start = Instant::now();
    let mut infos: Vec<Option<ChainInfo>> = vec![None; nodes.len()];
    infos[0] = Some(wait_node(rt, &first.container, timeout).await?);
    answered();
    let via = NodeClient::new(rt, &first.container);
    let mut round = 0u32;
    loop {
        let waiting: Vec<usize> = (0..nodes.len()).filter(|i| infos[*i].is_none()).collect();
        if waiting.is_empty() {
            break;
        }
        let requests: Vec<(String, Value)> = waiting
            .iter()
            .map(|i| (format!("http://{}:{HTTP_PORT}/v1/chain/get_info", nodes[*i].container), json!({})))
            .collect();
        // All at once: a node busy on its main thread (as every node is at its first block)
        // delays only its own answer. The asking node busy or gone: the others are asked
        // directly this round.
        let answers: Vec<Option<ChainInfo>> = match via.call_urls_at_once(&requests, 2).await {
            Ok(a) => a
                .into_iter()
                .map(|(status, v)| (200..300).contains(&status).then(|| serde_json::from_value(v).ok()).flatten())
                .collect(),
            Err(_) => {
                let direct = waiting.iter().map(|i| NodeClient::new(rt, &nodes[*i].container));
                futures::future::join_all(direct.map(|c| async move { c.get_info().await.ok() })).await
            }
        };
        for (i, answer) in waiting.iter().zip(answers) {
            if answer.is_some() {
                infos[*i] = answer;
                answered();
            }
        }
        round += 1;
        let late = start.elapsed() > timeout;
        if round.is_multiple_of(STATE_EVERY) || late {
            for i in (0..nodes.len()).filter(|i| infos[*i].is_none()) {
                let c = &nodes[i].container;
                let gone = rt.container_state(c).await?.filter(|s| *s != ContainerState::Running);
                if gone.is_some() || late {
                    let why = match gone {
                        Some(_) => "stopped before it answered get_info".to_string(),
                        None => format!("did not answer get_info within {}s", timeout.as_secs()),
                    };
                    bail!("{c} {why}: {}", super::down_reason(rt, c).await);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(infos.into_iter().flatten().collect())
}

pub async fn wait_node(rt: &dyn Runtime, container: &str, timeout: Duration) -> Result<ChainInfo> {
    let start = Instant::now();
    let client = NodeClient::new(rt, container);
    loop {
        match client.get_info().await {
            Ok(info) => return Ok(info),
            Err(last) => {
                let gone = rt.container_state(container).await?.filter(|s| *s != ContainerState::Running);
                if gone.is_some() || start.elapsed() > timeout {
                    let why = match gone {
                        Some(_) => "stopped before it answered get_info".to_string(),
                        None => format!("did not answer get_info within {}s ({last})", timeout.as_secs()),
                    };
                    bail!("{container} {why}: {}", super::down_reason(rt, container).await);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::orchestrator::container_spec;
    use crate::plan::NetworkPlan;
    use crate::runtime::fake::FakeRuntime;
    use crate::runtime::ExecOutput;
    use crate::state::StateDir;
    use crate::topology::{parse, TopologySource, DEFAULT_TOPOLOGY};

    const SEP: &str = "@@antelope-lab@@";
    const INFO: &str = r#"{"chain_id":"c","head_block_num":7,"last_irreversible_block_num":5,"head_block_producer":"eosio","head_block_time":"t"}"#;

    /// The default lab's plan, every node created and running on `rt`.
    pub(crate) async fn started(rt: &FakeRuntime) -> NetworkPlan {
        let source = TopologySource { topology: parse(DEFAULT_TOPOLOGY).unwrap(), path: None };
        let plan = NetworkPlan::build(&source, "seed").unwrap();
        rt.add_image(plan.image.reference());
        rt.ensure_network(&plan.network, &plan.labels).await.unwrap();
        let state = StateDir { root: "/nonexistent".into() };
        for n in &plan.nodes {
            rt.create_container(&container_spec(&plan, n, &state)).await.unwrap();
            rt.start_container(&n.container).await.unwrap();
        }
        plan
    }

    /// Answers a node's own get_info, and the curl rounds through it: `up(round, url)`
    /// tells whether that node answers in that round.
    fn answer(
        rt: &FakeRuntime,
        execs: Arc<Mutex<Vec<String>>>,
        up: impl Fn(usize, &str) -> bool + Send + Sync + 'static,
    ) {
        let rounds = AtomicUsize::new(0);
        rt.on_exec(move |call| {
            execs.lock().unwrap().push(call.container.clone());
            let config = call.stdin_text();
            if !config.contains("url = ") {
                return Some(ExecOutput::ok(format!("{INFO}\n200")));
            }
            let round = rounds.fetch_add(1, Ordering::SeqCst);
            let mut out = String::new();
            for url in config.lines().filter_map(|l| l.strip_prefix("url = \"")) {
                if up(round, url) {
                    out.push_str(&format!("{INFO}\n{SEP}200\n"));
                } else {
                    out.push_str(&format!("curl: (7) Failed to connect\n{SEP}000\n"));
                }
            }
            Some(ExecOutput::ok(out))
        });
    }

    #[tokio::test]
    async fn the_first_node_asks_the_others_in_one_exec_a_round() {
        let rt = FakeRuntime::new();
        let plan = started(&rt).await;
        let execs = Arc::new(Mutex::new(Vec::new()));
        // accountnum44 answers from the third round on.
        answer(&rt, execs.clone(), |round, url| round >= 2 || !url.contains("accountnum44"));
        let nodes: Vec<&NodePlan> = plan.nodes.iter().collect();
        let count = AtomicUsize::new(0);
        let infos = wait_all(&rt, &nodes, Duration::from_secs(10), &|| {
            count.fetch_add(1, Ordering::SeqCst);
        })
        .await
        .unwrap();
        assert_eq!(infos.len(), nodes.len());
        assert_eq!(count.load(Ordering::SeqCst), nodes.len());
        // One exec for the genesis node itself, then one per round, all in the genesis container.
        let execs = execs.lock().unwrap().clone();
        assert_eq!(execs.len(), 1 + 3, "{execs:?}");
        assert!(execs.iter().all(|c| *c == plan.genesis().container), "{execs:?}");
    }

    #[tokio::test]
    async fn a_node_that_stops_before_it_answers_is_named() {
        let rt = FakeRuntime::new();
        let plan = started(&rt).await;
        answer(&rt, Arc::new(Mutex::new(Vec::new())), |_, url| !url.contains("accountnum22"));
        rt.set_state("lab-accountnum22", ContainerState::Exited, Some(1));
        let nodes: Vec<&NodePlan> = plan.nodes.iter().collect();
        let err = wait_all(&rt, &nodes, Duration::from_secs(10), &|| {}).await.unwrap_err().to_string();
        assert!(err.starts_with("lab-accountnum22 stopped before it answered get_info"), "{err}");
    }
}
