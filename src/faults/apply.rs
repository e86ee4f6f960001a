//! Faults put into effect over the runtime: one-shot helper containers with `NET_ADMIN` in each
//! node's network namespace run the scripts of [`super::rules`], so the nodes stay unprivileged.

use std::collections::BTreeMap;

use futures::future::join_all;
use thiserror::Error;

use super::rules;
use super::spec::{LinkSpec, Partition};
use crate::labels;
use crate::orchestrator::lab_filter;
use crate::plan::NetworkPlan;
use crate::runtime::{ContainerSpec, ContainerState, Runtime, RuntimeError};

/// The value of [`labels::HELPER`] on the helpers made here.
pub const HELPER_KIND: &str = "net-fault";

#[derive(Debug, Error)]
pub enum FaultError {
    #[error("lab `{0}` does not exist: it has no containers (`lab up` creates it)")]
    NoLab(String),
    #[error("lab `{0}` is not running: none of its nodes runs (`lab up` or `lab start` starts it)")]
    NotRunning(String),
    #[error("{}; nothing was changed", .0.join("; "))]
    NodesNotRunning(Vec<String>),
    #[error(
        "this kernel has no netem qdisc: delay and jitter cannot be applied (loss and rate can); nothing was \
         changed{}",
        if .0.is_empty() { String::new() } else { format!(" ({})", .0) }
    )]
    NoNetem(String),
    #[error("{node}: the network helper failed (exit {code}): {tail}")]
    Helper { node: String, code: i64, tail: String },
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// A node of the plan as the engine has it now.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveNode {
    pub name: String,
    pub container: String,
    /// `None`: the node has no container.
    pub state: Option<ContainerState>,
    /// Its address on the lab network, while it runs.
    pub ip: Option<String>,
}

impl LiveNode {
    pub fn running(&self) -> bool {
        self.state == Some(ContainerState::Running) && self.ip.is_some()
    }

    /// `accountnum33 (exited)`, for the messages about nodes left alone.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.name, self.state.map(|s| s.as_str()).unwrap_or("no container"))
    }
}

/// The plan's nodes with their state and address; an error when the lab has no container or no
/// node runs.
pub async fn live_nodes(rt: &dyn Runtime, plan: &NetworkPlan) -> Result<Vec<LiveNode>, FaultError> {
    let containers = rt.containers(&lab_filter(Some(&plan.lab))).await?;
    let nodes: Vec<LiveNode> = plan
        .nodes
        .iter()
        .map(|n| {
            let c = containers.iter().find(|c| c.name == n.container);
            LiveNode {
                name: n.name.clone(),
                container: n.container.clone(),
                state: c.map(|c| c.state),
                ip: c.filter(|c| c.running()).and_then(|c| c.addresses.get(&plan.network).cloned()),
            }
        })
        .collect();
    if nodes.iter().all(|n| n.state.is_none()) {
        return Err(FaultError::NoLab(plan.lab.clone()));
    }
    if !nodes.iter().any(LiveNode::running) {
        return Err(FaultError::NotRunning(plan.lab.clone()));
    }
    Ok(nodes)
}

/// Runs `script` in `node`'s network namespace in a one-shot helper, which is removed after; its
/// output, or an error naming the node with the end of it.
pub async fn run_helper(
    rt: &dyn Runtime,
    image: &str,
    plan: &NetworkPlan,
    node: &LiveNode,
    script: &str,
) -> Result<String, FaultError> {
    let name = format!("{}-net", node.container);
    let mut labels = plan.labels.clone();
    labels.insert(labels::HELPER.into(), HELPER_KIND.into());
    let spec = ContainerSpec {
        name: name.clone(),
        hostname: name.clone(),
        image: image.to_string(),
        network: plan.network.clone(),
        entrypoint: vec!["sh".into(), "-c".into()],
        cmd: vec![script.to_string()],
        env: vec![],
        labels,
        mounts: vec![],
        ports: vec![],
        stop_timeout: 1,
        share_network_of: Some(node.container.clone()),
        cap_add: vec!["NET_ADMIN".into()],
        cpu_shares: None,
    };
    // A helper left by an interrupted run is of no use: start from a clean one.
    rt.remove_container(&name).await?;
    rt.create_container(&spec).await?;
    let outcome = async {
        rt.start_container(&name).await?;
        let code = rt.wait_container(&name).await?;
        let log = rt.logs(&name, 200).await?;
        Ok::<_, RuntimeError>((code, log))
    }
    .await;
    let removed = rt.remove_container(&name).await;
    let (code, log) = outcome?;
    removed?;
    if code == 0 {
        Ok(log)
    } else {
        let lines: Vec<&str> = log.trim_end().lines().collect();
        let tail = lines[lines.len().saturating_sub(5)..].join("\n");
        Err(FaultError::Helper { node: node.name.clone(), code, tail })
    }
}

/// Whether the kernel has netem, asked in a helper beside `node`; changes nothing.
pub async fn probe_netem(rt: &dyn Runtime, image: &str, plan: &NetworkPlan, node: &LiveNode) -> Result<(), FaultError> {
    match run_helper(rt, image, plan, node, &rules::netem_probe_script()).await {
        Err(FaultError::Helper { code: rules::NO_NETEM_EXIT, tail, .. }) => Err(FaultError::NoNetem(tail)),
        other => other.map(|_| ()),
    }
}

/// Runs one script per node, all at once; the nodes done, and the first failure if any.
async fn on_each(
    rt: &dyn Runtime,
    image: &str,
    plan: &NetworkPlan,
    jobs: Vec<(&LiveNode, String)>,
) -> (Vec<String>, Option<FaultError>) {
    let results = join_all(jobs.iter().map(|(node, script)| run_helper(rt, image, plan, node, script))).await;
    let mut done = Vec::new();
    let mut error = None;
    for ((node, _), r) in jobs.iter().zip(results) {
        match r {
            Ok(_) => done.push(node.name.clone()),
            Err(e) => {
                error.get_or_insert(e);
            }
        }
    }
    (done, error)
}

/// Cuts the running nodes along `partition`: each drops what comes from or goes to the running
/// nodes outside its group. Returns, per node it acted on, the nodes it is cut from.
pub async fn partition(
    rt: &dyn Runtime,
    image: &str,
    plan: &NetworkPlan,
    nodes: &[LiveNode],
    partition: &Partition,
) -> (BTreeMap<String, Vec<String>>, Option<FaultError>) {
    let running: Vec<&LiveNode> = nodes.iter().filter(|n| n.running()).collect();
    let cut_of = |node: &LiveNode| -> Vec<&LiveNode> {
        let cut = partition.cut_from(&node.name);
        running.iter().copied().filter(|n| cut.contains(&n.name)).collect()
    };
    let jobs: Vec<(&LiveNode, String)> = running
        .iter()
        .map(|n| {
            let ips: Vec<String> = cut_of(n).iter().filter_map(|c| c.ip.clone()).collect();
            (*n, rules::partition_script(&ips))
        })
        .collect();
    let (done, error) = on_each(rt, image, plan, jobs).await;
    let applied = running
        .iter()
        .filter(|n| done.contains(&n.name))
        .map(|n| (n.name.clone(), cut_of(n).iter().map(|c| c.name.clone()).collect()))
        .collect();
    (applied, error)
}

/// Sets the link of each of `targets` (running) to `spec`; the nodes done, and the first failure.
pub async fn link(
    rt: &dyn Runtime,
    image: &str,
    plan: &NetworkPlan,
    targets: &[&LiveNode],
    spec: &LinkSpec,
) -> (Vec<String>, Option<FaultError>) {
    let jobs = targets.iter().map(|n| (*n, rules::link_script(spec, n.ip.as_deref().unwrap_or_default()))).collect();
    on_each(rt, image, plan, jobs).await
}

/// Undoes every fault on the running nodes; the nodes done, and the first failure.
pub async fn heal(
    rt: &dyn Runtime,
    image: &str,
    plan: &NetworkPlan,
    nodes: &[LiveNode],
) -> (Vec<String>, Option<FaultError>) {
    let jobs = nodes
        .iter()
        .filter(|n| n.running())
        .map(|n| (n, rules::heal_script(n.ip.as_deref().unwrap_or_default())))
        .collect();
    on_each(rt, image, plan, jobs).await
}
