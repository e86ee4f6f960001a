//! `down`: removing everything that carries a lab's label.

use anyhow::Result;
use futures::future::try_join_all;
use futures::{StreamExt, TryStreamExt};

use super::{lab_filter, STOP_TIMEOUT_SECS};
use crate::labels;
use crate::printer::Printer;
use crate::runtime::Runtime;

/// Containers removed at once.
const REMOVALS_AT_ONCE: usize = 4;

/// What `down` removed.
#[derive(Debug, Default, serde::Serialize)]
pub struct DownReport {
    /// The containers removed, by name.
    pub containers: Vec<String>,
    /// The networks removed.
    pub networks: Vec<String>,
    /// The volumes removed (none when data is kept).
    pub volumes: Vec<String>,
    /// The labs these belonged to.
    pub labs: Vec<String>,
}

/// Removes everything carrying the lab label (or any lab label with `None`). Volumes stay with
/// `keep_data`, and then containers are stopped cleanly first so their databases stay usable.
pub async fn down(rt: &dyn Runtime, lab: Option<&str>, keep_data: bool, printer: &Printer) -> Result<DownReport> {
    let filter = lab_filter(lab);
    let containers = rt.containers(&filter).await?;
    let mut report = DownReport::default();
    let mut labs: Vec<String> = containers.iter().filter_map(|c| c.labels.get(labels::LAB).cloned()).collect();
    if !containers.is_empty() {
        let bar = printer.bar("remove containers", containers.len() as u64);
        // A few at a time: Docker 20.10's network code deadlocked once here (2026-12-06) on 20
        // containers of one network ending at once (each exit leaving the network while the
        // engine's store watch deleted endpoints), and no later call on the engine returned.
        futures::stream::iter(containers.iter().map(|c| {
            let bar = &bar;
            async move {
                if keep_data && c.running() {
                    rt.stop_container(&c.name, STOP_TIMEOUT_SECS).await?;
                }
                rt.remove_container(&c.name).await?;
                bar.inc(1);
                anyhow::Ok(())
            }
        }))
        .buffer_unordered(REMOVALS_AT_ONCE)
        .try_collect::<Vec<()>>()
        .await?;
        bar.done("");
        report.containers = containers.iter().map(|c| c.name.clone()).collect();
    }
    for n in rt.networks(&filter).await? {
        labs.extend(n.labels.get(labels::LAB).cloned());
        rt.remove_network(&n.name).await?;
        report.networks.push(n.name);
    }
    if !keep_data {
        let volumes = rt.volumes(&filter).await?;
        try_join_all(volumes.iter().map(|v| rt.remove_volume(&v.name))).await?;
        for v in volumes {
            labs.extend(v.labels.get(labels::LAB).cloned());
            report.volumes.push(v.name);
        }
    }
    labs.sort();
    labs.dedup();
    report.labs = labs;
    Ok(report)
}
