//! End-to-end tests of `engine: swarm` on a real swarm of three Docker Engines, each in a network
//! namespace of its own on this machine (tests/swarm/fixture.sh: one manager, two workers, the
//! nodeos image loaded on each with `docker save | docker load`). The default engine never joins
//! a swarm. Same runner as the other Docker files: without an engine the tests show as ignored,
//! and with `CI` set they fail; without root (network namespaces) they are ignored, said so.

mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, Instant};

use harness::{engine_lock, run_docker_tests};

/// Namespaces, links and engines of the fixture carry this prefix; its links use SUBNET.0/24 and
/// its overlay networks SUBNET's /16 + 1 (private ranges the default engine's networks do not use).
const PREFIX: &str = "labsw";
const SUBNET: &str = "10.210.7";

fn main() {
    run_docker_tests(
        docker_tests![swarm_refuses_bad_input_before_creating_anything, swarm_lab_on_three_hosts],
        |args, engine| {
            let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
            let tools = ["ip", "nsenter", "unshare", "dockerd", "fuse-overlayfs"].iter().all(|t| {
                Command::new("sh").args(["-c", &format!("command -v {t}")]).output().is_ok_and(|o| o.status.success())
            });
            if engine && !(root && tools) && !args.list {
                eprintln!(
                    "the swarm tests need root, ip, nsenter, unshare, dockerd and fuse-overlayfs: they are ignored"
                );
            }
            if root && tools {
                vec![]
            } else {
                vec!["swarm_refuses_bad_input_before_creating_anything", "swarm_lab_on_three_hosts"]
            }
        },
        || {
            // The fixture is shared by the tests of this file; it goes once they are done.
            if let Some(s) = SWARM.lock().unwrap_or_else(|p| p.into_inner()).take() {
                drop(s);
            }
        },
    )
}

fn fixture_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/swarm/fixture.sh")
}

/// The three-engine swarm. Dropping it stops the engines by process id and removes namespaces,
/// links and files (the script's `down`, which also serves a half-made fixture).
struct Swarm {
    dir: PathBuf,
}

impl Swarm {
    fn up(images: &[&str]) -> Swarm {
        let dir = std::env::temp_dir().join(format!("{PREFIX}-{}", std::process::id()));
        // What a run killed before its cleanup left behind.
        let _ = Command::new(fixture_script()).args(["down", dir.to_str().unwrap(), PREFIX]).output();
        let swarm = Swarm { dir };
        let started = Instant::now();
        let mut args = vec!["up", swarm.dir.to_str().unwrap(), PREFIX, SUBNET];
        args.extend_from_slice(images);
        let out = Command::new(fixture_script()).args(&args).output().expect("run the fixture");
        assert!(out.status.success(), "fixture up failed: {}", String::from_utf8_lossy(&out.stderr));
        eprintln!("swarm fixture up in {:.1}s", started.elapsed().as_secs_f64());
        swarm
    }

    fn sock(&self, n: u8) -> String {
        format!("unix://{}/e{n}/docker.sock", self.dir.display())
    }

    fn host(n: u8) -> String {
        format!("{PREFIX}-{n}")
    }

    fn engines_env(&self) -> String {
        format!("{}={},{}={}", Self::host(2), self.sock(2), Self::host(3), self.sock(3))
    }

    fn docker(&self, n: u8, args: &[&str]) -> String {
        let out = Command::new("docker").arg("-H").arg(self.sock(n)).args(args).output().expect("run docker");
        assert!(out.status.success(), "docker {args:?} on engine {n}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn engine(&self, cmd: &str, n: u8) {
        let out = Command::new(fixture_script())
            .args([cmd, self.dir.to_str().unwrap(), PREFIX, &n.to_string()])
            .output()
            .expect("run the fixture");
        assert!(out.status.success(), "fixture {cmd} {n}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Everything of a lab on any host: services, configs, secrets and networks on the manager;
    /// containers and volumes on each engine.
    fn leftovers(&self, lab: &str) -> Vec<String> {
        let filter = format!("label=antelope-lab.name={lab}");
        let mut left = Vec::new();
        for (what, args) in [
            ("service", vec!["service", "ls", "-q", "--filter", &filter]),
            ("config", vec!["config", "ls", "-q", "--filter", &filter]),
            ("secret", vec!["secret", "ls", "-q", "--filter", &filter]),
            ("network", vec!["network", "ls", "-q", "--filter", &filter]),
        ] {
            left.extend(self.docker(1, &args).lines().map(|l| format!("{what} {l} on engine 1")));
        }
        for n in 1..=3 {
            left.extend(
                self.docker(n, &["ps", "-aq", "--filter", &filter])
                    .lines()
                    .map(|l| format!("container {l} on engine {n}")),
            );
            // Volumes a service's mount made carry the lab's label too; by name as well.
            left.extend(
                self.docker(n, &["volume", "ls", "-q"])
                    .lines()
                    .filter(|v| v.starts_with(&format!("{lab}-")))
                    .map(|l| format!("volume {l} on engine {n}")),
            );
        }
        left
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        let out = Command::new(fixture_script()).args(["down", self.dir.to_str().unwrap(), PREFIX]).output();
        if let Ok(o) = out {
            if !o.status.success() {
                eprintln!("fixture down: {}", String::from_utf8_lossy(&o.stderr));
            }
        }
    }
}

static SWARM: Mutex<Option<Swarm>> = Mutex::new(None);

/// The shared fixture, made by the first test that needs it.
fn with_swarm<T>(f: impl FnOnce(&Swarm) -> T) -> T {
    let mut guard = SWARM.lock().unwrap_or_else(|p| p.into_inner());
    if guard.is_none() {
        let image = nodeos_image();
        *guard = Some(Swarm::up(&[&image]));
    }
    f(guard.as_ref().unwrap())
}

/// The default nodeos image, as the plan names it (present on the default engine).
fn nodeos_image() -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["plan", "--json"])
        .current_dir(dir.path())
        .env("LAB_STATE_DIR", dir.path())
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan --json");
    let image = &plan["image"];
    let tag = ["Recipe", "Dir", "Files", "Pull"]
        .iter()
        .find_map(|k| image[k]["tag"].as_str().or(image[k]["reference"].as_str()))
        .expect("an image reference in the plan")
        .to_string();
    let present = Command::new("docker").args(["image", "inspect", &tag]).output().is_ok_and(|o| o.status.success());
    assert!(present, "the default image {tag} is not on the default engine: `lab up` once on it builds it");
    tag
}

/// A lab run against the swarm: its own folder, state folder and topology.
struct SwarmLab<'a> {
    swarm: &'a Swarm,
    dir: tempfile::TempDir,
    state: tempfile::TempDir,
    name: String,
    docker_host: String,
}

impl<'a> SwarmLab<'a> {
    fn new(swarm: &'a Swarm, name: &str, topology: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lab.yaml"), format!("name: {name}\n{topology}")).unwrap();
        SwarmLab { swarm, dir, state, name: name.into(), docker_host: swarm.sock(1) }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(args)
            .current_dir(self.dir.path())
            .env("LAB_STATE_DIR", self.state.path())
            .env("DOCKER_HOST", &self.docker_host)
            .env("LAB_SWARM_ENGINES", self.swarm.engines_env())
            .env("NO_COLOR", "1")
            .output()
            .expect("run lab")
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "lab {args:?} failed:\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[track_caller]
    fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "lab {args:?} should have failed:\n{text}");
        text
    }

    fn status(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["status", "--json"])).expect("status --json")
    }
}

impl Drop for SwarmLab<'_> {
    fn drop(&mut self) {
        let _ = self.run(&["down", "--name", &self.name.clone()]);
    }
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

const PRODUCERS: [&str; 4] = ["accountnum11", "accountnum22", "accountnum33", "accountnum44"];

/// The machine may be busy: a generous transaction CPU limit keeps the boot's large actions in.
const TOPOLOGY: &str = "engine: swarm\nchain:\n  genesis:\n    initial_configuration:\n      max_block_cpu_usage: 400000\n      max_transaction_cpu_usage: 350000\n";

fn swarm_refuses_bad_input_before_creating_anything() {
    let _engine = engine_lock();
    with_swarm(|swarm| {
        // An engine that is no swarm manager: the default one (it stays out of any swarm).
        let mut lab = SwarmLab::new(swarm, "labsw-notmanager", TOPOLOGY);
        lab.docker_host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
        let text = lab.refused(&["up", "--no-progress"]);
        assert!(text.contains("not a swarm manager"), "{text}");
        let default_left = Command::new("docker")
            .args(["ps", "-aq", "--filter", "label=antelope-lab.name=labsw-notmanager"])
            .output()
            .unwrap();
        assert!(default_left.stdout.is_empty(), "the refused lab left containers on the default engine");
        drop(lab);

        // A constraint no host satisfies, named with the node.
        let lab = SwarmLab::new(
            swarm,
            "labsw-place",
            &format!("{TOPOLOGY}placement:\n  accountnum22: [\"node.labels.region == mars\"]\n"),
        );
        let text = lab.refused(&["up", "--no-progress"]);
        assert!(text.contains("accountnum22") && text.contains("node.labels.region == mars"), "{text}");
        // Refused before anything was made, not made and undone.
        assert!(!text.contains("create network"), "{text}");
        assert_eq!(swarm.leftovers("labsw-place"), Vec::<String>::new());
        drop(lab);

        // An image the workers lack (on the manager only), with no registry: the host is named.
        let out = Command::new("sh")
            .args(["-c", &format!("docker save debian:bookworm-slim | docker -H {} load -q", swarm.sock(1))])
            .output()
            .unwrap();
        assert!(out.status.success(), "load debian on engine 1: {}", String::from_utf8_lossy(&out.stderr));
        let lab = SwarmLab::new(swarm, "labsw-image", &format!("{TOPOLOGY}image:\n  ref: debian:bookworm-slim\n"));
        let text = lab.refused(&["up", "--no-progress"]);
        assert!(text.contains("labsw-2") && text.contains("does not have it"), "{text}");
        assert_eq!(swarm.leftovers("labsw-image"), Vec::<String>::new());
    })
}

fn swarm_lab_on_three_hosts() {
    let _engine = engine_lock();
    with_swarm(|swarm| {
        let lab = SwarmLab::new(swarm, "labsw-e2e", TOPOLOGY);
        let started = Instant::now();
        lab.ok(&["up", "--no-progress"]);
        eprintln!("lab up --engine swarm (booted) in {:.1}s", started.elapsed().as_secs_f64());

        // Placed on the hosts: genesis on the manager, producers on at least two hosts.
        let status = lab.status();
        let nodes = status["nodes"].as_array().unwrap().clone();
        let host_of = |node: &str| {
            nodes.iter().find(|n| n["node"] == node).and_then(|n| n["host"].as_str()).unwrap_or("").to_string()
        };
        assert_eq!(host_of("genesis"), Swarm::host(1));
        let mut hosts: Vec<String> = PRODUCERS.iter().map(|p| host_of(p)).collect();
        hosts.sort();
        hosts.dedup();
        assert!(hosts.len() >= 2, "producers on {hosts:?}");
        assert!(nodes.iter().all(|n| n["state"] == "running"), "{status:#}");

        // The schedule holds the four, and each produces.
        let schedule = lab.ok(&["cleos", "--", "get", "schedule"]);
        let schedule: serde_json::Value = serde_json::from_str(&schedule).unwrap();
        let mut active: Vec<String> = schedule["active"]["producers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["producer_name"].as_str().unwrap().to_string())
            .collect();
        active.sort();
        assert_eq!(active, PRODUCERS);
        let mut seen = std::collections::BTreeSet::new();
        wait_for("each producer to produce", 60, || {
            let info: serde_json::Value = serde_json::from_str(&lab.ok(&["cleos", "--", "get", "info"])).ok()?;
            seen.insert(info["head_block_producer"].as_str()?.to_string());
            PRODUCERS.iter().all(|p| seen.contains(*p)).then_some(())
        });

        // A worker's engine stops: its node is reported lost, with its host; LIB goes on.
        let lost_host = Swarm::host(3);
        let lost: Vec<String> = PRODUCERS.iter().filter(|p| host_of(p) == lost_host).map(|p| p.to_string()).collect();
        // Spread: one producer per host, and the fourth on a worker; losing one host keeps 3 of 4.
        assert_eq!(lost.len(), 1, "producers on {lost_host}: {lost:?}");
        swarm.engine("stop", 3);
        let lib_before = wait_for("the lost node reported", 90, || {
            let status = lab.status();
            let nodes = status["nodes"].as_array()?;
            let reported = lost.iter().all(|p| {
                nodes.iter().any(|n| {
                    n["node"] == p.as_str()
                        && n["state"] != "running"
                        && n["host"].as_str().is_some_and(|h| h.contains(&lost_host) && h.contains("lost"))
                })
            });
            let lib = nodes.iter().find(|n| n["node"] == "genesis")?["last_irreversible_block"].as_u64()?;
            reported.then_some(lib)
        });
        let table = lab.ok(&["status"]);
        for p in &lost {
            assert!(table.lines().any(|l| l.starts_with(p.as_str()) && l.contains(&lost_host)), "{table}");
        }
        wait_for("LIB to advance without the lost host", 60, || {
            let lib = lab.status()["nodes"].as_array()?.iter().find(|n| n["node"] == "genesis")?
                ["last_irreversible_block"]
                .as_u64()?;
            (lib > lib_before + 6).then_some(())
        });

        // The host comes back, then `lab down` leaves nothing on any host.
        swarm.engine("start", 3);
        wait_for("the host to rejoin", 60, || {
            swarm
                .docker(1, &["node", "ls", "--format", "{{.Hostname}} {{.Status}}"])
                .contains(&format!("{lost_host} Ready"))
                .then_some(())
        });
        let started = Instant::now();
        lab.ok(&["down"]);
        eprintln!("lab down in {:.1}s", started.elapsed().as_secs_f64());
        // The returning engine removes the tasks of services that are gone on its own time.
        let left = wait_for("nothing of the lab on any host", 60, || {
            let left = swarm.leftovers("labsw-e2e");
            if left.iter().all(|l| !l.starts_with("container")) && !left.is_empty() {
                // Volumes on the returned host, once its stale containers are gone.
                let _ = lab.run(&["down"]);
            }
            left.is_empty().then_some(left)
        });
        assert!(left.is_empty());
    })
}
