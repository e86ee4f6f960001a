//! Readiness: waiting until nodes answer get_info, or saying why they did not.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use futures::future::try_join_all;

use crate::client::{ChainInfo, NodeClient};
use crate::plan::NodePlan;
use crate::printer::Printer;
use crate::runtime::{ContainerState, Runtime};

/// Waits until every node answers get_info; a timeout names the node and shows its last log lines.
pub async fn wait_ready(
    rt: &dyn Runtime,
    nodes: &[&NodePlan],
    timeout: Duration,
    printer: &Printer,
) -> Result<Vec<ChainInfo>> {
    let label = match nodes {
        [one] => format!("wait for {} to answer get_info", one.name),
        _ => "wait for nodes to answer get_info".into(),
    };
    let bar = printer.bar(label, nodes.len() as u64);
    let infos = try_join_all(nodes.iter().map(|n| {
        let bar = &bar;
        async move {
            let info = wait_node(rt, &n.container, timeout).await?;
            bar.inc(1);
            anyhow::Ok(info)
        }
    }))
    .await;
    match infos {
        Ok(i) => {
            bar.done(format!("head {}", i[0].head_block_num));
            Ok(i)
        }
        Err(e) => {
            bar.fail();
            Err(e)
        }
    }
}

pub async fn wait_node(rt: &dyn Runtime, container: &str, timeout: Duration) -> Result<ChainInfo> {
    let start = Instant::now();
    let client = NodeClient::new(rt, container);
    loop {
        match client.get_info().await {
            Ok(info) => return Ok(info),
            Err(last) => {
                let gone = rt.container_state(container).await?.filter(|s| *s != ContainerState::Running);
                if gone.is_some() || start.elapsed() > timeout {
                    let why = match gone {
                        Some(_) => "stopped before it answered get_info".to_string(),
                        None => format!("did not answer get_info within {}s ({last})", timeout.as_secs()),
                    };
                    bail!("{container} {why}: {}", super::down_reason(rt, container).await);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n")
}
