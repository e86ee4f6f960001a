//! End-to-end tests of a lab as a test fixture, against the real Docker engine and the real
//! nodeos: a contract deployed from host files and used, `lab cleos` reading a host folder, the
//! accounts' balances against the chain's, two labs from files naming no ports side by side, and
//! a dump of a lab with a stopped node. Same runner as `docker_lab.rs`: without an engine the
//! tests show as ignored, and with `CI` set they fail.

mod harness;

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use harness::{docker, engine_lock, run_docker_tests, wait_until, Lab};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn main() {
    run_docker_tests(
        docker_tests![
            docker_a_contract_from_host_files_deploys_once_and_works_and_the_accounts_add_up,
            docker_two_labs_from_files_naming_no_ports_answer_on_their_own_ports,
        ],
        |_, _| vec![],
        || {},
    )
}

fn sha256_hex(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A contract of the image copied to a host folder (the test data a contract project would have).
fn contract_on_host(lab: &Lab, contract: &str, folder: &str) -> std::path::PathBuf {
    let dir = lab.dir.path().join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    let genesis = format!("{}-genesis", lab.name);
    for ext in ["wasm", "abi"] {
        let from = format!("{genesis}:/opt/antelope/contracts/{contract}/{contract}.{ext}");
        docker(&["cp", &from, dir.to_str().unwrap()]);
    }
    dir
}

fn code_hash(lab: &Lab, account: &str) -> String {
    let run = lab.run(&["cleos", "--", "get", "code", account]).success();
    run.stdout().trim().strip_prefix("code hash: ").unwrap_or_default().to_string()
}

/// Deploy (a), host folder in `lab cleos` (b), accounts (c) and dump (e) on one lab, to keep the
/// machine's time small.
fn docker_a_contract_from_host_files_deploys_once_and_works_and_the_accounts_add_up() {
    let _engine = engine_lock();
    let lab = Lab::new("fixture-deploy", "nodes:\n  genesis:\n    http_port: 18956\n");
    // Not running yet: a clear error, and nothing is created.
    let token = lab.dir.path().join("token");
    std::fs::create_dir_all(&token).unwrap();
    std::fs::write(token.join("t.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let err = lab.run(&["deploy", "hello.tok", "token"]).failure().stderr();
    assert!(err.contains("no lab `fixture-deploy` is known here"), "{err}");
    std::fs::remove_dir_all(&token).unwrap();
    lab.run(&["up"]).success();

    // (a) From a host folder to a new account.
    let token = contract_on_host(&lab, "eosio.token", "build/token");
    let run = lab.run(&["deploy", "hello.tok", token.to_str().unwrap()]).success();
    let out = run.stdout();
    assert!(out.contains("created account hello.tok"), "{out}");
    assert!(
        out.contains("setacctram/setacctnet/setacctcpu") && out.contains("code set") && out.contains("ABI set"),
        "{out}"
    );
    assert_eq!(code_hash(&lab, "hello.tok"), sha256_hex(&token.join("eosio.token.wasm")));
    lab.run(&[
        "cleos",
        "--",
        "push",
        "action",
        "hello.tok",
        "create",
        r#"["hello.tok","1000.0000 HEL"]"#,
        "-p",
        "hello.tok@active",
    ])
    .success();
    // The genesis node does not produce: a transaction it took is in its state once its block
    // arrives, so the issue waits for the create.
    wait_until("the created token", 15, || {
        lab.cleos(&["get", "currency", "stats", "hello.tok", "HEL"])["HEL"]["max_supply"] == "1000.0000 HEL"
    });
    lab.run(&[
        "cleos",
        "--",
        "push",
        "action",
        "hello.tok",
        "issue",
        r#"["hello.tok","25.0000 HEL","m"]"#,
        "-p",
        "hello.tok@active",
    ])
    .success();
    wait_until("the issued tokens in the table", 15, || {
        let stats = lab.cleos(&["get", "currency", "stats", "hello.tok", "HEL"]);
        stats["HEL"]["supply"] == "25.0000 HEL"
    });
    let balance = lab.run(&["cleos", "--", "get", "currency", "balance", "hello.tok", "hello.tok", "HEL"]).success();
    assert_eq!(balance.stdout().trim(), "25.0000 HEL");
    // Again: the chain has both; nothing is done.
    let again = lab.run(&["deploy", "hello.tok", token.to_str().unwrap()]).success();
    assert!(again.stdout().contains("hello.tok: nothing to do"), "{}", again.stdout());

    // Bad input: each named, nothing made on the chain.
    let empty = lab.dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let bad_abi = lab.write("bad.abi", "this is not json");
    for (args, expected) in [
        (vec!["deploy", "Hello", token.to_str().unwrap()], "\"Hello\" has 'H'"),
        (vec!["deploy", "nocode", empty.to_str().unwrap()], "has no .wasm file"),
        (vec!["deploy", "nocode", token.to_str().unwrap(), "--abi", bad_abi.to_str().unwrap()], "bad.abi is not JSON"),
    ] {
        let err = lab.run(&args).failure().stderr();
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    lab.run(&["cleos", "--", "get", "account", "nocode"]).failure();

    // (b) `lab cleos -- set contract ACCOUNT HOSTDIR`: another contract to the account made by a
    // deploy of a bare wasm (no ABI: the code alone).
    let bare = lab.dir.path().join("bare");
    std::fs::create_dir_all(&bare).unwrap();
    std::fs::copy(token.join("eosio.token.wasm"), bare.join("only.wasm")).unwrap();
    let run = lab.run(&["deploy", "hello.msig", bare.to_str().unwrap()]).success();
    assert!(run.stdout().contains("created account hello.msig"), "{}", run.stdout());
    let msig = contract_on_host(&lab, "eosio.msig", "eosio.msig");
    lab.run(&["cleos", "--", "set", "contract", "hello.msig", "eosio.msig", "-p", "hello.msig@active"]).success();
    let want = sha256_hex(&msig.join("eosio.msig.wasm"));
    wait_until("the msig code on hello.msig", 15, || code_hash(&lab, "hello.msig") == want);
    let abi = lab.cleos(&["get", "abi", "hello.msig"]);
    assert!(abi["actions"].as_array().unwrap().iter().any(|a| a["name"] == "propose"), "{abi}");
    let err = lab.run(&["cleos", "--", "set", "contract", "hello.msig", "no/such/folder"]).failure().stderr();
    assert!(err.contains("no/such/folder: no such folder"), "{err}");

    // (c) Every account, with balances that add up: every token the chain issued is held by a
    // listed account (so the liquid balances sum to the supply), and every staked token is in
    // eosio.stake (so the staked balances sum to its balance).
    let accounts = lab.run(&["accounts", "--json"]).success().json();
    let accounts = accounts.as_array().unwrap();
    let names: Vec<&str> = accounts.iter().map(|a| a["name"].as_str().unwrap()).collect();
    for n in ["eosio", "eosio.stake", "accountnum11", "accountnum44", "accountnum12", "hello.tok", "hello.msig"] {
        assert!(names.contains(&n), "{n} is not listed: {names:?}");
    }
    assert_eq!(accounts.iter().filter(|a| a["role"] == "producer").count(), 4);
    assert!(accounts.iter().all(|a| a.get("private_key").is_none()), "no private key without --show-secrets");
    let units = |a: &Value, f: &str| a[f].as_i64().unwrap();
    let liquid: i64 = accounts.iter().map(|a| units(a, "liquid_units")).sum();
    let staked: i64 = accounts.iter().map(|a| units(a, "staked_units")).sum();
    let stats = lab.cleos(&["get", "currency", "stats", "eosio.token", "SYS"]);
    let supply = stats["SYS"]["supply"].as_str().unwrap().split(' ').next().unwrap().replace('.', "");
    assert_eq!(liquid, supply.parse::<i64>().unwrap(), "liquid balances against the supply {stats}");
    let stake = accounts.iter().find(|a| a["name"] == "eosio.stake").unwrap();
    assert_eq!(staked, units(stake, "liquid_units"), "staked balances against eosio.stake's");
    assert!(staked > 0);
    let secret = lab.run(&["accounts", "--json", "--show-secrets"]).success().json();
    let hello = secret.as_array().unwrap().iter().find(|a| a["name"] == "hello.tok").unwrap().clone();
    assert_eq!(hello["role"], "deployed");
    assert!(hello["private_key"].as_str().unwrap().starts_with('5'), "{hello}");

    // (e) A dump with a stopped node: its log and its exit code, masked keys, the chain's state.
    lab.run(&["stop", "accountnum22"]).success();
    let dump = lab.dir.path().join("dump");
    lab.run(&["dump", dump.to_str().unwrap(), "--tar"]).success();
    let node = dump.join("nodes/accountnum22");
    let log = std::fs::read_to_string(node.join("nodeos.log")).unwrap();
    assert!(log.contains("producer_plugin"), "the stopped node's log: {}", &log[..log.len().min(500)]);
    let container: Value =
        serde_json::from_str(&std::fs::read_to_string(node.join("container.json")).unwrap()).unwrap();
    assert_eq!(
        (&container["state"], &container["exit_code"]),
        (&Value::from("exited"), &Value::from(0)),
        "{container}"
    );
    let ini = std::fs::read_to_string(node.join("config.ini")).unwrap();
    assert!(ini.contains("=KEY:***") && !ini.contains("=KEY:5"), "keys masked: {ini}");
    for f in ["chain/info.json", "chain/schedule.json", "chain/producers.json", "nodes/genesis/nodeos.log"] {
        assert!(dump.join(f).is_file(), "{f} is missing from the dump");
    }
    assert!(lab.dir.path().join("dump.tar.gz").is_file());
    // A lab none of whose nodes runs still gives its logs; what the chain could not say is named.
    lab.run(&["stop"]).success();
    let dead = lab.dir.path().join("dead");
    lab.run(&["dump", dead.to_str().unwrap()]).success();
    assert!(std::fs::read_to_string(dead.join("nodes/genesis/nodeos.log")).unwrap().contains("producer_plugin"));
    let errors = std::fs::read_to_string(dead.join("chain/errors.txt")).unwrap();
    assert!(errors.contains("no node of the lab runs"), "{errors}");

    lab.run(&["down"]).success();
    assert!(lab.nothing_left());
}

/// What a script does: `eval "$(lab env)"` in the lab's folder, then `lab` commands from another
/// folder (no lab.yaml there) reach the same lab, and the keys `lab accounts --show-secrets`
/// gives are the ones the chain holds.
fn env_round_trip(lab: &Lab) {
    let elsewhere = tempfile::tempdir().unwrap();
    let script = format!(
        r#"set -e
cd '{dir}' && eval "$('{bin}' env)"
cd '{elsewhere}'
test "$LAB_DIR" = "$LAB_STATE_DIR/$LAB_NAME"
'{bin}' accounts --json --show-secrets > accounts.json
'{bin}' cleos -- get account "$(sed -n 's/.*"name": "\(accountnum[0-9]*\)".*/\1/p' accounts.json | head -n 1)" -j > chain.json
'{bin}' status --json > status.json"#,
        dir = lab.dir.path().display(),
        bin = env!("CARGO_BIN_EXE_lab"),
        elsewhere = elsewhere.path().display(),
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("LAB_STATE_DIR", lab.state_path())
        .env_remove("LAB_NAME")
        .output()
        .unwrap();
    assert!(out.status.success(), "the script failed: {}", String::from_utf8_lossy(&out.stderr));
    let read =
        |f: &str| -> Value { serde_json::from_slice(&std::fs::read(elsewhere.path().join(f)).unwrap()).unwrap() };
    let (accounts, chain, status) = (read("accounts.json"), read("chain.json"), read("status.json"));
    assert_eq!(status["lab"], lab.name.as_str(), "{status}");
    let name = chain["account_name"].as_str().unwrap();
    let listed = accounts.as_array().unwrap().iter().find(|a| a["name"] == name).unwrap();
    let owner = &chain["permissions"].as_array().unwrap().iter().find(|p| p["perm_name"] == "owner").unwrap();
    assert_eq!(owner["required_auth"]["keys"][0]["key"], listed["public_key"], "{chain}\n{listed}");
    // The private key given is the one of that public key (lab derives one from the other).
    assert!(listed["private_key"].as_str().is_some_and(|k| k.len() > 40), "{listed}");
    // Nothing was made in the other folder's name.
    assert!(!lab.state_path().join("lab").exists());
}

/// POSTs to a URL on the host's loopback; the JSON answer.
fn post(url: &str, path: &str) -> Option<Value> {
    let addr = url.strip_prefix("http://")?;
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let body = text.split_once("\r\n\r\n")?.1;
    // A chunked answer: the JSON is between the first and the last chunk lines.
    let json = &body[body.find('{')?..=body.rfind('}')?];
    serde_json::from_str(json).ok()
}

fn env_of(lab: &Lab) -> std::collections::BTreeMap<String, String> {
    let out = lab.run(&["env"]).success().stdout();
    out.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

/// (d) Two labs whose files name no port, brought up at the same time: both boot, each API
/// published on its own port of 127.0.0.1, which `lab env` and `lab status --json` report, and
/// kept across a restart.
fn docker_two_labs_from_files_naming_no_ports_answer_on_their_own_ports() {
    let _engine = engine_lock();
    let one = Lab::new("fixture-ports-a", "producers: 1\n");
    let two = Lab::new("fixture-ports-b", "producers: 1\n");
    // At the same instant, as parallel CI jobs on one machine would: both may see 8888 free.
    let mut a = one.spawn(&["up", "--no-progress"]);
    let mut b = two.spawn(&["up", "--no-progress"]);
    for (lab, child) in [(&one, &mut a), (&two, &mut b)] {
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        assert!(child.wait().unwrap().success(), "up of {} failed:\n{err}", lab.name);
    }
    let (e1, e2) = (env_of(&one), env_of(&two));
    let (u1, u2) = (&e1["LAB_API_URL"], &e2["LAB_API_URL"]);
    assert!(u1.starts_with("http://127.0.0.1:") && u2.starts_with("http://127.0.0.1:"), "{e1:?} {e2:?}");
    assert_ne!(u1, u2);
    assert_eq!(e1["LAB_NAME"], "fixture-ports-a");
    for (lab, env, url) in [(&one, &e1, u1), (&two, &e2, u2)] {
        let info = post(url, "/v1/chain/get_info").unwrap_or_else(|| panic!("no answer on {url}"));
        assert_eq!(info["chain_id"], env["LAB_CHAIN_ID"].as_str(), "{info}");
        // Booted: the producer is elected and produces.
        wait_until("a block by the lab's producer", 60, || {
            post(url, "/v1/chain/get_info").is_some_and(|i| i["head_block_producer"] != "eosio")
        });
        let status = lab.run(&["status", "--json"]).success().json();
        assert_eq!(status["chain_id"], info["chain_id"]);
        assert_eq!(status["nodes"][0]["api_url"], url.as_str(), "{status}");
    }
    env_round_trip(&two);
    // A restart keeps the port.
    one.run(&["stop"]).success();
    one.run(&["up"]).success();
    assert_eq!(&env_of(&one)["LAB_API_URL"], u1);
    one.run(&["down"]).success();
    two.run(&["down"]).success();
    assert!(one.nothing_left() && two.nothing_left());
}
