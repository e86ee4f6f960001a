//! Graphviz DOT: `lab graph --format dot | dot -Tpng` (or `circo` for a ring of producers).

use std::fmt::Write;

use super::{Graph, GraphEdge};

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub fn dot(g: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "// lab `{}`: an edge goes from the node that dials to the node it dials", g.lab);
    let _ = writeln!(out, "digraph {} {{", quote(&g.lab));
    out.push_str("  graph [rankdir=LR, overlap=false, splines=true];\n");
    out.push_str("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n");
    for n in &g.nodes {
        let down = n.state.as_deref().is_some_and(|s| s != "running");
        let fill = super::fill(n.role, down);
        let label = format!("{}\\n{}", n.name, g.caption(n));
        let _ = writeln!(out, "  {} [label=\"{label}\", fillcolor=\"{fill}\"];", quote(&n.name));
    }
    for e in &g.edges {
        let attrs = match e {
            GraphEdge { planned: false, .. } => " [color=\"#2a9d3a\", penwidth=2, label=\"live only\"]",
            GraphEdge { connected: Some(false), .. } => " [style=dashed, color=\"#b4637a\", label=\"down\"]",
            _ => "",
        };
        let _ = writeln!(out, "  {} -> {}{attrs};", quote(&e.from), quote(&e.to));
    }
    out.push_str("}\n");
    out
}
