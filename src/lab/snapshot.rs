//! The chain saved to a bundle and brought up again as a new lab, through the handle.

use std::future::Future;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::guard::DownGuard;
use super::handle::state_base;
use super::Result;
use super::{Lab, LabConfig};
use crate::bundle::{self, Restored};
use crate::printer::Printer;
use crate::state::StateDir;
use crate::topology::Engine;
/// A bundle written by [`Lab::snapshot`].
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Where the bundle was written.
    pub path: PathBuf,
    /// The block the node's chain was saved at.
    pub block: u64,
    /// The file's size.
    pub bytes: u64,
}

impl Lab {
    /// Saves node `node`'s chain, with the topology and seed a new lab needs to carry on from
    /// it, to the bundle `out` (default `<lab>-<block>.labsnap.tar.gz` in the current folder;
    /// mode 0600: the seed is in it). An existing file is refused.
    pub async fn snapshot(&self, node: &str, out: Option<&Path>) -> Result<Snapshot> {
        let node = self.node_named(node)?;
        if let Some(out) = out.filter(|o| o.exists()) {
            fail!("{} exists; a snapshot does not overwrite a file", out.display());
        }
        let task = self.printer.task(format!("snapshot of {}", node.name));
        let made = bundle::make(self.rt.as_ref(), &self.source, &self.plan, node).await;
        let b = match made {
            Ok(b) => b,
            Err(e) => {
                task.fail();
                return Err(e.into());
            }
        };
        let out = match out {
            Some(out) => out.to_path_buf(),
            None => PathBuf::from(format!("{}-{}.labsnap.tar.gz", self.plan.lab, b.manifest.head_block)),
        };
        b.write(&out).with_context(|| format!("lab `{}`: the snapshot was taken but not saved", self.plan.lab))?;
        let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        task.done(format!("block {}, {:.1} MB", b.manifest.head_block, bytes as f64 / 1e6));
        Ok(Snapshot { path: out, block: b.manifest.head_block, bytes })
    }

    /// A new lab from a bundle [`Lab::snapshot`] wrote: the same accounts, balances, schedule
    /// and producers, no boot step but the wallet's, up once an elected producer made a block.
    /// Every refusal (a lab of that name exists, a bundle this nodeos cannot read) comes before
    /// anything is created. The handle takes the lab down when dropped, as [`Lab::up`]'s does.
    pub async fn up_from(bundle: &Path, options: FromBundle) -> Result<(Lab, Restored)> {
        Self::up_from_until(bundle, options, std::future::pending()).await
    }

    /// [`Lab::up_from`], given up when `stop` completes first: what it created is removed and
    /// the error is [`super::Error::Interrupted`].
    pub async fn up_from_until(
        bundle: &Path,
        options: FromBundle,
        stop: impl Future<Output = ()>,
    ) -> Result<(Lab, Restored)> {
        let engine = options.engine.unwrap_or_default();
        let base = options.state_dir.unwrap_or_else(crate::state::state_base);
        let rt = crate::runtime::connect(engine).await?;
        let restored =
            bundle::up_from(rt.as_ref(), bundle, options.name.as_deref(), &base, &options.printer, stop).await?;
        let config = LabConfig::from_state(StateDir { root: base.join(&restored.plan.lab) }, &restored.plan.lab)?;
        let (plan, state) = config.plan_existing()?;
        let guard = DownGuard::armed(&plan.lab, state_base(&state), engine);
        let source = config.source().clone();
        let lab = Lab { rt, plan, state, printer: options.printer, source, already_up: false, guard };
        Ok((lab, restored))
    }
}

/// How [`Lab::up_from`] brings a lab up from a bundle.
#[derive(Debug, Clone, Default)]
pub struct FromBundle {
    /// The new lab's name (default: the bundle's).
    pub name: Option<String>,
    /// The folder its state folder goes under (default `$LAB_STATE_DIR`, …).
    pub state_dir: Option<PathBuf>,
    /// The engine (default: the local Docker engine).
    pub engine: Option<Engine>,
    /// Where progress goes.
    pub printer: Printer,
}
