//! Waiting on chain conditions: readiness is data, not sleep. Every timeout names what it
//! waited for.

use std::future::Future;
use std::time::{Duration, Instant};

use super::error::Failure;
use crate::client::Chain;

/// How long after an answer a condition is asked again. Where the genesis node is asked over
/// HTTP on this host an ask takes a few milliseconds, and a wait for the next block (every
/// 0.5 s) ends on average half a poll after it came: 150 ms left about 75 ms on each of the five
/// or so waits on a small lab's critical path. Through the engine an ask is an exec of 50–80 ms,
/// which spaces the asks by itself.
const POLL: Duration = Duration::from_millis(50);

/// Polls `check` until it gives a value; after `timeout`, fails naming `what`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, Failure>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if start.elapsed() > timeout {
            return Err(Failure::Timeout { what: what.into(), secs: timeout.as_secs() });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until three blocks have passed the current head: a transaction the node accepted is
/// then in a block, or was dropped and its effect is gone from the state the API reads.
pub async fn settle(chain: &Chain<'_>) -> Result<(), Failure> {
    let h0 = chain.head_block_num().await?;
    wait_for("three more blocks", Duration::from_secs(20), || async {
        Ok((chain.head_block_num().await? >= h0 + 3).then_some(()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_timeout_names_what_it_waited_for() {
        let e = wait_for::<(), _, _>("the moon", Duration::from_millis(10), || async { Ok(None) }).await.unwrap_err();
        assert_eq!(e.to_string(), "timed out after 0s waiting for the moon");
    }

    #[tokio::test]
    async fn returns_once_the_condition_holds() {
        let mut n = 0;
        let v = wait_for("three asks", Duration::from_secs(5), || {
            n += 1;
            let n = n;
            async move { Ok((n == 3).then_some(n)) }
        })
        .await
        .unwrap();
        assert_eq!(v, 3);
    }
}
