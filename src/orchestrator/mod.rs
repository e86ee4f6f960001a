//! The orchestrator: a plan brought up as containers, found again by its labels, kept, recovered
//! and taken down.
//!
//! Each step has its file: [`container_spec`] turns a node of the plan into a container (`spec`),
//! [`ensure_image`] makes the nodeos image present (`image`), [`up`] decides and does what the lab
//! needs (`up`), [`wait_ready`] waits for the nodes to answer (`ready`), and [`down`] removes what
//! carries the lab's label (`down`). [`select`] resolves node names given on the command line,
//! [`health`] reads a container as running, stopped, paused or crashed, [`node_containers`]
//! lists a lab's nodes by their labels, `lifecycle` stops, starts, kills and pauses nodes, and
//! [`recover`] brings back one that crashed.

pub(crate) mod accounts;
pub(crate) mod engine;
pub(crate) use accounts::list_accounts;
pub use accounts::{ListedAccount, ListedRole};
pub(crate) mod api_port;
mod down;
pub(crate) mod endpoints;
mod image;
mod lifecycle;
mod nodes;
mod options;
mod probe;
mod ready;
mod recover;
pub(crate) mod release;
mod rollback;
mod select;
mod snapshot;
mod spec;
mod up;
mod upgrade;

#[cfg(test)]
mod tests;

pub(crate) use crate::runtime::health::{down_reason, health, indent, Health};
pub(crate) use down::down;
pub use down::DownReport;
pub(crate) use image::{ensure_image, ensure_nettools_image};
pub use lifecycle::StartReport;
pub(crate) use lifecycle::{kill, parse_signal, pause, recover_all, start, stop, unpause, LifecycleError};
pub(crate) use nodes::{genesis_of, node_containers};
pub(crate) use options::check_options;
pub(crate) use probe::probe_image;
pub(crate) use ready::{wait_all, wait_ready};
pub(crate) use recover::RecoverError;
pub use recover::Recovery;
pub(crate) use release::release_genesis;
pub(crate) use rollback::{undo, Created, Undone, UpInterrupted};
pub(crate) use select::{select, SelectError};
pub(crate) use snapshot::{snapshot_at_head, HeadSnapshot};
pub(crate) use spec::{container_spec, start_paused_marker};
pub use up::PortsBusy;
pub(crate) use up::{start_all_at_once, up_recorded, Preload};
pub(crate) use upgrade::upgrade;
pub use upgrade::Upgraded;

pub(crate) use crate::labels::lab_filter;

/// Seconds nodeos gets to shut down after SIGTERM: it flushes its state database, and a database
/// killed mid-write is "dirty" and refuses to start again.
pub const STOP_TIMEOUT_SECS: i64 = 60;
