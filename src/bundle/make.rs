//! `lab snapshot`: a node's chain snapshot and what a new lab needs to carry on from it.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use super::archive::{hex, Bundle, ACCOUNTS};
use super::manifest::{Manifest, FORMAT_VERSION};
use crate::client::Chain;
use crate::orchestrator::{snapshot_at_head, HeadSnapshot};
use crate::plan::{NetworkPlan, NodePlan};
use crate::runtime::{ContainerState, Runtime};
use crate::topology::{Topology, TopologySource};

/// How long nodeos gets to write a snapshot.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(120);

/// The topology as a bundle carries it, and the accounts file it points at. Pure but for
/// reading the accounts file.
///
/// Host paths mean nothing on another machine: an accounts file travels in the bundle and the
/// topology points at it; an image built from a folder becomes a reference to the tag it was
/// built as (the folder does not travel); a CA file for the build is dropped
/// (`LAB_EXTRA_CA_CERT` serves there). The recipe stays a recipe: it is built into `lab`.
pub fn portable_topology(source: &TopologySource, plan: &NetworkPlan) -> Result<(Topology, Option<Vec<u8>>)> {
    let mut t = source.topology.clone();
    let accounts = match &t.accounts.file {
        Some(file) => {
            let path = source.resolve(file);
            let data =
                std::fs::read(&path).with_context(|| format!("cannot read the accounts file {}", path.display()))?;
            t.accounts.file = Some(ACCOUNTS.into());
            Some(data)
        }
        None => None,
    };
    if t.image.build.is_some() || t.image.files.is_some() {
        t.image =
            crate::topology::ImageConfig { reference: Some(plan.image.reference().to_string()), ..Default::default() };
    }
    t.image.ca_cert = None;
    // A node's own image likewise, by the reference it was built under.
    for (name, settings) in t.nodes.iter_mut() {
        let Some(image) = settings.image.as_mut() else { continue };
        if image.build.is_some() || image.files.is_some() {
            let reference = plan.node(name).map(|n| plan.image_of(n).reference().to_string());
            *image = crate::topology::ImageConfig { reference, ..Default::default() };
        }
        image.ca_cert = None;
    }
    // The seed travels beside the topology; the topology keeps its own field as it was.
    Ok((t, accounts))
}

/// Takes a snapshot on `node` (running) and gathers the bundle.
pub async fn make(rt: &dyn Runtime, source: &TopologySource, plan: &NetworkPlan, node: &NodePlan) -> Result<Bundle> {
    match rt.container_state(&node.container).await? {
        Some(ContainerState::Running) => {}
        Some(state) => bail!("{} is {state}: a snapshot needs the node running (`lab up` starts it)", node.name),
        None => bail!("lab `{}` has no container for {}: is the lab up?", plan.lab, node.name),
    }
    let (topology, accounts) = portable_topology(source, plan)?;
    let chain = Chain::new(rt, &node.container);
    let info = chain.info().await?;
    // At the head, not at LIB: a new lab from the bundle is a chain of its own from that block on.
    let HeadSnapshot { bytes: snapshot, block } = snapshot_at_head(rt, &node.container, SNAPSHOT_TIMEOUT)
        .await
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("{} did not write a snapshot", node.name))?;
    let manifest = Manifest {
        format: FORMAT_VERSION,
        lab: plan.lab.clone(),
        node: node.name.clone(),
        chain_id: info.chain_id,
        head_block: block,
        server_version: info
            .server_version_string
            .with_context(|| format!("{}: get_info has no server_version_string", node.name))?,
        image: plan.image.reference().to_string(),
        created: chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        snapshot_sha256: hex(&Sha256::digest(&snapshot)),
    };
    let topology = serde_norway::to_string(&topology).context("cannot write the topology as YAML")?;
    Ok(Bundle { manifest, topology, seed: plan.seed.clone(), accounts, snapshot })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::parse;

    #[test]
    fn host_paths_do_not_travel() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "name: x\nimage: {build: ./img, ca_cert: ./ca.pem}\n";
        let source = TopologySource { topology: parse(yaml).unwrap(), path: Some(dir.path().join("lab.yaml")) };
        let plan = crate::plan::NetworkPlan::resolve(
            &crate::topology::validate(&TopologySource { topology: parse("name: x").unwrap(), path: None }).unwrap(),
            "seed",
        );
        let (t, accounts) = portable_topology(&source, &plan).unwrap();
        assert_eq!(t.image.reference.as_deref(), Some(plan.image.reference()));
        assert!(t.image.build.is_none() && t.image.ca_cert.is_none());
        assert!(accounts.is_none());
    }

    #[test]
    fn an_accounts_file_travels_and_the_topology_points_at_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.json"), b"{\"users\":[]}").unwrap();
        let yaml = "name: x\naccounts: {file: mine.json}\n";
        let source = TopologySource { topology: parse(yaml).unwrap(), path: Some(dir.path().join("lab.yaml")) };
        let plan = crate::plan::NetworkPlan::resolve(
            &crate::topology::validate(&TopologySource { topology: parse("name: x").unwrap(), path: None }).unwrap(),
            "seed",
        );
        let (t, accounts) = portable_topology(&source, &plan).unwrap();
        assert_eq!(t.accounts.file.as_deref(), Some(std::path::Path::new(ACCOUNTS)));
        assert_eq!(accounts.as_deref(), Some(&b"{\"users\":[]}"[..]));
        // The recipe stays a recipe.
        assert_eq!(t.image, source.topology.image);
        // And it reads back as the same topology.
        let back = parse(&serde_norway::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
    }
}
