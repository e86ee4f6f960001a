//! The shell scripts a helper runs in a node's network namespace. Pure: what is cut and how a link
//! is degraded, as iptables and tc commands.
//!
//! Everything `lab` adds sits in chains of its own, so undoing it flushes those and touches no
//! rule the engine made (Docker's own NAT and DNS rules live in the same namespace):
//! `LAB-CUT` (from INPUT and OUTPUT) holds the partition, `LAB-LOSS` (from OUTPUT) the loss, and
//! the root qdisc of the node's interface the rate or delay.

use super::spec::LinkSpec;

pub const CUT_CHAIN: &str = "LAB-CUT";
pub const LOSS_CHAIN: &str = "LAB-LOSS";

/// What a helper prints when the kernel has no netem qdisc, and exits with.
pub const NO_NETEM_EXIT: i64 = 3;

/// Creates the chains and the jumps to them, unless there already.
fn prelude() -> String {
    [
        "set -e".to_string(),
        format!("iptables -N {CUT_CHAIN} 2>/dev/null || true"),
        format!("iptables -N {LOSS_CHAIN} 2>/dev/null || true"),
        format!("iptables -C INPUT -j {CUT_CHAIN} 2>/dev/null || iptables -I INPUT 1 -j {CUT_CHAIN}"),
        format!("iptables -C OUTPUT -j {CUT_CHAIN} 2>/dev/null || iptables -I OUTPUT 1 -j {CUT_CHAIN}"),
        format!("iptables -C OUTPUT -j {LOSS_CHAIN} 2>/dev/null || iptables -A OUTPUT -j {LOSS_CHAIN}"),
    ]
    .join("\n")
}

/// The interface holding `ip`, in `$dev`: the node's link on the lab network.
fn find_dev(ip: &str) -> String {
    format!(
        "dev=$(ip -o -4 addr show | awk '$4 ~ /^{}\\// {{print $2}}' | head -n1)\n\
         [ -n \"$dev\" ] || {{ echo \"no interface holds {ip}\" >&2; exit 1; }}",
        ip.replace('.', "\\.")
    )
}

/// Cuts a node from `cut` (addresses), both ways; replaces any earlier cut.
pub fn partition_script(cut: &[String]) -> String {
    let mut lines = vec![prelude(), format!("iptables -F {CUT_CHAIN}")];
    for ip in cut {
        // Both directions: packets the node sends to them and packets it gets from them.
        lines.push(format!("iptables -A {CUT_CHAIN} -s {ip} -j DROP"));
        lines.push(format!("iptables -A {CUT_CHAIN} -d {ip} -j DROP"));
    }
    lines.push(format!("iptables -S {CUT_CHAIN}"));
    lines.join("\n")
}

/// Sets a node's link (at address `ip`) to `spec`, replacing earlier settings; a clear spec
/// restores a clean link. Loss and delay act on what the node sends, as netem does.
pub fn link_script(spec: &LinkSpec, ip: &str) -> String {
    let mut lines = vec![prelude(), find_dev(ip), format!("iptables -F {LOSS_CHAIN}")];
    match spec.loss_pct {
        Some(p) if p >= 100.0 => lines.push(format!("iptables -A {LOSS_CHAIN} -o \"$dev\" -j DROP")),
        Some(p) if p > 0.0 => lines.push(format!(
            "iptables -A {LOSS_CHAIN} -o \"$dev\" -m statistic --mode random --probability {} -j DROP",
            p / 100.0
        )),
        _ => {}
    }
    lines.push("tc qdisc del dev \"$dev\" root 2>/dev/null || true".into());
    if spec.needs_netem() {
        let mut netem = format!("tc qdisc add dev \"$dev\" root netem delay {}ms", spec.delay_ms.unwrap_or(0));
        if let Some(j) = spec.jitter_ms {
            netem.push_str(&format!(" {j}ms"));
        }
        if let Some(r) = &spec.rate {
            netem.push_str(&format!(" rate {r}"));
        }
        lines.push(netem);
    } else if let Some(r) = &spec.rate {
        // tbf needs a bucket of at least one timer tick's worth of bytes at the rate; 10 ms of
        // it, and never under a full packet.
        let burst = (r.bits_per_sec() / 8 / 100).max(1600);
        lines.push(format!("tc qdisc add dev \"$dev\" root tbf rate {r} burst {burst} latency 400ms"));
    }
    lines.push(format!("iptables -S {LOSS_CHAIN}"));
    lines.push("tc qdisc show dev \"$dev\"".into());
    lines.join("\n")
}

/// Undoes every fault on a node (at address `ip`).
pub fn heal_script(ip: &str) -> String {
    [
        prelude(),
        format!("iptables -F {CUT_CHAIN}"),
        format!("iptables -F {LOSS_CHAIN}"),
        find_dev(ip),
        "tc qdisc del dev \"$dev\" root 2>/dev/null || true".into(),
    ]
    .join("\n")
}

/// Asks the kernel whether it has netem, on the loopback of a node, changing nothing when it has
/// not (the qdisc is never added) and removing it at once when it has.
pub fn netem_probe_script() -> String {
    format!(
        "if out=$(tc qdisc add dev lo root netem delay 1ms 2>&1); then tc qdisc del dev lo root; exit 0; fi\n\
         echo \"$out\" >&2\n\
         case \"$out\" in *nknown*|*\"No such file\"*|*\"not supported\"*) exit {NO_NETEM_EXIT};; esac\n\
         exit 1"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::spec::{parse_link, LinkArgs};

    #[test]
    fn a_partition_drops_both_ways_in_its_own_chain() {
        let s = partition_script(&["10.0.0.3".into(), "10.0.0.4".into()]);
        let lines: Vec<&str> = s.lines().collect();
        for needle in [
            "iptables -N LAB-CUT 2>/dev/null || true",
            "iptables -C INPUT -j LAB-CUT 2>/dev/null || iptables -I INPUT 1 -j LAB-CUT",
            "iptables -C OUTPUT -j LAB-CUT 2>/dev/null || iptables -I OUTPUT 1 -j LAB-CUT",
            "iptables -F LAB-CUT",
            "iptables -A LAB-CUT -s 10.0.0.3 -j DROP",
            "iptables -A LAB-CUT -d 10.0.0.3 -j DROP",
            "iptables -A LAB-CUT -s 10.0.0.4 -j DROP",
            "iptables -A LAB-CUT -d 10.0.0.4 -j DROP",
        ] {
            assert!(lines.contains(&needle), "{needle} missing in\n{s}");
        }
        // The flush comes before the new rules: a new partition replaces the old one.
        let flush = lines.iter().position(|l| *l == "iptables -F LAB-CUT").unwrap();
        assert!(lines.iter().position(|l| l.starts_with("iptables -A LAB-CUT")).unwrap() > flush);
        // No rule outside lab's chains is flushed or dropped into.
        assert!(!s.contains("-F INPUT") && !s.contains("-F OUTPUT") && !s.contains("-A INPUT"), "{s}");
        assert!(s.starts_with("set -e"));
    }

    #[test]
    fn loss_is_a_random_drop_on_the_nodes_interface_and_rate_a_tbf() {
        let spec = parse_link(&LinkArgs { loss: Some("30".into()), rate: Some("1mbit".into()), ..Default::default() })
            .unwrap();
        let s = link_script(&spec, "172.18.0.5");
        assert!(s.contains("$4 ~ /^172\\.18\\.0\\.5\\// {print $2}"), "{s}");
        assert!(
            s.contains("iptables -A LAB-LOSS -o \"$dev\" -m statistic --mode random --probability 0.3 -j DROP"),
            "{s}"
        );
        assert!(s.contains("tc qdisc add dev \"$dev\" root tbf rate 1mbit burst 1600 latency 400ms"), "{s}");
        assert!(!s.contains("netem"), "{s}");

        let all = parse_link(&LinkArgs { loss: Some("100".into()), ..Default::default() }).unwrap();
        let s = link_script(&all, "172.18.0.5");
        assert!(s.contains("iptables -A LAB-LOSS -o \"$dev\" -j DROP"), "{s}");
        assert!(!s.contains("tc qdisc add"), "{s}");
    }

    #[test]
    fn delay_uses_netem_with_the_rate_inside() {
        let spec = parse_link(&LinkArgs {
            delay: Some("100".into()),
            jitter: Some("10".into()),
            rate: Some("10mbit".into()),
            ..Default::default()
        })
        .unwrap();
        let s = link_script(&spec, "10.1.2.3");
        assert!(s.contains("tc qdisc add dev \"$dev\" root netem delay 100ms 10ms rate 10mbit"), "{s}");
        assert!(!s.contains("tbf"), "{s}");
    }

    #[test]
    fn clear_and_heal_leave_a_clean_link() {
        let s = link_script(&LinkSpec::default(), "10.1.2.3");
        assert!(s.contains("iptables -F LAB-LOSS") && !s.contains("iptables -A LAB-"), "{s}");
        assert!(s.contains("tc qdisc del dev \"$dev\" root") && !s.contains("tc qdisc add"), "{s}");
        let h = heal_script("10.1.2.3");
        for needle in ["iptables -F LAB-CUT", "iptables -F LAB-LOSS", "tc qdisc del dev \"$dev\" root"] {
            assert!(h.contains(needle), "{needle} in\n{h}");
        }
    }

    #[test]
    fn the_probe_reports_a_missing_netem_by_its_own_exit_code() {
        let p = netem_probe_script();
        assert!(p.contains("tc qdisc add dev lo root netem delay 1ms"));
        assert!(p.contains("exit 3"));
    }
}
