//! End-to-end tests on today's protocol: a lab image made from a folder of Spring binaries and
//! system contracts 3.x (`image: {files: DIR}`), booted to Savanna finality and put through the
//! experiments. The folder is `LAB_SPRING_DIR` (`.ci/run` sets it where the machine has one), laid
//! out as `images/README.md` gives: `bin/nodeos`, `contracts/eosio.system/…`.
//!
//! Without a Docker engine, or without that folder, the tests are reported as ignored, never as
//! passed; with `CI` set either one missing fails them instead.

mod harness;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::{docker, engine_lock, post_json, run_docker_tests, wait_until, Lab};
use serde_json::Value;

fn main() {
    let spring = spring_dir();
    run_docker_tests(
        docker_tests![
            docker_spring_default_lab_boots_to_savanna_and_keeps_finalizing_through_faults,
            docker_spring_upgrade_moves_a_leap_lab_to_spring_node_by_node,
            docker_spring_release_package_from_a_loopback_mirror,
            docker_spring_21_producers_boot_to_savanna,
            docker_spring_rust_api_drives_a_savanna_lab,
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
                        "docker_spring_release_package_from_a_loopback_mirror",
                        "docker_spring_21_producers_boot_to_savanna",
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

/// The active schedule's producers, from the chain API: the Spring 1.2.2 `cleos get schedule` of
/// the test folder prints JSON or a table as it pleases and then aborts (`free(): invalid pointer`,
/// exit 134), with `-j` too, and even when no node answers.
fn active_schedule(lab: &Lab) -> Vec<String> {
    let url = "localhost:8888/v1/chain/get_producer_schedule";
    lab.run(&["exec", "genesis", "--", "curl", "-s", "-d", "{}", url]).success().json()["active"]["producers"]
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
    // The keys come with the producers, and finality changes hands while the schedule does.
    assert!(err.contains("4 producers, 4 finalizer keys"), "{err}");
    assert!(err.contains("finality handed to the 4 elected producers"), "{err}");
    assert!(err.contains("Savanna: policy generation"), "{err}");
    assert_savanna_with_every_producer(&lab, 4);
    assert_lib_close_for(&lab, 60, 3);

    let again = lab.run(&["boot"]).success();
    assert!(again.stderr().contains("nothing to do"), "{}", again.stderr());

    // `lab top` sees the finalizers vote.
    let top = lab.run(&["top", "--json"]).success().json();
    let seen = top["finality"].as_str().unwrap_or_else(|| panic!("lab top shows no finality: {top:#}"));
    assert!(seen.contains("4 of 4 voting, threshold 3"), "{seen}");

    // A contract deploys on Savanna as on Leap: Spring's own eosio.token to a new account.
    let token = spring_dir().unwrap().join("contracts/eosio.token");
    let deploy = lab.run(&["deploy", "spring.tok", token.to_str().unwrap()]).success();
    assert!(deploy.stdout().contains("created account spring.tok"), "{}", deploy.stdout());
    let code = lab.run(&["cleos", "--", "get", "code", "spring.tok"]).success();
    let wasm = std::fs::read(token.join("eosio.token.wasm")).unwrap();
    assert_eq!(code.stdout().trim().strip_prefix("code hash: "), Some(sha256_hex(&wasm).as_str()), "{}", code.stdout());

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

/// 21 producers: the voted schedule, eosio resigned, every producer in the Savanna finalizer
/// policy (threshold 15), LIB advancing behind the head for 60 s; a second boot does nothing; down
/// leaves nothing. The default p2p shape (`auto`) peers a lab this size as a star: as a full mesh,
/// every vote reached each node from 21 peers and the finalizers stopped voting.
///
/// How far LIB trails depends on the cores, not on lab: every node checks every finalizer's vote
/// (a BLS pairing each), 22 × 21 votes a block at two blocks a second. On the 2-core 2.6 GHz
/// machine that runs CI (2026-12-07, by hand) the nodes' vote threads took 1.5 to 1.7 of its 2 cores, and
/// LIB trailed by 2 to 30 blocks from run to run (61 once), so no bound on the lag is a property
/// of the product there. What Savanna must do at any speed is held here: LIB never goes back and
/// never stands still for 10 s, it finalizes at least 60 blocks in the 60 s, and every finalizer
/// votes. The lag goes to stderr; `lab-bench --spring DIR --scenario s2` measures it against the
/// issue's goal of 3 blocks. The chain is asked over the published port, not by `docker exec`,
/// which costs the busy machine a process per question.
fn docker_spring_21_producers_boot_to_savanna() {
    let _engine = engine_lock();
    let lab = spring_lab(
        "h-e2e-spring21",
        "producers: 21\naccounts: {count: 60}\nnodes:\n  genesis:\n    http_port: 18964\n",
    );
    let up = lab.run(&["up", "--no-progress"]).success();
    assert!(up.stderr().contains("21 finalizers, threshold 15"), "{}", up.stderr());
    assert_savanna_with_every_producer(&lab, 21);
    let url = "http://127.0.0.1:18964";
    let chain = || {
        let v = post_json(url, "/v1/chain/get_info", "{}");
        (v["head_block_num"].as_u64().unwrap(), v["last_irreversible_block_num"].as_u64().unwrap())
    };
    // (seconds since the start, head, LIB), about once a second for 60 s.
    let start = Instant::now();
    let mut seen: Vec<(u64, u64, u64)> = Vec::new();
    while start.elapsed() < Duration::from_secs(60) {
        let (head, lib) = chain();
        seen.push((start.elapsed().as_secs(), head, lib));
        std::thread::sleep(Duration::from_secs(1));
    }
    let trail: Vec<String> = seen.iter().map(|(t, h, l)| format!("{t}s {h}/{l}")).collect();
    for pair in seen.windows(2) {
        assert!(pair[1].2 >= pair[0].2, "LIB went back: {trail:?}");
    }
    for (i, &(t, _, lib)) in seen.iter().enumerate() {
        if let Some(&(_, _, later)) = seen[i..].iter().find(|(u, _, _)| *u >= t + 10) {
            assert!(later > lib, "LIB stood at {lib} for 10 s from {t}s: {trail:?}");
        }
    }
    let (first, last) = (seen[0], seen[seen.len() - 1]);
    let advanced = last.2 - first.2;
    assert!(advanced >= 60, "LIB advanced {advanced} blocks in 60 s: {trail:?}");
    // Every finalizer votes, its last vote within 60 blocks of the head.
    let head = chain().0;
    let votes = finality(&lab)["votes"].clone();
    let recent = |v: &Value| v["last_vote_block"].as_u64().is_some_and(|b| b + 60 >= head);
    let voters = votes["finalizers"].as_array().map(|f| f.iter().filter(|v| recent(v)).count());
    assert_eq!(voters, Some(21), "every finalizer votes (head {head}): {votes:#}");
    let mut lags: Vec<u64> = seen.iter().map(|(_, h, l)| h - l).collect();
    lags.sort_unstable();
    eprintln!(
        "21 producers on Savanna: LIB {advanced} blocks final in 60 s, behind the head by p50 {} and at most {} blocks",
        lags[lags.len() / 2],
        lags[lags.len() - 1]
    );
    let again = lab.run(&["boot"]).success();
    assert!(again.stderr().contains("nothing to do"), "{}", again.stderr());
    lab.run(&["down"]).success();
    assert!(lab.nothing_left(), "{:?}", lab.containers());
}

/// The Rust API on a Spring image, as a test suite would use it: up and booted to Savanna through
/// the `Lab` handle, the finalizer policy typed in its status, a crashed producer restored by
/// `start` while three of four keep finalizing, and down. The handle takes the lab down also when
/// the body panics.
fn docker_spring_rust_api_drives_a_savanna_lab() {
    use antelope_lab::{Conditions, LabConfig};
    let _engine = engine_lock();
    let dir = spring_dir().expect("LAB_SPRING_DIR names no folder with bin/nodeos: the Spring tests must run in CI");
    let state = tempfile::tempdir().unwrap();
    let name = "h-e2e-spring-api";
    let yaml = format!(
        "name: {name}\nimage:\n  files: {}\n  tag: antelope-lab/test-spring:1.2.2\nnodes:\n  genesis: {{http_port: 18974}}\n",
        dir.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let lab = antelope_lab::Lab::up(LabConfig::from_yaml(&yaml).unwrap().state_dir(state.path())).await.unwrap();
        let minute = Duration::from_secs(60);
        let lib_advances = |n| Conditions { lib_advances: Some(n), ..Conditions::default() };
        lab.wait(&lib_advances(4), minute).await.unwrap();

        let status = lab.status().await.unwrap();
        let finality = status.finality.as_ref().unwrap_or_else(|| panic!("no finality in the status: {status:?}"));
        assert_eq!(finality.mode, "savanna", "{finality:?}");
        let policy = finality.policy.as_ref().unwrap_or_else(|| panic!("no finalizer policy: {finality:?}"));
        let mut finalizers: Vec<&str> = policy.finalizers.iter().map(|f| f.description.as_str()).collect();
        finalizers.sort();
        assert_eq!(finalizers, ["accountnum11", "accountnum22", "accountnum33", "accountnum44"], "{policy:?}");
        assert_eq!(policy.threshold, 3, "{policy:?}");

        // Three finalizers of four still make the threshold; the crashed one comes back.
        lab.kill(&["accountnum33"], "KILL").await.unwrap();
        lab.wait(&lib_advances(4), minute).await.unwrap();
        let started = lab.start(&["accountnum33"], minute * 2).await.unwrap();
        assert_eq!(started.recovered.iter().map(|r| r.node.as_str()).collect::<Vec<_>>(), ["accountnum33"]);
        let in_sync = Conditions { in_sync: Some(3), lib_advances: Some(2), ..Conditions::default() };
        lab.wait(&in_sync, minute).await.unwrap();
        lab.down().await.unwrap();
    });
    let left = docker(&["ps", "-a", "--filter", &format!("label=antelope-lab.name={name}"), "-q"]);
    assert!(left.trim().is_empty(), "{left}");
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
    for phase in ["proposal params", "SAVANNA activated", "proposal contracts", "Savanna: policy generation"] {
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

/// `image: {spring: 1.2.2, mirror: …}` as a user with internet writes it, with the release page
/// replaced by a mirror on loopback: the test packs the Spring folder's binaries as the release
/// does (`antelope-spring_1.2.2_amd64.deb`, programs in /usr/bin, the libraries they need as
/// dependencies) and serves it. A package whose digest is not `image.sha256` fails the build with
/// both digests named and leaves nothing; the right one builds an image that boots to Savanna.
fn docker_spring_release_package_from_a_loopback_mirror() {
    let _engine = engine_lock();
    let spring = spring_dir().expect("LAB_SPRING_DIR names no folder with bin/nodeos: the Spring tests must run in CI");
    let deb = debian_package(&spring, "1.2.2");
    let sha = sha256_hex(&deb);
    let mirror = Mirror::serve("/spring/v1.2.2/antelope-spring_1.2.2_amd64.deb", deb);
    let contracts = spring.join("contracts");
    let section = |sha256: &str| {
        format!(
            "image: {{spring: 1.2.2, mirror: 'http://127.0.0.1:{}/spring', sha256: {sha256}, contracts: {}}}\n",
            mirror.port,
            contracts.display()
        )
    };

    // A digest the package does not have: the build fails naming both, and nothing is left.
    let wrong = "0".repeat(64);
    let lab = Lab::new("h-e2e-release", &section(&wrong));
    let up = lab.run(&["up", "--no-progress"]).failure();
    assert_eq!(up.code(), 1, "{}", up.stderr());
    for needle in [format!("has sha256 {sha}, not {wrong} (image.sha256)"), "Spring 1.2.2 image".to_string()] {
        assert!(up.stderr().contains(&needle), "{needle}\n{}", up.stderr());
    }
    assert!(lab.nothing_left(), "{:?}", lab.containers());
    assert_eq!(mirror.requests(), 1);
    drop(lab);

    // The right one: an image of the release's binaries that boots the default lab to Savanna.
    let lab = Lab::new("h-e2e-release", &format!("{}nodes:\n  genesis:\n    http_port: 18963\n", section(&sha)));
    let tag = lab.run(&["plan", "--json"]).success().json()["image"]["Release"]["tag"].as_str().unwrap().to_string();
    let _image = RemoveImage(tag.clone());
    let up = lab.run(&["up", "--no-progress"]).success();
    assert!(up.stderr().contains(&format!("build image {tag}")), "{}", up.stderr());
    assert_eq!(mirror.requests(), 2);
    assert_eq!(server_version(&lab, "accountnum11"), "v1.2.2");
    assert_savanna_with_every_producer(&lab, 4);
    // The image has the package's programs where the package puts them, and the contracts.
    let which = lab.run(&["exec", "genesis", "--", "sh", "-c", "command -v nodeos; ls /opt/antelope/contracts"]);
    let which = which.success().stdout();
    assert!(which.starts_with("/usr/bin/nodeos\n") && which.contains("eosio.system"), "{which}");
    lab.run(&["down"]).success();
    assert!(lab.nothing_left(), "{:?}", lab.containers());
}

/// Removes an image the test built, also when the test fails.
struct RemoveImage(String);

impl Drop for RemoveImage {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker").args(["image", "rm", &self.0]).output();
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A Debian package of the folder's programs as the release lays them out (in /usr/bin), with the
/// libraries of the folder's `packages` file as its dependencies: an `ar` archive of
/// `debian-binary`, `control.tar.gz` and `data.tar.gz`.
fn debian_package(spring: &Path, version: &str) -> Vec<u8> {
    let depends: Vec<String> = std::fs::read_to_string(spring.join("packages"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let control = format!(
        "Package: antelope-spring\nVersion: {version}\nArchitecture: amd64\n\
         Maintainer: antelope-lab tests <tests@antelope-lab.invalid>\nDepends: {}\n\
         Description: Spring {version}, packed by antelope-lab's tests from LAB_SPRING_DIR\n",
        depends.join(", ")
    );
    let control_tar = tar_gz(|b| append(b, "./control", control.as_bytes(), 0o644));
    let data_tar = tar_gz(|b| {
        for dir in ["./usr/", "./usr/bin/"] {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_size(0);
            h.set_mtime(0);
            h.set_cksum();
            b.append_data(&mut h, dir, std::io::empty()).unwrap();
        }
        for program in ["nodeos", "cleos", "keosd", "spring-util"] {
            let bytes = std::fs::read(spring.join("bin").join(program)).unwrap();
            append(b, &format!("./usr/bin/{program}"), &bytes, 0o755);
        }
    });
    let mut ar = b"!<arch>\n".to_vec();
    for (name, data) in
        [("debian-binary", b"2.0\n".to_vec()), ("control.tar.gz", control_tar), ("data.tar.gz", data_tar)]
    {
        ar.extend(format!("{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n", 0, 0, 0, "100644", data.len()).as_bytes());
        ar.extend(&data);
        if data.len() % 2 == 1 {
            ar.push(b'\n');
        }
    }
    ar
}

fn tar_gz(fill: impl FnOnce(&mut tar::Builder<flate2::write::GzEncoder<Vec<u8>>>)) -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    fill(&mut b);
    b.into_inner().unwrap().finish().unwrap()
}

fn append(b: &mut tar::Builder<flate2::write::GzEncoder<Vec<u8>>>, path: &str, data: &[u8], mode: u32) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(mode);
    h.set_mtime(0);
    h.set_cksum();
    b.append_data(&mut h, path, data).unwrap();
}

/// An HTTP server on loopback that serves one file at one path (404 elsewhere) and counts the
/// requests for it; stopped when dropped.
struct Mirror {
    port: u16,
    served: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Mirror {
    fn serve(path: &'static str, body: Vec<u8>) -> Mirror {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (served, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let (count, done) = (served.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if done.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                // The rest of the request's head.
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let asked = line.split_whitespace().nth(1).unwrap_or_default();
                let (status, data): (&str, &[u8]) =
                    if asked == path { ("200 OK", &body) } else { ("404 Not Found", b"not here\n") };
                if asked == path {
                    count.fetch_add(1, Ordering::SeqCst);
                }
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\
                     Connection: close\r\n\r\n",
                    data.len()
                );
                let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(data));
            }
        });
        Mirror { port, served, stop, thread: Some(thread) }
    }

    fn requests(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
