//! Which lab a command works on, and that no command but `up` makes state: these fail before an
//! engine is asked anything, so they need no Docker.

use std::path::Path;
use std::process::{Command, Output};

fn lab(dir: &Path, state: &Path, env_name: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lab"));
    cmd.args(args).current_dir(dir).env("LAB_STATE_DIR", state).env("NO_COLOR", "1").env_remove("LAB_NAME");
    if let Some(name) = env_name {
        cmd.env("LAB_NAME", name);
    }
    cmd.output().expect("run lab")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn a_lab_up_never_made_is_named_with_its_folder_and_no_state_is_invented() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lab.yaml"), "name: never-up\nproducers: 1\n").unwrap();
    for args in [
        &["accounts", "--json", "--show-secrets"][..],
        &["cleos", "--", "get", "info"],
        &["deploy", "someone", "."],
        &["stop"],
        &["wait", "--lib-advances", "1"],
    ] {
        let out = lab(dir.path(), state.path(), None, args);
        assert_eq!(out.status.code(), Some(1), "lab {args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("no lab `never-up` is known here"), "lab {args:?}: {err}");
        assert!(err.contains(&state.path().join("never-up").display().to_string()), "lab {args:?}: {err}");
        assert!(!err.contains("private"), "{err}");
        assert_eq!(entries(state.path()), 0, "lab {args:?} made state");
    }
    // By name, from a folder with no topology at all: the same, for the flag and the variable.
    let empty = tempfile::tempdir().unwrap();
    for (env, args) in [(None, &["accounts", "--name", "ghost"][..]), (Some("ghost"), &["cleos", "--", "get", "info"])]
    {
        let out = lab(empty.path(), state.path(), env, args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains("no lab `ghost` is known here"), "{}", stderr(&out));
        assert_eq!(entries(state.path()), 0);
    }
}

#[test]
fn a_name_finds_the_topology_up_kept_and_a_file_beats_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    // What `up` leaves in a lab's state folder: its seed and its topology (here without `up`,
    // whose containers this test does not need: `lab plan` reads the same resolution).
    let kept = state.path().join("kept");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(kept.join("seed"), "a-seed-of-the-kept-lab\n").unwrap();
    std::fs::write(kept.join("lab.yaml"), "name: kept\nproducers: 2\n").unwrap();
    std::fs::write(dir.path().join("lab.yaml"), "name: here\nproducers: 1\n").unwrap();

    let plan = |env: Option<&str>, args: &[&str]| {
        let out = lab(dir.path(), state.path(), env, &[&["plan", "--json"], args].concat());
        assert!(out.status.success(), "{}", stderr(&out));
        let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (plan["lab"].as_str().unwrap().to_string(), plan["nodes"].as_array().unwrap().len())
    };
    assert_eq!(plan(None, &[]), ("here".into(), 2));
    assert_eq!(plan(None, &["--name", "kept"]), ("kept".into(), 3));
    assert_eq!(plan(Some("kept"), &[]), ("kept".into(), 3));
    // -f given: the variable (set by an earlier `eval "$(lab env)"`) yields to it.
    assert_eq!(plan(Some("kept"), &["-f", "lab.yaml"]), ("here".into(), 2));

    // -f and --name that disagree are refused, naming both.
    let out = lab(dir.path(), state.path(), None, &["status", "-f", "lab.yaml", "--name", "kept"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("-f names lab `here` and --name names `kept`"), "{}", stderr(&out));
    // --all takes no lab.
    let out = lab(dir.path(), state.path(), None, &["down", "--all", "--name", "kept"]);
    assert!(stderr(&out).contains("--all removes every lab"), "{}", stderr(&out));
}

#[test]
fn an_invalid_file_is_reported_as_such_where_no_engine_answers() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lab.yaml"), "name: Bad Name\nproducers: 0\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["up"])
        .current_dir(dir.path())
        .env("LAB_STATE_DIR", state.path())
        .env("DOCKER_HOST", format!("unix://{}", dir.path().join("no-engine.sock").display()))
        .env_remove("LAB_NAME")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("name") && err.contains("producers"), "{err}");
    assert_eq!(entries(state.path()), 0);
}
