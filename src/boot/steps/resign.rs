//! `stepResign`: eosio hands its owner and active permissions to eosio.prods (the elected
//! producers), and each system account hands its own to eosio.

use async_trait::async_trait;
use serde_json::json;

use crate::boot::confirm::push_confirmed;
use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::chain::system::{SYSTEM_ACCOUNTS, VAULTA_ACCOUNTS};
use crate::printer::Task;

pub struct Resign;

const DONE: &str = "eosio is held by eosio.prods";

/// The `updateauth`s still to push: each (account, permission) not yet held by its controller.
async fn missing(cx: &Context<'_>) -> Result<Vec<Action>, Failure> {
    let mut pairs = vec![("eosio", "eosio.prods")];
    // The Vaulta-era accounts exist only where `sys` made them; those that do not are skipped.
    pairs.extend(SYSTEM_ACCOUNTS.iter().chain(VAULTA_ACCOUNTS).map(|a| (*a, "eosio")));
    let names: Vec<String> = pairs.iter().map(|(a, _)| a.to_string()).collect();
    let accounts = cx.chain().accounts(&names).await?;
    let mut actions = Vec::new();
    for ((account, controller), info) in pairs.into_iter().zip(accounts) {
        // An account `sys` did not create is that step's to fix.
        let Some(info) = info else { continue };
        for (permission, parent) in [("owner", ""), ("active", "owner")] {
            if !info.held_by(permission, controller) {
                let auth = json!({"threshold": 1, "keys": [], "waits": [], "accounts": [{"weight": 1, "permission": {"actor": controller, "permission": "active"}}]});
                let data = json!({"account": account, "permission": permission, "parent": parent, "auth": auth});
                actions.push(Action::with_permission("eosio", "updateauth", account, permission, data));
            }
        }
    }
    Ok(actions)
}

#[async_trait]
impl Step for Resign {
    fn name(&self) -> StepName {
        StepName::Resign
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        Ok(Check::missing(&missing(cx).await?, "permissions to hand over", DONE))
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        let actions = missing(cx).await?;
        if actions.is_empty() {
            return Ok(Outcome::unchanged(DONE));
        }
        let n = actions.len();
        push_confirmed(&cx.pusher(), &cx.chain(), actions, || missing(cx)).await?;
        Ok(Outcome::changed(format!("{n} permissions handed over; {DONE}")))
    }
}
