//! The record of the faults in effect, per node, as `lab status` shows them. Pure updates of the
//! map [`crate::state::StateDir::faults`] keeps: a partition replaces the earlier partition, a
//! link setting replaces the node's earlier link settings, and each leaves the other alone.

use std::collections::BTreeMap;

use super::spec::LinkSpec;

pub type Record = BTreeMap<String, Vec<String>>;

const PARTITION: &str = "partition: ";

fn is_partition(entry: &str) -> bool {
    entry.starts_with(PARTITION)
}

/// The record after a partition that cut each node of `applied` from the nodes listed.
pub fn with_partition(mut record: Record, applied: &BTreeMap<String, Vec<String>>) -> Record {
    for entries in record.values_mut() {
        entries.retain(|e| !is_partition(e));
    }
    for (node, cut) in applied.iter().filter(|(_, cut)| !cut.is_empty()) {
        record.entry(node.clone()).or_default().insert(0, format!("{PARTITION}cut from {}", cut.join(", ")));
    }
    record.retain(|_, entries| !entries.is_empty());
    record
}

/// The record after `node`'s link was set to `spec` (a clear spec removes its link settings).
pub fn with_link(mut record: Record, node: &str, spec: &LinkSpec) -> Record {
    let entries = record.entry(node.to_string()).or_default();
    entries.retain(|e| is_partition(e));
    entries.extend(spec.describe());
    record.retain(|_, entries| !entries.is_empty());
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::spec::{parse_link, LinkArgs};

    fn cut(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs.iter().map(|(n, c)| (n.to_string(), c.iter().map(|s| s.to_string()).collect())).collect()
    }

    #[test]
    fn a_partition_replaces_the_last_and_keeps_link_settings() {
        let r = with_partition(Record::new(), &cut(&[("a", &["b", "c"]), ("b", &["a"]), ("c", &["a"])]));
        assert_eq!(r["a"], ["partition: cut from b, c"]);
        let loss = parse_link(&LinkArgs { loss: Some("30".into()), ..Default::default() }).unwrap();
        let r = with_link(r, "a", &loss);
        assert_eq!(r["a"], ["partition: cut from b, c", "loss 30%"]);
        let r = with_partition(r, &cut(&[("b", &["c"]), ("c", &["b"])]));
        assert_eq!(r["a"], ["loss 30%"]);
        assert_eq!(r["b"], ["partition: cut from c"]);
        let r = with_link(r, "a", &LinkSpec::default());
        assert!(!r.contains_key("a"), "{r:?}");
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn a_link_setting_replaces_the_nodes_last_one() {
        let loss = parse_link(&LinkArgs { loss: Some("30".into()), ..Default::default() }).unwrap();
        let rate = parse_link(&LinkArgs { rate: Some("1mbit".into()), ..Default::default() }).unwrap();
        let r = with_link(with_link(Record::new(), "a", &loss), "a", &rate);
        assert_eq!(r["a"], ["rate 1mbit"]);
    }
}
