//! `lab wait` over the fake engine: a genesis node answering get_info from a script.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{wait, Conditions, WaitTimedOut};
use crate::orchestrator::container_spec;
use crate::plan::NetworkPlan;
use crate::runtime::fake::FakeRuntime;
use crate::runtime::{ContainerState, ExecOutput, Runtime};
use crate::state::StateDir;
use crate::topology::{parse, TopologySource};

fn plan() -> NetworkPlan {
    NetworkPlan::build(&TopologySource { topology: parse("name: w").unwrap(), path: None }, "seed").unwrap()
}

/// Creates the genesis container (not started).
async fn genesis(rt: &FakeRuntime, plan: &NetworkPlan) {
    let state = StateDir { root: "/nonexistent".into() };
    rt.add_image(plan.image.reference());
    rt.ensure_network(&plan.network, &plan.labels).await.unwrap();
    rt.ensure_volume(&plan.genesis().volume, &plan.labels).await.unwrap();
    rt.create_container(&container_spec(plan, plan.genesis(), &state)).await.unwrap();
}

/// A running genesis node whose head moves one block per get_info, LIB 10 behind.
async fn chain(rt: &FakeRuntime, plan: &NetworkPlan, from: u64) -> Arc<AtomicU64> {
    genesis(rt, plan).await;
    rt.start_container(&plan.genesis().container).await.unwrap();
    let head = Arc::new(AtomicU64::new(from));
    let h = head.clone();
    rt.on_exec(move |c| {
        c.script().contains("chain/get_info").then(|| {
            let head = h.fetch_add(1, Ordering::SeqCst);
            ExecOutput::ok(format!(
                "{{\"chain_id\":\"c\",\"head_block_num\":{head},\"last_irreversible_block_num\":{},\"head_block_producer\":\"eosio\",\"head_block_time\":\"t\"}}\n200",
                head - 10
            ))
        })
    });
    head
}

#[tokio::test]
async fn a_wait_ends_when_the_head_gets_there() {
    let (rt, plan) = (FakeRuntime::new(), plan());
    chain(&rt, &plan, 100).await;
    let c = Conditions { head: Some(102), lib_advances: Some(2), ..Default::default() };
    let verdict = wait(&rt, &plan, &c, Duration::from_secs(10)).await.unwrap();
    assert_eq!(verdict.observed, ["LIB 92 (wanted ≥ 92: 2 past 90)", "head 102 (wanted ≥ 102)"]);
}

#[tokio::test]
async fn a_timeout_says_what_it_last_saw() {
    let (rt, plan) = (FakeRuntime::new(), plan());
    chain(&rt, &plan, 140).await;
    let c = Conditions { head: Some(1_000_000), ..Default::default() };
    let e = wait(&rt, &plan, &c, Duration::from_millis(600)).await.unwrap_err();
    let timed_out = e.downcast_ref::<WaitTimedOut>().expect("a WaitTimedOut");
    assert_eq!(timed_out.observed.len(), 2);
    assert!(timed_out.observed[1].ends_with("(wanted ≥ 1000000)"), "{timed_out}");
    assert_eq!(crate::error::exit_code(e), 6);
}

#[tokio::test]
async fn a_lab_without_a_running_genesis_is_an_error_at_once() {
    let (rt, plan) = (FakeRuntime::new(), plan());
    let c = Conditions { head: Some(1), ..Default::default() };
    let e = wait(&rt, &plan, &c, Duration::from_secs(30)).await.unwrap_err().to_string();
    assert!(e.contains("has no genesis container"), "{e}");
    genesis(&rt, &plan).await;
    rt.set_state(&plan.genesis().container, ContainerState::Exited, Some(137));
    let e = wait(&rt, &plan, &c, Duration::from_secs(30)).await.unwrap_err().to_string();
    assert!(e.contains("w-genesis is exited"), "{e}");
}
