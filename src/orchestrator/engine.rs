//! Which engine runs a lab: the one asked for (`--engine`, or [`crate::LabConfig::engine`]),
//! remembered in the lab's state folder for its later commands; else the one remembered; else
//! the topology's `engine`.

use std::path::PathBuf;

use anyhow::Result;

use crate::state::StateDir;
use crate::topology::Engine;

/// The file in a lab's state folder that remembers an engine asked for over the topology's.
const ENGINE_FILE: &str = "engine";

fn remembered_path(state: &StateDir) -> PathBuf {
    state.root.join(ENGINE_FILE)
}

/// The engine of the lab whose state folder is `state` (see the module's doc). An engine asked
/// for that differs from the topology's, or replaces one remembered, is written down.
pub fn resolve(asked: Option<Engine>, topology: Engine, state: &StateDir) -> Result<Engine> {
    let remembered = remembered_path(state);
    Ok(match asked {
        Some(e) => {
            if e != topology || remembered.exists() {
                std::fs::create_dir_all(&state.root)?;
                std::fs::write(&remembered, e.as_str())?;
            }
            e
        }
        None => match std::fs::read_to_string(&remembered).ok().as_deref().map(str::trim) {
            Some("swarm") => Engine::Swarm,
            Some("docker") => Engine::Docker,
            _ => topology,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asked_beats_remembered_beats_the_topology() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir { root: dir.path().join("l") };
        assert_eq!(resolve(None, Engine::Docker, &state).unwrap(), Engine::Docker);
        // The topology's own engine asked for again is nothing to remember.
        assert_eq!(resolve(Some(Engine::Docker), Engine::Docker, &state).unwrap(), Engine::Docker);
        assert!(!remembered_path(&state).exists());
        assert_eq!(resolve(Some(Engine::Swarm), Engine::Docker, &state).unwrap(), Engine::Swarm);
        assert_eq!(resolve(None, Engine::Docker, &state).unwrap(), Engine::Swarm);
        assert_eq!(resolve(Some(Engine::Docker), Engine::Docker, &state).unwrap(), Engine::Docker);
        assert_eq!(resolve(None, Engine::Swarm, &state).unwrap(), Engine::Docker);
    }
}
