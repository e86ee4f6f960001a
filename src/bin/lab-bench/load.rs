//! The load scenarios: the highest transfer rate a lab holds for a minute with 99 % of the
//! transfers in a block within 2 s, found by `lab load --find-max`'s search, and that rate again
//! with one producer killed half-way, sent to the lab's api node. Before them, how fast the generator alone signs, so that a
//! rate the lab cannot hold is the nodes' limit and not the bench's.

use std::time::{Duration, Instant};

use antelope_lab::config::Engine;
use antelope_lab::{FindMaxOptions, KeyPair, Lab, LabConfig, LoadOptions, LoadReport, Lost, Printer, UpOptions};
use anyhow::{bail, Context, Result};
use serde::Serialize;

pub struct LoadScenario {
    pub id: &'static str,
    pub producers: usize,
    pub accounts: usize,
    /// Transfers per second the lab must hold; `None`: measured, no target.
    pub target_rate: Option<f64>,
}

pub const LOAD_SCENARIOS: &[LoadScenario] = &[
    LoadScenario { id: "l1", producers: 4, accounts: 25, target_rate: Some(1000.0) },
    LoadScenario { id: "l2", producers: 21, accounts: 200, target_rate: None },
];

/// The generator alone must sign at least this many canonical K1 signatures a second on one
/// core (the figure), so that the nodes, not the bench, are the limit.
const TARGET_SIGNATURES_PER_S: f64 = 5000.0;

#[derive(Debug, Serialize)]
pub struct RateStep {
    pub rate: f64,
    pub held: bool,
    pub why_not: Option<String>,
    pub accepted_per_s: f64,
    pub p99_to_block_ms: Option<u64>,
    pub lost: usize,
    /// The first lost transactions, with why, as the report says (`--json` of `lab load` lists
    /// every one; a bench run keeps a few to tell the cause).
    pub lost_first: Vec<Lost>,
}

/// How many lost transactions a step keeps.
const LOST_KEPT: usize = 5;

#[derive(Debug, Serialize)]
pub struct LoadOutcome {
    pub scenario: String,
    pub producers: usize,
    pub accounts: usize,
    pub signatures_per_s: f64,
    pub step_s: u64,
    pub steps: Vec<RateStep>,
    pub highest_held: Option<f64>,
    pub target_rate: Option<f64>,
    /// The highest rate again, a producer killed half-way.
    pub killed: Option<String>,
    pub with_kill: Option<RateStep>,
    pub nothing_lost: bool,
}

impl LoadOutcome {
    /// Each target missed, one line each.
    pub fn missed(&self) -> Vec<String> {
        let mut missed = Vec::new();
        if self.signatures_per_s < TARGET_SIGNATURES_PER_S {
            missed.push(format!(
                "{}: the generator signs {:.0}/s on one core, target ≥ {TARGET_SIGNATURES_PER_S:.0}",
                self.scenario, self.signatures_per_s
            ));
        }
        if let Some(t) = self.target_rate {
            if self.highest_held.is_none_or(|h| h < t) {
                missed.push(format!(
                    "{}: highest rate held {}, target ≥ {t:.0}/s",
                    self.scenario,
                    self.highest_held.map(|h| format!("{h:.0}/s")).unwrap_or_else(|| "none".into())
                ));
            }
        }
        if !self.nothing_lost {
            missed.push(format!("{}: a run lost an accepted transfer (above)", self.scenario));
        }
        missed
    }
}

/// Canonical K1 signatures of distinct digests per second, on this thread.
fn signatures_per_s() -> Result<f64> {
    let key = KeyPair::derive("lab-bench", "signing");
    let signer = key.signer()?;
    let n = 20_000u32;
    let start = Instant::now();
    for i in 0..n {
        let mut digest = [7u8; 32];
        digest[..4].copy_from_slice(&i.to_le_bytes());
        std::hint::black_box(signer.sign(&digest));
    }
    Ok(f64::from(n) / start.elapsed().as_secs_f64())
}

fn step_of(rate: f64, report: &LoadReport, verdict: Result<(), String>) -> RateStep {
    RateStep {
        rate,
        held: verdict.is_ok(),
        why_not: verdict.err(),
        accepted_per_s: report.accepted_per_sec,
        p99_to_block_ms: report.inclusion_ms.map(|p| p.p99),
        lost: report.lost.len() + usize::from(report.balances_add_up == Some(false)),
        lost_first: report.lost.iter().take(LOST_KEPT).cloned().collect(),
    }
}

pub async fn run(s: &LoadScenario, step: Duration) -> Result<LoadOutcome> {
    let signatures_per_s = tokio::task::spawn_blocking(signatures_per_s).await??;
    let name = format!("bench-{}", s.id);
    // The transfers go to an api node, as a client's would: sent to the genesis node, which is
    // also every producer's peer, they waited there (1000/s by hand: p99 6.6 s against 1.7 s).
    let yaml = format!(
        "name: {name}\nseed: bench\naccounts: {{count: {}}}\nproducers: {}\nextra_nodes: [{{name: api, role: api}}]\n",
        s.accounts, s.producers
    );
    let printer = Printer::new(false, true);
    antelope_lab::down(Engine::Docker, Some(&name), false, &printer).await?;
    let config = LabConfig::from_yaml(&yaml)?;
    // The handle takes the lab down when it is dropped, also on an error below.
    let lab = Lab::up_with(config, UpOptions::default().printer(printer)).await?;
    let outcome = measure(s, &lab, step, signatures_per_s).await;
    lab.down().await?;
    outcome
}

async fn measure(s: &LoadScenario, lab: &Lab, step: Duration, signatures_per_s: f64) -> Result<LoadOutcome> {
    let options = FindMaxOptions {
        start: 250.0,
        step,
        max_p99_inclusion: Duration::from_secs(2),
        max_steps: 8,
        ..FindMaxOptions::default()
    };
    let found = lab.load_find_max(&options, std::future::pending()).await?;
    let mut nothing_lost = found.nothing_lost();
    let steps: Vec<RateStep> =
        found.steps.iter().map(|st| step_of(st.rate, &st.report, st.why_not.clone().map_or(Ok(()), Err))).collect();

    // The highest rate again, a producer killed half-way through the sending.
    let (mut killed, mut with_kill) = (None, None);
    if let Some(rate) = found.highest_held {
        let victim = lab.schedule().await?.into_iter().nth(1).context("the schedule has fewer than two producers")?;
        let run = LoadOptions { rate, duration: Some(step), count: None, ..LoadOptions::default() };
        let kill = async {
            tokio::time::sleep(step / 2).await;
            lab.kill(&[victim.as_str()], "KILL").await
        };
        let (report, killing) = tokio::join!(lab.load(&run), kill);
        killing.with_context(|| format!("lab kill {victim}"))?;
        let report = report?;
        nothing_lost &= report.nothing_lost();
        let verdict = report.holds(options.max_p99_inclusion);
        with_kill = Some(step_of(rate, &report, verdict));
        killed = Some(victim);
    }
    if steps.is_empty() {
        bail!("the search tried no rate");
    }
    Ok(LoadOutcome {
        scenario: s.id.to_string(),
        producers: s.producers,
        accounts: s.accounts,
        signatures_per_s,
        step_s: step.as_secs(),
        steps,
        highest_held: found.highest_held,
        target_rate: s.target_rate,
        killed,
        with_kill,
        nothing_lost,
    })
}

pub fn print(o: &LoadOutcome) {
    println!("\n### {} — {} producers, {} accounts: load", o.scenario, o.producers, o.accounts);
    let verdict = if o.signatures_per_s >= TARGET_SIGNATURES_PER_S { "meets" } else { "MISSES" };
    println!(
        "generator alone          {:>8.0} signatures/s on one core (target ≥ {TARGET_SIGNATURES_PER_S:.0}: {verdict})",
        o.signatures_per_s
    );
    let line = |st: &RateStep| {
        format!(
            "{:>6.0}/s: {:>7.1}/s accepted, p99 to a block {}, lost {}: {}",
            st.rate,
            st.accepted_per_s,
            st.p99_to_block_ms.map(|p| format!("{p} ms")).unwrap_or_else(|| "-".into()),
            st.lost,
            st.why_not.as_deref().map(|w| format!("did not hold: {w}")).unwrap_or_else(|| "held".into())
        )
    };
    let why = |st: &RateStep| {
        for l in &st.lost_first {
            println!("           lost {}: {}", l.id, l.reason);
        }
    };
    for st in &o.steps {
        println!("  {}", line(st));
        why(st);
    }
    let held = o.highest_held.map(|h| format!("{h:.0}/s")).unwrap_or_else(|| "none".into());
    match o.target_rate {
        Some(t) => {
            let verdict = if o.highest_held.is_some_and(|h| h >= t) { "meets" } else { "MISSES" };
            println!("highest held {}s           {held} (target ≥ {t:.0}/s: {verdict})", o.step_s);
        }
        None => println!("highest held {}s           {held}", o.step_s),
    }
    if let (Some(victim), Some(st)) = (&o.killed, &o.with_kill) {
        println!("  {victim} killed half-way: {}", line(st));
        why(st);
    }
    println!("nothing lost             {}", if o.nothing_lost { "yes, in every run" } else { "NO" });
}
