//! genesis.json: the tutorial's genesis, with the lab's `eosio` key and the topology's overrides.

use serde_json::{json, Map, Value};

use crate::plan::NetworkPlan;

/// Every node of a lab gets the same genesis, so they agree on the chain id.
pub fn genesis_json(plan: &NetworkPlan) -> String {
    let mut genesis = json!({
        "initial_timestamp": "2018-06-01T12:00:00.000",
        "initial_key": plan.chain.eosio.public,
        "initial_configuration": tutorial_configuration(),
        "initial_chain_id": "0000000000000000000000000000000000000000000000000000000000000000"
    });
    merge(genesis.as_object_mut().expect("object"), &plan.chain.genesis_overrides);
    serde_json::to_string_pretty(&genesis).expect("json") + "\n"
}

/// The tutorial's `initial_configuration`, which the topology's overrides are merged over.
pub fn tutorial_configuration() -> Value {
    json!({
        "max_block_net_usage": 1048576,
        "target_block_net_usage_pct": 1000,
        "max_transaction_net_usage": 524288,
        "base_per_transaction_net_usage": 12,
        "net_usage_leeway": 500,
        "context_free_discount_net_usage_num": 20,
        "context_free_discount_net_usage_den": 100,
        "max_block_cpu_usage": 100000,
        "target_block_cpu_usage_pct": 500,
        "max_transaction_cpu_usage": 50000,
        "min_transaction_cpu_usage": 100,
        "max_transaction_lifetime": 3600,
        "deferred_trx_expiration_window": 600,
        "max_transaction_delay": 3888000,
        "max_inline_action_size": 4096,
        "max_inline_action_depth": 4,
        "max_authority_depth": 6,
        "max_generated_transaction_count": 16
    })
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
