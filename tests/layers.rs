//! The crate's modules form one-way layers: a module imports only modules of the layers below its
//! own. This test reads src/ and fails on an import that climbs or stays within its layer (which
//! is how import cycles start), and on a top-level module the table does not place.
//!
//! Test code is left out (files named `tests.rs` or `*_tests.rs`, folders named `tests`, and what
//! follows a file's first `#[cfg(test)]`): a test may reach any module to build its fixtures.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Bottom first. The library's pipeline runs from `topology` (the file) to `lab` (the handle);
/// the last two layers are the command line.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "vocabulary: label keys, keys, chain types and facts, image recipes, progress",
        &["labels", "keys", "chain", "image", "printer"],
    ),
    ("the topology file: types, defaults, validation", &["topology"]),
    ("the plan: pure resolution of names, keys, ports, peers", &["plan"]),
    ("rendered files: genesis.json, config.ini, logging.json", &["render"]),
    ("the engine: Docker, Swarm, the fake", &["runtime"]),
    ("a node through the engine; the state folder", &["client", "state"]),
    ("the bios boot sequence", &["boot"]),
    ("contracts deployed, balances verified", &["deploy", "verify"]),
    ("containers brought up, kept, recovered", &["orchestrator"]),
    (
        "experiments and records: faults, waits, dumps, bundles, graphs, the live view's data, load",
        &["faults", "wait", "dump", "bundle", "graph", "top", "load"],
    ),
    ("the Lab handle", &["lab"]),
    ("command line: arguments, exit codes (feature `cli`)", &["cli", "error"]),
    ("command line: one file per command", &["commands"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules of src/ (files and folders), without the crate roots and binaries.
fn modules() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if ["lib", "main", "bin"].contains(&name.as_str()) {
            continue;
        }
        if path.is_dir() || path.extension().is_some_and(|e| e == "rs") {
            out.insert(name);
        }
    }
    out
}

fn is_test_file(relative: &Path) -> bool {
    relative.components().any(|c| {
        let c = c.as_os_str().to_string_lossy();
        c == "tests" || c == "tests.rs" || c.ends_with("_tests.rs")
    })
}

fn sources_of(module: &str) -> Vec<PathBuf> {
    let root = src();
    let mut out = Vec::new();
    let file = root.join(format!("{module}.rs"));
    if file.is_file() {
        out.push(file);
    }
    let mut dirs = vec![root.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.retain(|p| !is_test_file(p.strip_prefix(&root).unwrap()));
    out
}

/// The top-level modules a module's (non-test, non-comment) code names through `crate::`.
fn imports(module: &str, known: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for path in sources_of(module) {
        let text = fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for target in crate_paths(line) {
                if known.contains(&target) && target != module {
                    let at = format!("{}:{}", path.strip_prefix(src()).unwrap().display(), n + 1);
                    found.entry(target).or_insert(at);
                }
            }
        }
    }
    found
}

/// The first segment after each `crate::` of a line, also inside `crate::{a, b::c}` groups.
fn crate_paths(line: &str) -> Vec<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    let mut out = Vec::new();
    for (i, _) in line.match_indices("crate::") {
        if line[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `antelope_crate::`, not ours
        }
        let rest = &line[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or_default();
            out.extend(group.split(',').map(|p| ident(p.trim())).filter(|s| !s.is_empty()));
        } else {
            out.push(ident(rest));
        }
    }
    out
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&module))
}

#[test]
fn every_module_has_a_layer_and_imports_only_below_it() {
    let known = modules();
    let mut problems = Vec::new();
    for module in &known {
        let Some(layer) = layer_of(module) else {
            problems.push(format!("src/{module}: not in LAYERS (tests/layers.rs); place it"));
            continue;
        };
        for (target, at) in imports(module, &known) {
            match layer_of(&target) {
                Some(t) if t < layer => {}
                Some(t) => problems.push(format!(
                    "{at}: `{module}` ({}) imports `{target}` ({}), {}",
                    LAYERS[layer].0,
                    LAYERS[t].0,
                    if t == layer { "a module of its own layer" } else { "a layer above it" }
                )),
                None => {} // reported above as unplaced
            }
        }
    }
    for (_, mods) in LAYERS {
        for m in *mods {
            if !known.contains(*m) {
                problems.push(format!("LAYERS names `{m}`, which src/ does not have"));
            }
        }
    }
    assert!(problems.is_empty(), "the layers are broken:\n{}", problems.join("\n"));
}

#[test]
fn the_reader_sees_imports_in_every_form() {
    assert_eq!(crate_paths("use crate::plan::NetworkPlan;"), ["plan"]);
    assert_eq!(crate_paths("use crate::{keys, chain::Amount};"), ["keys", "chain"]);
    assert_eq!(crate_paths("let x = crate::runtime::health::indent(&s);"), ["runtime"]);
    assert!(crate_paths("use antelope_crate::x;").is_empty());
    let known = modules();
    assert!(known.contains("lab") && known.contains("runtime"), "{known:?}");
    // The handle reaches the orchestrator; a layer that did not see it would pass anything.
    assert!(imports("lab", &known).contains_key("orchestrator"));
}
