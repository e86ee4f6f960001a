//! Tests of `up` and its decisions, over the fake engine.

use anyhow::Result;

use super::up::{decide, up, UpReport};
use super::{container_spec, lab_filter, start_all_at_once};
use crate::labels;
use crate::plan::NetworkPlan;
use crate::printer::Printer;
use crate::runtime::fake::{Call, FakeRuntime};
use crate::runtime::{ContainerInfo, ContainerSpec, ContainerState, Runtime};
use crate::state::StateDir;
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
        addresses: Default::default(),
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
    existing[3].state = ContainerState::Exited;
    existing[3].exit_code = Some(0);
    existing.remove(4);
    let d = decide(&lab.plan, &specs, &existing, false);
    assert_eq!(d.create, [specs[4].name.clone()]);
    // The producer that never ran waits for `start-prod`; those that ran restart.
    assert_eq!(d.start, [specs[1].name.clone(), specs[3].name.clone()]);
    assert_eq!(d.untouched, [specs[0].name.clone(), specs[2].name.clone()]);
    assert!(!d.all_running && d.recover.is_empty());
    let d = decide(&lab.plan, &specs, &existing, true);
    assert_eq!(d.start, [&specs[1], &specs[2], &specs[3], &specs[4]].map(|s| s.name.clone()));
}

#[test]
fn decide_leaves_crashed_containers_to_a_recovery() {
    let lab = Lab::new();
    let specs = lab.specs();
    let mut existing: Vec<ContainerInfo> = specs.iter().map(|s| info(s, ContainerState::Running)).collect();
    existing[2].state = ContainerState::Exited;
    existing[2].exit_code = Some(137);
    existing[3].state = ContainerState::Dead;
    existing[4].state = ContainerState::Exited;
    existing[4].exit_code = Some(143);
    let d = decide(&lab.plan, &specs, &existing, true);
    assert_eq!(d.recover, [specs[2].name.clone(), specs[3].name.clone()]);
    assert_eq!(d.start, [specs[4].name.clone()], "143 is SIGTERM's: a clean stop");
    assert!(!d.nothing_to_do());
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
    assert!(!report.changed());
    assert_eq!(lab.rt.changes(), [], "no create, start or anything else that changes the lab");
}

#[tokio::test]
async fn exited_containers_are_started_again_and_never_run_producers_wait() {
    let lab = Lab::new();
    lab.up(false).await.unwrap();
    let [genesis, p1, p2, ..] = &lab.containers()[..] else { unreachable!() };
    lab.rt.set_state(genesis, ContainerState::Exited, Some(0));
    lab.rt.start_container(p1).await.unwrap();
    lab.rt.set_state(p1, ContainerState::Exited, Some(0));
    lab.rt.clear_calls();

    let report = lab.up(false).await.unwrap();
    assert_eq!(sorted(report.started.clone()), sorted(vec![genesis.clone(), p1.clone()]));
    assert!(report.recover.is_empty());
    assert!(lab.created().is_empty());
    assert_eq!(lab.started(), sorted(vec![genesis.clone(), p1.clone()]));
    assert_eq!(lab.rt.container_state(p2).await.unwrap(), Some(ContainerState::Created));

    lab.rt.clear_calls();
    lab.up(true).await.unwrap();
    assert_eq!(lab.started().len(), lab.containers().len() - 2, "start_all starts those that never ran");
}

#[tokio::test]
async fn up_leaves_a_crashed_node_stopped_and_names_it_for_recovery() {
    let lab = Lab::new();
    lab.up(true).await.unwrap();
    let p2 = &lab.containers()[2];
    lab.rt.kill_container(p2, "SIGKILL").await.unwrap();
    lab.rt.clear_calls();
    let report = lab.up(true).await.unwrap();
    assert_eq!(report.recover, ["accountnum22"]);
    assert!(report.changed());
    assert_eq!(lab.rt.changes(), [], "a plain start would meet its dirty database");
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

#[tokio::test]
async fn a_preloaded_up_puts_the_files_in_before_each_first_start_and_starts_in_dial_order() {
    use super::{start_paused_marker, up_recorded, Created, Preload};
    use crate::plan::DATA_MOUNT;
    use crate::runtime::FileEntry;

    let lab = Lab::new();
    let snapshot = FileEntry { name: "restore.bin".into(), contents: b"chain".to_vec(), mode: 0o644 };
    let producers: Vec<String> = lab.plan.nodes.iter().skip(1).map(|n| n.name.clone()).collect();
    let preload = Preload { files: vec![snapshot], paused: producers.clone() };
    let created = Created::default();
    let printer = Printer::new(true, true);
    let report = up_recorded(&lab.rt, &lab.plan, &lab.state, &printer, true, Some(&preload), &created).await.unwrap();
    assert_eq!(sorted(report.created), sorted(lab.containers()));
    assert_eq!(sorted(created.objects().containers), sorted(lab.containers()), "recorded for a rollback");

    let calls = lab.rt.calls();
    let at = |wanted: &Call| calls.iter().position(|c| c == wanted).unwrap_or_else(|| panic!("no {wanted:?}"));
    let mut starts = Vec::new();
    for node in &lab.plan.nodes {
        let c = &node.container;
        let put = at(&Call::PutFiles(c.clone(), DATA_MOUNT.into()));
        let start = at(&Call::StartContainer(c.clone()));
        assert!(at(&Call::CreateContainer(c.clone())) < put && put < start, "{c}: files after its start");
        starts.push(start);
        let read = |name: &str| futures::executor::block_on(lab.rt.get_file(c, &format!("{DATA_MOUNT}/{name}")));
        assert_eq!(read("restore.bin").unwrap(), b"chain");
        let paused = read(&start_paused_marker().name).is_ok();
        assert_eq!(paused, producers.contains(&node.name), "{c}: the paused marker");
    }
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "started in the plan's (dial) order: {starts:?}");
}

#[tokio::test]
async fn a_new_chain_of_a_small_lab_starts_its_genesis_node_held_and_only_a_new_one() {
    use super::{start_paused_marker, up_recorded, Created};
    use crate::plan::DATA_MOUNT;

    let lab = Lab::new();
    let printer = Printer::new(true, true);
    let marker = |c: &str| {
        futures::executor::block_on(lab.rt.get_file(c, &format!("{DATA_MOUNT}/{}", start_paused_marker().name))).is_ok()
    };
    let report = up_recorded(&lab.rt, &lab.plan, &lab.state, &printer, true, None, &Created::default()).await.unwrap();
    assert!(report.genesis_held);
    for node in &lab.plan.nodes {
        assert_eq!(marker(&node.container), node.name == "genesis", "{}: the paused marker", node.name);
    }
    // Producers left for `start-prod` (a large lab): nothing is held, genesis produces alone.
    let other = Lab::new();
    let report =
        up_recorded(&other.rt, &other.plan, &other.state, &printer, false, None, &Created::default()).await.unwrap();
    assert!(!report.genesis_held);
    // A lab that has its chain: the genesis node is not new, nothing is held.
    lab.rt.stop_container(&lab.plan.genesis().container, 1).await.unwrap();
    let report = up_recorded(&lab.rt, &lab.plan, &lab.state, &printer, true, None, &Created::default()).await.unwrap();
    assert!(!report.genesis_held && report.started == [lab.plan.genesis().container.clone()], "{report:?}");
}

#[test]
fn a_node_with_an_image_of_its_own_gets_a_container_of_that_image() {
    let yaml = format!("{DEFAULT_TOPOLOGY}\nnodes: {{accountnum11: {{image: {{ref: example/spring:1}}}}}}\n");
    let yaml = yaml.replace("nodes:\n  genesis:\n    http_port: 8888", "");
    let plan = NetworkPlan::build(&TopologySource { topology: parse(&yaml).unwrap(), path: None }, "img").unwrap();
    let state = StateDir { root: std::path::PathBuf::from("/nonexistent/img") };
    let image = |node: &str| container_spec(&plan, plan.node(node).unwrap(), &state).image;
    assert_eq!(image("accountnum11"), "example/spring:1");
    assert_eq!(image("accountnum22"), plan.image.reference());
}
