//! Waiting on the chain through the handle: the conditions of `lab wait`, checked before the
//! chain is asked.

use std::time::Duration;

use super::Lab;
use super::Result;
use crate::wait::{self, Conditions, Verdict};

impl Lab {
    /// Polls the chain until every condition given holds (as `lab wait`); the verdict, or
    /// [`crate::wait::WaitTimedOut`] with what was last seen. Conditions that name no producer
    /// account, or none at all, are refused before the chain is asked.
    pub async fn wait(&self, conditions: &Conditions, timeout: Duration) -> Result<Verdict> {
        if conditions.is_empty() {
            fail!("nothing to wait for: give --lib-advances, --head, --in-sync or --schedule");
        }
        for p in &conditions.schedule {
            crate::chain::check_account_name(p).map_err(|e| anyhow::anyhow!("--schedule: {e}"))?;
        }
        let task = self.printer.task("wait for the chain");
        match wait::wait(self.rt.as_ref(), &self.plan, conditions, timeout).await {
            Ok(verdict) => {
                task.done(verdict.observed.join(", "));
                Ok(verdict)
            }
            Err(e) => {
                task.fail();
                Err(e.into())
            }
        }
    }
}
