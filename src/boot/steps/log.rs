//! `stepLog`: the tail of the genesis node's log. A boot that went well has nothing to show in
//! it, so the lines go to the log of `lab` itself (`-v` prints them); a step that fails shows
//! them at once (see `Boot::run`).

use async_trait::async_trait;

use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::printer::Task;

pub struct Log;

#[async_trait]
impl Step for Log {
    fn name(&self) -> StepName {
        StepName::Log
    }

    async fn check(&self, _cx: &Context<'_>) -> Result<Check, Failure> {
        Ok(Check::Always)
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        let logs = cx.rt.logs(cx.genesis, 30).await?;
        tracing::info!("last lines of {}:\n{}", cx.genesis, crate::runtime::health::indent(&logs));
        Ok(Outcome::unchanged(format!(
            "last lines of {} read (`-v` shows them, `lab logs genesis` follows)",
            cx.genesis
        )))
    }
}
