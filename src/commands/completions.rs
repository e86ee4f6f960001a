//! `lab completions SHELL` and `lab man`: both generated from the clap definitions in
//! [`crate::cli`], so they cannot drift from the commands the binary accepts.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionShell, CompletionsArgs};

/// The completion script for `shell`, for the binary named `lab`.
pub fn completion_script(shell: CompletionShell) -> Vec<u8> {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "lab", &mut out);
    out
}

/// The manual page, as roff: `lab(1)` with every subcommand and its options.
pub fn man_page() -> Result<Vec<u8>> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    // clap_mangen renders one command per page; the subcommands' own options go in sections of
    // lab(1) so that one page documents the whole tool.
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("lab {}", sub.get_name());
        writeln!(out, ".SH \"{}\"", name.to_uppercase())?;
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            writeln!(out, "{}", roff_escape(&about.to_string()))?;
        }
        let man = clap_mangen::Man::new(sub.clone().bin_name(&name));
        let mut section = Vec::new();
        man.render_synopsis_section(&mut section)?;
        man.render_options_section(&mut section)?;
        // Each part renders its own `.SH` heading; one level down keeps them under the subcommand.
        out.extend(String::from_utf8_lossy(&section).replace(".SH ", ".SS ").into_bytes());
    }
    Ok(out)
}

fn roff_escape(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.replace('\\', "\\\\");
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn run_completions(args: CompletionsArgs) -> Result<ExitCode> {
    std::io::stdout().write_all(&completion_script(args.shell))?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_man() -> Result<ExitCode> {
    std::io::stdout().write_all(&man_page()?)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_subcommands() {
        for (shell, marker) in [
            (CompletionShell::Bash, "complete -F _lab"),
            (CompletionShell::Zsh, "#compdef lab"),
            (CompletionShell::Fish, "complete -c lab"),
        ] {
            let script = String::from_utf8(completion_script(shell)).unwrap();
            assert!(script.contains(marker), "{shell:?} script lacks {marker:?}");
            for sub in ["up", "down", "top", "graph", "schema", "completions", "partition"] {
                assert!(script.contains(sub), "{shell:?} script does not complete `{sub}`");
            }
        }
        // Options of a subcommand are completed too, values of an enum listed.
        let fish = String::from_utf8(completion_script(CompletionShell::Fish)).unwrap();
        assert!(fish.contains("-l format") && fish.contains("mermaid"), "fish lacks graph --format values");
    }

    #[test]
    fn the_man_page_documents_each_subcommand_and_its_options() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        assert!(page.starts_with(".ie") || page.contains(".TH lab 1"), "not a roff page: {}", &page[..80]);
        for heading in [".SH \"LAB UP\"", ".SH \"LAB TOP\"", ".SH \"LAB GRAPH\"", ".SH \"LAB WAIT\""] {
            assert!(page.contains(heading), "no section {heading}");
        }
        assert!(page.contains("keep\\-failed"), "lab up's --keep-failed is not documented");
        assert!(page.contains("lib\\-advances"), "lab wait's --lib-advances is not documented");
    }
}
