//! Signals, pause, wait, network attachment and file copies: what experiments on a running lab
//! ask of the engine.

use std::io::Read;

use bollard::errors::Error as BollardError;
use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, KillContainerOptionsBuilder, UploadToContainerOptionsBuilder,
    WaitContainerOptionsBuilder,
};
use futures::{StreamExt, TryStreamExt};

use super::{message, DockerRuntime};
use crate::runtime::{FileEntry, Result, RuntimeError};

impl DockerRuntime {
    pub(super) async fn kill(&self, name: &str, signal: &str) -> Result<()> {
        let options = KillContainerOptionsBuilder::new().signal(signal).build();
        self.docker
            .kill_container(name, Some(options))
            .await
            .map_err(|e| RuntimeError::op("kill container", name, message(e)))
    }

    pub(super) async fn pause(&self, name: &str, pause: bool) -> Result<()> {
        let result =
            if pause { self.docker.pause_container(name).await } else { self.docker.unpause_container(name).await };
        result.map_err(|e| {
            RuntimeError::op(if pause { "pause container" } else { "unpause container" }, name, message(e))
        })
    }

    pub(super) async fn wait(&self, name: &str) -> Result<i64> {
        let options = WaitContainerOptionsBuilder::new().condition("not-running").build();
        let mut answers = self.docker.wait_container(name, Some(options));
        match answers.next().await {
            Some(Ok(r)) => Ok(r.status_code),
            // bollard reports a non-zero exit as an error that carries the code.
            Some(Err(BollardError::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(RuntimeError::op("wait for container", name, message(e))),
            None => Err(RuntimeError::op("wait for container", name, "the engine closed the answer")),
        }
    }

    pub(super) async fn upload(&self, container: &str, dir: &str, files: &[FileEntry]) -> Result<()> {
        let mut tar = tar::Builder::new(Vec::new());
        for f in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(f.contents.len() as u64);
            header.set_mode(f.mode);
            header.set_cksum();
            tar.append_data(&mut header, &f.name, f.contents.as_slice())
                .map_err(|e| RuntimeError::op("copy into", container, e))?;
        }
        let tar = tar.into_inner().map_err(|e| RuntimeError::op("copy into", container, e))?;
        let options = UploadToContainerOptionsBuilder::new().path(dir).build();
        self.docker
            .upload_to_container(container, Some(options), bollard::body_full(tar.into()))
            .await
            .map_err(|e| RuntimeError::op("copy into", format!("{container}:{dir}"), message(e)))
    }

    pub(super) async fn download(&self, container: &str, path: &str) -> Result<Vec<u8>> {
        let target = format!("{container}:{path}");
        let options = DownloadFromContainerOptionsBuilder::new().path(path).build();
        let chunks: Vec<bytes::Bytes> = self
            .docker
            .download_from_container(container, Some(options))
            .try_collect()
            .await
            .map_err(|e| RuntimeError::op("copy from", &target, message(e)))?;
        let tar: Vec<u8> = chunks.concat();
        let mut archive = tar::Archive::new(tar.as_slice());
        let mut entries = archive.entries().map_err(|e| RuntimeError::op("copy from", &target, e))?;
        let mut entry = entries
            .next()
            .ok_or_else(|| RuntimeError::op("copy from", &target, "the engine sent an empty archive"))?
            .map_err(|e| RuntimeError::op("copy from", &target, e))?;
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).map_err(|e| RuntimeError::op("copy from", &target, e))?;
        Ok(contents)
    }
}
