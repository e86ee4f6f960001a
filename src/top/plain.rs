//! A frame as plain lines: what `top` prints when stdout is not a terminal, and `--once`.

use std::fmt::Write;

use super::Frame;

fn or_dash<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

/// The one-line summary: chain id, head, LIB, schedule version, blocks per second, whose turn.
pub fn summary(f: &Frame) -> String {
    let chain = f.chain_id.as_deref().map(|c| &c[..c.len().min(12)]).unwrap_or("-");
    let line = format!(
        "lab {}  chain {chain}  head {}  LIB {}  schedule v{}  {} blocks/s  turn {}  missed {}",
        f.lab,
        or_dash(f.head),
        or_dash(f.lib),
        or_dash(f.schedule_version),
        f.blocks_per_sec.map(|b| format!("{b:.1}")).unwrap_or_else(|| "-".into()),
        f.turn.as_deref().unwrap_or("-"),
        f.missed_slots
    );
    match &f.finality {
        Some(finality) => format!("{line}\n{finality}"),
        None => line,
    }
}

pub fn plain(f: &Frame) -> String {
    let mut out = summary(f);
    out.push('\n');
    let _ = writeln!(
        out,
        "{:<14} {:<9} {:<13} {:>8} {:>8} {:>4} {:<13} {:>5} {:>6} {:>7}",
        "NODE", "ROLE", "STATE", "HEAD", "LIB", "LAG", "PRODUCER", "PEERS", "CPU%", "MEM MB"
    );
    for n in &f.nodes {
        let _ = writeln!(
            out,
            "{:<14} {:<9} {:<13} {:>8} {:>8} {:>4} {:<13} {:>5} {:>6} {:>7}",
            n.node,
            n.role,
            n.state,
            or_dash(n.head),
            or_dash(n.lib),
            or_dash(n.lag),
            n.head_producer.as_deref().unwrap_or("-"),
            or_dash(n.peers.as_ref().map(Vec::len)),
            n.cpu_percent.map(|c| format!("{c:.1}")).unwrap_or_else(|| "-".into()),
            n.memory_mb.map(|m| format!("{m:.0}")).unwrap_or_else(|| "-".into()),
        );
        if !n.faults.is_empty() {
            let _ = writeln!(out, "{:<14} faults: {}", "", n.faults.join("; "));
        }
    }
    if !f.producers.is_empty() {
        let _ = writeln!(out, "{:<14} {:>10} {:>10} {:>7}  TURN", "PRODUCER", "THIS ROUND", "PREV ROUND", "MISSED");
        for p in &f.producers {
            let _ = writeln!(
                out,
                "{:<14} {:>10} {:>10} {:>7}  {}",
                p.producer,
                p.this_round,
                p.previous_round,
                p.missed_slots,
                if p.turn { "◀" } else { "" }
            );
        }
    }
    out
}
