//! What `lab wait` waits for, and whether an observation of the chain meets it. Pure.

/// The conditions given to `lab wait`; every one given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    /// LIB at least this many blocks past its value when the wait began.
    pub lib_advances: Option<u64>,
    /// Head block at least this.
    pub head: Option<u64>,
    /// Every running node within this many blocks of the genesis node's head.
    pub in_sync: Option<u64>,
    /// The active schedule holds at least these producers (others may be in it too).
    pub schedule: Vec<String>,
}

impl Conditions {
    /// No condition set.
    pub fn is_empty(&self) -> bool {
        self.lib_advances.is_none() && self.head.is_none() && self.in_sync.is_none() && self.schedule.is_empty()
    }

    /// Whether nodes other than genesis need asking.
    pub(crate) fn needs_nodes(&self) -> bool {
        self.in_sync.is_some()
    }

    pub(crate) fn needs_schedule(&self) -> bool {
        !self.schedule.is_empty()
    }
}

/// What one poll saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// The genesis node's head and LIB.
    pub head: u64,
    pub lib: u64,
    /// Every other running node's head; `None` for one that did not answer.
    pub nodes: Vec<(String, Option<u64>)>,
    /// The active schedule's producers, when asked.
    pub schedule: Vec<String>,
}

/// The conditions met and not, each as the observed value and what was wanted.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The conditions that do not hold, in words.
    pub unmet: Vec<String>,
    /// Every observed value, for the report: `LIB 120 (wanted ≥ 150), head 140`.
    pub observed: Vec<String>,
}

impl Verdict {
    /// Every condition holds.
    pub fn holds(&self) -> bool {
        self.unmet.is_empty()
    }
}

/// Evaluates `c` on `o`, `start_lib` being the LIB when the wait began.
pub fn evaluate(c: &Conditions, start_lib: u64, o: &Observation) -> Verdict {
    let mut unmet = Vec::new();
    let mut observed = Vec::new();
    // `Some(ok)` for a condition, `None` for a value shown only.
    let mut note = |ok: Option<bool>, text: String| {
        if ok == Some(false) {
            unmet.push(text.clone());
        }
        observed.push(text);
    };
    match c.lib_advances {
        Some(n) => {
            let want = start_lib + n;
            note(Some(o.lib >= want), format!("LIB {} (wanted ≥ {want}: {n} past {start_lib})", o.lib));
        }
        None => note(None, format!("LIB {}", o.lib)),
    }
    match c.head {
        Some(h) => note(Some(o.head >= h), format!("head {} (wanted ≥ {h})", o.head)),
        None => note(None, format!("head {}", o.head)),
    }
    if let Some(k) = c.in_sync {
        let behind: Vec<String> = o
            .nodes
            .iter()
            .filter_map(|(name, head)| match head {
                None => Some(format!("{name} not answering")),
                Some(h) if o.head.saturating_sub(*h) > k => Some(format!("{name} at {h}")),
                _ => None,
            })
            .collect();
        let text = if behind.is_empty() {
            format!("{} nodes within {k} blocks of head {}", o.nodes.len() + 1, o.head)
        } else {
            format!("{} (wanted within {k} blocks of head {})", behind.join(", "), o.head)
        };
        note(Some(behind.is_empty()), text);
    }
    if !c.schedule.is_empty() {
        let missing: Vec<&str> = c.schedule.iter().filter(|p| !o.schedule.contains(p)).map(String::as_str).collect();
        let text = if missing.is_empty() {
            format!("schedule [{}]", o.schedule.join(", "))
        } else {
            format!("schedule [{}] (wanted to hold {})", o.schedule.join(", "), missing.join(", "))
        };
        note(Some(missing.is_empty()), text);
    }
    Verdict { unmet, observed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(head: u64, lib: u64) -> Observation {
        Observation { head, lib, ..Default::default() }
    }

    #[test]
    fn lib_advances_counts_from_the_start() {
        let c = Conditions { lib_advances: Some(30), ..Default::default() };
        let v = evaluate(&c, 120, &obs(160, 149));
        assert!(!v.holds());
        assert_eq!(v.observed, ["LIB 149 (wanted ≥ 150: 30 past 120)", "head 160"]);
        assert!(evaluate(&c, 120, &obs(160, 150)).holds());
    }

    #[test]
    fn head_and_every_given_condition_must_hold() {
        let c = Conditions { head: Some(100), lib_advances: Some(1), ..Default::default() };
        assert!(!evaluate(&c, 10, &obs(100, 10)).holds());
        assert!(!evaluate(&c, 10, &obs(99, 11)).holds());
        let v = evaluate(&c, 10, &obs(100, 11));
        assert!(v.holds(), "{v:?}");
        let v = evaluate(&Conditions { head: Some(100_000_000), ..Default::default() }, 0, &obs(140, 120));
        assert_eq!(v.unmet, ["head 140 (wanted ≥ 100000000)"]);
        assert_eq!(v.observed, ["LIB 120", "head 140 (wanted ≥ 100000000)"]);
    }

    #[test]
    fn in_sync_names_the_nodes_behind_or_silent() {
        let c = Conditions { in_sync: Some(2), ..Default::default() };
        let mut o = obs(100, 90);
        o.nodes = vec![("a".into(), Some(98)), ("b".into(), Some(97)), ("c".into(), None)];
        let v = evaluate(&c, 0, &o);
        assert_eq!(v.unmet, ["b at 97, c not answering (wanted within 2 blocks of head 100)"]);
        o.nodes = vec![("a".into(), Some(98)), ("b".into(), Some(101))];
        let v = evaluate(&c, 0, &o);
        assert!(v.holds());
        assert_eq!(v.observed[2], "3 nodes within 2 blocks of head 100");
    }

    #[test]
    fn the_schedule_must_hold_at_least_the_given_producers() {
        let c = Conditions { schedule: vec!["p1".into(), "p3".into()], ..Default::default() };
        let mut o = obs(1, 1);
        o.schedule = vec!["p1".into(), "p2".into()];
        assert_eq!(evaluate(&c, 0, &o).unmet, ["schedule [p1, p2] (wanted to hold p3)"]);
        o.schedule = vec!["p1".into(), "p2".into(), "p3".into()];
        assert!(evaluate(&c, 0, &o).holds());
    }
}
