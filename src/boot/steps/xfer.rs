//! `stepTransfer` (optional): random transfers between the first users.

use async_trait::async_trait;
use rand::Rng;
use serde_json::json;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::push::Action;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::chain::Amount;
use crate::printer::Task;

pub struct Xfer;

#[async_trait]
impl Step for Xfer {
    fn name(&self) -> StepName {
        StepName::Xfer
    }

    async fn check(&self, _cx: &Context<'_>) -> Result<Check, Failure> {
        Ok(Check::Always)
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        let senders: Vec<&str> = cx.voters().take(10).map(|a| a.name.as_str()).collect();
        let count = cx.xfer_count;
        if senders.len() < 2 || count == 0 {
            return Ok(Outcome::unchanged("needs two users and a count"));
        }
        let unit = cx.asset(Amount(1));
        let groups = transfers(&senders, count, &unit);
        cx.pusher().push_groups(groups, 100, 1, &|_| {}).await?;
        Ok(Outcome::changed(format!("{count} transfers")))
    }
}

/// `count` transfers of `unit`, each from a random sender to another.
fn transfers(senders: &[&str], count: usize, unit: &str) -> Vec<Vec<Action>> {
    let mut rng = rand::thread_rng();
    (0..count)
        .map(|_| {
            let from = rng.gen_range(0..senders.len());
            // Anyone but the sender.
            let to = (from + rng.gen_range(1..senders.len())) % senders.len();
            let (f, t) = (senders[from], senders[to]);
            let data = json!({"from": f, "to": t, "quantity": unit, "memo": "xfer"});
            vec![Action::new("eosio.token", "transfer", f, data)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_sends_to_themselves() {
        for g in transfers(&["a", "b", "c"], 200, "0.0001 SYS") {
            assert_ne!(g[0].data["from"], g[0].data["to"]);
        }
    }
}
