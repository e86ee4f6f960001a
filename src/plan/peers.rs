//! The p2p graph: which nodes each node dials.

use std::collections::BTreeMap;

use crate::topology::P2pShape;

/// The largest lab `auto` peers as a full mesh.
const AUTO_MESH_NODES: usize = 12;

/// For each node (in order), the nodes it dials. Connections in nodeos are two-way, so a mesh
/// dials each pair once: every node dials the nodes before it, as the upstream script does.
pub fn peers(nodes: &[String], shape: P2pShape, extra: &BTreeMap<String, Vec<String>>) -> Vec<Vec<String>> {
    let n = nodes.len();
    let shape = match shape {
        P2pShape::Auto if n <= AUTO_MESH_NODES => P2pShape::Mesh,
        P2pShape::Auto => P2pShape::Star,
        other => other,
    };
    let mut out: Vec<Vec<String>> = (0..n)
        .map(|i| match shape {
            P2pShape::Mesh => nodes[..i].to_vec(),
            P2pShape::Star if i > 0 => vec![nodes[0].clone()],
            P2pShape::Star => vec![],
            P2pShape::Ring if n == 2 && i == 1 => vec![],
            P2pShape::Ring if n >= 2 => vec![nodes[(i + 1) % n].clone()],
            P2pShape::Ring | P2pShape::Explicit | P2pShape::Auto => vec![],
        })
        .collect();
    for (i, node) in nodes.iter().enumerate() {
        for p in extra.get(node).into_iter().flatten() {
            if !out[i].contains(p) && p != node {
                out[i].push(p.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn mesh_connects_every_pair_once() {
        let p = peers(&names(4), P2pShape::Mesh, &BTreeMap::new());
        assert_eq!(p[0], Vec::<String>::new());
        assert_eq!(p[3], ["n0", "n1", "n2"]);
        assert_eq!(p.iter().map(Vec::len).sum::<usize>(), 6);
    }

    #[test]
    fn auto_is_a_mesh_up_to_twelve_nodes_and_a_star_beyond() {
        let small = peers(&names(12), P2pShape::Auto, &BTreeMap::new());
        assert_eq!(small, peers(&names(12), P2pShape::Mesh, &BTreeMap::new()));
        let large = peers(&names(22), P2pShape::Auto, &BTreeMap::new());
        assert_eq!(large, peers(&names(22), P2pShape::Star, &BTreeMap::new()));
        assert_eq!(large.iter().map(Vec::len).sum::<usize>(), 21);
    }

    #[test]
    fn star_ring_and_explicit() {
        let star = peers(&names(3), P2pShape::Star, &BTreeMap::new());
        assert_eq!(star, vec![vec![], vec!["n0".to_string()], vec!["n0".to_string()]]);
        let ring = peers(&names(3), P2pShape::Ring, &BTreeMap::new());
        assert_eq!(ring, vec![vec!["n1".to_string()], vec!["n2".to_string()], vec!["n0".to_string()]]);
        let extra = BTreeMap::from([("n2".to_string(), vec!["n0".to_string(), "n0".to_string()])]);
        let explicit = peers(&names(3), P2pShape::Explicit, &extra);
        assert_eq!(explicit, vec![vec![], vec![], vec!["n0".to_string()]]);
    }
}
