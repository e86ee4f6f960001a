//! What a boot step is: a check of the chain that changes nothing, and a run that does what the
//! check found missing.

use async_trait::async_trait;

use super::context::Context;
use super::error::Failure;
use super::StepName;
use crate::printer::Task;

/// What a step's check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The step's work is on the chain; the note says what was found.
    Done(String),
    /// Something is missing; the note says what.
    ToDo(String),
    /// The step has nothing to check (it shows or sends something each time it runs).
    Always,
    /// The chain or the image cannot do what the step does (Savanna on a nodeos without it); the
    /// note says why. Counts as done: there is nothing to resume.
    NotSupported(String),
}

impl Check {
    /// What the check found, in words.
    pub fn describe(&self) -> String {
        match self {
            Check::Done(n) | Check::ToDo(n) | Check::NotSupported(n) => n.clone(),
            Check::Always => String::new(),
        }
    }

    pub fn done(&self) -> Option<bool> {
        match self {
            Check::Done(_) | Check::NotSupported(_) => Some(true),
            Check::ToDo(_) => Some(false),
            Check::Always => None,
        }
    }

    /// `Done` when `missing` is empty, else `ToDo` with `what` and the count.
    pub fn missing<T>(missing: &[T], what: &str, done: impl Into<String>) -> Check {
        match missing.len() {
            0 => Check::Done(done.into()),
            n => Check::ToDo(format!("{n} {what}")),
        }
    }
}

/// What a step's run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether it changed the chain or the lab.
    pub changed: bool,
    pub note: String,
}

impl Outcome {
    pub fn changed(note: impl Into<String>) -> Self {
        Outcome { changed: true, note: note.into() }
    }

    pub fn unchanged(note: impl Into<String>) -> Self {
        Outcome { changed: false, note: note.into() }
    }
}

/// One step of the bios boot sequence.
#[async_trait]
pub trait Step: Send + Sync {
    fn name(&self) -> StepName;

    /// Asks the chain (and the runtime) whether the step's work is done. Changes nothing
    /// anywhere: `lab boot --list` and `lab up` on a booted lab call it.
    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure>;

    /// Does what is missing. The runner calls it only when `check` did not say `Done`, but a run
    /// still acts only on what it finds missing, so that it can resume half-way.
    async fn run(&self, cx: &Context<'_>, task: &Task) -> Result<Outcome, Failure>;
}
