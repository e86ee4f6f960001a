//! A standalone SVG picture, written by hand (no layout engine): nodes on a circle, in plan
//! order, so that a ring is a ring and a mesh of 21 producers stays legible; arrows from the node
//! that dials to the node it dials, under the boxes.

use std::f64::consts::PI;
use std::fmt::Write;

use super::{Graph, GraphEdge};
use crate::plan::Role;

const BOX_W: f64 = 124.0;
const BOX_H: f64 = 38.0;
const MARGIN: f64 = 24.0;
const TITLE_H: f64 = 36.0;
const LEGEND_H: f64 = 30.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

use super::fill;

/// Box centres on a circle big enough that neighbours' boxes do not touch (a chord of at least a
/// box width and a gap), starting at the top and going clockwise.
fn layout(n: usize) -> (f64, Vec<(f64, f64)>) {
    let radius = if n <= 1 { 0.0 } else { (BOX_W + 14.0) / (2.0 * (PI / n as f64).sin()) }.max(150.0);
    let points = (0..n)
        .map(|i| {
            let a = -PI / 2.0 + 2.0 * PI * i as f64 / n.max(1) as f64;
            (radius * a.cos(), radius * a.sin())
        })
        .collect();
    (radius, points)
}

/// Where the segment from `from` to `to` enters the box centred on `to`.
fn clip(from: (f64, f64), to: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let tx = if dx.abs() > f64::EPSILON { (BOX_W / 2.0 + 3.0) / dx.abs() } else { f64::INFINITY };
    let ty = if dy.abs() > f64::EPSILON { (BOX_H / 2.0 + 3.0) / dy.abs() } else { f64::INFINITY };
    let t = tx.min(ty).min(1.0);
    (to.0 - dx * t, to.1 - dy * t)
}

pub fn svg(g: &Graph) -> String {
    let (radius, points) = layout(g.nodes.len());
    let side = 2.0 * radius + BOX_W + 2.0 * MARGIN;
    let (width, height) = (side.max(520.0), side + TITLE_H + LEGEND_H);
    let (cx, cy) = (width / 2.0, TITLE_H + side / 2.0);
    let at = |name: &str| g.nodes.iter().position(|n| n.name == name).map(|i| (cx + points[i].0, cy + points[i].1));
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="Helvetica, Arial, sans-serif">"#
    );
    let _ = writeln!(out, "<title>lab {}: p2p topology</title>", esc(&g.lab));
    out.push_str(concat!(
        "<defs>",
        r##"<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#575279"/></marker>"##,
        r##"<marker id="arrow-down" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b4637a"/></marker>"##,
        r##"<marker id="arrow-live" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#2a9d3a"/></marker>"##,
        "</defs>\n"
    ));
    let _ = writeln!(out, r##"<rect width="100%" height="100%" fill="#faf4ed"/>"##);
    let live = if g.live { ", live" } else { "" };
    let _ = writeln!(
        out,
        r##"<text x="{MARGIN}" y="24" font-size="16" font-weight="bold" fill="#286983">lab {}: {} nodes, {} links{live}</text>"##,
        esc(&g.lab),
        g.nodes.len(),
        g.edges.len()
    );
    // Many edges in a mesh: thin and translucent, so the boxes stay readable.
    let opacity = if g.edges.len() > 60 { 0.35 } else { 0.8 };
    out.push_str("<g class=\"edges\">\n");
    for e in &g.edges {
        let (Some(a), Some(b)) = (at(&e.from), at(&e.to)) else { continue };
        let (x2, y2) = clip(a, b);
        let (stroke, extra, marker) = match e {
            GraphEdge { planned: false, .. } => ("#2a9d3a", r#" stroke-width="2""#, "arrow-live"),
            GraphEdge { connected: Some(false), .. } => ("#b4637a", r#" stroke-dasharray="6 4""#, "arrow-down"),
            _ => ("#575279", "", "arrow"),
        };
        let _ = writeln!(
            out,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}" stroke-opacity="{opacity}"{extra} marker-end="url(#{marker})"><title>{} dials {}</title></line>"#,
            a.0,
            a.1,
            esc(&e.from),
            esc(&e.to)
        );
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    for n in &g.nodes {
        let (x, y) = at(&n.name).expect("a node of the graph");
        let down = n.state.as_deref().is_some_and(|s| s != "running");
        let _ = writeln!(
            out,
            r##"<g class="node"><rect x="{:.1}" y="{:.1}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="{}" stroke="#575279"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="13" font-weight="bold" fill="#232136">{}</text><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#393552">{}</text></g>"##,
            x - BOX_W / 2.0,
            y - BOX_H / 2.0,
            fill(n.role, down),
            y - 3.0,
            esc(&n.name),
            y + 12.0,
            esc(&g.caption(n))
        );
    }
    out.push_str("</g>\n");
    let ly = height - 12.0;
    let mut lx = MARGIN;
    for (label, color) in [
        ("genesis", fill(Role::Genesis, false)),
        ("producer", fill(Role::Producer, false)),
        ("node", fill(Role::Node, false)),
        ("api", fill(Role::Api, false)),
        ("history", fill(Role::History, false)),
        ("not running", fill(Role::Node, true)),
    ] {
        let _ = writeln!(
            out,
            r##"<rect x="{lx}" y="{:.1}" width="14" height="14" rx="3" fill="{color}" stroke="#575279"/><text x="{:.1}" y="{ly:.1}" font-size="11" fill="#393552">{label}</text>"##,
            ly - 11.0,
            lx + 18.0
        );
        lx += 30.0 + 7.0 * label.len() as f64;
    }
    if g.live {
        let _ = writeln!(
            out,
            r##"<text x="{lx}" y="{ly:.1}" font-size="11" fill="#393552">dashed: planned, not connected · green: connected, not planned</text>"##
        );
    }
    out.push_str("</svg>\n");
    out
}
