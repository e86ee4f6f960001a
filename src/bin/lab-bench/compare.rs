//! Figures of several runs of a scenario summed up (fastest, median, slowest), and a summary
//! compared with an earlier one: what got slower beyond the run-to-run spread.
//!
//! The spread is measured, not assumed: a figure is flagged when this version's fastest run is
//! slower than the earlier version's slowest by more than the larger of the two spreads (slowest
//! minus fastest), and by at least [`NOISE_FLOOR_S`]. With one run on a side its spread is zero,
//! which the report says.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Fastest, median and slowest of a figure over runs, in seconds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Spread {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for no values.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        // Milliseconds are as fine as a step's time is measured.
        let ms = |x: f64| (x * 1000.0).round() / 1000.0;
        Some(Spread { min: ms(v[0]), median: ms(median), max: ms(v[n - 1]) })
    }

    pub fn width(&self) -> f64 {
        self.max - self.min
    }
}

/// One scenario's figures over its runs: what `bench/baseline.json` keeps.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScenarioSummary {
    pub runs: usize,
    /// `lab up` to booted.
    pub booted_s: Spread,
    /// `lab up` of the running lab.
    pub up_again_s: Spread,
    /// Each boot step, by name.
    pub steps: BTreeMap<String, Spread>,
}

/// The summary of a bench run: when, on what, and each scenario's figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// When it was measured (UTC, RFC 3339).
    pub date: String,
    /// The machine's cores, as the figures depend on them.
    pub cores: usize,
    pub scenarios: BTreeMap<String, ScenarioSummary>,
}

/// One run's figures, as the summary reads them.
pub struct RunFigures<'a> {
    pub scenario: &'a str,
    pub booted_s: f64,
    pub up_again_s: f64,
    pub steps: Vec<(&'a str, f64)>,
}

impl Summary {
    pub fn of(runs: &[RunFigures<'_>]) -> Summary {
        let mut by_scenario: BTreeMap<&str, Vec<&RunFigures<'_>>> = BTreeMap::new();
        for r in runs {
            by_scenario.entry(r.scenario).or_default().push(r);
        }
        let scenarios = by_scenario
            .into_iter()
            .filter_map(|(id, runs)| {
                let booted: Vec<f64> = runs.iter().map(|r| r.booted_s).collect();
                let again: Vec<f64> = runs.iter().map(|r| r.up_again_s).collect();
                let mut steps: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
                for r in &runs {
                    for (step, s) in &r.steps {
                        steps.entry(step).or_default().push(*s);
                    }
                }
                let summary = ScenarioSummary {
                    runs: runs.len(),
                    booted_s: Spread::of(&booted)?,
                    up_again_s: Spread::of(&again)?,
                    steps: steps.into_iter().filter_map(|(k, v)| Some((k.to_string(), Spread::of(&v)?))).collect(),
                };
                Some((id.to_string(), summary))
            })
            .collect();
        Summary {
            date: chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            cores: cores(),
            scenarios,
        }
    }

    pub fn read(path: &Path) -> Result<Summary> {
        let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not a lab-bench summary", path.display()))
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
}

/// One line of the comparison, for every figure found on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub scenario: String,
    pub figure: String,
    pub before: Spread,
    pub now: Spread,
    pub slower: bool,
}

/// The least slowdown flagged: the report prints tenths of a second, and a step that waits for
/// a block boundary moves by milliseconds from run to run that three runs do not always show
/// (flagged once: resign "0.9 s at best, was 0.9 s at worst").
pub const NOISE_FLOOR_S: f64 = 0.1;

/// Whether `now` is slower than `before` beyond the larger of the two spreads (and the floor).
pub fn slower(before: &Spread, now: &Spread) -> bool {
    let noise = before.width().max(now.width()).max(NOISE_FLOOR_S);
    now.min > before.max + noise
}

/// Every figure the two summaries share, scenario by scenario.
pub fn compare(before: &Summary, now: &Summary) -> Vec<Line> {
    let mut lines = Vec::new();
    for (id, n) in &now.scenarios {
        let Some(b) = before.scenarios.get(id) else { continue };
        let mut push = |figure: &str, before: &Spread, now: &Spread| {
            lines.push(Line {
                scenario: id.clone(),
                figure: figure.to_string(),
                before: *before,
                now: *now,
                slower: slower(before, now),
            })
        };
        push("booted", &b.booted_s, &n.booted_s);
        for (step, s) in &n.steps {
            if let Some(bs) = b.steps.get(step) {
                push(step, bs, s);
            }
        }
        push("lab up again", &b.up_again_s, &n.up_again_s);
    }
    lines
}

/// The comparison as a table, what got slower marked.
pub fn print(before: &Summary, now: &Summary, lines: &[Line]) {
    println!("\n### compared with the summary of {} ({} cores)", before.date, before.cores);
    let one_run: Vec<&String> =
        now.scenarios.iter().chain(before.scenarios.iter()).filter(|(_, s)| s.runs < 2).map(|(id, _)| id).collect();
    if !one_run.is_empty() {
        println!("(one run of some scenario on a side: its spread is not measured; --runs 3 measures it)");
    }
    println!("{:<10} {:<14} {:>22} {:>22}", "scenario", "figure", "before min/med/max s", "now min/med/max s");
    for l in lines {
        let f = |s: &Spread| format!("{:.1} / {:.1} / {:.1}", s.min, s.median, s.max);
        let mark = if l.slower { "  SLOWER" } else { "" };
        println!("{:<10} {:<14} {:>22} {:>22}{mark}", l.scenario, l.figure, f(&l.before), f(&l.now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(min: f64, median: f64, max: f64) -> Spread {
        Spread { min, median, max }
    }

    #[test]
    fn spread_of_runs() {
        assert_eq!(Spread::of(&[3.0, 1.0, 2.0]), Some(s(1.0, 2.0, 3.0)));
        assert_eq!(Spread::of(&[4.0, 1.0]), Some(s(1.0, 2.5, 4.0)));
        assert_eq!(Spread::of(&[f64::NAN]), None);
        assert_eq!(Spread::of(&[]), None);
    }

    #[test]
    fn slower_only_beyond_the_larger_spread() {
        // Spread of 1 s before (worst 10 s): 10.8 s at best now is within it, 11.2 s is not.
        assert!(!slower(&s(9.0, 9.5, 10.0), &s(10.8, 10.9, 11.0)));
        assert!(slower(&s(9.0, 9.5, 10.0), &s(11.2, 11.3, 11.4)));
        // A wide spread now widens the noise too.
        assert!(!slower(&s(9.0, 9.5, 10.0), &s(11.5, 13.0, 14.0)));
        // Faster is never flagged; one run a side flags any slowdown.
        assert!(!slower(&s(9.0, 9.5, 10.0), &s(5.0, 5.0, 5.0)));
        assert!(slower(&s(9.0, 9.0, 9.0), &s(9.2, 9.2, 9.2)));
        // Below a tenth of a second nothing is flagged: the report could not show it.
        assert!(!slower(&s(0.895, 0.905, 0.911), &s(0.93, 0.94, 0.95)));
    }

    #[test]
    fn summary_and_comparison_by_scenario_and_step() {
        let run = |booted, vote| RunFigures {
            scenario: "s1",
            booted_s: booted,
            up_again_s: 1.0,
            steps: vec![("vote", vote), ("stake", 0.5)],
        };
        let before = Summary::of(&[run(8.0, 2.0), run(8.4, 2.2), run(8.2, 2.1)]);
        assert_eq!(before.scenarios["s1"].runs, 3);
        assert_eq!(before.scenarios["s1"].booted_s, s(8.0, 8.2, 8.4));
        let now = Summary::of(&[run(9.5, 3.0), run(9.6, 3.1), run(9.7, 3.2)]);
        let lines = compare(&before, &now);
        let flagged: Vec<&str> = lines.iter().filter(|l| l.slower).map(|l| l.figure.as_str()).collect();
        assert_eq!(flagged, ["booted", "vote"]);
        // A summary survives its file.
        let back: Summary = serde_json::from_str(&serde_json::to_string(&before).unwrap()).unwrap();
        assert_eq!(back, before);
    }
}
