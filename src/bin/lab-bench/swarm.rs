//! The swarm scenario (w1): the default topology brought up and booted by `lab up` on a real
//! three-host swarm (tests/swarm/fixture.sh: three Docker Engines, each in a network namespace of
//! its own on this machine, the nodeos image loaded on each), then the same on the single default
//! engine; the swarm's time to a booted chain against the single engine's (target: within 2×).
//! Needs root (network namespaces). The fixture goes when the scenario ends, also on failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Serialize;

const PREFIX: &str = "labbw";
const SUBNET: &str = "10.210.9";
/// The swarm may take this many times the single engine's time to a booted chain.
pub const TARGET_RATIO: f64 = 2.0;

#[derive(Debug, Serialize)]
pub struct SwarmOutcome {
    pub scenario: &'static str,
    pub fixture_up_s: f64,
    pub swarm_up_s: f64,
    pub single_up_s: f64,
    pub ratio: f64,
    pub target_ratio: f64,
    /// The hosts the producers ran on.
    pub producer_hosts: Vec<String>,
}

impl SwarmOutcome {
    pub fn meets_target(&self) -> bool {
        self.ratio <= self.target_ratio && self.producer_hosts.len() >= 2
    }
}

struct Fixture {
    dir: PathBuf,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/swarm/fixture.sh")
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = Command::new(script()).args(["down", self.dir.to_str().unwrap_or_default(), PREFIX]).output();
    }
}

fn lab(lab_bin: &Path, dir: &Path, env: &[(&str, String)], args: &[&str]) -> Result<String> {
    let out = Command::new(lab_bin)
        .args(args)
        .current_dir(dir)
        .env("LAB_STATE_DIR", dir.join("state"))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .with_context(|| format!("run lab {args:?}"))?;
    if !out.status.success() {
        bail!("lab {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `lab up` (which boots) timed, the producers' hosts read, then `lab down`.
fn up_timed(lab_bin: &Path, dir: &Path, env: &[(&str, String)]) -> Result<(f64, Vec<String>)> {
    let started = Instant::now();
    let result = lab(lab_bin, dir, env, &["up", "--no-progress"]);
    let up_s = started.elapsed().as_secs_f64();
    let status = result.and_then(|_| lab(lab_bin, dir, env, &["status", "--json"]));
    let down = lab(lab_bin, dir, env, &["down"]);
    let status: serde_json::Value = serde_json::from_str(&status?)?;
    down?;
    let mut hosts: Vec<String> = status["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter(|n| n["role"] == "producer")
                .filter_map(|n| n["host"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    hosts.sort();
    hosts.dedup();
    Ok((up_s, hosts))
}

pub fn run(lab_bin: &Path, dir: PathBuf, image: &str) -> Result<SwarmOutcome> {
    let fixture = Fixture { dir: dir.join("swarm") };
    let started = Instant::now();
    let out = Command::new(script())
        .args(["up", fixture.dir.to_str().unwrap_or_default(), PREFIX, SUBNET, image])
        .output()
        .context("run the swarm fixture")?;
    if !out.status.success() {
        bail!("swarm fixture: {}", String::from_utf8_lossy(&out.stderr));
    }
    let fixture_up_s = started.elapsed().as_secs_f64();
    let sock = |n: u8| format!("unix://{}/e{n}/docker.sock", fixture.dir.display());

    let swarm_dir = dir.join("on-swarm");
    std::fs::create_dir_all(&swarm_dir)?;
    std::fs::write(swarm_dir.join("lab.yaml"), "name: bench-w1-swarm\nengine: swarm\n")?;
    let env =
        [("DOCKER_HOST", sock(1)), ("LAB_SWARM_ENGINES", format!("{PREFIX}-2={},{PREFIX}-3={}", sock(2), sock(3)))];
    let (swarm_up_s, producer_hosts) = up_timed(lab_bin, &swarm_dir, &env)?;
    drop(fixture);

    let single_dir = dir.join("single");
    std::fs::create_dir_all(&single_dir)?;
    std::fs::write(single_dir.join("lab.yaml"), "name: bench-w1-single\n")?;
    let (single_up_s, _) = up_timed(lab_bin, &single_dir, &[])?;
    Ok(SwarmOutcome {
        scenario: "w1",
        fixture_up_s,
        swarm_up_s,
        single_up_s,
        ratio: swarm_up_s / single_up_s,
        target_ratio: TARGET_RATIO,
        producer_hosts,
    })
}

pub fn print(o: &SwarmOutcome) {
    println!(
        "w1: default topology booted on a 3-host swarm in {:.1}s (fixture {:.1}s), on one engine in {:.1}s: {:.2}× (target ≤ {:.0}×); producers on {}",
        o.swarm_up_s,
        o.fixture_up_s,
        o.single_up_s,
        o.ratio,
        o.target_ratio,
        o.producer_hosts.join(", ")
    );
}
