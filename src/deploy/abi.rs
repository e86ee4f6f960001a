//! Whether the chain's ABI is the file's: both as JSON, with what only one side spells out
//! (empty lists and strings nodeos adds, comments abigen writes) left aside.

use serde_json::Value;

/// `v` without object fields that are empty (`[]`, `""`, `null`, `{}`) or comments (`____…`).
pub fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !k.starts_with("____"))
                .map(|(k, v)| (k.clone(), normalize(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Whether the chain's ABI (from `get_abi`; `None` when it has none) says what the file says.
pub fn same(chain: Option<&Value>, file: &Value) -> bool {
    chain.is_some_and(|c| normalize(c) == normalize(file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_nodeos_adds_is_not_a_difference() {
        let file = json!({"____comment": "generated", "version": "eosio::abi/1.1", "types": [], "structs": [{"name": "a", "base": "", "fields": []}], "actions": [{"name": "hi", "type": "a", "ricardian_contract": ""}]});
        let chain = json!({"version": "eosio::abi/1.1", "types": [], "structs": [{"name": "a", "base": "", "fields": []}], "actions": [{"name": "hi", "type": "a", "ricardian_contract": ""}], "tables": [], "ricardian_clauses": [], "error_messages": [], "abi_extensions": [], "variants": [], "action_results": []});
        assert!(same(Some(&chain), &file));
        let changed = json!({"version": "eosio::abi/1.1", "actions": [{"name": "bye", "type": "a"}], "structs": [{"name": "a", "base": "", "fields": []}]});
        assert!(!same(Some(&chain), &changed));
        assert!(!same(None, &file));
    }
}
