//! What the user asks for, parsed and checked against the lab's nodes before anything changes.
//! Pure: every problem is reported at once, each naming the argument that is wrong.

use std::collections::BTreeSet;
use std::fmt;

use thiserror::Error;

/// The problems found in a fault's arguments; nothing was changed.
#[derive(Debug, Error, PartialEq)]
#[error("{}", describe(.0))]
pub struct SpecErrors(pub Vec<String>);

fn describe(errors: &[String]) -> String {
    match errors {
        [one] => format!("{one}; nothing was changed"),
        many => format!("{} problems; nothing was changed:\n  {}", many.len(), many.join("\n  ")),
    }
}

/// A split of the lab into groups that cannot reach one another.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    /// Every node of the lab in exactly one group; the nodes the user named no group for form the
    /// last one.
    pub groups: Vec<Vec<String>>,
}

impl Partition {
    /// The nodes `node` is cut from: everyone outside its group.
    pub fn cut_from(&self, node: &str) -> Vec<String> {
        self.groups.iter().filter(|g| !g.iter().any(|n| n == node)).flatten().cloned().collect()
    }
}

/// A bandwidth as tc writes it: a number and a unit (`bit`, `kbit`, `mbit`, `gbit`, `bps`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Rate(String);

impl Rate {
    /// The rate in bits per second (tc's `bps` units are bytes per second).
    pub fn bits_per_sec(&self) -> u64 {
        let split = self.0.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(self.0.len());
        let (number, unit) = self.0.split_at(split);
        let value: f64 = number.parse().unwrap_or(0.0);
        let factor = match unit {
            "kbit" => 1e3,
            "mbit" => 1e6,
            "gbit" => 1e9,
            "tbit" => 1e12,
            "bps" => 8.0,
            "kbps" => 8e3,
            "mbps" => 8e6,
            "gbps" => 8e9,
            _ => 1.0,
        };
        (value * factor) as u64
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How one node's link is degraded; all `None` is a clean link.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkSpec {
    pub delay_ms: Option<u64>,
    pub jitter_ms: Option<u64>,
    /// Percent of the node's outgoing packets dropped.
    pub loss_pct: Option<f64>,
    pub rate: Option<Rate>,
}

impl LinkSpec {
    /// Delay and jitter need the kernel's netem qdisc; loss and rate do not.
    pub fn needs_netem(&self) -> bool {
        self.delay_ms.is_some() || self.jitter_ms.is_some()
    }

    pub fn is_clear(&self) -> bool {
        *self == LinkSpec::default()
    }

    /// The human-readable entries `lab status` shows, one per setting.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        match (self.delay_ms, self.jitter_ms) {
            (Some(d), Some(j)) => out.push(format!("delay {d}ms ± {j}ms")),
            (Some(d), None) => out.push(format!("delay {d}ms")),
            (None, Some(j)) => out.push(format!("jitter {j}ms")),
            (None, None) => {}
        }
        if let Some(l) = self.loss_pct {
            out.push(format!("loss {l}%"));
        }
        if let Some(r) = &self.rate {
            out.push(format!("rate {r}"));
        }
        out
    }
}

/// `lab partition GROUP GROUP…`: each group a comma-separated list of node names.
pub fn parse_partition(groups: &[String], nodes: &[String]) -> Result<Partition, SpecErrors> {
    let mut errors = Vec::new();
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut parsed: Vec<Vec<String>> = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        let mut members = Vec::new();
        for name in group.split(',').map(str::trim) {
            if name.is_empty() {
                errors.push(format!("group {} ({group:?}): an empty node name", i + 1));
                continue;
            }
            if !nodes.iter().any(|n| n == name) {
                errors.push(format!(
                    "group {} ({group:?}): {name:?} is not a node of this lab (its nodes: {})",
                    i + 1,
                    nodes.join(", ")
                ));
                continue;
            }
            match seen.iter().find(|(n, _)| n == name) {
                Some((_, j)) if *j == i => errors.push(format!("group {} ({group:?}): {name:?} is named twice", i + 1)),
                Some((_, j)) => errors.push(format!(
                    "{name:?} is named in group {} and in group {}; a node is in one group",
                    j + 1,
                    i + 1
                )),
                None => {
                    seen.push((name.to_string(), i));
                    members.push(name.to_string());
                }
            }
        }
        parsed.push(members);
    }
    let named: BTreeSet<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    let rest: Vec<String> = nodes.iter().filter(|n| !named.contains(n.as_str())).cloned().collect();
    if !rest.is_empty() {
        parsed.push(rest);
    }
    parsed.retain(|g| !g.is_empty());
    if errors.is_empty() && parsed.len() < 2 {
        errors.push(format!(
            "these groups hold every node in one group ({}): there is nothing to cut; name at least two \
             groups, or leave some nodes out to form their own",
            nodes.join(", ")
        ));
    }
    if errors.is_empty() {
        Ok(Partition { groups: parsed })
    } else {
        Err(SpecErrors(errors))
    }
}

/// `lab netem` node names: each must be a node of the lab, named once.
pub fn parse_nodes(names: &[String], nodes: &[String]) -> Result<Vec<String>, SpecErrors> {
    let mut errors = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if !nodes.contains(name) {
            errors.push(format!("{name:?} is not a node of this lab (its nodes: {})", nodes.join(", ")));
        } else if !out.contains(name) {
            out.push(name.clone());
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(SpecErrors(errors))
    }
}

/// The raw `lab netem` options, as typed.
#[derive(Debug, Clone, Default)]
pub struct LinkArgs {
    /// Added delay, e.g. `200ms`.
    pub delay: Option<String>,
    /// Jitter around the delay, e.g. `50ms`.
    pub jitter: Option<String>,
    /// Packets lost, e.g. `5%`.
    pub loss: Option<String>,
    /// A rate limit, e.g. `1mbit`.
    pub rate: Option<String>,
    /// Remove the link faults instead.
    pub clear: bool,
}

/// `--delay MS --jitter MS --loss PCT --rate RATE`, or `--clear` alone. Returns the clean link for
/// `--clear`.
pub fn parse_link(args: &LinkArgs) -> Result<LinkSpec, SpecErrors> {
    let mut errors = Vec::new();
    let given: Vec<&str> =
        [("--delay", &args.delay), ("--jitter", &args.jitter), ("--loss", &args.loss), ("--rate", &args.rate)]
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| *k)
            .collect();
    if args.clear {
        if !given.is_empty() {
            errors.push(format!("--clear removes every setting; it cannot go with {}", given.join(", ")));
            return Err(SpecErrors(errors));
        }
        return Ok(LinkSpec::default());
    }
    if given.is_empty() {
        return Err(SpecErrors(vec!["give at least one of --delay, --jitter, --loss, --rate (or --clear)".into()]));
    }
    let mut spec = LinkSpec::default();
    let mut ms = |flag: &str, v: &Option<String>| {
        v.as_deref().and_then(|v| match parse_ms(v) {
            Ok(ms) => Some(ms),
            Err(e) => {
                errors.push(format!("{flag} {v:?}: {e}"));
                None
            }
        })
    };
    spec.delay_ms = ms("--delay", &args.delay);
    spec.jitter_ms = ms("--jitter", &args.jitter);
    if let Some(v) = &args.loss {
        match parse_pct(v) {
            Ok(p) => spec.loss_pct = Some(p),
            Err(e) => errors.push(format!("--loss {v:?}: {e}")),
        }
    }
    if let Some(v) = &args.rate {
        match parse_rate(v) {
            Ok(r) => spec.rate = Some(r),
            Err(e) => errors.push(format!("--rate {v:?}: {e}")),
        }
    }
    if args.jitter.is_some() && args.delay.is_none() {
        errors.push("--jitter varies a delay: give --delay too".into());
    }
    if errors.is_empty() {
        Ok(spec)
    } else {
        Err(SpecErrors(errors))
    }
}

/// Milliseconds: `100`, `100ms`, `1s`, `1.5s`.
pub fn parse_ms(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (number, factor) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| "not a duration; write milliseconds (100, 100ms) or seconds (1s)".to_string())?;
    let ms = value * factor;
    if ms > 60_000.0 {
        return Err(format!("{ms}ms is over the 60s limit"));
    }
    if ms.fract() != 0.0 {
        return Err("durations are whole milliseconds".into());
    }
    Ok(ms as u64)
}

/// A percentage from 0 to 100: `30`, `30%`, `0.5`.
pub fn parse_pct(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let number = t.strip_suffix('%').unwrap_or(t).trim();
    let value: f64 = number.parse().map_err(|_| "not a percentage; write a number from 0 to 100".to_string())?;
    if !value.is_finite() || !(0.0..=100.0).contains(&value) {
        return Err(format!("{value} is outside 0–100"));
    }
    Ok(value)
}

/// A rate tc takes: a positive number and a unit.
pub fn parse_rate(text: &str) -> Result<Rate, String> {
    const UNITS: [&str; 9] = ["bit", "kbit", "mbit", "gbit", "bps", "kbps", "mbps", "gbps", "tbit"];
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: Option<f64> = number.parse().ok().filter(|v: &f64| v.is_finite() && *v > 0.0);
    match (value, UNITS.contains(&unit)) {
        (Some(_), true) => Ok(Rate(t.clone())),
        _ => Err(format!("not a rate; write a positive number and one of {} (for example 1mbit)", UNITS.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes() -> Vec<String> {
        ["genesis", "accountnum11", "accountnum22", "accountnum33", "accountnum44"].map(String::from).to_vec()
    }

    fn groups(g: &[&str]) -> Vec<String> {
        g.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_partition_puts_the_nodes_left_out_in_their_own_group() {
        let p = parse_partition(&groups(&["accountnum11"]), &nodes()).unwrap();
        assert_eq!(
            p.groups,
            vec![vec!["accountnum11"], vec!["genesis", "accountnum22", "accountnum33", "accountnum44"]]
        );
        assert_eq!(p.cut_from("accountnum11"), ["genesis", "accountnum22", "accountnum33", "accountnum44"]);
        assert_eq!(p.cut_from("genesis"), ["accountnum11"]);

        let p = parse_partition(&groups(&["accountnum11,accountnum22", "genesis,accountnum33,accountnum44"]), &nodes())
            .unwrap();
        assert_eq!(p.groups.len(), 2);
        assert_eq!(p.cut_from("accountnum22"), ["genesis", "accountnum33", "accountnum44"]);

        let p = parse_partition(&groups(&["accountnum11", "accountnum22"]), &nodes()).unwrap();
        assert_eq!(p.groups.len(), 3, "{p:?}");
    }

    #[test]
    fn a_bad_partition_names_every_problem() {
        let e = parse_partition(&groups(&["accountnum11,ghost", "accountnum11,genesis", "genesis,,x"]), &nodes())
            .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("\"ghost\" is not a node of this lab"), "{text}");
        assert!(text.contains("\"accountnum11\" is named in group 1 and in group 2"), "{text}");
        assert!(text.contains("\"genesis\" is named in group 2 and in group 3"), "{text}");
        assert!(text.contains("group 3 (\"genesis,,x\"): an empty node name"), "{text}");
        assert!(text.contains("\"x\" is not a node"), "{text}");
        assert_eq!(e.0.len(), 5, "{text}");
    }

    #[test]
    fn one_group_of_every_node_leaves_nothing_to_cut() {
        let all = nodes().join(",");
        let e = parse_partition(&[all], &nodes()).unwrap_err();
        assert!(e.to_string().contains("nothing to cut"), "{e}");
    }

    #[test]
    fn link_settings_parse_and_describe_themselves() {
        let args = LinkArgs {
            delay: Some("100ms".into()),
            jitter: Some("10".into()),
            loss: Some("30%".into()),
            rate: Some("1Mbit".into()),
            clear: false,
        };
        let spec = parse_link(&args).unwrap();
        assert_eq!(spec.delay_ms, Some(100));
        assert_eq!(spec.jitter_ms, Some(10));
        assert_eq!(spec.loss_pct, Some(30.0));
        assert_eq!(spec.rate.as_ref().unwrap().0, "1mbit");
        assert!(spec.needs_netem());
        assert_eq!(spec.describe(), ["delay 100ms ± 10ms", "loss 30%", "rate 1mbit"]);

        let loss = parse_link(&LinkArgs { loss: Some("100".into()), ..Default::default() }).unwrap();
        assert!(!loss.needs_netem());
        assert_eq!(loss.describe(), ["loss 100%"]);
        assert_eq!(parse_ms("1.5s"), Ok(1500));
    }

    #[test]
    fn bad_link_settings_are_refused_each_named() {
        let args = LinkArgs {
            delay: Some("soon".into()),
            jitter: Some("-3".into()),
            loss: Some("120".into()),
            rate: Some("fast".into()),
            clear: false,
        };
        let e = parse_link(&args).unwrap_err().to_string();
        assert!(e.contains("--delay \"soon\": not a duration"), "{e}");
        assert!(e.contains("--jitter \"-3\": not a duration"), "{e}");
        assert!(e.contains("--loss \"120\": 120 is outside 0–100"), "{e}");
        assert!(e.contains("--rate \"fast\": not a rate"), "{e}");
        for bad in ["-1", "abc", "101%", "NaN"] {
            assert!(parse_pct(bad).is_err(), "{bad}");
        }
        for bad in ["0mbit", "1", "mbit", "1 parsec", "1.2.3kbit"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
        let e = parse_link(&LinkArgs { jitter: Some("5".into()), ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("give --delay too"), "{e}");
        assert!(parse_link(&LinkArgs::default()).is_err());
    }

    #[test]
    fn clear_goes_alone() {
        assert!(parse_link(&LinkArgs { clear: true, ..Default::default() }).unwrap().is_clear());
        let e = parse_link(&LinkArgs { clear: true, loss: Some("5".into()), ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("--clear removes every setting; it cannot go with --loss"), "{e}");
    }

    #[test]
    fn netem_nodes_must_be_of_the_lab() {
        assert_eq!(parse_nodes(&groups(&["genesis", "genesis"]), &nodes()).unwrap(), ["genesis"]);
        let e = parse_nodes(&groups(&["ghost", "accountnum11", "nope"]), &nodes()).unwrap_err();
        assert_eq!(e.0.len(), 2);
        assert!(e.0[0].contains("\"ghost\" is not a node of this lab"));
    }
}
