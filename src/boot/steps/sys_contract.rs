//! `stepSetSystemContract`: every protocol feature the node supports activated (through
//! PREACTIVATE_FEATURE, then the `activate` action of eosio.boot when the image has it, as
//! upstream does, else of eosio.bios), then eosio.system on eosio, and eosio.msig and eosio.wrap
//! privileged.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::wait::wait_for;
use crate::boot::StepName;
use crate::chain::answers::{SupportedFeature, NO_CODE};
use crate::chain::system::{BOOT_CONTRACT, PREACTIVATE_FEATURE};
use crate::printer::Task;

pub struct SysContract;

/// The contracts that execute transactions on behalf of others: they must be privileged.
const PRIVILEGED: &[&str] = &["eosio.msig", "eosio.wrap"];

/// Whether eosio runs a system contract: code that is neither nothing nor the contract features
/// are activated with. Not "the image's eosio.system": after `msig-replace` eosio runs another
/// build of it, and a rerun must not put the original back.
async fn system_deployed(cx: &Context<'_>) -> Result<bool, Failure> {
    let code = cx.chain().code_hash("eosio").await?;
    if code == NO_CODE || code == cx.contract_hash("eosio.bios").await? {
        return Ok(false);
    }
    Ok(!(cx.has_contract(BOOT_CONTRACT).await? && code == cx.contract_hash(BOOT_CONTRACT).await?))
}

/// The contract whose `activate` action activates features: eosio.boot when the image has it (a
/// 3.x bios cannot even be deployed before the BLS feature is active), else eosio.bios.
pub async fn activator(cx: &Context<'_>) -> Result<&'static str, Failure> {
    Ok(if cx.has_contract(BOOT_CONTRACT).await? { BOOT_CONTRACT } else { "eosio.bios" })
}

async fn unprivileged(cx: &Context<'_>) -> Result<Vec<&'static str>, Failure> {
    let names: Vec<String> = PRIVILEGED.iter().map(|s| s.to_string()).collect();
    let accounts = cx.chain().accounts(&names).await?;
    Ok(PRIVILEGED
        .iter()
        .zip(accounts)
        .filter(|(_, a)| a.as_ref().is_some_and(|a| !a.privileged))
        .map(|(n, _)| *n)
        .collect())
}

/// Schedules PREACTIVATE_FEATURE unless it is active or the system contract already runs; true if
/// it was scheduled. It activates in the next block the genesis node produces, so the runner asks
/// for it at the start of a boot, beside the first steps.
pub async fn schedule_preactivation(cx: &Context<'_>) -> Result<bool, Failure> {
    let chain = cx.chain();
    if chain.activated_features().await?.iter().any(|f| f == PREACTIVATE_FEATURE) || system_deployed(cx).await? {
        return Ok(false);
    }
    chain
        .node
        .call(
            "producer/schedule_protocol_feature_activations",
            &json!({"protocol_features_to_activate": [PREACTIVATE_FEATURE]}),
        )
        .await?;
    Ok(true)
}

#[async_trait]
impl Step for SysContract {
    fn name(&self) -> StepName {
        StepName::SysContract
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        if !system_deployed(cx).await? {
            return Ok(Check::ToDo("eosio runs no system contract".into()));
        }
        let unprivileged = unprivileged(cx).await?;
        Ok(if unprivileged.is_empty() {
            Check::Done(String::new())
        } else {
            Check::ToDo(format!("{} not privileged", unprivileged.join(", ")))
        })
    }

    async fn run(&self, cx: &Context<'_>, task: &Task) -> Result<Outcome, Failure> {
        let mut notes = Vec::new();
        let mut savanna = None;
        if !system_deployed(cx).await? {
            let activated = activate_features(cx, task).await?;
            if activated > 0 {
                // The bios path keeps the note it always had.
                let through = match activator(cx).await? {
                    BOOT_CONTRACT => format!(" through {BOOT_CONTRACT}"),
                    _ => String::new(),
                };
                notes.push(format!("{activated} features activated{through}"));
            }
            savanna = super::finality::savanna_from_genesis(cx, task).await?;
            task.message("deploy eosio.system");
            cx.set_contract("eosio", "eosio.system").await?;
            notes.push("eosio.system deployed".into());
        }
        let setpriv: Vec<Action> = unprivileged(cx)
            .await?
            .into_iter()
            .map(|account| Action::new("eosio", "setpriv", "eosio", json!({"account": account, "is_priv": 1})))
            .collect();
        if !setpriv.is_empty() {
            cx.pusher().push(&setpriv).await?;
            notes.push(format!("{} privileged", setpriv.len()));
        }
        // The first note ("N features activated" says the most), and the switch to Savanna.
        let changed = !notes.is_empty();
        let note = notes.into_iter().next().into_iter().chain(savanna).collect::<Vec<_>>().join("; ");
        Ok(Outcome { changed, note })
    }
}

/// Activates every feature the node supports and the chain has not activated; returns how many.
async fn activate_features(cx: &Context<'_>, task: &Task) -> Result<usize, Failure> {
    let chain = cx.chain();
    let mut active = chain.activated_features().await?;
    if !active.iter().any(|f| f == PREACTIVATE_FEATURE) {
        task.message("schedule PREACTIVATE_FEATURE");
        schedule_preactivation(cx).await?;
        wait_for("PREACTIVATE_FEATURE to activate", Duration::from_secs(30), || async {
            Ok(cx.chain().activated_features().await?.iter().any(|f| f == PREACTIVATE_FEATURE).then_some(()))
        })
        .await?;
        active = chain.activated_features().await?;
    }
    // Every feature this node supports, not a fixed list: it works across nodeos versions.
    let pending: Vec<SupportedFeature> =
        chain.supported_features().await?.into_iter().filter(|f| !active.contains(&f.feature_digest)).collect();
    if pending.is_empty() {
        return Ok(0);
    }
    let activator = activator(cx).await?;
    if chain.code_hash("eosio").await? != cx.contract_hash(activator).await? {
        task.message(format!("deploy {activator}"));
        cx.set_contract("eosio", activator).await?;
    }
    let ordered = order_by_dependencies(&pending, &active);
    task.message(format!("activate {} features", ordered.len()));
    let actions: Vec<Action> =
        ordered.iter().map(|d| Action::new("eosio", "activate", "eosio", json!({"feature_digest": d}))).collect();
    cx.pusher().push(&actions).await?;
    wait_for("the protocol features to activate", Duration::from_secs(30), || async {
        let now = cx.chain().activated_features().await?;
        Ok(ordered.iter().all(|w| now.contains(w)).then_some(()))
    })
    .await?;
    Ok(ordered.len())
}

/// Orders features so each comes after its dependencies (a dependency counts once activated
/// earlier in the same transaction).
fn order_by_dependencies(pending: &[SupportedFeature], active: &[String]) -> Vec<String> {
    let mut done: Vec<String> = active.to_vec();
    let mut out = Vec::new();
    let mut left: Vec<&SupportedFeature> = pending.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|f| {
            if f.dependencies.iter().all(|x| done.contains(x)) {
                done.push(f.feature_digest.clone());
                out.push(f.feature_digest.clone());
                false
            } else {
                true
            }
        });
        if left.len() == before {
            // Unknown dependencies: keep the rest in the node's order and let the chain judge.
            out.extend(left.iter().map(|f| f.feature_digest.clone()));
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(d: &str, deps: &[&str]) -> SupportedFeature {
        SupportedFeature {
            feature_digest: d.into(),
            dependencies: deps.iter().map(|s| s.to_string()).collect(),
            specification: vec![],
        }
    }

    #[test]
    fn features_come_after_their_dependencies() {
        let pending = vec![feature("b", &["a"]), feature("a", &["pre"]), feature("c", &[])];
        assert_eq!(order_by_dependencies(&pending, &["pre".to_string()]), ["a", "c", "b"]);
        // A dependency nobody supplies: the rest in the node's order.
        assert_eq!(order_by_dependencies(&[feature("x", &["?"]), feature("y", &[])], &[]), ["y", "x"]);
    }
}
