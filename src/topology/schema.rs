//! The JSON Schema of `lab.yaml`, derived from the very types the parser fills ([`Topology`] and
//! its parts), so that what an editor accepts and what `lab` accepts cannot drift apart: their doc
//! comments are the descriptions, `deny_unknown_fields` is `additionalProperties: false`.

use serde_json::Value;

use super::Topology;

/// The file `lab init` writes the schema to, beside the topology, and names in its modeline.
pub const SCHEMA_FILE: &str = "lab.schema.json";

/// The first line of a topology `lab init` writes: the yaml-language-server modeline that makes
/// editors (VS Code's YAML extension, Helix, Neovim with yamlls) validate and complete the file.
pub fn modeline() -> String {
    format!("# yaml-language-server: $schema=./{SCHEMA_FILE}")
}

/// The schema, as JSON.
pub fn topology_schema() -> Value {
    let schema = schemars::schema_for!(Topology);
    let mut value = serde_json::to_value(schema).expect("a schema serializes");
    bound_integers(&mut value);
    value
}

/// schemars names an integer's width as a `format` editors ignore; the parser refuses a port of
/// 99999, so the schema says the bound too.
fn bound_integers(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let max = match map.get("format").and_then(Value::as_str) {
                Some("uint8") => Some(u64::from(u8::MAX)),
                Some("uint16") => Some(u64::from(u16::MAX)),
                Some("uint32") => Some(u64::from(u32::MAX)),
                _ => None,
            };
            if let Some(max) = max {
                map.entry("maximum").or_insert(max.into());
            }
            map.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// The schema as `lab schema` prints it and `lab init` writes it.
pub fn topology_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&topology_schema()).expect("a schema serializes");
    text.push('\n');
    text
}
