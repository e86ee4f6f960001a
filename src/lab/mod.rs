//! The live lab: bringing a plan up as containers, finding it again by its labels, taking it down.
//!
//! Each step has its file: [`container_spec`] turns a node of the plan into a container (`spec`),
//! [`ensure_image`] makes the nodeos image present (`image`), [`up`] decides and does what the lab
//! needs (`up`), [`wait_ready`] waits for the nodes to answer (`ready`), and [`down`] removes what
//! carries the lab's label (`down`).

mod down;
mod image;
mod ready;
mod spec;
mod up;

#[cfg(test)]
mod tests;

pub use down::{down, DownReport};
pub use image::ensure_image;
pub use ready::{indent, wait_node, wait_ready};
pub use spec::container_spec;
pub use up::{busy_ports, create_network_and_volumes, decide, start_all_at_once, up, UpPlan, UpReport};

use crate::labels;

/// Seconds nodeos gets to shut down after SIGTERM: it flushes its state database, and a database
/// killed mid-write is "dirty" and refuses to start again.
pub const STOP_TIMEOUT_SECS: i64 = 60;

/// Label filters that select one lab, or every lab.
pub fn lab_filter(lab: Option<&str>) -> Vec<String> {
    match lab {
        Some(name) => vec![labels::filter(labels::LAB, name)],
        None => vec![labels::LAB.to_string()],
    }
}
