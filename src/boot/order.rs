//! Which steps run when: each once every step it needs ([`StepName::needs`]) among those asked
//! for has ended, those that need nothing of one another side by side.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use futures::stream::{FuturesUnordered, StreamExt};

use super::steps::ProducerNodes;
use super::StepName;

/// Runs `start(name)` for each of `names` in that order of needs (which depends on whether the
/// producers' nodes are to start: [`StepName::needs`]), and gives the results in the boot's
/// order. The first error ends it: the steps still running are dropped where they are (a step's
/// checks make a rerun resume), and those not started never start.
pub async fn by_needs<T, E, F, Fut>(
    names: &[StepName],
    producers: ProducerNodes,
    start: F,
) -> Result<BTreeMap<StepName, T>, E>
where
    F: Fn(StepName) -> Fut,
    Fut: Future<Output = (StepName, Result<T, E>)>,
{
    let mut waiting: Vec<(StepName, BTreeSet<StepName>)> = names
        .iter()
        .map(|&n| (n, n.needs_all(producers).into_iter().filter(|s| names.contains(s)).collect()))
        .collect();
    let mut running = FuturesUnordered::new();
    let mut ended = BTreeMap::new();
    loop {
        let (ready, rest): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|(_, needs)| needs.is_empty());
        waiting = rest;
        running.extend(ready.into_iter().map(|(name, _)| start(name)));
        let Some((name, result)) = running.next().await else { break };
        ended.insert(name, result?);
        for (_, needs) in &mut waiting {
            needs.remove(&name);
        }
    }
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::boot::select;
    use StepName::*;

    /// Each step takes `ms(step)` of (paused) time; the log says when each began and ended.
    async fn run(names: &[StepName], ms: impl Fn(StepName) -> u64, fail: Option<StepName>) -> Vec<(u64, String)> {
        run_with(names, ProducerNodes::ToStart, ms, fail).await
    }

    async fn run_with(
        names: &[StepName],
        producers: ProducerNodes,
        ms: impl Fn(StepName) -> u64,
        fail: Option<StepName>,
    ) -> Vec<(u64, String)> {
        let log = Mutex::new(Vec::new());
        let t0 = tokio::time::Instant::now();
        let at = || t0.elapsed().as_millis() as u64;
        let result = by_needs(names, producers, |name| {
            let (log, at, ms) = (&log, &at, &ms);
            async move {
                log.lock().unwrap().push((at(), format!("{name} began")));
                tokio::time::sleep(Duration::from_millis(ms(name))).await;
                log.lock().unwrap().push((at(), format!("{name} ended")));
                (name, if Some(name) == fail { Err(name) } else { Ok(name) })
            }
        })
        .await;
        match fail {
            Some(f) => assert_eq!(result, Err(f)),
            None => assert_eq!(result.unwrap().into_keys().collect::<Vec<_>>(), names),
        }
        log.into_inner().unwrap()
    }

    fn when(log: &[(u64, String)], what: &str) -> Option<u64> {
        log.iter().find(|(_, w)| w == what).map(|(t, _)| *t)
    }

    #[tokio::test(start_paused = true)]
    async fn the_steps_after_the_votes_run_beside_the_takeover() {
        let names = select(&[], None, &[], false);
        // The takeover (claim) is the long one, as on a chain.
        let log = run(&names, |s| if s == Claim { 2000 } else { 100 }, None).await;
        let vote = when(&log, "vote ended").unwrap();
        for s in ["finality", "claim", "proxy"] {
            assert_eq!(when(&log, &format!("{s} began")), Some(vote), "{s}: {log:?}");
        }
        // resign after finality, before the claim's end; the log after everything.
        assert_eq!(when(&log, "resign began"), when(&log, "finality ended"));
        assert!(when(&log, "resign ended").unwrap() < when(&log, "claim ended").unwrap(), "{log:?}");
        assert_eq!(when(&log, "log began"), when(&log, "claim ended"));
        // The system contract beside the token contracts, then one after the other: wallet, sys,
        // {contracts → tokens, sys-contract}, init, stake, reg-prod, start-prod, vote.
        assert_eq!(when(&log, "sys-contract began"), when(&log, "contracts began"));
        assert_eq!(when(&log, "init began"), when(&log, "tokens ended"));
        assert_eq!(vote, 900);
        assert_eq!(log.last().unwrap(), &(3000, "log ended".to_string()));
    }

    #[tokio::test(start_paused = true)]
    async fn producers_that_run_already_are_checked_beside_the_votes() {
        let names = select(&[], None, &[], false);
        // start-prod's check of running nodes waits for a busy one: longer than the votes.
        let ms = |s| match s {
            Claim => 2000,
            StartProd => 300,
            _ => 100,
        };
        let log = run_with(&names, ProducerNodes::Running, ms, None).await;
        let reg_prod = when(&log, "reg-prod ended").unwrap();
        assert_eq!(when(&log, "vote began"), Some(reg_prod), "{log:?}");
        assert_eq!(when(&log, "start-prod began"), Some(reg_prod), "{log:?}");
        // The takeover and the finalizers wait for the check; the proxy only for the votes.
        let checked = when(&log, "start-prod ended").unwrap();
        assert_eq!(when(&log, "claim began"), Some(checked), "{log:?}");
        assert_eq!(when(&log, "finality began"), Some(checked), "{log:?}");
        assert_eq!(when(&log, "proxy began"), when(&log, "vote ended"), "{log:?}");
        // Producers to start: the votes wait for them.
        let log = run_with(&names, ProducerNodes::ToStart, ms, None).await;
        assert_eq!(when(&log, "vote began"), when(&log, "start-prod ended"), "{log:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_step_not_asked_for_still_orders_those_that_need_it() {
        // Without finality, resign still waits for the votes (through finality's needs).
        let names = [Vote, Claim, Proxy, Resign];
        let log = run(&names, |_| 100, None).await;
        for s in ["claim", "proxy", "resign"] {
            assert_eq!(when(&log, &format!("{s} began")), Some(100), "{s}: {log:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_failure_ends_the_run_and_nothing_after_it_starts() {
        let names = select(&[], None, &[], false);
        let ms = |s| match s {
            Claim => 2000,
            Proxy => 150,
            _ => 100,
        };
        let log = run(&names, ms, Some(Proxy)).await;
        // proxy failed at 1050: resign (begun at 1000) and claim, still running, were dropped;
        // nothing after them began.
        assert_eq!(when(&log, "proxy ended"), Some(1050));
        assert_eq!(when(&log, "resign began"), Some(1000));
        for s in ["resign ended", "claim ended", "log began"] {
            assert_eq!(when(&log, s), None, "{s}: {log:?}");
        }
    }
}
