//! Where a client on the host reaches a node: what its container publishes on 127.0.0.1.

use crate::plan::{HTTP_PORT, P2P_PORT};
use crate::runtime::ContainerInfo;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Endpoints {
    /// `http://127.0.0.1:PORT`, when the node's API is published.
    pub api_url: Option<String>,
    /// `127.0.0.1:PORT`, when the node's p2p port is published.
    pub p2p_address: Option<String>,
}

/// The endpoints a container publishes (the lab publishes on 127.0.0.1 only).
pub fn of(c: &ContainerInfo) -> Endpoints {
    let host = |port: u16| c.ports.iter().find(|(p, _)| *p == port).map(|(_, h)| *h);
    Endpoints {
        api_url: host(HTTP_PORT).map(|p| format!("http://127.0.0.1:{p}")),
        p2p_address: host(P2P_PORT).map(|p| format!("127.0.0.1:{p}")),
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
            ports: vec![(HTTP_PORT, 18950), (P2P_PORT, 18951)],
            addresses: Default::default(),
        };
        assert_eq!(
            of(&c),
            Endpoints { api_url: Some("http://127.0.0.1:18950".into()), p2p_address: Some("127.0.0.1:18951".into()) }
        );
        assert_eq!(of(&ContainerInfo { ports: vec![], ..c }), Endpoints::default());
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
