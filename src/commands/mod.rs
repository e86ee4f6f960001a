//! One file per subcommand.

mod accounts;
mod boot;
mod cleos;
mod completions;
mod deploy;
mod down;
mod dump;
mod env;
mod exec;
mod graph;
mod heal;
mod init;
mod kill;
mod logs;
mod netem;
mod partition;
mod pause;
mod plan;
mod restart;
mod schema;
mod snapshot;
mod start;
mod status;
mod stop;
mod top;
mod up;
mod wait;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::lab::LabConfig;
use crate::plan::NetworkPlan;
use crate::printer::Printer;
use crate::runtime::Runtime;
use crate::state::StateDir;
use crate::topology::{self, Engine, TopologySource};

/// What every command starts from.
pub struct Ctx {
    pub file: Option<PathBuf>,
    pub printer: Printer,
    /// `--engine`: what runs the lab, over the topology's `engine`.
    pub engine: Option<Engine>,
}

impl Ctx {
    pub fn topology(&self) -> Result<TopologySource> {
        topology::load(self.file.as_deref())
    }

    /// The validated plan and the lab's state folder, as the library plans it
    /// ([`LabConfig::plan`]).
    pub fn plan(&self) -> Result<(NetworkPlan, StateDir)> {
        LabConfig::discover(self.file.as_deref())?.plan()
    }

    /// The runtime of the engine that runs the lab: `--engine` (remembered in the lab's state
    /// folder for its later commands), else what the lab was last run with, else the topology's
    /// `engine` ([`LabConfig::resolved_engine`]).
    pub async fn runtime(&self) -> Result<Box<dyn Runtime>> {
        let engine = LabConfig::discover(self.file.as_deref())?.engine(self.engine).resolved_engine()?;
        Ok(crate::runtime::connect(engine).await?)
    }
}

pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let file = cli.command.file().cloned().or(cli.global.file.clone());
    let ctx = Ctx { file, printer: Printer::new(cli.global.quiet, cli.global.no_progress), engine: cli.global.engine };
    match cli.command {
        Command::Init(a) => init::run(&ctx, a),
        Command::Up(a) => up::run(&ctx, a).await,
        Command::Boot(a) => boot::run(&ctx, a).await,
        Command::Down(a) => down::run(&ctx, a).await,
        Command::Status(a) => status::run(&ctx, a).await,
        Command::Stop(a) => stop::run(&ctx, a).await,
        Command::Start(a) => start::run(&ctx, a).await,
        Command::Restart(a) => restart::run(&ctx, a).await,
        Command::Kill(a) => kill::run(&ctx, a).await,
        Command::Pause(a) => pause::run(&ctx, a, true).await,
        Command::Unpause(a) => pause::run(&ctx, a, false).await,
        Command::Logs(a) => logs::run(&ctx, a).await,
        Command::Cleos(a) => cleos::run(&ctx, a).await,
        Command::Exec(a) => exec::run(&ctx, a).await,
        Command::Plan(a) => plan::run(&ctx, a),
        Command::Partition(a) => partition::run(&ctx, a).await,
        Command::Heal(a) => heal::run(&ctx, a).await,
        Command::Netem(a) => netem::run(&ctx, a).await,
        Command::Snapshot(a) => snapshot::run(&ctx, a).await,
        Command::Wait(a) => wait::run(&ctx, a).await,
        Command::Top(a) => top::run(&ctx, a).await,
        Command::Graph(a) => graph::run(&ctx, a).await,
        Command::Deploy(a) => deploy::run(&ctx, a).await,
        Command::Accounts(a) => accounts::run(&ctx, a).await,
        Command::Env(a) => env::run(&ctx, a).await,
        Command::Dump(a) => dump::run(&ctx, a).await,
        Command::Schema => schema::run(),
        Command::Completions(a) => completions::run_completions(a),
        Command::Man => completions::run_man(),
    }
}

/// The last line of `lab start` and `lab restart`.
fn start_summary(ctx: &Ctx, lab: &str, report: &crate::orchestrator::StartReport, started: std::time::Instant) {
    let mut parts = Vec::new();
    if !report.started.is_empty() {
        parts.push(format!("started {}", report.started.join(", ")));
    }
    if !report.recovered.is_empty() {
        let names: Vec<&str> = report.recovered.iter().map(|r| r.node.as_str()).collect();
        parts.push(format!("restored {}", names.join(", ")));
    }
    if !report.already_running.is_empty() {
        parts.push(format!("{} already running", report.already_running.join(", ")));
    }
    ctx.printer.info(format!("lab `{lab}`: {} in {:.1}s", parts.join("; "), started.elapsed().as_secs_f64()));
}

/// Prints an exec's output as it came and returns its exit code.
pub fn relay(out: &crate::runtime::ExecOutput) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    ExitCode::from(u8::try_from(out.code).unwrap_or(1))
}
