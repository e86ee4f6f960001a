//! The [`Runtime`] implementation: each call recorded, then answered from the data, keeping the
//! engine's rules.

use std::collections::BTreeMap;

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::StreamExt;

use super::state::{with_kind, FakeContainer};
use super::{labels_match, Call, ExecCall, FakeRuntime};
use crate::runtime::{
    ContainerInfo, ContainerSpec, ContainerState, ContainerStats, ExecOutput, FileEntry, Mount, ObjectInfo, ProgressFn,
    Result, Runtime, RuntimeError,
};

fn no_such_container(op: &'static str, target: impl Into<String>, name: &str) -> RuntimeError {
    RuntimeError::op(op, target, format!("No such container: {name}"))
}

#[async_trait]
impl Runtime for FakeRuntime {
    async fn image_present(&self, reference: &str) -> Result<bool> {
        self.enter(Call::ImagePresent(reference.into()), reference)?;
        Ok(self.has_image(reference))
    }

    async fn build_image(
        &self,
        tag: &str,
        _context: Vec<u8>,
        _build_args: BTreeMap<String, String>,
        _labels: BTreeMap<String, String>,
        _host_network: bool,
        progress: ProgressFn<'_>,
    ) -> Result<()> {
        self.enter(Call::BuildImage(tag.into()), tag)?;
        progress(&format!("fake build of {tag}"));
        let mut s = self.lock();
        if let Some(message) = s.failing_images.get(tag) {
            return Err(RuntimeError::Build { tag: tag.into(), message: message.clone() });
        }
        s.images.insert(tag.into());
        Ok(())
    }

    async fn pull_image(&self, reference: &str, progress: ProgressFn<'_>) -> Result<()> {
        self.enter(Call::PullImage(reference.into()), reference)?;
        progress(&format!("fake pull of {reference}"));
        let mut s = self.lock();
        if let Some(message) = s.failing_images.get(reference) {
            return Err(RuntimeError::Pull { reference: reference.into(), message: message.clone() });
        }
        s.images.insert(reference.into());
        Ok(())
    }

    async fn ensure_network(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        self.enter(Call::EnsureNetwork(name.into()), name)?;
        self.lock().networks.entry(name.into()).or_insert_with(|| with_kind(labels, "network"));
        Ok(())
    }

    async fn ensure_volume(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        self.enter(Call::EnsureVolume(name.into()), name)?;
        self.lock().volumes.entry(name.into()).or_insert_with(|| with_kind(labels, "volume"));
        Ok(())
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<()> {
        let name = spec.name.as_str();
        self.enter(Call::CreateContainer(name.into()), name)?;
        let mut s = self.lock();
        let refuse = |message: String| Err(RuntimeError::op("create container", name, message));
        if s.container(name).is_some() {
            return refuse(format!("Conflict. The container name \"/{name}\" is already in use"));
        }
        if !s.images.contains(&spec.image) {
            return refuse(format!("No such image: {}", spec.image));
        }
        match &spec.share_network_of {
            Some(other) if s.container(other).is_none() => return refuse(format!("No such container: {other}")),
            Some(_) => {}
            None if !s.networks.contains_key(&spec.network) => {
                return refuse(format!("network {} not found", spec.network))
            }
            None => {}
        }
        // The engine creates a named volume a container mounts, without labels, if it is missing.
        for m in &spec.mounts {
            if let Mount::Volume { name, .. } = m {
                s.volumes.entry(name.clone()).or_default();
            }
        }
        s.next_id += 1;
        let id = format!("{:064x}", s.next_id);
        let networks = if spec.share_network_of.is_some() { Default::default() } else { [spec.network.clone()].into() };
        s.containers.push(FakeContainer {
            spec: spec.clone(),
            id,
            state: ContainerState::Created,
            exit_code: None,
            networks,
            files: Default::default(),
        });
        Ok(())
    }

    async fn start_container(&self, name: &str) -> Result<()> {
        self.enter(Call::StartContainer(name.into()), name)?;
        let helper = {
            let mut s = self.lock();
            let c = s.container_mut(name).ok_or_else(|| no_such_container("start container", name, name))?;
            c.state = ContainerState::Running;
            c.exit_code = None;
            c.spec.share_network_of.is_some().then(|| [c.spec.entrypoint.clone(), c.spec.cmd.clone()].concat())
        };
        // A helper in another container's network namespace is a one-shot command: it runs at
        // once, answered by the exec scripts like an exec in it, and ends with their exit code.
        if let Some(cmd) = helper {
            let out = self.exec(name, &cmd, None).await?;
            let mut s = self.lock();
            s.logs.insert(name.into(), format!("{}{}", out.stdout, out.stderr));
            if let Some(c) = s.container_mut(name) {
                c.state = ContainerState::Exited;
                c.exit_code = Some(out.code);
            }
        }
        Ok(())
    }

    async fn stop_container(&self, name: &str, _timeout_secs: i64) -> Result<()> {
        self.enter(Call::StopContainer(name.into()), name)?;
        let mut s = self.lock();
        if let Some(c) = s.container_mut(name).filter(|c| c.state == ContainerState::Running) {
            c.state = ContainerState::Exited;
            c.exit_code = Some(0);
        }
        Ok(())
    }

    async fn remove_container(&self, name: &str) -> Result<()> {
        self.enter(Call::RemoveContainer(name.into()), name)?;
        self.lock().containers.retain(|c| c.spec.name != name);
        Ok(())
    }

    async fn remove_network(&self, name: &str) -> Result<()> {
        self.enter(Call::RemoveNetwork(name.into()), name)?;
        let mut s = self.lock();
        if s.containers.iter().any(|c| c.spec.network == name && c.state == ContainerState::Running) {
            return Err(RuntimeError::op("remove network", name, format!("network {name} has active endpoints")));
        }
        s.networks.remove(name);
        Ok(())
    }

    async fn remove_volume(&self, name: &str) -> Result<()> {
        self.enter(Call::RemoveVolume(name.into()), name)?;
        let mut s = self.lock();
        let users: Vec<String> = s
            .containers
            .iter()
            .filter(|c| c.spec.mounts.iter().any(|m| matches!(m, Mount::Volume { name: v, .. } if v == name)))
            .map(|c| c.id.clone())
            .collect();
        if !users.is_empty() {
            let message = format!("remove {name}: volume is in use - [{}]", users.join(", "));
            return Err(RuntimeError::op("remove volume", name, message));
        }
        s.volumes.remove(name);
        Ok(())
    }

    async fn containers(&self, filters: &[String]) -> Result<Vec<ContainerInfo>> {
        self.enter(Call::Containers(filters.to_vec()), "")?;
        Ok(self.lock().containers.iter().map(Self::info).filter(|c| labels_match(&c.labels, filters)).collect())
    }

    async fn container_state(&self, name: &str) -> Result<Option<ContainerState>> {
        self.enter(Call::ContainerState(name.into()), name)?;
        Ok(self.lock().container(name).map(|c| c.state))
    }

    async fn networks(&self, filters: &[String]) -> Result<Vec<ObjectInfo>> {
        self.enter(Call::Networks(filters.to_vec()), "")?;
        let s = self.lock();
        let found = s.networks.iter().filter(|(_, labels)| labels_match(labels, filters));
        Ok(found.map(|(name, labels)| ObjectInfo { name: name.clone(), labels: labels.clone() }).collect())
    }

    async fn volumes(&self, filters: &[String]) -> Result<Vec<ObjectInfo>> {
        self.enter(Call::Volumes(filters.to_vec()), "")?;
        let s = self.lock();
        let found = s.volumes.iter().filter(|(_, labels)| labels_match(labels, filters));
        Ok(found.map(|(name, labels)| ObjectInfo { name: name.clone(), labels: labels.clone() }).collect())
    }

    fn publishes_here(&self) -> bool {
        self.lock().publishes_here
    }

    async fn exec(&self, container: &str, cmd: &[String], stdin: Option<Vec<u8>>) -> Result<ExecOutput> {
        let call = ExecCall { container: container.into(), cmd: cmd.to_vec(), stdin };
        let what = format!("{container}: {}", call.script());
        self.lock().execs.push(call.clone());
        self.enter(Call::Exec(container.into()), &what)?;
        match self.lock().container(container) {
            None => return Err(no_such_container("exec in", what, container)),
            Some(c) if c.state != ContainerState::Running => {
                return Err(RuntimeError::op("exec in", what, format!("Container {} is not running", c.id)))
            }
            Some(_) => {}
        }
        // Handlers run without the lock held: one may well look at the fake.
        let handlers = self.handlers.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Ok(handlers.iter().rev().find_map(|h| h(&call)).unwrap_or_else(|| ExecOutput {
            code: 127,
            stdout: String::new(),
            stderr: format!("fake runtime: no scripted answer for {what}"),
        }))
    }

    async fn logs(&self, container: &str, tail: usize) -> Result<String> {
        self.enter(Call::Logs(container.into()), container)?;
        let s = self.lock();
        if s.container(container).is_none() {
            return Err(no_such_container("read logs of", container, container));
        }
        Ok(Self::tail(s.logs.get(container).map(String::as_str).unwrap_or_default(), tail))
    }

    async fn kill_container(&self, name: &str, signal: &str) -> Result<()> {
        self.enter(Call::KillContainer(name.into(), signal.into()), name)?;
        let mut s = self.lock();
        let c = s.container_mut(name).ok_or_else(|| no_such_container("kill container", name, name))?;
        if c.state != ContainerState::Running {
            return Err(RuntimeError::op("kill container", name, format!("Container {} is not running", c.id)));
        }
        c.state = ContainerState::Exited;
        c.exit_code = Some(128 + signal_number(signal));
        Ok(())
    }

    async fn pause_container(&self, name: &str) -> Result<()> {
        self.enter(Call::PauseContainer(name.into()), name)?;
        self.switch(name, "pause container", ContainerState::Running, ContainerState::Paused)
    }

    async fn unpause_container(&self, name: &str) -> Result<()> {
        self.enter(Call::UnpauseContainer(name.into()), name)?;
        self.switch(name, "unpause container", ContainerState::Paused, ContainerState::Running)
    }

    async fn container_stats(&self, name: &str) -> Result<Option<ContainerStats>> {
        self.enter(Call::ContainerStats(name.into()), name)?;
        let s = self.lock();
        Ok(match s.container(name) {
            Some(c) if c.state == ContainerState::Running => Some(s.stats.get(name).copied().unwrap_or_default()),
            _ => None,
        })
    }

    /// A fake container never exits by itself: waiting on a running one is a test's mistake.
    async fn wait_container(&self, name: &str) -> Result<i64> {
        self.enter(Call::WaitContainer(name.into()), name)?;
        let s = self.lock();
        let c = s.container(name).ok_or_else(|| no_such_container("wait for container", name, name))?;
        match c.state {
            ContainerState::Running | ContainerState::Paused => {
                panic!("fake runtime: wait_container({name}) on a running container would never return")
            }
            _ => Ok(c.exit_code.unwrap_or(0)),
        }
    }

    async fn put_files(&self, container: &str, dir: &str, files: &[FileEntry]) -> Result<()> {
        self.enter(Call::PutFiles(container.into(), dir.into()), container)?;
        let mut s = self.lock();
        let c = s.container_mut(container).ok_or_else(|| no_such_container("copy into", container, container))?;
        for f in files {
            c.files.insert(format!("{}/{}", dir.trim_end_matches('/'), f.name), f.contents.clone());
        }
        Ok(())
    }

    async fn get_file(&self, container: &str, path: &str) -> Result<Vec<u8>> {
        self.enter(Call::GetFile(container.into(), path.into()), container)?;
        let s = self.lock();
        let c = s.container(container).ok_or_else(|| no_such_container("copy from", container, container))?;
        c.files.get(path).cloned().ok_or_else(|| {
            RuntimeError::op(
                "copy from",
                format!("{container}:{path}"),
                format!("Could not find the file {path} in container {container}"),
            )
        })
    }

    /// The log's last `tail` lines; then the stream ends, as if the container had stopped.
    fn follow_logs(&self, container: &str, tail: usize) -> BoxStream<'static, Result<String>> {
        let result = self.enter(Call::FollowLogs(container.into()), container).and_then(|()| {
            let s = self.lock();
            match s.container(container) {
                None => Err(no_such_container("follow logs of", container, container)),
                Some(_) => Ok(Self::tail(s.logs.get(container).map(String::as_str).unwrap_or_default(), tail)),
            }
        });
        futures::stream::iter([result]).boxed()
    }
}

/// The number of a signal given by name (`SIGKILL`, `KILL`) or number (`9`).
fn signal_number(signal: &str) -> i64 {
    let name = signal.trim_start_matches("SIG");
    name.parse().unwrap_or(match name {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ABRT" => 6,
        "KILL" => 9,
        "USR1" => 10,
        "SEGV" => 11,
        "USR2" => 12,
        "TERM" => 15,
        _ => 0,
    })
}

impl FakeRuntime {
    fn switch(&self, name: &str, op: &'static str, from: ContainerState, to: ContainerState) -> Result<()> {
        let mut s = self.lock();
        let c = s.container_mut(name).ok_or_else(|| no_such_container(op, name, name))?;
        if c.state != from {
            return Err(RuntimeError::op(op, name, format!("Container {} is {}", c.id, c.state.as_str())));
        }
        c.state = to;
        Ok(())
    }
}
