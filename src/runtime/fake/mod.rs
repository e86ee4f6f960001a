//! An in-memory [`Runtime`]: containers, networks, volumes and images as plain data, exec answered
//! by scripts the test gives, and every call recorded. It lets `up`, `down` and the boot be tested
//! without Docker, in milliseconds; the Docker tests then only need to prove the real engine
//! behaves the same.
//!
//! It keeps the engine's rules that callers depend on: a container needs its image and network to
//! be created, only a running container takes an exec, a network with running containers and a
//! volume in use cannot be removed, and label filters select as Docker's do.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use antelope_lab::runtime::fake::{Call, FakeRuntime};
//! use antelope_lab::runtime::{ExecOutput, Runtime};
//!
//! let rt = FakeRuntime::new();
//! rt.on_exec(|call| call.script().starts_with("cleos get info").then(|| ExecOutput::ok("{}")));
//! # rt.add_image("img");
//! # rt.ensure_network("net", &Default::default()).await.unwrap();
//! # let spec = antelope_lab::runtime::ContainerSpec {
//! #     name: "lab-genesis".into(), hostname: "genesis".into(), image: "img".into(), network: "net".into(),
//! #     entrypoint: vec![], cmd: vec![], env: vec![], labels: Default::default(), mounts: vec![],
//! #     ports: vec![], stop_timeout: 1, share_network_of: None, cap_add: vec![],
//! #     cpu_shares: None,
//! # };
//! # rt.create_container(&spec).await.unwrap();
//! # rt.start_container("lab-genesis").await.unwrap();
//! let cmd = ["cleos".to_string(), "get".into(), "info".into()];
//! assert_eq!(rt.exec("lab-genesis", &cmd, None).await.unwrap().stdout, "{}");
//! assert!(rt.calls().contains(&Call::Exec("lab-genesis".into())));
//! assert_eq!(rt.execs()[0].script(), "cleos get info");
//! # });
//! ```
//!
//! The fake is in parts: `calls` holds the record of what was asked ([`Call`], [`ExecCall`]),
//! `state` the engine's objects as data, `scene` what a test sets and reads, and `engine` the
//! [`Runtime`] implementation that keeps the engine's rules.

mod calls;
mod engine;
mod scene;
mod state;

#[cfg(test)]
mod tests;

pub(crate) use calls::{Call, ExecCall};

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::ExecOutput;
#[cfg(doc)]
use super::Runtime;
use state::State;

type ExecHandler = Arc<dyn Fn(&ExecCall) -> Option<ExecOutput> + Send + Sync>;

/// An in-memory container engine. See the [module documentation](self).
#[derive(Default)]
pub struct FakeRuntime {
    state: Mutex<State>,
    /// Newest last; tried newest first.
    handlers: Mutex<Vec<ExecHandler>>,
}

/// Whether `labels` pass every filter: `key=value` needs that value, `key` only the key, as the
/// Docker API's `label` filters do.
pub fn labels_match(labels: &BTreeMap<String, String>, filters: &[String]) -> bool {
    filters.iter().all(|f| match f.split_once('=') {
        Some((key, value)) => labels.get(key).is_some_and(|v| v == value),
        None => labels.contains_key(f.as_str()),
    })
}
