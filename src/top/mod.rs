//! `lab top`: a live view of a running lab.
//!
//! Collecting and drawing are apart: [`Collector`] asks the engine and nodeos (each node in its own
//! container, one exec each, for its `get_info` and `net/connections`; one for the new blocks'
//! headers; the engine's stats per container) and returns a [`Sample`] as it came; [`Tracker`] folds samples into a [`Frame`]
//! (lags, CPU shares, blocks per second, the producers' rounds and missed slots), purely; `draw`
//! and `plain` only show a frame.

mod collect;
#[cfg(test)]
mod collect_tests;
#[cfg(feature = "cli")]
mod draw;
mod frame;
mod plain;
mod rounds;
mod sample;
#[cfg(all(test, feature = "cli"))]
mod tests;

pub(crate) use collect::Collector;
#[cfg(feature = "cli")]
pub(crate) use draw::{draw, View};
pub(crate) use frame::{Frame, Tracker};
pub(crate) use plain::plain;
pub(crate) use rounds::{slot_at, slot_of, turn_of, BlockSeen, Production, BLOCKS_PER_TURN};
pub(crate) use sample::{NodeSample, Sample};
