use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::signal::unix::{signal, SignalKind};

use super::Ctx;
use crate::cli::UpArgs;
use crate::lab::{FromBundle, Lab, LabConfig, UpOptions};

pub async fn run(ctx: &Ctx, args: UpArgs) -> Result<ExitCode> {
    // Listening from the start: from here on Ctrl-C undoes what this `up` did instead of killing it.
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    let stop = async move {
        interrupt.recv().await;
    };
    let started = Instant::now();
    if let Some(from) = &args.from {
        return up_from(ctx, &args, from, started, stop).await;
    }
    // `--name` (or LAB_NAME) of a lab `up` made before is that lab, from the topology it kept;
    // with -f, or of a lab not made yet, it is the name to bring the topology up under.
    let config = match (&ctx.file, &ctx.name) {
        (None, Some(name)) if crate::state::StateDir::for_lab(name).require(name).is_ok() => ctx.config()?,
        (file, Some(name)) => LabConfig::discover(file.as_deref())?.renamed(name).engine(ctx.engine),
        (file, None) => LabConfig::discover(file.as_deref())?.engine(ctx.engine),
    };
    let options = UpOptions {
        boot: !args.no_boot,
        timeout: Duration::from_secs(args.timeout),
        keep_failed: args.keep_failed,
        printer: ctx.printer.clone(),
    };
    let mut lab = Lab::up_until(config, options, stop).await?;
    // The command line's lab lives until `lab down`.
    lab.keep();
    let plan = lab.plan();
    let what = if lab.was_already_up() { "already up" } else { "up" };
    ctx.printer.info(format!(
        "lab `{}` {what} in {:.1}s: {} nodes{}. `lab status` shows them, `lab cleos -- get info` asks the chain.",
        plan.lab,
        started.elapsed().as_secs_f64(),
        plan.nodes.len(),
        plan.genesis().host_http_port.map(|p| format!(", API on http://127.0.0.1:{p}")).unwrap_or_default()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `lab up --from FILE [--name NEW]`: a lab from a bundle, no boot steps but the wallet's.
async fn up_from(
    ctx: &Ctx,
    args: &UpArgs,
    from: &std::path::Path,
    started: Instant,
    stop: impl std::future::Future<Output = ()>,
) -> Result<ExitCode> {
    let options = FromBundle {
        name: ctx.name_flag.clone(),
        state_dir: None,
        engine: ctx.engine,
        timeout: Duration::from_secs(args.timeout),
        keep_failed: args.keep_failed,
        printer: ctx.printer.clone(),
    };
    let (mut lab, r) = Lab::up_from_until(from, options, stop).await?;
    // The command line's lab lives until `lab down`.
    lab.keep();
    ctx.printer.info(format!(
        "lab `{}` up from {} in {:.1}s: {} nodes{}, block {} by {}. Its topology is {}; other commands reach it with `--name {}`.",
        r.plan.lab,
        from.display(),
        started.elapsed().as_secs_f64(),
        r.plan.nodes.len(),
        r.plan.genesis().host_http_port.map(|p| format!(", API on http://127.0.0.1:{p}")).unwrap_or_default(),
        r.block,
        r.producer,
        r.topology.display(),
        r.plan.lab,
    ));
    Ok(ExitCode::SUCCESS)
}
