use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::signal::unix::{signal, SignalKind};

use super::Ctx;
use crate::cli::LoadArgs;
use crate::error::code;
use crate::load::{ActionTemplate, Ended, FindMaxOptions, LoadError, LoadOptions};

/// `lab load`: the run, its report (human or `--json`), and exit 7 when something accepted was
/// lost. Ctrl-C stops sending; the report still comes.
pub async fn run(ctx: &Ctx, args: LoadArgs) -> Result<ExitCode> {
    // A template is checked before the lab is even looked up, as every option is.
    let action = match (&args.action, &args.data) {
        (Some(action), Some(data)) => {
            Some(ActionTemplate::parse(action, data, args.signer.as_deref()).map_err(LoadError::BadOptions)?)
        }
        _ => None,
    };
    if args.find_max {
        return find_max(ctx, args, action).await;
    }
    let duration = match (args.duration, args.count) {
        (None, None) => Some(Duration::from_secs(10)),
        (d, _) => d.map(|d| Duration::try_from_secs_f64(d).unwrap_or(Duration::ZERO)),
    };
    let options = LoadOptions {
        rate: args.rate,
        duration,
        count: args.count,
        expiration: Duration::from_secs(args.expiration),
        settle_timeout: Duration::from_secs(args.settle_timeout),
        action,
    };
    // Bad options are refused before the lab is even looked up.
    options.check().map_err(LoadError::BadOptions)?;
    let stop = interrupt()?;
    let report = ctx.attach().await?.load_until(&options, stop).await?;
    // A template whose data stopped packing part-way is the input's fault: exit 2 after the
    // report, unless something was lost (7 says more).
    let bad_data = report.ended == Ended::BadData;
    finish(&report, args.json, report.nothing_lost(), bad_data)
}

/// `lab load --find-max`: the search, each rate's line and the highest that held (or every
/// report as `--json`); exit 7 when a run lost something accepted. Ctrl-C ends the run under way
/// and the search; the report still comes.
async fn find_max(ctx: &Ctx, args: LoadArgs, action: Option<ActionTemplate>) -> Result<ExitCode> {
    let secs = |s: f64| Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO);
    let options = FindMaxOptions {
        start: args.rate,
        step: args.duration.map(secs).unwrap_or(FindMaxOptions::default().step),
        max_p99_inclusion: secs(args.max_p99),
        max_steps: args.max_steps,
        expiration: Duration::from_secs(args.expiration),
        settle_timeout: Duration::from_secs(args.settle_timeout),
        action,
        ..FindMaxOptions::default()
    };
    options.check().map_err(LoadError::BadOptions)?;
    let stop = interrupt()?;
    let report = ctx.attach().await?.load_find_max(&options, stop).await?;
    let bad_data = report.steps.iter().any(|s| s.report.ended == Ended::BadData);
    finish(&report, args.json, report.nothing_lost(), bad_data)
}

/// Completes at the first Ctrl-C after this call. A second Ctrl-C does not wait for the chain to
/// settle: it ends the command at once, without a report (exit 130); `lab load` creates nothing
/// that would be left half-made.
fn interrupt() -> Result<impl std::future::Future<Output = ()> + Send + 'static> {
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    Ok(async move {
        interrupt.recv().await;
        eprintln!("Ctrl-C: sending stopped; waiting for the chain to settle before the report (Ctrl-C again to quit)");
        tokio::spawn(async move {
            interrupt.recv().await;
            eprintln!("Ctrl-C again: quit without a report");
            std::process::exit(code::INTERRUPTED.into());
        });
    })
}

/// Prints `report` (human, or JSON with `json`); exit 7 when something was lost, else 2 when a
/// template's data stopped packing part-way, else 0.
fn finish(
    report: &(impl std::fmt::Display + serde::Serialize),
    json: bool,
    nothing_lost: bool,
    bad_data: bool,
) -> Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        println!("{report}");
    }
    Ok(match (nothing_lost, bad_data) {
        (false, _) => ExitCode::from(code::LOAD_LOST),
        (true, true) => ExitCode::from(code::USAGE),
        (true, false) => ExitCode::SUCCESS,
    })
}
