//! End-to-end tests on today's protocol: a lab image made from a folder of Spring binaries and
//! system contracts 3.x (`image: {files: DIR}`), booted to Savanna finality and put through the
//! experiments. The folder is `LAB_SPRING_DIR` (`.ci/run` sets it where the machine has one), laid
//! out as `images/README.md` gives: `bin/nodeos`, `contracts/eosio.system/…`.
//!
//! Without a Docker engine, or without that folder, the tests are reported as ignored, never as
//! passed; with `CI` set either one missing fails them instead.

mod harness;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use harness::{docker, engine_lock, run_docker_tests, wait_until, Lab};
use serde_json::Value;

fn main() {
    let spring = spring_dir();
    run_docker_tests(
        docker_tests![
            docker_spring_default_lab_boots_to_savanna_and_keeps_finalizing_through_faults,
            docker_spring_upgrade_moves_a_leap_lab_to_spring_node_by_node,
        ],
        |args, _| {
            let ci = std::env::var_os("CI").is_some();
            match &spring {
                Some(_) => vec![],
                None if ci || args.list => vec![],
                None => {
                    eprintln!(
                        "no Spring folder in LAB_SPRING_DIR: the Spring tests are ignored (with CI set they fail)"
                    );
                    vec![
                        "docker_spring_default_lab_boots_to_savanna_and_keeps_finalizing_through_faults",
                        "docker_spring_upgrade_moves_a_leap_lab_to_spring_node_by_node",
                    ]
                }
            }
        },
        || {},
    )
}

/// The Spring folder (`LAB_SPRING_DIR`; `.ci/run` sets it), when it holds a nodeos.
fn spring_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("LAB_SPRING_DIR")?);
    dir.join("bin/nodeos").is_file().then(|| dir.canonicalize().unwrap())
}

/// A lab on the Spring image. Every Spring lab of these tests shares one image tag, so the image is
/// built once.
fn spring_lab(name: &str, extra: &str) -> Lab {
    let dir = spring_dir().expect("LAB_SPRING_DIR names no folder with bin/nodeos: the Spring tests must run in CI");
    Lab::new(name, &format!("image:\n  files: {}\n  tag: antelope-lab/test-spring:1.2.2\n{extra}", dir.display()))
}

struct Info {
    head: u64,
    lib: u64,
}

/// The chain as one node sees it, asked inside its own container (a fault between nodes does
/// not cut this).
fn info(lab: &Lab, node: &str) -> Info {
    let v = lab.run(&["exec", node, "--", "curl", "-s", "localhost:8888/v1/chain/get_info"]).success().json();
    Info { head: v["head_block_num"].as_u64().unwrap(), lib: v["last_irreversible_block_num"].as_u64().unwrap() }
}

fn active_schedule(lab: &Lab) -> Vec<String> {
    lab.cleos(&["get", "schedule"])["active"]["producers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["producer_name"].as_str().unwrap().to_string())
        .collect()
}

/// The finality `lab status --json` reports.
fn finality(lab: &Lab) -> Value {
    lab.run(&["status", "--json"]).success().json()["finality"].clone()
}

/// The voted schedule is active, eosio resigned, and the active finalizer policy is Savanna's with
/// every producer of the schedule in it and a two-thirds threshold.
fn assert_savanna_with_every_producer(lab: &Lab, producers: usize) {
    let schedule = active_schedule(lab);
    assert_eq!(schedule.len(), producers, "{schedule:?}");
    assert!(!schedule.iter().any(|p| p == "eosio"), "{schedule:?}");
    let eosio = lab.cleos(&["get", "account", "eosio", "--json"]);
    let owner = eosio["permissions"].as_array().unwrap().iter().find(|p| p["perm_name"] == "owner").unwrap();
    assert_eq!(owner["required_auth"]["accounts"][0]["permission"]["actor"], "eosio.prods", "{owner:#}");

    let f = finality(lab);
    assert_eq!(f["mode"], "savanna", "{f:#}");
    let policy = &f["policy"];
    let finalizers: BTreeSet<&str> =
        policy["finalizers"].as_array().unwrap().iter().map(|x| x["description"].as_str().unwrap()).collect();
    let schedule: BTreeSet<&str> = schedule.iter().map(String::as_str).collect();
    assert_eq!(finalizers, schedule, "every producer of the schedule finalizes: {policy:#}");
    assert_eq!(policy["threshold"].as_u64().unwrap(), (producers as u64 * 2) / 3 + 1, "{policy:#}");
}

/// LIB stays within `lag` blocks of the head, asked about once a second for `secs`; returns the
/// largest lag seen.
fn assert_lib_close_for(lab: &Lab, secs: u64, lag: u64) -> u64 {
    let start = Instant::now();
    let (mut worst, mut samples, mut last_lib) = (0, 0, 0);
    while start.elapsed() < Duration::from_secs(secs) {
        let i = info(lab, "genesis");
        let behind = i.head - i.lib;
        assert!(behind <= lag, "LIB {} is {behind} blocks behind head {} after {:?}", i.lib, i.head, start.elapsed());
        assert!(i.lib >= last_lib, "LIB went back from {last_lib} to {}", i.lib);
        worst = worst.max(behind);
        last_lib = i.lib;
        samples += 1;
        std::thread::sleep(Duration::from_millis(1000));
    }
    assert!(samples >= secs / 2, "only {samples} samples in {secs}s");
    worst
}

/// Each finalizer's last vote, as the genesis node tracks them: name → block voted for.
fn last_votes(lab: &Lab) -> Vec<(String, u64)> {
    let v = lab.cleos(&["get", "finalizer_info"]);
    v["last_tracked_votes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let id = t["voted_for_block_id"].as_str().unwrap();
            (t["description"].as_str().unwrap().to_string(), u64::from_str_radix(&id[..8], 16).unwrap())
        })
        .collect()
}

fn docker_spring_default_lab_boots_to_savanna_and_keeps_finalizing_through_faults() {
    let _engine = engine_lock();
    let lab = spring_lab("h-e2e-spring", "nodes:\n  genesis:\n    http_port: 18961\n");

    let up = lab.run(&["up"]).success();
    let err = up.stderr();
    assert!(err.contains("through eosio.boot"), "{err}");
    assert!(err.contains("Savanna: policy generation"), "{err}");
    assert_savanna_with_every_producer(&lab, 4);
    assert_lib_close_for(&lab, 60, 3);

    let again = lab.run(&["boot"]).success();
    assert!(again.stderr().contains("nothing to do"), "{}", again.stderr());

    // One producer of four crashes: three finalizers still make the threshold, LIB advances.
    lab.run(&["kill", "accountnum22"]).success();
    lab.run(&["wait", "--lib-advances", "6", "--timeout", "30"]).success();
    // `lab start` restores it from a snapshot of a healthy node; its finalizer key is in its
    // config, so it votes again, and LIB stays close.
    let start = lab.run(&["start"]).success();
    assert!(start.stderr().contains("restored accountnum22"), "{}", start.stderr());
    let head = info(&lab, "genesis").head;
    wait_until("accountnum22 to vote again", 60, || {
        last_votes(&lab).iter().any(|(name, block)| name == "accountnum22" && *block > head)
    });
    assert_lib_close_for(&lab, 10, 3);

    // Two against three: neither side has three of four finalizers, so LIB stops on both.
    // `lab wait` says the finalizers are missing.
    lab.run(&["partition", "accountnum11,accountnum22", "genesis,accountnum33,accountnum44"]).success();
    let stalled = lab.run(&["wait", "--lib-advances", "4", "--timeout", "8"]);
    assert_eq!(stalled.code(), 6, "{}", stalled.stderr());
    assert!(stalled.stderr().contains("finalizers"), "{}", stalled.stderr());
    // Neither side's LIB moves on (Spring also pauses production on a side that gets no votes,
    // so the head may stop too: the distance to it says nothing). Over 3 s a finalizing chain's
    // LIB moves about 6 blocks; a stalled one at most 1 (one .ci/run saw the cut side's LIB go
    // from 222 to 223 after the 8 s stall above: a block of that side's producer can still carry
    // a QC formed before the cut).
    let (genesis, cut) = (info(&lab, "genesis").lib, info(&lab, "accountnum11").lib);
    std::thread::sleep(Duration::from_secs(3));
    let (genesis_after, cut_after) = (info(&lab, "genesis").lib, info(&lab, "accountnum11").lib);
    assert!(genesis_after <= genesis + 1, "LIB stalls on the genesis side: {genesis} → {genesis_after}");
    assert!(cut_after <= cut + 1, "LIB stalls on the cut side: {cut} → {cut_after}");
    lab.run(&["heal"]).success();
    lab.run(&["wait", "--lib-advances", "4", "--timeout", "60"]).success();
    wait_until("LIB close to the head after the heal", 30, || {
        let i = info(&lab, "genesis");
        i.head - i.lib <= 3
    });

    // The whole lab stopped and started again: the finalizers keep their safety files, and
    // finality resumes.
    lab.run(&["stop"]).success();
    lab.run(&["start"]).success();
    lab.run(&["wait", "--lib-advances", "4", "--timeout", "60"]).success();
    // A dump carries the finalizer policy and each finalizer's last vote.
    let dump = lab.dir.path().join("dump");
    lab.run(&["dump", dump.to_str().unwrap()]).success();
    let fin: Value =
        serde_json::from_str(&std::fs::read_to_string(dump.join("chain/finalizers.json")).unwrap()).unwrap();
    assert_eq!(fin["active_finalizer_policy"]["finalizers"].as_array().unwrap().len(), 4, "{fin:#}");

    // A bundle of the Spring lab brings up a new lab that carries on under Savanna (the first
    // lab goes first: the bundle's topology publishes the same API port).
    let bundle = lab.dir.path().join("spring.labsnap.tar.gz");
    lab.run(&["snapshot", "-o", bundle.to_str().unwrap()]).success();
    lab.run(&["down"]).success();
    assert!(lab.nothing_left(), "{:?}", lab.containers());
    let copy = "h-e2e-spring-copy";
    let _copy_down = DownOnDrop(&lab, copy);
    lab.run(&["up", "--from", bundle.to_str().unwrap(), "--name", copy]).success();
    let copy_file = lab.state_path().join(copy).join("lab.yaml");
    let copy_file = copy_file.to_str().unwrap();
    lab.run(&["-f", copy_file, "wait", "--lib-advances", "4", "--timeout", "60"]).success();
    let status = lab.run(&["-f", copy_file, "status", "--json"]).success().json();
    assert_eq!(status["finality"]["mode"], "savanna", "{:#}", status["finality"]);
    lab.run(&["down", "--name", copy]).success();
    assert!(docker(&["ps", "-a", "--filter", &format!("label=antelope-lab.name={copy}"), "-q"]).trim().is_empty());
}

/// Takes down a second lab a test brings up, also when the test fails.
struct DownOnDrop<'a>(&'a Lab, &'static str);

impl Drop for DownOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["down", "--name", self.1]);
    }
}

/// The nodeos version a node answers with, asked in its own container.
fn server_version(lab: &Lab, node: &str) -> String {
    let v = lab.run(&["exec", node, "--", "curl", "-s", "localhost:8888/v1/chain/get_info"]).success().json();
    v["server_version_string"].as_str().unwrap_or_default().to_string()
}

/// Every user's liquid and staked tokens, and the token's supply.
fn balances(lab: &Lab) -> (Vec<(String, String, String)>, String) {
    let accounts = lab.run(&["accounts", "--json"]).success().json();
    let users = accounts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["role"] == "staked")
        .map(|a| (a["name"].as_str().unwrap().into(), a["liquid"].to_string(), a["staked"].to_string()))
        .collect();
    let stats = lab.cleos(&["get", "currency", "stats", "eosio.token", "SYS"]);
    (users, stats["SYS"]["supply"].to_string())
}

/// The path every Antelope network took in 2024–2025, on a Leap 4.1 lab (the default image)
/// booted legacy: the genesis node and one producer moved to Spring with `lab upgrade` (the Spring
/// producer's blocks are taken by the Leap ones); `lab upgrade --protocol` replaces eosio.msig
/// through the old one while Leap producers still run its deferred transaction; the other
/// producers moved; `lab upgrade --protocol` again: parameters, the Spring-era features, the
/// contracts and the switch, each through eosio.msig and the producers' approvals. Savanna with
/// every producer, no user's balance and no token changed, a transfer after, `lab up` changes
/// nothing, `lab down` leaves nothing.
fn docker_spring_upgrade_moves_a_leap_lab_to_spring_node_by_node() {
    let _engine = engine_lock();
    let dir = spring_dir().expect("LAB_SPRING_DIR names no folder with bin/nodeos: the Spring tests must run in CI");
    let lab = Lab::new("e2e-upgrade", "nodes:\n  genesis: {http_port: 18972}\n");
    lab.run(&["up", "--no-progress"]).success();
    assert!(server_version(&lab, "accountnum11").starts_with("v4."), "a Leap lab first");
    let before = balances(&lab);
    let image = format!("{{files: {}, tag: antelope-lab/test-spring:1.2.2}}", dir.display());

    // Bad input changes nothing.
    let refused = lab.run(&["upgrade", "ghost", "--image", &image]).failure();
    assert!(refused.stderr().contains("\"ghost\" is not a node"), "{}", refused.stderr());

    // The genesis node and one producer: Spring among Leap nodes.
    let up = lab.run(&["upgrade", "genesis", "accountnum11", "--image", &image]).success();
    assert!(up.stdout().contains("accountnum11: antelope-lab/nodeos:"), "{}", up.stdout());
    assert!(server_version(&lab, "accountnum11").starts_with("v1.2"), "now Spring");
    assert!(server_version(&lab, "accountnum22").starts_with("v4."), "the others still Leap");
    let from = info(&lab, "genesis").head;
    wait_until("a block by the Spring producer, taken by the Leap nodes", 60, || {
        let got = lab.cleos(&["get", "info"]);
        got["head_block_producer"] == "accountnum11" && got["head_block_num"].as_u64().unwrap() > from
    });
    let first = lab.run(&["upgrade", "--protocol", "--no-progress"]).success();
    assert!(first.stdout().contains("proposal msigcontract"), "eosio.msig replaced:\n{}", first.stdout());
    assert!(first.stdout().contains("not every node's nodeos has Savanna"), "{}", first.stdout());

    // The other producers, then the chain.
    lab.run(&["upgrade", "accountnum22", "accountnum33", "accountnum44", "--image", &image]).success();
    for node in ["genesis", "accountnum22", "accountnum33", "accountnum44"] {
        assert!(server_version(&lab, node).starts_with("v1.2"), "{node} is on Spring");
    }
    let second = lab.run(&["upgrade", "--protocol", "--no-progress"]).success();
    let out = second.stdout();
    for phase in ["proposal params", "SAVANNA activated", "proposal syscontract", "Savanna: policy generation"] {
        assert!(out.contains(phase), "{phase} missing:\n{out}");
    }
    assert_savanna_with_every_producer(&lab, 4);
    assert_lib_close_for(&lab, 10, 3);
    // Run again, it finds everything done.
    let again = lab.run(&["upgrade", "--protocol", "--no-progress"]).success();
    assert!(!again.stdout().contains("proposal"), "{}", again.stdout());

    // Nothing lost: every user's tokens and the supply as before; the wallet came back with the
    // genesis node, and a transfer lands.
    assert_eq!(balances(&lab), before);
    lab.run(&["cleos", "--", "transfer", "accountnum11", "accountnum22", "1.0000 SYS", "after the upgrade"]).success();
    // The lab is the upgraded one now: `lab up` recreates nothing and names what the Spring
    // image's boot would add, without trying it.
    let up = lab.run(&["up", "--no-progress"]).success();
    assert!(up.stderr().contains("eosio has resigned"), "{}", up.stderr());
    assert!(up.stderr().contains("already up"), "{}", up.stderr());
    assert!(server_version(&lab, "accountnum44").starts_with("v1.2"));

    lab.run(&["down"]).success();
    assert!(lab.nothing_left());
}
