//! Commands in a running container: stdin written, stdout and stderr read, and the exit code
//! asked of the engine (the output ending says nothing of success).

use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{message, DockerRuntime};
use crate::runtime::{ExecOutput, Result, RuntimeError};

impl DockerRuntime {
    pub(super) async fn run_exec(&self, container: &str, cmd: &[String], stdin: Option<Vec<u8>>) -> Result<ExecOutput> {
        let options = CreateExecOptions {
            attach_stdin: Some(stdin.is_some()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            cmd: Some(cmd.to_vec()),
            ..Default::default()
        };
        let what = || format!("{container}: {}", cmd.join(" "));
        let started = std::time::Instant::now();
        let created = self
            .docker
            .create_exec(container, options)
            .await
            .map_err(|e| RuntimeError::op("exec in", what(), message(e)))?;
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        match self
            .docker
            .start_exec(&created.id, None)
            .await
            .map_err(|e| RuntimeError::op("exec in", what(), message(e)))?
        {
            StartExecResults::Attached { mut output, mut input } => {
                if let Some(data) = stdin {
                    input.write_all(&data).await.map_err(|e| RuntimeError::op("write stdin of", what(), e))?;
                    input.shutdown().await.map_err(|e| RuntimeError::op("close stdin of", what(), e))?;
                }
                drop(input);
                while let Some(chunk) = output.next().await {
                    match chunk.map_err(|e| RuntimeError::op("read output of", what(), message(e)))? {
                        LogOutput::StdOut { message } | LogOutput::Console { message } => {
                            stdout.extend_from_slice(&message)
                        }
                        LogOutput::StdErr { message } => stderr.extend_from_slice(&message),
                        LogOutput::StdIn { .. } => {}
                    }
                }
            }
            StartExecResults::Detached => {}
        }
        // The output stream ending says nothing of success: only the exit code does.
        let inspect = self
            .docker
            .inspect_exec(&created.id)
            .await
            .map_err(|e| RuntimeError::op("inspect exec in", what(), message(e)))?;
        tracing::debug!(
            container,
            cmd = %cmd.iter().map(|c| c.chars().take(60).collect::<String>()).collect::<Vec<_>>().join(" "),
            code = inspect.exit_code.unwrap_or(-1),
            ms = started.elapsed().as_millis() as u64,
            "exec"
        );
        Ok(ExecOutput {
            code: inspect.exit_code.unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }
}
