//! The live lab: bringing a plan up as containers, finding it again by its labels, taking it down.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use futures::future::try_join_all;
use sha2::{Digest, Sha256};

use crate::client::{ChainInfo, NodeClient};
use crate::image;
use crate::labels;
use crate::plan::{
    ImagePlan, NetworkPlan, NodePlan, Role, CONFIG_MOUNT, DATA_MOUNT, GENESIS_MOUNT, HTTP_PORT, P2P_PORT,
    START_SNAPSHOT,
};
use crate::printer::Printer;
use crate::runtime::{ContainerInfo, ContainerSpec, ContainerState, Mount, PortMap, Runtime};
use crate::state::StateDir;

/// Seconds nodeos gets to shut down after SIGTERM: it flushes its state database, and a database
/// killed mid-write is "dirty" and refuses to start again.
pub const STOP_TIMEOUT_SECS: i64 = 60;

/// The container for one node, from the plan. Pure.
pub fn container_spec(plan: &NetworkPlan, node: &NodePlan, state: &StateDir) -> ContainerSpec {
    let mut ports = Vec::new();
    if let Some(p) = node.host_http_port {
        ports.push(PortMap { container_port: HTTP_PORT, host_ip: "127.0.0.1".into(), host_port: p });
    }
    if let Some(p) = node.host_p2p_port {
        ports.push(PortMap { container_port: P2P_PORT, host_ip: "127.0.0.1".into(), host_port: p });
    }
    let mut nodeos =
        vec!["nodeos".to_string(), "--config-dir".into(), CONFIG_MOUNT.into(), "--data-dir".into(), DATA_MOUNT.into()];
    nodeos.extend(node.args.iter().cloned());
    let quoted: Vec<String> = nodeos.iter().map(|a| shell_quote(a)).collect();
    // A restarted node keeps its blocks. A node with no data starts from the genesis node's
    // start snapshot when the boot made one (the chain as it stands, instead of replaying every
    // block since genesis), else from the genesis file, which only a fresh chain may be given.
    let cmd = quoted.join(" ");
    let script = if node.role == Role::Genesis {
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
        image: plan.image.reference().to_string(),
        network: plan.network.clone(),
        entrypoint: vec!["sh".into(), "-c".into()],
        cmd: vec![script],
        env: vec![],
        labels: BTreeMap::new(),
        mounts,
        ports,
        stop_timeout: STOP_TIMEOUT_SECS,
    };
    let digest = Sha256::digest(format!("{spec:?}{:?}", crate::render::node_files(plan, node)));
    labels.insert(labels::SPEC.into(), digest.iter().take(8).map(|b| format!("{b:02x}")).collect());
    spec.labels = labels;
    spec
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Label filters that select one lab, or every lab.
pub fn lab_filter(lab: Option<&str>) -> Vec<String> {
    match lab {
        Some(name) => vec![labels::filter(labels::LAB, name)],
        None => vec![labels::LAB.to_string()],
    }
}

/// Makes the image present: already there, built from the recipe or a folder, or pulled.
pub async fn ensure_image(rt: &dyn Runtime, plan: &NetworkPlan, printer: &Printer) -> Result<()> {
    let reference = plan.image.reference().to_string();
    if rt.image_present(&reference).await? {
        return Ok(());
    }
    match &plan.image {
        ImagePlan::Pull { reference } => {
            let task = printer.task(format!("pull {reference}"));
            let show = |line: &str| task.message(line.to_string());
            match rt.pull_image(reference, &show).await {
                Ok(()) => task.done(""),
                Err(e) => {
                    task.fail();
                    return Err(e.into());
                }
            }
        }
        ImagePlan::Recipe { tag, ca_cert, .. } | ImagePlan::Dir { tag, ca_cert, .. } => {
            build(rt, plan, tag, ca_cert.as_deref(), printer).await?
        }
    }
    Ok(())
}

async fn build(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    tag: &str,
    ca_cert: Option<&std::path::Path>,
    printer: &Printer,
) -> Result<()> {
    // The topology's CA file, else LAB_EXTRA_CA_CERT (handy for the built-in default and CI).
    let env_ca = std::env::var_os("LAB_EXTRA_CA_CERT").map(std::path::PathBuf::from);
    let ca_cert = ca_cert.or(env_ca.as_deref());
    let ca = match ca_cert {
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read the CA file {}", p.display()))?,
        None => Vec::new(),
    };
    let mut args = BTreeMap::new();
    let (context, base) = match &plan.image {
        ImagePlan::Recipe { base, .. } => (image::recipe_context(&ca)?, Some(base.clone())),
        ImagePlan::Dir { dir, base, .. } => (image::dir_context(dir, ca_cert.map(|_| ca.as_slice()))?, base.clone()),
        ImagePlan::Pull { .. } => unreachable!("pulled, not built"),
    };
    if let Some(base) = &base {
        if !rt.image_present(base).await? {
            printer.info(format!(
                "the base image {base} is not here; the engine will try to pull it \
                 (without a registry, make it with images/base/make-debian-base.sh)"
            ));
        }
        args.insert("BASE_IMAGE".to_string(), base.clone());
    }
    let mut image_labels = BTreeMap::new();
    if let ImagePlan::Recipe { base, .. } = &plan.image {
        image_labels.insert(labels::RECIPE.to_string(), image::recipe_hash(base));
    }
    let task = printer.task(format!("build image {tag}"));
    let show = |line: &str| task.message(line.to_string());
    match rt.build_image(tag, context, args, image_labels, &show).await {
        Ok(()) => {
            task.done("");
            Ok(())
        }
        Err(e) => {
            task.fail();
            Err(anyhow!(e).context(format!(
                "building the nodeos image {tag} failed. If the base image cannot be pulled, run \
                 images/base/make-debian-base.sh; behind a TLS-inspecting proxy, set image.ca_cert"
            )))
        }
    }
}

/// Whether `up` starts every node with the genesis node. A small lab does: its producers follow
/// the few boot blocks as they come, while the boot runs. A large one starts its producers at
/// `start-prod` from a snapshot: replaying thousands of staking transactions on every producer at
/// once would take a laptop's cores from the boot (measured: 58 against 196 accounts a second).
pub fn start_all_at_once(plan: &NetworkPlan) -> bool {
    plan.nodes.len() <= 8 && plan.accounts.len() <= 1000
}

/// Host ports the plan publishes that something other than this lab holds.
pub fn busy_ports(plan: &NetworkPlan, existing: &[ContainerInfo]) -> Vec<String> {
    let ours: Vec<u16> = existing.iter().flat_map(|c| c.ports.iter().map(|(_, host)| *host)).collect();
    let mut busy = Vec::new();
    for node in &plan.nodes {
        for (kind, port) in [("http_port", node.host_http_port), ("p2p_port", node.host_p2p_port)] {
            let Some(port) = port else { continue };
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
    /// Nothing was missing and every container was running.
    pub all_running: bool,
}

impl UpReport {
    pub fn changed(&self) -> bool {
        !self.created.is_empty() || !self.started.is_empty()
    }
}

/// What `up` does to the lab as it stands, decided by [`decide`].
#[derive(Debug, Default, Clone, PartialEq)]
pub struct UpPlan {
    /// Containers that are missing, in the plan's order.
    pub create: Vec<String>,
    /// Containers to start: some just created, the others stopped.
    pub start: Vec<String>,
    /// Containers of the plan left as they are: running, or never run and waiting for `start-prod`.
    pub untouched: Vec<String>,
    /// Containers created from a different topology; they keep running as they are.
    pub warnings: Vec<String>,
    /// Nothing is missing and every container of the lab runs.
    pub all_running: bool,
}

impl UpPlan {
    pub fn nothing_to_do(&self) -> bool {
        self.create.is_empty() && self.start.is_empty()
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
        // A container that ran before has data and restarts as it was; one that never ran waits
        // for `start-prod` unless everything starts now.
        if !c.running() && (start_all || &spec.name == genesis || c.state != ContainerState::Created) {
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
pub async fn up(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    state: &StateDir,
    printer: &Printer,
    start_all: bool,
) -> Result<UpReport> {
    let existing = rt.containers(&lab_filter(Some(&plan.lab))).await?;
    let busy = busy_ports(plan, &existing);
    if !busy.is_empty() {
        bail!("cannot publish the lab's ports, nothing was created:\n  {}", busy.join("\n  "));
    }
    ensure_image(rt, plan, printer).await?;
    state.write_plan(plan)?;

    let specs: Vec<ContainerSpec> = plan.nodes.iter().map(|n| container_spec(plan, n, state)).collect();
    let decided = decide(plan, &specs, &existing, start_all);
    for w in &decided.warnings {
        printer.warn(w);
    }
    let mut report = UpReport { all_running: decided.all_running, ..Default::default() };
    if decided.nothing_to_do() {
        return Ok(report);
    }

    if !decided.create.is_empty() {
        let task = printer.task(format!("create network and {} volumes", decided.create.len()));
        rt.ensure_network(&plan.network, &plan.labels).await?;
        try_join_all(plan.nodes.iter().filter(|n| decided.create.contains(&n.container)).map(|n| {
            let mut l = n.labels.clone();
            l.remove(labels::ROLE);
            async move { rt.ensure_volume(&n.volume, &l).await }
        }))
        .await?;
        task.done(&plan.network);
    }

    let to_touch: Vec<&ContainerSpec> =
        specs.iter().filter(|s| decided.create.contains(&s.name) || decided.start.contains(&s.name)).collect();
    let bar = printer.bar("create and start nodes", to_touch.len() as u64);
    try_join_all(to_touch.iter().map(|spec| {
        let (bar, decided) = (&bar, &decided);
        async move {
            if decided.create.contains(&spec.name) {
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
    report.started = decided.start.iter().filter(|n| !decided.create.contains(n)).cloned().collect();
    report.created = decided.create;
    Ok(report)
}

/// Waits until every node answers get_info; a timeout names the node and shows its last log lines.
pub async fn wait_ready(
    rt: &dyn Runtime,
    nodes: &[&NodePlan],
    timeout: Duration,
    printer: &Printer,
) -> Result<Vec<ChainInfo>> {
    let label = match nodes {
        [one] => format!("wait for {} to answer get_info", one.name),
        _ => "wait for nodes to answer get_info".into(),
    };
    let bar = printer.bar(label, nodes.len() as u64);
    let infos = try_join_all(nodes.iter().map(|n| {
        let bar = &bar;
        async move {
            let info = wait_node(rt, &n.container, timeout).await?;
            bar.inc(1);
            anyhow::Ok(info)
        }
    }))
    .await;
    match infos {
        Ok(i) => {
            bar.done(format!("head {}", i[0].head_block_num));
            Ok(i)
        }
        Err(e) => {
            bar.fail();
            Err(e)
        }
    }
}

pub async fn wait_node(rt: &dyn Runtime, container: &str, timeout: Duration) -> Result<ChainInfo> {
    let start = Instant::now();
    let client = NodeClient::new(rt, container);
    loop {
        match client.get_info().await {
            Ok(info) => return Ok(info),
            Err(last) => {
                let gone = rt.container_state(container).await?.filter(|s| *s != ContainerState::Running);
                if gone.is_some() || start.elapsed() > timeout {
                    let logs = rt.logs(container, 20).await.unwrap_or_default();
                    let why = match gone {
                        Some(state) => format!("{container} stopped (state {state}) before it answered get_info"),
                        None => format!("{container} did not answer get_info within {}s ({last})", timeout.as_secs()),
                    };
                    bail!("{why}\nlast log lines of {container}:\n{}", indent(&logs));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n")
}

/// What `down` removed.
#[derive(Debug, Default, serde::Serialize)]
pub struct DownReport {
    pub containers: Vec<String>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    pub labs: Vec<String>,
}

/// Removes everything carrying the lab label (or any lab label with `None`). Volumes stay with
/// `keep_data`, and then containers are stopped cleanly first so their databases stay usable.
pub async fn down(rt: &dyn Runtime, lab: Option<&str>, keep_data: bool, printer: &Printer) -> Result<DownReport> {
    let filter = lab_filter(lab);
    let containers = rt.containers(&filter).await?;
    let mut report = DownReport::default();
    let mut labs: Vec<String> = containers.iter().filter_map(|c| c.labels.get(labels::LAB).cloned()).collect();
    if !containers.is_empty() {
        let bar = printer.bar("remove containers", containers.len() as u64);
        try_join_all(containers.iter().map(|c| {
            let bar = &bar;
            async move {
                if keep_data && c.running() {
                    rt.stop_container(&c.name, STOP_TIMEOUT_SECS).await?;
                }
                rt.remove_container(&c.name).await?;
                bar.inc(1);
                anyhow::Ok(())
            }
        }))
        .await?;
        bar.done("");
        report.containers = containers.iter().map(|c| c.name.clone()).collect();
    }
    for n in rt.networks(&filter).await? {
        labs.extend(n.labels.get(labels::LAB).cloned());
        rt.remove_network(&n.name).await?;
        report.networks.push(n.name);
    }
    if !keep_data {
        let volumes = rt.volumes(&filter).await?;
        try_join_all(volumes.iter().map(|v| rt.remove_volume(&v.name))).await?;
        for v in volumes {
            labs.extend(v.labels.get(labels::LAB).cloned());
            report.volumes.push(v.name);
        }
    }
    labs.sort();
    labs.dedup();
    report.labs = labs;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::fake::{Call, FakeRuntime};
    use crate::topology::{parse, TopologySource, DEFAULT_TOPOLOGY};

    /// A port nothing listens on now.
    fn free_port() -> u16 {
        std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
    }

    /// The default lab (genesis and four producers), its API published on `http_port`.
    fn plan_with_port(http_port: u16) -> NetworkPlan {
        let yaml = format!("{DEFAULT_TOPOLOGY}\nnodes: {{genesis: {{http_port: {http_port}}}}}\n");
        let yaml = yaml.replace("nodes:\n  genesis:\n    http_port: 8888", "");
        NetworkPlan::build(&TopologySource { topology: parse(&yaml).unwrap(), path: None }, "up-test").unwrap()
    }

    struct Lab {
        rt: FakeRuntime,
        plan: NetworkPlan,
        state: StateDir,
        _dir: tempfile::TempDir,
    }

    impl Lab {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let plan = plan_with_port(free_port());
            let rt = FakeRuntime::new();
            rt.add_image(plan.image.reference());
            Lab { rt, plan, state: StateDir { root: dir.path().join("lab") }, _dir: dir }
        }

        async fn up(&self, start_all: bool) -> Result<UpReport> {
            up(&self.rt, &self.plan, &self.state, &Printer::new(true, true), start_all).await
        }

        fn specs(&self) -> Vec<ContainerSpec> {
            self.plan.nodes.iter().map(|n| container_spec(&self.plan, n, &self.state)).collect()
        }

        fn containers(&self) -> Vec<String> {
            self.specs().into_iter().map(|s| s.name).collect()
        }

        fn created(&self) -> Vec<String> {
            self.calls(|c| matches!(c, Call::CreateContainer(_)))
        }

        fn started(&self) -> Vec<String> {
            let mut started = self.calls(|c| matches!(c, Call::StartContainer(_)));
            started.sort();
            started
        }

        fn calls(&self, which: impl Fn(&Call) -> bool) -> Vec<String> {
            let mut names: Vec<String> = self
                .rt
                .calls()
                .into_iter()
                .filter(|c| which(c))
                .map(|c| match c {
                    Call::CreateContainer(n) | Call::StartContainer(n) => n,
                    other => format!("{other:?}"),
                })
                .collect();
            names.sort();
            names
        }
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    fn info(spec: &ContainerSpec, state: ContainerState) -> ContainerInfo {
        ContainerInfo {
            name: spec.name.clone(),
            id: format!("id-{}", spec.name),
            image: spec.image.clone(),
            state,
            exit_code: None,
            labels: spec.labels.clone(),
            ports: vec![],
        }
    }

    #[test]
    fn decide_on_a_fresh_lab_creates_everything_and_starts_as_asked() {
        let lab = Lab::new();
        let specs = lab.specs();
        let all = decide(&lab.plan, &specs, &[], true);
        assert_eq!(all.create, lab.containers());
        assert_eq!(all.start, lab.containers());
        assert!(all.untouched.is_empty() && all.warnings.is_empty() && !all.all_running);
        let genesis_only = decide(&lab.plan, &specs, &[], false);
        assert_eq!(genesis_only.create, lab.containers());
        assert_eq!(genesis_only.start, ["lab-genesis"]);
    }

    #[test]
    fn decide_leaves_running_containers_and_starts_stopped_ones() {
        let lab = Lab::new();
        let specs = lab.specs();
        let mut existing: Vec<ContainerInfo> = specs.iter().map(|s| info(s, ContainerState::Running)).collect();
        let d = decide(&lab.plan, &specs, &existing, false);
        assert!(d.nothing_to_do() && d.all_running, "{d:?}");
        assert_eq!(d.untouched, lab.containers());

        existing[1].state = ContainerState::Exited;
        existing[2].state = ContainerState::Created;
        existing[3].state = ContainerState::Dead;
        existing.remove(4);
        let d = decide(&lab.plan, &specs, &existing, false);
        assert_eq!(d.create, [specs[4].name.clone()]);
        // The producer that never ran waits for `start-prod`; the one that ran restarts.
        assert_eq!(d.start, [specs[1].name.clone(), specs[3].name.clone()]);
        assert_eq!(d.untouched, [specs[0].name.clone(), specs[2].name.clone()]);
        assert!(!d.all_running);
        let d = decide(&lab.plan, &specs, &existing, true);
        assert_eq!(d.start, [&specs[1], &specs[2], &specs[3], &specs[4]].map(|s| s.name.clone()));
    }

    #[test]
    fn decide_warns_of_a_container_from_another_topology_and_keeps_it() {
        let lab = Lab::new();
        let specs = lab.specs();
        let mut existing: Vec<ContainerInfo> = specs.iter().map(|s| info(s, ContainerState::Running)).collect();
        existing[2].labels.insert(labels::SPEC.into(), "0000000000000000".into());
        let d = decide(&lab.plan, &specs, &existing, true);
        assert!(d.nothing_to_do(), "{d:?}");
        assert_eq!(d.warnings.len(), 1);
        assert!(d.warnings[0].starts_with(&format!("{} was created from a different topology", specs[2].name)));
    }

    #[tokio::test]
    async fn up_on_a_fresh_lab_creates_every_container_and_starts_all_of_a_small_lab() {
        let lab = Lab::new();
        assert!(start_all_at_once(&lab.plan));
        let report = lab.up(true).await.unwrap();
        assert_eq!(sorted(report.created.clone()), sorted(lab.containers()));
        assert!(report.started.is_empty(), "only containers that existed count as started");
        assert_eq!(lab.created(), sorted(lab.containers()));
        assert_eq!(lab.started(), sorted(lab.containers()));
        let volumes = lab.rt.volumes(&lab_filter(Some("lab"))).await.unwrap();
        assert_eq!(volumes.len(), lab.plan.nodes.len(), "every volume carries the lab label");
        assert!(lab.state.node_dir("genesis").join("config.ini").exists(), "the node files are written");
    }

    #[tokio::test]
    async fn up_without_start_all_starts_only_the_genesis_node() {
        let lab = Lab::new();
        lab.up(false).await.unwrap();
        assert_eq!(lab.created(), sorted(lab.containers()));
        assert_eq!(lab.started(), ["lab-genesis"]);
        let states = lab.rt.containers(&[]).await.unwrap();
        assert!(states.iter().all(|c| c.running() == (c.name == "lab-genesis")), "{states:?}");
    }

    #[tokio::test]
    async fn a_second_up_on_a_running_lab_does_nothing() {
        let lab = Lab::new();
        lab.up(true).await.unwrap();
        lab.rt.clear_calls();
        let report = lab.up(true).await.unwrap();
        assert!(!report.changed() && report.all_running);
        assert_eq!(lab.rt.changes(), [], "no create, start or anything else that changes the lab");
    }

    #[tokio::test]
    async fn exited_containers_are_started_again_and_never_run_producers_wait() {
        let lab = Lab::new();
        lab.up(false).await.unwrap();
        let [genesis, p1, p2, ..] = &lab.containers()[..] else { unreachable!() };
        lab.rt.set_state(genesis, ContainerState::Exited, Some(137));
        lab.rt.start_container(p1).await.unwrap();
        lab.rt.set_state(p1, ContainerState::Exited, Some(0));
        lab.rt.clear_calls();

        let report = lab.up(false).await.unwrap();
        assert_eq!(sorted(report.started.clone()), sorted(vec![genesis.clone(), p1.clone()]));
        assert!(lab.created().is_empty());
        assert_eq!(lab.started(), sorted(vec![genesis.clone(), p1.clone()]));
        assert_eq!(lab.rt.container_state(p2).await.unwrap(), Some(ContainerState::Created));

        lab.rt.clear_calls();
        lab.up(true).await.unwrap();
        assert_eq!(lab.started().len(), lab.containers().len() - 2, "start_all starts those that never ran");
    }

    #[tokio::test]
    async fn a_container_from_another_topology_is_kept() {
        let lab = Lab::new();
        lab.up(true).await.unwrap();
        let mut other = lab.specs()[1].clone();
        other.labels.insert(labels::SPEC.into(), "0000000000000000".into());
        lab.rt.remove_container(&other.name).await.unwrap();
        lab.rt.create_container(&other).await.unwrap();
        lab.rt.start_container(&other.name).await.unwrap();
        lab.rt.clear_calls();

        lab.up(true).await.unwrap();
        assert_eq!(lab.rt.changes(), []);
        assert_eq!(lab.rt.spec(&other.name).unwrap(), other, "not recreated");
    }

    #[tokio::test]
    async fn busy_host_ports_refuse_before_anything_is_created() {
        let mut lab = Lab::new();
        let holder = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = holder.local_addr().unwrap().port();
        lab.plan = plan_with_port(port);
        let err = lab.up(true).await.unwrap_err().to_string();
        assert!(err.contains(&format!("nodes.genesis.http_port: port {port} on 127.0.0.1 is already in use")), "{err}");
        assert_eq!(lab.rt.calls(), [Call::Containers(lab_filter(Some("lab")))]);
        assert!(!lab.state.exists(), "nothing written either");
    }

    #[tokio::test]
    async fn the_labs_own_ports_are_not_busy() {
        let lab = Lab::new();
        lab.up(true).await.unwrap();
        // The fake does not bind ports; hold the genesis port as the running container would.
        let port = lab.plan.genesis().host_http_port.unwrap();
        let _held = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        lab.up(true).await.unwrap();
    }
}
