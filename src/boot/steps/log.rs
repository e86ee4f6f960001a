//! `stepLog`: the tail of the genesis node's log.

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
        cx.printer.info(crate::runtime::health::indent(&logs));
        Ok(Outcome::unchanged(format!("last lines of {}", cx.genesis)))
    }
}
