//! antelope-lab: a disposable, multi-producer Antelope blockchain in Docker.
//!
//! The modules form one-way layers, each importing only those below it (docs/architecture.md;
//! `tests/layers.rs` checks it): `topology` (the file) → `plan` (pure resolution) → `render`
//! (pure files) → `runtime` (the engine) → `client` (a node through the engine) → `boot` (the bios
//! boot sequence) → `orchestrator` (containers up, kept, recovered) → `lab` (the handle), with the
//! command line (`cli`, `commands`) on top.
//!
//! # As a test fixture
//!
//! The library is what the `lab` command line is built on: a [`LabConfig`] (a
//! topology file, a YAML string or a builder), [`Lab::up`] to bring it up and boot it, and a
//! [`Lab`] handle that knows its API URL, chain id and accounts, runs cleos, and takes the lab
//! down when dropped unless [`Lab::keep`] was called.
//!
//! ```no_run
//! use antelope_lab::{Lab, LabConfig};
//!
//! # async fn example() -> anyhow::Result<()> {
//! let config = LabConfig::builder("my-contract-tests").producers(4).api_port(18888).build()?;
//! let lab = Lab::up(config).await?;
//! println!("API on {}, chain {}", lab.api_url().await?, lab.chain_id().await?);
//!
//! // A user account with its keys, and a contract built on the host deployed to it.
//! let user = lab.accounts()?.into_iter().find(|a| a.role == antelope_lab::AccountRole::User).unwrap();
//! lab.cleos(&["system", "buyram", &user.name, &user.name, "--kbytes", "300"]).await?;
//! let dir = lab.upload("build/hello").await?;
//! let out = lab.cleos(&["set", "contract", &user.name, &dir]).await?;
//! assert!(out.success(), "{}", out.stderr);
//!
//! lab.down().await?; // or let the handle drop
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]
// Without the command line (`--no-default-features`), the parts of the library only it uses (the
// schema and `init` template, `env` exports, compose output, container stats for `top`) are built
// and unused.
#![cfg_attr(not(feature = "cli"), allow(dead_code, unused_imports))]
mod boot;
mod bundle;
mod chain;
#[cfg(feature = "cli")]
mod cli;
mod client;
#[cfg(feature = "cli")]
mod commands;
mod deploy;
mod dump;
#[cfg(feature = "cli")]
mod error;
mod faults;
#[cfg(feature = "cli")]
mod graph;
mod image;
mod keys;
mod lab;
mod labels;
mod load;
mod orchestrator;
mod plan;
mod printer;
mod render;
mod runtime;
mod state;
#[cfg(feature = "cli")]
mod top;
mod topology;
mod verify;
mod wait;

pub use boot::protocol::ProtocolStep;
pub use boot::{BootError, BootOptions, StepName, StepReport};
pub use chain::answers::{ChainInfo, FinalizerAuthority, FinalizerPolicy, FinalizerVote, Votes};
pub use deploy::{ContractFiles, DeployReport};
pub use dump::DumpReport;
pub use faults::{LinkArgs, SpecErrors};
pub use keys::KeyError;
pub use keys::{KeyPair, Signer};
pub use lab::{
    down, AccountRole, Error, Finality, FromBundle, HealReport, Lab, LabAccount, LabConfig, LabConfigBuilder,
    LabStatus, NodeStatus, PartitionReport, Result, Snapshot, UpOptions, UPLOADS_DIR,
};
pub use load::{
    ActionTemplate, BalanceMismatch, Ended, FindMaxOptions, FindMaxReport, FindMaxStep, LoadError, LoadOptions,
    LoadReport, Lost, NodeCpu, Percentiles,
};
pub use orchestrator::endpoints::Served;
pub use orchestrator::{DownReport, ListedAccount, ListedRole, PortsBusy, Recovery, StartReport, Upgraded};
pub use printer::Printer;
pub use runtime::health::Health;
pub use runtime::ContainerState;
pub use runtime::ExecOutput;
pub use state::StateMissing;
pub use verify::VerifyReport;
pub use wait::{Conditions, Verdict, WaitTimedOut};

/// The topology file's types (`lab.yaml`): what [`LabConfig::from_topology`],
/// [`LabConfigBuilder::with_topology`] and [`LabConfig::map_topology`] take.
pub mod config {
    pub use crate::topology::{
        AccountsConfig, ChainConfig, ConfigValue, Engine, ExtraNode, ImageConfig, NodeRole, NodeSettings, P2pConfig,
        P2pShape, ProducersConfig, Topology, ValidationError, ValidationErrors, DEFAULT_TOPOLOGY,
    };
}

#[cfg(feature = "cli")]
use std::process::ExitCode;

/// Parses the command line, runs the command, maps the outcome to an exit code.
#[cfg(feature = "cli")]
pub fn run() -> ExitCode {
    use clap::Parser;
    quiet_on_closed_stdout();
    let cli = cli::Cli::parse();
    let filter = match cli.global.verbose {
        0 => "warn",
        1 => "antelope_lab=debug,info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| filter.into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(async {
        if cli.command.handles_interrupt() {
            return commands::dispatch(cli).await;
        }
        tokio::select! {
            r = commands::dispatch(cli) => r,
            _ = tokio::signal::ctrl_c() => Err(error::interrupted()),
        }
    });
    match outcome {
        Ok(code) => code,
        Err(e) => error::report(e),
    }
}

#[cfg(feature = "cli")]
/// `lab status | head` ends quietly when `head` does, as other Unix tools do. Rust ignores SIGPIPE,
/// so `println!` to a closed pipe panics; SIGPIPE is not restored instead because the engine's
/// socket and exec streams would then kill `lab` where they now return an error.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            // The exit status a shell gives a process ended by SIGPIPE.
            std::process::exit(141);
        }
        default(info)
    }));
}
