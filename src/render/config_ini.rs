//! config.ini for one node.

use std::fmt::Write;

use crate::plan::{NetworkPlan, NodePlan, Role, DATA_MOUNT, HTTP_PORT, P2P_PORT, SHIP_PORT};

pub fn config_ini(plan: &NetworkPlan, node: &NodePlan) -> String {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: String| entries.push((k.to_string(), v));

    // This nodeos build crashes when producer_plugin is the first plugin named, so the API
    // plugins come first.
    for plugin in
        ["chain_api_plugin", "http_plugin", "net_plugin", "net_api_plugin", "producer_plugin", "producer_api_plugin"]
    {
        set("plugin", format!("eosio::{plugin}"));
    }
    set("http-server-address", format!("0.0.0.0:{HTTP_PORT}"));
    // Clients reach the API by container name or a mapped port, not by the name nodeos expects.
    set("http-validate-host", "false".into());
    set("access-control-allow-origin", "*".into());
    set("verbose-http-errors", "true".into());
    set("p2p-listen-endpoint", format!("0.0.0.0:{P2P_PORT}"));
    set("p2p-server-address", format!("{}:{P2P_PORT}", node.container));
    set("agent-name", format!("{}/{}", plan.lab, node.name));
    // Every node of the lab may connect to every other (a 21-producer mesh), with room to spare.
    let clients = plan.nodes.len() + 10;
    set("max-clients", clients.to_string());
    set("p2p-max-nodes-per-host", clients.to_string());
    // Nodes start together, so a first dial often finds its peer not yet listening; the redial
    // comes every cleanup period (30 s by default), which would leave a producer behind for that long.
    set("connection-cleanup-period", "1".into());
    for peer in &node.peers {
        let container = plan.node(peer).map(|n| n.container.clone()).unwrap_or_else(|| peer.clone());
        set("p2p-peer-address", format!("{container}:{P2P_PORT}"));
    }
    set("protocol-features-dir", format!("{DATA_MOUNT}/protocol_features"));
    // Lab-sized: thousands of accounts fit in a few dozen MB.
    set("chain-state-db-size-mb", "256".into());
    // A transaction must fit well inside a 500 ms block (the upstream script's value).
    set("max-transaction-time", "200".into());
    set("max-irreversible-block-age", "-1".into());
    set("contracts-console", "true".into());
    // The API turns a large table or account into JSON within this time; this nodeos build
    // shuts down when an HTTP thread throws, and the default 15 ms is easily passed on a busy
    // laptop (seen with thousands of get_account calls while 21 producers synced).
    set("abi-serializer-max-time-ms", "2000".into());
    // OC tier-up compiles the system contracts to native code in the background, on every node
    // at once: on a laptop that is seconds of all cores, at the moment the boot needs them. The
    // JIT runs a lab's load well enough.
    set("eos-vm-oc-enable", "none".into());
    if let Some(p) = &node.producer {
        // Every producer may produce on a chain whose head is old: a lab restarted after a pause
        // must resume, not wait for a block nobody will make.
        set("enable-stale-production", "true".into());
        set("producer-name", p.account.clone());
        set("signature-provider", format!("{}=KEY:{}", p.keys.public, p.keys.private));
        // A finalizer votes from its first block with this key, so that the switch to Savanna
        // finds every producer ready; a nodeos without Savanna would refuse the BLS provider.
        if let Some(bls) = p.finalizer.as_ref().filter(|_| plan.facts_of(node).savanna) {
            set("signature-provider", format!("{}=KEY:{}", bls.public, bls.private));
        }
    }
    if node.role == Role::Genesis {
        // The boot step `sys-contract` schedules PREACTIVATE_FEATURE through the producer API.
        set("http-max-response-time-ms", "1000".into());
    }
    if !matches!(node.role, Role::Genesis | Role::Producer) {
        // A node that produces nothing and serves the chain API gets 3 read-only threads by
        // default; Leap 4.1 then refuses to start unless its read window is longer than
        // max-transaction-time plus 10 ms ("Incorrect plugin configuration"), and Spring 1.2
        // cuts read-only transactions to 50 ms to fit its 60 ms window. Reads run on the main
        // thread instead, on both, with no read and write windows to split a transaction's path
        // in two; `nodes.X.config` can ask for threads (and the window
        // `read-only-read-window-time-us` they need).
        set("read-only-threads", "0".into());
    }
    if node.role == Role::History {
        // The chain's history for indexers: every block's traces and the state deltas, over the
        // state-history websocket (SHiP), from block 1 (the node syncs from genesis).
        set("plugin", "eosio::state_history_plugin".into());
        set("state-history-endpoint", format!("0.0.0.0:{SHIP_PORT}"));
        set("trace-history", "true".into());
        set("chain-state-history", "true".into());
        // Explorers read traces over HTTP where the image's nodeos has the trace API (its
        // `trace-dir` option says so); actions come undecoded, as no ABI is given to it.
        if plan.facts_of(node).knows("trace-dir") {
            set("plugin", "eosio::trace_api_plugin".into());
            set("trace-no-abis", "true".into());
        }
    }

    // Only what this nodeos knows: a build without EOS VM OC refuses `eos-vm-oc-enable` at start.
    // The topology's own entries were checked against the same options before anything started.
    let facts = plan.facts_of(node);
    entries.retain(|(k, _)| facts.knows(k));
    // The topology's entries replace lab's of the same key.
    for (k, _) in &node.config {
        entries.retain(|(key, _)| key != k);
    }
    entries.extend(node.config.iter().cloned());

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Rendered by antelope-lab for node `{}` ({}) of lab `{}`.",
        node.name,
        node.role.as_str(),
        plan.lab
    );
    let _ = writeln!(out, "# Edit the topology file, not this file: `lab up` renders it again.");
    for (k, v) in entries {
        let _ = writeln!(out, "{k} = {v}");
    }
    out
}
