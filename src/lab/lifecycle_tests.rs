//! Lifecycle decisions over the fake engine.

use std::time::Duration;

use super::*;
use crate::lab::recover::tests::Scene;
use crate::runtime::fake::Call;
use crate::runtime::ContainerState;

const SECS: Duration = Duration::from_secs(2);

#[tokio::test]
async fn start_restores_a_crashed_node_and_plainly_starts_a_clean_one() {
    let s = Scene::new().await;
    s.rt.set_state("lab-accountnum22", ContainerState::Exited, Some(137));
    s.rt.set_state("lab-accountnum33", ContainerState::Exited, Some(0));
    s.rt.set_logs("lab-accountnum33", "info nodeos successfully exiting\n");
    s.rt.clear_calls();
    let nodes = [s.node("accountnum22"), s.node("accountnum33"), s.node("genesis")];

    let report = start(&s.rt, &s.plan, &nodes, SECS, &Scene::printer()).await.unwrap();
    assert_eq!(report.started, ["accountnum33"]);
    assert_eq!(report.already_running, ["genesis"]);
    assert_eq!(report.recovered.len(), 1);
    assert_eq!(report.recovered[0].node, "accountnum22");
    assert_eq!(s.snapshots_taken(), 1, "one snapshot, for the crashed node only");
    assert_eq!(s.puts(), [Call::PutFiles("lab-accountnum22".into(), "/lab/data".into())]);
}

#[tokio::test]
async fn a_clean_stop_then_start_takes_no_snapshot() {
    let s = Scene::new().await;
    let all: Vec<&NodePlan> = s.plan.nodes.iter().collect();
    let stopped = stop(&s.rt, &s.plan, &all, &Scene::printer()).await.unwrap();
    assert_eq!(stopped.len(), s.plan.nodes.len());
    let report = start(&s.rt, &s.plan, &all, SECS, &Scene::printer()).await.unwrap();
    assert_eq!(report.started.len(), s.plan.nodes.len());
    assert!(report.recovered.is_empty());
    assert_eq!(s.snapshots_taken(), 0);
    assert_eq!(s.puts(), []);
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
