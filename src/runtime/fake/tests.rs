//! Tests of the fake: that it keeps the engine's rules and answers as the test scripted.

use std::collections::BTreeMap;

use futures::StreamExt;

use super::{Call, FakeRuntime};
use crate::labels;
use crate::runtime::{
    ContainerInfo, ContainerSpec, ContainerState, ExecOutput, FileEntry, Mount, Runtime, RuntimeError,
};

fn spec(name: &str, labels: &[(&str, &str)]) -> ContainerSpec {
    ContainerSpec {
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        mounts: vec![Mount::Volume { name: format!("{name}-data"), target: "/data".into(), read_only: false }],
        ..FakeRuntime::plain_spec(name)
    }
}

/// A fake with an image, a network and the named containers, created and not started.
async fn scene(containers: &[ContainerSpec]) -> FakeRuntime {
    let rt = FakeRuntime::new();
    rt.add_image("img");
    rt.ensure_network("net", &BTreeMap::new()).await.unwrap();
    for c in containers {
        rt.create_container(c).await.unwrap();
    }
    rt.clear_calls();
    rt
}

fn names(list: &[ContainerInfo]) -> Vec<&str> {
    list.iter().map(|c| c.name.as_str()).collect()
}

#[tokio::test]
async fn label_filters_select_as_dockers_do() {
    let rt =
        scene(&[spec("a", &[("lab", "x"), ("role", "genesis")]), spec("b", &[("lab", "y")]), spec("c", &[])]).await;
    assert_eq!(names(&rt.containers(&[]).await.unwrap()), ["a", "b", "c"]);
    assert_eq!(names(&rt.containers(&["lab".into()]).await.unwrap()), ["a", "b"]);
    assert_eq!(names(&rt.containers(&["lab=y".into()]).await.unwrap()), ["b"]);
    assert_eq!(names(&rt.containers(&["lab=x".into(), "role=genesis".into()]).await.unwrap()), ["a"]);
    assert!(rt.containers(&["lab=x".into(), "role=producer".into()]).await.unwrap().is_empty());
    assert!(rt.containers(&["lab=".into()]).await.unwrap().is_empty());
    // Like the engine, the runtime marks what it creates with its kind.
    assert_eq!(names(&rt.containers(&[format!("{}=container", labels::KIND)]).await.unwrap()).len(), 3);
    let labels = BTreeMap::from([("lab".to_string(), "x".to_string())]);
    rt.ensure_volume("v", &labels).await.unwrap();
    let volumes = rt.volumes(&["lab=x".into()]).await.unwrap();
    assert_eq!(volumes.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["v"]);
    assert!(rt.networks(&["lab=x".into()]).await.unwrap().is_empty());
}

#[tokio::test]
async fn containers_go_from_created_to_running_to_exited_to_gone() {
    let rt = scene(&[spec("a", &[])]).await;
    let state = |rt: &FakeRuntime| rt.lock().container("a").map(|c| (c.state, c.exit_code));
    assert_eq!(state(&rt), Some((ContainerState::Created, None)));
    rt.start_container("a").await.unwrap();
    assert_eq!(rt.container_state("a").await.unwrap(), Some(ContainerState::Running));
    rt.stop_container("a", 1).await.unwrap();
    assert_eq!(state(&rt), Some((ContainerState::Exited, Some(0))));
    rt.set_state("a", ContainerState::Exited, Some(137));
    assert_eq!(rt.containers(&[]).await.unwrap()[0].exit_code, Some(137));
    rt.start_container("a").await.unwrap();
    assert_eq!(state(&rt), Some((ContainerState::Running, None)));
    rt.remove_container("a").await.unwrap();
    assert_eq!(rt.container_state("a").await.unwrap(), None);
    let calls = rt.calls();
    assert_eq!(calls[0], Call::StartContainer("a".into()));
    assert_eq!(rt.changes().last(), Some(&Call::RemoveContainer("a".into())));
}

#[tokio::test]
async fn the_engines_refusals_are_kept() {
    let rt = scene(&[spec("a", &[])]).await;
    let err = rt.create_container(&spec("a", &[])).await.unwrap_err().to_string();
    assert!(err.contains("already in use"), "{err}");
    let mut other = spec("b", &[]);
    other.image = "missing".into();
    assert!(rt.create_container(&other).await.unwrap_err().to_string().contains("No such image: missing"));
    rt.start_container("a").await.unwrap();
    assert!(rt.remove_network("net").await.is_err(), "a running container holds the network");
    assert!(rt.remove_volume("a-data").await.is_err(), "a container uses the volume");
    rt.remove_container("a").await.unwrap();
    rt.remove_volume("a-data").await.unwrap();
    rt.remove_network("net").await.unwrap();
    assert!(rt.start_container("a").await.unwrap_err().to_string().contains("No such container: a"));
}

#[tokio::test]
async fn exec_answers_come_from_the_newest_handler_that_answers() {
    let rt = scene(&[spec("a", &[])]).await;
    rt.start_container("a").await.unwrap();
    rt.on_exec(|c| c.script().starts_with("cleos").then(|| ExecOutput::ok("old")));
    rt.on_exec(|c| (c.script() == "cleos get info").then(|| ExecOutput::ok("new")));
    rt.on_exec(|c| (c.stdin_text() == "secret").then(|| ExecOutput::failed(2, "bad")));
    let run = |cmd: &str, stdin: Option<&str>| {
        let cmd: Vec<String> = cmd.split(' ').map(String::from).collect();
        let stdin = stdin.map(|s| s.as_bytes().to_vec());
        let rt = &rt;
        async move { rt.exec("a", &cmd, stdin).await.unwrap() }
    };
    assert_eq!(run("cleos get info", None).await.stdout, "new");
    assert_eq!(run("cleos get block 1", None).await.stdout, "old");
    assert_eq!(run("cleos get info", Some("secret")).await.code, 2);
    let unanswered = run("ls /", None).await;
    assert_eq!(unanswered.code, 127);
    assert!(unanswered.stderr.contains("no scripted answer for a: ls /"), "{}", unanswered.stderr);
    let execs = rt.execs();
    assert_eq!(execs.len(), 4);
    assert_eq!(execs[2].stdin_text(), "secret");
    assert_eq!(execs[3].cmd, ["ls", "/"]);
}

#[tokio::test]
async fn an_exec_needs_a_running_container() {
    let rt = scene(&[spec("a", &[])]).await;
    rt.on_exec(|_| Some(ExecOutput::ok("")));
    let err = rt.exec("a", &["true".into()], None).await.unwrap_err().to_string();
    assert!(err.starts_with("exec in a: true: Container ") && err.ends_with(" is not running"), "{err}");
    let err = rt.exec("b", &["true".into()], None).await.unwrap_err().to_string();
    assert_eq!(err, "exec in b: true: No such container: b");
}

#[tokio::test]
async fn failures_come_when_asked_once_each() {
    let rt = scene(&[spec("a", &[])]).await;
    rt.fail_next("start_container", "out of memory");
    rt.fail_next_with("containers", RuntimeError::Connect("refused".into()));
    let err = rt.start_container("a").await.unwrap_err().to_string();
    assert_eq!(err, "start container a: out of memory");
    assert!(matches!(rt.containers(&[]).await, Err(RuntimeError::Connect(_))));
    rt.start_container("a").await.unwrap();
    assert_eq!(rt.containers(&[]).await.unwrap().len(), 1);
    rt.fail_image("base", "manifest unknown");
    assert!(rt.pull_image("base", &|_| {}).await.is_err());
    assert!(!rt.has_image("base"));
    rt.pull_image("other", &|_| {}).await.unwrap();
    assert!(rt.image_present("other").await.unwrap());
}

#[test]
#[should_panic(expected = "no operation \"start\"")]
fn an_unknown_operation_name_is_a_mistake() {
    FakeRuntime::new().fail_next("start", "x");
}

#[tokio::test]
async fn logs_are_what_the_test_set() {
    let rt = scene(&[spec("a", &[])]).await;
    rt.set_logs("a", "one\ntwo\nthree\n");
    assert_eq!(rt.logs("a", 2).await.unwrap(), "two\nthree\n");
    let followed: Vec<String> = rt.follow_logs("a", 1).map(|r| r.unwrap()).collect().await;
    assert_eq!(followed, ["three\n"]);
    assert!(rt.logs("b", 2).await.is_err());
}

#[tokio::test]
async fn kill_pause_networks_and_files() {
    let rt = scene(&[spec("a", &[])]).await;
    rt.start_container("a").await.unwrap();
    rt.pause_container("a").await.unwrap();
    assert_eq!(rt.container_state("a").await.unwrap(), Some(ContainerState::Paused));
    assert!(rt.kill_container("a", "SIGKILL").await.is_err(), "a paused container is not running");
    rt.unpause_container("a").await.unwrap();
    rt.kill_container("a", "SIGKILL").await.unwrap();
    assert_eq!(rt.wait_container("a").await.unwrap(), 137);
    let info = rt.containers(&[]).await.unwrap();
    assert_eq!((info[0].state, info[0].exit_code), (ContainerState::Exited, Some(137)));
    let file = FileEntry { name: "restore.bin".into(), contents: b"snap".to_vec(), mode: 0o644 };
    rt.put_files("a", "/lab/data/", &[file]).await.unwrap();
    assert_eq!(rt.get_file("a", "/lab/data/restore.bin").await.unwrap(), b"snap");
    assert!(rt.get_file("a", "/lab/data/other").await.is_err());
}
