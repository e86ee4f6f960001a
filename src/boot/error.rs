//! How a boot fails: the step that was running, and what went wrong in it.

use thiserror::Error;

use super::StepName;
use crate::client::ApiError;
use crate::runtime::RuntimeError;

/// A failed boot: the step that was running and its failure.
#[derive(Debug, Error)]
pub struct BootError {
    /// The step that failed.
    pub step: StepName,
    pub(crate) failure: Failure,
}

impl std::fmt::Display for BootError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.failure {
            // The node goes beside the step: `step sys on lab-genesis: cleos set exited with code 1`.
            Failure::Exec { node, what, code, stderr } => {
                write!(f, "step {} on {node}: {what} exited with code {code}:\n{stderr}", self.step)
            }
            Failure::Refused { node, what, reason } => {
                write!(f, "step {} on {node}: {what} was refused:\n{reason}", self.step)
            }
            other => write!(f, "step {}: {other}", self.step),
        }
    }
}

/// What went wrong inside a step. The machinery the steps share returns this; the runner adds
/// the step's name.
#[derive(Debug, Error)]
pub enum Failure {
    /// A command in a container exited non-zero (after the retries it was worth).
    #[error("{what} on {node} exited with code {code}:\n{stderr}")]
    Exec { node: String, what: String, code: i64, stderr: String },
    /// The node refused a transaction sent to its API (after the retries it was worth); `reason`
    /// is its error as cleos prints it (`Error 3050003: …`).
    #[error("{what} on {node} was refused:\n{reason}")]
    Refused { node: String, what: String, reason: String },
    #[error("timed out after {secs}s waiting for {what}")]
    Timeout { what: String, secs: u64 },
    /// The chain is in a state the step cannot carry on from.
    #[error("{0}")]
    Chain(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

impl Failure {
    /// What the chain said of a transaction it did not take, whichever way it was sent.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            Failure::Exec { stderr, .. } => Some(stderr),
            Failure::Refused { reason, .. } => Some(reason),
            _ => None,
        }
    }

    pub fn chain(message: impl Into<String>) -> Self {
        Failure::Chain(message.into())
    }

    pub fn in_step(self, step: StepName) -> BootError {
        BootError { step, failure: self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_names_its_step() {
        let e = Failure::Exec { node: "lab-genesis".into(), what: "cleos set".into(), code: 1, stderr: "no".into() }
            .in_step(StepName::Contracts);
        assert_eq!(e.to_string(), "step contracts on lab-genesis: cleos set exited with code 1:\nno");
        let e = Failure::Timeout { what: "three more blocks".into(), secs: 20 }.in_step(StepName::Proxy);
        assert_eq!(e.to_string(), "step proxy: timed out after 20s waiting for three more blocks");
        assert_eq!(Failure::chain("gone").in_step(StepName::StartProd).to_string(), "step start-prod: gone");
    }
}
