//! The boot runner and its machinery over the fake engine and a fake node: what runs, what is
//! skipped, what is retried, what is split, and where a failed boot resumes.

mod node;

use std::sync::{Arc, Mutex};

use node::{failed, ok, serve, Chain, ASSERTION, TOO_HEAVY, TRANSIENT};

use super::*;
use crate::plan::NetworkPlan;
use crate::printer::Printer;
use crate::runtime::fake::FakeRuntime;
use crate::topology::{parse, TopologySource};

struct Fixture {
    rt: FakeRuntime,
    plan: NetworkPlan,
    state: StateDir,
    printer: Printer,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// The default lab with its genesis container running on the fake engine.
    async fn new() -> Fixture {
        let topology = parse("{}").unwrap();
        let plan = NetworkPlan::build(&TopologySource { topology, path: None }, "seed").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir { root: dir.path().to_path_buf() };
        let rt = FakeRuntime::new();
        let spec = crate::orchestrator::container_spec(&plan, plan.genesis(), &state);
        rt.add_image(plan.image.reference());
        rt.ensure_network(&plan.network, &plan.labels).await.unwrap();
        rt.create_container(&spec).await.unwrap();
        rt.start_container(&spec.name).await.unwrap();
        Fixture { rt, plan, state, printer: Printer::new(true, true), _dir: dir }
    }

    fn boot(&self) -> Boot<'_> {
        Boot::new(&self.rt, &self.plan, &self.state, &self.printer)
    }

    fn serve(&self, chain: Chain) -> Arc<Mutex<Chain>> {
        serve(&self.rt, chain)
    }

    async fn run(&self, steps: &[StepName]) -> Result<Vec<StepReport>, BootError> {
        self.boot().run(&BootOptions { steps: steps.to_vec(), xfer_count: 0 }).await
    }
}

/// A chain where `sys` and `contracts` are done.
fn after_contracts() -> Chain {
    let mut c = Chain::fresh();
    for a in SYSTEM_ACCOUNTS {
        c.accounts.insert(a.to_string(), false);
    }
    for a in crate::chain::system::ACCOUNT_CONTRACTS {
        c.code.insert(a.to_string(), node::image_hash(a));
    }
    c
}

const EARLY: [StepName; 3] = [StepName::Sys, StepName::Contracts, StepName::Tokens];

#[tokio::test]
async fn a_fresh_chain_runs_each_step_once() {
    let f = Fixture::new().await;
    let chain = f.serve(Chain::fresh());
    let reports = f.run(&EARLY).await.unwrap();
    assert!(reports.iter().all(|r| r.changed), "{reports:?}");
    let c = chain.lock().unwrap();
    assert_eq!(c.pushes.len(), 2, "sys, then create+issue: {:?}", c.pushes);
    assert_eq!(c.pushes[0].len(), SYSTEM_ACCOUNTS.len());
    assert_eq!(c.pushes[1], ["eosio.token::create", "eosio.token::issue"]);
    assert_eq!(c.deployments.len(), 3);
    assert!(c.supply.as_deref().is_some_and(|s| s != "0.0000 SYS"));
}

#[tokio::test]
async fn a_step_already_done_is_not_run_again() {
    let f = Fixture::new().await;
    let chain = f.serve(after_contracts());
    let reports = f.run(&EARLY).await.unwrap();
    assert_eq!(reports.iter().map(|r| r.changed).collect::<Vec<_>>(), [false, false, true]);
    assert!(reports[0].note.starts_with("already done"), "{}", reports[0].note);
    {
        let c = chain.lock().unwrap();
        assert!(c.deployments.is_empty(), "contracts deployed again: {:?}", c.deployments);
        assert_eq!(c.pushes, [vec!["eosio.token::create", "eosio.token::issue"]]);
    }
    // A second run finds everything done and sends nothing.
    let before = f.rt.execs().len();
    let reports = f.run(&EARLY).await.unwrap();
    assert!(reports.iter().all(|r| !r.changed));
    assert_eq!(chain.lock().unwrap().pushes.len(), 1);
    assert!(f.rt.execs()[before..].iter().all(|e| !e.cmd.join(" ").contains("push transaction")));
}

#[tokio::test]
async fn a_failed_step_is_named_and_the_rerun_resumes_there() {
    let f = Fixture::new().await;
    let mut chain = Chain::fresh();
    // sys passes, then the token push fails for good.
    chain.push_answers.extend([ok(""), failed(ASSERTION)]);
    let chain = f.serve(chain);
    let e = f.run(&EARLY).await.unwrap_err();
    assert_eq!(e.step, StepName::Tokens);
    assert!(e.to_string().starts_with("step tokens on lab-genesis: push transaction of 2 actions"), "{e}");
    assert_eq!(chain.lock().unwrap().pushes.len(), 2, "an assertion is not retried");
    let reports = f.run(&EARLY).await.unwrap();
    assert_eq!(reports.iter().map(|r| r.changed).collect::<Vec<_>>(), [false, false, true]);
    let c = chain.lock().unwrap();
    assert_eq!(c.deployments.len(), 3, "contracts deployed once");
    assert_eq!(c.pushes.len(), 3);
}

#[tokio::test]
async fn transient_failures_are_retried_final_ones_are_not() {
    let f = Fixture::new().await;
    let mut chain = Chain::fresh();
    chain.push_answers.extend([failed(TRANSIENT), failed(TRANSIENT), ok("")]);
    let chain = f.serve(chain);
    let cx = f.boot();
    let cx = cx.context(0).await;
    let a = push::Action::newaccount("alice", "EOS1");
    cx.pusher().push(std::slice::from_ref(&a)).await.unwrap();
    assert_eq!(chain.lock().unwrap().pushes.len(), 3);
    chain.lock().unwrap().push_answers.extend([failed(ASSERTION), ok("")]);
    let e = cx.pusher().push(std::slice::from_ref(&a)).await.unwrap_err();
    assert!(matches!(e, Failure::Exec { code: 1, .. }), "{e}");
    assert_eq!(chain.lock().unwrap().pushes.len(), 4, "tried once");
    // Every try fails: the last failure is reported after a bounded number of tries.
    chain.lock().unwrap().push_answers = (0..10).map(|_| failed(TRANSIENT)).collect();
    assert!(cx.pusher().push(std::slice::from_ref(&a)).await.is_err());
    assert_eq!(chain.lock().unwrap().pushes.len(), 4 + retry::ATTEMPTS);
}

#[tokio::test]
async fn a_too_heavy_batch_is_split_in_halves() {
    let f = Fixture::new().await;
    let mut chain = Chain::fresh();
    chain.max_actions = Some(2);
    let chain = f.serve(chain);
    let cx = f.boot();
    let cx = cx.context(0).await;
    let groups: Vec<Vec<Action>> = (0..4)
        .map(|i| vec![Action::newaccount(&format!("user{i}"), "EOS1"), Action::newaccount("x", "EOS1")])
        .collect();
    let done = std::sync::atomic::AtomicU64::new(0);
    let progress = |n: u64| {
        done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    };
    cx.pusher().push_groups(groups, 100, 1, &progress).await.unwrap();
    let sizes: Vec<usize> = chain.lock().unwrap().pushes.iter().map(Vec::len).collect();
    // 8 actions too heavy, then halves of 4 (too heavy), then single groups of 2.
    assert_eq!(sizes, [8, 4, 2, 2, 4, 2, 2]);
    assert_eq!(done.into_inner(), 4);
    // A single group that is too heavy is retried as it is, not split, and fails in the end.
    let e = cx
        .pusher()
        .push_groups(vec![(0..3).map(|i| Action::newaccount(&format!("y{i}"), "EOS1")).collect()], 100, 1, &|_| {})
        .await;
    assert!(e.is_err());
    assert_eq!(chain.lock().unwrap().pushes.len(), 7 + retry::ATTEMPTS);
    let _ = TOO_HEAVY;
}

#[tokio::test]
async fn actions_that_must_stay_together_are_pushed_whole_and_never_split() {
    let f = Fixture::new().await;
    let mut chain = Chain::fresh();
    chain.max_actions = Some(2);
    let chain = f.serve(chain);
    let cx = f.boot();
    let cx = cx.context(0).await;
    let actions: Vec<Action> = (0..3).map(|i| Action::newaccount(&format!("user{i}"), "EOS1")).collect();
    let missing = || async {
        let c = chain.lock().unwrap();
        Ok(actions.iter().filter(|a| !c.accounts.contains_key(a.data["name"].as_str().unwrap())).cloned().collect())
    };
    // Too heavy as one: tried once, not split, and everything is left for the caller.
    let left = confirm::push_whole_confirmed(&cx.pusher(), &cx.chain(), &actions, missing).await.unwrap();
    assert_eq!(left, actions);
    assert_eq!(chain.lock().unwrap().pushes.iter().map(Vec::len).collect::<Vec<_>>(), [3]);
    // Taken as one: one transaction, and nothing left once it is in a block.
    chain.lock().unwrap().max_actions = None;
    let left = confirm::push_whole_confirmed(&cx.pusher(), &cx.chain(), &actions, missing).await.unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(chain.lock().unwrap().pushes.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3]);
}

#[tokio::test]
async fn checks_change_nothing() {
    let f = Fixture::new().await;
    let chain = f.serve(after_contracts());
    let boot = f.boot();
    for step in [StepName::Sys, StepName::Contracts, StepName::Tokens] {
        boot.check(step).await.unwrap();
    }
    assert!(boot.check(StepName::Tokens).await.unwrap().done() == Some(false));
    assert_eq!(boot.check(StepName::Sys).await.unwrap(), Check::Done(String::new()));
    let c = chain.lock().unwrap();
    assert!(c.pushes.is_empty() && c.deployments.is_empty());
}

#[tokio::test]
async fn an_answer_of_another_shape_is_an_error_naming_node_and_call() {
    let f = Fixture::new().await;
    f.serve(Chain::fresh());
    // Handlers answer newest first: this one shadows the node's get_currency_stats.
    f.rt.on_exec(|call| {
        (call.cmd.first().map(String::as_str) == Some("curl")
            && call.cmd.last().unwrap().ends_with("get_currency_stats"))
        .then(|| ok("{\"SYS\": {\"supply\": 5}}\n200"))
    });
    let e = f.boot().check(StepName::Tokens).await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("lab-genesis") && text.contains("chain/get_currency_stats") && text.contains("supply"),
        "{text}"
    );
}

mod spring;

#[tokio::test]
async fn the_checks_of_missing_reach_the_node_together() {
    let f = Fixture::new().await;
    f.serve(after_contracts());
    let boot = f.boot();
    let curls =
        |from: usize| f.rt.execs()[from..].iter().filter(|e| e.cmd.first().is_some_and(|c| c == "curl")).count();
    // Asked one by one, each call is an exec of its own.
    let before = f.rt.execs().len();
    let mut one_by_one = Vec::new();
    for step in EARLY {
        if boot.check(step).await.unwrap().done() == Some(false) {
            one_by_one.push(step);
        }
    }
    let alone = curls(before);
    // Asked side by side, the calls made at the same moment share one.
    let before = f.rt.execs().len();
    let missing = boot.missing(&EARLY).await.unwrap();
    let together = curls(before);
    assert!(together < alone, "{together} execs side by side, {alone} one by one");
    assert!(f.rt.execs()[before..].iter().filter(|e| e.cmd[0] == "curl").all(|e| e.cmd.iter().any(|c| c == "-K")));
    // The same answers.
    assert_eq!(missing.iter().map(|(s, _)| *s).collect::<Vec<_>>(), one_by_one);
    assert_eq!(one_by_one, [StepName::Tokens]);
    // A node that does not answer fails the batch, named.
    f.rt.on_exec(|call| (call.cmd.iter().any(|c| c == "-K")).then(|| failed("curl: (7) Failed to connect")));
    let e = boot.missing(&EARLY).await.unwrap_err().to_string();
    assert!(e.contains("lab-genesis"), "{e}");
}
