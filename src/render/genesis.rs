//! genesis.json: the tutorial's genesis, with the lab's `eosio` key and the topology's overrides.

use serde_json::{json, Map, Value};

use crate::plan::NetworkPlan;

/// Every node of a lab gets the same genesis, so they agree on the chain id.
pub fn genesis_json(plan: &NetworkPlan) -> String {
    let mut genesis = json!({
        "initial_timestamp": "2018-06-01T12:00:00.000",
        "initial_key": plan.chain.eosio.public,
        "initial_configuration": crate::topology::tutorial_configuration(),
        "initial_chain_id": "0000000000000000000000000000000000000000000000000000000000000000"
    });
    merge(genesis.as_object_mut().expect("object"), &plan.chain.genesis_overrides);
    serde_json::to_string_pretty(&genesis).expect("json") + "\n"
}

/// Objects merge key by key; anything else replaces.
fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}
