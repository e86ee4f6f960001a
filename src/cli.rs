//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::boot::StepName;

mod experiments;
pub(crate) use experiments::*;

#[derive(Debug, Parser)]
#[command(
    name = "lab",
    version,
    about = "A disposable, multi-producer Antelope blockchain in Docker, booted the way a real network is booted",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Which lab: `-f FILE` or `--name NAME` on each subcommand (so `lab up -f x.yaml` works as well
/// as `lab -f x.yaml up`).
#[derive(Debug, Args, Clone, Default)]
pub struct LabArg {
    /// The topology file [default: lab.yaml in the current folder, else the built-in default]
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The lab by name: the topology `lab up` kept in its state folder [env: LAB_NAME, read when
    /// neither -f nor --name is given]. With `up`: the name to bring the topology up under.
    #[arg(long = "name", value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// The topology file [default: lab.yaml in the current folder, else the built-in default]
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The lab by name (as on each subcommand) [env: LAB_NAME]
    #[arg(long = "name", value_name = "NAME")]
    pub name: Option<String>,
    /// Print errors only.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Plain progress lines instead of bars (the default when stderr is not a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// More log output (-v, -vv); or set RUST_LOG.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What runs the lab, over the topology's `engine` (kept for the lab's later commands).
    #[arg(long, global = true, value_enum, env = "LAB_ENGINE")]
    pub engine: Option<crate::topology::Engine>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented topology file to edit.
    Init(InitArgs),
    /// Create and start the lab's containers, then boot the chain.
    Up(UpArgs),
    /// Run, rerun or resume the bios boot sequence.
    Boot(BootArgs),
    /// Remove everything the lab created, found by its labels.
    Down(DownArgs),
    /// Each node's role, state, head and irreversible block.
    Status(StatusArgs),
    /// Stop nodes cleanly (the whole lab when none is named); they keep their chain.
    Stop(StopArgs),
    /// Start stopped nodes (the whole lab when none is named); crashed ones are restored from a
    /// snapshot of a healthy node.
    Start(StartArgs),
    /// Stop nodes cleanly, then start them.
    Restart(RestartArgs),
    /// Move running nodes to another image, keeping their chain, one at a time while the rest
    /// produce (a Leap lab upgraded to Spring node by node).
    Upgrade(UpgradeArgs),
    /// Send nodes a signal (SIGKILL by default: a crash).
    Kill(KillArgs),
    /// Freeze nodes' processes.
    Pause(PauseArgs),
    /// Resume paused nodes.
    Unpause(PauseArgs),
    /// Show a node's log.
    Logs(LogsArgs),
    /// Run cleos with the lab's wallet and a node's API set (in that node's container).
    Cleos(CleosArgs),
    /// Run a command in a node's container.
    Exec(ExecArgs),
    /// Show the resolved plan and rendered files, without touching Docker.
    Plan(PlanArgs),
    /// Cut the network between groups of nodes (each GROUP: node,node,…; nodes left out form a group).
    Partition(PartitionArgs),
    /// Undo every network fault: partitions, loss, rate, delay.
    Heal(HealArgs),
    /// Degrade nodes' links (delay, jitter, loss, rate), or `--clear` them.
    Netem(NetemArgs),
    /// Save a node's chain, with what a new lab needs to carry on from it, to one file.
    Snapshot(SnapshotArgs),
    /// Wait until chain conditions hold (for scripts); exits 6 with what it saw when they do not.
    Wait(WaitArgs),
    /// Signed token transfers at a rate against the API nodes, then proof from the chain that
    /// nothing accepted was lost (exits 7 when something was).
    Load(LoadArgs),
    /// A live view of a running lab: nodes, heads, peers, CPU and memory, the producers' rounds.
    Top(TopArgs),
    /// The lab's p2p topology as Mermaid, DOT or an SVG picture (with live state when it runs).
    Graph(GraphArgs),
    /// Deploy a contract from host files (a folder or a .wasm) to an account, creating it if missing.
    Deploy(DeployArgs),
    /// Every account the lab made: role, public key, liquid and staked balance.
    Accounts(AccountsArgs),
    /// Shell exports for scripts: LAB_NAME, LAB_API_URL, LAB_CHAIN_ID, LAB_STATE_DIR, LAB_DIR, …
    Env(EnvArgs),
    /// Gather every node's log, files and state and the chain's info into a folder (for CI).
    Dump(DumpArgs),
    /// Print the JSON Schema of the topology file (lab.yaml), for editors and checks.
    Schema,
    /// Print a shell completion script (bash, zsh or fish).
    Completions(CompletionsArgs),
    /// Print lab's manual page (roff), e.g. `lab man > lab.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// Print one frame and exit.
    #[arg(long)]
    pub once: bool,
    /// One frame as JSON on stdout, then exit.
    #[arg(long)]
    pub json: bool,
    /// Seconds between refreshes.
    #[arg(long, default_value_t = 1.0, value_name = "SECS")]
    pub interval: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
    Svg,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// The output format.
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: GraphFormat,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Draw the plan only, without asking the engine for node states and live connections.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The file to write [default: lab.yaml]
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Number of producers.
    #[arg(long, default_value_t = 4)]
    pub producers: usize,
    /// Number of non-producing staked accounts.
    #[arg(long, default_value_t = 21)]
    pub users: usize,
    /// The lab's name.
    #[arg(long, default_value = "lab")]
    pub name: String,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args, Clone)]
pub struct UpArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// Start the nodes but do not boot the chain.
    #[arg(long)]
    pub no_boot: bool,
    /// Seconds to wait for each node to answer get_info (and, with --from, for a block from an
    /// elected producer).
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// When `up` fails, keep what it created for inspection instead of removing it.
    #[arg(long)]
    pub keep_failed: bool,
    /// Start a new lab from a bundle `lab snapshot` wrote, instead of booting a chain.
    #[arg(long, value_name = "FILE", conflicts_with = "no_boot")]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Args, Default)]
pub struct BootArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// Show the steps and which are done, then stop.
    #[arg(long)]
    pub list: bool,
    /// Run only these steps.
    #[arg(long, value_name = "STEP", num_args = 1.., value_enum)]
    pub only: Vec<StepName>,
    /// Start at this step.
    #[arg(long, value_name = "STEP", value_enum)]
    pub from: Option<StepName>,
    /// Skip these steps.
    #[arg(long, value_name = "STEP", num_args = 1.., value_enum)]
    pub skip: Vec<StepName>,
    /// Also run the optional steps (msig-replace, xfer).
    #[arg(long)]
    pub all: bool,
    /// Accounts in the upstream tutorial's accounts.json form (overrides the topology's).
    #[arg(long, value_name = "FILE")]
    pub accounts: Option<PathBuf>,
    /// Number of random transfers in `xfer`.
    #[arg(long, default_value_t = 20)]
    pub count: usize,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// Remove every lab on this engine.
    #[arg(long)]
    pub all: bool,
    /// Keep the chain data volumes (and the state folder).
    #[arg(long)]
    pub keep_data: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The node (genesis, a producer's account, an extra node).
    pub node: String,
    /// Follow the log (here `-f` follows, as in `tail -f`; give the topology with --file).
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// The topology file.
    #[arg(long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The lab by name [env: LAB_NAME].
    #[arg(long = "name", value_name = "NAME")]
    pub name: Option<String>,
    /// Lines from the end.
    #[arg(long, default_value_t = 100)]
    pub tail: usize,
}

#[derive(Debug, Args)]
pub struct CleosArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// Run cleos in this node's container, against its own API (faults on the lab network do not
    /// come between them; signing asks the wallet in the genesis container).
    #[arg(long, default_value = "genesis")]
    pub node: String,
    /// cleos arguments.
    #[arg(last = true, required = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// The account (created when missing, with a key from the lab's seed).
    pub account: String,
    /// A folder holding one .wasm (and its .abi), or a .wasm file.
    #[arg(value_name = "DIR|WASM")]
    pub path: PathBuf,
    /// The ABI file [default: the .abi beside the wasm]
    #[arg(long, value_name = "FILE")]
    pub abi: Option<PathBuf>,
    /// What was done, as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AccountsArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Include private keys.
    #[arg(long)]
    pub show_secrets: bool,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    #[command(flatten)]
    pub topology: LabArg,
}

#[derive(Debug, Args)]
pub struct DumpArgs {
    #[command(flatten)]
    pub topology: LabArg,
    // The help text is clap's, where `<lab>` is no HTML tag.
    #[allow(rustdoc::invalid_html_tags)]
    /// The folder to write [default: lab-dump-<lab>]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Also write DIR.tar.gz.
    #[arg(long)]
    pub tar: bool,
    /// Leave keys in the nodes' files unmasked.
    #[arg(long)]
    pub show_secrets: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub topology: LabArg,
    pub node: String,
    /// The command.
    #[arg(last = true, required = true)]
    pub cmd: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// The plan as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Show private keys (hidden by default).
    #[arg(long)]
    pub show_secrets: bool,
    /// Write the node files to the state folder and print the lab as a Compose file.
    #[arg(long, conflicts_with = "json")]
    pub compose: bool,
    /// Show only this node's files.
    #[arg(long)]
    pub node: Option<String>,
}

impl Command {
    /// Commands that handle Ctrl-C themselves (to undo what they did, or to give the terminal
    /// back) instead of being dropped.
    pub fn handles_interrupt(&self) -> bool {
        matches!(self, Command::Up(_) | Command::Top(_) | Command::Load(_))
    }

    /// The topology file and the lab's name given on the subcommand, if any.
    pub fn lab(&self) -> (Option<&PathBuf>, Option<&String>) {
        match self {
            Command::Init(a) => (a.file.as_ref(), None),
            Command::Up(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Boot(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Down(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Status(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Stop(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Start(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Restart(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Upgrade(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Kill(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Pause(a) | Command::Unpause(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Logs(a) => (a.file.as_ref(), a.name.as_ref()),
            Command::Cleos(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Exec(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Plan(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Partition(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Heal(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Netem(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Snapshot(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Wait(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Load(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Top(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Graph(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Deploy(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Accounts(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Env(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Dump(a) => (a.topology.file.as_ref(), a.topology.name.as_ref()),
            Command::Schema | Command::Completions(_) | Command::Man => (None, None),
        }
    }
}
