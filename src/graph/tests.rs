//! Golden files for the default lab and a 21-producer ring; `UPDATE_GOLDEN=1` rewrites them after
//! a deliberate change (then read the diff).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::*;
use crate::topology::{parse, TopologySource, DEFAULT_TOPOLOGY};

fn plan(yaml: &str) -> NetworkPlan {
    let source = TopologySource { topology: parse(yaml).unwrap(), path: None };
    NetworkPlan::build(&source, "golden").unwrap()
}

const RING21: &str = "name: ring\nproducers: 21\naccounts: {count: 25}\np2p: {shape: ring}\n";

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/graph/testdata").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
    assert_eq!(actual, expected, "{name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)");
}

#[test]
fn default_lab_mermaid_and_dot() {
    let g = Graph::from_plan(&plan(DEFAULT_TOPOLOGY));
    golden("default.mmd", &mermaid(&g));
    golden("default.dot", &dot(&g));
}

#[test]
fn ring_of_21_producers_mermaid_and_dot() {
    let g = Graph::from_plan(&plan(RING21));
    assert_eq!(g.nodes.len(), 22);
    // A ring: every node dials exactly one other, the last one the first.
    assert_eq!(g.edges.len(), 22);
    golden("ring21.mmd", &mermaid(&g));
    golden("ring21.dot", &dot(&g));
}

#[test]
fn the_default_mesh_has_every_pair_once() {
    let g = Graph::from_plan(&plan(DEFAULT_TOPOLOGY));
    assert_eq!(g.edges.len(), 10, "5 nodes in a mesh: 10 links");
    let pairs: BTreeSet<(String, String)> = g.edges.iter().map(|e| (e.from.clone(), e.to.clone())).collect();
    assert!(pairs.contains(&("accountnum11".into(), "genesis".into())));
}

fn parse_svg(text: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(text).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text().map(str::to_string)).collect()
}

#[test]
fn svg_parses_and_names_every_node() {
    for yaml in [DEFAULT_TOPOLOGY, RING21, "name: mesh\nproducers: 21\naccounts: {count: 25}\nextra_nodes: [api]\n"] {
        let g = Graph::from_plan(&plan(yaml));
        let texts = parse_svg(&svg(&g));
        for n in &g.nodes {
            assert!(texts.contains(&n.name), "{} is not named in the SVG", n.name);
        }
    }
}

#[test]
fn svg_boxes_do_not_overlap_at_21_producers() {
    let g = Graph::from_plan(&plan(RING21));
    let text = svg(&g);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let boxes: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("width") == Some("124"))
        .map(|n| (n.attribute("x").unwrap().parse().unwrap(), n.attribute("y").unwrap().parse().unwrap()))
        .collect();
    assert_eq!(boxes.len(), 22);
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart = (a.0 - b.0).abs() >= 124.0 || (a.1 - b.1).abs() >= 38.0;
            assert!(apart, "boxes at {a:?} and {b:?} overlap");
        }
    }
}

#[test]
fn live_state_marks_down_links_stopped_nodes_and_unplanned_connections() {
    let g = Graph::from_plan(&plan(RING21));
    let stopped = g.nodes[3].name.clone();
    let states: BTreeMap<String, String> = g
        .nodes
        .iter()
        .map(|n| (n.name.clone(), if n.name == stopped { "stopped" } else { "running" }.to_string()))
        .collect();
    // genesis–accountnum11 is planned (genesis dials the first producer); connected the other way round.
    let first = g.nodes[1].name.clone();
    let links =
        BTreeSet::from([(first.clone(), "genesis".to_string()), ("genesis".to_string(), g.nodes[5].name.clone())]);
    let live = g.with_live(&states, &links);
    assert!(live.live);
    let e = live.edges.iter().find(|e| e.from == "genesis" && e.to == first).unwrap();
    assert_eq!(e.connected, Some(true));
    assert_eq!(live.edges.iter().filter(|e| e.connected == Some(false)).count(), 21);
    let extra: Vec<&GraphEdge> = live.edges.iter().filter(|e| !e.planned).collect();
    assert_eq!(extra.len(), 1);
    let m = mermaid(&live);
    assert!(m.contains("-.->|down|") && m.contains("==>|live only|"), "{m}");
    assert!(m.contains("producer · running") && m.contains("producer · stopped"), "{m}");
    assert!(m.contains("class n3 down"), "{m}");
    let d = dot(&live);
    assert!(d.contains("style=dashed") && d.contains("live only"), "{d}");
    parse_svg(&svg(&live));
}

#[test]
fn nodes_missing_from_a_running_lab_are_absent() {
    let g = Graph::from_plan(&plan(DEFAULT_TOPOLOGY)).with_live(&BTreeMap::new(), &BTreeSet::new());
    assert!(g.nodes.iter().all(|n| n.state.as_deref() == Some("absent")));
    assert!(mermaid(&g).contains("class n0,n1,n2,n3,n4 down"));
}

#[test]
fn api_and_history_nodes_have_their_own_shapes_and_colours() {
    let g = Graph::from_plan(&plan(
        "name: serve\nextra_nodes: [relay, {name: api, role: api}, {name: history, role: history}]\n",
    ));
    let m = mermaid(&g);
    let line = |name: &str| m.lines().find(|l| l.contains(&format!("\"{name}<br/>"))).unwrap().to_string();
    assert!(line("api").contains("[[\"") && line("api").ends_with("]]"), "{m}");
    assert!(line("history").contains("[(\"") && line("history").ends_with(")]"), "{m}");
    assert!(line("relay").contains("[/\""), "{m}");
    let class = |role: &str| {
        m.lines().find(|l| l.starts_with("  class ") && l.ends_with(&format!(" {role}"))).map(str::to_string)
    };
    assert!(class("api").is_some() && class("history").is_some(), "{m}");
    let d = dot(&g);
    assert!(d.contains(fill(Role::Api, false)) && d.contains(fill(Role::History, false)), "{d}");
    assert_ne!(fill(Role::Api, false), fill(Role::History, false));
    // The history node peers with the genesis node (it fetches every block from the first).
    assert!(g.edges.iter().any(|e| e.from == "history" && e.to == "genesis"), "{:?}", g.edges);
}
