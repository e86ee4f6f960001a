//! The library behind `lab`: a lab as a test fixture.
//!
//! [`LabConfig`] says what to bring up (a topology file, a YAML string, or
//! [`LabConfigBuilder`]), checked as `lab.yaml` is. [`Lab::up`] brings it up and boots it and
//! returns a [`Lab`] handle: its API URL, chain id, accounts with their keys, cleos and commands
//! in its containers, host files copied in for cleos to read. Dropping the handle takes the lab
//! down, also when the test panics, unless [`Lab::keep`] was called. The `lab` command line's
//! `up`, `down`, `cleos`, `exec` and `boot` are built on this.
//!
//! Every call returns [`Error`], one variant per kind of failure (an invalid topology with its
//! field paths, no engine, a boot step that failed, a wait that timed out, a state folder `up`
//! never made, an interrupt, …): match on it, no downcasting and no reading of messages.

#![deny(missing_docs)]

/// Returns an [`Error::Other`] with a message, as `anyhow::bail!` does for anyhow.
macro_rules! fail {
    ($($message:tt)*) => {
        return Err($crate::lab::Error::msg(format!($($message)*)))
    };
}

mod accounts;
mod builder;
mod config;
mod down;
mod error;
mod faults;
mod guard;
mod handle;
mod lifecycle;
mod load;
mod query;
mod records;
mod snapshot;
mod status;
mod up;
mod upgrade;
mod wait;

pub use accounts::{AccountRole, LabAccount};
pub use builder::LabConfigBuilder;
pub use config::LabConfig;
pub use down::down;
pub use error::{Error, Result};
pub use faults::{HealReport, PartitionReport};
pub use handle::{Lab, UPLOADS_DIR};
pub use snapshot::{FromBundle, Snapshot};
pub(crate) use status::status_of;
pub use status::{Finality, LabStatus, NodeStatus};
pub use up::UpOptions;
