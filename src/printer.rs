//! All human-facing progress goes through here, to stderr: bars and spinners on a terminal,
//! plain lines otherwise, nothing with `--quiet`. Data (status tables, JSON) goes to stdout.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Bars and spinners.
    Progress,
    /// One line per event, for logs and CI.
    Plain,
    /// Errors only.
    Quiet,
}

/// Where a lab's progress goes (bars, plain lines or nothing), on stderr; a clone prints to the
/// same place.
#[derive(Clone)]
pub struct Printer {
    mode: Mode,
    multi: MultiProgress,
}

/// Progress as on the command line: bars on a terminal, plain lines elsewhere.
impl Default for Printer {
    fn default() -> Self {
        Printer::new(false, false)
    }
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer").field("mode", &self.mode).finish()
    }
}

impl Printer {
    /// `quiet`: errors only. `no_progress`: one plain line per event, as on a terminal that is
    /// not one (also when stderr is not a terminal or `CI` is set); else bars and spinners.
    pub fn new(quiet: bool, no_progress: bool) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if no_progress || !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
            Mode::Plain
        } else {
            Mode::Progress
        };
        let multi = MultiProgress::with_draw_target(if mode == Mode::Progress {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        Printer { mode, multi }
    }

    /// A line of information.
    pub(crate) fn info(&self, msg: impl AsRef<str>) {
        match self.mode {
            Mode::Progress => self.multi.suspend(|| eprintln!("{}", msg.as_ref())),
            Mode::Plain => eprintln!("{}", msg.as_ref()),
            Mode::Quiet => {}
        }
    }

    /// A progress line where no bar shows it (stderr is not a terminal), e.g. a long task's
    /// counts every few seconds; nothing with bars (the task's message shows it) or `--quiet`.
    pub(crate) fn plain(&self, msg: impl AsRef<str>) {
        if self.mode == Mode::Plain {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// A warning, shown even with `--quiet`.
    pub(crate) fn warn(&self, msg: impl AsRef<str>) {
        self.multi.suspend(|| eprintln!("warning: {}", msg.as_ref()));
    }

    /// A task with a spinner.
    pub(crate) fn task(&self, label: impl Into<String>) -> Task {
        let label = label.into();
        let pb = (self.mode == Mode::Progress).then(|| {
            let pb = self.multi.add(ProgressBar::new_spinner());
            pb.set_style(ProgressStyle::with_template("{spinner:.cyan} {prefix:.bold} {wide_msg:.dim}").unwrap());
            pb.set_prefix(label.clone());
            pb.enable_steady_tick(Duration::from_millis(100));
            pb
        });
        if self.mode == Mode::Plain {
            eprintln!("{label} …");
        }
        let _span = tracing::info_span!("task", label = %label.trim());
        Task { pb, _span, label, mode: self.mode, started: Instant::now(), total: None }
    }

    /// A task with a bar over `total` items.
    pub(crate) fn bar(&self, label: impl Into<String>, total: u64) -> Task {
        let label = label.into();
        let pb = (self.mode == Mode::Progress).then(|| {
            let pb = self.multi.add(ProgressBar::new(total));
            pb.set_style(
                ProgressStyle::with_template(
                    "{spinner:.cyan} {prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} {wide_msg:.dim}",
                )
                .unwrap()
                .progress_chars("=> "),
            );
            pb.set_prefix(label.clone());
            pb.enable_steady_tick(Duration::from_millis(100));
            pb
        });
        if self.mode == Mode::Plain {
            eprintln!("{label} ({total}) …");
        }
        let _span = tracing::info_span!("task", label = %label.trim());
        Task { pb, _span, label, mode: self.mode, started: Instant::now(), total: Some(total) }
    }
}

pub(crate) struct Task {
    pb: Option<ProgressBar>,
    /// Open while the task runs (a trace's bar: `lab-bench --trace`); nothing without a
    /// subscriber that wants it.
    _span: tracing::Span,
    label: String,
    mode: Mode,
    started: Instant,
    total: Option<u64>,
}

impl Task {
    pub fn message(&self, msg: impl Into<String>) {
        if let Some(pb) = &self.pb {
            pb.set_message(msg.into());
        }
    }

    pub fn inc(&self, n: u64) {
        if let Some(pb) = &self.pb {
            pb.inc(n);
        }
    }

    /// Ends the task with a check mark and a note.
    pub fn done(self, note: impl AsRef<str>) {
        let secs = self.started.elapsed().as_secs_f64();
        let line = if note.as_ref().is_empty() {
            format!("✓ {} ({secs:.1}s)", self.label)
        } else {
            format!("✓ {}: {} ({secs:.1}s)", self.label, note.as_ref())
        };
        match (&self.pb, self.mode) {
            (Some(pb), _) => {
                if let Some(t) = self.total {
                    pb.set_position(t);
                }
                pb.set_style(ProgressStyle::with_template("{msg}").unwrap());
                pb.finish_with_message(line);
            }
            (None, Mode::Plain) => eprintln!("{line}"),
            _ => {}
        }
    }

    /// Ends the task as failed (the error itself is reported by the caller).
    pub fn fail(self) {
        let line = format!("✗ {} ({:.1}s)", self.label, self.started.elapsed().as_secs_f64());
        match &self.pb {
            Some(pb) => {
                pb.set_style(ProgressStyle::with_template("{msg}").unwrap());
                pb.finish_with_message(line);
            }
            None if self.mode != Mode::Quiet => eprintln!("{line}"),
            None => {}
        }
    }
}
