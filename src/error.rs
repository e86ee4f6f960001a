//! Exit codes, decided in one place.

use std::process::ExitCode;

use crate::boot::BootError;
use crate::runtime::RuntimeError;
use crate::topology::ValidationErrors;

/// Ctrl-C.
#[derive(Debug, thiserror::Error)]
#[error("interrupted. Everything created so far carries the lab's labels: `lab down` removes it")]
pub struct Interrupted;

pub mod code {
    pub const FAILURE: u8 = 1;
    /// The topology is invalid (usage errors of the command line are 2, from clap).
    pub const INVALID_TOPOLOGY: u8 = 3;
    /// The Docker engine cannot be reached.
    pub const NO_ENGINE: u8 = 4;
    /// A boot step failed.
    pub const BOOT_FAILED: u8 = 5;
    pub const INTERRUPTED: u8 = 130;
}

pub fn exit_code(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if cause.is::<ValidationErrors>() {
            return code::INVALID_TOPOLOGY;
        }
        if let Some(RuntimeError::Connect(_)) = cause.downcast_ref::<RuntimeError>() {
            return code::NO_ENGINE;
        }
        if cause.is::<BootError>() {
            return code::BOOT_FAILED;
        }
        if cause.is::<Interrupted>() {
            return code::INTERRUPTED;
        }
    }
    code::FAILURE
}

/// Prints the error (with its causes) and returns the exit code.
pub fn report(e: &anyhow::Error) -> ExitCode {
    let mut text = format!("error: {e}");
    for cause in e.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    eprintln!("{}", text.trim_end());
    ExitCode::from(exit_code(e))
}
