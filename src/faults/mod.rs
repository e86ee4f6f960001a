//! Network faults on a running lab: partitions, loss, rate and delay, and healing them.
//!
//! `spec` parses and checks what the user asked for against the lab's nodes (pure), `rules` turns
//! it into the iptables and tc commands for one node (pure), `apply` runs those in one-shot helper
//! containers beside the nodes, and `record` keeps what is in effect for `lab status`.

pub(crate) mod apply;
pub(crate) mod record;
pub(crate) mod rules;
pub(crate) mod spec;

#[cfg(test)]
mod tests;

pub(crate) use apply::FaultError;
pub use spec::{LinkArgs, SpecErrors};
