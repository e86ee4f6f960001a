//! The schema accepts what the parser accepts and refuses what it refuses: the default, what
//! `lab init` writes, the example in docs/topology.md; an unknown field anywhere is refused by both.

use serde_json::Value;

use super::schema::topology_schema;
use super::{init_file, parse, DEFAULT_TOPOLOGY};

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&topology_schema()).expect("the schema is a valid JSON Schema")
}

fn as_json(yaml: &str) -> Value {
    serde_norway::from_str(yaml).expect("YAML")
}

fn schema_errors(yaml: &str) -> Vec<String> {
    validator().iter_errors(&as_json(yaml)).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

/// The YAML block under "## The topology file" in docs/topology.md.
fn readme_example() -> String {
    let readme = include_str!("../../docs/topology.md");
    let section = readme.split("## The topology file").nth(1).expect("docs/topology.md has the section");
    let block = section.split("```yaml\n").nth(1).expect("a yaml block").split("```").next().unwrap();
    block.to_string()
}

#[test]
fn default_init_and_readme_topologies_validate() {
    for (what, yaml) in [
        ("the default", DEFAULT_TOPOLOGY.to_string()),
        ("lab init", init_file("lab", 4, 21)),
        ("lab init --producers 21", init_file("big", 21, 179)),
        ("docs/topology.md's example", readme_example()),
    ] {
        parse(&yaml).unwrap_or_else(|e| panic!("the parser refuses {what}: {e}"));
        assert_eq!(schema_errors(&yaml), Vec::<String>::new(), "the schema refuses {what}");
    }
}

#[test]
fn unknown_fields_are_refused_by_schema_and_parser_alike() {
    for yaml in [
        "nme: lab\n",
        "chain:\n  symbl: SYS\n",
        "image:\n  recipie: default\n",
        "accounts:\n  cont: 3\n",
        "p2p:\n  shap: ring\n",
        "nodes:\n  genesis:\n    http-port: 8888\n",
        "node_defaults:\n  arg: []\n",
    ] {
        assert!(parse(yaml).is_err(), "the parser accepts {yaml:?}");
        assert!(!schema_errors(yaml).is_empty(), "the schema accepts {yaml:?}");
    }
}

#[test]
fn wrong_types_are_refused_by_both() {
    for yaml in [
        "producers: {a: 1}\n",
        "producers: -2\n",
        "p2p:\n  shape: hexagon\n",
        "nodes:\n  genesis:\n    http_port: 99999\n",
        "chain:\n  voters: many\n",
    ] {
        assert!(parse(yaml).is_err(), "the parser accepts {yaml:?}");
        assert!(!schema_errors(yaml).is_empty(), "the schema accepts {yaml:?}");
    }
    // Both forms of `producers` and of a config value are accepted by both.
    for yaml in [
        "producers: 21\n",
        "producers: [accountnum11, accountnum22]\n",
        "node_defaults:\n  config: {max-clients: 50, plugin: [a, b], enable-stale-production: true}\n",
    ] {
        parse(yaml).unwrap();
        assert_eq!(schema_errors(yaml), Vec::<String>::new(), "{yaml:?}");
    }
}

#[test]
fn descriptions_come_from_the_types() {
    let schema = topology_schema();
    let props = &schema["properties"];
    assert!(props["name"]["description"].as_str().unwrap().contains("antelope-lab.name"));
    assert!(props["extra_nodes"]["description"].as_str().unwrap().contains("Non-producing"));
    assert_eq!(schema["additionalProperties"], Value::Bool(false));
    let chain = &schema["definitions"]["ChainConfig"]["properties"];
    assert!(chain["votes_per_voter"]["description"].as_str().unwrap().contains("at most 30"));
    assert_eq!(chain["symbol"]["default"], "SYS");
}

#[test]
fn init_names_the_schema_in_its_first_line() {
    let text = init_file("lab", 4, 21);
    assert_eq!(text.lines().next().unwrap(), "# yaml-language-server: $schema=./lab.schema.json");
}
