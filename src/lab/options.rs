//! The options the lab's nodeos accepts, asked of its image: `nodeos --help` in a one-shot
//! container (under a second on Leap 4.1), its answer kept in the state folder by image id, so the
//! topology's config.ini entries are checked against the nodeos that will read them.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, Result};

use super::probe::run_probe;
use super::rollback::Created;
use crate::plan::{NetworkPlan, NodeosFacts};
use crate::runtime::Runtime;
use crate::state::state_base;
use crate::topology::{check_nodeos_options, NodeosOptions, ValidationErrors};

/// `nodeos --help` prints and exits at once; a nodeos that does not (this build's `--version`
/// hangs) is stopped after this long and its options are not checked.
const HELP_TIMEOUT: Duration = Duration::from_secs(30);

/// The one-shot container's name: node names start with a letter, so no node is called this.
pub fn probe_name(plan: &NetworkPlan) -> String {
    format!("{}--nodeos-help", plan.lab)
}

fn cache_path(image_id: &str) -> PathBuf {
    let file: String = image_id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    // A dot folder: lab names start with a letter or digit, so no lab's state folder is called so.
    state_base().join(".nodeos-options").join(file)
}

/// The help text of the plan's image: from the cache, else from a one-shot container that carries
/// the lab's labels (so an interrupted `up` leaves it to `lab down`) and is removed after.
pub async fn nodeos_help(rt: &dyn Runtime, plan: &NetworkPlan, created: &Created) -> Result<String> {
    let reference = plan.image.reference();
    let id = rt.image_id(reference).await?;
    if let Some(text) = id.as_deref().and_then(|id| std::fs::read_to_string(cache_path(id)).ok()) {
        return Ok(text);
    }
    let name = probe_name(plan);
    let probe = run_probe(rt, plan, &name, reference, &["nodeos", "--help"], HELP_TIMEOUT, created).await?;
    if probe.code != 0 {
        return Err(anyhow!("`nodeos --help` in {reference} exited with {}", probe.code));
    }
    let text = probe.output;
    if let Some(id) = id {
        let path = cache_path(&id);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // A cache: failing to write it costs a second next time, nothing more.
        let _ = std::fs::write(&path, &text);
    }
    Ok(text)
}

/// What checking the options found: what the nodeos accepts (for rendering), and a note when its
/// options could not be read.
#[derive(Debug, Default)]
pub struct OptionsChecked {
    pub facts: NodeosFacts,
    pub note: Option<String>,
}

/// Checks the topology's config.ini entries and nodeos arguments against the options of the
/// plan's nodeos, and says what that nodeos accepts. An image whose nodeos does not answer
/// `--help` as Leap does is not checked (the note says so) and is rendered for as the default.
pub async fn check_options(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    topology: &crate::topology::TopologySource,
    created: &Created,
) -> Result<OptionsChecked> {
    let options =
        match nodeos_help(rt, plan, created).await.and_then(|h| NodeosOptions::from_help(&h).map_err(|e| anyhow!(e))) {
            Ok(o) => o,
            Err(e) => {
                return Ok(OptionsChecked {
                    facts: NodeosFacts::default(),
                    note: Some(format!(
                    "config.ini entries and nodeos arguments are not checked: the options of {} are unknown ({e:#})",
                    plan.image.reference()
                )),
                })
            }
        };
    let errors = check_nodeos_options(&topology.topology, &options);
    if errors.is_empty() {
        Ok(OptionsChecked { facts: NodeosFacts::from_options(&options), note: None })
    } else {
        Err(ValidationErrors { source: topology.describe(), errors }.into())
    }
}
