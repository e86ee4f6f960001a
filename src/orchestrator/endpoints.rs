//! Where a client on the host reaches a node: what its container publishes on 127.0.0.1.

use crate::plan::{HTTP_PORT, P2P_PORT, SHIP_PORT};
use crate::runtime::ContainerInfo;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Endpoints {
    /// `http://127.0.0.1:PORT`, when the node's API is published.
    pub api_url: Option<String>,
    /// `127.0.0.1:PORT`, when the node's p2p port is published.
    pub p2p_address: Option<String>,
    /// `ws://127.0.0.1:PORT`, when a history node's state-history websocket is published.
    pub ship_url: Option<String>,
}

/// The endpoints a container publishes (the lab publishes on 127.0.0.1 only).
pub fn of(c: &ContainerInfo) -> Endpoints {
    let host = |port: u16| c.ports.iter().find(|(p, _)| *p == port).map(|(_, h)| *h);
    Endpoints {
        api_url: host(HTTP_PORT).map(|p| format!("http://127.0.0.1:{p}")),
        p2p_address: host(P2P_PORT).map(|p| format!("127.0.0.1:{p}")),
        ship_url: host(SHIP_PORT).map(|p| format!("ws://127.0.0.1:{p}")),
    }
}

/// What a lab serves to clients on the host, read from its node containers (in node order).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Served {
    /// The running api nodes' HTTP APIs; the genesis node's when the lab has no api node.
    pub api_urls: Vec<String>,
    /// The history nodes' state-history websockets.
    pub ship_urls: Vec<String>,
    /// The history nodes' HTTP APIs (the chain API, and the trace API where the image has it).
    pub history_urls: Vec<String>,
}

/// What the lab's `containers` publish, by their role labels. Pure.
pub fn served(containers: &[ContainerInfo]) -> Served {
    let of_role = |r: &'static str| {
        containers.iter().filter(move |c| c.labels.get(crate::labels::ROLE).map(String::as_str) == Some(r)).map(of)
    };
    // A lab without api nodes is served by its genesis node; one whose api nodes are all
    // stopped serves nothing (a stopped container publishes no port), and says so.
    let has_api_nodes = of_role("api").next().is_some();
    let api_urls: Vec<String> =
        of_role(if has_api_nodes { "api" } else { "genesis" }).filter_map(|e| e.api_url).collect();
    Served {
        api_urls,
        ship_urls: of_role("history").filter_map(|e| e.ship_url).collect(),
        history_urls: of_role("history").filter_map(|e| e.api_url).collect(),
    }
}

/// `'value'` for a POSIX shell: nothing in it is expanded.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// `export NAME='value'` lines.
pub fn exports(vars: &[(&str, String)]) -> String {
    vars.iter().map(|(k, v)| format!("export {k}={}\n", shell_quote(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_ports_become_urls() {
        let c = ContainerInfo {
            name: "x-genesis".into(),
            id: "1".into(),
            image: "i".into(),
            state: crate::runtime::ContainerState::Running,
            exit_code: None,
            labels: Default::default(),
            ports: vec![(HTTP_PORT, 18950), (P2P_PORT, 18951), (SHIP_PORT, 18952)],
            addresses: Default::default(),
        };
        assert_eq!(
            of(&c),
            Endpoints {
                api_url: Some("http://127.0.0.1:18950".into()),
                p2p_address: Some("127.0.0.1:18951".into()),
                ship_url: Some("ws://127.0.0.1:18952".into()),
            }
        );
        assert_eq!(of(&ContainerInfo { ports: vec![], ..c }), Endpoints::default());
    }

    #[test]
    fn api_nodes_serve_the_api_else_the_genesis_node() {
        let c = |name: &str, role: &str, ports: Vec<(u16, u16)>| ContainerInfo {
            name: name.into(),
            id: name.into(),
            image: "i".into(),
            state: crate::runtime::ContainerState::Running,
            exit_code: None,
            labels: [(crate::labels::ROLE.to_string(), role.to_string())].into(),
            ports,
            addresses: Default::default(),
        };
        let genesis = c("x-genesis", "genesis", vec![(HTTP_PORT, 8888)]);
        let relay = c("x-relay", "node", vec![(HTTP_PORT, 9000)]);
        assert_eq!(served(&[genesis.clone(), relay.clone()]).api_urls, ["http://127.0.0.1:8888"]);
        // An api node that is stopped publishes nothing: the lab serves no API, not the genesis one.
        let stopped = c("x-a1", "api", vec![]);
        assert!(served(&[genesis.clone(), stopped]).api_urls.is_empty());
        let all = [
            genesis,
            relay,
            c("x-a1", "api", vec![(HTTP_PORT, 9001)]),
            c("x-a2", "api", vec![(HTTP_PORT, 9002)]),
            c("x-h", "history", vec![(HTTP_PORT, 9003), (SHIP_PORT, 9004)]),
        ];
        assert_eq!(
            served(&all),
            Served {
                api_urls: vec!["http://127.0.0.1:9001".into(), "http://127.0.0.1:9002".into()],
                ship_urls: vec!["ws://127.0.0.1:9004".into()],
                history_urls: vec!["http://127.0.0.1:9003".into()],
            }
        );
    }

    #[test]
    fn values_are_quoted_for_the_shell() {
        let out = exports(&[("LAB_NAME", "a".into()), ("LAB_STATE_DIR", "/x y/it's $HOME".into())]);
        assert_eq!(out, "export LAB_NAME='a'\nexport LAB_STATE_DIR='/x y/it'\\''s $HOME'\n");
        let sh = std::process::Command::new("sh").arg("-c").arg(format!("{out}printf %s \"$LAB_STATE_DIR\"")).output();
        if let Ok(o) = sh {
            assert_eq!(String::from_utf8_lossy(&o.stdout), "/x y/it's $HOME");
        }
    }
}
