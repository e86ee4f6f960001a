use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::DumpArgs;

pub async fn run(ctx: &Ctx, args: DumpArgs) -> Result<ExitCode> {
    let handle = ctx.attach().await?;
    let lab = handle.name();
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(format!("lab-dump-{lab}")));
    let mut r = handle.dump(&dir, args.show_secrets).await?;
    if args.tar {
        r.archive = Some(crate::dump::archive::tar_gz(&dir)?);
    }
    if r.nodes.is_empty() {
        ctx.printer.warn(format!("lab `{lab}` has no containers: the dump holds no node"));
    }
    for e in &r.chain_errors {
        ctx.printer.warn(format!("chain: {e}"));
    }
    println!(
        "lab `{lab}` dumped to {} ({} nodes){}",
        r.dir.display(),
        r.nodes.len(),
        r.archive.as_ref().map(|a| format!(", and {}", a.display())).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
