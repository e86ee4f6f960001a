//! Images over the Docker Engine API: building one from a context, pulling one, each reporting its
//! progress line by line.

use std::collections::BTreeMap;

use bollard::errors::Error as BollardError;
use bollard::query_parameters::{BuildImageOptionsBuilder, CreateImageOptionsBuilder};
use futures::StreamExt;

use super::{message, DockerRuntime};
use crate::runtime::{ProgressFn, Result, RuntimeError};

impl DockerRuntime {
    /// What [`Runtime::build_image`](crate::runtime::Runtime::build_image) does here: a failed step
    /// comes with the build's last lines, which say which step it was.
    pub(super) async fn build(
        &self,
        tag: &str,
        context: Vec<u8>,
        build_args: BTreeMap<String, String>,
        labels: BTreeMap<String, String>,
        host_network: bool,
        progress: ProgressFn<'_>,
    ) -> Result<()> {
        let mut options = BuildImageOptionsBuilder::new()
            .dockerfile("Dockerfile")
            .t(tag)
            .rm(true)
            .forcerm(true)
            .buildargs(&build_args.into_iter().collect())
            .labels(&labels.into_iter().collect());
        if host_network {
            options = options.networkmode("host");
        }
        let options = options.build();
        let mut stream = self.docker.build_image(options, None, Some(bollard::body_full(context.into())));
        let mut last_lines: Vec<String> = Vec::new();
        while let Some(item) = stream.next().await {
            let info = match item {
                Ok(info) => info,
                // A failed build step arrives in the stream; the lines before it say which step.
                Err(BollardError::DockerStreamError { error }) => {
                    let context = last_lines.join("\n");
                    return Err(RuntimeError::Build { tag: tag.into(), message: format!("{error}\n{context}") });
                }
                Err(e) => return Err(RuntimeError::Build { tag: tag.into(), message: message(e) }),
            };
            if let Some(line) = info.stream {
                for l in line.lines().filter(|l| !l.trim().is_empty()) {
                    progress(l.trim());
                    last_lines.push(l.to_string());
                    if last_lines.len() > 20 {
                        last_lines.remove(0);
                    }
                }
            }
        }
        Ok(())
    }

    /// What [`Runtime::pull_image`](crate::runtime::Runtime::pull_image) does here, the progress
    /// of each layer in megabytes.
    pub(super) async fn pull(&self, reference: &str, progress: ProgressFn<'_>) -> Result<()> {
        let options = CreateImageOptionsBuilder::new().from_image(reference).build();
        let mut stream = self.docker.create_image(Some(options), None, None);
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| RuntimeError::Pull { reference: reference.into(), message: message(e) })?;
            let bytes = info.progress_detail.and_then(|p| match (p.current, p.total) {
                (Some(current), Some(total)) if total > 0 => {
                    Some(format!("{:.1}/{:.1} MB", current as f64 / 1e6, total as f64 / 1e6))
                }
                _ => None,
            });
            let line = [info.id, info.status, bytes].into_iter().flatten().collect::<Vec<_>>().join(" ");
            if !line.is_empty() {
                progress(&line);
            }
        }
        Ok(())
    }
}
