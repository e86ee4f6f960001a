use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use futures::StreamExt;

use super::Ctx;
use crate::cli::LogsArgs;

pub async fn run(ctx: &Ctx, args: LogsArgs) -> Result<ExitCode> {
    let lab = ctx.attach().await?;
    if !args.follow {
        print!("{}", lab.logs(&args.node, args.tail).await?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut stream = lab.follow_logs(&args.node, args.tail).await?;
    let mut out = std::io::stdout();
    while let Some(chunk) = stream.next().await {
        out.write_all(chunk?.as_bytes())?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}
