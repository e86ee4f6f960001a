use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::AccountsArgs;

pub async fn run(ctx: &Ctx, args: AccountsArgs) -> Result<ExitCode> {
    let accounts = ctx.attach().await?.balances(args.show_secrets).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&accounts)?);
        return Ok(ExitCode::SUCCESS);
    }
    let role = |r| serde_json::to_value(r).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    println!("{:<13} {:<9} {:<54} {:>22} {:>22}", "ACCOUNT", "ROLE", "PUBLIC KEY", "LIQUID", "STAKED");
    for a in &accounts {
        let name = if a.exists { a.name.clone() } else { format!("{} (absent)", a.name) };
        println!("{:<13} {:<9} {:<54} {:>22} {:>22}", name, role(a.role), a.public_key, a.liquid, a.staked);
        if let Some(k) = &a.private_key {
            println!("{:<13} private key {k}", "");
        }
    }
    Ok(ExitCode::SUCCESS)
}
