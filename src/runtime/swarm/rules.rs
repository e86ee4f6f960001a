//! What the swarm runtime decides without asking an engine: whether an image comes from a
//! registry, whether a rendered file is a secret, and which hosts satisfy a placement.

use std::collections::BTreeMap;

use crate::labels;

/// The label of a node naming the placement constraints from the topology.
pub const PLACEMENT_LABEL: &str = labels::PLACEMENT;

/// An image reference a registry serves (`registry.example:5000/nodeos:tag`): each host pulls it.
/// Anything else (`antelope-lab/nodeos:leap-…`) is a local image, referenced by its ID so that no
/// host looks a tag up in a registry.
pub fn registry_reference(reference: &str) -> bool {
    let first = reference.split('/').next().unwrap_or("");
    reference.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost")
}

/// A rendered file is a secret when it holds a private key.
pub fn is_secret(contents: &[u8]) -> bool {
    let text = String::from_utf8_lossy(contents);
    text.contains("signature-provider") || text.contains("PVT_K1_") || text.contains("PVT_BLS_")
}

/// The constraints a node's labels ask for, `;`-separated in [`PLACEMENT_LABEL`].
pub fn placement_constraints(labels: &BTreeMap<String, String>) -> Vec<String> {
    labels
        .get(PLACEMENT_LABEL)
        .map(|v| v.split(';').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect())
        .unwrap_or_default()
}

/// Whether a host satisfies one constraint (`node.hostname == x`, `node.role != manager`,
/// `node.labels.region == eu`, `node.id == …`).
pub fn satisfies(host: &super::Host, constraint: &str) -> Option<bool> {
    let (key, want, equal) = if let Some((k, v)) = constraint.split_once("!=") {
        (k.trim(), v.trim(), false)
    } else if let Some((k, v)) = constraint.split_once("==") {
        (k.trim(), v.trim(), true)
    } else {
        return None;
    };
    let have = match key {
        "node.hostname" => Some(host.hostname.clone()),
        "node.id" => Some(host.id.clone()),
        "node.role" => Some(if host.manager { "manager".into() } else { "worker".into() }),
        k => match k.strip_prefix("node.labels.") {
            Some(label) => host.labels.get(label).cloned(),
            None => return None,
        },
    };
    Some((have.as_deref() == Some(want)) == equal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::swarm::Host;

    #[test]
    fn a_reference_with_a_registry_host_is_pulled_and_a_local_tag_is_not() {
        assert!(registry_reference("registry.example:5000/nodeos:1"));
        assert!(registry_reference("localhost/nodeos:1"));
        assert!(registry_reference("ghcr.io/org/nodeos:1"));
        assert!(!registry_reference("antelope-lab/nodeos:leap-4.1"));
        assert!(!registry_reference("debian:bookworm-slim"));
    }

    #[test]
    fn a_file_with_a_private_key_is_a_secret() {
        assert!(is_secret(b"signature-provider = EOS6...=KEY:5K..."));
        assert!(!is_secret(b"{\"initial_key\": \"EOS6...\"}"));
    }

    #[test]
    fn constraints_are_read_from_the_host() {
        let h = Host {
            id: "abc".into(),
            hostname: "h2".into(),
            ready: true,
            manager: false,
            labels: BTreeMap::from([("region".into(), "eu".into())]),
        };
        assert_eq!(satisfies(&h, "node.labels.region == eu"), Some(true));
        assert_eq!(satisfies(&h, "node.labels.region==us"), Some(false));
        assert_eq!(satisfies(&h, "node.role != manager"), Some(true));
        assert_eq!(satisfies(&h, "node.hostname == h1"), Some(false));
        assert_eq!(satisfies(&h, "node.platform.os == linux"), None);
        assert_eq!(
            placement_constraints(&BTreeMap::from([(PLACEMENT_LABEL.into(), "a == b; c != d".into())])),
            vec!["a == b", "c != d"]
        );
    }
}
