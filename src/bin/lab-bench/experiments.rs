//! The experiments of a live lab, timed as a user runs them: the `lab` binary itself, against a
//! booted lab of its own. Recovery of a crashed producer, `lab stop` and `lab start` of the whole
//! lab, and `lab up --from` a snapshot bundle to blocks from the elected producers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Serialize;

pub struct Experiment {
    pub id: &'static str,
    pub producers: usize,
    pub accounts: usize,
    /// Targets in seconds: recovery of a crashed producer, `lab stop`, `lab start`, `lab up --from`.
    pub targets: Timings,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Timings {
    pub recover_s: f64,
    pub stop_s: f64,
    pub start_s: f64,
    pub up_from_s: f64,
}

pub const EXPERIMENTS: &[Experiment] = &[
    Experiment {
        id: "x1",
        producers: 4,
        accounts: 25,
        targets: Timings { recover_s: 10.0, stop_s: 10.0, start_s: 10.0, up_from_s: 5.0 },
    },
    Experiment {
        id: "x2",
        producers: 21,
        accounts: 200,
        targets: Timings { recover_s: 10.0, stop_s: 10.0, start_s: 10.0, up_from_s: 10.0 },
    },
];

#[derive(Debug, Serialize)]
pub struct ExperimentOutcome {
    pub experiment: String,
    pub producers: usize,
    pub accounts: usize,
    pub measured: Timings,
    pub targets: Timings,
}

impl ExperimentOutcome {
    pub fn meets_targets(&self) -> bool {
        let (m, t) = (&self.measured, &self.targets);
        m.recover_s <= t.recover_s && m.stop_s <= t.stop_s && m.start_s <= t.start_s && m.up_from_s <= t.up_from_s
    }
}

/// One lab's folder and state, driven through the `lab` binary.
pub struct Driver<'a> {
    pub bin: &'a Path,
    pub dir: PathBuf,
    pub state: PathBuf,
}

impl Driver<'_> {
    /// Runs `lab ARGS`; a failure is an error with its output. Returns the seconds it took.
    pub fn lab(&self, args: &[&str]) -> Result<f64> {
        self.lab_output(args).map(|(secs, _)| secs)
    }

    /// Runs `lab ARGS`; the seconds it took and its standard output.
    pub fn lab_output(&self, args: &[&str]) -> Result<(f64, String)> {
        let start = Instant::now();
        let out = Command::new(self.bin)
            // Before the subcommand: after it, `cleos -- …` would pass it on to cleos.
            .arg("--no-progress")
            .args(args)
            .current_dir(&self.dir)
            .env("LAB_STATE_DIR", &self.state)
            .output()
            .with_context(|| format!("cannot run {}", self.bin.display()))?;
        let secs = start.elapsed().as_secs_f64();
        if !out.status.success() {
            bail!(
                "lab {} failed ({}):\n{}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok((secs, String::from_utf8_lossy(&out.stdout).into_owned()))
    }
}

pub fn run(e: &Experiment, bin: &Path, dir: PathBuf, port: u16) -> Result<ExperimentOutcome> {
    let state = dir.join("state");
    std::fs::create_dir_all(&state)?;
    let name = format!("bench-{}", e.id);
    let copy = format!("{name}-from");
    std::fs::write(
        dir.join("lab.yaml"),
        format!(
            "name: {name}\nseed: bench\naccounts: {{count: {}}}\nproducers: {}\nnodes: {{genesis: {{http_port: {port}}}}}\n",
            e.accounts, e.producers
        ),
    )?;
    let d = Driver { bin, dir: dir.clone(), state };
    let _ = d.lab(&["down", "--name", &name]);
    let _ = d.lab(&["down", "--name", &copy]);
    let measured = measure(&d, &name, &copy, settle_timeout(e.producers));
    // Whatever happened, nothing of the experiment stays.
    let _ = d.lab(&["down", "--name", &name]);
    let _ = d.lab(&["down", "--name", &copy]);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExperimentOutcome {
        experiment: e.id.into(),
        producers: e.producers,
        accounts: e.accounts,
        measured: measured?,
        targets: e.targets,
    })
}

/// How long the lab gets to settle (LIB moving again) between experiments, in seconds. Before
/// DPoS moves LIB past a block, two thirds of the schedule must have produced after it: about two
/// rounds of 6 s per producer once a new schedule is active (about 4 minutes at 21 producers),
/// more when producers miss their slots on a busy machine; and once, after a whole-lab restart,
/// LIB of the default lab stood for about 3 minutes.
fn settle_timeout(producers: usize) -> String {
    (300 + 20 * producers).to_string()
}

fn measure(d: &Driver, name: &str, copy: &str, settle: String) -> Result<Timings> {
    let settled = || d.lab(&["wait", "--lib-advances", "3", "--timeout", &settle]);
    eprintln!("  lab up (boot)");
    d.lab(&["up", "-q"])?;
    settled()?;
    // A producer crashes (SIGKILL leaves its database dirty); `lab start` restores it and
    // returns once it follows the head.
    let (_, status) = d.lab_output(&["status", "--json"])?;
    let status: serde_json::Value = serde_json::from_str(&status).context("lab status --json is not JSON")?;
    let producers: Vec<&str> = status["nodes"]
        .as_array()
        .context("lab status --json has no nodes")?
        .iter()
        .filter(|n| n["role"] == "producer")
        .filter_map(|n| n["node"].as_str())
        .collect();
    // Not the first producer: it is also the proxy, and nothing here is about proxies.
    let victim = *producers.get(1).context("the lab has fewer than two producers")?;
    d.lab(&["kill", victim])?;
    eprintln!("  recovery of {victim}");
    let recover_s = d.lab(&["start", victim])?;
    settled()?;
    eprintln!("  lab stop, lab start");
    let stop_s = d.lab(&["stop"])?;
    let start_s = d.lab(&["start"])?;
    settled()?;
    // The CI case: boot once, snapshot, start every later lab from the snapshot.
    let bundle = d.dir.join("lab.labsnap.tar.gz");
    let bundle = bundle.to_str().context("a temporary path that is not UTF-8")?;
    d.lab(&["snapshot", "-o", bundle])?;
    d.lab(&["down", "--name", name])?;
    eprintln!("  lab up --from the snapshot");
    let up_from_s = d.lab(&["up", "--from", bundle, "--name", copy])?;
    Ok(Timings { recover_s, stop_s, start_s, up_from_s })
}

pub fn print(o: &ExperimentOutcome) {
    println!("\n### {} — {} producers, {} accounts: experiments", o.experiment, o.producers, o.accounts);
    let rows = [
        ("recover a crashed producer", o.measured.recover_s, o.targets.recover_s),
        ("lab stop (whole lab)", o.measured.stop_s, o.targets.stop_s),
        ("lab start (whole lab)", o.measured.start_s, o.targets.start_s),
        ("lab up --from a snapshot", o.measured.up_from_s, o.targets.up_from_s),
    ];
    for (what, secs, target) in rows {
        let verdict = if secs <= target { "meets" } else { "MISSES" };
        println!("{what:<28} {secs:>6.1} s   (target ≤ {target} s: {verdict})");
    }
}
