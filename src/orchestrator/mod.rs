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

pub mod accounts;
pub mod engine;
pub use accounts::{list_accounts, ListedAccount, ListedRole};
pub mod api_port;
mod down;
pub mod endpoints;
mod image;
mod lifecycle;
mod nodes;
mod options;
mod probe;
mod ready;
mod recover;
pub mod release;
mod rollback;
mod select;
mod snapshot;
mod spec;
mod up;
mod upgrade;

#[cfg(test)]
mod tests;

pub use crate::runtime::health::{describe, down_reason, health, indent, Health, CLEAN_EXIT_CODES, DIRTY_FLAG};
pub use down::{down, DownReport};
pub use image::{ensure_image, ensure_nettools_image};
pub use lifecycle::{
    kill, live, parse_signal, pause, recover_all, require, start, stop, unpause, LifecycleError, StartReport,
};
pub use nodes::{genesis_of, node_containers};
pub use options::{check_options, nodeos_help, probe_name, OptionsChecked};
pub use probe::{probe_image, run_probe, ProbeOutput};
pub use ready::{wait_all, wait_node, wait_ready};
pub use recover::{needs_recovery, recover, RecoverError, Recovery};
pub use rollback::{roll_back, undo, Created, Objects, Undone, UpInterrupted};
pub use select::{select, SelectError};
pub use snapshot::{snapshot_at_head, HeadSnapshot};
pub use spec::{container_spec, start_paused_marker};
pub use up::{
    busy_ports, create_network_and_volumes, decide, start_all_at_once, up, up_recorded, PortsBusy, Preload, UpPlan,
    UpReport,
};
pub use upgrade::{upgrade, Upgraded};

pub use crate::labels::lab_filter;

/// Seconds nodeos gets to shut down after SIGTERM: it flushes its state database, and a database
/// killed mid-write is "dirty" and refuses to start again.
pub const STOP_TIMEOUT_SECS: i64 = 60;
