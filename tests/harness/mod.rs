//! A small fluent harness that drives the real `lab` binary, after casey/just's `tests/test.rs`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

/// Docker tests share one engine and one machine: they run one at a time.
static ENGINE: Mutex<()> = Mutex::new(());

pub fn engine_lock() -> MutexGuard<'static, ()> {
    ENGINE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether a Docker engine answers. The test runner decides what a missing engine means.
/// `docker_tests![a, b]`: test functions under their own names (so filters and `--list` work as
/// with `#[test]`), for [`run_docker_tests`].
#[macro_export]
macro_rules! docker_tests {
    ($($test:ident),* $(,)?) => { vec![$((stringify!($test), $test as fn())),*] };
}

/// The runner of a Docker test file (libtest-mimic: the built-in runner's arguments and output).
/// Without an engine every test is reported as ignored, never as passed; with `CI` set it fails.
/// `more_ignored(engine answers)` names tests to ignore for other reasons (a kernel feature);
/// `after` runs once the tests are done, before the process exits.
pub fn run_docker_tests(
    tests: Vec<(&'static str, fn())>,
    more_ignored: impl FnOnce(&libtest_mimic::Arguments, bool) -> Vec<&'static str>,
    after: impl FnOnce(),
) -> ! {
    use libtest_mimic::{Arguments, Failed, Trial};
    let args = Arguments::from_args();
    let engine = docker_engine_answers();
    let ci = std::env::var_os("CI").is_some();
    if !engine && !args.list {
        if ci {
            eprintln!("CI is set but no Docker engine answers: the Docker tests fail");
        } else {
            eprintln!("no Docker engine answers: the Docker tests are ignored (with CI set they fail)");
        }
    }
    let ignored = more_ignored(&args, engine);
    let trials = tests
        .into_iter()
        .map(|(name, test)| {
            Trial::test(name, move || {
                if !engine {
                    return Err(Failed::from("no Docker engine answers: the Docker tests must run in CI"));
                }
                test();
                Ok(())
            })
            .with_ignored_flag((!engine && !ci) || ignored.contains(&name))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    after();
    conclusion.exit()
}

pub fn docker_engine_answers() -> bool {
    Command::new("docker").arg("info").output().map(|o| o.status.success()).unwrap_or(false)
}

pub struct Lab {
    pub dir: tempfile::TempDir,
    pub state: tempfile::TempDir,
    pub name: String,
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    #[track_caller]
    pub fn success(self) -> Self {
        assert!(
            self.output.status.success(),
            "lab failed ({}):\nstdout:\n{}\nstderr:\n{}",
            self.code(),
            self.stdout(),
            self.stderr()
        );
        self
    }
    #[track_caller]
    pub fn failure(self) -> Self {
        assert!(
            !self.output.status.success(),
            "lab should have failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout()))
    }
}

impl Lab {
    /// A lab with its own topology file (with `name:` set) and its own state folder.
    pub fn new(name: &str, topology: &str) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lab.yaml"), format!("name: {name}\n{topology}")).unwrap();
        Lab { dir, state, name: name.to_string() }
    }

    pub fn file(&self) -> PathBuf {
        self.dir.path().join("lab.yaml")
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn state_path(&self) -> &Path {
        self.state.path()
    }

    /// Runs `lab ARGS` in the lab's folder (so lab.yaml is found).
    pub fn run(&self, args: &[&str]) -> Run {
        Run { output: self.command(args).output().expect("run lab") }
    }

    /// `lab ARGS` in the lab's folder with its own state folder, not started.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lab"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("LAB_STATE_DIR", self.state.path())
            .env_remove("LAB_NAME")
            .env("NO_COLOR", "1");
        command
    }

    /// Starts `lab ARGS` in the lab's folder without waiting, its stderr piped (to watch progress).
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn lab")
    }

    /// Starts `lab ARGS` without waiting, its stdout and stderr piped (`wait_with_output` reads both).
    pub fn spawn_piped(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn lab")
    }

    pub fn cleos(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["cleos", "--"];
        all.extend_from_slice(args);
        self.run(&all).success().json()
    }

    /// Names of Docker objects of a kind that carry this lab's label.
    pub fn labelled(&self, kind: &str) -> Vec<String> {
        let filter = format!("label=antelope-lab.name={}", self.name);
        let args: Vec<&str> = match kind {
            "container" => vec!["ps", "-a", "--filter", &filter, "--format", "{{.Names}}"],
            "network" => vec!["network", "ls", "--filter", &filter, "--format", "{{.Name}}"],
            "volume" => vec!["volume", "ls", "--filter", &filter, "--format", "{{.Name}}"],
            _ => unreachable!(),
        };
        let out = Command::new("docker").args(&args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).lines().map(String::from).filter(|l| !l.is_empty()).collect()
    }

    /// This lab's containers, by name.
    pub fn containers(&self) -> Vec<String> {
        self.labelled("container")
    }

    pub fn nothing_left(&self) -> bool {
        self.labelled("container").is_empty()
            && self.labelled("network").is_empty()
            && self.labelled("volume").is_empty()
    }
}

/// Runs `docker ARGS` and returns its stdout; a failure fails the test.
#[track_caller]
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("run docker");
    assert!(out.status.success(), "docker {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Drop for Lab {
    /// A failed test still leaves nothing behind.
    fn drop(&mut self) {
        let _ = self.run(&["down", "--name", &self.name.clone()]);
    }
}

/// Polls `cond` every 250 ms until it holds; fails the test, naming `what`, after `secs`.
#[track_caller]
pub fn wait_until(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < std::time::Duration::from_secs(secs), "timed out after {secs}s waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

/// POSTs `body` to `path` of a node's published API (`http://127.0.0.1:PORT`) over plain
/// HTTP/1.1 from the host, and returns the JSON answer; anything but a 200 fails the test.
#[track_caller]
pub fn post_json(url: &str, path: &str, body: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let address = url.strip_prefix("http://").expect("an http URL");
    let mut s = std::net::TcpStream::connect(address).unwrap_or_else(|e| panic!("connect {address}: {e}"));
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{path}: {head}\n{body}");
    // nodeos answers with Content-Length, not chunked.
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}"))
}
