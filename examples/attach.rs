//! Attaches to a lab brought up earlier (`lab up`, or `Lab::up` with `keep()`) and prints what a
//! test suite connects with: `cargo run --example attach -- NAME`.

use antelope_lab::Lab;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let name = std::env::args().nth(1).unwrap_or_else(|| "lab".into());
    let lab = Lab::attach(&name).await?;
    println!("lab      {}", lab.name());
    println!("api      {}", lab.api_url().await?);
    println!("chain id {}", lab.chain_id().await?);
    for account in lab.accounts()? {
        println!("{:<12} {:<8} {}", account.name, account.role.as_str(), account.public_key);
    }
    let head = lab.cleos(&["get", "info"]).await?;
    let info: serde_json::Value = serde_json::from_str(&head.stdout)?;
    println!("head     {}", info["head_block_num"]);
    Ok(())
}
