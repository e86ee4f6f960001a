//! The record of what a test asked of the fake: every call of the trait, and every exec with its
//! command and standard input.

/// One exec the fake was asked to run.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecCall {
    pub container: String,
    pub cmd: Vec<String>,
    pub stdin: Option<Vec<u8>>,
}

impl ExecCall {
    /// The command line, its words joined by spaces: what a handler usually matches on.
    pub fn script(&self) -> String {
        self.cmd.join(" ")
    }

    /// What was written to the command's standard input, as text; empty when nothing was.
    pub fn stdin_text(&self) -> String {
        self.stdin.as_deref().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default()
    }
}

/// One call of the [`Runtime`](crate::runtime::Runtime) trait, naming its target, in the order the calls were made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    ImagePresent(String),
    BuildImage(String),
    PullImage(String),
    EnsureNetwork(String),
    EnsureVolume(String),
    CreateContainer(String),
    StartContainer(String),
    StopContainer(String),
    RemoveContainer(String),
    RemoveNetwork(String),
    RemoveVolume(String),
    /// The label filters asked for.
    Containers(Vec<String>),
    ContainerState(String),
    Networks(Vec<String>),
    Volumes(Vec<String>),
    /// The container; [`FakeRuntime::execs`](super::FakeRuntime::execs) has the command.
    Exec(String),
    Logs(String),
    FollowLogs(String),
    /// The container and the signal.
    KillContainer(String, String),
    PauseContainer(String),
    UnpauseContainer(String),
    WaitContainer(String),
    /// The network and the container.
    /// The container and the folder.
    PutFiles(String, String),
    /// The container and the path.
    GetFile(String, String),
    ContainerStats(String),
}

impl Call {
    /// The name of the trait method, as [`FakeRuntime::fail_next`](super::FakeRuntime::fail_next) takes it.
    pub fn op(&self) -> &'static str {
        match self {
            Call::ImagePresent(_) => "image_present",
            Call::BuildImage(_) => "build_image",
            Call::PullImage(_) => "pull_image",
            Call::EnsureNetwork(_) => "ensure_network",
            Call::EnsureVolume(_) => "ensure_volume",
            Call::CreateContainer(_) => "create_container",
            Call::StartContainer(_) => "start_container",
            Call::StopContainer(_) => "stop_container",
            Call::RemoveContainer(_) => "remove_container",
            Call::RemoveNetwork(_) => "remove_network",
            Call::RemoveVolume(_) => "remove_volume",
            Call::Containers(_) => "containers",
            Call::ContainerState(_) => "container_state",
            Call::Networks(_) => "networks",
            Call::Volumes(_) => "volumes",
            Call::Exec(_) => "exec",
            Call::Logs(_) => "logs",
            Call::FollowLogs(_) => "follow_logs",
            Call::KillContainer(..) => "kill_container",
            Call::PauseContainer(_) => "pause_container",
            Call::UnpauseContainer(_) => "unpause_container",
            Call::WaitContainer(_) => "wait_container",
            Call::PutFiles(..) => "put_files",
            Call::GetFile(..) => "get_file",
            Call::ContainerStats(_) => "container_stats",
        }
    }

    /// Whether the call changes something (creates, starts, stops, removes, builds, pulls, execs).
    pub fn mutates(&self) -> bool {
        !matches!(
            self,
            Call::ImagePresent(_)
                | Call::Containers(_)
                | Call::ContainerState(_)
                | Call::Networks(_)
                | Call::Volumes(_)
                | Call::Logs(_)
                | Call::FollowLogs(_)
                | Call::WaitContainer(_)
                | Call::GetFile(..)
                | Call::ContainerStats(_)
        )
    }
}

/// The trait methods and the words the Docker runtime's errors use for them.
const OPS: [(&str, &str); 25] = [
    ("image_present", "inspect image"),
    ("build_image", "build image"),
    ("pull_image", "pull image"),
    ("ensure_network", "create network"),
    ("ensure_volume", "create volume"),
    ("create_container", "create container"),
    ("start_container", "start container"),
    ("stop_container", "stop container"),
    ("remove_container", "remove container"),
    ("remove_network", "remove network"),
    ("remove_volume", "remove volume"),
    ("containers", "list containers"),
    ("container_state", "inspect container"),
    ("networks", "list networks"),
    ("volumes", "list volumes"),
    ("exec", "exec in"),
    ("logs", "read logs of"),
    ("container_stats", "stats of container"),
    ("follow_logs", "follow logs of"),
    ("kill_container", "kill container"),
    ("pause_container", "pause container"),
    ("unpause_container", "unpause container"),
    ("wait_container", "wait for container"),
    ("put_files", "copy into"),
    ("get_file", "copy from"),
];

/// The entry of `OPS` for a method name; a name that is none is a mistake in the test.
pub(super) fn op_entry(op: &str) -> (&'static str, &'static str) {
    OPS.into_iter()
        .find(|(name, _)| *name == op)
        .unwrap_or_else(|| panic!("fake runtime: no operation {op:?} (one of {})", OPS.map(|(n, _)| n).join(", ")))
}
