//! The collector over the fake engine: what one poll asks and how it reads the answers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{Collector, Tracker};
use crate::orchestrator::{container_spec, Health};
use crate::plan::NetworkPlan;
use crate::runtime::fake::FakeRuntime;
use crate::runtime::{ContainerState, ContainerStats, ExecOutput, Runtime};
use crate::state::StateDir;
use crate::topology::{parse, TopologySource, DEFAULT_TOPOLOGY};

const SEP: &str = "@@antelope-lab@@";
const PRODUCERS: [&str; 4] = ["accountnum11", "accountnum22", "accountnum33", "accountnum44"];

fn timestamp(slot: u64) -> String {
    let ms = 946_684_800_000 + slot as i64 * 500;
    chrono::DateTime::from_timestamp_millis(ms).unwrap().naive_utc().format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

/// A node's answer to one request of a `curl -K -` config run in its container: only its own
/// API, on its loopback, answers.
fn answer(container: &str, url: &str, data: &str, head: u64) -> String {
    assert!(url.starts_with("http://127.0.0.1:8888/"), "{container} asked {url}: not its own API");
    let node = container.trim_start_matches("lab-");
    if url.ends_with("chain/get_info") {
        let h = if node == "genesis" { head } else { head - 2 };
        format!(
            r#"{{"chain_id":"c","head_block_num":{h},"last_irreversible_block_num":{},"head_block_producer":"accountnum22","head_block_time":"t"}}"#,
            h - 20
        )
    } else if url.ends_with("net/connections") {
        let others: Vec<String> = ["genesis"]
            .iter()
            .chain(&PRODUCERS)
            .filter(|n| **n != node && **n != "accountnum33")
            .map(|n| format!(r#"{{"peer":"","connecting":false,"last_handshake":{{"p2p_address":"lab-{n}:9876 - abc","agent":"lab/{n}"}}}}"#))
            .collect();
        format!("[{}]", others.join(","))
    } else if url.ends_with("get_producer_schedule") {
        let p: Vec<String> = PRODUCERS.iter().map(|p| format!(r#"{{"producer_name":"{p}"}}"#)).collect();
        format!(r#"{{"active":{{"version":1,"producers":[{}]}}}}"#, p.join(","))
    } else if url.ends_with("get_finalizer_info") {
        // Savanna, as Spring 1.2.2 answers: accountnum33 (stopped) last voted for block 150.
        let f: Vec<String> = PRODUCERS
            .iter()
            .map(|p| format!(r#"{{"description":"{p}","weight":1,"public_key":"PUB_BLS_{p}"}}"#))
            .collect();
        let v: Vec<String> = PRODUCERS
            .iter()
            .map(|p| {
                let block = if *p == "accountnum33" { 150 } else { head - 1 };
                format!(
                    r#"{{"description":"{p}","voted_for_block_id":"{block:08x}{}","is_vote_strong":true}}"#,
                    "ab".repeat(28)
                )
            })
            .collect();
        format!(
            r#"{{"active_finalizer_policy":{{"generation":1,"threshold":3,"finalizers":[{}]}},"pending_finalizer_policy":null,"last_tracked_votes":[{}]}}"#,
            f.join(","),
            v.join(",")
        )
    } else if url.ends_with("get_block_info") {
        let num: u64 = data.trim_matches(|c: char| !c.is_ascii_digit()).parse().unwrap();
        let slot = 4_000_000_000 + num;
        let producer = super::turn_of(&PRODUCERS.map(String::from), slot).unwrap().to_string();
        format!(r#"{{"block_num":{num},"timestamp":"{}","producer":"{producer}"}}"#, timestamp(slot))
    } else {
        panic!("unexpected request {url}")
    }
}

/// The default lab, every node running but accountnum33 (stopped), answering as nodeos would.
async fn lab(rt: &FakeRuntime, head: Arc<AtomicU64>) -> NetworkPlan {
    let source = TopologySource { topology: parse(DEFAULT_TOPOLOGY).unwrap(), path: None };
    let plan = NetworkPlan::build(&source, "seed").unwrap();
    let state = StateDir { root: "/nonexistent".into() };
    rt.add_image(plan.image.reference());
    rt.ensure_network(&plan.network, &plan.labels).await.unwrap();
    for n in &plan.nodes {
        rt.ensure_volume(&n.volume, &plan.labels).await.unwrap();
        rt.create_container(&container_spec(&plan, n, &state)).await.unwrap();
        rt.start_container(&n.container).await.unwrap();
    }
    rt.set_state("lab-accountnum33", ContainerState::Exited, Some(0));
    rt.set_stats(
        "lab-genesis",
        ContainerStats {
            cpu_total_ns: 5,
            system_cpu_ns: 50,
            online_cpus: 2,
            memory_bytes: 64 << 20,
            memory_limit_bytes: 0,
        },
    );
    rt.on_exec(move |c| {
        (c.script() == "curl -K -").then(|| {
            let config = c.stdin_text();
            let mut out = String::new();
            let (mut url, mut data) = (String::new(), String::new());
            for line in config.lines() {
                if let Some(u) = line.strip_prefix("url = ") {
                    url = u.trim_matches('"').to_string();
                } else if let Some(d) = line.strip_prefix("data-binary = ") {
                    data = d.to_string();
                } else if line.starts_with("max-time") {
                    out.push_str(&answer(&c.container, &url, &data, head.load(Ordering::SeqCst)));
                    out.push_str(&format!("\n{SEP}200\n"));
                }
            }
            ExecOutput::ok(out)
        })
    });
    plan
}

#[tokio::test]
async fn a_poll_asks_each_node_in_its_own_container_and_fills_two_rounds_of_blocks() {
    let rt = FakeRuntime::new();
    let head = Arc::new(AtomicU64::new(200));
    lab(&rt, head.clone()).await;
    let collector = Collector::new(&rt, "lab", StateDir { root: "/nonexistent".into() });
    let s = collector.sample(None, true).await.unwrap();
    // One exec per running node, in its own container (the stopped one is not asked), and one
    // for the blocks, in the genesis container.
    let asked: Vec<String> = rt.execs().iter().map(|e| e.container.clone()).collect();
    let mut nodes = asked[..4].to_vec();
    nodes.sort();
    assert_eq!(nodes, ["lab-accountnum11", "lab-accountnum22", "lab-accountnum44", "lab-genesis"], "{asked:?}");
    assert_eq!(asked[4..], ["lab-genesis"], "{asked:?}");
    let names: Vec<&str> = s.nodes.iter().map(|n| n.node.as_str()).collect();
    assert_eq!(names, ["genesis", "accountnum11", "accountnum22", "accountnum33", "accountnum44"]);
    let genesis = &s.nodes[0];
    assert_eq!(genesis.info.as_ref().map(|i| i.head_block_num), Some(200));
    assert_eq!(
        genesis.peers.as_deref(),
        Some(&["accountnum11".to_string(), "accountnum22".into(), "accountnum44".into()][..])
    );
    assert_eq!(genesis.stats.map(|s| s.memory_bytes), Some(64 << 20));
    let stopped = &s.nodes[3];
    assert_eq!((stopped.health, stopped.info.is_none(), stopped.stats), (Health::Stopped, true, None));
    assert_eq!(s.schedule.as_ref().map(|(v, p)| (*v, p.len())), Some((1, 4)));
    // Two rounds of 4 producers: 96 blocks, up to the head.
    assert_eq!(s.blocks.len(), 96);
    assert_eq!((s.blocks[0].num, s.blocks[95].num), (105, 200));

    // The next poll asks only for the blocks after the last one fetched.
    let mut tracker = Tracker::new();
    tracker.update(&s);
    head.store(203, Ordering::SeqCst);
    let s2 = collector.sample(tracker.last_block(), true).await.unwrap();
    let nums: Vec<u64> = s2.blocks.iter().map(|b| b.num).collect();
    assert_eq!(nums, [201, 202, 203]);
    let frame = tracker.update(&s2);
    assert_eq!(frame.head, Some(203));
    assert_eq!(frame.nodes[1].lag, Some(2));
    assert_eq!(frame.missed_slots, 0);
    assert_eq!(frame.producers.len(), 4);
    assert_eq!(
        frame.finality.as_deref(),
        Some("Savanna finalizers: 3 of 4 voting, threshold 3; no recent vote from accountnum33 (last for block 150)")
    );
    assert!(super::plain::summary(&frame).ends_with(frame.finality.as_deref().unwrap()));

    // Without blocks (lab graph): one exec per running node.
    let before = rt.execs().len();
    let s3 = collector.sample(None, false).await.unwrap();
    assert!(s3.blocks.is_empty());
    assert_eq!(rt.execs().len(), before + 4);
}
