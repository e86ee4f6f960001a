//! `stepMsigReplaceSystem` (optional): eosio's code is replaced through an eosio.msig proposal
//! that the elected producers approve, the way a live network upgrades its system contract.

use async_trait::async_trait;

use crate::boot::cleos::CleosCommand;
use crate::boot::context::Context;
use crate::boot::error::Failure;
use crate::boot::msig::through_producers;
use crate::boot::step::{Check, Outcome, Step};
use crate::boot::StepName;
use crate::chain::system::wasm_path;
use crate::printer::Task;

pub struct MsigReplace;

/// Where the run writes the replacement contract and the proposed transaction (the genesis
/// node's volume).
const REPLACED_DIR: &str = "/lab/data/msig/eosio.system";
const TRX_FILE: &str = "/lab/data/msig/replace-trx.json";
const PROPOSAL: &str = "replace";

/// A wasm custom section appended to eosio.system: the replacement's hash differs (the chain
/// refuses to set the code it already runs) while it behaves the same.
fn custom_section() -> Vec<u8> {
    let name = b"antelope-lab";
    let payload = b"msig-replace";
    let mut content = vec![name.len() as u8];
    content.extend_from_slice(name);
    content.extend_from_slice(payload);
    let mut section = vec![0u8, content.len() as u8];
    section.extend(content);
    section
}

/// The replacement's code hash, computed in the container without writing anything.
async fn replaced_hash(cx: &Context<'_>) -> Result<String, Failure> {
    let out =
        cx.cleos().sh(&format!("cat {} - | sha256sum", wasm_path("eosio.system")), Some(custom_section())).await?;
    out.stdout
        .split_whitespace()
        .next()
        .map(str::to_string)
        .ok_or_else(|| Failure::chain("sha256sum printed nothing for the replacement"))
}

/// Writes the replacement contract (the image's ABI, the wasm with the custom section).
async fn write_replacement(cx: &Context<'_>) -> Result<(), Failure> {
    let script = format!(
        "mkdir -p {REPLACED_DIR} && cp {dir}/eosio.system.abi {REPLACED_DIR}/ && cat {wasm} - > {REPLACED_DIR}/eosio.system.wasm",
        dir = crate::chain::system::contract_dir("eosio.system"),
        wasm = wasm_path("eosio.system"),
    );
    cx.cleos().sh(&script, Some(custom_section())).await?;
    Ok(())
}

#[async_trait]
impl Step for MsigReplace {
    fn name(&self) -> StepName {
        StepName::MsigReplace
    }

    async fn check(&self, cx: &Context<'_>) -> Result<Check, Failure> {
        Ok(if cx.chain().code_hash("eosio").await? == replaced_hash(cx).await? {
            Check::Done("eosio runs the replacement".into())
        } else {
            Check::ToDo("eosio runs the original code".into())
        })
    }

    async fn run(&self, cx: &Context<'_>, task: &Task) -> Result<Outcome, Failure> {
        let target = replaced_hash(cx).await?;
        if cx.chain().code_hash("eosio").await? == target {
            return Ok(Outcome::unchanged("eosio runs the replacement"));
        }
        write_replacement(cx).await?;
        // The ABI is unchanged, so cleos leaves setabi out: the proposal stays under the 512 KiB
        // transaction limit. (`-x N` does not parse in this cleos; `--expiration N` does.)
        let write =
            format!("{} set contract -s -d -j --expiration 3600 eosio {REPLACED_DIR}", CleosCommand::local().shell());
        let done = || async { Ok(cx.chain().code_hash("eosio").await? == target) };
        let how = through_producers(cx, task, PROPOSAL, &write, TRX_FILE, done).await?;
        Ok(Outcome::changed(how))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_custom_section_is_well_formed() {
        let s = custom_section();
        assert_eq!(s[0], 0, "custom section id");
        assert_eq!(s[1] as usize, s.len() - 2, "size");
        assert_eq!(s[2] as usize, "antelope-lab".len());
    }
}
