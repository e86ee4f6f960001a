//! A contract deployed, and a lab's logs, files and chain answers dumped, through the handle.

use std::path::Path;

use super::{Lab, Result};
use crate::deploy::{ContractFiles, DeployReport};
use crate::dump::DumpReport;

impl Lab {
    /// Deploys a contract to `account` as `lab deploy` does: creates the account if it is missing
    /// (its key kept with the lab's, RAM for the code, CPU and NET unlimited), raises its RAM if
    /// the code needs more, and sets code and ABI unless the chain has them already. `files` come
    /// from [`ContractFiles::read`], which refuses bad input before any engine is asked.
    pub async fn deploy(&self, account: &str, files: &ContractFiles) -> Result<DeployReport> {
        Ok(crate::deploy::deploy(self.rt.as_ref(), &self.plan, &self.state, account, files).await?)
    }

    /// Writes every node's log, files (keys masked unless `show_secrets`) and container state,
    /// and the chain's info, schedule and producers, into `dir`, as `lab dump` does. A node
    /// that stopped still gives its log and files.
    pub async fn dump(&self, dir: &Path, show_secrets: bool) -> Result<DumpReport> {
        Ok(crate::dump::dump(self.rt.as_ref(), &self.plan.lab, &self.state, dir, show_secrets).await?)
    }
}

impl ContractFiles {
    /// Reads a contract from the host: `target` is a folder with one `.wasm` (and its `.abi`) or
    /// a `.wasm` file; `abi` names the ABI when it is elsewhere. Checked here, before anything is
    /// asked of the chain.
    pub fn read(target: impl AsRef<Path>, abi: Option<&Path>) -> Result<Self> {
        Ok(crate::deploy::read_contract(target.as_ref(), abi)?)
    }
}
