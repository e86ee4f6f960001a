//! Moving running nodes to another image, keeping their chain, one at a time while the rest
//! produce: a Leap network upgraded to Spring node by node, as networks did in 2024–2025.

use std::time::Duration;

use super::{Lab, LabConfig, Result};
use crate::boot::protocol::ProtocolStep;
use crate::boot::{Boot, BootOptions, StepName};
use crate::orchestrator::{self, Created, Upgraded};
use crate::topology::ImageConfig;

impl Lab {
    /// Moves the running nodes `nodes`, one after the other, to `image` (the same `image` section
    /// as the topology's: a reference, a folder, a folder of binaries), each keeping its chain: it
    /// stops cleanly, a snapshot of the chain is taken from another node, its container is made
    /// again from the new image on the same data volume and starts from the snapshot. The next
    /// node goes once this one answers at the head its source had. The lab's state folder
    /// records each node's new image (`images.json`): every later command plans the node on it,
    /// whatever topology file it is given. Relative paths in `image` start at the current folder.
    ///
    /// Refused before anything changes: an unknown node, an image section the topology would
    /// refuse, a node that does not run.
    pub async fn upgrade<S: AsRef<str>>(
        &mut self,
        nodes: &[S],
        image: ImageConfig,
        timeout: Duration,
    ) -> Result<Vec<Upgraded>> {
        let names: Vec<String> = self.nodes_named(nodes, false)?.iter().map(|n| n.name.clone()).collect();
        let image = absolute(image)?;
        let config = LabConfig::from_state(self.state.clone(), self.name())?.map_topology(|t| {
            for name in &names {
                t.nodes.entry(name.clone()).or_default().image = Some(image.clone());
            }
        });
        config.check()?;
        let (plan, state) = config.plan_existing()?;
        let rt = self.rt.as_ref();
        let live = rt.containers(&orchestrator::lab_filter(Some(self.name()))).await?;
        let stopped: Vec<String> = plan
            .nodes
            .iter()
            .filter(|n| names.contains(&n.name))
            .filter(|n| !live.iter().any(|c| c.name == n.container && c.running()))
            .map(|n| format!("{} is not running: an upgrade moves a running node (`lab start` it first)", n.name))
            .collect();
        if !stopped.is_empty() {
            return Err(crate::faults::SpecErrors(stopped).into());
        }
        orchestrator::ensure_image(rt, &plan, &self.printer).await?;
        let mut checked = orchestrator::check_options(rt, &plan, config.source(), &Created::default()).await?;
        if let Some(note) = checked.note.take() {
            self.printer.warn(note);
        }
        let plan = checked.apply(plan);
        state.write_plan(&plan)?;
        let mut done = Vec::new();
        for name in &names {
            let node = plan.node(name).expect("selected from this plan");
            let task = self.printer.task(format!("upgrade {name} to {}", plan.image_of(node).reference()));
            match orchestrator::upgrade(rt, &plan, &state, node, timeout).await {
                Ok(u) => {
                    state.save_node_image(name, &image)?;
                    task.done(format!("{}, from a snapshot of {} at block {}", u.server_version, u.source, u.block));
                    done.push(u);
                }
                Err(e) => {
                    task.fail();
                    return Err(e.into());
                }
            }
        }
        // keosd lives among the genesis container's processes: a new container has none.
        if names.iter().any(|n| n == &plan.genesis().name) {
            let wallet = BootOptions { steps: vec![StepName::Wallet], xfer_count: 0 };
            Boot::new(rt, &plan, &state, &self.printer).run(&wallet).await?;
        }
        self.plan = plan;
        self.source = config.source().clone();
        Ok(done)
    }
}

impl Lab {
    /// Moves the chain to what its nodes can do, as a live network does once eosio has resigned:
    /// every change under eosio's authority proposed through eosio.msig and approved by the
    /// producers. First the image's eosio.msig (an older one runs proposals as deferred
    /// transactions, which only Leap producers run: do this with the genesis node moved and the
    /// producers still on Leap); then, once every node's nodeos has Savanna, the chain's
    /// parameters raised to mainnet's, the protocol features the nodes support, the image's
    /// system contract, the finalizer keys and the switch to Savanna. Each phase checks the chain
    /// first: run again, it does nothing.
    pub async fn upgrade_protocol(&self) -> Result<Vec<ProtocolStep>> {
        let rt = self.rt.as_ref();
        // What each image's nodeos can do, asked of the images.
        let mut checked = orchestrator::check_options(rt, &self.plan, &self.source, &Created::default()).await?;
        checked.note = None;
        let plan = checked.apply(self.plan.clone());
        let savanna = plan.nodes.iter().all(|n| plan.facts_of(n).savanna);
        let boot = Boot::new(rt, &plan, &self.state, &self.printer);
        Ok(boot.upgrade_protocol(savanna).await?)
    }
}

/// The image section with its paths made absolute from the current folder.
fn absolute(image: ImageConfig) -> Result<ImageConfig> {
    let cwd = std::env::current_dir()?;
    Ok(image.map_paths(|p| cwd.join(p)))
}
