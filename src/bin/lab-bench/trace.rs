//! `--trace`: the timeline of a bring-up, from the library's tracing spans — each progress task
//! (bring-up phases and boot steps), each container made and started, each exec in a container
//! (what the boot runs there: cleos, curl to the node's API, scripts) — written as JSON and drawn
//! as a Gantt chart (SVG: one lane for the tasks, one a container, overlapping calls stacked),
//! so the critical path shows.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// One bar of the chart.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    /// `task`, `create`, `start` or `exec`.
    pub kind: &'static str,
    /// `lab` for tasks, else the container.
    pub lane: String,
    pub label: String,
    pub start_s: f64,
    pub end_s: f64,
}

/// Collects the spans into bars, relative to the last [`Recorder::restart`].
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Mutex<State>>,
}

struct State {
    origin: Instant,
    bars: Vec<Bar>,
}

struct Open {
    kind: &'static str,
    lane: String,
    label: String,
    start: Instant,
}

#[derive(Default)]
struct Fields {
    label: Option<String>,
    container: Option<String>,
    what: Option<String>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.set(field, format!("{value:?}"));
    }
}

impl Fields {
    fn set(&mut self, field: &Field, value: String) {
        match field.name() {
            "label" => self.label = Some(value),
            "container" => self.container = Some(value),
            "what" => self.what = Some(value),
            _ => {}
        }
    }
}

impl Recorder {
    pub fn new() -> Self {
        Recorder { inner: Arc::new(Mutex::new(State { origin: Instant::now(), bars: Vec::new() })) }
    }

    /// Forgets the bars so far; times count from now.
    pub fn restart(&self) {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        s.origin = Instant::now();
        s.bars.clear();
    }

    /// The bars since the last restart, in order of their start.
    pub fn bars(&self) -> Vec<Bar> {
        let s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut bars = s.bars.clone();
        bars.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        bars
    }
}

impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let kind = match attrs.metadata().name() {
            "task" => "task",
            "create" => "create",
            "start" => "start",
            "exec" => "exec",
            _ => return,
        };
        let mut f = Fields::default();
        attrs.record(&mut f);
        let lane = if kind == "task" { "lab".to_string() } else { f.container.clone().unwrap_or_default() };
        let label = match kind {
            "task" => f.label.unwrap_or_default(),
            "exec" => f.what.unwrap_or_default(),
            other => other.to_string(),
        };
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Open { kind, lane, label, start: Instant::now() });
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(open) = ctx.span(&id).and_then(|s| s.extensions_mut().remove::<Open>()) else { return };
        let end = Instant::now();
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        // A span opened before the last restart is not this run's.
        let Some(start) = open.start.checked_duration_since(s.origin) else { return };
        let end_s = end.saturating_duration_since(s.origin).as_secs_f64();
        s.bars.push(Bar { kind: open.kind, lane: open.lane, label: open.label, start_s: start.as_secs_f64(), end_s });
    }
}

/// Writes `<stem>.json` (the bars) and `<stem>.svg` (the chart) under `dir`.
pub fn write(dir: &Path, stem: &str, title: &str, bars: &[Bar]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(format!("{stem}.json")), serde_json::to_string_pretty(bars)? + "\n")?;
    std::fs::write(dir.join(format!("{stem}.svg")), svg(title, bars))?;
    Ok(())
}

/// The chart's layout: each lane with its number of rows, each bar with its row.
struct Layout<'a> {
    lanes: Vec<(String, usize)>,
    placed: Vec<(usize, &'a Bar)>,
}

/// Lanes in order: the tasks, then each container in the order it first appears; within a lane
/// each bar on the first row free at its start.
fn rows(bars: &[Bar]) -> Layout<'_> {
    let mut lanes: Vec<String> = vec!["lab".into()];
    for b in bars {
        if !lanes.contains(&b.lane) {
            lanes.push(b.lane.clone());
        }
    }
    // Per lane, the end of each of its rows.
    let mut ends: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut placed = Vec::new();
    let mut per_bar = Vec::new();
    for b in bars {
        let rows = ends.entry(b.lane.as_str()).or_default();
        let row = match rows.iter().position(|end| *end <= b.start_s) {
            Some(r) => r,
            None => {
                rows.push(0.0);
                rows.len() - 1
            }
        };
        rows[row] = b.end_s;
        per_bar.push((b.lane.as_str(), row));
    }
    // Rows before each lane, so a bar's row is its lane's first plus its own.
    let mut first = BTreeMap::new();
    let mut next = 0;
    let mut lane_rows = Vec::new();
    for lane in &lanes {
        let n = ends.get(lane.as_str()).map_or(1, |r| r.len().max(1));
        first.insert(lane.as_str(), next);
        lane_rows.push((lane.clone(), n));
        next += n;
    }
    for (b, (lane, row)) in bars.iter().zip(per_bar) {
        placed.push((first[lane] + row, b));
    }
    Layout { lanes: lane_rows, placed }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn color(b: &Bar) -> &'static str {
    match b.kind {
        "task" => "#4e79a7",
        "create" | "start" => "#e15759",
        _ if b.label.starts_with("cleos") || b.label == "push transaction" => "#f28e2b",
        _ if b.label.contains('/') || b.label.starts_with("curl") => "#59a14f",
        _ => "#b07aa1",
    }
}

/// The chart: time across, lanes down; each bar's tooltip says what, when and how long.
fn svg(title: &str, bars: &[Bar]) -> String {
    const LEFT: f64 = 170.0;
    const WIDTH: f64 = 1400.0;
    const ROW: f64 = 14.0;
    const TOP: f64 = 40.0;
    let Layout { lanes, placed } = rows(bars);
    let total_rows: usize = lanes.iter().map(|(_, n)| n).sum();
    let span = bars.iter().map(|b| b.end_s).fold(1.0_f64, f64::max);
    let scale = (WIDTH - LEFT - 20.0) / span;
    let height = TOP + total_rows as f64 * ROW + 30.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="10">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(out, r#"<text x="8" y="16" font-size="13" font-weight="bold">{}</text>"#, escape(title));
    // Seconds across, a tick each second (each 5 beyond 30 s).
    let step = if span > 30.0 { 5 } else { 1 };
    let mut t = 0;
    while (t as f64) <= span {
        let x = LEFT + t as f64 * scale;
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#555">{t} s</text>"##,
            height - 24.0,
            TOP - 6.0
        );
        t += step;
    }
    let mut y = TOP;
    for (i, (lane, n)) in lanes.iter().enumerate() {
        let h = *n as f64 * ROW;
        if i % 2 == 1 {
            let _ = writeln!(out, r##"<rect x="0" y="{y:.1}" width="{WIDTH}" height="{h:.1}" fill="#f6f6f6"/>"##);
        }
        let _ = writeln!(out, r#"<text x="8" y="{:.1}">{}</text>"#, y + 10.5, escape(lane));
        y += h;
    }
    for (row, b) in placed {
        let x = LEFT + b.start_s * scale;
        let w = ((b.end_s - b.start_s) * scale).max(1.0);
        let y = TOP + row as f64 * ROW + 1.0;
        let tip = format!("{} {}: {:.2}–{:.2} s ({:.2} s)", b.lane, b.label, b.start_s, b.end_s, b.end_s - b.start_s);
        let _ = writeln!(
            out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{:.1}" fill="{}" stroke="white" stroke-width="0.5"><title>{}</title></rect>"#,
            ROW - 2.0,
            color(b),
            escape(&tip)
        );
        // A label where it fits (about 6 px a character).
        if w > 6.0 * b.label.chars().count() as f64 + 6.0 {
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="white" pointer-events="none">{}</text>"#,
                x + 3.0,
                y + 9.5,
                escape(&b.label)
            );
        }
    }
    let _ = writeln!(
        out,
        r##"<text x="8" y="{:.1}" fill="#555">blue: lab's tasks (bring-up, boot steps) · red: container made or started · orange: cleos · green: a node's API · purple: other commands</text>"##,
        height - 8.0
    );
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(kind: &'static str, lane: &str, start_s: f64, end_s: f64) -> Bar {
        Bar { kind, lane: lane.into(), label: "x".into(), start_s, end_s }
    }

    #[test]
    fn overlapping_calls_in_a_lane_are_stacked_and_lanes_follow_the_tasks() {
        let bars = vec![
            bar("task", "lab", 0.0, 2.0),
            bar("exec", "genesis", 0.1, 1.0),
            bar("exec", "genesis", 0.5, 0.8),
            bar("exec", "genesis", 1.0, 1.5),
            bar("exec", "p1", 0.2, 0.3),
        ];
        let Layout { lanes, placed } = rows(&bars);
        assert_eq!(lanes, [("lab".to_string(), 1), ("genesis".to_string(), 2), ("p1".to_string(), 1)]);
        let rows: Vec<usize> = placed.iter().map(|(r, _)| *r).collect();
        assert_eq!(rows, [0, 1, 2, 1, 3]);
        let drawn = svg("t", &bars);
        assert_eq!(drawn.matches("<title>").count(), 5);
        assert!(drawn.contains("genesis x: 0.50–0.80 s (0.30 s)"), "{drawn}");
    }
}
