//! `chain.genesis`: the overrides of genesis.json, checked against the format nodeos reads
//! (`eosio::chain::genesis_state` and its `chain_config`), so a wrong key or type is refused with
//! its path instead of nodeos answering a bare `Parse Error` after the lab is half made.

use serde_json::{json, Map, Value};

use super::ValidationError;
use crate::keys::check_public_key;

/// The keys of genesis.json.
pub const GENESIS_KEYS: &[&str] = &["initial_timestamp", "initial_key", "initial_configuration", "initial_chain_id"];

/// `initial_configuration`'s fields and the width of the unsigned integer each one is
/// (`chain_config_v0` in Leap's libraries/chain/include/eosio/chain/chain_config.hpp).
/// `max_generated_transaction_count` is not read by Leap; it stays known because the tutorial's
/// genesis (and so lab's) carries it.
pub const CONFIGURATION_FIELDS: &[(&str, u32)] = &[
    ("max_block_net_usage", 64),
    ("target_block_net_usage_pct", 32),
    ("max_transaction_net_usage", 32),
    ("base_per_transaction_net_usage", 32),
    ("net_usage_leeway", 32),
    ("context_free_discount_net_usage_num", 32),
    ("context_free_discount_net_usage_den", 32),
    ("max_block_cpu_usage", 32),
    ("target_block_cpu_usage_pct", 32),
    ("max_transaction_cpu_usage", 32),
    ("min_transaction_cpu_usage", 32),
    ("max_transaction_lifetime", 32),
    ("deferred_trx_expiration_window", 32),
    ("max_transaction_delay", 32),
    ("max_inline_action_size", 32),
    ("max_inline_action_depth", 16),
    ("max_authority_depth", 16),
    ("max_generated_transaction_count", 32),
];

/// 100% in the chain's percentages (`config::percent_100`): hundredths of a percent.
const PERCENT_100: u64 = 10_000;

/// Every problem of the overrides, each with its path under `chain.genesis`.
pub fn check_genesis(overrides: &Map<String, Value>) -> Vec<ValidationError> {
    let mut errs = Vec::new();
    let mut add = |path: String, message: String| errs.push(ValidationError { path, message });
    for (key, value) in overrides {
        let path = format!("chain.genesis.{key}");
        match key.as_str() {
            "initial_timestamp" => match value.as_str() {
                Some(s) if is_timestamp(s) => {}
                _ => add(path, format!("{value} is not a time of the form YYYY-MM-DDTHH:MM:SS[.sss]")),
            },
            "initial_key" => match value.as_str() {
                Some(s) if check_public_key(s).is_ok() => {}
                _ => add(path, format!("{value} is not an EOS public key (EOS…)")),
            },
            "initial_chain_id" => match value.as_str() {
                Some(s) if s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()) => {}
                _ => add(path, format!("{value} is not a chain id (64 hexadecimal digits)")),
            },
            "initial_configuration" => match value.as_object() {
                Some(fields) => check_configuration(&path, fields, &mut add),
                None => add(path, format!("{value} is not a map of {}", field_names())),
            },
            _ => add(path, format!("is not a genesis.json key (known: {})", GENESIS_KEYS.join(", "))),
        }
    }
    errs
}

fn check_configuration(at: &str, fields: &Map<String, Value>, add: &mut impl FnMut(String, String)) {
    for (key, value) in fields {
        let path = format!("{at}.{key}");
        let Some((_, bits)) = CONFIGURATION_FIELDS.iter().find(|(name, _)| name == key) else {
            add(path, format!("is not a field of initial_configuration (known: {})", field_names()));
            continue;
        };
        let max = if *bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
        match value.as_u64() {
            Some(n) if n <= max => {}
            _ => add(path, format!("{value} is not an unsigned {bits}-bit integer (0 to {max})")),
        }
    }
    // Rules nodeos applies to the configuration when it reads genesis.json (chain_config::validate).
    let get = |k: &str| fields.get(k).and_then(Value::as_u64);
    for pct in ["target_block_net_usage_pct", "target_block_cpu_usage_pct"] {
        if get(pct).is_some_and(|v| v > PERCENT_100) {
            add(format!("{at}.{pct}"), format!("is above {PERCENT_100} (100%, in hundredths of a percent)"));
        }
    }
    if get("context_free_discount_net_usage_den") == Some(0) {
        add(format!("{at}.context_free_discount_net_usage_den"), "is zero; it is a denominator".into());
    }
    if get("max_authority_depth") == Some(0) {
        add(format!("{at}.max_authority_depth"), "is zero; it must be at least 1".into());
    }
    // A transaction's limits stay below the block's, the values not given being the tutorial's.
    let tutorial = tutorial_configuration();
    let value = |k: &str| get(k).or_else(|| tutorial.get(k).and_then(Value::as_u64));
    for (tx, block) in
        [("max_transaction_cpu_usage", "max_block_cpu_usage"), ("max_transaction_net_usage", "max_block_net_usage")]
    {
        let (Some(t), Some(b)) = (value(tx), value(block)) else { continue };
        if t >= b {
            let path = if fields.contains_key(tx) { tx } else { block };
            add(
                format!("{at}.{path}"),
                format!("{tx} ({t}) must be below {block} ({b}), or nodeos refuses the genesis"),
            );
        }
    }
    if let (Some(min), Some(max)) = (value("min_transaction_cpu_usage"), value("max_transaction_cpu_usage")) {
        if min > max {
            add(
                format!("{at}.min_transaction_cpu_usage"),
                format!("({min}) is above max_transaction_cpu_usage ({max})"),
            );
        }
    }
}

fn field_names() -> String {
    CONFIGURATION_FIELDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// `YYYY-MM-DDTHH:MM:SS` with optional fractional seconds, as fc reads a time_point_sec.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let shape = b.len() >= 19
        && b.iter().take(19).enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
        && (b.len() == 19 || (b[19] == b'.' && b.len() > 20 && b[20..].iter().all(u8::is_ascii_digit)));
    shape && chrono::NaiveDateTime::parse_from_str(&s[..19], "%Y-%m-%dT%H:%M:%S").is_ok()
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn errors(v: Value) -> Vec<(String, String)> {
        check_genesis(v.as_object().unwrap()).into_iter().map(|e| (e.path, e.message)).collect()
    }

    #[test]
    fn the_tutorials_values_pass() {
        let key = crate::keys::KeyPair::derive("s", "eosio").public;
        let v = json!({
            "initial_timestamp": "2018-06-01T12:00:00.000",
            "initial_key": key,
            "initial_chain_id": "0".repeat(64),
            "initial_configuration": {"max_block_cpu_usage": 200000, "max_block_net_usage": 5_000_000_000u64,
                                      "max_inline_action_depth": 4, "max_generated_transaction_count": 16}
        });
        assert_eq!(errors(v), vec![]);
        assert_eq!(errors(json!({"initial_timestamp": "2020-02-29T23:59:59"})), vec![]);
    }

    #[test]
    fn wrong_types_name_the_field_and_the_type() {
        let errs = errors(json!({"initial_configuration": {
            "max_block_cpu_usage": "lots", "max_inline_action_depth": 70000, "net_usage_leeway": -1,
            "max_transaction_lifetime": 1.5}}));
        let at = "chain.genesis.initial_configuration";
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs.contains(&(
            format!("{at}.max_block_cpu_usage"),
            "\"lots\" is not an unsigned 32-bit integer (0 to 4294967295)".into()
        )));
        assert!(errs.iter().any(|(p, m)| p.ends_with("max_inline_action_depth") && m.contains("16-bit")));
        assert!(errs.iter().any(|(p, _)| p.ends_with("net_usage_leeway")));
        assert!(errs.iter().any(|(p, _)| p.ends_with("max_transaction_lifetime")));
    }

    #[test]
    fn unknown_keys_are_refused_with_the_known_ones() {
        let errs = errors(json!({"initial_timestmp": "x", "initial_configuration": {"max_cpu": 1}}));
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].0, "chain.genesis.initial_configuration.max_cpu");
        assert!(errs[0].1.contains("known: max_block_net_usage,"), "{}", errs[0].1);
        assert_eq!(errs[1].0, "chain.genesis.initial_timestmp");
        assert!(errs[1].1.contains("initial_timestamp, initial_key"), "{}", errs[1].1);
    }

    #[test]
    fn timestamps_keys_and_ids_are_checked() {
        for bad in
            ["2018-06-01 12:00:00", "2018-13-01T12:00:00", "2018-06-01T12:00:00.", "yesterday", "2018-02-30T00:00:00"]
        {
            assert_eq!(errors(json!({ "initial_timestamp": bad })).len(), 1, "{bad}");
        }
        assert_eq!(errors(json!({"initial_timestamp": 1527854400})).len(), 1);
        assert_eq!(errors(json!({"initial_key": "EOS1234"}))[0].0, "chain.genesis.initial_key");
        assert_eq!(errors(json!({"initial_chain_id": "abc"}))[0].0, "chain.genesis.initial_chain_id");
        assert_eq!(errors(json!({"initial_configuration": 5}))[0].0, "chain.genesis.initial_configuration");
    }

    #[test]
    fn rules_nodeos_applies_are_checked() {
        let errs = errors(json!({"initial_configuration": {"target_block_cpu_usage_pct": 10001,
            "context_free_discount_net_usage_den": 0, "max_authority_depth": 0}}));
        assert_eq!(errs.len(), 3, "{errs:?}");
    }

    #[test]
    fn a_transaction_limit_at_or_above_the_block_limit_is_refused() {
        let at = "chain.genesis.initial_configuration";
        let errs = errors(
            json!({"initial_configuration": {"max_transaction_cpu_usage": 2000000, "max_block_cpu_usage": 2000000}}),
        );
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].0, format!("{at}.max_transaction_cpu_usage"));
        assert!(errs[0].1.contains("must be below max_block_cpu_usage (2000000)"), "{errs:?}");
        // Against the tutorial's block limit (100 000) when only the transaction's is given.
        let errs = errors(json!({"initial_configuration": {"max_transaction_cpu_usage": 150000}}));
        assert!(errs[0].1.contains("(150000) must be below max_block_cpu_usage (100000)"), "{errs:?}");
        let errs = errors(json!({"initial_configuration": {"max_block_net_usage": 4096}}));
        assert_eq!(errs[0].0, format!("{at}.max_block_net_usage"));
        let errs = errors(json!({"initial_configuration": {"min_transaction_cpu_usage": 60000}}));
        assert_eq!(errs[0].0, format!("{at}.min_transaction_cpu_usage"));
        assert!(errors(
            json!({"initial_configuration": {"max_transaction_cpu_usage": 300000, "max_block_cpu_usage": 400000}})
        )
        .is_empty());
    }
}
