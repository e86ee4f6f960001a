//! One-shot commands in a lab's image (its nodeos's `--help`, its version): a container with no
//! network that carries the lab's labels (so `lab down` finds it should `lab` be interrupted),
//! run to its end and removed. An image's answers do not change while its id does not, so
//! [`probe_image`] keeps them by image id and asks each image once.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, Result};

use super::Created;
use crate::plan::NetworkPlan;
use crate::runtime::{ContainerSpec, Runtime, NO_NETWORK};
use crate::state::state_base;

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
        cpu_shares: None,
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

/// Where the answer of `fact` (a name such as `nodeos-help`) of the image `image_id` is kept.
fn cache_path(fact: &str, image_id: &str) -> PathBuf {
    let file: String = image_id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    // A dot folder: lab names start with a letter or digit, so no lab's state folder is called so.
    state_base().join(".image-facts").join(fact).join(file)
}

/// The output of `command` in the plan's image, from the cache kept by image id, else from
/// [`run_probe`] (as the container `name`). Only an answer with exit code 0 is kept; the code is
/// returned so the caller judges the answer.
pub async fn probe_image(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    fact: &str,
    name: &str,
    command: &[&str],
    timeout: Duration,
    created: &Created,
) -> Result<ProbeOutput> {
    let reference = plan.image.reference();
    let id = rt.image_id(reference).await?;
    if let Some(output) = id.as_deref().and_then(|id| std::fs::read_to_string(cache_path(fact, id)).ok()) {
        return Ok(ProbeOutput { code: 0, output });
    }
    let probe = run_probe(rt, plan, name, reference, command, timeout, created).await?;
    if let (0, Some(id)) = (probe.code, id) {
        let path = cache_path(fact, &id);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // A cache: failing to write it costs a probe next time, nothing more.
        let _ = std::fs::write(&path, &probe.output);
    }
    Ok(probe)
}
