//! Actions pushed as transactions, several in flight, retried when the failure can pass, split in
//! halves when the chain finds a transaction too heavy: through cleos (one exec a transaction) or
//! signed here and sent over HTTP ([`Signing`]).

use futures::future::BoxFuture;
use futures::stream::{self, TryStreamExt};
use serde_json::{json, Value};

use super::cleos::{Cleos, CleosCommand};
use super::error::Failure;
use super::retry::{self, Verdict};
use super::signed::{SendError, Signing};
use crate::client::Chain;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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

    /// `eosio::newaccount` by eosio, owner and active both the one key.
    pub fn newaccount(name: &str, key: &str) -> Self {
        let auth = json!({"threshold": 1, "keys": [{"key": key, "weight": 1}], "accounts": [], "waits": []});
        Action::new(
            "eosio",
            "newaccount",
            "eosio",
            json!({"creator": "eosio", "name": name, "owner": auth, "active": auth}),
        )
    }
}

/// Pushes transactions: through cleos in the genesis container, or, where its API is published
/// on this host, signed here and sent to it ([`Signing`]).
pub struct Pusher<'a> {
    pub cleos: Cleos<'a>,
    signed: Option<(&'a Signing, Chain<'a>)>,
}

impl<'a> Pusher<'a> {
    pub fn new(cleos: Cleos<'a>) -> Self {
        Pusher { cleos, signed: None }
    }

    /// Transactions signed with `signing`'s keys and sent to `chain`'s node, not through cleos.
    pub fn signing(mut self, signing: &'a Signing, chain: Chain<'a>) -> Self {
        self.signed = Some((signing, chain));
        self
    }

    /// Pushes one transaction of `actions`, retrying what can pass on retry.
    pub async fn push(&self, actions: &[Action]) -> Result<(), Failure> {
        self.push_with(actions, true).await
    }

    /// Pushes one transaction of `actions`, retrying what can pass on retry except a refusal as too
    /// heavy, which returns at once: for a caller whose actions must stay in one transaction.
    pub async fn push_whole(&self, actions: &[Action]) -> Result<(), Failure> {
        self.push_with(actions, false).await
    }

    /// `retry_heavy: false` returns a too-heavy failure at once, for the caller to split.
    async fn push_with(&self, actions: &[Action], retry_heavy: bool) -> Result<(), Failure> {
        let first = actions.first().map(|a| format!("{}::{}", a.account, a.name)).unwrap_or_default();
        let what = format!("push transaction of {} actions ({first} …)", actions.len());
        let mut attempt = 0;
        loop {
            let (refused, said) = match self.try_once(actions, &what).await? {
                None => return Ok(()),
                Some(refused) => refused,
            };
            let again = match retry::classify(&said) {
                Verdict::Transient => true,
                Verdict::TooHeavy => retry_heavy,
                Verdict::Final => false,
            };
            attempt += 1;
            if !again || attempt == retry::ATTEMPTS {
                return Err(refused);
            }
            tracing::debug!(attempt, "transient failure, retrying");
            tokio::time::sleep(retry::backoff(attempt - 1)).await;
        }
    }

    /// One try: `None` once the node took the transaction, else its refusal and all it said (a
    /// failure that is no refusal returns as the error).
    async fn try_once(&self, actions: &[Action], what: &str) -> Result<Option<(Failure, String)>, Failure> {
        if let Some((signing, chain)) = &self.signed {
            return match signing.send(chain, actions).await {
                Ok(()) => Ok(None),
                Err(SendError::Refused(reason)) => {
                    let said = reason.clone();
                    Ok(Some((Failure::Refused { node: self.cleos.container.into(), what: what.into(), reason }, said)))
                }
                Err(SendError::Failure(f)) => Err(f),
            };
        }
        let trx = serde_json::to_vec(&json!({ "actions": actions })).map_err(|e| Failure::chain(e.to_string()))?;
        // The transaction goes through stdin into a file: a command line could not hold it.
        // `-t false`: without it a failed transaction exits 0 with the failure in a trace on
        // stdout. The trace of a success is large (kilobytes per action) and unused.
        let script = format!(
            "f=$(mktemp) && cat > \"$f\" && {} push transaction -t false \"$f\" >/dev/null; rc=$?; rm -f \"$f\"; exit $rc",
            CleosCommand::local().shell()
        );
        let out = self.cleos.sh_output(&script, Some(trx)).await?;
        let said = out.stderr.clone();
        Ok(self.cleos.check(what, out).err().map(|e| (e, said)))
    }

    /// Pushes groups of actions (a group stays in one transaction), packed into transactions of at
    /// most `per_trx` actions, `in_flight` at a time; `progress` gets the groups done.
    pub async fn push_groups(
        &self,
        groups: Vec<Vec<Action>>,
        per_trx: usize,
        in_flight: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(), Failure> {
        stream::iter(pack(groups, per_trx).into_iter().map(Ok::<_, Failure>))
            .try_for_each_concurrent(in_flight.max(1), |batch| self.push_splitting(batch, progress))
            .await
    }

    /// Pushes a batch of groups; when the chain finds the transaction too heavy (a busy machine
    /// runs the same actions slower), it is split in halves, down to one group.
    fn push_splitting<'b>(
        &'b self,
        batch: Vec<Vec<Action>>,
        progress: &'b (dyn Fn(u64) + Sync),
    ) -> BoxFuture<'b, Result<(), Failure>> {
        Box::pin(async move {
            let actions: Vec<Action> = batch.iter().flatten().cloned().collect();
            match self.push_with(&actions, batch.len() == 1).await {
                Ok(()) => {
                    progress(batch.len() as u64);
                    Ok(())
                }
                Err(ref e)
                    if batch.len() > 1 && retry::classify(e.refusal().unwrap_or_default()) == Verdict::TooHeavy =>
                {
                    tracing::debug!(groups = batch.len(), "transaction too heavy, splitting");
                    let mut first = batch;
                    let second = first.split_off(first.len() / 2);
                    self.push_splitting(first, progress).await?;
                    self.push_splitting(second, progress).await
                }
                Err(e) => Err(e),
            }
        })
    }
}

/// Packs groups in order into batches of at most `per_trx` actions; a group larger than that is
/// a batch of its own.
pub fn pack(groups: Vec<Vec<Action>>, per_trx: usize) -> Vec<Vec<Vec<Action>>> {
    let mut batches: Vec<Vec<Vec<Action>>> = Vec::new();
    for g in groups {
        match batches.last_mut() {
            Some(b) if b.iter().map(Vec::len).sum::<usize>() + g.len() <= per_trx => b.push(g),
            _ => batches.push(vec![g]),
        }
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(n: usize) -> Action {
        Action::new("eosio.token", "transfer", "x", json!({ "n": n }))
    }

    #[test]
    fn actions_serialize_as_cleos_reads_them() {
        let a = Action::new("eosio", "regproducer", "accountnum11", json!({"producer": "accountnum11"}));
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(
            v,
            json!({"account": "eosio", "name": "regproducer", "authorization": [{"actor": "accountnum11", "permission": "active"}], "data": {"producer": "accountnum11"}})
        );
    }

    #[test]
    fn groups_pack_in_order_and_stay_whole() {
        let groups: Vec<Vec<Action>> = (0..5).map(|i| vec![a(i), a(i)]).collect();
        let batches = pack(groups, 5);
        let sizes: Vec<usize> = batches.iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [2, 2, 1]);
        assert_eq!(batches[2][0][0], a(4));
        // A group larger than a transaction goes alone.
        let batches = pack(vec![vec![a(0)], (0..7).map(a).collect(), vec![a(1)]], 5);
        assert_eq!(batches.len(), 3);
    }
}
