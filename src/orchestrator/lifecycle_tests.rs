//! Lifecycle decisions over the fake engine.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::orchestrator::recover::tests::Scene;
use crate::plan::HTTP_PORT;
use crate::runtime::fake::Call;
use crate::runtime::{ContainerState, ExecOutput};

const SECS: Duration = Duration::from_secs(2);

#[tokio::test]
async fn start_restores_a_crashed_node_and_plainly_starts_a_clean_one() {
    let s = Scene::new().await;
    s.rt.set_state("lab-accountnum22", ContainerState::Exited, Some(137));
    s.rt.set_state("lab-accountnum33", ContainerState::Exited, Some(0));
    s.rt.set_logs("lab-accountnum33", "info nodeos successfully exiting\n");
    let resumed = answer_release(&s);
    s.rt.clear_calls();
    let nodes = [s.node("accountnum22"), s.node("accountnum33"), s.node("genesis")];

    let report = start(&s.rt, &s.plan, &nodes, SECS, &Scene::printer()).await.unwrap();
    assert_eq!(report.started, ["accountnum33"]);
    assert_eq!(report.already_running, ["genesis"]);
    assert_eq!(report.recovered.len(), 1);
    assert_eq!(report.recovered[0].node, "accountnum22");
    assert_eq!(s.snapshots_taken(), 1, "one snapshot, for the crashed node only");
    // The chain is live: nobody is held back, no marker is put; every running producer is
    // resumed, so that a marker left by an interrupted whole-chain start holds nobody.
    assert_eq!(s.puts(), [Call::PutFiles("lab-accountnum22".into(), "/lab/data".into())]);
    let asked: Vec<String> = ["accountnum11", "accountnum22", "accountnum33", "accountnum44"]
        .iter()
        .map(|p| format!("http://lab-{p}:{HTTP_PORT}/v1/producer/resume"))
        .collect();
    assert_eq!(*resumed.lock().unwrap(), asked);
}

#[tokio::test]
async fn a_clean_stop_then_start_takes_no_snapshot() {
    let s = Scene::new().await;
    let all: Vec<&NodePlan> = s.plan.nodes.iter().collect();
    let stopped = stop(&s.rt, &s.plan, &all, &Scene::printer()).await.unwrap();
    assert_eq!(stopped.len(), s.plan.nodes.len());
    let resumed = answer_release(&s);
    s.rt.clear_calls();
    let report = start(&s.rt, &s.plan, &all, SECS, &Scene::printer()).await.unwrap();
    assert_eq!(report.started.len(), s.plan.nodes.len());
    assert!(report.recovered.is_empty());
    assert_eq!(s.snapshots_taken(), 0);
    // The whole chain starts: its producers start paused (a marker in their data), and are
    // resumed once every node is connected; the genesis node is not held back.
    let producers = ["accountnum11", "accountnum22", "accountnum33", "accountnum44"];
    let marked: Vec<Call> = producers.iter().map(|p| Call::PutFiles(format!("lab-{p}"), "/lab/data".into())).collect();
    assert_eq!(s.puts(), marked);
    let asked: Vec<String> =
        producers.iter().map(|p| format!("http://lab-{p}:{HTTP_PORT}/v1/producer/resume")).collect();
    assert_eq!(*resumed.lock().unwrap(), asked);
}

/// Answers the release's rounds through the genesis node: every dialed peer shaken hands, every
/// resume accepted; returns the resume URLs asked, in order.
fn answer_release(s: &Scene) -> Arc<Mutex<Vec<String>>> {
    const SEP: &str = "@@antelope-lab@@";
    let resumed = Arc::new(Mutex::new(Vec::new()));
    let asked = resumed.clone();
    let peers: Vec<(String, Vec<String>)> = s
        .plan
        .nodes
        .iter()
        .map(|n| (n.container.clone(), n.peers.iter().map(|p| s.plan.node(p).unwrap().container.clone()).collect()))
        .collect();
    s.rt.on_exec(move |call| {
        let script = call.stdin_text();
        let urls: Vec<&str> =
            script.lines().filter_map(|l| l.strip_prefix("url = \"")).map(|u| u.trim_end_matches('"')).collect();
        if !urls.iter().any(|u| u.ends_with("net/connections") || u.ends_with("producer/resume")) {
            return None;
        }
        let mut out = String::new();
        for u in urls {
            let host = u.trim_start_matches("http://").split(':').next().unwrap();
            if u.ends_with("producer/resume") {
                asked.lock().unwrap().push(u.to_string());
                out.push_str(&format!("{{\"result\":\"ok\"}}\n{SEP}200\n"));
                continue;
            }
            let dialed = &peers.iter().find(|(c, _)| c == host).unwrap().1;
            let cs: Vec<String> = dialed
                .iter()
                .map(|c| format!(r#"{{"peer":"{c}:9876","connecting":false,"last_handshake":{{"p2p_address":"{c}:9876 - ab","agent":""}}}}"#))
                .collect();
            out.push_str(&format!("[{}]\n{SEP}200\n", cs.join(",")));
        }
        Some(ExecOutput::ok(out))
    });
    resumed
}

#[tokio::test]
async fn only_a_whole_chain_start_holds_producers_back() {
    let s = Scene::new().await;
    let node = |n: &str| s.node(n);
    let listed = |states: &[(&str, ContainerState)]| -> Vec<ContainerInfo> {
        s.plan
            .nodes
            .iter()
            .map(|n| {
                let state =
                    states.iter().find(|(m, _)| *m == n.name).map(|(_, st)| *st).unwrap_or(ContainerState::Running);
                ContainerInfo {
                    name: n.container.clone(),
                    id: n.container.clone(),
                    image: String::new(),
                    state,
                    exit_code: Some(0),
                    labels: Default::default(),
                    ports: vec![],
                    addresses: Default::default(),
                }
            })
            .collect()
    };
    let names = |v: Vec<&NodePlan>| v.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
    let stopped = ContainerState::Exited;
    let all_stopped: Vec<(&str, ContainerState)> = s.plan.nodes.iter().map(|n| (n.name.as_str(), stopped)).collect();
    let all: Vec<&NodePlan> = s.plan.nodes.iter().collect();
    // Every node stopped, every node started: the producers are held back.
    let held = held_back(&s.plan, &listed(&all_stopped), &all, &[]);
    assert_eq!(names(held), ["accountnum11", "accountnum22", "accountnum33", "accountnum44"]);
    // The genesis node runs, the producers start: still the whole chain.
    let producers: Vec<&NodePlan> = all[1..].to_vec();
    let held = held_back(&s.plan, &listed(&all_stopped[1..]), &producers, &[]);
    assert_eq!(held.len(), 4);
    // One producer runs: the chain is live, a started producer joins it.
    assert!(held_back(&s.plan, &listed(&[("accountnum22", stopped)]), &[node("accountnum22")], &[]).is_empty());
    // A node left stopped, or one still to be recovered: the chain is not whole yet.
    assert!(held_back(&s.plan, &listed(&all_stopped), &all[..4], &[]).is_empty());
    assert!(held_back(&s.plan, &listed(&all_stopped), &all[..4], &[node("accountnum44")]).is_empty());
}

#[tokio::test]
async fn a_paused_node_is_resumed_before_its_clean_stop() {
    let s = Scene::new().await;
    pause(&s.rt, &s.plan, &[s.node("accountnum11")]).await.unwrap();
    s.rt.clear_calls();
    stop(&s.rt, &s.plan, &[s.node("accountnum11")], &Scene::printer()).await.unwrap();
    assert_eq!(
        s.rt.changes(),
        [Call::UnpauseContainer("lab-accountnum11".into()), Call::StopContainer("lab-accountnum11".into())]
    );
}

#[tokio::test]
async fn requests_in_the_wrong_state_are_refused_whole_before_anything_changes() {
    let s = Scene::new().await;
    s.rt.set_state("lab-accountnum22", ContainerState::Exited, Some(137));
    let nodes = [s.node("accountnum11"), s.node("accountnum22")];

    let err = kill(&s.rt, &s.plan, &nodes, "SIGKILL").await.unwrap_err().to_string();
    assert_eq!(err, "cannot kill accountnum22 (crashed (exit code 137)): only running nodes can be sent a signal");
    let err = unpause(&s.rt, &s.plan, &nodes).await.unwrap_err().to_string();
    assert!(err.starts_with("cannot unpause accountnum11 (running), accountnum22 (crashed"), "{err}");
    pause(&s.rt, &s.plan, &[s.node("accountnum33")]).await.unwrap();
    s.rt.clear_calls();
    let err = start(&s.rt, &s.plan, &[s.node("accountnum33")], SECS, &Scene::printer()).await.unwrap_err();
    assert!(err.to_string().starts_with("cannot start accountnum33 (paused): a paused node resumes with"), "{err}");
    assert_eq!(s.rt.changes(), []);
}

#[tokio::test]
async fn a_lab_without_containers_does_not_exist() {
    let s = Scene::new().await;
    for n in &s.plan.nodes {
        s.rt.remove_container(&n.container).await.unwrap();
    }
    let all: Vec<&NodePlan> = s.plan.nodes.iter().collect();
    let err = start(&s.rt, &s.plan, &all, SECS, &Scene::printer()).await.unwrap_err();
    assert_eq!(err.to_string(), "lab `lab` does not exist: it has no containers (`lab up` creates it)");
    assert!(stop(&s.rt, &s.plan, &all, &Scene::printer()).await.is_err());
}

#[tokio::test]
async fn kill_sends_the_signal_and_the_node_reads_as_crashed() {
    let s = Scene::new().await;
    kill(&s.rt, &s.plan, &[s.node("accountnum22")], &parse_signal("kill").unwrap()).await.unwrap();
    let listed = live(&s.rt, &s.plan).await.unwrap();
    let c = listed.iter().find(|c| c.name == "lab-accountnum22").unwrap();
    assert_eq!((health(c), c.exit_code), (Health::Crashed, Some(137)));
}

#[test]
fn signals_are_read_by_name_or_number() {
    assert_eq!(parse_signal("SIGKILL").unwrap(), "SIGKILL");
    assert_eq!(parse_signal("term").unwrap(), "SIGTERM");
    assert_eq!(parse_signal("9").unwrap(), "9");
    assert_eq!(parse_signal("SIGFOO"), Err(LifecycleError::BadSignal("SIGFOO".into())));
    assert!(parse_signal("0").is_err() && parse_signal("64").is_err());
}
