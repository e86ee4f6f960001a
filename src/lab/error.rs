//! [`Error`]: what can go wrong with a lab, by kind. Every call of the handle returns it; the
//! command line's exit codes come from its variant, never from the text of a message.

use crate::boot::protocol::ProtocolError;
use crate::boot::BootError;
use crate::bundle::BundleError;
use crate::client::ApiError;
use crate::deploy::DeployError;
use crate::faults::{FaultError, SpecErrors};
use crate::load::LoadError;
use crate::orchestrator::{LifecycleError, PortsBusy, RecoverError, SelectError, UpInterrupted};
use crate::runtime::RuntimeError;
use crate::state::StateMissing;
use crate::topology::ValidationErrors;
use crate::wait::WaitTimedOut;

/// The result of the handle's calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, by kind. Each variant carries the typed detail (field paths, the step and the
/// chain's message, what a wait saw); [`Error::Other`] carries anything else with its causes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The topology is invalid: every problem at once, each with its field path. Nothing was
    /// created.
    #[error(transparent)]
    InvalidTopology(ValidationErrors),
    /// The container engine cannot be reached (the engine's words).
    #[error("cannot reach the Docker engine ({0}); is the daemon running and is DOCKER_HOST right?")]
    NoEngine(String),
    /// Arguments refused before anything changed: a node the lab does not have, a fault's
    /// groups that do not split the lab, …
    #[error(transparent)]
    Usage(SpecErrors),
    /// A boot step failed: which step, on which node, which action, the chain's message.
    #[error(transparent)]
    StepFailed(BootError),
    /// A wait ended before its conditions held, with what was last seen.
    #[error(transparent)]
    TimedOut(WaitTimedOut),
    /// The lab's state folder is missing, or not one `up` made: `up` owns it, and nothing else
    /// makes or guesses it.
    #[error(transparent)]
    StateMissing(StateMissing),
    /// Host ports the lab publishes are held by another process; nothing was created.
    #[error(transparent)]
    PortsBusy(PortsBusy),
    /// A load run could not start (its options, the accounts' keys or funds, no API node
    /// answering: nothing was sent), or the chain stopped answering during it.
    #[error(transparent)]
    Load(LoadError),
    /// Stopped by the caller (the `stop` future of [`super::Lab::up_until`], Ctrl-C on the command
    /// line) after removing what had been created.
    #[error("interrupted")]
    Interrupted,
    /// Anything else: the engine refused an operation, a node did not answer in time, a file could
    /// not be read… with its causes.
    #[error(transparent)]
    Other(anyhow::Error),
}

impl Error {
    /// Anything else, as a message.
    pub(crate) fn msg(message: impl std::fmt::Display + Send + Sync + 'static) -> Self {
        Error::Other(anyhow::Error::msg(message.to_string()))
    }
}

/// The layers below return [`anyhow::Error`]s built from typed errors; the kind is read here, by
/// type, once. The text of the typed error is what it says; context that an inner layer put around
/// a typed error is dropped with the wrapper (a typed error says what it is about).
impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        fn take<T: std::error::Error + Send + Sync + 'static>(e: anyhow::Error) -> Result<T, anyhow::Error> {
            if e.chain().any(|c| c.is::<T>()) {
                e.downcast::<T>()
            } else {
                Err(e)
            }
        }
        let e = match take::<Error>(e) {
            Ok(inner) => return inner,
            Err(e) => e,
        };
        if let Some(RuntimeError::Connect(message)) = e.chain().find_map(|c| c.downcast_ref::<RuntimeError>()) {
            return Error::NoEngine(message.clone());
        }
        if e.chain().any(|c| c.is::<UpInterrupted>()) {
            return Error::Interrupted;
        }
        // The first of these kinds found in the chain, taken out of it whole.
        macro_rules! kind {
            ($e:ident; $($t:ty => $variant:ident),*) => {
                $(let $e = match take::<$t>($e) {
                    Ok(v) => return Error::$variant(v),
                    Err(e) => e,
                };)*
            };
        }
        kind!(e; ValidationErrors => InvalidTopology, SpecErrors => Usage, BootError => StepFailed,
              WaitTimedOut => TimedOut, StateMissing => StateMissing, LoadError => Load);
        match take::<PortsBusy>(e) {
            Ok(v) => Error::PortsBusy(v),
            Err(e) => Error::Other(e),
        }
    }
}

macro_rules! from_typed {
    ($($t:ty => $variant:ident),* $(,)?) => {
        $(impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::$variant(e)
            }
        })*
    };
}

from_typed!(
    ValidationErrors => InvalidTopology,
    SpecErrors => Usage,
    BootError => StepFailed,
    WaitTimedOut => TimedOut,
    StateMissing => StateMissing,
    PortsBusy => PortsBusy,
    LoadError => Load,
);

impl From<RuntimeError> for Error {
    fn from(e: RuntimeError) -> Self {
        match e {
            RuntimeError::Connect(message) => Error::NoEngine(message),
            other => Error::Other(other.into()),
        }
    }
}

impl From<FaultError> for Error {
    fn from(e: FaultError) -> Self {
        match e {
            FaultError::Runtime(e) => e.into(),
            other => Error::Other(other.into()),
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Runtime(e) => e.into(),
            other => Error::Other(other.into()),
        }
    }
}

impl From<UpInterrupted> for Error {
    fn from(_: UpInterrupted) -> Self {
        Error::Interrupted
    }
}

/// Errors of the layers below with no kind of their own here: [`Error::Other`].
macro_rules! other {
    ($($t:ty),* $(,)?) => {
        $(impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Other(e.into())
            }
        })*
    };
}

other!(std::io::Error, SelectError, LifecycleError, BundleError, DeployError, RecoverError, ProtocolError);

#[cfg(test)]
mod tests {
    use anyhow::Context;

    use super::*;
    use crate::topology::ValidationError;

    fn validation() -> ValidationErrors {
        let error = ValidationError { path: "producers[3].name".into(), message: "not a valid account name".into() };
        ValidationErrors { source: "lab.yaml".into(), errors: vec![error] }
    }

    #[test]
    fn the_kind_is_read_by_type_through_context() {
        let e: Error = anyhow::Error::from(validation()).context("reading the lab").into();
        let Error::InvalidTopology(v) = e else { panic!("{e:?}") };
        assert_eq!(v.errors[0].path, "producers[3].name");

        let e: Error = anyhow::Error::from(RuntimeError::Connect("refused".into())).context("listing").into();
        assert!(matches!(&e, Error::NoEngine(m) if m == "refused"), "{e:?}");

        let e: Error = anyhow::Error::from(UpInterrupted).into();
        assert!(matches!(e, Error::Interrupted));

        let timed_out = WaitTimedOut { secs: 3, observed: vec!["head 4".into()] };
        let e: Error = anyhow::Error::from(timed_out).into();
        assert!(matches!(&e, Error::TimedOut(t) if t.observed == ["head 4"]), "{e:?}");

        // A message that merely mentions a kind is not of that kind.
        let e: Error = anyhow::anyhow!("cannot reach the Docker engine (it is a test)").into();
        assert!(matches!(e, Error::Other(_)));
    }

    #[test]
    fn an_error_of_the_handle_survives_a_trip_through_anyhow() {
        let e = anyhow::Error::from(Error::Usage(SpecErrors(vec!["no node x".into()])));
        let e: Error = Err::<(), _>(e).context("the command").unwrap_err().into();
        assert!(matches!(&e, Error::Usage(s) if s.0 == ["no node x"]), "{e:?}");
    }

    #[test]
    fn other_errors_keep_their_causes() {
        let e: Error = Err::<(), _>(anyhow::anyhow!("the engine said no")).context("start x").unwrap_err().into();
        let Error::Other(inner) = &e else { panic!("{e:?}") };
        assert_eq!(format!("{inner:#}"), "start x: the engine said no");
        assert_eq!(e.to_string(), "start x");
    }
}
