//! The swarm runtime's own reading: engine lists, and what a task on a lost host means.

use super::*;

#[test]
fn engines_are_read_as_host_equals_url() {
    let e = parse_engines("a=unix:///x/docker.sock, b=tcp://10.0.0.2:2375,").unwrap();
    assert_eq!(e.get("a").map(String::as_str), Some("unix:///x/docker.sock"));
    assert_eq!(e.get("b").map(String::as_str), Some("tcp://10.0.0.2:2375"));
    assert!(parse_engines("nohost").unwrap_err().contains("nohost"));
}

#[test]
fn a_task_on_a_lost_host_is_dead_and_a_pending_one_is_on_its_way() {
    let t = TaskView {
        host: Some("h2".into()),
        state: TaskState::RUNNING,
        desired_running: true,
        container_id: None,
        exit_code: None,
        message: String::new(),
    };
    assert_eq!(node_state(Some(&t), true), ContainerState::Running);
    assert_eq!(node_state(Some(&t), false), ContainerState::Dead);
    assert_eq!(
        node_state(Some(&TaskView { state: TaskState::PENDING, ..t.clone() }), true),
        ContainerState::Restarting
    );
    assert_eq!(node_state(Some(&TaskView { state: TaskState::COMPLETE, ..t }), true), ContainerState::Exited);
    assert_eq!(node_state(None, true), ContainerState::Created);
}
