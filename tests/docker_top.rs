//! End-to-end tests of `lab top` and `lab graph` against the real Docker engine and nodeos: the
//! dashboard in a real terminal (a tmux server of the test's own), its JSON frame, and the graph
//! of a running lab. Same runner as the other Docker files: without an engine the tests show as
//! ignored, and with `CI` set they fail.

mod harness;

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use harness::{engine_lock, run_docker_tests, Lab};

fn main() {
    run_docker_tests(
        docker_tests![docker_top_and_graph_on_a_booted_lab],
        |args, engine| {
            // The dashboard test drives tmux; without it there is nothing to run it in. In CI it
            // runs anyway, and fails, rather than being skipped.
            let tmux = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
            let ci = std::env::var_os("CI").is_some();
            if engine && !tmux && !ci && !args.list {
                eprintln!("tmux is not installed: docker_top_and_graph_on_a_booted_lab is ignored");
            }
            if tmux || ci {
                vec![]
            } else {
                vec!["docker_top_and_graph_on_a_booted_lab"]
            }
        },
        || {},
    )
}

const PRODUCERS: [&str; 4] = ["accountnum11", "accountnum22", "accountnum33", "accountnum44"];

/// A tmux server on a socket of this test's own; killed (only it) when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Tmux {
        Tmux { socket: format!("lab-e2e-top-{}", std::process::id()) }
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux");
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "top"])
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
    }
}

/// The head block in the dashboard's summary line (`head 1234`).
fn head_on(screen: &str) -> Option<u64> {
    let rest = screen.split("head ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

fn wait_for<T>(what: &str, secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(secs), "timed out after {secs}s waiting for {what}");
        sleep(Duration::from_millis(500));
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn docker_top_and_graph_on_a_booted_lab() {
    let _engine = engine_lock();
    let lab = Lab::new("t-e2e-top", "nodes:\n  genesis:\n    http_port: 18990\n");
    lab.run(&["up"]).success();

    // --- the dashboard, in an 80×24 terminal
    let tmux = Tmux::new();
    let exit_file = lab.dir.path().join("top-exit");
    let command = format!(
        "cd {} && LAB_STATE_DIR={} {} top; echo EXIT=$? > {}; sleep 600",
        shell_quote(&lab.dir.path().display().to_string()),
        shell_quote(&lab.state_path().display().to_string()),
        shell_quote(env!("CARGO_BIN_EXE_lab")),
        shell_quote(&exit_file.display().to_string()),
    );
    tmux.run(&["new-session", "-d", "-s", "top", "-x", "80", "-y", "24", &command]);
    let (first, head1) = wait_for("a frame naming every producer", 60, || {
        let screen = tmux.screen();
        let all = PRODUCERS.iter().all(|p| screen.contains(p)) && screen.contains("PREV ROUND");
        head_on(&screen).filter(|_| all).map(|h| (screen, h))
    });
    assert!(first.lines().count() <= 24 && first.lines().all(|l| l.chars().count() <= 80), "{first}");
    assert!(first.contains("genesis") && first.contains("running"), "{first}");
    let (_, head2) = wait_for("the head to grow on screen", 30, || {
        let screen = tmux.screen();
        head_on(&screen).filter(|h| *h > head1).map(|h| (screen, h))
    });
    assert!(head2 > head1);
    tmux.run(&["send-keys", "-t", "top", "q"]);
    let exit = wait_for("top to end after q", 20, || std::fs::read_to_string(&exit_file).ok());
    assert_eq!(exit.trim(), "EXIT=0", "lab top did not end cleanly on q");
    drop(tmux);

    // --- one frame as JSON
    let frame = lab.run(&["top", "--once", "--json"]).success().json();
    assert_eq!(frame["lab"], "t-e2e-top");
    assert!(frame["head"].as_u64().unwrap() > head1, "{frame}");
    assert_eq!(frame["chain_id"].as_str().unwrap().len(), 64);
    let nodes = frame["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5, "{frame}");
    for n in nodes {
        assert_eq!(n["state"], "running", "{n}");
        // A mesh of five: every node is connected to the four others.
        assert_eq!(n["peers"].as_array().map(Vec::len), Some(4), "{n}");
        assert!(n["memory_mb"].as_f64().unwrap() > 1.0, "{n}");
        assert!(n["cpu_percent"].as_f64().is_some(), "{n}");
        assert!(n["lag"].as_u64().unwrap() <= 12, "{n}");
    }
    let producers: Vec<&str> =
        frame["producers"].as_array().unwrap().iter().map(|p| p["producer"].as_str().unwrap()).collect();
    assert_eq!(producers, PRODUCERS, "{frame}");
    assert_eq!(frame["producers"].as_array().unwrap().iter().filter(|p| p["turn"] == true).count(), 1, "{frame}");
    assert!(frame["blocks_per_sec"].as_f64().unwrap() > 0.5, "{frame}");

    // --- not a terminal: plain lines
    let plain = lab.run(&["top", "--once"]).success().stdout();
    assert!(plain.starts_with("lab t-e2e-top  chain "), "{plain}");
    for p in PRODUCERS {
        assert!(
            plain.lines().filter(|l| l.starts_with(p)).count() == 2,
            "{p} in the node and producer tables:\n{plain}"
        );
    }

    // --- the graph of the running lab: every node running, every planned link connected
    let mermaid = lab.run(&["graph", "--format", "mermaid"]).success().stdout();
    assert_eq!(mermaid.matches(" · running").count(), 5, "{mermaid}");
    assert!(!mermaid.contains("|down|"), "{mermaid}");
    assert_eq!(mermaid.matches(" --> ").count(), 10, "{mermaid}");
    let svg_path = lab.dir.path().join("lab.svg");
    lab.run(&["graph", "--format", "svg", "-o", svg_path.to_str().unwrap()]).success();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG parses");
    let texts: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).collect();
    for n in PRODUCERS.iter().chain(&["genesis"]) {
        assert!(texts.contains(n), "{n} is not named in the SVG");
    }

    // A stopped producer shows as such, and its links as down.
    lab.run(&["stop", "accountnum33"]).success();
    let dot = lab.run(&["graph", "--format", "dot"]).success().stdout();
    assert!(dot.contains("accountnum33\\nproducer · stopped"), "{dot}");
    assert!(dot.contains("label=\"down\""), "{dot}");
    let frame = lab.run(&["top", "--once", "--json"]).success().json();
    let stopped = frame["nodes"].as_array().unwrap().iter().find(|n| n["node"] == "accountnum33").unwrap();
    assert_eq!(stopped["state"], "stopped", "{stopped}");
    assert!(stopped["head"].is_null(), "{stopped}");
}
