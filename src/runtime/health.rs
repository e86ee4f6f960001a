//! A node's health as a user thinks of it (running, stopped, paused, crashed), read from what the
//! engine says of its container, and the words `lab` uses when a node is down.

use serde::Serialize;

use super::{ContainerInfo, ContainerState, Runtime};

/// Exit codes of a clean shutdown: nodeos exits 0 after SIGTERM; 143 (128 + SIGTERM) is what a
/// process that does not handle SIGTERM reports, and its database was closed by then.
pub const CLEAN_EXIT_CODES: [i64; 2] = [0, 143];

/// What nodeos logs when it finds its state database was not closed, and then exits.
pub const DIRTY_FLAG: &str = "database dirty flag set";

/// What a node's container state means for the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Running.
    Running,
    /// Exited cleanly: it restarts with its chain.
    Stopped,
    /// Paused (`lab pause`).
    Paused,
    /// Exited any other way (killed, out of memory, a dirty database): its state cannot be
    /// trusted to open again.
    Crashed,
    /// Created and never started: it has no chain yet.
    Created,
    /// Restarting or being removed: the engine is in the middle of something.
    Busy,
}

impl Health {
    /// Its name, as `lab status` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Running => "running",
            Health::Stopped => "stopped",
            Health::Paused => "paused",
            Health::Crashed => "crashed",
            Health::Created => "created",
            Health::Busy => "busy",
        }
    }
}

impl std::fmt::Display for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A container's health. An exited container whose exit code the engine did not give counts as
/// stopped: there is no sign it crashed. Pure.
pub fn health(c: &ContainerInfo) -> Health {
    match c.state {
        ContainerState::Running => Health::Running,
        ContainerState::Paused => Health::Paused,
        ContainerState::Created => Health::Created,
        ContainerState::Restarting | ContainerState::Removing => Health::Busy,
        ContainerState::Dead => Health::Crashed,
        ContainerState::Exited => match c.exit_code {
            Some(code) if !CLEAN_EXIT_CODES.contains(&code) => Health::Crashed,
            _ => Health::Stopped,
        },
    }
}

/// Whether a log shows nodeos refusing its dirty database. Pure.
pub fn dirty(logs: &str) -> bool {
    logs.lines().any(|l| l.to_ascii_lowercase().contains(DIRTY_FLAG))
}

/// Health and exit code as a person reads them: `crashed (exit code 137)`, `paused`. Pure.
pub fn describe(c: &ContainerInfo) -> String {
    let h = health(c);
    let mut detail = Vec::new();
    if !matches!(c.state, ContainerState::Exited) && c.state.as_str() != h.as_str() {
        detail.push(c.state.as_str().to_string());
    }
    if let Some(code) = c.exit_code {
        detail.push(format!("exit code {code}"));
    }
    if detail.is_empty() {
        h.to_string()
    } else {
        format!("{h} ({})", detail.join(", "))
    }
}

/// Why a node is not answering, never empty: its container, health, exit code and last log
/// lines (or that its log is empty, or that it has no container).
pub async fn down_reason(rt: &dyn Runtime, container: &str) -> String {
    let listed = rt.containers(&[]).await.unwrap_or_default();
    let Some(c) = listed.iter().find(|c| c.name == container) else {
        return format!("{container} has no container (`lab up` creates it)");
    };
    let logs = rt.logs(container, 20).await.unwrap_or_default();
    let tail = if logs.trim().is_empty() { "  | (its log is empty)".to_string() } else { indent(&logs) };
    format!("{container} is {}; its last log lines:\n{tail}", describe(c))
}

/// Log lines as `lab` quotes them under a message: indented, behind a bar.
pub fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(state: ContainerState, exit_code: Option<i64>) -> ContainerInfo {
        ContainerInfo {
            name: "lab-accountnum22".into(),
            id: "id".into(),
            image: "img".into(),
            state,
            exit_code,
            labels: Default::default(),
            ports: vec![],
            addresses: Default::default(),
        }
    }

    #[test]
    fn clean_exits_are_stopped_and_others_crashed() {
        assert_eq!(health(&info(ContainerState::Exited, Some(0))), Health::Stopped);
        assert_eq!(health(&info(ContainerState::Exited, Some(143))), Health::Stopped);
        assert_eq!(health(&info(ContainerState::Exited, None)), Health::Stopped);
        assert_eq!(health(&info(ContainerState::Exited, Some(137))), Health::Crashed);
        // nodeos exits 2 when it finds its database dirty.
        assert_eq!(health(&info(ContainerState::Exited, Some(2))), Health::Crashed);
        assert_eq!(health(&info(ContainerState::Dead, None)), Health::Crashed);
        assert_eq!(health(&info(ContainerState::Running, None)), Health::Running);
        assert_eq!(health(&info(ContainerState::Paused, None)), Health::Paused);
        assert_eq!(health(&info(ContainerState::Created, None)), Health::Created);
        assert_eq!(describe(&info(ContainerState::Exited, Some(137))), "crashed (exit code 137)");
        assert_eq!(describe(&info(ContainerState::Dead, None)), "crashed (dead)");
        assert_eq!(describe(&info(ContainerState::Paused, None)), "paused");
    }

    #[test]
    fn the_dirty_flag_is_found_in_a_log() {
        let log = "warn ... Database dirty flag set\nerror 2026 main.cpp:390 try_exec ] database dirty flag set \
                   (likely due to unclean shutdown): replay required\n";
        assert!(dirty(log));
        assert!(!dirty("info produced block #12\n"));
    }

    #[tokio::test]
    async fn a_down_reason_is_never_empty() {
        let rt = crate::runtime::fake::FakeRuntime::new();
        let none = down_reason(&rt, "lab-x").await;
        assert_eq!(none, "lab-x has no container (`lab up` creates it)");
    }
}
