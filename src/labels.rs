//! Every label key `lab` puts on what it creates. `lab down` finds things by these alone.

/// The lab a container, network or volume belongs to.
pub const LAB: &str = "antelope-lab.name";
/// The node a container or volume serves.
pub const NODE: &str = "antelope-lab.node";
/// The node's role: `genesis`, `producer` or `node`.
pub const ROLE: &str = "antelope-lab.role";
/// The kind of object: `container`, `network`, `volume`.
pub const KIND: &str = "antelope-lab.kind";
/// On images: the hash of the recipe they were built from.
pub const RECIPE: &str = "antelope-lab.recipe";
/// On containers: a digest of the spec and node files they were created from, so `up` notices
/// a container made from a different topology.
pub const SPEC: &str = "antelope-lab.spec";

/// On one-shot helper containers: what they do (`net-fault`: iptables and tc in a node's network
/// namespace). Nodes do not carry it.
pub const HELPER: &str = "antelope-lab.helper";

/// A label filter `key=value` as the Docker API takes it.
pub fn filter(key: &str, value: &str) -> String {
    format!("{key}={value}")
}

/// A node's swarm placement constraints from the topology, `; `-separated.
pub const PLACEMENT: &str = "antelope-lab.placement";

/// Label filters that select one lab, or every lab.
pub fn lab_filter(lab: Option<&str>) -> Vec<String> {
    match lab {
        Some(name) => vec![filter(LAB, name)],
        None => vec![LAB.to_string()],
    }
}
