//! The pure part of `top`: slots and rounds, missed slots, the frame's arithmetic, peers read from
//! `net/connections`, and the drawing at 80×24 with 21 producers.

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::collect::peer_nodes;
use super::frame::cpu_percent;
use super::*;
use crate::client::ChainInfo;
use crate::orchestrator::Health;
use crate::runtime::ContainerStats;

fn names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("prod{i}")).collect()
}

/// Blocks `from..=to`, one per slot starting at `slot0`, each by whose turn it was.
fn blocks(schedule: &[String], from: u64, to: u64, slot0: u64) -> Vec<BlockSeen> {
    (from..=to)
        .map(|num| {
            let slot = slot0 + (num - from);
            BlockSeen { num, slot, producer: turn_of(schedule, slot).unwrap().to_string() }
        })
        .collect()
}

#[test]
fn slots_follow_the_block_timestamp_epoch() {
    assert_eq!(slot_of("2000-01-01T00:00:00.000"), Some(0));
    assert_eq!(slot_of("2000-01-01T00:00:01.500"), Some(3));
    assert_eq!(slot_of("2026-11-25T03:21:54.500"), Some(slot_at(1_795_576_914_500)));
    assert_eq!(slot_of("not a time"), None);
    let s = names(3);
    assert_eq!(turn_of(&s, 0), Some("prod1"));
    assert_eq!(turn_of(&s, 11), Some("prod1"));
    assert_eq!(turn_of(&s, 12), Some("prod2"));
    assert_eq!(turn_of(&s, 35), Some("prod3"));
    assert_eq!(turn_of(&s, 36), Some("prod1"));
    assert_eq!(turn_of(&[], 5), None);
}

#[test]
fn a_gap_is_missed_by_whose_turn_it_was_and_only_once_watching() {
    let s = names(4);
    let mut p = Production::default();
    // Backfill: 0..=99 (slot 480..), watched from 99: a gap inside it is not counted.
    let mut first = blocks(&s, 0, 99, 480);
    first.remove(50);
    first.iter_mut().skip(50).for_each(|b| b.slot += 1);
    p.watch_from(99);
    p.add(&first, &s);
    assert_eq!(p.missed_total(), 0);
    // Block 100 comes 13 slots after 99: 12 slots missed, all in one producer's turn or across two.
    let last_slot = first.last().unwrap().slot;
    let b100 = BlockSeen { num: 100, slot: last_slot + 13, producer: turn_of(&s, last_slot + 13).unwrap().into() };
    p.add(std::slice::from_ref(&b100), &s);
    assert_eq!(p.missed_total(), 12);
    let by: u64 = s.iter().map(|x| p.missed(x)).sum();
    assert_eq!(by, 12);
    for slot in last_slot + 1..last_slot + 13 {
        assert!(p.missed(turn_of(&s, slot).unwrap()) > 0);
    }
    // A block seen again changes nothing.
    p.add(&[b100], &s);
    assert_eq!(p.missed_total(), 12);
}

#[test]
fn rounds_count_this_and_the_previous_round() {
    let s = names(4);
    let mut p = Production::default();
    // Round length 48 slots. Slots 48..=96+20: a full previous round (48..96), 21 slots into this one.
    p.add(&blocks(&s, 1, 48 + 21, 48), &s);
    let now = 96 + 20;
    let counts = p.round_counts(&s, now);
    assert_eq!(counts["prod1"], (12, 12));
    assert_eq!(counts["prod2"], (9, 12));
    assert_eq!(counts["prod3"], (0, 12));
    assert_eq!(counts["prod4"], (0, 12));
    // Older rounds are forgotten.
    p.add(&blocks(&s, 70, 200, 117), &s);
    let counts = p.round_counts(&s, 117 + 130);
    assert!(counts.values().all(|(this, prev)| *this <= 12 && *prev <= 12), "{counts:?}");
}

fn info(head: u64, lib: u64, producer: &str) -> ChainInfo {
    ChainInfo {
        chain_id: "2e62429e9533668999aaa9195dab23e6c30607c1810c6fa20b45d48170d5c9b1".into(),
        head_block_num: head,
        last_irreversible_block_num: lib,
        head_block_producer: producer.into(),
        head_block_time: "2026-11-25T03:21:55.000".into(),
        server_version_string: None,
        last_irreversible_block_id: String::new(),
    }
}

fn node(name: &str, role: &str, health: Health, info: Option<ChainInfo>, cpu_ns: u64) -> NodeSample {
    NodeSample {
        node: name.into(),
        role: role.into(),
        container: format!("t-{name}"),
        health,
        exit_code: (health == Health::Crashed).then_some(137),
        faults: vec![],
        peers: info.as_ref().map(|_| vec!["genesis".to_string()]),
        stats: info.as_ref().map(|_| ContainerStats {
            cpu_total_ns: cpu_ns,
            system_cpu_ns: cpu_ns * 10,
            online_cpus: 2,
            memory_bytes: 50 * 1_048_576,
            memory_limit_bytes: 0,
        }),
        info,
    }
}

fn sample(at: f64, head: u64, cpu_ns: u64) -> Sample {
    let s = names(2);
    Sample {
        lab: "t".into(),
        at,
        now_slot: 1000 + head,
        nodes: vec![
            node("genesis", "genesis", Health::Running, Some(info(head, head - 10, "prod1")), cpu_ns),
            node("prod1", "producer", Health::Running, Some(info(head - 3, head - 12, "prod1")), cpu_ns),
            node("prod2", "producer", Health::Crashed, None, 0),
        ],
        schedule: Some((3, s.clone())),
        blocks: blocks(&s, head - 5, head, 1000 + head - 5),
        finality: None,
    }
}

#[test]
fn a_frame_has_lags_rates_cpu_and_the_turn() {
    let mut t = Tracker::new();
    let f1 = t.update(&sample(0.0, 100, 1_000_000_000));
    assert_eq!(f1.head, Some(100));
    assert_eq!(f1.lib, Some(90));
    assert_eq!(f1.nodes[0].cpu_percent, None);
    assert_eq!(f1.nodes[1].lag, Some(3));
    assert_eq!(f1.nodes[2].state, "crashed (137)");
    assert_eq!(f1.nodes[2].head, None);
    let f2 = t.update(&sample(2.0, 104, 2_000_000_000));
    assert!(f2.blocks_per_sec.is_some());
    // 1 s of CPU over 10 s of the machine's 2 CPUs: 20% of one CPU.
    assert!((f2.nodes[0].cpu_percent.unwrap() - 20.0).abs() < 1e-9);
    assert_eq!(f2.nodes[0].memory_mb, Some(50.0));
    assert_eq!(f2.schedule_version, Some(3));
    assert_eq!(f2.chain_id.as_deref().map(|c| &c[..8]), Some("2e62429e"));
    let schedule = names(2);
    let turn = turn_of(&schedule, 1104).unwrap();
    assert_eq!(f2.turn.as_deref(), Some(turn));
    assert_eq!(f2.producers.iter().filter(|p| p.turn).count(), 1);
    assert_eq!(f2.missed_slots, 0);
    let json = serde_json::to_value(&f2).unwrap();
    assert_eq!(json["nodes"][1]["lag"], 3);
    assert_eq!(json["producers"][0]["producer"], "prod1");
}

#[test]
fn blocks_per_second_count_block_timestamps_of_the_last_ten_seconds() {
    let s = names(4);
    let frame = |blocks: Vec<BlockSeen>, now_slot: u64| {
        let sample = Sample { lab: "t".into(), now_slot, schedule: Some((1, s.clone())), blocks, ..Default::default() };
        Tracker::new().update(&sample).blocks_per_sec
    };
    assert_eq!(frame(vec![], 1000), None);
    // A block every slot: 2 per second, whenever the poll ran.
    assert_eq!(frame(blocks(&s, 1, 100, 901), 1001), Some(2.0));
    assert_eq!(frame(blocks(&s, 1, 100, 901), 1003), Some(2.0));
    // Every other slot empty: 1 per second.
    let half: Vec<BlockSeen> = blocks(&s, 1, 100, 901).into_iter().filter(|b| b.slot % 2 == 0).collect();
    assert_eq!(frame(half, 1001), Some(1.0));
    // A chain that stopped 30 s ago: 0.
    assert_eq!(frame(blocks(&s, 1, 100, 901), 1060), Some(0.0));
}

#[test]
fn cpu_share_needs_a_moving_clock() {
    let a = ContainerStats { cpu_total_ns: 5, system_cpu_ns: 100, online_cpus: 4, ..Default::default() };
    assert_eq!(cpu_percent(&a, &a), None);
    let b = ContainerStats { cpu_total_ns: 30, system_cpu_ns: 200, online_cpus: 4, ..Default::default() };
    assert_eq!(cpu_percent(&a, &b), Some(100.0));
    // Counters that went back (a restarted container) give nothing rather than nonsense.
    assert_eq!(cpu_percent(&b, &a), None);
}

#[test]
fn peers_come_from_handshakes() {
    let json = serde_json::json!([
        {"peer": "", "connecting": false, "syncing": false, "last_handshake":
            {"p2p_address": "t-dev-accountnum33:9876 - 2c599d3", "agent": "t-dev/accountnum33", "head_num": 11}},
        {"peer": "t-dev-genesis:9876", "connecting": false, "last_handshake":
            {"p2p_address": "t-dev-genesis:9876 - 1a2b3c4", "agent": "someone else"}},
        {"peer": "t-dev-accountnum44:9876", "connecting": true, "last_handshake": {"p2p_address": "", "agent": ""}},
        {"peer": "", "connecting": false, "last_handshake":
            {"p2p_address": "t-dev-accountnum33:9876 - 2c599d3", "agent": "t-dev/accountnum33"}}
    ]);
    let connections: Vec<crate::chain::answers::NetConnection> = serde_json::from_value(json).unwrap();
    let genesis = crate::runtime::ContainerInfo {
        name: "t-dev-genesis".into(),
        id: "x".into(),
        image: "i".into(),
        state: crate::runtime::ContainerState::Running,
        exit_code: None,
        labels: [(crate::labels::NODE.to_string(), "genesis".to_string())].into(),
        ports: vec![],
        addresses: Default::default(),
    };
    assert_eq!(peer_nodes("t-dev", &connections, &[genesis]), ["accountnum33", "genesis"]);
}

fn big_frame() -> Frame {
    let s = names(21);
    let mut t = Tracker::new();
    let mut nodes = vec![node("genesis", "genesis", Health::Running, Some(info(500, 480, "prod3")), 1)];
    for p in &s {
        nodes.push(node(p, "producer", Health::Running, Some(info(499, 480, "prod3")), 1));
    }
    let sample = Sample {
        lab: "t-big".into(),
        at: 0.0,
        now_slot: 5000,
        nodes,
        schedule: Some((1, s.clone())),
        blocks: blocks(&s, 1, 500, 4501),
        finality: None,
    };
    t.update(&sample)
}

fn screen_text(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buf = terminal.backend().buffer();
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>())
        .collect()
}

#[test]
fn twenty_one_producers_fit_80_by_24_and_scroll() {
    let frame = big_frame();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut view = View::default();
    terminal.draw(|s| draw(s, &frame, &mut view)).unwrap();
    let lines = screen_text(&terminal);
    let all = lines.join("\n");
    assert!(all.contains("head 500"), "{all}");
    assert!(all.contains("genesis") && all.contains("prod1 "), "{all}");
    assert!(all.contains("nodes 1–"), "{all}");
    assert!(!all.contains("prod21 "), "the last producer is below the fold before scrolling:\n{all}");
    // Scrolling the producers to the end shows the last one.
    view.switch();
    view.scroll(100);
    terminal.draw(|s| draw(s, &frame, &mut view)).unwrap();
    let all = screen_text(&terminal).join("\n");
    assert!(all.contains("prod21 "), "{all}");
    assert!(all.contains("of 21"), "{all}");
    // The scroll is clamped: the last page is full, not scrolled past.
    assert!(view.producer_scroll <= 21);
}

#[test]
fn plain_frames_name_every_node_and_producer() {
    let frame = big_frame();
    let text = plain(&frame);
    for p in names(21) {
        assert!(text.contains(&format!("\n{p} ")), "{p} missing:\n{text}");
    }
    assert!(text.starts_with("lab t-big  chain 2e62429e9533  head 500  LIB 480  schedule v1"), "{text}");
}
