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
mod load;
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
mod upgrade;
mod wait;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::lab::{Lab, LabConfig};
use crate::plan::NetworkPlan;
use crate::printer::Printer;
use crate::runtime::Runtime;
use crate::state::{StateDir, StateMissing};
use crate::topology::Engine;

/// What every command starts from.
pub struct Ctx {
    /// `-f FILE`.
    pub file: Option<PathBuf>,
    /// `--name NAME`, given on the command line.
    pub name_flag: Option<String>,
    /// The lab by name: `--name`, else `LAB_NAME` when neither `-f` nor `--name` was given.
    pub name: Option<String>,
    pub printer: Printer,
    /// `--engine`: what runs the lab, over the topology's `engine`.
    pub engine: Option<Engine>,
}

impl Ctx {
    /// Which lab a command works on: `--name` (else `LAB_NAME`) is the lab `up` made under that
    /// name, read from the topology kept in its state folder; `-f` is a topology file; neither
    /// is `lab.yaml` in the current folder, else the built-in default.
    pub fn config(&self) -> Result<LabConfig> {
        let config = match (&self.file, &self.name) {
            (Some(_), Some(name)) => {
                let config = LabConfig::discover(self.file.as_deref())?;
                check_same(&config, name)?;
                config
            }
            (None, Some(name)) => LabConfig::of_lab(name)?,
            (file, None) => LabConfig::discover(file.as_deref())?,
        };
        Ok(config.engine(self.engine))
    }

    /// The lab's name alone (commands that find a lab by its labels need no more): `--name`
    /// (else `LAB_NAME`), else the topology's.
    pub fn lab_name(&self) -> Result<String> {
        match (&self.file, &self.name) {
            (Some(_), Some(name)) => {
                check_same(&LabConfig::discover(self.file.as_deref())?, name)?;
                Ok(name.clone())
            }
            (None, Some(name)) => Ok(name.clone()),
            (file, None) => Ok(LabConfig::discover(file.as_deref())?.name().to_string()),
        }
    }

    /// The validated plan and the state folder of a lab `up` made ([`LabConfig::plan_existing`]):
    /// a lab without state is an error naming it and its folder, never a new seed.
    pub fn plan(&self) -> Result<(NetworkPlan, StateDir)> {
        Ok(self.config()?.plan_existing()?)
    }

    /// A handle on the lab `up` made, its progress through this command's printer.
    pub async fn attach(&self) -> Result<Lab> {
        Ok(Lab::attach_config(&self.config()?).await?.with_printer(self.printer.clone()))
    }

    /// The plan as `up` would make it, state folder or not (`lab plan`, `lab graph --offline`).
    pub fn preview(&self) -> Result<(NetworkPlan, StateDir)> {
        Ok(self.config()?.plan()?)
    }

    /// The runtime of the engine that runs the lab: `--engine` (remembered in the lab's state
    /// folder for its later commands), else what the lab was last run with, else the topology's
    /// `engine` ([`LabConfig::resolved_engine`]).
    pub async fn runtime(&self) -> Result<Box<dyn Runtime>> {
        let engine = match self.config() {
            Ok(config) => config.resolved_engine()?,
            // A lab known by name only (no state here): the engine given, else the local one.
            Err(e) if e.is::<StateMissing>() => self.engine.unwrap_or_default(),
            Err(e) => return Err(e),
        };
        Ok(crate::runtime::connect(engine).await?)
    }
}

/// `-f` and `--name` given together must name the same lab.
fn check_same(config: &LabConfig, name: &str) -> Result<()> {
    if config.name() != name {
        anyhow::bail!(
            "-f names lab `{}` and --name names `{name}`: give one of them (`lab up -f FILE --name NEW` brings a topology up under another name)",
            config.name()
        );
    }
    Ok(())
}

pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let (file, name) = cli.command.lab();
    let file = file.cloned().or(cli.global.file.clone());
    let name_flag = name.cloned().or(cli.global.name.clone());
    let from_env = || std::env::var("LAB_NAME").ok().filter(|n| !n.is_empty());
    let name = name_flag.clone().or_else(|| if file.is_none() { from_env() } else { None });
    let ctx = Ctx {
        file,
        name_flag,
        name,
        printer: Printer::new(cli.global.quiet, cli.global.no_progress),
        engine: cli.global.engine,
    };
    match cli.command {
        Command::Init(a) => init::run(&ctx, a),
        Command::Up(a) => up::run(&ctx, a).await,
        Command::Boot(a) => boot::run(&ctx, a).await,
        Command::Down(a) => down::run(&ctx, a).await,
        Command::Status(a) => status::run(&ctx, a).await,
        Command::Stop(a) => stop::run(&ctx, a).await,
        Command::Start(a) => start::run(&ctx, a).await,
        Command::Restart(a) => restart::run(&ctx, a).await,
        Command::Upgrade(a) => upgrade::run(&ctx, a).await,
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
        Command::Load(a) => load::run(&ctx, a).await,
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
