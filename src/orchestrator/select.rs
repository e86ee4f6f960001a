//! Nodes named on the command line, resolved against the plan before anything is done.

use crate::plan::{NetworkPlan, NodePlan};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SelectError {
    #[error("{} of lab `{lab}` (its nodes: {})", quoted(.unknown), .valid.join(", "))]
    Unknown { lab: String, unknown: Vec<String>, valid: Vec<String> },
    #[error("name at least one node of lab `{lab}` (its nodes: {})", .valid.join(", "))]
    NoneNamed { lab: String, valid: Vec<String> },
}

fn quoted(names: &[String]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    match q.len() {
        1 => format!("{} is not a node", q[0]),
        _ => format!("{} are not nodes", q.join(", ")),
    }
}

/// The nodes named, in the plan's order and each once; every node when `names` is empty and
/// `all_when_empty`. Every unknown name is reported at once, with the valid ones. Pure.
pub fn select<'a>(
    plan: &'a NetworkPlan,
    names: &[String],
    all_when_empty: bool,
) -> Result<Vec<&'a NodePlan>, SelectError> {
    let valid = || plan.nodes.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
    if names.is_empty() {
        if all_when_empty {
            return Ok(plan.nodes.iter().collect());
        }
        return Err(SelectError::NoneNamed { lab: plan.lab.clone(), valid: valid() });
    }
    let mut unknown: Vec<String> = names.iter().filter(|n| plan.node(n).is_none()).cloned().collect();
    unknown.dedup();
    if !unknown.is_empty() {
        return Err(SelectError::Unknown { lab: plan.lab.clone(), unknown, valid: valid() });
    }
    Ok(plan.nodes.iter().filter(|n| names.contains(&n.name)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::{parse, TopologySource, DEFAULT_TOPOLOGY};

    fn plan() -> NetworkPlan {
        NetworkPlan::build(&TopologySource { topology: parse(DEFAULT_TOPOLOGY).unwrap(), path: None }, "s").unwrap()
    }

    fn names(nodes: &[&NodePlan]) -> Vec<String> {
        nodes.iter().map(|n| n.name.clone()).collect()
    }

    #[test]
    fn named_nodes_come_in_plan_order_once() {
        let plan = plan();
        let picked = select(&plan, &["accountnum33".into(), "genesis".into(), "accountnum33".into()], false).unwrap();
        assert_eq!(names(&picked), ["genesis", "accountnum33"]);
        assert_eq!(select(&plan, &[], true).unwrap().len(), plan.nodes.len());
    }

    #[test]
    fn unknown_names_are_all_reported_with_the_valid_ones() {
        let plan = plan();
        let err = select(&plan, &["nope".into(), "genesis".into(), "bp9".into()], false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"nope\", \"bp9\" are not nodes of lab `lab` (its nodes: genesis, accountnum11, accountnum22, \
             accountnum33, accountnum44)"
        );
        let err = select(&plan, &[], false).unwrap_err().to_string();
        assert!(err.starts_with("name at least one node of lab `lab`"), "{err}");
    }
}
