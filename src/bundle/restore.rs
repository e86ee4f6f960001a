//! `lab up --from`: a new lab from a bundle. Every node starts from the bundle's snapshot, so the
//! chain carries on where it was (accounts, balances, schedule) and no boot step runs but the
//! wallet's.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures::future::try_join_all;
use futures::FutureExt;

use super::archive::{Bundle, ACCOUNTS};
use super::manifest::check_readable;
use crate::boot::{Boot, BootOptions, StepName};
use crate::client::Chain;
use crate::orchestrator::release::{producing_nodes, release_when_connected, start_in_dial_order};
use crate::orchestrator::UpInterrupted;
use crate::orchestrator::{self, container_spec, create_network_and_volumes, ensure_image, indent, lab_filter};
use crate::plan::{NetworkPlan, NodePlan, DATA_MOUNT, RESTORE_SNAPSHOT};
use crate::printer::Printer;
use crate::runtime::{FileEntry, Runtime};
use crate::state::{write_secret, StateDir};
use crate::topology::{self, TopologySource};

/// The topology file a lab made from a bundle keeps in its state folder: other commands take it
/// with `-f`.
pub const TOPOLOGY_FILE: &str = "lab.yaml";

/// How long the restored nodes get to produce a block from the elected schedule.
const PRODUCE_TIMEOUT: Duration = Duration::from_secs(90);

/// What `up_from` made.
#[derive(Debug)]
pub struct Restored {
    pub plan: NetworkPlan,
    pub topology: PathBuf,
    /// The block from an elected producer that was waited for, and who made it.
    pub block: u64,
    pub producer: String,
}

/// The bundle's topology under the lab's new name, written into the new lab's state folder with
/// the accounts file beside it (the source names that file); the plan made from it and the
/// bundle's seed. Refuses a lab name
/// that is in use, before anything is created.
pub async fn prepare(
    rt: &dyn Runtime,
    bundle: &Bundle,
    name: Option<&str>,
    state_base: &Path,
) -> Result<(NetworkPlan, StateDir, TopologySource)> {
    let mut t = topology::parse(&bundle.topology).map_err(|e| anyhow::anyhow!("the bundle's topology: {e}"))?;
    if let Some(name) = name {
        t.name = name.to_string();
    }
    let filter = lab_filter(Some(&t.name));
    let (c, n, v) = (rt.containers(&filter).await?, rt.networks(&filter).await?, rt.volumes(&filter).await?);
    if !(c.is_empty() && n.is_empty() && v.is_empty()) {
        bail!(
            "a lab named `{}` exists ({} containers, {} networks, {} volumes): give the new lab another name with --name, or `lab down --name {}` first",
            t.name,
            c.len(),
            n.len(),
            v.len(),
            t.name
        );
    }
    let state = StateDir { root: state_base.join(&t.name) };
    // Left by a lab of that name that is gone (its Docker objects are): start clean.
    state.remove()?;
    let written = (|| {
        std::fs::create_dir_all(&state.root).with_context(|| format!("cannot create {}", state.root.display()))?;
        let path = state.root.join(TOPOLOGY_FILE);
        let yaml = serde_norway::to_string(&t).context("cannot write the topology as YAML")?;
        write_secret(&path, yaml.as_bytes())?;
        if let Some(accounts) = &bundle.accounts {
            write_secret(&state.root.join(ACCOUNTS), accounts)?;
        }
        let source = TopologySource { topology: t.clone(), path: Some(path) };
        let mut plan = NetworkPlan::build(&source, &bundle.seed)?;
        orchestrator::api_port::apply(&mut plan, &state);
        let busy = orchestrator::busy_ports(&plan, &[]);
        if !busy.is_empty() {
            return Err(orchestrator::PortsBusy(busy).into());
        }
        anyhow::Ok((plan, source))
    })();
    match written {
        Ok((plan, source)) => Ok((plan, state, source)),
        Err(e) => {
            let _ = state.remove();
            Err(e)
        }
    }
}

/// Asks the image which nodeos it holds, once per image id: a one-shot container, labelled with
/// the lab (so that `lab down` finds it should `lab` be interrupted here), removed after.
pub async fn image_version(rt: &dyn Runtime, plan: &NetworkPlan) -> Result<String> {
    let name = format!("{}-version-probe", plan.lab);
    let command = ["cleos", "version", "client"];
    let timeout = Duration::from_secs(60);
    let probe = orchestrator::probe_image(
        rt,
        plan,
        "cleos-version",
        &name,
        &command,
        timeout,
        &orchestrator::Created::default(),
    )
    .await?;
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

/// Reads the bundle at `path` and brings a new lab up from it (see the module's doc). Every
/// refusal comes before anything is created; a failure after that removes what was created, and
/// so does `stop` completing first (the command line passes Ctrl-C; the error is then
/// [`UpInterrupted`]). When the bundle's topology gives no API port, one is chosen, and chosen
/// again should another process take it before the container binds it.
pub async fn up_from(
    rt: &dyn Runtime,
    path: &Path,
    name: Option<&str>,
    state_base: &Path,
    printer: &Printer,
    stop: impl Future<Output = ()>,
) -> Result<Restored> {
    let bundle = Bundle::read(path)?;
    let m = &bundle.manifest;
    printer.info(format!(
        "bundle of lab `{}`: block {} of chain {}…, made by nodeos {} on {}",
        m.lab,
        m.head_block,
        &m.chain_id[..m.chain_id.len().min(12)],
        m.server_version,
        m.created
    ));
    // A lab made from a bundle is new: no port was kept for it (`prepare` clears a stale state
    // folder), so the port is fixed only when the topology gives it.
    let given = topology::parse(&bundle.topology).is_ok_and(|t| orchestrator::api_port::port_given(&t));
    let stop = stop.shared();
    orchestrator::api_port::retry_when_taken(
        || given,
        || up_from_once(rt, &bundle, path, name, state_base, printer, stop.clone()),
    )
    .await
}

async fn up_from_once(
    rt: &dyn Runtime,
    bundle: &Bundle,
    path: &Path,
    name: Option<&str>,
    state_base: &Path,
    printer: &Printer,
    stop: impl Future<Output = ()>,
) -> Result<Restored> {
    let m = &bundle.manifest;
    let (plan, state, source) = prepare(rt, bundle, name, state_base).await?;
    let checked = async {
        ensure_image(rt, &plan, printer).await?;
        let task = printer.task("ask the image its nodeos version");
        let version = image_version(rt, &plan).await?;
        check_readable(&m.server_version, &version, plan.image.reference()).map_err(anyhow::Error::msg)?;
        task.done(format!("{version} reads a snapshot of {}", m.server_version));
        // Rendered for this image's nodeos, as `lab up` renders: only the config.ini options it
        // knows (a Spring built without EOS VM OC refuses `eos-vm-oc-enable` and stops), and
        // the producers' finalizer keys where it has Savanna, or they would not vote.
        let checked = orchestrator::check_options(rt, &plan, &source, &orchestrator::Created::default()).await?;
        if let Some(note) = checked.note {
            printer.warn(note);
        }
        anyhow::Ok(checked.facts)
    };
    tokio::pin!(stop);
    let checked = tokio::select! {
        r = checked => r,
        _ = &mut stop => Err(UpInterrupted.into()),
    };
    let facts = match checked {
        Ok(facts) => facts,
        Err(e) => {
            // Interrupted, the image's probes may have left a container (labelled with the lab).
            if e.is::<UpInterrupted>() {
                let _ = orchestrator::down(rt, Some(&plan.lab), false, &Printer::new(true, true)).await;
            }
            let _ = state.remove();
            return Err(e);
        }
    };
    let plan = plan.with_nodeos(facts);
    let outcome = tokio::select! {
        r = bring_up(rt, &plan, &state, bundle, printer) => r,
        _ = &mut stop => Err(UpInterrupted.into()),
    };
    match outcome {
        Ok((block, producer)) => {
            let topology = source.path.expect("prepare writes the topology into the state folder");
            Ok(Restored { plan, topology, block, producer })
        }
        Err(e) => {
            // Nothing half-made: what carries the lab's label goes, and its state folder.
            let _ = orchestrator::down(rt, Some(&plan.lab), false, &Printer::new(true, true)).await;
            let _ = state.remove();
            Err(e.context(format!(
                "lab `{}` was not brought up from {}; what it had created is removed",
                plan.lab,
                path.display()
            )))
        }
    }
}

async fn bring_up(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    state: &StateDir,
    bundle: &Bundle,
    printer: &Printer,
) -> Result<(u64, String)> {
    state.write_plan(plan)?;
    let containers: Vec<String> = plan.nodes.iter().map(|n| n.container.clone()).collect();
    create_network_and_volumes(rt, plan, &containers, printer, &orchestrator::Created::default(), (&[], &[])).await?;
    let bar = printer.bar("create nodes, put the snapshot in each, start them", plan.nodes.len() as u64);
    let snapshot = FileEntry { name: RESTORE_SNAPSHOT.into(), contents: bundle.snapshot.clone(), mode: 0o644 };
    let paused = orchestrator::start_paused_marker();
    // The snapshot must be in a node's volume before its first start: a node started without it
    // would begin a new chain from genesis.json. Producers start paused (see `release`).
    let paused_nodes: Vec<&str> = producing_nodes(plan).iter().map(|n| n.name.as_str()).collect();
    try_join_all(plan.nodes.iter().map(|n| {
        let paused_nodes = &paused_nodes;
        let files = if paused_nodes.contains(&n.name.as_str()) {
            vec![snapshot.clone(), paused.clone()]
        } else {
            vec![snapshot.clone()]
        };
        async move {
            rt.create_container(&container_spec(plan, n, state)).await?;
            rt.put_files(&n.container, DATA_MOUNT, &files).await
        }
    }))
    .await?;
    let nodes: Vec<&NodePlan> = plan.nodes.iter().collect();
    start_in_dial_order(rt, &nodes, &|| bar.inc(1)).await?;
    bar.done(format!("{} nodes from block {}", plan.nodes.len(), bundle.manifest.head_block));
    let timeout = Duration::from_secs(60);
    orchestrator::wait_ready(rt, &[plan.genesis()], timeout, printer).await?;
    // keosd and the keys need only the genesis node; the producers meanwhile load the snapshot
    // and take up their rounds, so the two waits overlap.
    let boot = Boot::new(rt, plan, state, printer);
    let only_wallet = BootOptions { steps: vec![StepName::Wallet], xfer_count: 0 };
    let wallet = boot.run(&only_wallet);
    let task = printer.task("wait for a block from an elected producer");
    let produced = async {
        let genesis = &plan.genesis().container;
        let r = match release_when_connected(rt, plan, genesis, &producing_nodes(plan)).await {
            Ok(_) => wait_elected_block(rt, plan, bundle.manifest.head_block).await,
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

/// Waits until the genesis node's head is a block past `after` made by a producer of the active
/// schedule (the schedule the snapshot carries). A node that does not answer yet, as happens while
/// every node loads the snapshot at once on a busy machine, is asked again until the timeout.
async fn wait_elected_block(rt: &dyn Runtime, plan: &NetworkPlan, after: u64) -> Result<(u64, String)> {
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
        if start.elapsed() > PRODUCE_TIMEOUT {
            let logs = rt.logs(genesis, 20).await.unwrap_or_default();
            bail!(
                "no block from the elected producers ({}) within {}s: {seen}; last log lines of {genesis}:\n{}",
                schedule.map(|s| s.join(", ")).unwrap_or_else(|| "schedule unknown".into()),
                PRODUCE_TIMEOUT.as_secs(),
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
    use crate::runtime::fake::FakeRuntime;
    use crate::runtime::ExecOutput;
    use crate::topology::parse;

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
        let (block, producer) = wait_elected_block(&rt, &plan, 40).await.unwrap();
        assert_eq!((block, producer.as_str()), (42, "accountnum11"));
        assert_eq!(asked.load(Ordering::SeqCst), 3);
    }
}
