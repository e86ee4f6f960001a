//! `lab up --from`: what a lab brought up from a bundle does that a new one does not. The bring-up
//! itself (image, options, containers, readiness, one rollback, the caller's timeout) is the one
//! `up` has (`lab::up`); these are its steps for a bundle: a name in use refused, the image asked
//! whether it reads the snapshot, the snapshot put into every node before its first start, and
//! instead of the boot only the wallet, then a block from an elected producer.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use super::archive::Bundle;
use super::manifest::{check_readable, Manifest};
use crate::boot::{Boot, BootOptions, StepName};
use crate::client::Chain;
use crate::orchestrator::release::{producing_nodes, release_when_connected};
use crate::orchestrator::{self, indent, lab_filter, Created, Preload};
use crate::plan::{NetworkPlan, RESTORE_SNAPSHOT};
use crate::printer::Printer;
use crate::runtime::{FileEntry, Runtime};
use crate::state::StateDir;

/// What `up --from` made.
#[derive(Debug)]
pub struct Restored {
    pub plan: NetworkPlan,
    /// The topology the new lab keeps in its state folder.
    pub topology: std::path::PathBuf,
    /// The block from an elected producer that was waited for, and who made it.
    pub block: u64,
    pub producer: String,
}

/// Refuses a lab name in use (a bundle makes a new lab), before anything is created.
pub async fn refuse_taken(rt: &dyn Runtime, lab: &str) -> Result<()> {
    let filter = lab_filter(Some(lab));
    let (c, n, v) = (rt.containers(&filter).await?, rt.networks(&filter).await?, rt.volumes(&filter).await?);
    if !(c.is_empty() && n.is_empty() && v.is_empty()) {
        bail!(
            "a lab named `{lab}` exists ({} containers, {} networks, {} volumes): give the new lab another name with --name, or `lab down --name {lab}` first",
            c.len(),
            n.len(),
            v.len(),
        );
    }
    Ok(())
}

/// Asks the image which nodeos it holds and refuses one that cannot read the bundle's snapshot.
pub async fn check_image_reads(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    manifest: &Manifest,
    printer: &Printer,
    created: &Created,
) -> Result<()> {
    let task = printer.task("ask the image its nodeos version");
    let version = match image_version(rt, plan, created).await {
        Ok(v) => v,
        Err(e) => {
            task.fail();
            return Err(e);
        }
    };
    if let Err(e) = check_readable(&manifest.server_version, &version, plan.image.reference()) {
        task.fail();
        bail!(e);
    }
    task.done(format!("{version} reads a snapshot of {}", manifest.server_version));
    Ok(())
}

/// The snapshot in every node's volume before its first start; the producers start paused, and
/// are released together once connected ([`carry_on`]).
pub fn preload(plan: &NetworkPlan, bundle: &Bundle) -> Preload {
    let snapshot = FileEntry { name: RESTORE_SNAPSHOT.into(), contents: bundle.snapshot.clone(), mode: 0o644 };
    Preload { files: vec![snapshot], paused: producing_nodes(plan).iter().map(|n| n.name.clone()).collect() }
}

/// Once the genesis node answers: the wallet (keosd and the keys need only the genesis node),
/// while the producers load the snapshot, connect, are released and make a block. Returns that
/// block and its producer.
pub async fn carry_on(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    state: &StateDir,
    manifest: &Manifest,
    timeout: Duration,
    printer: &Printer,
) -> Result<(u64, String)> {
    let boot = Boot::new(rt, plan, state, printer);
    let only_wallet = BootOptions { steps: vec![StepName::Wallet], xfer_count: 0 };
    let wallet = boot.run(&only_wallet);
    let task = printer.task("wait for a block from an elected producer");
    let produced = async {
        let genesis = &plan.genesis().container;
        let r = match release_when_connected(rt, plan, genesis, &producing_nodes(plan)).await {
            Ok(_) => wait_elected_block(rt, plan, manifest.head_block, timeout).await,
            Err(e) => Err(e),
        };
        match &r {
            Ok((block, producer)) => task.done(format!("block {block} by {producer}")),
            Err(_) => task.fail(),
        }
        r
    };
    let (wallet, produced) = tokio::join!(wallet, produced);
    wallet?;
    printer.info("only the wallet was set up: the chain (accounts, balances, schedule) came from the snapshot");
    produced
}

/// Asks the image which nodeos it holds, once per image id: a one-shot container, labelled with
/// the lab (so that `lab down` finds it should `lab` be interrupted here), removed after.
async fn image_version(rt: &dyn Runtime, plan: &NetworkPlan, created: &Created) -> Result<String> {
    let name = format!("{}-version-probe", plan.lab);
    let command = ["cleos", "version", "client"];
    let timeout = Duration::from_secs(60);
    let probe = orchestrator::probe_image(rt, plan, "cleos-version", &name, &command, timeout, created).await?;
    let (code, out) = (probe.code, probe.output);
    let version =
        out.lines().map(str::trim).find(|l| l.starts_with('v') && l[1..].starts_with(|c: char| c.is_ascii_digit()));
    match (code, version) {
        (0, Some(v)) => Ok(v.to_string()),
        _ => bail!(
            "cannot tell which nodeos the image {} holds: `cleos version client` exited {code}:\n{}",
            plan.image.reference(),
            indent(&out)
        ),
    }
}

/// Waits until the genesis node's head is a block past `after` made by a producer of the active
/// schedule (the schedule the snapshot carries). A node that does not answer yet, as happens while
/// every node loads the snapshot at once on a busy machine, is asked again until `timeout`.
async fn wait_elected_block(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    after: u64,
    timeout: Duration,
) -> Result<(u64, String)> {
    let genesis = &plan.genesis().container;
    let chain = Chain::new(rt, genesis);
    let start = Instant::now();
    let mut schedule: Option<Vec<String>> = None;
    loop {
        let last = async {
            if schedule.is_none() {
                schedule = Some(chain.active_schedule().await?.names());
            }
            let info = chain.info().await?;
            let elected = schedule.as_ref().is_some_and(|s| s.contains(&info.head_block_producer));
            if info.head_block_num > after && elected {
                return Ok(Ok((info.head_block_num, info.head_block_producer)));
            }
            anyhow::Ok(Err(format!("head {} by {}", info.head_block_num, info.head_block_producer)))
        }
        .await;
        let seen = match last {
            Ok(Ok(block)) => return Ok(block),
            Ok(Err(head)) => head,
            Err(e) => format!("{e:#}"),
        };
        if start.elapsed() > timeout {
            let logs = rt.logs(genesis, 20).await.unwrap_or_default();
            bail!(
                "no block from the elected producers ({}) within {}s: {seen}; last log lines of {genesis}:\n{}",
                schedule.map(|s| s.join(", ")).unwrap_or_else(|| "schedule unknown".into()),
                timeout.as_secs(),
                indent(&logs)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::orchestrator::container_spec;
    use crate::runtime::fake::FakeRuntime;
    use crate::runtime::ExecOutput;
    use crate::topology::{parse, TopologySource};

    #[tokio::test]
    async fn the_wait_for_an_elected_block_asks_again_when_the_node_does_not_answer() {
        let dir = tempfile::tempdir().unwrap();
        let source = TopologySource { topology: parse("name: r\nproducers: 1").unwrap(), path: None };
        let plan = NetworkPlan::build(&source, "seed").unwrap();
        let state = StateDir { root: dir.path().join("r") };
        let rt = FakeRuntime::new();
        rt.add_image(plan.image.reference());
        let genesis = plan.genesis();
        rt.ensure_network(&plan.network, &plan.labels).await.unwrap();
        rt.create_container(&container_spec(&plan, genesis, &state)).await.unwrap();
        rt.start_container(&genesis.container).await.unwrap();
        let asked = Arc::new(AtomicUsize::new(0));
        let count = asked.clone();
        rt.on_exec(move |call| {
            let script = call.script();
            if script.contains("/v1/chain/get_producer_schedule") {
                let s = r#"{"active":{"version":1,"producers":[{"producer_name":"accountnum11"}]}}"#;
                return Some(ExecOutput::ok(format!("{s}\n200")));
            }
            if !script.contains("/v1/chain/get_info") {
                return None;
            }
            // Busy loading the snapshot, then a block of the genesis key, then an elected one.
            let (num, producer) = match count.fetch_add(1, Ordering::SeqCst) {
                0 => return Some(ExecOutput::failed(28, "curl: (28) Operation timed out")),
                1 => (41, "eosio"),
                _ => (42, "accountnum11"),
            };
            let info = format!(
                r#"{{"chain_id":"cafe","head_block_num":{num},"last_irreversible_block_num":30,
                "head_block_producer":"{producer}","head_block_time":"2026-01-01T00:00:00.000"}}"#
            );
            Some(ExecOutput::ok(format!("{info}\n200")))
        });
        let (block, producer) = wait_elected_block(&rt, &plan, 40, Duration::from_secs(60)).await.unwrap();
        assert_eq!((block, producer.as_str()), (42, "accountnum11"));
        assert_eq!(asked.load(Ordering::SeqCst), 3);
    }
}
