//! The README and docs/ against the code they describe: the README stays a front page, every
//! file they name exists, the command table lists exactly the commands `lab` has, and the exit
//! codes are the library's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// Text between backticks, and Markdown link targets.
fn named(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text.split('`').skip(1).step_by(2).map(String::from).collect();
    for part in text.split("](").skip(1) {
        if let Some(target) = part.split(')').next() {
            out.push(target.to_string());
        }
    }
    out
}

/// Whether `rel` names a file or folder under `base` or, for a module's file (`boot/steps/mod.rs`),
/// one somewhere under src/.
fn exists(base: &Path, rel: &str) -> bool {
    if base.join(rel).exists() || root().join(rel).exists() {
        return true;
    }
    let mut dirs = vec![root().join("src")];
    while let Some(dir) = dirs.pop() {
        if dir.join(rel).exists() {
            return true;
        }
        dirs.extend(std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()));
    }
    false
}

#[test]
fn the_readme_is_a_front_page() {
    let lines = read(&root().join("README.md")).lines().count();
    assert!(lines <= 200, "README.md has {lines} lines; the rest belongs in docs/");
}

#[test]
fn every_file_the_pages_name_exists() {
    let mut missing = Vec::new();
    for page in pages() {
        let base = page.parent().unwrap();
        for name in named(&read(&page)) {
            let name = name.split_whitespace().next().unwrap_or_default();
            let name = name.split('#').next().unwrap().trim_end_matches([',', '.', ':']);
            let looks_like_path = name.starts_with("src/")
                || name.starts_with("tests/")
                || name.starts_with("images/")
                || name.starts_with("compose/")
                || name.starts_with("docs/")
                || name.starts_with(".ci/")
                || (name.ends_with(".md") && !name.contains(' ') && !name.contains("://"))
                || (name.ends_with(".rs") && !name.contains(' '));
            if looks_like_path && !name.contains('<') && !name.contains('*') && !exists(base, name) {
                missing.push(format!("{}: {name}", page.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(missing.is_empty(), "named but missing:\n{}", missing.join("\n"));
}

/// The subcommands `lab --help` lists.
fn subcommands() -> BTreeSet<String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lab")).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let commands = help.split("Commands:").nth(1).expect("a Commands: section");
    let commands = commands.split("\n\n").next().unwrap();
    commands.lines().filter_map(|l| l.split_whitespace().next()).filter(|c| *c != "help").map(String::from).collect()
}

#[test]
fn the_command_table_lists_exactly_the_commands_lab_has() {
    let readme = read(&root().join("README.md"));
    let table = readme.split("## Commands").nth(1).unwrap().split("\n## ").next().unwrap();
    let listed: BTreeSet<String> = table
        .lines()
        .filter(|l| l.starts_with("| `lab "))
        .flat_map(|l| l.split("`lab ").skip(1).filter_map(|c| c.split([' ', '`']).next().map(String::from)))
        .collect();
    let real = subcommands();
    assert!(real.len() > 20, "{real:?}");
    let unlisted: Vec<_> = real.difference(&listed).collect();
    let unknown: Vec<_> = listed.difference(&real).collect();
    assert!(unlisted.is_empty() && unknown.is_empty(), "not in the table: {unlisted:?}; not commands: {unknown:?}");
}
