//! The application of faults over the fake engine: which nodes get a helper, what it is allowed,
//! what it runs, and that nothing of it is left.

use super::apply::{self, FaultError, LiveNode};
use super::spec::{parse_link, parse_partition, LinkArgs};
use crate::labels;
use crate::orchestrator::container_spec;
use crate::plan::NetworkPlan;
use crate::runtime::fake::{Call, FakeRuntime};
use crate::runtime::{ContainerState, ExecOutput, Runtime};
use crate::state::StateDir;
use crate::topology::{parse, TopologySource};

const TOOLS: &str = "antelope-lab/nettools:test";

struct Lab {
    rt: std::sync::Arc<FakeRuntime>,
    plan: NetworkPlan,
    _dir: tempfile::TempDir,
}

impl Lab {
    /// The default lab's containers, running, helpers answering 0 unless a test says otherwise.
    async fn running() -> Lab {
        let port = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port();
        let yaml = format!("name: faults\nnodes: {{genesis: {{http_port: {port}}}}}\n");
        let plan = NetworkPlan::build(&TopologySource { topology: parse(&yaml).unwrap(), path: None }, "f").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir { root: dir.path().join("lab") };
        let rt = FakeRuntime::new();
        rt.add_image(plan.image.reference());
        rt.add_image(TOOLS);
        rt.ensure_network(&plan.network, &plan.labels).await.unwrap();
        for node in &plan.nodes {
            rt.create_container(&container_spec(&plan, node, &state)).await.unwrap();
            rt.start_container(&node.container).await.unwrap();
        }
        rt.on_exec(|c| c.container.ends_with("-net").then(|| ExecOutput::ok("")));
        rt.clear_calls();
        Lab { rt: std::sync::Arc::new(rt), plan, _dir: dir }
    }

    async fn nodes(&self) -> Vec<LiveNode> {
        apply::live_nodes(&*self.rt, &self.plan).await.unwrap()
    }

    fn ip(nodes: &[LiveNode], name: &str) -> String {
        nodes.iter().find(|n| n.name == name).unwrap().ip.clone().unwrap()
    }

    /// The script each helper ran, by the node it ran beside.
    fn scripts(&self) -> Vec<(String, String)> {
        self.rt
            .execs()
            .into_iter()
            .filter(|e| e.container.ends_with("-net"))
            .map(|e| (e.container.trim_end_matches("-net").to_string(), e.cmd[2].clone()))
            .collect()
    }

    fn helpers_left(&self) -> Vec<String> {
        let all = futures::executor::block_on(self.rt.containers(&[labels::HELPER.to_string()])).unwrap();
        all.into_iter().map(|c| c.name).collect()
    }
}

#[tokio::test]
async fn a_partition_runs_one_unprivileged_helper_per_running_node_and_leaves_none() {
    let lab = Lab::running().await;
    lab.rt.set_state("faults-accountnum44", ContainerState::Exited, Some(0));
    let nodes = lab.nodes().await;
    let names: Vec<String> = lab.plan.nodes.iter().map(|n| n.name.clone()).collect();
    let p = parse_partition(&["accountnum11".to_string()], &names).unwrap();

    let (applied, error) = apply::partition(&*lab.rt, TOOLS, &lab.plan, &nodes, &p).await;
    assert!(error.is_none(), "{error:?}");
    // The stopped node is left alone, and no one is cut from it (it has no address).
    assert_eq!(applied.len(), 4, "{applied:?}");
    assert_eq!(applied["accountnum11"], ["genesis", "accountnum22", "accountnum33"]);
    assert_eq!(applied["genesis"], ["accountnum11"]);

    let scripts = lab.scripts();
    assert_eq!(scripts.len(), 4);
    let lone = &scripts.iter().find(|(n, _)| n == "faults-accountnum11").unwrap().1;
    for peer in ["genesis", "accountnum22", "accountnum33"] {
        assert!(lone.contains(&format!("-s {} -j DROP", Lab::ip(&nodes, peer))), "{peer}: {lone}");
    }
    let genesis = &scripts.iter().find(|(n, _)| n == "faults-genesis").unwrap().1;
    assert!(genesis.contains(&format!("-d {} -j DROP", Lab::ip(&nodes, "accountnum11"))), "{genesis}");
    assert!(!genesis.contains(&Lab::ip(&nodes, "accountnum22")), "within a group nothing is cut: {genesis}");

    // Each helper: the tools image, in its node's namespace, NET_ADMIN only, the lab's labels.
    let spec_calls = lab.rt.calls();
    assert!(spec_calls.contains(&Call::CreateContainer("faults-genesis-net".into())));
    assert!(!spec_calls.contains(&Call::CreateContainer("faults-accountnum44-net".into())));
    assert!(spec_calls.contains(&Call::RemoveContainer("faults-genesis-net".into())));
    assert!(lab.helpers_left().is_empty());
}

#[tokio::test]
async fn a_helper_is_made_beside_its_node_with_net_admin_and_the_labs_labels() {
    let lab = Lab::running().await;
    let nodes = lab.nodes().await;
    // Keep the spec: the fake forgets a removed container, so look while the helper runs.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let (rt, s) = (lab.rt.clone(), seen.clone());
    lab.rt.on_exec(move |c| {
        (c.container == "faults-genesis-net").then(|| {
            *s.lock().unwrap() = rt.spec("faults-genesis-net");
            ExecOutput::ok("")
        })
    });
    apply::run_helper(&*lab.rt, TOOLS, &lab.plan, &nodes[0], "true").await.unwrap();
    let spec = seen.lock().unwrap().clone().expect("the helper ran");
    assert_eq!(spec.share_network_of.as_deref(), Some("faults-genesis"));
    assert_eq!(spec.cap_add, ["NET_ADMIN"]);
    assert_eq!(spec.image, TOOLS);
    assert_eq!(spec.labels[labels::LAB], "faults");
    assert_eq!(spec.labels[labels::HELPER], apply::HELPER_KIND);
    assert!(!spec.labels.contains_key(labels::NODE), "a helper is not a node");
    assert!(lab.helpers_left().is_empty());
}

#[tokio::test]
async fn a_failing_helper_names_its_node_and_what_it_said() {
    let lab = Lab::running().await;
    lab.rt.on_exec(|c| {
        (c.container == "faults-accountnum22-net").then(|| ExecOutput::failed(4, "iptables: Permission denied"))
    });
    let nodes = lab.nodes().await;
    let spec = parse_link(&LinkArgs { loss: Some("30".into()), ..Default::default() }).unwrap();
    let targets: Vec<&LiveNode> = nodes.iter().filter(|n| n.name != "genesis").collect();
    let (done, error) = apply::link(&*lab.rt, TOOLS, &lab.plan, &targets, &spec).await;
    assert_eq!(done, ["accountnum11", "accountnum33", "accountnum44"]);
    let e = error.unwrap().to_string();
    assert!(e.contains("accountnum22: the network helper failed (exit 4): iptables: Permission denied"), "{e}");
    assert!(lab.helpers_left().is_empty(), "a failed helper is removed too");
}

#[tokio::test]
async fn without_netem_the_probe_refuses_and_nothing_else_runs() {
    let lab = Lab::running().await;
    lab.rt.on_exec(|c| {
        c.cmd[2].contains("netem delay 1ms").then(|| ExecOutput::failed(3, "Error: Specified qdisc kind is unknown."))
    });
    let nodes = lab.nodes().await;
    let e = apply::probe_netem(&*lab.rt, TOOLS, &lab.plan, &nodes[1]).await.unwrap_err();
    assert!(matches!(e, FaultError::NoNetem(_)), "{e:?}");
    assert!(e.to_string().starts_with("this kernel has no netem qdisc: delay and jitter cannot be applied"), "{e}");
    assert_eq!(lab.scripts().len(), 1, "only the probe ran");
    assert!(lab.helpers_left().is_empty());
}

#[tokio::test]
async fn heal_acts_on_running_nodes_only() {
    let lab = Lab::running().await;
    lab.rt.set_state("faults-accountnum33", ContainerState::Exited, Some(137));
    let nodes = lab.nodes().await;
    let (done, error) = apply::heal(&*lab.rt, TOOLS, &lab.plan, &nodes).await;
    assert!(error.is_none());
    assert_eq!(done, ["genesis", "accountnum11", "accountnum22", "accountnum44"]);
    assert!(lab.scripts().iter().all(|(_, s)| s.contains("iptables -F LAB-CUT") && s.contains("iptables -F LAB-LOSS")));
}

#[tokio::test]
async fn a_lab_that_does_not_exist_or_does_not_run_is_refused() {
    let lab = Lab::running().await;
    for node in &lab.plan.nodes {
        lab.rt.set_state(&node.container, ContainerState::Exited, Some(0));
    }
    let e = apply::live_nodes(&*lab.rt, &lab.plan).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "lab `faults` is not running: none of its nodes runs (`lab up` or `lab start` starts it)"
    );
    let empty = FakeRuntime::new();
    let e = apply::live_nodes(&empty, &lab.plan).await.unwrap_err();
    assert_eq!(e.to_string(), "lab `faults` does not exist: it has no containers (`lab up` creates it)");
    assert!(empty.changes().is_empty());
}
