//! Exit codes, decided in one place.

use std::process::ExitCode;

use crate::lab::Error;

/// Ctrl-C during a command: the library's [`Error::Interrupted`], with what is left to do.
pub fn interrupted() -> anyhow::Error {
    anyhow::Error::from(Error::Interrupted)
        .context("stopped by Ctrl-C; everything created so far carries the lab's labels: `lab down` removes it")
}

pub(crate) mod code {
    /// Anything else.
    pub const FAILURE: u8 = 1;
    /// Bad arguments: clap's own usage errors, and fault arguments `lab` refuses.
    pub const USAGE: u8 = 2;
    /// The topology is invalid (usage errors of the command line are 2, from clap).
    pub const INVALID_TOPOLOGY: u8 = 3;
    /// The Docker engine cannot be reached.
    pub const NO_ENGINE: u8 = 4;
    /// A boot step failed.
    pub const BOOT_FAILED: u8 = 5;
    /// `lab wait` timed out before its conditions held.
    pub const WAIT_TIMED_OUT: u8 = 6;
    /// `lab load` ran, and an accepted transaction is not in exactly one irreversible block, or
    /// the balances do not add up (the report says which).
    pub const LOAD_LOST: u8 = 7;
    /// Stopped by Ctrl-C.
    pub const INTERRUPTED: u8 = 130;
}

/// The exit code of an error's kind.
pub fn code_of(e: &Error) -> u8 {
    match e {
        Error::InvalidTopology(_) => code::INVALID_TOPOLOGY,
        Error::NoEngine(_) => code::NO_ENGINE,
        Error::Usage(_) => code::USAGE,
        Error::StepFailed(_) => code::BOOT_FAILED,
        Error::TimedOut(_) => code::WAIT_TIMED_OUT,
        Error::Interrupted => code::INTERRUPTED,
        Error::Load(crate::load::LoadError::BadOptions(_) | crate::load::LoadError::BadAction(_)) => code::USAGE,
        Error::Load(_) => code::FAILURE,
        Error::StateMissing(_) | Error::PortsBusy(_) | Error::Other(_) => code::FAILURE,
    }
}

/// The exit code of what a command returned: the kind the library gives it ([`Error`]'s
/// conversion reads it by type), never the text.
pub fn exit_code(e: anyhow::Error) -> u8 {
    code_of(&Error::from(e))
}

/// Prints the error (with its causes, every context a command added) and returns the exit code.
pub fn report(e: anyhow::Error) -> ExitCode {
    let mut text = format!("error: {e}");
    for cause in e.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    eprintln!("{}", text.trim_end());
    ExitCode::from(exit_code(e))
}

#[cfg(test)]
mod tests {
    use anyhow::{anyhow, Context};

    use super::*;
    use crate::boot::BootError;
    use crate::runtime::RuntimeError;
    use crate::topology::{ValidationError, ValidationErrors};

    /// README's exit code table lists exactly the codes the command line gives.
    #[test]
    fn the_readme_lists_every_exit_code() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let table = readme.split("## Exit codes").nth(1).expect("an exit code table");
        let listed: std::collections::BTreeSet<u8> = table
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(' ').next()?.parse().ok())
            .collect();
        let real = [
            0,
            code::FAILURE,
            code::USAGE,
            code::INVALID_TOPOLOGY,
            code::NO_ENGINE,
            code::BOOT_FAILED,
            code::WAIT_TIMED_OUT,
            code::LOAD_LOST,
            code::INTERRUPTED,
        ]
        .into();
        assert_eq!(listed, real);
    }

    fn validation() -> ValidationErrors {
        let error = ValidationError { path: "producers[3].name".into(), message: "not a valid account name".into() };
        ValidationErrors { source: "lab.yaml".into(), errors: vec![error] }
    }

    fn boot_failure() -> BootError {
        crate::boot::Failure::chain("the chain refused").in_step(crate::boot::StepName::RegProd)
    }

    /// The code for an error under two layers of context.
    fn wrapped(e: anyhow::Error) -> u8 {
        let inner: anyhow::Result<()> = Err(e);
        let outer = inner.context("bringing the lab up").context("lab up");
        exit_code(outer.unwrap_err())
    }

    #[test]
    fn an_invalid_topology_exits_3() {
        assert_eq!(exit_code(validation().into()), 3);
        assert_eq!(wrapped(validation().into()), 3);
    }

    #[test]
    fn an_unreachable_engine_exits_4() {
        let e = || RuntimeError::Connect("connection refused".into());
        assert_eq!(exit_code(e().into()), 4);
        assert_eq!(wrapped(e().into()), 4);
    }

    #[test]
    fn a_failed_boot_exits_5() {
        assert_eq!(exit_code(boot_failure().into()), 5);
        assert_eq!(wrapped(boot_failure().into()), 5);
    }

    #[test]
    fn a_timed_out_wait_exits_6() {
        let e = || crate::wait::WaitTimedOut { secs: 3, observed: vec!["head 140 (wanted ≥ 150)".into()] };
        assert_eq!(exit_code(e().into()), 6);
        assert_eq!(wrapped(e().into()), 6);
        assert_eq!(e().to_string(), "timed out after 3s: head 140 (wanted ≥ 150)");
    }

    #[test]
    fn an_interruption_exits_130() {
        assert_eq!(exit_code(interrupted()), 130);
        assert_eq!(wrapped(interrupted()), 130);
        assert_eq!(exit_code(crate::orchestrator::UpInterrupted.into()), 130);
    }

    #[test]
    fn refused_fault_arguments_exit_2() {
        let e = || crate::faults::SpecErrors(vec!["\"ghost\" is not a node of this lab".into()]);
        assert_eq!(exit_code(e().into()), 2);
        assert_eq!(wrapped(e().into()), 2);
    }

    #[test]
    fn anything_else_exits_1() {
        assert_eq!(exit_code(anyhow!("cannot read lab.yaml")), 1);
        assert_eq!(wrapped(anyhow!("cannot read lab.yaml")), 1);
        // Only a failed connection is "no engine": an engine that refuses an operation is not.
        let refused = RuntimeError::op("create container", "lab-genesis", "conflict");
        assert_eq!(exit_code(refused.into()), 1);
    }

    #[test]
    fn a_typed_error_given_context_directly_keeps_its_code() {
        let e = Err::<(), _>(validation()).context("reading the topology").unwrap_err();
        assert_eq!(exit_code(e), 3);
    }

    #[test]
    fn an_error_of_the_handle_keeps_its_code_under_a_command_s_context() {
        let e = anyhow::Error::from(crate::lab::Error::from(boot_failure()));
        assert_eq!(wrapped(e), 5);
        let missing =
            crate::state::StateMissing { lab: "x".into(), dir: "/nowhere/x".into(), missing: "does not exist" };
        assert_eq!(exit_code(crate::lab::Error::from(missing).into()), 1);
    }
}
