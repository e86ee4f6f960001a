//! The files each node is started with, rendered from the plan without I/O.

mod config_ini;
mod genesis;

pub use config_ini::config_ini;
pub use genesis::genesis_json;

use crate::plan::{NetworkPlan, NodePlan};

/// A node's rendered files, by file name. `secret` files hold private keys (mode 0600, masked in
/// `lab plan` unless asked).
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedFile {
    pub name: &'static str,
    pub contents: String,
    pub secret: bool,
}

pub fn node_files(plan: &NetworkPlan, node: &NodePlan) -> Vec<RenderedFile> {
    vec![
        RenderedFile { name: "genesis.json", contents: genesis_json(plan), secret: false },
        RenderedFile { name: "config.ini", contents: config_ini(plan, node), secret: node.producer.is_some() },
        RenderedFile { name: "logging.json", contents: LOGGING_JSON.to_string(), secret: false },
    ]
}

/// nodeos logging: everything at info on stderr (what `lab logs` shows), but the per-connection
/// chatter of the p2p layer only from warnings up, so a mesh of 22 nodes stays readable.
pub const LOGGING_JSON: &str = r#"{
  "includes": [],
  "appenders": [
    {
      "name": "stderr",
      "type": "console",
      "args": { "stream": "std_error", "level_colors": [] },
      "enabled": true
    }
  ],
  "loggers": [
    { "name": "default", "level": "info", "enabled": true, "additivity": false, "appenders": ["stderr"] },
    { "name": "net_plugin_impl", "level": "warn", "enabled": true, "additivity": false, "appenders": ["stderr"] },
    { "name": "producer_plugin", "level": "info", "enabled": true, "additivity": false, "appenders": ["stderr"] },
    { "name": "transaction", "level": "warn", "enabled": true, "additivity": false, "appenders": ["stderr"] }
  ]
}
"#;
