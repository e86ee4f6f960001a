//! End-to-end tests against the real Docker engine and the real nodeos. They need a Docker engine
//! (and build the nodeos image on first use); in CI they always run.
//!
//! This file is its own test runner (libtest-mimic, same arguments and output as the built-in one)
//! so that a test which cannot run for want of an engine is reported as ignored, never as passed;
//! with `CI` set, a missing engine fails every test instead.

mod harness;

use std::collections::BTreeSet;

use harness::{docker, engine_lock, run_docker_tests, wait_until, Lab};
use serde_json::{json, Value};

fn main() {
    run_docker_tests(
        docker_tests![
            docker_up_no_boot_then_down_leaves_nothing,
            docker_bad_topologies_fail_clearly_and_create_nothing,
            docker_full_boot_hands_the_chain_to_elected_producers,
            docker_large_lab_producers_join_from_a_snapshot,
            docker_boot_from_an_upstream_accounts_file,
        ],
        |_, _| vec![],
        || {},
    )
}

fn head(lab: &Lab, node: &str) -> u64 {
    let info = lab.run(&["exec", node, "--", "curl", "-s", "localhost:8888/v1/chain/get_info"]).success().json();
    info["head_block_num"].as_u64().unwrap()
}

fn docker_up_no_boot_then_down_leaves_nothing() {
    let _engine = engine_lock();
    let lab = Lab::new("e2e-up", "nodes:\n  genesis:\n    http_port: 18881\n");
    lab.run(&["up", "--no-boot"]).success();

    // Five running containers, each labelled with lab, node and role.
    let containers = lab.labelled("container");
    assert_eq!(containers.len(), 5, "{containers:?}");
    let status = lab.run(&["status", "--json"]).success().json();
    let nodes = status["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    assert!(nodes.iter().all(|n| n["state"] == "running"), "{status:#}");
    assert_eq!(nodes[0]["node"], "genesis");
    assert_eq!(nodes[0]["http_port"], 18881);
    assert!(nodes[1..].iter().all(|n| n["role"] == "producer" && n["http_port"].is_null()), "{status:#}");

    // The genesis node produces: its head advances.
    let h0 = head(&lab, "genesis");
    wait_until("the genesis head to advance", 10, || head(&lab, "genesis") > h0 + 2);

    // Every producer is connected to a peer and follows the genesis head.
    for p in ["accountnum11", "accountnum22", "accountnum33", "accountnum44"] {
        let conns = lab
            .run(&["exec", p, "--", "curl", "-s", "-X", "POST", "localhost:8888/v1/net/connections"])
            .success()
            .json();
        let connected = conns
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| {
                c["connecting"] == false && !c["last_handshake"]["p2p_address"].as_str().unwrap_or("").is_empty()
            })
            .count();
        assert!(connected >= 1, "{p} has no live peer: {conns:#}");
        let target = head(&lab, "genesis");
        wait_until(&format!("{p} to follow the genesis head"), 30, || head(&lab, p) >= target);
    }

    // The API is published on 127.0.0.1 only.
    let port = std::process::Command::new("docker").args(["port", "e2e-up-genesis", "8888"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&port.stdout).trim(), "127.0.0.1:18881");

    // `up` on a running lab changes nothing.
    let ids_before = std::process::Command::new("docker")
        .args(["ps", "-q", "--filter", "label=antelope-lab.name=e2e-up"])
        .output()
        .unwrap()
        .stdout;
    let again = lab.run(&["up", "--no-boot"]).success();
    assert!(again.stderr().contains("already up"), "{}", again.stderr());
    let ids_after = std::process::Command::new("docker")
        .args(["ps", "-q", "--filter", "label=antelope-lab.name=e2e-up"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(ids_before, ids_after);

    // The private keys and the seed are owner-only.
    use std::os::unix::fs::PermissionsExt;
    for f in ["seed", "keys.json", "nodes/genesis/config.ini"] {
        let mode = std::fs::metadata(lab.state_path().join("e2e-up").join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }

    // `down` by label, without the topology file, twice.
    std::fs::remove_file(lab.file()).unwrap();
    lab.run(&["down", "--name", "e2e-up"]).success();
    assert!(
        lab.nothing_left(),
        "left behind: {:?} {:?} {:?}",
        lab.labelled("container"),
        lab.labelled("network"),
        lab.labelled("volume")
    );
    lab.run(&["down", "--name", "e2e-up"]).success();
    assert!(!lab.state_path().join("e2e-up").exists(), "the state folder goes with the lab");
}

fn docker_bad_topologies_fail_clearly_and_create_nothing() {
    let _engine = engine_lock();
    let cases: &[(&str, &[&str])] = &[
        ("producers: [accountnum11, Prod1]\n", &["producers[1]", "Prod1"]),
        ("producers: 0\n", &["producers", "zero"]),
        ("accounts: {file: missing.json}\n", &["accounts.file", "missing.json"]),
        ("p2p: {peers: {accountnum11: [ghost]}}\n", &["p2p.peers.accountnum11[0]", "ghost"]),
        ("chain: {symbl: SYS}\n", &["chain", "symbl"]),
        ("nodes: {genesis: {http_port: 18882}, accountnum11: {http_port: 18882}}\n", &["http_port", "18882"]),
        ("extra_nodes: [genesis]\n", &["extra_nodes[0]", "genesis"]),
        ("producers: [accountnum11, accountnum11]\n", &["producers[1]", "twice"]),
    ];
    for (yaml, needles) in cases {
        let lab = Lab::new("e2e-bad", yaml);
        let run = lab.run(&["up"]).failure();
        assert_eq!(run.code(), 3, "{yaml}: {}", run.stderr());
        for n in *needles {
            assert!(run.stderr().contains(n), "{yaml}: {n:?} not in\n{}", run.stderr());
        }
        assert!(lab.nothing_left(), "{yaml} created something");
        assert!(!lab.state_path().join("e2e-bad").exists(), "{yaml} left a state folder");
    }

    // A host port held by something else is refused before anything is created.
    let holder = std::net::TcpListener::bind("127.0.0.1:18883").unwrap();
    let lab = Lab::new("e2e-bad", "nodes: {genesis: {http_port: 18883}}\n");
    let run = lab.run(&["up"]).failure();
    assert!(run.stderr().contains("nodes.genesis.http_port") && run.stderr().contains("18883"), "{}", run.stderr());
    assert!(lab.nothing_left());
    assert!(!lab.state_path().join("e2e-bad").exists(), "a refused up leaves no state folder");
    drop(holder);
}

/// The active schedule as the chain reports it: its version and producer names.
fn active_schedule(lab: &Lab) -> (u64, Vec<String>) {
    let schedule = lab.run(&["cleos", "--", "get", "schedule"]).success().json();
    let names = schedule["active"]["producers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["producer_name"].as_str().unwrap().to_string())
        .collect();
    (schedule["active"]["version"].as_u64().unwrap(), names)
}

fn account(lab: &Lab, name: &str) -> Value {
    lab.cleos(&["get", "account", name, "-j"])
}

fn table(lab: &Lab, code: &str, scope: &str, t: &str) -> Vec<Value> {
    lab.cleos(&["get", "table", code, scope, t, "-l", "1000"])["rows"].as_array().unwrap().clone()
}

fn units(asset: &str) -> i64 {
    let n = asset.split_whitespace().next().unwrap();
    let (w, f) = n.split_once('.').unwrap_or((n, "0"));
    w.parse::<i64>().unwrap() * 10_000 + format!("{f:0<4}")[..4].parse::<i64>().unwrap()
}

fn held_by(acct: &Value, perm: &str, controller: &str) -> bool {
    acct["permissions"].as_array().unwrap().iter().any(|p| {
        p["perm_name"] == perm
            && p["required_auth"]["keys"].as_array().unwrap().is_empty()
            && p["required_auth"]["accounts"][0]["permission"] == json!({"actor": controller, "permission": "active"})
    })
}

fn docker_full_boot_hands_the_chain_to_elected_producers() {
    let _engine = engine_lock();
    let lab = Lab::new("e2e-boot", "nodes:\n  genesis:\n    http_port: 18884\n");
    lab.run(&["up"]).success();
    let producers: BTreeSet<String> =
        ["accountnum11", "accountnum22", "accountnum33", "accountnum44"].iter().map(|s| s.to_string()).collect();

    // The active schedule is the four voted producers.
    let (version, active) = active_schedule(&lab);
    assert!(version > 0, "schedule version {version}");
    assert_eq!(active.into_iter().collect::<BTreeSet<_>>(), producers);

    // Each of them produces blocks, and the last irreversible block keeps advancing.
    let info = lab.cleos(&["get", "info"]);
    let lib0 = info["last_irreversible_block_num"].as_u64().unwrap();
    let mut seen = BTreeSet::new();
    wait_until("a block from each producer", 60, || {
        let info = lab.cleos(&["get", "info"]);
        seen.insert(info["head_block_producer"].as_str().unwrap().to_string());
        producers.is_subset(&seen)
    });
    wait_until("the last irreversible block to advance", 30, || {
        lab.cleos(&["get", "info"])["last_irreversible_block_num"].as_u64().unwrap() > lib0 + 5
    });

    // eosio is held by eosio.prods; the system accounts by eosio.
    let eosio = account(&lab, "eosio");
    assert!(held_by(&eosio, "owner", "eosio.prods") && held_by(&eosio, "active", "eosio.prods"), "{eosio:#}");
    assert!(held_by(&account(&lab, "eosio.token"), "active", "eosio"));

    // The supply is what was issued and every token is accounted for: the staked balances are
    // what eosio.stake holds, and all balances add up to the supply.
    let plan = lab.run(&["plan", "--json"]).success().json();
    let names: Vec<String> =
        plan["accounts"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names.len(), 25);
    let stats = lab.cleos(&["get", "currency", "stats", "eosio.token", "SYS"]);
    let supply = units(stats["SYS"]["supply"].as_str().unwrap());
    let mut staked = 0;
    let mut balances = 0;
    for n in &names {
        let a = account(&lab, n);
        let own = &a["self_delegated_bandwidth"];
        staked += units(own["net_weight"].as_str().unwrap()) + units(own["cpu_weight"].as_str().unwrap());
        balances += a["core_liquid_balance"].as_str().map(units).unwrap_or(0);
    }
    let balance_of = |who: &str| -> i64 {
        let out = lab.run(&["cleos", "--", "get", "currency", "balance", "eosio.token", who, "SYS"]).success().stdout();
        out.trim().lines().next().map(units).unwrap_or(0)
    };
    assert_eq!(staked, balance_of("eosio.stake"), "staked balances vs eosio.stake");
    for system in [
        "eosio",
        "eosio.stake",
        "eosio.ram",
        "eosio.ramfee",
        "eosio.saving",
        "eosio.bpay",
        "eosio.vpay",
        "eosio.names",
        "eosio.rex",
    ] {
        balances += balance_of(system);
    }
    assert_eq!(balances, supply, "all balances add up to the supply");

    // The proxy is registered and the voters delegate to it.
    let voters = table(&lab, "eosio", "eosio", "voters");
    let proxy = voters.iter().find(|v| v["owner"] == "accountnum11").unwrap();
    assert_eq!(proxy["is_proxy"], 1, "{proxy:#}");
    assert!(voters.iter().filter(|v| v["proxy"] == "accountnum11").count() >= 10);

    // A second boot changes nothing.
    let again = lab.run(&["boot"]).success();
    assert!(again.stderr().contains("nothing to do"), "{}", again.stderr());

    // The optional steps: the msig proposal replaces eosio's code; the transfers go through.
    let code_hash = || {
        lab.run(&["cleos", "--", "get", "code", "eosio"])
            .success()
            .stdout()
            .trim()
            .trim_start_matches("code hash:")
            .trim()
            .to_string()
    };
    let before = code_hash();
    let opt = lab.run(&["boot", "--only", "msig-replace", "xfer", "--count", "12"]).success();
    assert!(opt.stderr().contains("12 transfers"), "{}", opt.stderr());
    let after = code_hash();
    assert_ne!(before, after, "the msig proposal replaced eosio's code");
    // `--list` only asks: no file appears or changes in any container (nodeos's own blocks and
    // state aside), and no container's file system changes.
    let footprint = || -> Vec<String> {
        lab.containers()
            .iter()
            .flat_map(|c| {
                let files = docker(&[
                    "exec",
                    c,
                    "sh",
                    "-c",
                    "find /lab/data /tmp /root -path /lab/data/blocks -prune -o -path /lab/data/state -prune \
                     -o -type f -printf '%p %s %T@\\n' | sort",
                ]);
                // `docker diff` lists in no fixed order.
                let mut diff: Vec<String> = docker(&["diff", c]).lines().map(String::from).collect();
                diff.sort();
                [diff.join("\n"), files].map(|t| format!("{c}: {t}"))
            })
            .collect()
    };
    let footprint_before = footprint();
    let list = lab.run(&["boot", "--list"]).success().stdout();
    assert!(list.lines().any(|l| l.contains("msig-replace") && l.contains("done")), "{list}");
    assert!(list.lines().any(|l| l.contains("sys-contract") && l.contains("done")), "{list}");
    assert_eq!(footprint(), footprint_before, "`lab boot --list` changed something");
    // A rerun after the replacement keeps it: sys-contract does not put the original back.
    let again = lab.run(&["boot"]).success();
    assert!(again.stderr().contains("nothing to do"), "{}", again.stderr());
    assert_eq!(code_hash(), after, "a rerun undid the msig replacement");

    lab.run(&["down"]).success();
    assert!(lab.nothing_left());
}

fn docker_large_lab_producers_join_from_a_snapshot() {
    let _engine = engine_lock();
    // Over 1000 accounts: `up` starts only the genesis node, and `start-prod` starts the
    // producers from a snapshot of it, after the accounts are staked.
    let lab = Lab::new("e2e-snap", "accounts: {count: 1001}\nproducers: 8\nnodes: {genesis: {http_port: 18885}}\n");
    let up = lab.run(&["up"]).success();
    assert!(up.stderr().contains("the producers start at `start-prod`"), "{}", up.stderr());
    let (_, active) = active_schedule(&lab);
    assert_eq!(active.len(), 8, "{active:?}");
    assert!(active.iter().all(|p| p.starts_with("producer")), "{active:?}");
    let logs = lab.run(&["logs", "produceraaaa", "--tail", "100000"]).success().stdout();
    assert!(logs.contains("initialization from snapshot"), "produceraaaa did not start from the snapshot");
    // `start-prod` returned once every node had reached the head of that moment; following it
    // afterwards is the network's business, so the check waits a bounded time for it.
    lab.run(&["wait", "--in-sync", "10", "--timeout", "60"]).success();
    let status = lab.run(&["status", "--json"]).success().json();
    let heads: Vec<u64> =
        status["nodes"].as_array().unwrap().iter().map(|n| n["head_block"].as_u64().unwrap_or(0)).collect();
    assert_eq!(heads.len(), 9);
    assert!(heads.iter().all(|h| *h + 10 >= heads[0]), "every node follows the head: {heads:?}");
    lab.run(&["down"]).success();
    assert!(lab.nothing_left());
}

fn docker_boot_from_an_upstream_accounts_file() {
    let _engine = engine_lock();
    use antelope_lab::KeyPair;
    let entry = |name: &str| {
        let k = KeyPair::derive("accounts-file-test", name);
        json!({"name": name, "pvt": k.private, "pub": k.public})
    };
    let users: Vec<Value> = ["usera", "userb", "userc", "userd", "usere"].iter().map(|n| entry(n)).collect();
    let producers: Vec<Value> = ["proda", "prodb"].iter().map(|n| entry(n)).collect();
    let lab = Lab::new(
        "e2e-accts",
        "accounts: {file: accounts.json}\nproducers: 2\nchain: {voters: 5}\nnodes: {genesis: {http_port: 18886}}\n",
    );
    lab.write("accounts.json", &json!({"users": users, "producers": producers}).to_string());
    lab.run(&["up"]).success();
    let (_, active) = active_schedule(&lab);
    assert_eq!(active.into_iter().collect::<BTreeSet<_>>(), BTreeSet::from(["proda".to_string(), "prodb".to_string()]));
    // The accounts carry the file's keys.
    let a = account(&lab, "userc");
    let key = a["permissions"][0]["required_auth"]["keys"][0]["key"].as_str().unwrap().to_string();
    assert_eq!(key, KeyPair::derive("accounts-file-test", "userc").public);
    // --accounts with a file naming other producers is refused before anything runs.
    let other: Vec<Value> = ["prodx", "prody"]
        .iter()
        .map(|n| json!({"name": n, "pvt": KeyPair::derive("x", n).private, "pub": KeyPair::derive("x", n).public}))
        .collect();
    let f = lab.write("other.json", &json!({"users": users, "producers": other}).to_string());
    let refused = lab.run(&["boot", "--accounts", f.to_str().unwrap()]).failure();
    assert!(refused.stderr().contains("prodx") && refused.stderr().contains("accounts.file"), "{}", refused.stderr());
    // The same file again is a no-op.
    let again = lab.run(&["boot", "--accounts", "accounts.json"]).success();
    assert!(again.stderr().contains("nothing to do"), "{}", again.stderr());
    lab.run(&["down"]).success();
    assert!(lab.nothing_left());
}
