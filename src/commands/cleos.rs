use std::process::ExitCode;

use anyhow::Result;

use super::{relay, Ctx};
use crate::cli::CleosArgs;
use crate::lab::Lab;

pub async fn run(ctx: &Ctx, args: CleosArgs) -> Result<ExitCode> {
    let lab = Lab::attach_config(&ctx.config()?).await?;
    // cleos runs next to the wallet, in the genesis container, and talks to the chosen node.
    Ok(relay(&lab.cleos_on(&args.node, &args.args).await?))
}
