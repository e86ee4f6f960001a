//! Mermaid `flowchart`: renders in GitHub, GitLab and most Markdown previews.

use std::fmt::Write;

use super::{Graph, GraphEdge};
use crate::plan::Role;

pub fn mermaid(g: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "%% lab `{}`: an arrow goes from the node that dials to the node it dials", g.lab);
    out.push_str("flowchart LR\n");
    // Ids by position: node names may hold '.', which Mermaid reads as syntax.
    let id = |name: &str| g.nodes.iter().position(|n| n.name == name).map(|i| format!("n{i}")).unwrap_or_default();
    for (i, n) in g.nodes.iter().enumerate() {
        let (open, close) = match n.role {
            Role::Genesis => ("([", "])"),
            Role::Producer => ("[", "]"),
            Role::Node => ("[/", "/]"),
            Role::Api => ("[[", "]]"),
            Role::History => ("[(", ")]"),
        };
        let _ = writeln!(out, "  n{i}{open}\"{}<br/>{}\"{close}", n.name, g.caption(n));
    }
    for e in &g.edges {
        let arrow = match e {
            GraphEdge { planned: false, .. } => "==>|live only|",
            GraphEdge { connected: Some(false), .. } => "-.->|down|",
            _ => "-->",
        };
        let _ = writeln!(out, "  {} {arrow} {}", id(&e.from), id(&e.to));
    }
    out.push_str("  classDef genesis fill:#f6c177,stroke:#9a6a1f\n");
    out.push_str("  classDef producer fill:#9ccfd8,stroke:#286983\n");
    out.push_str("  classDef node fill:#e0def4,stroke:#575279\n");
    out.push_str("  classDef api fill:#c4a7e7,stroke:#575279\n");
    out.push_str("  classDef history fill:#ebbcba,stroke:#575279\n");
    out.push_str("  classDef down fill:#eb6f92,stroke:#b4637a\n");
    for role in [Role::Genesis, Role::Producer, Role::Node, Role::Api, Role::History] {
        let ids: Vec<String> = g
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.role == role && n.state.as_deref().is_none_or(|s| s == "running"))
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "  class {} {}", ids.join(","), role.as_str());
        }
    }
    let down: Vec<String> = g
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.state.as_deref().is_some_and(|s| s != "running"))
        .map(|(i, _)| format!("n{i}"))
        .collect();
    if !down.is_empty() {
        let _ = writeln!(out, "  class {} down", down.join(","));
    }
    out
}
