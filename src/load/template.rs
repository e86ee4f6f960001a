//! What a load run sends when it is not token transfers: one contract action, its data a JSON
//! template whose strings may hold placeholders filled per transaction.
//!
//! - `{n}`: the transaction's number in the run (0, 1, …).
//! - `{signer}`: the account that signs this transaction.
//! - `{account}`: another of the lab's user accounts, never the signer, shifting every round.
//! - `{run}`: the run's tag (8 hex digits), the same for every transaction of the run.
//!
//! A string that is only a placeholder (`"{n}"`) packs as a number where the ABI wants one. The
//! data may repeat (the same vote every time): each transaction also carries a nonce, as
//! `cleos --force-unique` adds one, so that the chain takes each as its own.

use serde_json::Value;

use crate::chain::transaction::name_value;

/// One contract action as a template.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionTemplate {
    /// The contract's account, e.g. `eosio.token`.
    pub contract: String,
    /// The action, e.g. `transfer`.
    pub action: String,
    /// The action's data, a JSON object; its strings may hold placeholders.
    pub data: Value,
    /// The one account that signs every transaction (its `active` permission); `None`: the lab's
    /// user accounts in turn.
    pub signer: Option<String>,
}

/// The placeholders a template may hold.
const PLACEHOLDERS: [&str; 4] = ["{n}", "{signer}", "{account}", "{run}"];

/// The values of one transaction's placeholders.
pub(super) struct Fill<'a> {
    pub n: u64,
    pub signer: &'a str,
    pub account: &'a str,
    pub run: &'a str,
}

impl ActionTemplate {
    /// `CONTRACT::ACTION` (as `--action` takes it), the data's JSON text and the signer.
    pub fn parse(action: &str, data: &str, signer: Option<&str>) -> Result<ActionTemplate, String> {
        let (contract, name) = action
            .split_once("::")
            .ok_or_else(|| format!("--action {action:?}: give it as CONTRACT::ACTION, e.g. eosio.token::transfer"))?;
        let data: Value = serde_json::from_str(data)
            .map_err(|e| format!("--data: not JSON ({e}); give the action's data as an object"))?;
        let template = ActionTemplate {
            contract: contract.to_string(),
            action: name.to_string(),
            data,
            signer: signer.map(str::to_string),
        };
        template.check()?;
        Ok(template)
    }

    /// Every problem the template has without asking the chain, named by flag. Pure.
    pub fn check(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        let shown = self.shown();
        if let Err(e) = name_value(&self.contract) {
            problems.push(format!("--action {shown}: the contract: {e}"));
        }
        if let Err(e) = name_value(&self.action) {
            problems.push(format!("--action {shown}: the action: {e}"));
        }
        if let Some(signer) = &self.signer {
            if let Err(e) = name_value(signer) {
                problems.push(format!("--signer {signer:?}: {e}"));
            }
        }
        if !self.data.is_object() {
            problems.push(format!("--data: the action's data is a JSON object, not {}", self.data));
        }
        let mut strings = Vec::new();
        collect_strings(&self.data, &mut strings);
        for s in &strings {
            let mut rest = *s;
            while let Some(open) = rest.find('{') {
                let Some(close) = rest[open..].find('}') else { break };
                let candidate = &rest[open..open + close + 1];
                if !PLACEHOLDERS.contains(&candidate) {
                    problems.push(format!(
                        "--data: {candidate} in {s:?} is not a placeholder (they are {})",
                        PLACEHOLDERS.join(", ")
                    ));
                }
                rest = &rest[open + close + 1..];
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// `contract::action`.
    pub fn shown(&self) -> String {
        format!("{}::{}", self.contract, self.action)
    }

    /// The data with one transaction's placeholders filled. Pure.
    pub(super) fn fill(&self, with: &Fill<'_>) -> Value {
        fill_value(&self.data, with)
    }
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}

fn fill_value(v: &Value, with: &Fill<'_>) -> Value {
    match v {
        Value::String(s) if s.contains('{') => Value::String(
            s.replace("{n}", &with.n.to_string())
                .replace("{signer}", with.signer)
                .replace("{account}", with.account)
                .replace("{run}", with.run),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|i| fill_value(i, with)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, i)| (k.clone(), fill_value(i, with))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TRANSFER: &str = r#"{"from": "{signer}", "to": "{account}", "quantity": "0.0001 SYS", "memo": "{run} {n}"}"#;

    #[test]
    fn placeholders_are_filled_in_every_string() {
        let t = ActionTemplate::parse("eosio.token::transfer", TRANSFER, None).unwrap();
        assert_eq!((t.contract.as_str(), t.action.as_str(), t.signer.as_ref()), ("eosio.token", "transfer", None));
        let filled = t.fill(&Fill { n: 42, signer: "alice", account: "bob", run: "0a0b0c0d" });
        assert_eq!(filled, json!({"from": "alice", "to": "bob", "quantity": "0.0001 SYS", "memo": "0a0b0c0d 42"}));
        let t = ActionTemplate::parse("c::a", r#"{"ids": ["{n}", 7], "who": {"name": "{signer}"}}"#, Some("carol"))
            .unwrap();
        let filled = t.fill(&Fill { n: 3, signer: "carol", account: "bob", run: "r" });
        assert_eq!(filled, json!({"ids": ["3", 7], "who": {"name": "carol"}}));
    }

    #[test]
    fn bad_templates_are_refused_by_flag() {
        let e = ActionTemplate::parse("eosio.token", TRANSFER, None).unwrap_err();
        assert!(e.starts_with("--action \"eosio.token\": give it as CONTRACT::ACTION"), "{e}");
        let e = ActionTemplate::parse("Token::transfer", TRANSFER, None).unwrap_err();
        assert!(e.contains("--action Token::transfer: the contract: "), "{e}");
        let e = ActionTemplate::parse("eosio.token::transfer", "{from: x}", None).unwrap_err();
        assert!(e.starts_with("--data: not JSON"), "{e}");
        let e = ActionTemplate::parse("eosio.token::transfer", "[1]", None).unwrap_err();
        assert!(e.contains("--data: the action's data is a JSON object"), "{e}");
        let e = ActionTemplate::parse("eosio.token::transfer", r#"{"memo": "{m}"}"#, None).unwrap_err();
        assert!(e.contains("--data: {m} in \"{m}\" is not a placeholder"), "{e}");
        let e = ActionTemplate::parse("eosio.token::transfer", TRANSFER, Some("Alice")).unwrap_err();
        assert!(e.starts_with("--signer \"Alice\": "), "{e}");
    }
}
