//! Network faults through the handle: a partition, a degraded link, and healing them, each
//! checked against the lab's nodes before anything changes and recorded in the state folder as it
//! takes effect (what `status` shows and `heal` undoes).

use anyhow::anyhow;

use super::Lab;
use super::Result;
use crate::faults::{apply, record, spec, FaultError, LinkArgs, SpecErrors};
use crate::orchestrator;

/// What a partition did.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionReport {
    /// The groups, each a list of node names (the nodes left out of the groups given form one).
    pub groups: Vec<Vec<String>>,
    /// Nodes whose rules are in place.
    pub cut: Vec<String>,
    /// Nodes that do not run, left alone (their address is unknown until they run).
    pub not_running: Vec<String>,
}

/// What a heal did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HealReport {
    /// Nodes whose rules were removed.
    pub healed: Vec<String>,
    /// Nodes that do not run: they hold no rule (it went with their network namespace).
    pub not_running: Vec<String>,
}

impl Lab {
    fn node_names(&self) -> Vec<String> {
        self.plan.nodes.iter().map(|n| n.name.clone()).collect()
    }

    /// Cuts the lab network between groups of nodes, each a comma-separated list of node names
    /// (`"accountnum11"`, `"genesis,accountnum22"`); nodes left out form a group of their own.
    /// Checked before the engine is asked anything ([`SpecErrors`]). What took effect is recorded
    /// even when a node failed, so [`Lab::heal`] undoes it.
    pub async fn partition<S: AsRef<str>>(&self, groups: &[S]) -> Result<PartitionReport> {
        let groups: Vec<String> = groups.iter().map(|g| g.as_ref().to_string()).collect();
        let partition = spec::parse_partition(&groups, &self.node_names())?;
        let rt = self.rt.as_ref();
        let nodes = apply::live_nodes(rt, &self.plan).await?;
        let image = orchestrator::ensure_nettools_image(rt, &self.plan, &self.printer).await?;
        let described: Vec<String> = partition.groups.iter().map(|g| g.join(",")).collect();
        let task = self.printer.task(format!("partition {}", described.join(" | ")));
        let (applied, error) = apply::partition(rt, &image, &self.plan, &nodes, &partition).await;
        self.state.save_faults(&record::with_partition(self.state.faults()?, &applied))?;
        if let Some(e) = error {
            task.fail();
            let on = if applied.is_empty() {
                "no node".into()
            } else {
                applied.keys().cloned().collect::<Vec<_>>().join(", ")
            };
            return Err(anyhow!(e)
                .context(format!("the partition is only partly in effect (on {on}); `lab heal` undoes it"))
                .into());
        }
        task.done(format!("{} nodes cut along {} groups", applied.len(), partition.groups.len()));
        let not_running: Vec<String> = nodes.iter().filter(|n| !n.running()).map(|n| n.name.clone()).collect();
        for n in nodes.iter().filter(|n| !n.running()) {
            self.printer.warn(format!(
                "{} is not running: it was left alone and the others were not cut from it (its address is \
                 unknown until it runs); run `lab partition` again once it runs",
                n.describe()
            ));
        }
        Ok(PartitionReport { groups: partition.groups.clone(), cut: applied.keys().cloned().collect(), not_running })
    }

    /// Sets running nodes' links (delay, jitter, loss, rate), or clears them (`link.clear`).
    /// Every problem of the nodes and the values is reported at once, before anything changes.
    /// Returns the nodes whose links are set.
    pub async fn netem<S: AsRef<str>>(&self, nodes: &[S], link: &LinkArgs) -> Result<Vec<String>> {
        let names: Vec<String> = nodes.iter().map(|n| n.as_ref().to_string()).collect();
        let (targets, link) = match (spec::parse_nodes(&names, &self.node_names()), spec::parse_link(link)) {
            (Ok(t), Ok(l)) => (t, l),
            (t, l) => {
                let mut all = t.err().map(|e| e.0).unwrap_or_default();
                all.extend(l.err().map(|e| e.0).unwrap_or_default());
                return Err(SpecErrors(all).into());
            }
        };
        let rt = self.rt.as_ref();
        let nodes = apply::live_nodes(rt, &self.plan).await?;
        let targets: Vec<&apply::LiveNode> = nodes.iter().filter(|n| targets.contains(&n.name)).collect();
        let stopped: Vec<String> = targets
            .iter()
            .filter(|n| !n.running())
            .map(|n| format!("{} is not running: its link cannot be set", n.describe()))
            .collect();
        if !stopped.is_empty() {
            return Err(FaultError::NodesNotRunning(stopped).into());
        }
        let image = orchestrator::ensure_nettools_image(rt, &self.plan, &self.printer).await?;
        if link.needs_netem() {
            // Asked once, beside the first node, before any node is changed.
            apply::probe_netem(rt, &image, &self.plan, targets[0]).await?;
        }
        let what = if link.is_clear() { "clear".to_string() } else { link.describe().join(", ") };
        let names: Vec<&str> = targets.iter().map(|n| n.name.as_str()).collect();
        let task = self.printer.task(format!("netem {}: {what}", names.join(", ")));
        let (done, error) = apply::link(rt, &image, &self.plan, &targets, &link).await;
        let mut faults = self.state.faults()?;
        for node in &done {
            faults = record::with_link(faults, node, &link);
        }
        self.state.save_faults(&faults)?;
        if let Some(e) = error {
            task.fail();
            let on = if done.is_empty() { "no node".to_string() } else { done.join(", ") };
            return Err(anyhow!(e)
                .context(format!("the link settings are in effect on {on} only; `lab heal` undoes them"))
                .into());
        }
        task.done(format!("{} nodes", done.len()));
        Ok(done)
    }

    /// Undoes every network fault: partitions, loss, rate, delay. A lab with no node running has
    /// none in effect, and its record is cleared.
    pub async fn heal(&self) -> Result<HealReport> {
        let rt = self.rt.as_ref();
        let nodes = match apply::live_nodes(rt, &self.plan).await {
            Ok(n) => n,
            // A stopped container's network namespace is gone, and its rules with it.
            Err(FaultError::NotRunning(_)) => {
                self.state.save_faults(&Default::default())?;
                let not_running = self.node_names();
                return Ok(HealReport { healed: vec![], not_running });
            }
            Err(e) => return Err(e.into()),
        };
        let image = orchestrator::ensure_nettools_image(rt, &self.plan, &self.printer).await?;
        let task = self.printer.task("heal");
        let (done, error) = apply::heal(rt, &image, &self.plan, &nodes).await;
        let mut faults = self.state.faults()?;
        // Healed, or not running (their rules went with their network namespace): nothing remains.
        faults.retain(|node, _| !done.contains(node) && nodes.iter().any(|n| &n.name == node && n.running()));
        self.state.save_faults(&faults)?;
        if let Some(e) = error {
            task.fail();
            return Err(anyhow!(e).context("some faults remain (see `lab status`); run `lab heal` again").into());
        }
        task.done(format!("{} nodes on a clean network", done.len()));
        let not_running = nodes.iter().filter(|n| !n.running()).map(|n| n.name.clone()).collect();
        Ok(HealReport { healed: done, not_running })
    }
}
