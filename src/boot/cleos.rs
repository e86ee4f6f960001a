//! cleos inside the genesis container: single commands, and batches of actions pushed as a few
//! large transactions (one `docker exec` per transaction, several in flight).

use std::time::Duration;

use futures::stream::{self, TryStreamExt};
use serde_json::{json, Value};

use super::BootError;
use crate::plan::{HTTP_PORT, KEOSD_PORT};
use crate::runtime::{ExecOutput, Runtime};

/// Failures that can pass on a retry: the transaction raced a full block or a busy machine.
const TRANSIENT: &[&str] = &[
    // With `-t false` cleos prints the error code and message, not the exception's name.
    "Error 3080004", // tx_cpu_usage_exceeded
    "Error 3080005", // block_cpu_usage_exceeded
    "Error 3080003", // block_net_usage_exceeded
    "Error 3080006", // deadline_exception
    "Error 3081001", // leeway_deadline_exception
    "Error 3080008", // greylist_cpu_usage_exceeded
    "Error 3040006", // expired_tx_exception
    "Transaction took too long",
    "exceeded the current CPU usage limit",
    "Failed to connect",
    "Connection refused",
];
/// Failures that say the transaction itself is too heavy: a smaller one passes.
const TOO_HEAVY: &[&str] = &["Error 3080004", "Error 3080006", "Error 3081001", "exceeded the current CPU usage limit"];
const ATTEMPTS: usize = 5;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Action {
    pub account: String,
    pub name: String,
    pub authorization: Vec<Value>,
    pub data: Value,
}

impl Action {
    pub fn new(account: &str, name: &str, actor: &str, data: Value) -> Self {
        Self::with_permission(account, name, actor, "active", data)
    }

    pub fn with_permission(account: &str, name: &str, actor: &str, permission: &str, data: Value) -> Self {
        Action {
            account: account.into(),
            name: name.into(),
            authorization: vec![json!({"actor": actor, "permission": permission})],
            data,
        }
    }
}

pub struct Cleos<'a> {
    pub rt: &'a dyn Runtime,
    pub container: &'a str,
}

impl<'a> Cleos<'a> {
    fn base(&self) -> Vec<String> {
        vec![
            "cleos".into(),
            "--no-auto-keosd".into(),
            "--url".into(),
            format!("http://127.0.0.1:{HTTP_PORT}"),
            "--wallet-url".into(),
            format!("http://127.0.0.1:{KEOSD_PORT}"),
        ]
    }

    /// Runs cleos and returns its output, whatever the exit code.
    pub async fn run(&self, args: &[&str], stdin: Option<Vec<u8>>) -> Result<ExecOutput, BootError> {
        let mut cmd = self.base();
        cmd.extend(args.iter().map(|s| s.to_string()));
        Ok(self.rt.exec(self.container, &cmd, stdin).await?)
    }

    /// Runs cleos; a non-zero exit is an error naming the step, node, code and stderr.
    pub async fn ok(&self, step: &str, args: &[&str]) -> Result<ExecOutput, BootError> {
        let out = self.run(args, None).await?;
        self.check(step, &format!("cleos {}", args.first().copied().unwrap_or("")), out)
    }

    /// Runs a shell command in the container.
    pub async fn sh(&self, step: &str, script: &str, stdin: Option<Vec<u8>>) -> Result<ExecOutput, BootError> {
        let cmd = vec!["sh".to_string(), "-c".to_string(), script.to_string()];
        let out = self.rt.exec(self.container, &cmd, stdin).await?;
        self.check(step, "sh", out)
    }

    fn check(&self, step: &str, what: &str, out: ExecOutput) -> Result<ExecOutput, BootError> {
        if out.success() {
            Ok(out)
        } else {
            Err(BootError::Exec {
                step: step.into(),
                node: self.container.into(),
                what: what.into(),
                code: out.code,
                stderr: out.tail(12),
            })
        }
    }

    /// Pushes one transaction of `actions`, retrying what can pass on retry.
    pub async fn push(&self, step: &str, actions: &[Action]) -> Result<(), BootError> {
        self.push_with(step, actions, true).await
    }

    /// `retry_heavy: false` returns a too-heavy failure at once, for the caller to split.
    async fn push_with(&self, step: &str, actions: &[Action], retry_heavy: bool) -> Result<(), BootError> {
        let trx = serde_json::to_vec(&json!({ "actions": actions })).expect("json");
        // The transaction goes through stdin into a file: a command line could not hold it.
        let mut script = String::from("f=$(mktemp) && cat > \"$f\" && ");
        script.push_str(&self.base().join(" "));
        // `-t false`: without it a failed transaction exits 0 with the failure in a trace on stdout.
        // The trace of a success is large (kilobytes per action) and unused.
        script.push_str(" push transaction -t false \"$f\" >/dev/null; rc=$?; rm -f \"$f\"; exit $rc");
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            let cmd = vec!["sh".to_string(), "-c".to_string(), script.clone()];
            let out = self.rt.exec(self.container, &cmd, Some(trx.clone())).await?;
            if out.success() {
                return Ok(());
            }
            let heavy = TOO_HEAVY.iter().any(|t| out.stderr.contains(t));
            let transient = TRANSIENT.iter().any(|t| out.stderr.contains(t)) && (retry_heavy || !heavy);
            last = Some(out);
            if !transient || attempt + 1 == ATTEMPTS {
                break;
            }
            tracing::debug!(step, attempt, "transient failure, retrying");
            // Long enough for the next block, where the transaction finds room.
            tokio::time::sleep(Duration::from_millis(300 * (attempt as u64 + 1))).await;
        }
        let out = last.expect("one attempt");
        let first = actions.first().map(|a| format!("{}::{}", a.account, a.name)).unwrap_or_default();
        Err(BootError::Exec {
            step: step.into(),
            node: self.container.into(),
            what: format!("push transaction of {} actions ({first} …)", actions.len()),
            code: out.code,
            stderr: out.tail(12),
        })
    }

    /// Pushes groups of actions (a group stays in one transaction), packed into transactions of at
    /// most `per_trx` actions, `in_flight` at a time; `progress` gets the groups done.
    pub async fn push_groups(
        &self,
        step: &str,
        groups: Vec<Vec<Action>>,
        per_trx: usize,
        in_flight: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(), BootError> {
        let mut batches: Vec<Vec<Vec<Action>>> = Vec::new();
        for g in groups {
            match batches.last_mut() {
                Some(b) if b.iter().map(Vec::len).sum::<usize>() + g.len() <= per_trx => b.push(g),
                _ => batches.push(vec![g]),
            }
        }
        stream::iter(batches.into_iter().map(Ok::<_, BootError>))
            .try_for_each_concurrent(in_flight.max(1), |batch| self.push_splitting(step, batch, progress))
            .await
    }

    /// Pushes a batch of groups; when the chain finds the transaction too heavy (a busy machine
    /// runs the same actions slower), it is split in halves, down to one group.
    fn push_splitting<'b>(
        &'b self,
        step: &'b str,
        batch: Vec<Vec<Action>>,
        progress: &'b (dyn Fn(u64) + Sync),
    ) -> futures::future::BoxFuture<'b, Result<(), BootError>> {
        Box::pin(async move {
            let actions: Vec<Action> = batch.iter().flatten().cloned().collect();
            match self.push_with(step, &actions, batch.len() == 1).await {
                Ok(()) => {
                    progress(batch.len() as u64);
                    Ok(())
                }
                Err(BootError::Exec { ref stderr, .. })
                    if batch.len() > 1 && TOO_HEAVY.iter().any(|t| stderr.contains(t)) =>
                {
                    tracing::debug!(step, groups = batch.len(), "transaction too heavy, splitting");
                    let mut first = batch;
                    let second = first.split_off(first.len() / 2);
                    self.push_splitting(step, first, progress).await?;
                    self.push_splitting(step, second, progress).await
                }
                Err(e) => Err(e),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_serialize_as_cleos_reads_them() {
        let a = Action::new("eosio", "regproducer", "accountnum11", json!({"producer": "accountnum11"}));
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(
            v,
            json!({"account": "eosio", "name": "regproducer", "authorization": [{"actor": "accountnum11", "permission": "active"}], "data": {"producer": "accountnum11"}})
        );
    }
}
