//! One-shot commands in a lab's image (its nodeos's `--help`, its version): a container with no
//! network that carries the lab's labels (so `lab down` finds it should `lab` be interrupted),
//! run to its end and removed.

use std::time::Duration;

use anyhow::{anyhow, Result};

use super::Created;
use crate::plan::NetworkPlan;
use crate::runtime::{ContainerSpec, Runtime, NO_NETWORK};

/// What a one-shot command left: its exit code and its output (stdout and stderr, interleaved).
pub struct ProbeOutput {
    pub code: i64,
    pub output: String,
}

/// Runs `entrypoint cmd…` in `image` as the container `name`, waits at most `timeout` for it to
/// end, and removes it whatever happened. A container of that name left by an interrupted run is
/// removed first. `created` records it while it exists.
pub async fn run_probe(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    name: &str,
    image: &str,
    command: &[&str],
    timeout: Duration,
    created: &Created,
) -> Result<ProbeOutput> {
    let (entrypoint, cmd) = command.split_first().ok_or_else(|| anyhow!("a probe needs a command"))?;
    let spec = ContainerSpec {
        name: name.to_string(),
        hostname: name.to_string(),
        image: image.to_string(),
        network: NO_NETWORK.into(),
        entrypoint: vec![entrypoint.to_string()],
        cmd: cmd.iter().map(|c| c.to_string()).collect(),
        env: vec![],
        labels: plan.labels.clone(),
        mounts: vec![],
        ports: vec![],
        stop_timeout: 1,
        share_network_of: None,
        cap_add: vec![],
    };
    rt.remove_container(name).await?;
    created.container(name);
    let ran = async {
        rt.create_container(&spec).await?;
        rt.start_container(name).await?;
        let code = tokio::time::timeout(timeout, rt.wait_container(name))
            .await
            .map_err(|_| anyhow!("`{}` in {image} did not exit within {}s", command.join(" "), timeout.as_secs()))??;
        let output = rt.logs(name, 100_000).await?;
        anyhow::Ok(ProbeOutput { code, output })
    }
    .await;
    rt.remove_container(name).await?;
    created.forget_container(name);
    ran
}
