//! `up`: what the lab needs, decided from the plan and the containers that stand ([`decide`],
//! pure), then done: image, network, volumes, containers created and started.

use anyhow::Result;
use futures::future::try_join_all;

use super::release::start_in_dial_order;
use super::{container_spec, ensure_image, lab_filter, start_paused_marker, Created};
use crate::labels;
use crate::plan::{NetworkPlan, NodePlan, DATA_MOUNT};
use crate::printer::Printer;
use crate::runtime::{ContainerInfo, ContainerSpec, ContainerState, FileEntry, Runtime};
use crate::state::StateDir;

/// Whether `up` starts every node with the genesis node. A lab of up to a full schedule (21
/// producers and the genesis node) and 1000 accounts does: its producers follow the boot's blocks
/// as they come, and the second or so each nodeos spends measuring its timer before it loads
/// anything (several seconds for 21 at once on 2 cores) passes while the containers start,
/// before the first block, not in `start-prod` (`lab-bench --scenario s2 --runs 2`: booted 13.2
/// and 13.2 s, against 14.6–16.6 s with the producers started at `start-prod`). A larger one
/// starts its producers at `start-prod` from a snapshot: replaying thousands of staking
/// transactions on every producer at once would take a laptop's cores from the boot (measured:
/// 58 against 196 accounts a second).
pub fn start_all_at_once(plan: &NetworkPlan) -> bool {
    plan.nodes.len() <= 22 && plan.accounts.len() <= 1000
}

/// Whether a new chain's genesis node starts with production paused, to be released once every
/// node has shaken hands: when every node of a new lab starts with it ([`start_all_at_once`]).
/// Started free, the genesis node made its first blocks while its peers were still connecting;
/// a peer that got block 2, then 5 and 6 as they were made, before 4 (unlinkable), stopped
/// syncing for some 16 s (Leap 4.1), and `start-prod` waited for it (measured: 16 s in one
/// `lab-bench` run of three, 0.1 s in the others). Released once connected, every node receives
/// every block as it is made.
///
/// The marker that holds it is put into its container before the first start: an engine that
/// cannot (a swarm) starts it free.
fn hold_genesis(rt: &dyn Runtime, plan: &NetworkPlan, decided: &UpPlan, start_all: bool) -> bool {
    let genesis = &plan.genesis().container;
    rt.files_before_first_start()
        && start_all
        && plan.nodes.len() > 1
        && decided.create.contains(genesis)
        && decided.start.contains(genesis)
}

/// Host ports the plan publishes are held by another process, found before anything is created:
/// each as `nodes.NODE.http_port: port P on 127.0.0.1 is already in use`.
#[derive(Debug, thiserror::Error)]
#[error("cannot publish the lab's ports, nothing was created:\n  {}", .0.join("\n  "))]
pub struct PortsBusy(pub Vec<String>);

/// Host ports the plan publishes that something other than this lab holds.
pub fn busy_ports(plan: &NetworkPlan, existing: &[ContainerInfo]) -> Vec<String> {
    let ours: Vec<u16> = existing.iter().flat_map(|c| c.ports.iter().map(|(_, host)| *host)).collect();
    let mut busy = Vec::new();
    for node in &plan.nodes {
        for crate::plan::HostPort { kind, host: port, .. } in node.host_ports() {
            if ours.contains(&port) {
                continue;
            }
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                busy.push(format!("nodes.{}.{kind}: port {port} on 127.0.0.1 is already in use", node.name));
            }
        }
    }
    busy
}

/// What `up` did.
#[derive(Debug, Default)]
pub struct UpReport {
    pub created: Vec<String>,
    pub started: Vec<String>,
    /// Nodes (by name) that crashed: left stopped, for [`super::recover_all`] once the others run.
    pub recover: Vec<String>,
    /// The genesis node of a new chain started with production paused beside its peers (see
    /// [`hold_genesis`]): the caller releases it with [`super::release_genesis`].
    pub genesis_held: bool,
}

impl UpReport {
    pub fn changed(&self) -> bool {
        !self.created.is_empty() || !self.started.is_empty() || !self.recover.is_empty()
    }
}

/// What `up` does to the lab as it stands, decided by [`decide`].
#[derive(Debug, Default, Clone, PartialEq)]
pub struct UpPlan {
    /// Containers that are missing, in the plan's order.
    pub create: Vec<String>,
    /// Containers to start: some just created, the others stopped cleanly.
    pub start: Vec<String>,
    /// Containers that crashed: a plain start would meet their dirty database, so they are
    /// restored from a snapshot once the others run.
    pub recover: Vec<String>,
    /// Containers of the plan left as they are: running, or never run and waiting for `start-prod`.
    pub untouched: Vec<String>,
    /// Containers created from a different topology; they keep running as they are.
    pub warnings: Vec<String>,
    /// Nothing is missing and every container of the lab runs.
    pub all_running: bool,
}

impl UpPlan {
    pub fn nothing_to_do(&self) -> bool {
        self.create.is_empty() && self.start.is_empty() && self.recover.is_empty()
    }
}

/// Decides what `up` does, given the containers the plan wants (`specs`, from [`container_spec`])
/// and those the lab has. Creates what is missing and starts what is stopped; leaves running
/// containers alone. With `start_all` false, nodes that never ran stay created: the boot's
/// `start-prod` starts them, as the tutorial does, from a snapshot of the chain at that point.
/// Pure.
pub fn decide(plan: &NetworkPlan, specs: &[ContainerSpec], existing: &[ContainerInfo], start_all: bool) -> UpPlan {
    let genesis = &plan.genesis().container;
    let mut up = UpPlan::default();
    for spec in specs {
        let Some(c) = existing.iter().find(|c| c.name == spec.name) else {
            up.create.push(spec.name.clone());
            if start_all || &spec.name == genesis {
                up.start.push(spec.name.clone());
            }
            continue;
        };
        if c.labels.get(labels::SPEC) != spec.labels.get(labels::SPEC) {
            up.warnings.push(format!(
                "{} was created from a different topology; it keeps running as it is (`lab down` then `lab up` to apply the change)",
                spec.name
            ));
        }
        // A container that ran before has data and restarts as it was, unless it crashed; one
        // that never ran waits for `start-prod` unless everything starts now.
        if super::health(c) == super::Health::Crashed {
            up.recover.push(spec.name.clone());
        } else if !c.running() && (start_all || &spec.name == genesis || c.state != ContainerState::Created) {
            up.start.push(spec.name.clone());
        } else {
            up.untouched.push(spec.name.clone());
        }
    }
    up.all_running = up.create.is_empty() && existing.iter().all(|c| c.running());
    up
}

/// Creates what is missing and starts what is stopped, as [`decide`] decides; refuses before
/// anything is created when a host port the lab publishes is taken.
#[cfg(test)]
pub async fn up(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    state: &StateDir,
    printer: &Printer,
    start_all: bool,
) -> Result<UpReport> {
    up_recorded(rt, plan, state, printer, start_all, None, &Created::default()).await
}

/// Files put into new nodes' data volumes between their creation and their first start (a
/// bundle's snapshot, which a node must find at its first start or it begins a new chain from
/// genesis.json), and the nodes that also get the marker that holds their first start paused.
#[derive(Debug, Clone, Default)]
pub struct Preload {
    pub files: Vec<FileEntry>,
    /// Node names (the producers, released together once connected).
    pub paused: Vec<String>,
}

/// [`up`], recording in `created` each object it creates before asking the engine for it, so a
/// failure or an interrupt can be undone with [`super::roll_back`]. With `preload`, the files
/// are put into each node created before it starts, and the nodes start in dial order.
pub async fn up_recorded(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    state: &StateDir,
    printer: &Printer,
    start_all: bool,
    preload: Option<&Preload>,
    created: &Created,
) -> Result<UpReport> {
    let filter = lab_filter(Some(&plan.lab));
    let existing = rt.containers(&filter).await?;
    let busy = busy_ports(plan, &existing);
    if !busy.is_empty() {
        return Err(PortsBusy(busy).into());
    }
    let networks = rt.networks(&filter).await?;
    let volumes: Vec<String> = rt.volumes(&filter).await?.into_iter().map(|v| v.name).collect();
    if existing.is_empty() && networks.is_empty() && volumes.is_empty() {
        created.fresh_lab(&plan.lab);
    }
    ensure_image(rt, plan, printer).await?;
    state.write_plan(plan)?;

    let specs: Vec<ContainerSpec> = plan.nodes.iter().map(|n| container_spec(plan, n, state)).collect();
    // Whatever the engine cannot run (a swarm's placement no host satisfies) is refused here,
    // before anything is created.
    rt.check_specs(&specs).await?;
    let decided = decide(plan, &specs, &existing, start_all);
    for w in &decided.warnings {
        printer.warn(w);
    }
    let mut report = UpReport::default();
    if decided.nothing_to_do() {
        return Ok(report);
    }

    if !decided.create.is_empty() {
        let networks: Vec<String> = networks.iter().map(|n| n.name.clone()).collect();
        create_network_and_volumes(rt, plan, &decided.create, printer, created, (&networks, &volumes)).await?;
    }

    report.recover =
        plan.nodes.iter().filter(|n| decided.recover.contains(&n.container)).map(|n| n.name.clone()).collect();
    let to_touch: Vec<&ContainerSpec> =
        specs.iter().filter(|s| decided.create.contains(&s.name) || decided.start.contains(&s.name)).collect();
    match preload {
        _ if to_touch.is_empty() => {}
        Some(preload) => create_preloaded(rt, plan, &to_touch, &decided, preload, printer, created).await?,
        // A new chain's nodes start in dial order, the genesis node held (see `hold_genesis`).
        None if hold_genesis(rt, plan, &decided, start_all) => {
            report.genesis_held = true;
            let held = Preload { files: Vec::new(), paused: vec![plan.genesis().name.clone()] };
            create_preloaded(rt, plan, &to_touch, &decided, &held, printer, created).await?
        }
        None => create_and_start(rt, &to_touch, &decided, printer, created).await?,
    }
    report.started = decided.start.iter().filter(|n| !decided.create.contains(n)).cloned().collect();
    report.created = decided.create;
    Ok(report)
}

async fn create_and_start(
    rt: &dyn Runtime,
    to_touch: &[&ContainerSpec],
    decided: &UpPlan,
    printer: &Printer,
    created: &Created,
) -> Result<()> {
    let bar = printer.bar("create and start nodes", to_touch.len() as u64);
    try_join_all(to_touch.iter().map(|spec| {
        let (bar, decided) = (&bar, &decided);
        async move {
            if decided.create.contains(&spec.name) {
                created.container(&spec.name);
                rt.create_container(spec).await?;
            }
            if decided.start.contains(&spec.name) {
                rt.start_container(&spec.name).await?;
            }
            bar.inc(1);
            anyhow::Ok(())
        }
    }))
    .await?;
    let started = decided.start.len();
    bar.done(if started == to_touch.len() {
        format!("{started} containers")
    } else {
        format!("{} containers, {started} started (the producers start at `start-prod`)", to_touch.len())
    });
    Ok(())
}

/// Creates the containers, puts the preloaded files into each one created, then starts them in
/// dial order ([`start_in_dial_order`]).
async fn create_preloaded(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    to_touch: &[&ContainerSpec],
    decided: &UpPlan,
    preload: &Preload,
    printer: &Printer,
    created: &Created,
) -> Result<()> {
    let label = if preload.files.is_empty() {
        "create and start nodes"
    } else {
        "create nodes, put the snapshot in each, start them"
    };
    let bar = printer.bar(label, to_touch.len() as u64);
    let paused = start_paused_marker();
    try_join_all(plan.nodes.iter().filter(|n| decided.create.contains(&n.container)).map(|n| {
        let mut files = preload.files.clone();
        if preload.paused.contains(&n.name) {
            files.push(paused.clone());
        }
        let spec = to_touch.iter().find(|s| s.name == n.container).expect("a node to create is to touch");
        async move {
            created.container(&spec.name);
            rt.create_container(spec).await?;
            rt.put_files(&spec.name, DATA_MOUNT, &files).await
        }
    }))
    .await?;
    let starting: Vec<&NodePlan> = plan.nodes.iter().filter(|n| decided.start.contains(&n.container)).collect();
    start_in_dial_order(rt, &starting, &|| bar.inc(1)).await?;
    bar.done(if preload.files.is_empty() {
        format!("{} containers, in dial order", to_touch.len())
    } else {
        format!("{} nodes", to_touch.len())
    });
    Ok(())
}

/// Creates the lab's network and the volumes of the nodes whose containers are in `containers`.
pub async fn create_network_and_volumes(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    containers: &[String],
    printer: &Printer,
    created: &Created,
    (networks, volumes): (&[String], &[String]),
) -> Result<()> {
    let task = printer.task(format!("create network and {} volumes", containers.len()));
    // Recorded before the engine is asked: an interrupt between the two still undoes it.
    if !networks.contains(&plan.network) {
        created.network(&plan.network);
    }
    rt.ensure_network(&plan.network, &plan.labels).await?;
    let new_volumes = plan.nodes.iter().filter(|n| containers.contains(&n.container));
    try_join_all(new_volumes.filter(|n| !volumes.contains(&n.volume)).map(|n| {
        let mut l = n.labels.clone();
        l.remove(labels::ROLE);
        created.volume(&n.volume);
        async move { rt.ensure_volume(&n.volume, &l).await }
    }))
    .await?;
    task.done(&plan.network);
    Ok(())
}
