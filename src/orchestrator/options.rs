//! The options the lab's nodeos accepts, asked of its image: `nodeos --help` in a one-shot
//! container (under a second on Leap 4.1), asked once per image id, so the topology's config.ini
//! entries are checked against the nodeos that will read them.

use std::time::Duration;

use anyhow::{anyhow, Result};

use super::probe::probe_image;
use super::rollback::Created;
use crate::plan::{NetworkPlan, NodeosFacts};
use crate::runtime::Runtime;
use crate::topology::{check_nodeos_options, NodeosOptions, ValidationErrors};

/// `nodeos --help` prints and exits at once; a nodeos that does not (this build's `--version`
/// hangs) is stopped after this long and its options are not checked.
const HELP_TIMEOUT: Duration = Duration::from_secs(30);

/// The one-shot container's name: node names start with a letter, so no node is called this.
pub fn probe_name(plan: &NetworkPlan) -> String {
    format!("{}--nodeos-help", plan.lab)
}

/// The help text of the plan's image, asked once per image id (see [`probe_image`]).
pub async fn nodeos_help(rt: &dyn Runtime, plan: &NetworkPlan, created: &Created) -> Result<String> {
    let name = probe_name(plan);
    let probe = probe_image(rt, plan, "nodeos-help", &name, &["nodeos", "--help"], HELP_TIMEOUT, created).await?;
    if probe.code != 0 {
        return Err(anyhow!("`nodeos --help` in {} exited with {}", plan.image.reference(), probe.code));
    }
    Ok(probe.output)
}

/// What checking the options found: what the nodeos accepts (for rendering), and a note when its
/// options could not be read.
#[derive(Debug, Default)]
pub struct OptionsChecked {
    pub facts: NodeosFacts,
    /// The same for the nodes' own images, by image reference.
    pub image_facts: std::collections::BTreeMap<String, NodeosFacts>,
    pub note: Option<String>,
}

impl OptionsChecked {
    /// The plan rendered for what every image's nodeos accepts.
    pub fn apply(self, plan: NetworkPlan) -> NetworkPlan {
        plan.with_nodeos(self.facts).with_image_facts(self.image_facts)
    }
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
    let mut checked = check_image_options(rt, plan, topology, created).await?;
    // A node's own image: what its nodeos accepts, for rendering its files. The topology's
    // entries were checked against the lab's nodeos above.
    for image in plan.node_images() {
        let facts = match nodeos_help(rt, &plan.with_lab_image(image), created).await {
            Ok(help) => NodeosOptions::from_help(&help).map(|o| NodeosFacts::from_options(&o)).unwrap_or_default(),
            Err(_) => NodeosFacts::default(),
        };
        checked.image_facts.insert(image.reference().to_string(), facts);
    }
    Ok(checked)
}

/// [`check_options`] for the plan's (lab) image.
async fn check_image_options(
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
                    image_facts: Default::default(),
                    note: Some(format!(
                    "config.ini entries and nodeos arguments are not checked: the options of {} are unknown ({e:#})",
                    plan.image.reference()
                )),
                })
            }
        };
    let errors = check_nodeos_options(&topology.topology, &options);
    if errors.is_empty() {
        Ok(OptionsChecked { facts: NodeosFacts::from_options(&options), image_facts: Default::default(), note: None })
    } else {
        Err(ValidationErrors { source: topology.describe(), errors }.into())
    }
}
