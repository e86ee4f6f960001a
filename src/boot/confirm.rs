//! Pushing actions until their effect is in a block. Once the elected producers make the blocks,
//! a transaction the genesis node accepted can still be dropped by the producer it was meant for
//! (a busy laptop): the step's own check, asked as each block comes, says what is left.

use std::future::Future;

use super::error::Failure;
use super::push::{Action, Pusher};
use super::wait::wait_for;
use crate::client::Chain;

/// Rounds of push, settle and check before giving up.
const ROUNDS: usize = 5;

/// Pushes `actions`, lets them settle into blocks, and asks `missing` what is still to do; pushes
/// that again, a bounded number of times.
pub async fn push_confirmed<F, Fut>(
    pusher: &Pusher<'_>,
    chain: &Chain<'_>,
    mut actions: Vec<Action>,
    missing: F,
) -> Result<(), Failure>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Vec<Action>, Failure>>,
{
    let mut refused = None;
    for round in 0..ROUNDS {
        if round == 0 {
            // One transaction, halved while the chain finds it too heavy: 21 `regfinkey`s
            // (a BLS proof of possession checked in each) overrun a transaction's CPU limit.
            // A refusal here is another round's to settle, as below: halved, the part with the
            // proxy's registration can be accepted and then dropped by a busy producer before the
            // part with the votes through it is pushed (`proxy not found`, seen with 21 Spring
            // producers on two cores).
            let each: Vec<Vec<Action>> = actions.iter().map(|a| vec![a.clone()]).collect();
            match pusher.push_groups(each, actions.len().max(1), 1, &|_| {}).await {
                Ok(()) => {}
                Err(e @ (Failure::Exec { .. } | Failure::Refused { .. })) => {
                    tracing::debug!(error = %e, "refused; the next round tries again");
                    refused = Some(e);
                }
                Err(e) => return Err(e),
            }
        } else {
            // A producer busy syncing can find a whole batch too slow and drop it: what is left
            // goes one action a transaction, in order (a proxy registers before voters name it).
            // An action can still be refused because one it depends on was dropped between the
            // two (`proxy not found`): the next round, after the chain settles, pushes both again.
            for a in &actions {
                if let Err(e) = pusher.push(std::slice::from_ref(a)).await {
                    tracing::debug!(error = %e, "refused; the next round tries again");
                    refused = Some(e);
                }
            }
        }
        actions = in_a_block(chain, &missing).await?;
        if actions.is_empty() {
            return Ok(());
        }
        tracing::debug!(left = actions.len(), "not in a block yet, pushing again");
    }
    Err(refused.unwrap_or_else(|| {
        Failure::chain(format!("{} actions did not make it into a block after {ROUNDS} pushes", actions.len()))
    }))
}

/// Pushes `actions` as one transaction, never split, and returns what `missing` finds once the
/// transaction is in a block: empty when it was taken. A refusal is no error here: what it left
/// is returned for the caller to push another way (actions that depend on each other, such as a
/// proxy's registration and the delegations to it, are safe from ordering only in one transaction).
pub async fn push_whole_confirmed<F, Fut>(
    pusher: &Pusher<'_>,
    chain: &Chain<'_>,
    actions: &[Action],
    missing: F,
) -> Result<Vec<Action>, Failure>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Vec<Action>, Failure>>,
{
    match pusher.push_whole(actions).await {
        Ok(()) => in_a_block(chain, &missing).await,
        Err(e @ (Failure::Exec { .. } | Failure::Refused { .. })) => {
            tracing::debug!(error = %e, "refused as one transaction");
            missing().await
        }
        Err(e) => Err(e),
    }
}

/// Blocks to let pass before what is still missing is pushed again.
const BLOCKS: u64 = 3;

/// Blocks after the push before `missing` is first asked: the one that holds the actions and
/// one built on it. The node answering may be the one producing, whose reads can show its block
/// in the making; a block with a successor is one the chain kept.
const FIRST_ASK: u64 = 2;

/// What `missing` still finds once it is empty or [`BLOCKS`] blocks have passed, asked as each
/// block comes from the [`FIRST_ASK`]th after the push on: most actions are in the next block.
async fn in_a_block<F, Fut>(chain: &Chain<'_>, missing: &F) -> Result<Vec<Action>, Failure>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Vec<Action>, Failure>>,
{
    let pushed = chain.head_block_num().await?;
    let mut asked = pushed + FIRST_ASK - 1;
    loop {
        let after = asked;
        let head = wait_for("the next block", std::time::Duration::from_secs(20), move || async move {
            let head = chain.head_block_num().await?;
            Ok((head > after).then_some(head))
        })
        .await?;
        asked = head;
        let left = missing().await?;
        if left.is_empty() || head >= pushed + BLOCKS {
            return Ok(left);
        }
    }
}
