//! End-to-end tests of a lab's lifecycle against the real Docker engine and the real nodeos: a
//! producer killed and brought back from a snapshot, the whole lab stopped and started again with
//! its chain, a producer paused and resumed. Same runner as `docker_lab.rs`: without an engine the
//! tests show as ignored, and with `CI` set they fail.

mod harness;

use std::time::Instant;

use harness::{engine_lock, run_docker_tests, wait_until, Lab};
use serde_json::Value;

fn main() {
    run_docker_tests(
        docker_tests![
            docker_a_killed_producer_is_restored_from_a_snapshot_and_produces_again,
            docker_stop_then_start_or_up_keeps_the_chain_without_replay_or_restore,
            docker_a_paused_producer_follows_the_head_once_unpaused,
        ],
        |_, _| vec![],
        || {},
    )
}

/// A node's get_info, asked in its own container; `None` while it does not answer.
fn info(lab: &Lab, node: &str) -> Option<Value> {
    let run = lab.run(&["exec", node, "--", "curl", "-sf", "localhost:8888/v1/chain/get_info"]);
    (run.code() == 0).then(|| run.json())
}

fn num(info: &Value, field: &str) -> u64 {
    info[field].as_u64().unwrap_or_else(|| panic!("{field} in {info}"))
}

/// The node's entry in `lab status --json`.
fn status_of(lab: &Lab, node: &str) -> Value {
    let status = lab.run(&["status", "--json"]).success().json();
    status["nodes"].as_array().unwrap().iter().find(|n| n["node"] == node).cloned().unwrap()
}

fn unpaid_blocks(lab: &Lab, producer: &str) -> u64 {
    let table = lab.cleos(&["get", "table", "eosio", "eosio", "producers", "-l", "100"]);
    let row = table["rows"].as_array().unwrap().iter().find(|r| r["owner"] == producer).cloned().unwrap();
    row["unpaid_blocks"].as_u64().unwrap()
}

fn no_dirty_flag(lab: &Lab, node: &str) {
    let log = lab.run(&["logs", node, "--tail", "100000"]).success().stdout().to_lowercase();
    assert!(!log.contains("dirty flag"), "{node} found a dirty database");
}

fn docker_a_killed_producer_is_restored_from_a_snapshot_and_produces_again() {
    let _engine = engine_lock();
    let lab = Lab::new("d-e2e-kill", "nodes:\n  genesis:\n    http_port: 18901\n");
    lab.run(&["up"]).success();

    lab.run(&["kill", "accountnum22"]).success();
    let crashed = status_of(&lab, "accountnum22");
    assert_eq!((&crashed["status"], &crashed["exit_code"]), (&Value::from("crashed"), &Value::from(137)), "{crashed}");
    assert_eq!(crashed["state"], "exited", "the engine's state is kept as it was");

    // Three of four producers are more than two thirds: blocks still become irreversible.
    let lib = num(&info(&lab, "genesis").unwrap(), "last_irreversible_block_num");
    wait_until("LIB to advance without accountnum22", 90, || {
        num(&info(&lab, "genesis").unwrap(), "last_irreversible_block_num") > lib + 12
    });

    let started = Instant::now();
    let run = lab.run(&["start", "accountnum22"]).success();
    let took = started.elapsed();
    assert!(run.stderr().contains("accountnum22: database dirty after an unclean shutdown"), "{}", run.stderr());
    assert!(run.stderr().contains("restored from a snapshot of genesis at block"), "{}", run.stderr());
    eprintln!("recovery of accountnum22 took {:.1}s", took.as_secs_f64());
    assert_eq!(status_of(&lab, "accountnum22")["status"], "running");

    // It follows the head, then produces in its next rounds.
    let head = num(&info(&lab, "genesis").unwrap(), "head_block_num");
    wait_until("accountnum22 to follow the head", 30, || {
        info(&lab, "accountnum22").is_some_and(|i| num(&i, "head_block_num") >= head)
    });
    let unpaid = unpaid_blocks(&lab, "accountnum22");
    wait_until("accountnum22 to produce blocks again", 90, || unpaid_blocks(&lab, "accountnum22") > unpaid);
    let lib = num(&info(&lab, "accountnum22").unwrap(), "last_irreversible_block_num");
    wait_until("LIB to advance on the restored node", 90, || {
        num(&info(&lab, "accountnum22").unwrap(), "last_irreversible_block_num") > lib
    });
}

fn docker_stop_then_start_or_up_keeps_the_chain_without_replay_or_restore() {
    let _engine = engine_lock();
    let lab = Lab::new("d-e2e-stop", "nodes:\n  genesis:\n    http_port: 18902\n");
    lab.run(&["up"]).success();
    let before = info(&lab, "genesis").unwrap();
    let chain_id = before["chain_id"].clone();

    for again in [&["start"][..], &["up"][..]] {
        let head = num(&info(&lab, "genesis").unwrap(), "head_block_num");
        let stop = lab.run(&["stop"]).success();
        assert!(stop.stderr().contains("stopped genesis, accountnum11"), "{}", stop.stderr());
        let status = lab.run(&["status", "--json"]).success().json();
        for n in status["nodes"].as_array().unwrap() {
            assert_eq!(n["status"], "stopped", "{n}");
            assert!(n["exit_code"] == 0 || n["exit_code"] == 143, "{n}");
        }

        let run = lab.run(again).success();
        let said = run.stderr().to_lowercase();
        assert!(!said.contains("restore") && !said.contains("recover"), "{again:?} said:\n{said}");
        if again == ["up"] {
            assert!(said.contains("no step was run again"), "{said}");
        }
        let after = info(&lab, "genesis").unwrap();
        assert_eq!(after["chain_id"], chain_id, "the same chain");
        assert!(num(&after, "head_block_num") >= head, "{after} after stopping at {head}");
        let resumed = num(&after, "head_block_num");
        wait_until("blocks after the start", 30, || num(&info(&lab, "genesis").unwrap(), "head_block_num") > resumed);
    }
    for node in ["genesis", "accountnum11", "accountnum22", "accountnum33", "accountnum44"] {
        no_dirty_flag(&lab, node);
    }
}

fn docker_a_paused_producer_follows_the_head_once_unpaused() {
    let _engine = engine_lock();
    let lab = Lab::new("d-e2e-pause", "nodes:\n  genesis:\n    http_port: 18903\n");

    // Before the lab exists, and with a wrong name: clear errors, nothing made.
    let run = lab.run(&["start"]).failure();
    assert!(run.stderr().contains("no lab `d-e2e-pause` is known here"), "{}", run.stderr());
    assert!(lab.containers().is_empty());
    lab.run(&["up", "--no-boot"]).success();
    let run = lab.run(&["pause", "accountnum11", "bp1"]).failure();
    assert!(
        run.stderr().contains("\"bp1\" is not a node of lab `d-e2e-pause` (its nodes: genesis, accountnum11"),
        "{}",
        run.stderr()
    );
    assert_eq!(status_of(&lab, "accountnum11")["status"], "running", "nothing was paused");

    lab.run(&["pause", "accountnum11"]).success();
    assert_eq!(status_of(&lab, "accountnum11")["status"], "paused");
    let run = lab.run(&["kill", "accountnum11"]).failure();
    assert!(run.stderr().contains("cannot kill accountnum11 (paused)"), "{}", run.stderr());
    let head = num(&info(&lab, "genesis").unwrap(), "head_block_num");
    wait_until("the chain to go on without accountnum11", 30, || {
        num(&info(&lab, "genesis").unwrap(), "head_block_num") > head + 4
    });

    lab.run(&["unpause", "accountnum11"]).success();
    assert_eq!(status_of(&lab, "accountnum11")["status"], "running");
    let head = num(&info(&lab, "genesis").unwrap(), "head_block_num");
    wait_until("accountnum11 to follow the head again", 30, || {
        info(&lab, "accountnum11").is_some_and(|i| num(&i, "head_block_num") >= head)
    });
}
