use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;
use crate::cli::DeployArgs;

pub async fn run(ctx: &Ctx, args: DeployArgs) -> Result<ExitCode> {
    // Bad input is refused before Docker is asked anything.
    ctx.plan()?;
    let files = crate::deploy::read_input(&args.account, &args.path, args.abi.as_deref())?;
    let r = ctx.attach().await?.deploy(&args.account, &files).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(ExitCode::SUCCESS);
    }
    if r.nothing_done() {
        println!("{}: nothing to do (code {} and the ABI are on the chain already)", r.account, &r.code_hash[..12]);
        return Ok(ExitCode::SUCCESS);
    }
    let mut done = Vec::new();
    if r.created {
        done.push(format!(
            "created account {} (key {}; {} bytes of RAM, CPU and NET unlimited, given by eosio's setacctram/setacctnet/setacctcpu)",
            r.account,
            r.public_key.as_deref().unwrap_or("-"),
            r.ram_bytes.unwrap_or(0)
        ));
    } else if let Some(ram) = r.ram_bytes {
        done.push(format!("RAM of {} raised to {ram} bytes", r.account));
    }
    if r.code_set {
        done.push(format!("code set (sha256 {})", r.code_hash));
    } else {
        done.push("code unchanged".into());
    }
    done.push(if r.abi_set { "ABI set".into() } else { "ABI unchanged".into() });
    println!("{}: {}", r.account, done.join("; "));
    Ok(ExitCode::SUCCESS)
}
