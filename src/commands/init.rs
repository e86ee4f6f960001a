use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use super::Ctx;
use crate::cli::InitArgs;
use crate::topology::{self, TopologySource};

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<ExitCode> {
    let path = ctx.file.clone().unwrap_or_else(|| PathBuf::from("lab.yaml"));
    if path.exists() && !args.force {
        bail!("{} exists; --force overwrites it", path.display());
    }
    let text = topology::init_file(&args.name, args.producers, args.users);
    // What init writes must itself be valid.
    let source =
        TopologySource { topology: topology::parse(&text).map_err(anyhow::Error::msg)?, path: Some(path.clone()) };
    topology::validate(&source)?;
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    // The schema the modeline names, beside the file: editors validate it without a network.
    let schema = path.with_file_name(topology::SCHEMA_FILE);
    std::fs::write(&schema, topology::topology_schema_text())
        .with_context(|| format!("cannot write {}", schema.display()))?;
    ctx.printer.info(format!(
        "wrote {} ({} producers, {} accounts) and its schema {}; `lab plan` shows what it resolves to, `lab up` runs it",
        path.display(),
        args.producers,
        args.producers + args.users,
        schema.display()
    ));
    Ok(ExitCode::SUCCESS)
}
