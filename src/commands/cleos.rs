use std::process::ExitCode;

use anyhow::Result;

use super::{relay, Ctx};
use crate::cli::CleosArgs;
use crate::lab::{Lab, LabConfig};

pub async fn run(ctx: &Ctx, args: CleosArgs) -> Result<ExitCode> {
    let lab = Lab::attach_config(&LabConfig::discover(ctx.file.as_deref())?.engine(ctx.engine)).await?;
    // cleos runs next to the wallet, in the genesis container, and talks to the chosen node.
    Ok(relay(&lab.cleos_on(&args.node, &args.args).await?))
}
