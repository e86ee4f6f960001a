//! Validation of topologies: every error with its field path, all at once.

use super::*;
use crate::topology::{parse, TopologySource};

fn check(yaml: &str) -> Vec<(String, String)> {
    let source = TopologySource { topology: parse(yaml).unwrap(), path: None };
    match validate(&source) {
        Ok(_) => vec![],
        Err(e) => e.errors.into_iter().map(|e| (e.path, e.message)).collect(),
    }
}

#[test]
fn the_default_is_valid() {
    assert_eq!(check(crate::topology::DEFAULT_TOPOLOGY), vec![]);
}

#[test]
fn reports_every_problem_with_its_path() {
    let errs = check(
        "name: Bad Name\nproducers: [accountnum11, Prod1, accountnum11]\nextra_nodes: [genesis]\n\
         p2p: {peers: {nobody: [genesis], accountnum11: [ghost, accountnum11]}}\n\
         nodes: {genesis: {http_port: 8888}, accountnum11: {http_port: 8888}, ghost: {}}\nchain: {symbol: sys}\n",
    );
    let paths: Vec<&str> = errs.iter().map(|(p, _)| p.as_str()).collect();
    for expected in [
        "name",
        "chain.symbol",
        "producers[1]",
        "producers[2]",
        "extra_nodes[0]",
        "p2p.peers.nobody",
        "p2p.peers.accountnum11[0]",
        "p2p.peers.accountnum11[1]",
        "nodes.ghost",
    ] {
        assert!(paths.contains(&expected), "{expected} missing from {errs:#?}");
    }
    assert!(errs.iter().any(|(p, m)| p.ends_with("http_port") && m.contains("port 8888 is also given")), "{errs:#?}");
    assert!(errs.iter().any(|(p, m)| p == "producers[1]" && m.contains("'P'")));
    assert!(errs.iter().any(|(p, m)| p == "producers[2]" && m.contains("twice")));
}

#[test]
fn a_valid_topology_comes_back_with_what_validation_parsed() {
    let yaml = "chain: {symbol: EOS, distribute: '500.0000', ram_funds: '0.2500'}\n\
                accounts: {count: 6}\nproducers: [accountnum33, accountnum11]";
    let source = TopologySource { topology: parse(yaml).unwrap(), path: None };
    let v = validate(&source).unwrap();
    let token = v.token();
    assert_eq!(token.symbol, Symbol::parse_code("EOS", 4).unwrap());
    assert_eq!((token.distribute, token.ram_funds), (Amount(500_0000), Amount(2500)));
    assert_eq!(token.max_supply, Amount(100_000_000_000_000));
    assert_eq!(v.producers(), ["accountnum33", "accountnum11"]);
    assert_eq!(v.users(), ["accountnum12", "accountnum13", "accountnum14", "accountnum15"]);
    assert!(v.accounts_file().is_none());
    assert_eq!(v.topology(), &source.topology);
}

#[test]
fn zero_producers_is_an_error() {
    let errs = check("producers: 0");
    assert_eq!(errs[0].0, "producers");
    assert!(errs[0].1.contains("zero"));
}

#[test]
fn a_missing_accounts_file_is_an_error() {
    let errs = check("accounts: {file: /no/such/accounts.json}");
    assert_eq!(errs[0].0, "accounts.file");
    assert!(errs[0].1.contains("/no/such/accounts.json"));
}

#[test]
fn an_image_folder_missing_a_file_is_refused_naming_it() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("bin")).unwrap();
    let yaml = format!("image: {{files: {}}}", d.path().display());
    let errs = check(&yaml);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "image.files");
    for needle in ["bin/nodeos is missing", "contracts/eosio.system/eosio.system.wasm is missing"] {
        assert!(errs[0].1.contains(needle), "{}", errs[0].1);
    }
    assert_eq!(check(&format!("image: {{files: {}, recipe: default}}", d.path().display()))[0].0, "image");
}

#[test]
fn a_release_image_names_a_version_its_contracts_and_checks_the_rest() {
    let d = tempfile::tempdir().unwrap();
    for c in crate::image::files::REQUIRED_CONTRACTS {
        std::fs::create_dir_all(d.path().join(c)).unwrap();
        for ext in ["wasm", "abi"] {
            std::fs::write(d.path().join(format!("{c}/{c}.{ext}")), c).unwrap();
        }
    }
    let dir = d.path().display();
    assert_eq!(check(&format!("image: {{spring: 1.2.2, contracts: {dir}}}")), vec![]);
    let sha = "a".repeat(64);
    assert_eq!(
        check(&format!("image: {{spring: 1.2.2, contracts: {dir}, mirror: 'http://127.0.0.1:9/x', sha256: {sha}}}")),
        vec![]
    );
    // Every problem, each at its field.
    let errs = check("image: {spring: v1.2, mirror: 'ftp://x', sha256: abc}");
    let paths: Vec<&str> = errs.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(paths, ["image.spring", "image.mirror", "image.sha256", "image.contracts"], "{errs:?}");
    assert!(errs[3].1.contains("carries no system contracts"), "{}", errs[3].1);
    std::fs::remove_file(d.path().join("eosio.system/eosio.system.abi")).unwrap();
    let errs = check(&format!("image: {{spring: 1.2.2, contracts: {dir}}}"));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].1.contains("eosio.system/eosio.system.abi is missing"), "{}", errs[0].1);
    // What goes with `spring` is refused without it; `spring` is one source among the others.
    let errs = check("image: {sha256: abc, contracts: ./c}");
    assert_eq!(errs.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), ["image.sha256", "image.contracts"]);
    assert_eq!(check(&format!("image: {{spring: 1.2.2, contracts: {dir}, ref: a/b:1}}"))[0].0, "image");
}

#[test]
fn image_needs_one_source() {
    assert_eq!(check("image: {recipe: default, ref: x/y:1}")[0].0, "image");
    assert_eq!(check("image: {}"), vec![]);
    assert_eq!(check("image: {recipe: fancy}")[0].0, "image.recipe");
}

#[test]
fn placement_is_by_role_or_node_with_swarm_constraints() {
    assert_eq!(
        check("placement: {producer: [\"node.labels.region == eu\"], genesis: [\"node.role==manager\"]}"),
        vec![]
    );
    let errs =
        check("placement: {ghost: [\"node.hostname == a\"], accountnum11: [\"region = eu\", \"node.cpu == 4\"]}");
    let paths: Vec<&str> = errs.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["placement.accountnum11[0]", "placement.accountnum11[1]", "placement.ghost"]);
    assert!(errs[2].1.contains("neither a role"), "{errs:?}");
}

#[test]
fn owned_config_keys_are_refused() {
    let errs = check("node_defaults: {config: {producer-name: x, max-clients: 30}}");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, "node_defaults.config.producer-name");
}

#[test]
fn amounts_are_checked() {
    let errs = check("chain: {max_supply: '100.0000', distribute: '1000.0000', ram_funds: 'lots'}");
    let paths: Vec<&str> = errs.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["chain.ram_funds", "chain.distribute"]);
}

#[test]
fn a_node_s_own_image_is_checked_as_the_lab_s_under_its_path() {
    let errs = check(
        "name: x\nnode_defaults: {image: {ref: a/b:1}}\n\
         nodes: {accountnum11: {image: {files: /nowhere/spring, ref: a/b:2}}, accountnum22: {image: {ref: ok/spring:1}}}\n",
    );
    let paths: Vec<&str> = errs.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.contains(&"node_defaults.image"), "{errs:#?}");
    assert!(paths.contains(&"nodes.accountnum11.image"), "one source only: {errs:#?}");
    assert!(paths.contains(&"nodes.accountnum11.image.files"), "{errs:#?}");
    assert!(!paths.iter().any(|p| p.starts_with("nodes.accountnum22")), "{errs:#?}");
    assert_eq!(check("name: x\nnodes: {accountnum22: {image: {ref: ok/spring:1}}}\n"), vec![]);
}
