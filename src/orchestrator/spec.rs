//! The container for one node of the plan: command line, mounts, ports, labels. Pure.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::STOP_TIMEOUT_SECS;
use crate::labels;
use crate::plan::{
    NetworkPlan, NodePlan, Role, CONFIG_MOUNT, DATA_MOUNT, GENESIS_MOUNT, RESTORED_SNAPSHOT, RESTORE_SNAPSHOT,
    RESYNC_MARKER, START_PAUSED, START_PAUSED_FOR_SECS, START_SNAPSHOT,
};
use crate::runtime::{ContainerSpec, FileEntry, Mount, PortMap};
use crate::state::StateDir;

/// The container for one node, from the plan. Pure.
pub fn container_spec(plan: &NetworkPlan, node: &NodePlan, state: &StateDir) -> ContainerSpec {
    let ports = node
        .host_ports()
        .into_iter()
        .map(|p| PortMap { container_port: p.container, host_ip: "127.0.0.1".into(), host_port: p.host })
        .collect();
    let mut nodeos =
        vec!["nodeos".to_string(), "--config-dir".into(), CONFIG_MOUNT.into(), "--data-dir".into(), DATA_MOUNT.into()];
    if node.role == Role::History {
        // state_history_plugin refuses to start without it (every block applied in full); it is
        // a command-line option, which config.ini cannot carry.
        nodeos.push("--disable-replay-opts".into());
    }
    nodeos.extend(node.args.iter().cloned());
    let quoted: Vec<String> = nodeos.iter().map(|a| shell_quote(a)).collect();
    let cmd = quoted.join(" ");
    // START_PAUSED in the node's data starts it with production paused, once: the chain as a
    // whole starts (a lab made from a bundle, a stopped lab started), and its producers are
    // released together once they are connected (see `orchestrator::release`).
    let pause = pause_script(DATA_MOUNT);
    let cmd = format!("{cmd} $pause");
    // A snapshot put at RESTORE_SNAPSHOT replaces the node's chain: its blocks and state go, and
    // it starts from the snapshot once (a crashed node's recovery, a lab made from a bundle). A
    // RESYNC_MARKER has it drop its chain and history and sync again from block 1 (a history node's).
    let restore = format!(
        "if [ -f {DATA_MOUNT}/{RESTORE_SNAPSHOT} ]; then rm -rf {DATA_MOUNT}/blocks {DATA_MOUNT}/state \\
         && mv -f {DATA_MOUNT}/{RESTORE_SNAPSHOT} {DATA_MOUNT}/{RESTORED_SNAPSHOT} \\
         || {{ echo \"lab: cannot put the restore snapshot in place\" >&2; exit 1; }}; \\
         exec {cmd} --snapshot {DATA_MOUNT}/{RESTORED_SNAPSHOT}; fi; \
         if [ -f {DATA_MOUNT}/{RESYNC_MARKER} ]; then rm -rf {DATA_MOUNT}/blocks {DATA_MOUNT}/state \
         {DATA_MOUNT}/state-history {DATA_MOUNT}/traces {DATA_MOUNT}/{RESYNC_MARKER} \
         || {{ echo \"lab: cannot clear the node's chain for a resync\" >&2; exit 1; }}; \
         exec {cmd} --genesis-json {CONFIG_MOUNT}/genesis.json; fi; "
    );
    // A restarted node keeps its blocks. A node with no data starts from the genesis node's
    // start snapshot when the boot made one (the chain as it stands, instead of replaying every
    // block since genesis), else from the genesis file, which only a fresh chain may be given. A
    // history node starts from the genesis file always: its history begins at block 1, which it
    // syncs from the genesis node.
    let script = pause
        + &restore
        + &if matches!(node.role, Role::Genesis | Role::History) {
            format!("if [ -d {DATA_MOUNT}/blocks ]; then exec {cmd}; else exec {cmd} --genesis-json {CONFIG_MOUNT}/genesis.json; fi")
        } else {
            let snapshot = format!("{GENESIS_MOUNT}/{START_SNAPSHOT}");
            format!(
            "if [ -d {DATA_MOUNT}/blocks ]; then exec {cmd}; elif [ -f {snapshot} ]; then exec {cmd} --snapshot {snapshot}; \
             else exec {cmd} --genesis-json {CONFIG_MOUNT}/genesis.json; fi"
            )
        };
    let mut mounts = vec![
        Mount::BindReadOnly { source: state.node_dir(&node.name).display().to_string(), target: CONFIG_MOUNT.into() },
        Mount::Volume { name: node.volume.clone(), target: DATA_MOUNT.into(), read_only: false },
    ];
    if node.role != Role::Genesis {
        mounts.push(Mount::Volume {
            name: plan.genesis().volume.clone(),
            target: GENESIS_MOUNT.into(),
            read_only: true,
        });
    }
    let mut labels = node.labels.clone();
    let mut spec = ContainerSpec {
        name: node.container.clone(),
        hostname: node.container.clone(),
        image: plan.image_of(node).reference().to_string(),
        network: plan.network.clone(),
        entrypoint: vec!["sh".into(), "-c".into()],
        cmd: vec![script],
        env: vec![],
        labels: BTreeMap::new(),
        mounts,
        ports,
        stop_timeout: STOP_TIMEOUT_SECS,
        share_network_of: None,
        cap_add: vec![],
        cpu_shares: (node.role == Role::Genesis).then(|| genesis_cpu_shares(plan)),
    };
    let digest = Sha256::digest(format!("{spec:?}{:?}", crate::render::node_files(plan, node)));
    labels.insert(labels::SPEC.into(), digest.iter().take(8).map(|b| format!("{b:02x}")).collect());
    spec.labels = labels;
    spec
}

/// Sets `pause` to `--pause-on-startup` when a [`START_PAUSED`] marker younger than
/// [`START_PAUSED_FOR_SECS`] lies in `data`, and removes the marker in any case. A marker that is
/// not a number counts as old. Pure.
pub fn pause_script(data: &str) -> String {
    format!(
        "pause=; if [ -f {data}/{START_PAUSED} ]; then t=$(cat {data}/{START_PAUSED}); rm -f {data}/{START_PAUSED}; \
         case \"$t\" in ''|*[!0-9]*) t=0;; esac; \
         if [ $(( $(date +%s) - t )) -lt {START_PAUSED_FOR_SECS} ]; then pause=--pause-on-startup; fi; fi; "
    )
}

/// The marker that holds a node's next start paused (see `pause_script`), stamped now.
pub fn start_paused_marker() -> FileEntry {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    FileEntry { name: START_PAUSED.into(), contents: now.to_string().into_bytes(), mode: 0o644 }
}

/// The CPU weight that gives the genesis node as much CPU as all the other nodes together when
/// they contend for it (each has the engine's default, 1024), within Docker's range. The genesis
/// node serves the lab's API and runs every boot step; when the chain resumes after a start or
/// from a snapshot, every other node spends its first block measuring its timer in a busy loop
/// (about 0.4 s of CPU each, 21 of them at once on 2 cores at 21 producers), and the node that
/// answers the user must not wait behind them. A weight limits nothing: an idle machine gives
/// every node all it asks for.
pub fn genesis_cpu_shares(plan: &NetworkPlan) -> i64 {
    const DEFAULT: i64 = 1024;
    const MAX: i64 = 262_144;
    (DEFAULT * (plan.nodes.len() as i64 - 1).max(1)).min(MAX)
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::{parse, TopologySource};

    fn plan(producers: usize) -> NetworkPlan {
        let topology = parse(&format!("name: w\nproducers: {producers}")).unwrap();
        NetworkPlan::build(&TopologySource { topology, path: None }, "seed").unwrap()
    }

    #[test]
    fn the_genesis_node_weighs_as_much_as_all_the_others_and_they_keep_the_default() {
        let state = StateDir { root: "/nonexistent/w".into() };
        for (producers, weight) in [(1, 1024), (4, 4 * 1024), (21, 21 * 1024)] {
            let plan = plan(producers);
            for node in &plan.nodes {
                let spec = container_spec(&plan, node, &state);
                let expected = (node.role == Role::Genesis).then_some(weight);
                assert_eq!(spec.cpu_shares, expected, "{} of {producers} producers", node.name);
            }
        }
    }

    /// The pause fragment in a real shell: what `pause` becomes for a marker of each age, and
    /// that the marker is gone after.
    #[test]
    fn a_fresh_marker_pauses_the_start_and_an_old_or_garbled_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let marker = dir.path().join(START_PAUSED);
        let now = String::from_utf8(start_paused_marker().contents).unwrap().parse::<u64>().unwrap();
        let old = now - START_PAUSED_FOR_SECS - 1;
        for (contents, expected) in [
            (Some(now.to_string()), "--pause-on-startup"),
            (Some(old.to_string()), ""),
            (Some("x1".into()), ""),
            (None, ""),
        ] {
            if let Some(c) = &contents {
                std::fs::write(&marker, c).unwrap();
            }
            let script = format!("{}printf %s \"$pause\"", pause_script(data));
            let out = std::process::Command::new("sh").arg("-c").arg(script).output().unwrap();
            assert!(out.status.success(), "{contents:?}: {}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{contents:?}");
            assert!(!marker.exists(), "{contents:?}");
        }
    }

    #[test]
    fn the_weight_stays_within_the_engines_range() {
        let mut plan = plan(21);
        let extra = plan.nodes[1].clone();
        plan.nodes.extend(std::iter::repeat_n(extra, 280));
        assert_eq!(genesis_cpu_shares(&plan), 262_144);
    }

    #[test]
    fn a_history_node_starts_from_genesis_with_replay_optimisations_off_and_publishes_ship() {
        let topology = parse("name: w\nextra_nodes: [{name: h, role: history}, {name: a, role: api}]\n").unwrap();
        let mut plan = NetworkPlan::build(&TopologySource { topology, path: None }, "seed").unwrap();
        let state = StateDir { root: "/nonexistent/w".into() };
        plan.nodes.iter_mut().find(|n| n.name == "h").unwrap().host_ship_port = Some(18080);
        let script = |name: &str| container_spec(&plan, plan.node(name).unwrap(), &state).cmd.join(" ");
        let history = script("h");
        assert!(history.contains("--disable-replay-opts"), "{history}");
        assert!(!history.contains(START_SNAPSHOT), "history begins at block 1: {history}");
        assert!(!script("a").contains("--disable-replay-opts"));
        assert!(script("a").contains(START_SNAPSHOT));
        let spec = container_spec(&plan, plan.node("h").unwrap(), &state);
        assert!(
            spec.ports.iter().any(|p| p.container_port == crate::plan::SHIP_PORT && p.host_port == 18080),
            "{:?}",
            spec.ports
        );
    }
}
