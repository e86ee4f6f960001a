//! The guard that takes a lab down when its handle is dropped.
//!
//! `Drop` cannot await, and it may run inside a tokio runtime (a test's `#[tokio::test]`, the
//! unwinding of a panicking test body) or outside any. So the teardown runs on a thread of its
//! own with a runtime of its own, and `drop` waits for it: when the handle is gone, so is the lab.

use std::path::PathBuf;

use crate::printer::Printer;
use crate::topology::Engine;

/// Takes lab `lab` down when dropped, unless disarmed.
pub(crate) struct DownGuard {
    lab: String,
    /// The folder the lab's state folder is in.
    state_base: PathBuf,
    /// The engine that runs it.
    engine: Engine,
    armed: bool,
}

impl DownGuard {
    pub fn armed(lab: &str, state_base: PathBuf, engine: Engine) -> Self {
        DownGuard { lab: lab.to_string(), state_base, engine, armed: true }
    }

    pub fn disarmed(lab: &str, state_base: PathBuf, engine: Engine) -> Self {
        DownGuard { lab: lab.to_string(), state_base, engine, armed: false }
    }

    pub fn disarm(&mut self) {
        self.armed = false;
    }

    pub fn is_armed(&self) -> bool {
        self.armed
    }
}

impl Drop for DownGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let lab = self.lab.clone();
        let base = self.state_base.clone();
        let engine = self.engine;
        let teardown = std::thread::spawn(move || -> anyhow::Result<()> {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let rt = crate::runtime::connect(engine).await?;
                super::down::down_labs(rt.as_ref(), Some(&lab), false, Some(&base), &Printer::new(true, true)).await?;
                anyhow::Ok(())
            })
        });
        let outcome = teardown.join();
        // Nothing to return an error to: say it where a test's output shows it.
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!(
                "warning: lab `{}` could not be taken down ({e:#}); `lab down --name {}` removes it",
                self.lab, self.lab
            ),
            Err(_) => {
                eprintln!("warning: taking lab `{}` down panicked; `lab down --name {}` removes it", self.lab, self.lab)
            }
        }
    }
}
