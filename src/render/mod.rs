//! The files each node is started with, rendered from the plan without I/O.

mod config_ini;
mod genesis;

pub(crate) use config_ini::config_ini;
pub(crate) use genesis::genesis_json;

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
/// chatter of the p2p layer only from warnings up, so a mesh of 22 nodes stays readable; and each
/// transaction a node refuses, with why, whether relaying it or making a block (a line per
/// refusal): `lab load` finds there where a transaction the API accepted was dropped.
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
    { "name": "transaction", "level": "warn", "enabled": true, "additivity": false, "appenders": ["stderr"] },
    { "name": "transaction_failure_tracing", "level": "debug", "enabled": true, "additivity": false, "appenders": ["stderr"] }
  ]
}
"#;

#[cfg(test)]
mod tests {
    //! Golden files: the rendered files of the default topology with a fixed seed. After an
    //! intended change, `UPDATE_SNAPSHOTS=1 cargo test render` writes them anew; review the diff.

    use std::path::PathBuf;

    use super::*;
    use crate::topology::{parse, TopologySource, DEFAULT_TOPOLOGY};

    fn check(name: &str, actual: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/render/snapshots").join(name);
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
        assert_eq!(actual, expected, "{name} differs from its snapshot (UPDATE_SNAPSHOTS=1 to accept)");
    }

    fn plan(yaml: &str) -> NetworkPlan {
        let source = TopologySource { topology: parse(yaml).unwrap(), path: None };
        NetworkPlan::build(&source, "snapshot-seed").unwrap()
    }

    #[test]
    fn default_genesis_json() {
        let p = plan(DEFAULT_TOPOLOGY);
        check("genesis.json", &genesis_json(&p));
    }

    #[test]
    fn default_config_ini_of_genesis_and_a_producer() {
        let p = plan(DEFAULT_TOPOLOGY);
        check("genesis.config.ini", &config_ini(&p, p.genesis()));
        check("accountnum44.config.ini", &config_ini(&p, p.node("accountnum44").unwrap()));
    }

    #[test]
    fn overrides_reach_the_files() {
        let p = plan(
            "chain: {genesis: {initial_configuration: {max_block_cpu_usage: 200000}}}\n\
             nodes: {accountnum11: {config: {max-clients: 50, plugin: [eosio::chain_api_plugin, eosio::net_plugin]}}}",
        );
        let genesis: serde_json::Value = serde_json::from_str(&genesis_json(&p)).unwrap();
        assert_eq!(genesis["initial_configuration"]["max_block_cpu_usage"], 200000);
        assert_eq!(genesis["initial_configuration"]["max_transaction_cpu_usage"], 50000, "other keys stay");
        let ini = config_ini(&p, p.node("accountnum11").unwrap());
        assert!(ini.contains("max-clients = 50\n") && !ini.contains("max-clients = 15"), "{ini}");
        assert_eq!(ini.matches("plugin = ").count(), 2, "{ini}");
    }

    #[test]
    fn serving_nodes_read_on_the_main_thread_and_history_nodes_keep_state_history() {
        use crate::plan::NodeosFacts;
        let p = plan("extra_nodes: [relay, {name: api, role: api}, {name: history, role: history}]\n");
        let ini = |p: &NetworkPlan, n: &str| config_ini(p, p.node(n).unwrap());
        for n in ["relay", "api", "history"] {
            assert!(ini(&p, n).contains("read-only-threads = 0\n"), "{n}: {}", ini(&p, n));
        }
        for n in ["genesis", "accountnum11"] {
            assert!(!ini(&p, n).contains("read-only-threads"), "{n}: {}", ini(&p, n));
        }
        let history = ini(&p, "history");
        for line in [
            "plugin = eosio::state_history_plugin\n",
            "state-history-endpoint = 0.0.0.0:8080\n",
            "trace-history = true\n",
            "chain-state-history = true\n",
        ] {
            assert!(history.contains(line), "{line}{history}");
            assert!(!ini(&p, "api").contains(line), "{line}");
        }
        // The trace API where the image's nodeos has it, not where it does not.
        let mut known: std::collections::BTreeSet<String> =
            history.lines().filter_map(|l| l.split_once(" = ")).map(|(k, _)| k.to_string()).collect();
        let without = p.clone().with_nodeos(NodeosFacts { config_options: Some(known.clone()), savanna: false });
        assert!(!ini(&without, "history").contains("trace_api_plugin"));
        known.insert("trace-dir".into());
        let with = p.clone().with_nodeos(NodeosFacts { config_options: Some(known), savanna: false });
        let traced = ini(&with, "history");
        assert!(
            traced.contains("plugin = eosio::trace_api_plugin\n") && traced.contains("trace-no-abis = true\n"),
            "{traced}"
        );
        // A node's own entry replaces lab's.
        let p = plan("extra_nodes: [{name: api, role: api}]\nnodes: {api: {config: {read-only-threads: 2, read-only-read-window-time-us: 250000}}}\n");
        let api = ini(&p, "api");
        assert!(api.contains("read-only-threads = 2\n") && !api.contains("read-only-threads = 0"), "{api}");
    }

    #[test]
    fn only_options_the_nodeos_knows_and_bls_keys_only_with_savanna() {
        use crate::plan::NodeosFacts;
        let p = plan(DEFAULT_TOPOLOGY);
        let producer = |p: &NetworkPlan| config_ini(p, p.node("accountnum11").unwrap());
        // Not asked: what the default image's nodeos takes, no finalizer key.
        let unknown = producer(&p);
        assert!(unknown.contains("eos-vm-oc-enable = none\n") && !unknown.contains("PUB_BLS_"), "{unknown}");
        // A nodeos built without EOS VM OC, with Savanna.
        let mut known: std::collections::BTreeSet<String> =
            unknown.lines().filter_map(|l| l.split_once(" = ")).map(|(k, _)| k.to_string()).collect();
        known.remove("eos-vm-oc-enable");
        let spring = p.clone().with_nodeos(NodeosFacts { config_options: Some(known.clone()), savanna: true });
        let ini = producer(&spring);
        assert!(!ini.contains("eos-vm-oc-enable"), "{ini}");
        let bls = spring.producers().next().unwrap().finalizer.clone().unwrap();
        assert!(ini.contains(&format!("signature-provider = {}=KEY:{}\n", bls.public, bls.private)), "{ini}");
        assert_eq!(ini.matches("signature-provider = ").count(), 2, "the account key and the BLS key");
        // The genesis node finalizes alone from the switch in `sys-contract` until the producers
        // take over, with its own key; on Leap it has none.
        let eosio = spring.genesis().producer.as_ref().unwrap().finalizer.clone().unwrap();
        assert!(config_ini(&spring, spring.genesis()).contains(&format!("signature-provider = {}=KEY:", eosio.public)));
        assert_ne!(eosio.public, bls.public);
        assert!(!config_ini(&p, p.genesis()).contains("PUB_BLS_"));
        // Known options, no Savanna (Leap 4.1): as before.
        known.insert("eos-vm-oc-enable".into());
        let leap = p.clone().with_nodeos(NodeosFacts { config_options: Some(known), savanna: false });
        assert_eq!(producer(&leap), unknown);
    }

    #[test]
    fn a_node_on_an_image_of_its_own_is_rendered_for_that_image_s_nodeos() {
        use crate::plan::NodeosFacts;
        let yaml = format!("{DEFAULT_TOPOLOGY}\nnodes: {{accountnum11: {{image: {{ref: example/spring:1}}}}}}\n");
        let yaml = yaml.replace("nodes:\n  genesis:\n    http_port: 8888", "");
        let p = plan(&yaml);
        let node = p.node("accountnum11").unwrap();
        assert_eq!(p.image_of(node).reference(), "example/spring:1");
        assert_eq!(p.image_of(p.node("accountnum22").unwrap()).reference(), p.image.reference());
        assert_eq!(p.node_images().len(), 1);
        // The lab's nodeos is Leap; the node's is Spring: only the node carries its BLS key.
        let leap = NodeosFacts { config_options: None, savanna: false };
        let spring = NodeosFacts { config_options: None, savanna: true };
        let p = p.with_nodeos(leap).with_image_facts([("example/spring:1".to_string(), spring)].into());
        assert!(config_ini(&p, p.node("accountnum11").unwrap()).contains("PUB_BLS_"));
        assert!(!config_ini(&p, p.node("accountnum22").unwrap()).contains("PUB_BLS_"));
    }

    #[test]
    fn producer_files_are_secret_and_plugins_start_with_an_api_plugin() {
        let p = plan(DEFAULT_TOPOLOGY);
        for node in &p.nodes {
            let files = node_files(&p, node);
            let ini = files.iter().find(|f| f.name == "config.ini").unwrap();
            assert!(ini.secret, "{} holds a private key", node.name);
            // This nodeos build crashes when producer_plugin is named first.
            let first = ini.contents.lines().find(|l| l.starts_with("plugin = ")).unwrap();
            assert_ne!(first, "plugin = eosio::producer_plugin");
        }
        serde_json::from_str::<serde_json::Value>(LOGGING_JSON).unwrap();
    }
}
