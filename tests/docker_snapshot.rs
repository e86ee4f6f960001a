//! End-to-end tests of `lab snapshot`, `lab up --from` and `lab wait` against the real Docker
//! engine and the real nodeos. Same runner as `docker_lab.rs`: without an engine the tests show
//! as ignored, and with `CI` set they fail.

mod harness;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use harness::{docker, engine_lock, run_docker_tests, Lab};

fn main() {
    run_docker_tests(
        docker_tests![
            docker_snapshot_then_up_from_carries_the_chain_on,
            docker_up_from_refuses_missing_truncated_and_foreign_files,
            docker_wait_holds_or_times_out_with_what_it_saw,
        ],
        |_, _| vec![],
        || {},
    )
}

/// Balances that differ from account to account: the system accounts hold every stake and RAM
/// payment, the first users the largest liquid amounts.
const HOLDERS: &[&str] = &["eosio.stake", "eosio.ram", "accountnum11", "accountnum55", "eosio.token"];

fn balances(lab: &Lab, file: Option<&Path>) -> Vec<String> {
    HOLDERS
        .iter()
        .map(|h| {
            let mut args = vec!["cleos"];
            let f;
            if let Some(p) = file {
                f = p.display().to_string();
                args.extend(["-f", &f]);
            }
            args.extend(["--", "get", "currency", "balance", "eosio.token", h, "SYS"]);
            format!("{h}: {}", lab.run(&args).success().stdout().trim())
        })
        .collect()
}

fn schedule(lab: &Lab, file: Option<&Path>) -> BTreeSet<String> {
    let mut args = vec!["cleos"];
    let f;
    if let Some(p) = file {
        f = p.display().to_string();
        args.extend(["-f", &f]);
    }
    args.extend(["--", "get", "schedule"]);
    let v = lab.run(&args).success().json();
    v["active"]["producers"].as_array().unwrap().iter().map(|p| p["producer_name"].as_str().unwrap().into()).collect()
}

/// No container, network or volume carries the lab's name.
fn nothing_of(name: &str) -> bool {
    let filter = format!("label=antelope-lab.name={name}");
    [
        vec!["ps", "-a", "-q", "--filter", &filter],
        vec!["network", "ls", "-q", "--filter", &filter],
        vec!["volume", "ls", "-q", "--filter", &filter],
    ]
    .iter()
    .all(|args| docker(args).trim().is_empty())
}

/// `lab up --from bundle --name f-e2e-dst`, interrupted (SIGINT) 300 ms after the progress line
/// holding `marker`; its exit code and what it printed.
fn interrupt_up_from(lab: &Lab, bundle: &Path, marker: &str) -> (i32, String) {
    use std::io::{BufRead, BufReader};
    let mut child = lab.spawn(&["up", "--no-progress", "--from", bundle.to_str().unwrap(), "--name", "f-e2e-dst"]);
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines().map_while(Result::ok);
    let mut printed = String::new();
    for line in lines.by_ref() {
        printed.push_str(&line);
        printed.push('\n');
        if line.contains(marker) {
            break;
        }
    }
    assert!(printed.contains(marker), "no progress line with {marker:?}:\n{printed}");
    sleep(Duration::from_millis(300));
    // SAFETY: a plain kill(2) of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    for line in lines {
        printed.push_str(&line);
        printed.push('\n');
    }
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), printed)
}

fn docker_snapshot_then_up_from_carries_the_chain_on() {
    let _engine = engine_lock();
    let src = Lab::new("f-e2e-src", "nodes:\n  genesis:\n    http_port: 18921\n");
    src.run(&["up"]).success();
    let before = balances(&src, None);
    let producers = schedule(&src, None);
    assert_eq!(producers.len(), 4, "{producers:?}");

    let bundle = src.dir.path().join("ci.labsnap.tar.gz");
    let out = src.run(&["snapshot", "-o", bundle.to_str().unwrap()]).success();
    assert!(out.stderr().contains("0600"), "{}", out.stderr());
    assert_eq!(std::fs::metadata(&bundle).unwrap().permissions().mode() & 0o777, 0o600);
    src.run(&["down"]).success();
    assert!(src.nothing_left());

    // The bundle cut short is refused before anything is made.
    let full = std::fs::read(&bundle).unwrap();
    let cut = src.dir.path().join("cut.labsnap.tar.gz");
    std::fs::write(&cut, &full[..full.len() * 2 / 3]).unwrap();
    let refused = src.run(&["up", "--from", cut.to_str().unwrap(), "--name", "f-e2e-dst"]).failure();
    assert!(refused.stderr().contains("truncated or damaged"), "{}", refused.stderr());
    assert!(nothing_of("f-e2e-dst"));

    let dst = Lab::new("f-e2e-dst", "");
    // Ctrl-C while the nodes are made and started: exit 130, and nothing of the new lab is left
    // without a `lab down`.
    let (code, printed) = interrupt_up_from(&dst, &bundle, "create nodes, put the snapshot in each");
    assert_eq!(code, 130, "{printed}");
    assert!(printed.contains("interrupted"), "{printed}");
    assert!(nothing_of("f-e2e-dst"), "an interrupted up --from left objects:\n{printed}");
    assert!(!dst.state_path().join("f-e2e-dst").exists(), "an interrupted up --from left its state folder");

    let started = Instant::now();
    let up = dst.run(&["up", "--from", bundle.to_str().unwrap(), "--name", "f-e2e-dst"]).success();
    eprintln!("lab up --from took {:.1}s", started.elapsed().as_secs_f64());
    assert!(up.stderr().contains("only the wallet was set up"), "{}", up.stderr());
    // No boot step but the wallet ran.
    for step in ["sys ", "stake", "vote", "resign"] {
        assert!(!up.stderr().contains(&format!("✓ {step}")), "{step} ran:\n{}", up.stderr());
    }
    let file: PathBuf = dst.state_path().join("f-e2e-dst").join("lab.yaml");
    assert!(file.exists());
    assert_eq!(dst.containers().len(), 5);

    assert_eq!(balances(&dst, Some(&file)), before);
    assert_eq!(schedule(&dst, Some(&file)), producers);

    // A second lab of the same name is refused and the first is left as it is.
    let again = dst.run(&["up", "--from", bundle.to_str().unwrap(), "--name", "f-e2e-dst"]).failure();
    assert!(again.stderr().contains("a lab named `f-e2e-dst` exists"), "{}", again.stderr());
    assert_eq!(dst.containers().len(), 5);

    // LIB moves on, which takes more than two thirds of the producers, and each of them produces.
    // The restored lab is reached by its name alone (the topology kept in its state folder).
    dst.run(&["wait", "--name", "f-e2e-dst", "--lib-advances", "12", "--in-sync", "6", "--timeout", "120"]).success();
    let mut seen = BTreeSet::new();
    let start = Instant::now();
    while seen != producers {
        assert!(start.elapsed() < Duration::from_secs(90), "only {seen:?} produced, of {producers:?}");
        let info = dst.run(&["cleos", "--name", "f-e2e-dst", "--", "get", "info"]).success().json();
        seen.insert(info["head_block_producer"].as_str().unwrap().to_string());
        sleep(Duration::from_millis(500));
    }

    dst.run(&["down", "--name", "f-e2e-dst"]).success();
    assert!(dst.nothing_left());
}

fn docker_up_from_refuses_missing_truncated_and_foreign_files() {
    let _engine = engine_lock();
    let lab = Lab::new("f-e2e-bad", "nodes:\n  genesis:\n    http_port: 18923\n");
    let try_up = |file: &Path| lab.run(&["up", "--from", file.to_str().unwrap(), "--name", "f-e2e-bad"]);

    let missing = lab.dir.path().join("nowhere.labsnap.tar.gz");
    let r = try_up(&missing).failure();
    assert!(r.stderr().contains("cannot read") && r.stderr().contains("nowhere.labsnap.tar.gz"), "{}", r.stderr());

    let text = lab.write("notes.txt", "not a bundle\n");
    let r = try_up(&text).failure();
    assert!(r.stderr().contains("is not a lab snapshot bundle"), "{}", r.stderr());

    // A gzip'd tar that is not a bundle.
    let other = lab.dir.path().join("other.tar.gz");
    {
        let gz = flate2::write::GzEncoder::new(std::fs::File::create(&other).unwrap(), Default::default());
        let mut tar = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        let data = vec![7u8; 100_000];
        h.set_size(data.len() as u64);
        tar.append_data(&mut h, "data.bin", &data[..]).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    let r = try_up(&other).failure();
    assert!(r.stderr().contains("is not a lab snapshot bundle"), "{}", r.stderr());

    // The same cut short.
    let full = std::fs::read(&other).unwrap();
    let cut = lab.write("cut.tar.gz", "");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let r = try_up(&cut).failure();
    assert!(r.stderr().contains("truncated or damaged"), "{}", r.stderr());

    assert!(lab.nothing_left(), "a refused bundle left {:?}", lab.containers());
    assert!(!lab.state_path().join("f-e2e-bad").exists(), "a refused bundle left a state folder");
}

fn docker_wait_holds_or_times_out_with_what_it_saw() {
    let _engine = engine_lock();
    let lab = Lab::new("f-e2e-wait", "nodes:\n  genesis:\n    http_port: 18922\n");
    lab.run(&["up", "--no-boot"]).success();
    lab.run(&["wait", "--head", "1", "--timeout", "5"]).success();
    let started = Instant::now();
    let r = lab.run(&["wait", "--head", "100000000", "--timeout", "3"]).failure();
    assert_eq!(r.code(), 6, "{}", r.stderr());
    assert!(started.elapsed() < Duration::from_secs(15));
    let err = r.stderr();
    assert!(err.contains("timed out after 3s:") && err.contains("(wanted ≥ 100000000)"), "{err}");
    // The observed head is a number the chain reached.
    let head: u64 = err.split("head ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(head >= 1, "{err}");
    // Nothing to wait for is a usage error, not a wait.
    let r = lab.run(&["wait"]).failure();
    assert!(r.stderr().contains("nothing to wait for"), "{}", r.stderr());
    lab.run(&["down"]).success();
    assert!(lab.nothing_left());
}
