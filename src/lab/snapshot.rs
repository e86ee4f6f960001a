//! The chain saved to a bundle and brought up again as a new lab, through the handle.

use std::future::Future;
use std::path::{Path, PathBuf};

use std::time::Duration;

use anyhow::Context;
use futures::FutureExt;

use super::guard::DownGuard;
use super::handle::state_base;
use super::up::{self, Origin, UpOptions};
use super::Result;
use super::{Lab, LabConfig};
use crate::bundle::archive::ACCOUNTS;
use crate::bundle::{self, restore, Bundle, Restored};
use crate::printer::Printer;
use crate::runtime::Runtime;
use crate::state::write_secret;
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
    /// It comes up by the path [`Lab::up`] takes (one rollback, the timeout given); every refusal
    /// (a lab of that name exists, a bundle this nodeos cannot read) comes before anything is
    /// created. The handle takes the lab down when dropped, as [`Lab::up`]'s does.
    pub async fn up_from(bundle: &Path, options: FromBundle) -> Result<(Lab, Restored)> {
        Self::up_from_until(bundle, options, std::future::pending()).await
    }

    /// [`Lab::up_from`], given up when `stop` completes first: what it created is removed and
    /// the error is [`super::Error::Interrupted`].
    pub async fn up_from_until(
        path: &Path,
        options: FromBundle,
        stop: impl Future<Output = ()>,
    ) -> Result<(Lab, Restored)> {
        let bundle = Bundle::read(path)?;
        let m = &bundle.manifest;
        options.printer.info(format!(
            "bundle of lab `{}`: block {} of chain {}…, made by nodeos {} on {}",
            m.lab,
            m.head_block,
            &m.chain_id[..m.chain_id.len().min(12)],
            m.server_version,
            m.created
        ));
        let base = options.state_dir.clone().unwrap_or_else(crate::state::state_base);
        let config = LabConfig::for_bundle(&bundle, options.name.as_deref(), &base)?.engine(options.engine);
        // Checked before the engine is asked anything, as `up` checks a topology.
        config.check()?;
        let engine = options.engine.unwrap_or(config.topology().engine);
        let rt = crate::runtime::connect(engine).await?;
        let up_options = UpOptions {
            boot: false,
            timeout: options.timeout,
            keep_failed: options.keep_failed,
            printer: options.printer.clone(),
        };
        // A lab made from a bundle is new: no port was kept for it, so the port is fixed only
        // when the topology gives it.
        let given = crate::orchestrator::api_port::port_given(config.topology());
        let stop = stop.shared();
        let done = crate::orchestrator::api_port::retry_when_taken(
            || given,
            || async {
                let config = config.clone();
                let prepared = prepare(rt.as_ref(), &config, &bundle).await?;
                up::up(rt.as_ref(), &prepared, &up_options, Origin::Bundle(&bundle), stop.clone()).await
            },
        )
        .await?;
        let (block, producer) = done.produced.clone().expect("an up from a bundle waits for a block");
        let topology = done.state.root.join(super::config::TOPOLOGY_COPY);
        let restored = Restored { plan: done.plan.clone(), topology, block, producer };
        let guard = DownGuard::armed(&done.plan.lab, state_base(&done.state), engine);
        let source = crate::topology::load(Some(&restored.topology))?;
        let lab = Lab {
            rt,
            plan: done.plan,
            state: done.state,
            printer: options.printer,
            source,
            already_up: false,
            boot_steps: Vec::new(),
            guard,
        };
        Ok((lab, restored))
    }
}

/// The new lab's state folder, made for this `up`: a stale one (of a lab of that name that is
/// gone) removed, the bundle's seed and accounts file written. A lab of that name that exists is
/// refused first, and a failure here removes the folder.
async fn prepare(rt: &dyn Runtime, config: &LabConfig, bundle: &Bundle) -> anyhow::Result<LabConfig> {
    restore::refuse_taken(rt, config.name()).await?;
    let state = config.state();
    state.remove()?;
    let written = (|| {
        std::fs::create_dir_all(&state.root).with_context(|| format!("cannot create {}", state.root.display()))?;
        write_secret(&state.root.join(crate::state::SEED_FILE), bundle.seed.as_bytes())?;
        if let Some(accounts) = &bundle.accounts {
            write_secret(&state.root.join(ACCOUNTS), accounts)?;
        }
        // Where the engine asked for differs from the topology's, the folder remembers it.
        config.resolved_engine()?;
        anyhow::Ok(())
    })();
    if let Err(e) = written {
        let _ = state.remove();
        return Err(e);
    }
    Ok(config.clone())
}

/// How [`Lab::up_from`] brings a lab up from a bundle.
#[derive(Debug, Clone)]
pub struct FromBundle {
    /// The new lab's name (default: the bundle's).
    pub name: Option<String>,
    /// The folder its state folder goes under (default `$LAB_STATE_DIR`, …).
    pub state_dir: Option<PathBuf>,
    /// The engine (default: the topology's, which is the local Docker engine unless it says
    /// otherwise).
    pub engine: Option<Engine>,
    /// How long each node gets to answer, and the producers to make a block (default 120 s).
    pub timeout: Duration,
    /// When it fails, keep what it created for inspection instead of removing it.
    pub keep_failed: bool,
    /// Where progress goes.
    pub printer: Printer,
}

impl Default for FromBundle {
    fn default() -> Self {
        let up = UpOptions::default();
        FromBundle {
            name: None,
            state_dir: None,
            engine: None,
            timeout: up.timeout,
            keep_failed: up.keep_failed,
            printer: up.printer,
        }
    }
}
