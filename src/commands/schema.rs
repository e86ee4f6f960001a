use std::process::ExitCode;

use anyhow::Result;

use crate::topology;

/// `lab schema`: the topology file's JSON Schema on stdout.
pub fn run() -> Result<ExitCode> {
    print!("{}", topology::topology_schema_text());
    Ok(ExitCode::SUCCESS)
}
