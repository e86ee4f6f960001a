//! End-to-end tests of a `lab up` that fails or is interrupted, against the real Docker engine and
//! the real nodeos: bad input is refused before anything is created, a failure only nodeos sees
//! removes what `up` created (or keeps it with `--keep-failed`), and Ctrl-C leaves nothing that
//! `lab down` does not remove.
//!
//! Its own test runner, as tests/docker_lab.rs explains: without an engine the tests show as
//! ignored, and with `CI` set they fail.

mod harness;

use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use harness::{engine_lock, run_docker_tests, Lab};

fn main() {
    run_docker_tests(
        docker_tests![
            docker_bad_settings_exit_3_naming_the_field_and_create_nothing,
            docker_a_node_nodeos_refuses_is_removed_or_kept,
            docker_interrupted_up_then_down_leaves_nothing,
        ],
        |_, _| vec![],
        || {},
    )
}

const PORT: &str = "nodes:\n  genesis:\n    http_port: 18931\n";

#[track_caller]
fn assert_nothing_left(lab: &Lab, when: &str) {
    let left: Vec<String> = ["container", "volume", "network"].iter().flat_map(|k| lab.labelled(k)).collect();
    assert!(left.is_empty(), "{when}: labelled objects left: {left:?}");
}

fn docker_bad_settings_exit_3_naming_the_field_and_create_nothing() {
    let _engine = engine_lock();
    let cases = [
        // A wrong-typed genesis value: nodeos would answer a bare `Parse Error`.
        (
            "chain:\n  genesis:\n    initial_configuration:\n      max_block_cpu_usage: lots\n",
            "chain.genesis.initial_configuration.max_block_cpu_usage: \"lots\" is not an unsigned 32-bit integer",
        ),
        // An option this nodeos does not have: known only by asking the image.
        (
            "node_defaults:\n  config:\n    chain-state-db-size: 256\n",
            "node_defaults.config.chain-state-db-size: is not an option of this nodeos (did you mean chain-state-db-size-mb?)",
        ),
        ("chain:\n  voters: 0\n", "chain.voters: is 0"),
        ("accounts:\n  count: 1000000000\n", "accounts.count: is 1000000000; at most 10000 accounts"),
    ];
    for (topology, expected) in cases {
        let lab = Lab::new("g-bad", &format!("{topology}{PORT}"));
        let started = Instant::now();
        let run = lab.run(&["up", "--no-progress"]).failure();
        assert_eq!(run.code(), 3, "{topology}:\n{}", run.stderr());
        assert!(run.stderr().contains(expected), "{topology}: expected {expected:?} in:\n{}", run.stderr());
        // Refused at once, never a hang (the options check is one short-lived container).
        assert!(started.elapsed() < Duration::from_secs(30), "{topology}: took {:?}", started.elapsed());
        assert_nothing_left(&lab, topology);
        assert!(!lab.state_path().join("g-bad").exists(), "{topology}: a state folder was left");
    }
}

fn docker_a_node_nodeos_refuses_is_removed_or_kept() {
    let _engine = engine_lock();
    // The right type (a string), a value nodeos refuses only when it starts.
    let lab = Lab::new("g-fail", &format!("node_defaults:\n  config:\n    read-mode: sideways\n{PORT}"));
    let run = lab.run(&["up", "--no-progress"]).failure();
    let err = run.stderr();
    assert_eq!(run.code(), 1, "{err}");
    assert!(err.contains("g-fail-genesis stopped before it answered get_info"), "{err}");
    assert!(err.contains("last log lines"), "{err}");
    assert!(err.contains("the argument for option 'read-mode' is invalid"), "{err}");
    assert!(err.contains("removed 5 containers"), "{err}");
    assert_nothing_left(&lab, "after the failed up");
    assert!(!lab.state_path().join("g-fail").exists(), "the state folder was left");

    let run = lab.run(&["up", "--no-progress", "--keep-failed"]).failure();
    let err = run.stderr();
    assert!(err.contains("kept for inspection: 5 containers"), "{err}");
    assert!(err.contains("`lab down` removes them"), "{err}");
    assert_eq!(lab.containers().len(), 5, "{err}");
    assert_eq!(lab.labelled("volume").len(), 5);
    lab.run(&["down"]).success();
    assert_nothing_left(&lab, "after lab down");
}

/// Starts `lab up`, waits for a line of its progress containing `marker`, then `delay`, then
/// sends SIGINT; returns its exit code and what it printed.
fn interrupt_up(lab: &Lab, marker: &str, delay: Duration) -> (i32, String) {
    let mut child = lab.spawn(&["up", "--no-progress"]);
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let line = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
        match line {
            Ok(l) if l.contains(marker) => break,
            Ok(_) => {}
            Err(e) => panic!("no progress line with {marker:?} ({e})"),
        }
    }
    thread::sleep(delay);
    // SAFETY: a plain kill(2) of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), reader.join().unwrap())
}

fn docker_interrupted_up_then_down_leaves_nothing() {
    let _engine = engine_lock();
    // Three moments: while the image and the options are checked (first line), while the nodes
    // are created and started, and while the boot runs (`sys-contract` begun: at least the
    // votes and the takeover, two seconds or more, are still to come).
    let moments = [
        ("", Duration::from_millis(150)),
        ("create and start nodes", Duration::from_millis(300)),
        ("sys-contract", Duration::from_millis(300)),
    ];
    for (marker, delay) in moments {
        let lab = Lab::new("g-int", PORT);
        // The first moment: as `up` starts, before anything of the lab exists.
        let (code, printed) = if marker.is_empty() {
            let mut child = lab.spawn(&["up", "--no-progress"]);
            thread::sleep(delay);
            // SAFETY: a plain kill(2) of our own child.
            assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
            let status = child.wait().unwrap();
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
            (status.code().unwrap_or(-1), err)
        } else {
            interrupt_up(&lab, marker, delay)
        };
        assert_eq!(code, 130, "{marker} + {delay:?}:\n{printed}");
        assert!(printed.contains("interrupted"), "{printed}");
        let left_by_up: Vec<String> = ["container", "volume", "network"].iter().flat_map(|k| lab.labelled(k)).collect();
        eprintln!("interrupted at {marker:?} + {delay:?}: left by up itself: {left_by_up:?}");
        lab.run(&["down"]).success();
        assert_nothing_left(&lab, &format!("interrupted at {marker} + {delay:?}, then lab down"));
    }
}
