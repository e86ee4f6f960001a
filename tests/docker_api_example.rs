//! The Rust API used the way a contract project's test suite uses it: a lab from a topology, up
//! and booted, a contract deployed from files on the host, an action pushed, a table read, down.
//! And the guard: a test body that panics still leaves nothing labelled behind. And every
//! experiment a script runs, from Rust through the `Lab` handle alone.
//!
//! Same runner as the other Docker files: without an engine the tests show as ignored, and with
//! `CI` set they fail. Host ports 18960–18969.

mod harness;

use std::path::Path;
use std::time::{Duration, Instant};

use antelope_lab::{AccountRole, Lab, LabConfig, UpOptions};
use base64::Engine as _;
use harness::{docker, engine_lock, run_docker_tests};
use serde_json::Value;

fn main() {
    run_docker_tests(
        docker_tests![
            docker_api_deploy_a_contract_push_an_action_read_the_table,
            docker_api_guard_takes_the_lab_down_when_the_test_panics,
            docker_api_experiments_through_the_handle,
        ],
        |_, _| vec![],
        || {},
    )
}

/// The topology a contract project would keep beside its tests. Setting code runs the contract's
/// validation under the transaction's CPU limit (50 ms in the tutorial's genesis); on a loaded CI
/// machine that can be exceeded, so the chain gives a transaction more room (it must stay below
/// the block's limit, or nodeos refuses the genesis).
const TOPOLOGY: &str = "
name: e2e-api-token
seed: e2e-api
chain:
  genesis:
    initial_configuration: {max_transaction_cpu_usage: 300000, max_block_cpu_usage: 400000}
nodes:
  genesis: {http_port: 18960}
";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// Names of Docker objects of a kind labelled with lab `name`.
fn labelled(kind: &str, name: &str) -> Vec<String> {
    let filter = format!("label=antelope-lab.name={name}");
    let out = match kind {
        "container" => docker(&["ps", "-a", "--filter", &filter, "--format", "{{.Names}}"]),
        "network" => docker(&["network", "ls", "--filter", &filter, "--format", "{{.Name}}"]),
        "volume" => docker(&["volume", "ls", "--filter", &filter, "--format", "{{.Name}}"]),
        _ => unreachable!(),
    };
    out.lines().filter(|l| !l.is_empty()).map(String::from).collect()
}

fn nothing_left(name: &str) -> bool {
    ["container", "network", "volume"].iter().all(|k| labelled(k, name).is_empty())
}

/// cleos through the API; a non-zero exit fails the test with cleos's output.
async fn cleos(lab: &Lab, args: &[&str]) -> String {
    let out = lab.cleos(args).await.unwrap();
    assert!(out.success(), "cleos {args:?} exited {}:\n{}\n{}", out.code, out.stdout, out.stderr);
    out.stdout
}

/// Asks until `probe` gives a value: a transaction is in the chain's state once a block holds it.
async fn eventually<T>(what: &str, secs: u64, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(secs), "timed out after {secs}s waiting for {what}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The contract project's build output: eosio.token's wasm and ABI, here taken from the image's
/// contracts folder (a project would have compiled its own) into `dir/token/`.
async fn contract_files(lab: &Lab, dir: &Path) -> std::path::PathBuf {
    let out = dir.join("token");
    std::fs::create_dir_all(&out).unwrap();
    for ext in ["wasm", "abi"] {
        let path = format!("/opt/antelope/contracts/eosio.token/eosio.token.{ext}");
        let read = lab.exec("genesis", &["base64", "-w0", &path]).await.unwrap();
        assert!(read.success(), "cannot read {path} from the image: {}", read.stderr);
        let bytes = base64::engine::general_purpose::STANDARD.decode(read.stdout.trim()).unwrap();
        std::fs::write(out.join(format!("token.{ext}")), bytes).unwrap();
    }
    out
}

fn docker_api_deploy_a_contract_push_an_action_read_the_table() {
    let _engine = engine_lock();
    let state = tempfile::tempdir().unwrap();
    let build = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let config = LabConfig::from_yaml(TOPOLOGY).unwrap().state_dir(state.path());
        let lab = Lab::up(config).await.unwrap();

        // Endpoints: the API URL a client on the host uses, and the chain it serves.
        let api_url = lab.api_url().await.unwrap();
        assert_eq!(api_url, "http://127.0.0.1:18960");
        let chain_id = lab.chain_id().await.unwrap();
        assert_eq!(chain_id.len(), 64, "{chain_id}");
        assert_eq!(harness::post_json(&api_url, "/v1/chain/get_info", "{}")["chain_id"], chain_id.as_str());

        // Accounts with their keys: eosio, the producers, the users.
        let accounts = lab.accounts().unwrap();
        assert_eq!((accounts[0].name.as_str(), accounts[0].role), ("eosio", AccountRole::System));
        assert_eq!(accounts.iter().filter(|a| a.role == AccountRole::Producer).count(), 4);
        assert_eq!(accounts.len(), 26);
        // The first user holds the most: the contract goes to its account.
        let owner = accounts.iter().find(|a| a.role == AccountRole::User).unwrap().clone();
        assert!(owner.public_key.starts_with("EOS") && owner.private_key.starts_with('5'), "{owner:?}");
        let keys = cleos(&lab, &["get", "account", &owner.name, "-j"]).await;
        let on_chain: Value = serde_json::from_str(&keys).unwrap();
        assert_eq!(on_chain["permissions"][0]["required_auth"]["keys"][0]["key"], owner.public_key.as_str());
        // Its key signs: into the lab's wallet (the boot may have put it there already).
        let import = lab.cleos(&["wallet", "import", "--private-key", &owner.private_key]).await.unwrap();
        assert!(import.success() || import.stderr.contains("Key already"), "{}", import.stderr);

        // RAM for the code: the system contract charges for it.
        let name = owner.name.as_str();
        cleos(&lab, &["system", "buyram", name, name, "--kbytes", "300"]).await;
        eventually("the RAM bought", 60, async || {
            let account: Value = serde_json::from_str(&cleos(&lab, &["get", "account", name, "-j"]).await).ok()?;
            (account["ram_quota"].as_i64()? >= 300 * 1024).then_some(())
        })
        .await;

        // A failing cleos is an output with its exit code, not an error.
        let missing = lab.cleos(&["get", "account", "nosuchacct11"]).await.unwrap();
        assert!(!missing.success() && missing.stderr.contains("nosuchacct11"), "{missing:?}");

        // Deploy from the host: the build folder copied into the lab, then `set contract`.
        let err = lab.upload(build.path().join("nowhere")).await.unwrap_err();
        assert!(format!("{err:#}").contains("nowhere"), "{err:#}");
        let built = contract_files(&lab, build.path()).await;
        let inside = lab.upload(&built).await.unwrap();
        assert_eq!(inside, "/lab/data/uploads/token");
        cleos(&lab, &["set", "contract", name, &inside]).await;
        eventually("the contract's ABI", 60, async || {
            let abi = lab.cleos(&["get", "abi", name]).await.ok()?;
            abi.stdout.contains("\"issue\"").then_some(())
        })
        .await;

        // Push actions: create the token, issue some of it.
        cleos(&lab, &["push", "action", name, "create", &format!(r#"["{name}", "1000000.0000 TST"]"#), "-p", name])
            .await;
        eventually("the token's stat row", 60, async || {
            let stat: Value = serde_json::from_str(&cleos(&lab, &["get", "table", name, "TST", "stat"]).await).ok()?;
            (!stat["rows"].as_array()?.is_empty()).then_some(())
        })
        .await;
        let issue = format!(r#"["{name}", "250.0000 TST", "first issue"]"#);
        cleos(&lab, &["push", "action", name, "issue", &issue, "-p", name]).await;

        // Assert on the tables.
        let balance = eventually("the issued balance", 60, async || {
            let out = cleos(&lab, &["get", "currency", "balance", name, name, "TST"]).await;
            (!out.trim().is_empty()).then(|| out.trim().to_string())
        })
        .await;
        assert_eq!(balance, "250.0000 TST");
        let stat: Value = serde_json::from_str(&cleos(&lab, &["get", "table", name, "TST", "stat"]).await).unwrap();
        assert_eq!(stat["rows"][0]["supply"], "250.0000 TST");
        assert_eq!(stat["rows"][0]["max_supply"], "1000000.0000 TST");
        assert_eq!(stat["rows"][0]["issuer"], name);

        // Down: nothing of the lab is left, its state folder included.
        let report = lab.down().await.unwrap();
        assert_eq!(report.containers.len(), 5, "{report:?}");
        assert!(nothing_left("e2e-api-token"));
        assert!(!state.path().join("e2e-api-token").exists());
    });
}

fn docker_api_guard_takes_the_lab_down_when_the_test_panics() {
    let _engine = engine_lock();
    let state = tempfile::tempdir().unwrap();
    let name = "e2e-api-guard";
    let yaml = format!("name: {name}\nproducers: 1\naccounts: {{count: 3}}\nnodes:\n  genesis: {{http_port: 18961}}\n");
    let config = LabConfig::from_yaml(&yaml).unwrap().state_dir(state.path());

    // A test body that fails half-way, with the lab up, in a runtime like `#[tokio::test]`'s.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let current_thread = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        current_thread.block_on(async {
            let lab = Lab::up_with(config.clone(), UpOptions::default().no_boot()).await.unwrap();
            assert_eq!(labelled("container", name).len(), 2);
            assert!(lab.chain_id().await.is_ok());
            panic!("the test body fails with the lab up");
        })
    }));
    let message = outcome.expect_err("the body panics");
    assert_eq!(message.downcast_ref::<&str>(), Some(&"the test body fails with the lab up"));
    assert!(
        nothing_left(name),
        "left behind: {:?} {:?} {:?}",
        labelled("container", name),
        labelled("network", name),
        labelled("volume", name)
    );
    assert!(!state.path().join(name).exists());

    // A handle dropped outside any runtime takes its lab down too.
    let lab = runtime().block_on(Lab::up_with(config.clone(), UpOptions::default().no_boot())).unwrap();
    assert_eq!(labelled("container", name).len(), 2);
    drop(lab);
    assert!(nothing_left(name));

    // Kept, the lab outlives its handle; a new handle attaches to it by name and takes it down.
    runtime().block_on(async {
        let mut lab = Lab::up_with(config, UpOptions::default().no_boot()).await.unwrap();
        let chain_id = lab.chain_id().await.unwrap();
        lab.keep();
        drop(lab);
        assert_eq!(labelled("container", name).len(), 2);
        // By name, from the topology `up` kept in the state folder.
        let lab = Lab::attach_at(name, state.path()).await.unwrap();
        assert!(lab.is_kept());
        assert_eq!(lab.chain_id().await.unwrap(), chain_id);
        assert_eq!(lab.api_url().await.unwrap(), "http://127.0.0.1:18961");
        assert_eq!(lab.nodes().len(), 2);
        drop(lab);
        // Dropping an attached handle leaves the lab; `down` removes it.
        assert_eq!(labelled("container", name).len(), 2);
        Lab::attach_at(name, state.path()).await.unwrap().down().await.unwrap();
        assert!(nothing_left(name));
    });
}

/// Everything a shell script does to a lab, from Rust through the handle alone: a wait, a clean
/// stop and start, a crash and its recovery from a snapshot, a partition and its heal, a snapshot
/// bundle and a new lab restored from it.
fn docker_api_experiments_through_the_handle() {
    use antelope_lab::{Conditions, FromBundle, Printer};
    let _engine = engine_lock();
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (name, copy) = ("e2e-api-exp", "e2e-api-exp-copy");
    runtime().block_on(async {
        let yaml = format!("name: {name}\nnodes:\n  genesis: {{http_port: 18961}}\n");
        let lab = Lab::up(LabConfig::from_yaml(&yaml).unwrap().state_dir(state.path())).await.unwrap();
        let lib_advances = |n| Conditions { lib_advances: Some(n), ..Conditions::default() };
        let in_sync = Conditions { in_sync: Some(3), lib_advances: Some(2), ..Conditions::default() };
        let minute = Duration::from_secs(60);
        lab.wait(&lib_advances(4), minute).await.unwrap();

        // A clean stop keeps the chain; start brings the node back.
        assert_eq!(lab.stop(&["accountnum11"]).await.unwrap(), ["accountnum11"]);
        let started = lab.start(&["accountnum11"], minute * 2).await.unwrap();
        assert_eq!(started.started, ["accountnum11"]);

        // A crash: start restores the node from a snapshot of a healthy one.
        assert_eq!(lab.kill(&["accountnum22"], "KILL").await.unwrap(), "SIGKILL");
        let recovered = lab.start(&["accountnum22"], minute * 2).await.unwrap();
        assert_eq!(recovered.recovered.iter().map(|r| r.node.as_str()).collect::<Vec<_>>(), ["accountnum22"]);
        lab.wait(&in_sync, minute).await.unwrap();

        // Bad input to a fault is refused before anything changes.
        let err = lab.partition(&["accountnum11,ghost"]).await.unwrap_err();
        assert!(matches!(&err, antelope_lab::Error::Usage(_)), "{err:?}");
        assert!(err.to_string().contains("\"ghost\" is not a node"), "{err:#}");
        // A partition, and its heal.
        let cut = lab.partition(&["accountnum11"]).await.unwrap();
        assert_eq!(cut.cut.len(), 5, "{cut:?}");
        // The status, typed: the cut node still answers (asked in its own container), its fault shown.
        let status = lab.status().await.unwrap();
        assert_eq!(status.nodes.len(), 5, "{status:?}");
        let alone = status.nodes.iter().find(|n| n.node == "accountnum11").unwrap();
        assert!(alone.head_block.is_some() && !alone.faults.is_empty(), "{alone:?}");
        assert!(status.finality.is_some(), "{status:?}");
        let healed = lab.heal().await.unwrap();
        assert_eq!(healed.healed.len(), 5, "{healed:?}");
        lab.wait(&in_sync, minute).await.unwrap();
        // A wait that cannot hold times out, typed, with what it saw.
        let far = Conditions { head: Some(u64::MAX / 2), ..Conditions::default() };
        let err = lab.wait(&far, Duration::from_secs(2)).await.unwrap_err();
        let antelope_lab::Error::TimedOut(seen) = &err else { panic!("not a timeout: {err:?}") };
        assert!(!seen.observed.is_empty(), "{err:#}");

        // A snapshot bundle, and a new lab from it once this one is gone.
        let bundle = dir.path().join("exp.labsnap.tar.gz");
        let snapshot = lab.snapshot("genesis", Some(&bundle)).await.unwrap();
        assert!(snapshot.block > 0 && snapshot.bytes > 0, "{snapshot:?}");
        let balances = lab.balances(false).await.unwrap();
        lab.down().await.unwrap();
        assert!(nothing_left(name));
        let options = FromBundle {
            name: Some(copy.into()),
            state_dir: Some(state.path().to_path_buf()),
            printer: Printer::default(),
            ..FromBundle::default()
        };
        let (restored, report) = Lab::up_from(&bundle, options).await.unwrap();
        assert_eq!(restored.name(), copy);
        assert!(report.block >= snapshot.block, "{} < {}", report.block, snapshot.block);
        restored.wait(&lib_advances(2), minute).await.unwrap();
        let liquid = |accounts: &[antelope_lab::ListedAccount]| {
            accounts.iter().map(|a| (a.name.clone(), a.liquid.clone())).collect::<Vec<_>>()
        };
        assert_eq!(liquid(&restored.balances(false).await.unwrap()), liquid(&balances));
        // Dropped: the guard takes the restored lab down.
    });
    assert!(nothing_left(name) && nothing_left(copy));
}
