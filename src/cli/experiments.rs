//! The arguments of the commands that experiment on a live lab: lifecycle (stop, start,
//! restart, kill, pause), network faults (partition, heal, netem), snapshots and waiting.

use std::path::PathBuf;

use clap::Args;

use super::LabArg;
use crate::topology::ImageConfig;

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// The node whose chain is saved.
    #[arg(long, default_value = "genesis")]
    pub node: String,
    // The help text is clap's, where `<lab>` is no HTML tag.
    #[allow(rustdoc::invalid_html_tags)]
    /// The bundle to write [default: <lab>-<head block>.labsnap.tar.gz in the current folder].
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// LIB moves N blocks past its value when the wait begins.
    #[arg(long, value_name = "N")]
    pub lib_advances: Option<u64>,
    /// The head block is at least N.
    #[arg(long, value_name = "N")]
    pub head: Option<u64>,
    /// Every running node is within K blocks of the genesis node's head.
    #[arg(long, value_name = "K")]
    pub in_sync: Option<u64>,
    /// The active schedule holds at least these producers (others may be in it too).
    #[arg(long, value_name = "P1,P2,…", value_delimiter = ',')]
    pub schedule: Vec<String>,
    /// Seconds before giving up.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// Transactions per second (with --find-max: the first rate tried).
    #[arg(long, value_name = "TPS", default_value_t = 100.0, allow_negative_numbers = true)]
    pub rate: f64,
    /// Seconds to send for [default: 10, unless --count is given; with --find-max, 20 per rate].
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    /// Send this many transactions (with --duration, whichever comes first).
    #[arg(long, value_name = "N", conflicts_with = "find_max")]
    pub count: Option<u64>,
    /// Search for the highest rate that holds: runs of --duration each, doubling from --rate
    /// until one falls behind (p99 to a block over --max-p99, under 95 % accepted, over 0.1 %
    /// refused, anything lost), then narrowing to within 10 %.
    #[arg(long)]
    pub find_max: bool,
    /// With --find-max: seconds within which 99 % of a rate's transactions must reach a block.
    #[arg(long, value_name = "SECS", default_value_t = 2.0, requires = "find_max")]
    pub max_p99: f64,
    /// With --find-max: at most this many runs.
    #[arg(long, value_name = "N", default_value_t = 10, requires = "find_max")]
    pub max_steps: usize,
    /// Send this contract action instead of token transfers, as CONTRACT::ACTION (checked
    /// against the contract's ABI on the chain before anything is sent).
    #[arg(long, value_name = "CONTRACT::ACTION", requires = "data")]
    pub action: Option<String>,
    /// The action's data, a JSON object; its strings may hold {n} (the transaction's number),
    /// {signer}, {account} (another user account, never the signer) and {run}.
    #[arg(long, value_name = "JSON", requires = "action")]
    pub data: Option<String>,
    /// The one account that signs every action (its active key must be the lab's) [default: the
    /// lab's user accounts in turn].
    #[arg(long, value_name = "ACCOUNT", requires = "action")]
    pub signer: Option<String>,
    /// Seconds after the head block's time that a transaction expires.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub expiration: u64,
    /// Seconds to wait after sending for every accepted transaction to become irreversible or
    /// expire.
    #[arg(long, value_name = "SECS", default_value_t = 180)]
    pub settle_timeout: u64,
    /// The report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// The nodes (genesis, a producer's account, an extra node) [default: every node]
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// The nodes [default: every node]
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,
    /// Seconds to wait for each node to answer (and a restored one to reach the head).
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    #[command(flatten)]
    pub topology: LabArg,
    #[arg(value_name = "NODE", required = true)]
    pub nodes: Vec<String>,
    /// Seconds to wait for each node to answer again.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    #[command(flatten)]
    pub topology: LabArg,
    #[arg(value_name = "NODE", required_unless_present = "protocol", conflicts_with = "protocol")]
    pub nodes: Vec<String>,
    /// The image to move them to: a reference (`ghcr.io/org/spring:1.2.2`), or an `image`
    /// section as in the topology, in YAML flow style (`{files: ./spring}`, `{build: ./dir}`).
    #[arg(long, value_name = "SPEC", value_parser = parse_image, required_unless_present = "protocol")]
    pub image: Option<ImageConfig>,
    /// Instead of moving nodes: move the chain to what its nodes can do, through eosio.msig and
    /// the producers' approvals (eosio.msig, then with Savanna nodes: parameters, features, the
    /// system contract, finalizer keys, the switch to Savanna).
    #[arg(long)]
    pub protocol: bool,
    /// Seconds to wait for each node to answer at the head again.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
}

/// `--image`: a mapping in YAML flow style, else an image reference.
fn parse_image(spec: &str) -> Result<ImageConfig, String> {
    let spec = spec.trim();
    if spec.starts_with('{') {
        serde_norway::from_str(spec).map_err(|e| format!("{spec:?} is not an image section: {e}"))
    } else if spec.is_empty() || spec.contains(char::is_whitespace) {
        Err(format!("{spec:?} is not an image reference"))
    } else {
        Ok(ImageConfig { reference: Some(spec.to_string()), ..ImageConfig::default() })
    }
}

#[derive(Debug, Args)]
pub struct KillArgs {
    #[command(flatten)]
    pub topology: LabArg,
    #[arg(value_name = "NODE", required = true)]
    pub nodes: Vec<String>,
    /// The signal: a name (SIGKILL, KILL, SIGTERM…) or a number.
    #[arg(long, short = 's', default_value = "SIGKILL")]
    pub signal: String,
}

#[derive(Debug, Args)]
pub struct PauseArgs {
    #[command(flatten)]
    pub topology: LabArg,
    #[arg(value_name = "NODE", required = true)]
    pub nodes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PartitionArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// Comma-separated node names; traffic between groups is cut, within a group kept.
    #[arg(required = true, num_args = 1.., value_name = "GROUP")]
    pub groups: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HealArgs {
    #[command(flatten)]
    pub topology: LabArg,
}

#[derive(Debug, Args)]
pub struct NetemArgs {
    #[command(flatten)]
    pub topology: LabArg,
    /// The nodes whose links to change.
    #[arg(required = true, num_args = 1.., value_name = "NODE")]
    pub nodes: Vec<String>,
    /// Delay of what the node sends: milliseconds (100, 100ms) or seconds (1s). Needs netem.
    #[arg(long, value_name = "MS", allow_hyphen_values = true)]
    pub delay: Option<String>,
    /// Variation of the delay, in milliseconds. Needs netem.
    #[arg(long, value_name = "MS", allow_hyphen_values = true)]
    pub jitter: Option<String>,
    /// Percent of the packets the node sends that are dropped (0–100).
    #[arg(long, value_name = "PCT", allow_hyphen_values = true)]
    pub loss: Option<String>,
    /// Bandwidth of what the node sends, as tc writes it (1mbit, 500kbit).
    #[arg(long, value_name = "RATE", allow_hyphen_values = true)]
    pub rate: Option<String>,
    /// Remove every link setting of these nodes (partitions stay; `lab heal` removes all).
    #[arg(long)]
    pub clear: bool,
}
