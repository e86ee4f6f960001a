//! `lab graph`: the p2p topology as a picture. [`Graph`] is built from the plan (who dials whom,
//! `plan::peers`), optionally overlaid with what a running lab reports (container states, the
//! connections nodeos has); `mermaid`, `dot` and `svg` only draw it. All of it is pure.

mod dot;
mod mermaid;
mod svg;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub(crate) use dot::dot;
pub(crate) use mermaid::mermaid;
pub(crate) use svg::svg;

use crate::plan::{NetworkPlan, Role};

/// A node's fill colour in every picture: by role, or the colour of a node not running.
fn fill(role: Role, down: bool) -> &'static str {
    match (role, down) {
        (_, true) => "#eb6f92",
        (Role::Genesis, _) => "#f6c177",
        (Role::Producer, _) => "#9ccfd8",
        (Role::Node, _) => "#e0def4",
        (Role::Api, _) => "#c4a7e7",
        (Role::History, _) => "#ebbcba",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Graph {
    pub lab: String,
    /// Genesis first, then producers, then extra nodes (the plan's order).
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// Whether states and connections come from a running lab.
    pub live: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphNode {
    pub name: String,
    pub role: Role,
    /// The node's state in a running lab (`running`, `stopped`, `crashed`, …).
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphEdge {
    /// The node that dials.
    pub from: String,
    /// The node it dials.
    pub to: String,
    /// In the plan (`p2p-peer-address`); otherwise a connection only the running lab has.
    pub planned: bool,
    /// With a running lab: whether the two nodes are connected now.
    pub connected: Option<bool>,
}

impl Graph {
    /// The planned topology: every node, an edge from each node to each peer it dials.
    pub fn from_plan(plan: &NetworkPlan) -> Graph {
        let nodes = plan.nodes.iter().map(|n| GraphNode { name: n.name.clone(), role: n.role, state: None }).collect();
        let edges = plan
            .nodes
            .iter()
            .flat_map(|n| {
                n.peers.iter().map(|p| GraphEdge {
                    from: n.name.clone(),
                    to: p.clone(),
                    planned: true,
                    connected: None,
                })
            })
            .collect();
        Graph { lab: plan.lab.clone(), nodes, edges, live: false }
    }

    /// Overlays a running lab: `states` by node; `links`, the pairs of nodes connected now (either
    /// way round: a p2p connection carries blocks both ways whoever dialed it).
    pub fn with_live(mut self, states: &BTreeMap<String, String>, links: &BTreeSet<(String, String)>) -> Graph {
        let pair =
            |a: &str, b: &str| if a <= b { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) };
        let links: BTreeSet<(String, String)> = links.iter().map(|(a, b)| pair(a, b)).collect();
        for n in &mut self.nodes {
            n.state = Some(states.get(&n.name).cloned().unwrap_or_else(|| "absent".into()));
        }
        let mut planned = BTreeSet::new();
        for e in &mut self.edges {
            let p = pair(&e.from, &e.to);
            e.connected = Some(links.contains(&p));
            planned.insert(p);
        }
        let known: BTreeSet<&str> = self.nodes.iter().map(|n| n.name.as_str()).collect();
        for (a, b) in links.difference(&planned) {
            if known.contains(a.as_str()) && known.contains(b.as_str()) {
                self.edges.push(GraphEdge { from: a.clone(), to: b.clone(), planned: false, connected: Some(true) });
            }
        }
        self.live = true;
        self
    }

    /// A node's short description under its name: its role, and its state when live.
    fn caption(&self, node: &GraphNode) -> String {
        match &node.state {
            Some(s) => format!("{} · {s}", node.role.as_str()),
            None => node.role.as_str().to_string(),
        }
    }
}
