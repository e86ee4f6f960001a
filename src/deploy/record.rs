//! The accounts `lab deploy` created, kept in the lab's state folder (`deployed.json`) so that
//! `lab accounts` lists them. Their private keys are derived from the lab's seed, not stored.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::state::StateDir;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deployed {
    pub name: String,
    pub public_key: String,
}

fn path(state: &StateDir) -> std::path::PathBuf {
    state.root.join("deployed.json")
}

/// The accounts deployed to, in the order they were created.
pub fn list(state: &StateDir) -> Result<Vec<Deployed>> {
    match std::fs::read_to_string(path(state)) {
        Ok(text) => serde_json::from_str(&text).with_context(|| format!("{} is not a list", path(state).display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path(state).display())),
    }
}

pub fn add(state: &StateDir, name: &str, public_key: &str) -> Result<()> {
    let mut all = list(state)?;
    if all.iter().any(|d| d.name == name) {
        return Ok(());
    }
    all.push(Deployed { name: name.into(), public_key: public_key.into() });
    std::fs::create_dir_all(&state.root)?;
    std::fs::write(path(state), serde_json::to_string_pretty(&all)?)
        .with_context(|| format!("cannot write {}", path(state).display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_once_in_order() {
        let d = tempfile::tempdir().unwrap();
        let state = StateDir { root: d.path().join("lab") };
        assert!(list(&state).unwrap().is_empty());
        add(&state, "hello", "EOS1").unwrap();
        add(&state, "token", "EOS2").unwrap();
        add(&state, "hello", "EOS1").unwrap();
        let names: Vec<String> = list(&state).unwrap().into_iter().map(|d| d.name).collect();
        assert_eq!(names, ["hello", "token"]);
    }
}
