//! The steps that follow the chain's capabilities: Vaulta-era accounts, activation through
//! eosio.boot or the bios, and the switch to Savanna, over the fake engine and node.

use super::node::{image_hash, Chain};
use super::*;
use crate::chain::system::{BOOT_CONTRACT, PREACTIVATE_FEATURE, VAULTA_ACCOUNTS};
use crate::plan::NodeosFacts;

/// A system contract of the 3.x era, as the fake image's ABI declares it.
const V3_ACTIONS: &[&str] = &["newaccount", "regproducer", "voteproducer", "regfinkey", "switchtosvnn", "ramburn"];

/// The producers the default lab elects.
fn producers() -> Vec<String> {
    ["accountnum11", "accountnum22", "accountnum33", "accountnum44"].map(String::from).to_vec()
}

/// A chain voted in (schedule v1 of the default lab's producers) on a node that supports the
/// features given, with a 3.x system contract; LIB far behind, as before Savanna.
fn voted(features: &[&str]) -> Chain {
    let mut c = Chain::fresh();
    c.system_actions = V3_ACTIONS.to_vec();
    c.supported = features.iter().enumerate().map(|(i, f)| (format!("{i:064x}"), f.to_string())).collect();
    c.schedule = (1, producers());
    c.lib_lag = 40;
    c
}

/// The fixture with its plan rendered for a nodeos that has Savanna, as `up` renders it.
async fn spring_fixture() -> Fixture {
    let mut f = Fixture::new().await;
    f.plan = f.plan.clone().with_nodeos(NodeosFacts { config_options: None, savanna: true });
    f.state.write_plan(&f.plan).unwrap();
    f
}

#[tokio::test]
async fn vaulta_accounts_come_with_a_3x_system_contract_only() {
    let f = Fixture::new().await;
    let chain = f.serve(Chain::fresh());
    f.run(&[StepName::Sys]).await.unwrap();
    assert_eq!(chain.lock().unwrap().pushes[0].len(), SYSTEM_ACCOUNTS.len(), "the default image's figure stays");
    assert!(VAULTA_ACCOUNTS.iter().all(|a| !chain.lock().unwrap().accounts.contains_key(*a)));

    let f = Fixture::new().await;
    let mut c = Chain::fresh();
    c.system_actions = V3_ACTIONS.to_vec();
    let chain = f.serve(c);
    let reports = f.run(&[StepName::Sys]).await.unwrap();
    assert_eq!(reports[0].note, format!("{} accounts", SYSTEM_ACCOUNTS.len() + VAULTA_ACCOUNTS.len()));
    for a in VAULTA_ACCOUNTS.iter().chain(SYSTEM_ACCOUNTS) {
        assert!(chain.lock().unwrap().accounts.contains_key(*a), "{a}");
    }
    assert_eq!(f.boot().check(StepName::Sys).await.unwrap(), Check::Done(String::new()));
}

/// Runs `sys-contract` on a chain where the system accounts exist; returns the chain.
async fn sys_contract(image_extra: Vec<&'static str>) -> Arc<Mutex<Chain>> {
    let f = Fixture::new().await;
    let mut c = after_contracts();
    c.supported =
        vec![(PREACTIVATE_FEATURE.into(), "PREACTIVATE_FEATURE".into()), ("ab".repeat(32), "BLS_PRIMITIVES2".into())];
    c.image_extra = image_extra;
    let chain = f.serve(c);
    let reports = f.run(&[StepName::SysContract]).await.unwrap();
    chain.lock().unwrap().pushes.push(vec![reports[0].note.clone()]);
    chain
}

#[tokio::test]
async fn features_are_activated_through_eosio_boot_when_the_image_has_it_else_the_bios() {
    {
        let chain = sys_contract(vec![BOOT_CONTRACT]).await;
        let c = chain.lock().unwrap();
        let deployed: Vec<&str> = c.deployments.iter().map(|(_, d)| d.rsplit('/').next().unwrap()).collect();
        assert_eq!(deployed, ["eosio.boot", "eosio.system"], "no bios: a 3.x bios needs BLS host functions first");
        assert!(c.activated.contains(&"ab".repeat(32)));
        assert_eq!(c.pushes.last().unwrap()[0], "1 features activated through eosio.boot");
        assert_eq!(c.code["eosio"], image_hash("eosio.system"));
    }

    let chain = sys_contract(vec![]).await;
    let c = chain.lock().unwrap();
    let deployed: Vec<&str> = c.deployments.iter().map(|(_, d)| d.rsplit('/').next().unwrap()).collect();
    assert_eq!(deployed, ["eosio.bios", "eosio.system"]);
    assert_eq!(c.pushes.last().unwrap()[0], "1 features activated", "the default image's note stays");
}

#[tokio::test]
async fn on_a_nodeos_without_savanna_the_finality_step_is_not_supported_and_counts_as_done() {
    let f = spring_fixture().await;
    let chain = f.serve(voted(&["PREACTIVATE_FEATURE", "BLS_PRIMITIVES2"]));
    let check = f.boot().check(StepName::Finality).await.unwrap();
    assert!(matches!(&check, Check::NotSupported(w) if w.contains("no SAVANNA")), "{check:?}");
    assert_eq!(check.done(), Some(true), "a booted lab on Leap stays booted");
    let reports = f.run(&[StepName::Finality]).await.unwrap();
    assert!(!reports[0].changed);
    assert!(reports[0].note.starts_with("not supported: nodeos"), "{}", reports[0].note);
    assert!(chain.lock().unwrap().pushes.is_empty());
}

#[tokio::test]
async fn savanna_needs_the_contract_actions_and_producers_started_with_their_key() {
    // A 1.x system contract on a Spring node.
    let f = spring_fixture().await;
    let mut c = voted(&["SAVANNA"]);
    c.system_actions = vec!["regproducer"];
    f.serve(c);
    let check = f.boot().check(StepName::Finality).await.unwrap();
    assert!(matches!(&check, Check::NotSupported(w) if w.contains("`regfinkey`")), "{check:?}");

    // Producers rendered without their finalizer key (the image's options were not asked).
    let f = Fixture::new().await;
    f.state.write_plan(&f.plan).unwrap();
    let chain = f.serve(voted(&["SAVANNA"]));
    let check = f.boot().check(StepName::Finality).await.unwrap();
    assert!(
        matches!(&check, Check::NotSupported(w) if w.contains("accountnum11, accountnum22") && w.contains("finalizer key")),
        "{check:?}"
    );
    f.run(&[StepName::Finality]).await.unwrap();
    assert!(chain.lock().unwrap().pushes.is_empty(), "no regfinkey for nodes that cannot vote");
}

#[tokio::test]
async fn finality_registers_every_key_confirms_switches_and_waits_for_savanna() {
    let f = spring_fixture().await;
    let mut c = voted(&["SAVANNA"]);
    c.spring = true;
    // One registration is dropped by its producer, and the first switch finds a key missing.
    c.drop_regfinkeys = 1;
    c.refuse_switch = 1;
    let chain = f.serve(c);
    assert!(matches!(f.boot().check(StepName::Finality).await.unwrap(), Check::ToDo(_)));
    let reports = f.run(&[StepName::Finality]).await.unwrap();
    assert!(reports[0].changed);
    assert!(
        reports[0].note.starts_with("4 finalizer keys registered; Savanna: policy generation 1, 4 finalizers"),
        "{}",
        reports[0].note
    );
    {
        let c = chain.lock().unwrap();
        let names: Vec<String> = c.pushes.iter().flatten().cloned().collect();
        let regs = names.iter().filter(|n| *n == "eosio::regfinkey").count();
        assert_eq!(regs, 5, "four, then the dropped one again: {names:?}");
        let first_switch = names.iter().position(|n| n == "eosio::switchtosvnn").unwrap();
        assert!(
            names[..first_switch].iter().filter(|n| *n == "eosio::regfinkey").count() == 5,
            "confirmed before the switch"
        );
        assert_eq!(names.iter().filter(|n| *n == "eosio::switchtosvnn").count(), 2, "refused once, then accepted");
        // Each producer registered the key the plan derived for it, the one its node signs with.
        for p in f.plan.producers() {
            assert_eq!(c.finalizers[&p.name], p.finalizer.as_ref().unwrap().public);
        }
    }
    // Done now: a rerun sends nothing.
    let before = chain.lock().unwrap().pushes.len();
    let check = f.boot().check(StepName::Finality).await.unwrap();
    assert!(matches!(&check, Check::Done(n) if n.contains("4 finalizers")), "{check:?}");
    let reports = f.run(&[StepName::Finality]).await.unwrap();
    assert!(!reports[0].changed);
    assert_eq!(chain.lock().unwrap().pushes.len(), before);
}

#[tokio::test]
async fn finality_before_the_vote_is_to_do_and_a_run_says_why() {
    let f = spring_fixture().await;
    let mut c = voted(&["SAVANNA"]);
    c.spring = true;
    c.schedule = (0, vec!["eosio".into()]);
    f.serve(c);
    assert!(matches!(f.boot().check(StepName::Finality).await.unwrap(), Check::ToDo(w) if w.contains("voted")));
    let e = f.run(&[StepName::Finality]).await.unwrap_err();
    assert!(e.to_string().contains("run `vote` first"), "{e}");
}

#[tokio::test]
async fn registrations_too_heavy_for_one_transaction_are_split() {
    // 21 `regfinkey`s in one transaction overran the CPU limit on Spring 1.2.2 (each checks a BLS
    // proof of possession): the chain finds 4 too heavy here, so they go as halves.
    let f = spring_fixture().await;
    let mut c = voted(&["SAVANNA"]);
    c.spring = true;
    c.max_actions = Some(2);
    let chain = f.serve(c);
    let reports = f.run(&[StepName::Finality]).await.unwrap();
    assert!(reports[0].note.starts_with("4 finalizer keys registered"), "{}", reports[0].note);
    let c = chain.lock().unwrap();
    let sizes: Vec<usize> =
        c.pushes.iter().filter(|p| p.iter().all(|a| a == "eosio::regfinkey")).map(Vec::len).collect();
    assert_eq!(sizes[0], 4, "one transaction first: {sizes:?}");
    assert_eq!(&sizes[sizes.len() - 2..], [2, 2], "then halves: {sizes:?}");
}

/// A Spring node with the system accounts and contracts made, before `sys-contract`: SAVANNA
/// supported, eosio.boot in the image.
fn spring_before_system_contract() -> Chain {
    let mut c = after_contracts();
    c.spring = true;
    c.image_extra = vec![BOOT_CONTRACT];
    c.supported = vec![(PREACTIVATE_FEATURE.into(), "PREACTIVATE_FEATURE".into()), ("cd".repeat(32), "SAVANNA".into())];
    c
}

#[tokio::test]
async fn on_spring_the_chain_is_savanna_s_while_eosio_produces_alone_then_the_producers_take_over() {
    let f = spring_fixture().await;
    let mut c = spring_before_system_contract();
    c.bios_actions = vec!["activate", "setfinalizer"];
    c.system_actions = V3_ACTIONS.to_vec();
    let chain = f.serve(c);
    let reports = f.run(&[StepName::SysContract]).await.unwrap();
    assert!(reports[0].note.contains("; Savanna asked for at block"), "{}", reports[0].note);
    {
        let c = chain.lock().unwrap();
        let deployed: Vec<&str> = c.deployments.iter().map(|(_, d)| d.rsplit('/').next().unwrap()).collect();
        assert_eq!(deployed, ["eosio.boot", "eosio.bios", "eosio.system"], "setfinalizer is the bios's");
        // The genesis node's key, the one its config.ini signs with, finalizes alone.
        let eosio = f.plan.genesis().producer.as_ref().unwrap().finalizer.clone().unwrap();
        assert_eq!(c.policy, Some(vec![("eosio".to_string(), eosio.public)]));
    }
    // A rerun finds the system contract deployed: no contract and no policy is set again.
    let deployments = chain.lock().unwrap().deployments.len();
    f.run(&[StepName::SysContract]).await.unwrap();
    {
        let c = chain.lock().unwrap();
        assert_eq!(c.deployments.len(), deployments);
        assert_eq!(c.pushes.iter().flatten().filter(|a| *a == "eosio::setfinalizer").count(), 1);
    }

    // After the vote, `finality` hands the policy to the producers.
    chain.lock().unwrap().schedule = (1, producers());
    let reports = f.run(&[StepName::Finality]).await.unwrap();
    assert!(reports[0].note.contains("4 finalizers"), "{}", reports[0].note);
    let policy: Vec<String> = chain.lock().unwrap().policy.clone().unwrap().into_iter().map(|(n, _)| n).collect();
    assert_eq!(policy, producers());
}

#[tokio::test]
async fn the_votes_wait_for_the_end_of_a_switch_to_savanna_this_run_asked_for() {
    let f = spring_fixture().await;
    let mut c = spring_before_system_contract();
    c.transition_asks = 3;
    let chain = f.serve(c);
    let boot = f.boot();
    let task = f.printer.task("vote");
    // A run that asked for no switch has none to wait for, and does not ask.
    let cx = boot.context(0).await;
    steps::transition_ended(&cx, &task).await.unwrap();
    assert_eq!(chain.lock().unwrap().finalizer_info_asks, 0);
    // The switch asked for: no active policy for three asks, then the genesis node's.
    {
        let mut c = chain.lock().unwrap();
        c.policy = Some(vec![("eosio".into(), "PUB_BLS_x".into())]);
        c.pending_policy_asks = c.transition_asks;
    }
    cx.asked_for_savanna(4);
    steps::transition_ended(&cx, &task).await.unwrap();
    assert_eq!(chain.lock().unwrap().finalizer_info_asks, 4, "asked until the policy was active");
    // Once active, one ask answers.
    steps::transition_ended(&cx, &task).await.unwrap();
    assert_eq!(chain.lock().unwrap().finalizer_info_asks, 5);
}

#[tokio::test]
async fn a_bios_without_setfinalizer_leaves_the_switch_to_the_finality_step() {
    let f = spring_fixture().await;
    let chain = f.serve(spring_before_system_contract());
    let reports = f.run(&[StepName::SysContract]).await.unwrap();
    assert_eq!(reports[0].note, "1 features activated through eosio.boot");
    let c = chain.lock().unwrap();
    assert_eq!(c.policy, None);
    assert!(!c.deployments.iter().any(|(_, d)| d.ends_with("eosio.bios")));
}

#[tokio::test]
async fn on_a_chain_that_can_finalize_producers_register_their_finalizer_key_with_themselves() {
    // Spring: each producer's regfinkey follows its regproducer, in the same transaction.
    let f = spring_fixture().await;
    let chain = f.serve(voted(&["SAVANNA"]));
    let reports = f.run(&[StepName::RegProd]).await.unwrap();
    assert_eq!(reports[0].note, "4 producers, 4 finalizer keys");
    {
        let c = chain.lock().unwrap();
        let pushed: Vec<String> = c.pushes.iter().flatten().cloned().collect();
        let expected: Vec<String> =
            (0..4).flat_map(|_| ["eosio::regproducer".to_string(), "eosio::regfinkey".to_string()]).collect();
        assert_eq!(pushed, expected);
        assert_eq!(c.finalizers.keys().cloned().collect::<Vec<_>>(), producers());
    }
    // A key lost on the way is the step's to do again, alone.
    chain.lock().unwrap().finalizers.remove("accountnum33");
    let reports = f.run(&[StepName::RegProd]).await.unwrap();
    assert_eq!(reports[0].note, "1 finalizer keys");
    assert_eq!(chain.lock().unwrap().pushes.last().unwrap(), &["eosio::regfinkey".to_string()]);

    // Leap: no SAVANNA feature, no key registered.
    let f = Fixture::new().await;
    let chain = f.serve(voted(&[]));
    let reports = f.run(&[StepName::RegProd]).await.unwrap();
    assert_eq!(reports[0].note, "4 producers");
    assert!(chain.lock().unwrap().pushes.iter().flatten().all(|a| a == "eosio::regproducer"));
}
