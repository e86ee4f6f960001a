//! `stepStartWallet` and `stepImportKeys`: keosd in the genesis container, one wallet, the keys
//! the later steps sign with.

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::boot::cleos::CleosCommand;
use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::client::NodeClient;
use crate::plan::{DATA_MOUNT, KEOSD_PORT};
use crate::printer::Task;

pub struct Wallet;

#[async_trait]
impl Step for Wallet {
    fn name(&self) -> StepName {
        StepName::Wallet
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        if !cx.cleos().run(&["wallet", "list"], None).await?.success() {
            return Ok(Check::ToDo("keosd is not running".into()));
        }
        Ok(Check::missing(&missing_keys(cx).await?, "keys to import", "keosd running, keys imported"))
    }

    async fn run(&self, cx: &Context<'_>, _task: &Task) -> Result<Outcome, Failure> {
        let cleos = CleosCommand::local().shell();
        // One exec: start keosd unless it runs (it outlives the exec: the container's init
        // adopts it), wait for it, then create the wallet or unlock it with the password given
        // on stdin. It prints `created "PW…"` or `started`/`unlocked` lines for what it did.
        // keosd listens on the lab network too: `lab cleos --node X` runs cleos in X's container
        // and signs with this wallet (the lab's containers are all that network has).
        let script = format!(
            r#"set -e
if ! {cleos} wallet list >/dev/null 2>&1; then
  mkdir -p {DATA_MOUNT}/wallet
  nohup keosd --unlock-timeout 999999999 --http-server-address 0.0.0.0:{KEOSD_PORT} --http-validate-host=false \
    --wallet-dir {DATA_MOUNT}/wallet --http-max-response-time-ms 99999 >{DATA_MOUNT}/keosd.log 2>&1 &
  i=0; until {cleos} wallet list >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || {{ echo "keosd did not start" >&2; exit 1; }}; sleep 0.1; done
  echo started
fi
if [ ! -f {DATA_MOUNT}/wallet/default.wallet ]; then
  echo "created $({cleos} wallet create --to-console | tail -n 1)"
else
  read -r pw || true
  # A keosd started again (the genesis container restarted) knows the wallet only once opened.
  {cleos} wallet open >/dev/null 2>&1 || true
  if {cleos} wallet list | grep -q '"default"$\|"default",\?$'; then
    [ -n "$pw" ] || {{ echo "the wallet exists but its password is missing" >&2; exit 1; }}
    {cleos} wallet unlock --password "$pw" >/dev/null && echo unlocked
  fi
fi"#
        );
        let password = cx.state.wallet_password().unwrap_or_default();
        let out = cx.cleos().sh(&script, Some(format!("{password}\n").into_bytes())).await?;
        let mut notes = Vec::new();
        for line in out.stdout.lines() {
            if let Some(pw) = line.strip_prefix("created ") {
                let pw = pw.trim().trim_matches('"');
                cx.state.save_wallet_password(pw).map_err(|e| Failure::chain(e.to_string()))?;
                notes.push("wallet created".to_string());
            } else if line == "started" || line == "unlocked" {
                notes.push(format!("keosd {line}"));
            }
        }
        let missing = missing_keys(cx).await?;
        if !missing.is_empty() {
            // Through keosd's API in one curl process, the keys on stdin (never on a command line).
            let keosd = NodeClient {
                rt: cx.rt,
                container: cx.genesis,
                base_url: format!("http://127.0.0.1:{KEOSD_PORT}"),
                direct: None,
            };
            let bodies: Vec<Value> = missing.iter().map(|k| json!(["default", k])).collect();
            let answers = keosd.call_many("wallet/import_key", &bodies).await?;
            if let Some((status, body)) = answers.iter().find(|(s, _)| !(200..300).contains(s)) {
                return Err(Failure::chain(format!("keosd refused a key (HTTP {status}): {body}")));
            }
            notes.push(format!("{} keys imported", missing.len()));
        }
        Ok(Outcome { changed: !notes.is_empty(), note: notes.join(", ") })
    }
}

/// Private keys of the wallet keys keosd does not hold yet.
async fn missing_keys(cx: &Context<'_>) -> Result<Vec<String>, Failure> {
    let out = cx.cleos().run(&["wallet", "keys"], None).await?;
    if !out.success() {
        // Locked or no wallet: every key is to import (after `run` unlocks or creates it).
        return Ok(cx.wallet_keys().into_iter().map(|k| k.private.clone()).collect());
    }
    let have: Vec<String> = serde_json::from_str(&out.stdout)
        .map_err(|e| Failure::chain(format!("cleos wallet keys printed something that is not a key list ({e})")))?;
    let mut missing: Vec<String> =
        cx.wallet_keys().into_iter().filter(|k| !have.contains(&k.public)).map(|k| k.private.clone()).collect();
    missing.sort();
    missing.dedup();
    Ok(missing)
}
