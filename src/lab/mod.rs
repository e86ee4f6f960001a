//! The library behind `lab`: a lab as a test fixture.
//!
//! [`LabConfig`] says what to bring up (a topology file, a YAML string, or
//! [`LabConfigBuilder`]), checked as `lab.yaml` is. [`Lab::up`] brings it up and boots it and
//! returns a [`Lab`] handle: its API URL, chain id, accounts with their keys, cleos and commands
//! in its containers, host files copied in for cleos to read. Dropping the handle takes the lab
//! down, also when the test panics, unless [`Lab::keep`] was called. The `lab` command line's
//! `up`, `down`, `cleos`, `exec` and `boot` are built on this.
//!
//! Errors are [`anyhow::Error`]s whose causes can be told apart by downcasting:
//! [`crate::topology::ValidationErrors`] (a bad topology, every problem with its path),
//! [`crate::boot::BootError`] (a boot step failed), [`crate::runtime::RuntimeError`] (the engine).

#![deny(missing_docs)]

mod accounts;
mod builder;
mod config;
mod down;
mod faults;
mod guard;
mod handle;
mod lifecycle;
mod snapshot;
mod up;
mod wait;

pub use accounts::{AccountRole, LabAccount};
pub use builder::LabConfigBuilder;
pub use config::LabConfig;
pub use down::{down, down_labs};
pub use faults::{HealReport, PartitionReport};
pub use handle::{Lab, UPLOADS_DIR};
pub use snapshot::{FromBundle, Snapshot};
pub use up::UpOptions;
