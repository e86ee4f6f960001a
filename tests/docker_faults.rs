//! End-to-end tests of network faults against the real Docker engine and the real nodeos: cuts,
//! loss and healing on one booted default lab (genesis and four producers), the scenarios run one
//! after the other on it, healing in between. Same runner as `docker_lab.rs`: without an engine the
//! tests are ignored (failed under `CI`). The delay test is ignored on a kernel without netem.

mod harness;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, Instant};

use harness::{engine_lock, run_docker_tests, wait_until, Lab};

const LAB: &str = "e-faults";
const PORT: u16 = 18911;
const LONE: &str = "accountnum11";

/// The booted lab every scenario runs on, made by the first that needs it, removed after the run.
static SHARED: Mutex<Option<Lab>> = Mutex::new(None);

fn main() {
    run_docker_tests(
        docker_tests![
            docker_faults_bad_input_is_refused_and_changes_nothing,
            docker_faults_partition_one_producer_then_heal,
            docker_faults_partition_two_against_two_stops_lib_then_heal,
            docker_faults_loss_100_behaves_like_a_partition_then_clear,
            docker_faults_delay_where_the_kernel_has_netem,
        ],
        // Asked once, before any test runs: the delay test needs the kernel's netem qdisc.
        |args, engine| {
            if !engine || args.list || kernel_has_netem() {
                return vec![];
            }
            eprintln!("this kernel has no netem qdisc: the delay test is ignored");
            vec!["docker_faults_delay_where_the_kernel_has_netem"]
        },
        // Statics are not dropped at exit: take the shared lab down here.
        || drop(SHARED.lock().unwrap_or_else(|p| p.into_inner()).take()),
    )
}

/// Whether `tc … netem` works, tried in a throwaway container of its own (its own network
/// namespace, removed after), from the tools recipe `lab` builds its fault image from (built
/// here on the default base, `debian:bookworm-slim`; the engine's layer cache makes it quick when
/// `lab` built it already), under a tag of this test's that is removed after.
fn kernel_has_netem() -> bool {
    let tag = "antelope-lab-test/netem-probe:local";
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/images/nettools");
    let built = Command::new("docker")
        .args(["build", "-q", "-t", tag, "--build-arg", "BASE_IMAGE=debian:bookworm-slim", dir])
        .output();
    if !built.is_ok_and(|o| o.status.success()) {
        return false;
    }
    let answer = netem_in(tag);
    Command::new("docker").args(["image", "rm", tag]).output().ok();
    answer
}

fn netem_in(tag: &str) -> bool {
    let label = format!("antelope-lab.name={LAB}-probe");
    Command::new("docker")
        .args(["run", "--rm", "--label", &label, "--cap-add", "NET_ADMIN", tag])
        .args(["tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `f` on the shared booted lab, all faults healed first.
fn with_lab(f: impl FnOnce(&Lab)) {
    let _engine = engine_lock();
    let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    let lab = shared.get_or_insert_with(|| {
        let lab = Lab::new(LAB, &format!("nodes:\n  genesis:\n    http_port: {PORT}\n"));
        lab.run(&["up", "--no-progress"]).success();
        lab
    });
    lab.run(&["heal", "-q"]).success();
    wait_until("every node on one head after heal", 60, || in_sync(&chain(lab), 3));
    // On a fresh chain LIB waits for the elected schedule to settle: start from a moving LIB.
    let start = chain(lab);
    wait_until("LIB to advance on every node", 120, || chain(lab).iter().all(|(n, c)| c.lib > start[n].lib));
    f(lab);
}

#[derive(Debug, Clone, Copy)]
struct NodeChain {
    head: u64,
    lib: u64,
}

/// Each node's head and LIB, as `lab status --json` gives them.
fn chain(lab: &Lab) -> BTreeMap<String, NodeChain> {
    let status = lab.run(&["status", "--json"]).success().json();
    status["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let head = n["head_block"].as_u64().unwrap_or_else(|| panic!("no head: {n}"));
            let lib = n["last_irreversible_block"].as_u64().unwrap();
            (n["node"].as_str().unwrap().to_string(), NodeChain { head, lib })
        })
        .collect()
}

fn in_sync(c: &BTreeMap<String, NodeChain>, within: u64) -> bool {
    let max = c.values().map(|n| n.head).max().unwrap();
    c.values().all(|n| n.head + within >= max)
}

fn faults(lab: &Lab) -> serde_json::Value {
    let status = lab.run(&["status", "--json"]).success().json();
    status["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["node"].as_str().unwrap().to_string(), n["faults"].clone()))
        .collect()
}

/// After a cut of `lone` from the rest: the rest's LIB advances, `lone`'s does not and its head
/// falls behind theirs; then, cleared by `undo`, every node on one head and every LIB advancing.
fn lone_cut_then_restored(lab: &Lab, undo: &[&str]) {
    // Blocks already confirmed when the cut came still become irreversible: let that settle.
    sleep(Duration::from_secs(12));
    let before = chain(lab);
    sleep(Duration::from_secs(15));
    let after = chain(lab);
    eprintln!("cut {LONE}: before {before:?}\n  after {after:?}");
    for (node, b) in before.iter().filter(|(n, _)| n.as_str() != LONE) {
        assert!(after[node].lib > b.lib, "{node}: LIB of the majority should advance: {} → {}", b.lib, after[node].lib);
    }
    assert_eq!(after[LONE].lib, before[LONE].lib, "the lone producer's LIB should stand still");
    let majority = after["genesis"].head;
    assert!(
        after[LONE].head + 12 < majority,
        "the lone producer should not follow: {} vs {majority}",
        after[LONE].head
    );

    let t = Instant::now();
    lab.run(undo).success();
    wait_until("every node on one head", 60, || in_sync(&chain(lab), 2));
    let joined = chain(lab);
    wait_until("LIB to advance on every node", 60, || {
        let now = chain(lab);
        now.iter().all(|(n, c)| c.lib > joined[n].lib)
    });
    eprintln!("restored in {:.1}s: {:?}", t.elapsed().as_secs_f64(), chain(lab));
}

fn docker_faults_bad_input_is_refused_and_changes_nothing() {
    // A lab that does not exist: refused, and nothing made for it.
    let ghost = Lab::new("e-ghost", &format!("nodes:\n  genesis:\n    http_port: {}\n", PORT + 1));
    let r = ghost.run(&["partition", "accountnum11"]).failure();
    assert!(r.stderr().contains("no lab `e-ghost` is known here"), "{}", r.stderr());
    assert!(ghost.nothing_left());

    with_lab(|lab| {
        let cases: &[(&[&str], &str)] = &[
            (&["partition", "accountnum11,ghost"], "\"ghost\" is not a node of this lab"),
            (
                &["partition", "accountnum11", "accountnum11,genesis"],
                "\"accountnum11\" is named in group 1 and in group 2",
            ),
            (&["partition", "genesis,accountnum11,accountnum22,accountnum33,accountnum44"], "nothing to cut"),
            (&["netem", "accountnum11", "--delay", "soon"], "--delay \"soon\": not a duration"),
            (&["netem", "accountnum11", "--loss", "101"], "--loss \"101\": 101 is outside 0–100"),
            (&["netem", "accountnum11", "--loss", "-1"], "--loss \"-1\""),
            (&["netem", "accountnum11", "--rate", "fast"], "--rate \"fast\": not a rate"),
            (&["netem", "accountnum11", "--clear", "--loss", "5"], "--clear removes every setting"),
            (&["netem", "nobody", "--loss", "5"], "\"nobody\" is not a node of this lab"),
        ];
        for (args, message) in cases {
            let r = lab.run(args).failure();
            assert_eq!(r.code(), 2, "{args:?}: {}", r.stderr());
            assert!(r.stderr().contains(message), "{args:?}: {}", r.stderr());
            assert!(r.stderr().contains("nothing was changed"), "{args:?}: {}", r.stderr());
        }
        assert!(faults(lab).as_object().unwrap().values().all(|f| f.as_array().unwrap().is_empty()));
        let helpers = Command::new("docker")
            .args([
                "ps",
                "-aq",
                "--filter",
                &format!("label=antelope-lab.name={LAB}"),
                "--filter",
                "label=antelope-lab.helper",
            ])
            .output()
            .unwrap();
        assert!(helpers.stdout.is_empty(), "no helper is left");
    });
}

fn docker_faults_partition_one_producer_then_heal() {
    with_lab(|lab| {
        lab.run(&["partition", LONE]).success();
        let f = faults(lab);
        assert_eq!(f[LONE][0], "partition: cut from genesis, accountnum22, accountnum33, accountnum44", "{f}");
        assert_eq!(f["genesis"][0], "partition: cut from accountnum11", "{f}");
        // The tool still sees the cut node as it is: it asks each node in its own container,
        // through the engine, not across the network the partition cuts.
        sleep(Duration::from_secs(3));
        let t = Instant::now();
        let info = lab.run(&["cleos", "--node", LONE, "--", "get", "info"]).success().json();
        assert!(t.elapsed() < Duration::from_secs(3), "cleos --node {LONE} took {:?}", t.elapsed());
        let top = lab.run(&["top", "--json"]).success().json();
        let lone = top["nodes"].as_array().unwrap().iter().find(|n| n["node"] == LONE).unwrap().clone();
        let head = lone["head"].as_u64().unwrap_or_else(|| panic!("lab top has no head for {LONE}: {lone}"));
        assert!(head + 2 >= info["head_block_num"].as_u64().unwrap(), "{lone} vs {info}");
        lone_cut_then_restored(lab, &["heal"]);
        assert!(faults(lab).as_object().unwrap().values().all(|f| f.as_array().unwrap().is_empty()));
    });
}

fn docker_faults_partition_two_against_two_stops_lib_then_heal() {
    with_lab(|lab| {
        // Neither side holds 2/3 + 1 of the 4 producers (3): LIB stops on both.
        lab.run(&["partition", "accountnum11,accountnum22", "genesis,accountnum33,accountnum44"]).success();
        // LIB may still creep up for a round or two: each side's producers raise their proposals
        // to what every producer had confirmed before the cut. Then it stands still.
        let mut before = chain(lab);
        let settled = Instant::now();
        let after = loop {
            sleep(Duration::from_secs(12));
            let now = chain(lab);
            if before.iter().all(|(node, b)| now[node].lib == b.lib) {
                break now;
            }
            assert!(settled.elapsed() < Duration::from_secs(120), "LIB kept moving for 2 minutes: {now:?}");
            before = now;
        };
        eprintln!("2 | 2+genesis: before {before:?}\n  after {after:?}");
        for (node, b) in &before {
            assert_eq!(after[node].lib, b.lib, "{node}: LIB should stand still");
        }
        // Both sides still make blocks of their own.
        assert!(
            after["accountnum11"].head > before["accountnum11"].head || after["genesis"].head > before["genesis"].head
        );
        let t = Instant::now();
        lab.run(&["heal"]).success();
        let healed = chain(lab);
        wait_until("LIB to advance on every node", 90, || chain(lab).iter().all(|(n, c)| c.lib > healed[n].lib));
        wait_until("every node on one head", 30, || in_sync(&chain(lab), 2));
        eprintln!("LIB moving again {:.1}s after heal: {:?}", t.elapsed().as_secs_f64(), chain(lab));
    });
}

fn docker_faults_loss_100_behaves_like_a_partition_then_clear() {
    with_lab(|lab| {
        lab.run(&["netem", LONE, "--loss", "100"]).success();
        assert_eq!(faults(lab)[LONE][0], "loss 100%");
        lone_cut_then_restored(lab, &["netem", LONE, "--clear"]);
        assert!(faults(lab)[LONE].as_array().unwrap().is_empty());

        // Loss and rate are applied together and recorded; a partition leaves them in place.
        lab.run(&["netem", "accountnum22", "--loss", "5", "--rate", "10mbit"]).success();
        assert_eq!(faults(lab)["accountnum22"], serde_json::json!(["loss 5%", "rate 10mbit"]));

        // Without netem, a delay is refused plainly and changes nothing.
        let r = lab.run(&["netem", "accountnum33", "--delay", "100"]);
        if !r.output.status.success() {
            assert!(
                r.stderr().contains("this kernel has no netem qdisc: delay and jitter cannot be applied"),
                "{}",
                r.stderr()
            );
            assert!(faults(lab)["accountnum33"].as_array().unwrap().is_empty());
        }
        lab.run(&["heal"]).success();
        assert!(faults(lab).as_object().unwrap().values().all(|f| f.as_array().unwrap().is_empty()));
    });
}

/// Seconds a get_info from the genesis node to `node` takes.
fn round_trip(lab: &Lab, node: &str) -> f64 {
    let url = format!("http://{LAB}-{node}:8888/v1/chain/get_info");
    let r = lab.run(&["exec", "genesis", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{time_total}", &url]).success();
    r.stdout().trim().parse().unwrap()
}

fn docker_faults_delay_where_the_kernel_has_netem() {
    with_lab(|lab| {
        let before = round_trip(lab, LONE);
        lab.run(&["netem", LONE, "--delay", "200", "--jitter", "10"]).success();
        assert_eq!(faults(lab)[LONE][0], "delay 200ms ± 10ms");
        // A connection and a request: at least two delayed packets from the node.
        let slow = round_trip(lab, LONE);
        assert!(slow >= 0.35, "a 200ms delay should show: {before}s → {slow}s");
        lab.run(&["netem", LONE, "--clear"]).success();
        assert!(round_trip(lab, LONE) < 0.2);
    });
}
