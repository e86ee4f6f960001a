//! Calls asked side by side go to the node together: inside [`coalesced`], the calls that
//! futures of one task make at the same moment are sent by one `curl` in one exec per container,
//! instead of one exec each. An exec costs far more than a request (a process in the container,
//! a round trip through the engine), and a dozen at once on two cores take a second each.
//!
//! No background task and no global: the queue lives in a task-local value for the scope, and
//! the first call that finds it empty sends the batch once its siblings have had their turn to
//! join it (one yield: futures joined in one task are polled in the same round).

use std::sync::Mutex;

use serde_json::Value;
use tokio::sync::oneshot;

use super::{ApiError, NodeClient};

/// What a batched call gets back: the HTTP status and the answer (JSON, or text when it is
/// not), or why the batch got no answer at all.
type Answer = Result<(u16, Value), String>;

struct Pending {
    container: String,
    url: String,
    body: Value,
    answer: oneshot::Sender<Answer>,
}

#[derive(Default)]
struct Queue {
    pending: Mutex<Vec<Pending>>,
}

tokio::task_local! {
    static QUEUE: Queue;
}

/// Runs `fut` with its simultaneous node calls coalesced (see the module's doc). Inside another
/// such scope, its calls join that scope's batches.
pub async fn coalesced<F: std::future::Future>(fut: F) -> F::Output {
    if QUEUE.try_with(|_| ()).is_ok() {
        return fut.await;
    }
    QUEUE.scope(Queue::default(), fut).await
}

/// The answer to one call, through the scope's queue; `None` outside a [`coalesced`] scope.
pub(super) async fn call(client: &NodeClient<'_>, url: String, body: &Value) -> Option<Answer> {
    let (tx, rx) = oneshot::channel();
    let leader = QUEUE
        .try_with(|q| {
            let mut pending = q.pending.lock().unwrap_or_else(|e| e.into_inner());
            pending.push(Pending { container: client.container.to_string(), url, body: body.clone(), answer: tx });
            pending.len() == 1
        })
        .ok()?;
    if leader {
        // The siblings polled after this one in the same round queue their calls meanwhile.
        tokio::task::yield_now().await;
        let batch = QUEUE.with(|q| std::mem::take(&mut *q.pending.lock().unwrap_or_else(|e| e.into_inner())));
        send(client, batch).await;
    }
    Some(rx.await.unwrap_or_else(|_| Err("the batch it was in was dropped".into())))
}

/// Sends a batch, one curl per container, and hands each call its answer.
async fn send(client: &NodeClient<'_>, batch: Vec<Pending>) {
    let mut by_container: Vec<(String, Vec<Pending>)> = Vec::new();
    for p in batch {
        match by_container.iter_mut().find(|(c, _)| *c == p.container) {
            Some((_, calls)) => calls.push(p),
            None => by_container.push((p.container.clone(), vec![p])),
        }
    }
    let sends = by_container.into_iter().map(|(container, calls)| async move {
        let node = NodeClient { rt: client.rt, container: &container, base_url: client.base_url.clone(), direct: None };
        let requests: Vec<(String, Value)> = calls.iter().map(|p| (p.url.clone(), p.body.clone())).collect();
        match node.curl_many_within(&requests, super::CALL_SECS).await {
            Ok((answers, _)) => {
                for (p, a) in calls.into_iter().zip(answers) {
                    let _ = p.answer.send(Ok(a));
                }
            }
            Err(e) => {
                let why = e.to_string();
                for p in calls {
                    let _ = p.answer.send(Err(why.clone()));
                }
            }
        }
    });
    futures::future::join_all(sends).await;
}

/// One batched answer read as [`NodeClient::call`] reads its own.
pub(super) fn read(client: &NodeClient<'_>, path: &str, answer: Answer) -> Result<Value, ApiError> {
    let container = client.container.to_string();
    let (status, body) =
        answer.map_err(|detail| ApiError::Unreachable { container: container.clone(), path: path.into(), detail })?;
    if status == 0 {
        return Err(ApiError::Unreachable { container, path: path.into(), detail: "no answer".into() });
    }
    if !(200..300).contains(&status) {
        let text = match &body {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return Err(ApiError::Status { container, path: path.into(), status, body: text.chars().take(2000).collect() });
    }
    match body {
        Value::String(text) => {
            Err(ApiError::NotJson { container, path: path.into(), body: text.chars().take(500).collect() })
        }
        json => Ok(json),
    }
}
