//! Recovery over the fake engine: a crashed node is restored from a snapshot of a healthy one; a
//! clean one is left to a plain start; with no healthy node the error says so.

use std::time::Duration;

use super::*;
use crate::orchestrator::{container_spec, lab_filter};
use crate::printer::Printer;
use crate::runtime::fake::{Call, FakeRuntime};
use crate::runtime::{ContainerState, ExecOutput};
use crate::state::StateDir;
use crate::topology::{parse, TopologySource, DEFAULT_TOPOLOGY};

/// The default lab (genesis and 4 producers), every container running, answering get_info at
/// block 100, the genesis node able to make a snapshot.
pub(crate) struct Scene {
    pub rt: FakeRuntime,
    pub plan: NetworkPlan,
    _dir: tempfile::TempDir,
}

pub(crate) const SNAPSHOT: &str = "/lab/data/snapshots/snapshot-00000064aa.bin";

impl Scene {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let source = TopologySource { topology: parse(DEFAULT_TOPOLOGY).unwrap(), path: None };
        let plan = NetworkPlan::build(&source, "recover-test").unwrap();
        let state = StateDir { root: dir.path().join("lab") };
        let rt = FakeRuntime::new();
        rt.add_image(plan.image.reference());
        rt.ensure_network(&plan.network, &plan.labels).await.unwrap();
        for node in &plan.nodes {
            let spec = container_spec(&plan, node, &state);
            rt.create_container(&spec).await.unwrap();
            rt.start_container(&spec.name).await.unwrap();
        }
        rt.on_exec(|call| {
            let script = call.script();
            if script.contains("/v1/chain/get_info") {
                let info = r#"{"chain_id":"cafe","head_block_num":100,"last_irreversible_block_num":60,
                    "head_block_producer":"accountnum11","head_block_time":"2026-01-01T00:00:00.000"}"#;
                return Some(ExecOutput::ok(format!("{info}\n200")));
            }
            if script.contains("/v1/producer/create_snapshot") {
                let snap = format!(r#"{{"head_block_num":100,"snapshot_name":"{SNAPSHOT}"}}"#);
                return Some(ExecOutput::ok(format!("{snap}\n200")));
            }
            if script.starts_with("sh -c ls -A") || script.starts_with("rm -f") {
                return Some(ExecOutput::ok(""));
            }
            None
        });
        let file = FileEntry { name: "snapshot-00000064aa.bin".into(), contents: b"chain".to_vec(), mode: 0o644 };
        rt.put_files("lab-genesis", "/lab/data/snapshots", &[file]).await.unwrap();
        rt.clear_calls();
        Scene { rt, plan, _dir: dir }
    }

    pub fn node(&self, name: &str) -> &NodePlan {
        self.plan.node(name).unwrap()
    }

    pub fn printer() -> Printer {
        Printer::new(true, true)
    }

    pub fn snapshots_taken(&self) -> usize {
        self.rt.execs().iter().filter(|e| e.script().contains("create_snapshot")).count()
    }

    pub fn puts(&self) -> Vec<Call> {
        self.rt.calls().into_iter().filter(|c| matches!(c, Call::PutFiles(..))).collect()
    }
}

const SECS: Duration = Duration::from_secs(2);

#[tokio::test]
async fn a_crashed_node_is_restored_from_a_snapshot_of_the_genesis_node() {
    let s = Scene::new().await;
    s.rt.set_state("lab-accountnum22", ContainerState::Exited, Some(137));
    s.rt.set_logs("lab-accountnum22", "info produced block\n");

    let r = recover(&s.rt, &s.plan, s.node("accountnum22"), &[], SECS).await.unwrap();
    assert_eq!((r.node.as_str(), r.source.as_str(), r.block), ("accountnum22", "genesis", 100));
    assert_eq!(r.reason, "database dirty after an unclean shutdown (crashed, exit code 137)");
    assert!(r.to_string().starts_with(
        "accountnum22: database dirty after an unclean shutdown (crashed, exit code 137); restored from a \
         snapshot of genesis at block 100 in "
    ));
    // The snapshot went into the dead node's volume under the name its start script looks for,
    // then the node was started, and the source kept no copy.
    let restored = s.rt.get_file("lab-accountnum22", "/lab/data/restore.bin").await.unwrap();
    assert_eq!(restored, b"chain");
    let calls = s.rt.calls();
    let put = calls.iter().position(|c| *c == Call::PutFiles("lab-accountnum22".into(), "/lab/data".into()));
    let start = calls.iter().position(|c| *c == Call::StartContainer("lab-accountnum22".into()));
    assert!(put.unwrap() < start.unwrap(), "{calls:?}");
    assert!(s.rt.execs().iter().any(|e| e.container == "lab-genesis" && e.script() == format!("rm -f {SNAPSHOT}")));
    assert_eq!(s.rt.container_state("lab-accountnum22").await.unwrap(), Some(ContainerState::Running));
}

#[tokio::test]
async fn a_stopped_node_whose_log_shows_the_dirty_flag_needs_recovery_too() {
    let s = Scene::new().await;
    s.rt.set_state("lab-accountnum33", ContainerState::Exited, Some(0));
    let listed = s.rt.containers(&lab_filter(Some("lab"))).await.unwrap();
    let c = listed.iter().find(|c| c.name == "lab-accountnum33").unwrap();
    let dirty_log =
        "error main.cpp:390 try_exec ] database dirty flag set (likely due to unclean shutdown): replay required";
    assert!(needs_recovery(c, dirty_log));
    assert!(!needs_recovery(c, "info nodeos successfully exiting\n"));
    assert_eq!(reason(c, dirty_log), "database dirty after an unclean shutdown (stopped, exit code 0)");
}

#[tokio::test]
async fn with_no_healthy_node_the_error_says_so_and_nothing_changes() {
    let s = Scene::new().await;
    for n in &s.plan.nodes {
        s.rt.set_state(&n.container, ContainerState::Exited, Some(137));
    }
    let err = recover(&s.rt, &s.plan, s.node("accountnum22"), &[], SECS).await.unwrap_err();
    assert!(matches!(err, RecoverError::NoHealthyNode { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "accountnum22: cannot be restored, no other node of lab `lab` is running and answering to take a snapshot \
         from (`lab start` the others first)"
    );
    assert_eq!(s.rt.changes(), [], "nothing started, nothing copied");
}

#[tokio::test]
async fn a_node_that_dies_again_after_its_restore_is_reported_with_its_code_and_log() {
    let s = Scene::new().await;
    s.rt.set_state("lab-accountnum22", ContainerState::Exited, Some(137));
    // Its get_info never answers: the fake says nothing for it, and it "dies" once started.
    s.rt.on_exec(|call| {
        (call.container == "lab-accountnum22").then(|| ExecOutput::failed(7, "curl: (7) Failed to connect"))
    });
    s.rt.set_logs("lab-accountnum22", "error bad snapshot\n");
    let rt = &s.rt;
    let plan = &s.plan;
    let node = s.node("accountnum22");
    let recovering = recover(rt, plan, node, &[], SECS);
    let dying = async {
        while rt.container_state("lab-accountnum22").await.unwrap() != Some(ContainerState::Running) {
            tokio::task::yield_now().await;
        }
        rt.set_state("lab-accountnum22", ContainerState::Exited, Some(2));
    };
    let (result, ()) = futures::join!(recovering, dying);
    let err = result.unwrap_err().to_string();
    assert!(
        err.starts_with("accountnum22: recovery failed at catch up: lab-accountnum22 is crashed (exit code 2)"),
        "{err}"
    );
    assert!(err.contains("| error bad snapshot"), "{err}");
}
