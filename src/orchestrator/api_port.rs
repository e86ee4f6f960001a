//! The host ports a lab publishes without being told. A topology that names no port still gets
//! the genesis node's API on 127.0.0.1: the port the file gives, else the one the lab kept from
//! its first `up` (a restart keeps its URL), else 8888 when free, else one the system hands out.
//! The api and history nodes' HTTP port and a history node's SHiP websocket likewise: given, else
//! kept, else one the system hands out. The choice is kept in the lab's state folder for the
//! lab's life ([`StateDir::api_port`], [`StateDir::host_ports`]).

use std::net::TcpListener;

use crate::plan::{NetworkPlan, Role, HTTP_PORT};
use crate::runtime::RuntimeError;
use crate::state::StateDir;
use crate::topology::NodeRole;

/// Where the port came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSource {
    Given,
    Kept,
    Default,
    Free,
}

/// The rule, pure: `is_free` says whether a port can be bound now, `any_free` asks the system for
/// an unused one.
pub fn choose(
    given: Option<u16>,
    kept: Option<u16>,
    is_free: impl Fn(u16) -> bool,
    any_free: impl FnOnce() -> Option<u16>,
) -> Option<(u16, PortSource)> {
    if let Some(p) = given {
        return Some((p, PortSource::Given));
    }
    if let Some(p) = kept {
        return Some((p, PortSource::Kept));
    }
    if is_free(HTTP_PORT) {
        return Some((HTTP_PORT, PortSource::Default));
    }
    any_free().map(|p| (p, PortSource::Free))
}

/// Whether 127.0.0.1:`port` can be bound now.
pub fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// A port the system considers unused now. Between this answer and the container binding it,
/// another process may take it: `up` then fails with "port is already allocated" and a rerun
/// chooses again (nothing was kept).
pub fn any_free_port() -> Option<u16> {
    TcpListener::bind(("127.0.0.1", 0)).ok().and_then(|l| l.local_addr().ok()).map(|a| a.port())
}

/// Gives the plan's genesis node its API port by the rule, and every api and history node its
/// ports. The kept ports are read from `state`; `up` keeps them once the lab's files are written
/// ([`StateDir::write_plan`]).
pub fn apply(plan: &mut NetworkPlan, state: &StateDir) -> Option<PortSource> {
    apply_served(plan, &state.host_ports(), any_free_port);
    let kept = state.api_port();
    let genesis = plan.nodes.iter_mut().find(|n| n.role == Role::Genesis)?;
    let (port, source) = choose(genesis.host_http_port, kept, port_is_free, any_free_port)?;
    genesis.host_http_port = Some(port);
    Some(source)
}

/// The api and history nodes' ports: given, else `kept` (by node and kind), else from `any_free`
/// (never one another node of the plan publishes).
fn apply_served(
    plan: &mut NetworkPlan,
    kept: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, u16>>,
    mut any_free: impl FnMut() -> Option<u16>,
) {
    let mut used: Vec<u16> = plan.nodes.iter().flat_map(|n| n.host_ports()).map(|p| p.host).collect();
    for node in plan.nodes.iter_mut().filter(|n| n.role != Role::Genesis && n.role.serves_api()) {
        let history = node.role == Role::History;
        for (kind, slot) in [("http_port", &mut node.host_http_port), ("ship_port", &mut node.host_ship_port)] {
            if slot.is_some() || (kind == "ship_port" && !history) {
                continue;
            }
            let kept = kept.get(&node.name).and_then(|k| k.get(kind)).copied().filter(|p| !used.contains(p));
            // The system may hand out the same free port twice in a row; ask again then.
            *slot = kept.or_else(|| (0..8).filter_map(|_| any_free()).find(|p| !used.contains(p)));
            used.extend(*slot);
        }
    }
}

/// Whether `e` says the lab's host port is held by another process: the engine refused to start
/// a container for it ([`RuntimeError::PortTaken`]), or `up` found it held before it created
/// anything ([`super::PortsBusy`]). By the error's type, not its text.
fn port_taken(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(c.downcast_ref::<RuntimeError>(), Some(RuntimeError::PortTaken { .. })) || c.is::<super::PortsBusy>()
    })
}

/// Whether the lab's API port is fixed: given in the topology, or kept in `state` from an
/// earlier `up`. Only a port the rule chose this time is chosen again.
pub fn port_fixed(topology: &crate::topology::Topology, state: &StateDir) -> bool {
    let served_given = topology.extra_nodes.iter().all(|n| {
        let own = topology.nodes.get(n.name());
        match n.role() {
            NodeRole::Node => true,
            NodeRole::Api => own.and_then(|o| o.http_port).is_some(),
            NodeRole::History => own.is_some_and(|o| o.http_port.is_some() && o.ship_port.is_some()),
        }
    });
    (port_given(topology) && served_given) || state.api_port().is_some()
}

/// Whether the topology gives the genesis node's API port.
pub fn port_given(topology: &crate::topology::Topology) -> bool {
    topology.nodes.get(crate::topology::GENESIS_NODE).and_then(|n| n.http_port).is_some()
}

/// Runs `up` again, up to three times, when it failed because the port the rule chose was taken
/// between the choice and the container's start (another lab's `up` at the same instant) and
/// the port is not fixed (`port_fixed` is false: not in the file, and the failed `up` undid the
/// lab, its state folder included, so the next attempt chooses again). A port given in the file
/// or kept from an earlier `up` fails as it is.
pub async fn retry_when_taken<T, F, Fut>(port_fixed: impl Fn() -> bool, mut up: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut attempt = 1;
    loop {
        match up().await {
            Err(e) if attempt < 3 && port_taken(&e) && !port_fixed() => {
                tracing::warn!("the API port was taken while the lab came up; choosing another ({e:#})");
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_in_the_file_or_kept_is_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir { root: dir.path().join("x") };
        let topology = |yaml: &str| crate::topology::parse(yaml).unwrap();
        assert!(port_fixed(&topology("name: x\nnodes:\n  genesis:\n    http_port: 9999\n"), &state));
        assert!(!port_fixed(&topology("name: x\n"), &state));
        state.keep_api_port(9998).unwrap();
        assert!(port_fixed(&topology("name: x\n"), &state), "kept from an earlier up");
    }

    #[tokio::test]
    async fn a_port_taken_meanwhile_is_chosen_again_unless_kept() {
        let calls = std::cell::Cell::new(0);
        let taken = || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 2 {
                    let message = "Bind for 127.0.0.1:8888 failed: port is already allocated".to_string();
                    return Err(RuntimeError::PortTaken { target: "lab-genesis".into(), message }.into());
                }
                Ok(n)
            }
        };
        assert_eq!(retry_when_taken(|| false, taken).await.unwrap(), 2);
        calls.set(0);
        assert!(retry_when_taken(|| true, taken).await.is_err(), "a kept port is not chosen again");
        assert_eq!(calls.get(), 1);
        // Words are not a type: an error that only says so is not retried.
        calls.set(0);
        let words = || {
            calls.set(calls.get() + 1);
            async { anyhow::bail!("start lab-genesis: port is already allocated") as anyhow::Result<()> }
        };
        assert!(retry_when_taken(|| false, words).await.is_err());
        assert_eq!(calls.get(), 1);
        let busy = || {
            calls.set(calls.get() + 1);
            async {
                Err(super::super::PortsBusy(vec!["nodes.genesis.http_port: port 8888".into()]).into())
                    as anyhow::Result<()>
            }
        };
        calls.set(0);
        assert!(retry_when_taken(|| false, busy).await.is_err());
        assert_eq!(calls.get(), 3, "tried three times");
    }

    #[test]
    fn api_and_history_nodes_get_ports_given_kept_or_free_and_never_twice() {
        let yaml = "name: x\nextra_nodes: [relay, {name: api, role: api}, {name: ship, role: history}]\n\
                    nodes: {ship: {ship_port: 9100}, genesis: {http_port: 9000}}\n";
        let source = crate::topology::TopologySource { topology: crate::topology::parse(yaml).unwrap(), path: None };
        let mut plan = NetworkPlan::build(&source, "s").unwrap();
        let kept = std::collections::BTreeMap::from([(
            "ship".to_string(),
            std::collections::BTreeMap::from([("http_port".to_string(), 9200u16), ("ship_port".to_string(), 9300)]),
        )]);
        // The system answers 9000 (the genesis node's) first, then 9001 twice.
        let mut answers = vec![9001, 9001, 9000].into_iter().rev().collect::<Vec<_>>();
        let mut free = || answers.pop();
        apply_served(&mut plan, &kept, &mut free);
        let ports = |n: &str| {
            let n = plan.node(n).unwrap();
            (n.host_http_port, n.host_ship_port)
        };
        assert_eq!(ports("relay"), (None, None), "a plain node publishes nothing unasked");
        assert_eq!(ports("api"), (Some(9001), None));
        assert_eq!(ports("ship"), (Some(9200), Some(9100)), "given wins, then kept");
        let topology = |yaml: &str| crate::topology::parse(yaml).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir { root: dir.path().join("x") };
        assert!(!port_fixed(&topology(yaml), &state), "the api node's port is chosen");
        assert!(port_fixed(
            &topology("name: x\nextra_nodes: [{name: api, role: api}]\nnodes: {genesis: {http_port: 1}, api: {http_port: 2}}\n"),
            &state
        ));
    }

    #[test]
    fn the_given_port_wins_then_the_kept_one_then_8888_then_any() {
        let none = || -> Option<u16> { panic!("no free port needed") };
        assert_eq!(choose(Some(9000), Some(9001), |_| true, none), Some((9000, PortSource::Given)));
        assert_eq!(choose(Some(9000), None, |_| false, none), Some((9000, PortSource::Given)));
        assert_eq!(choose(None, Some(9001), |_| false, none), Some((9001, PortSource::Kept)));
        assert_eq!(choose(None, None, |p| p == 8888, none), Some((8888, PortSource::Default)));
        assert_eq!(choose(None, None, |_| false, || Some(40123)), Some((40123, PortSource::Free)));
        assert_eq!(choose(None, None, |_| false, || None), None);
    }

    #[test]
    fn a_taken_8888_gives_another_port_and_a_kept_one_stays() {
        let holder = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let taken = holder.local_addr().unwrap().port();
        assert!(!port_is_free(taken));
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir { root: dir.path().join("x") };
        assert_eq!(state.api_port(), None);
        state.keep_api_port(taken).unwrap();
        assert_eq!(state.api_port(), Some(taken));
        let source =
            crate::topology::TopologySource { topology: crate::topology::parse("name: x\n").unwrap(), path: None };
        let mut plan = NetworkPlan::build(&source, "s").unwrap();
        assert_eq!(plan.genesis().host_http_port, None);
        assert_eq!(apply(&mut plan, &state), Some(PortSource::Kept));
        assert_eq!(plan.genesis().host_http_port, Some(taken));
    }
}
