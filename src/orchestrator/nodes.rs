//! A lab's node containers as the engine lists them, found by their labels alone (no topology
//! needed): what `lab status`, `lab top`, `lab dump` and `lab env` show.

use anyhow::Result;

use super::lab_filter;
use crate::labels;
use crate::runtime::{ContainerInfo, Runtime};

/// The node containers of lab `lab`: the genesis node first, then the producers, then the other
/// nodes, each group by name. The one-shot helpers a network fault runs beside a node are not
/// nodes and are left out.
pub async fn node_containers(rt: &dyn Runtime, lab: &str) -> Result<Vec<ContainerInfo>> {
    let mut containers = rt.containers(&lab_filter(Some(lab))).await?;
    in_node_order(&mut containers);
    Ok(containers)
}

/// Drops the fault helpers and sorts the rest as [`node_containers`] returns them. Pure.
fn in_node_order(containers: &mut Vec<ContainerInfo>) {
    containers.retain(|c| !c.labels.contains_key(labels::HELPER));
    let order = |c: &ContainerInfo| match c.labels.get(labels::ROLE).map(String::as_str) {
        Some("genesis") => 0,
        Some("producer") => 1,
        _ => 2,
    };
    containers.sort_by(|a, b| (order(a), &a.name).cmp(&(order(b), &b.name)));
}

/// The genesis node's container among `containers`, if it is there.
pub fn genesis_of(containers: &[ContainerInfo]) -> Option<&ContainerInfo> {
    containers.iter().find(|c| {
        c.labels.get(labels::ROLE).map(String::as_str) == Some("genesis") && !c.labels.contains_key(labels::HELPER)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::runtime::ContainerState;

    fn container(name: &str, role: &str, helper: bool) -> ContainerInfo {
        let mut labels = BTreeMap::from([(labels::ROLE.to_string(), role.to_string())]);
        if helper {
            labels.insert(labels::HELPER.into(), "net-fault".into());
        }
        ContainerInfo {
            name: name.into(),
            id: name.into(),
            image: "i".into(),
            state: ContainerState::Running,
            exit_code: None,
            labels,
            ports: vec![],
            addresses: BTreeMap::new(),
        }
    }

    #[test]
    fn genesis_then_producers_then_the_rest_each_by_name_and_no_helper() {
        let mut listed = vec![
            container("l-seed", "node", false),
            container("l-p2", "producer", false),
            container("l-genesis-fault", "genesis", true),
            container("l-p1", "producer", false),
            container("l-genesis", "genesis", false),
        ];
        in_node_order(&mut listed);
        let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["l-genesis", "l-p1", "l-p2", "l-seed"]);
        assert_eq!(genesis_of(&listed).map(|c| c.name.as_str()), Some("l-genesis"));
        assert!(genesis_of(&listed[1..]).is_none());
    }
}
