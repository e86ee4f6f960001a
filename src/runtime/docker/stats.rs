//! A container's CPU and memory counters (the Docker stats API, one sample per call).

use bollard::query_parameters::StatsOptionsBuilder;
use futures::StreamExt;

use super::{message, not_found, DockerRuntime};
use crate::runtime::{ContainerStats, Result, RuntimeError};

impl DockerRuntime {
    pub(super) async fn stats(&self, name: &str) -> Result<Option<ContainerStats>> {
        // one-shot: the engine answers at once instead of waiting a second for a second sample;
        // the caller keeps the previous sample to turn counters into a CPU share.
        let options = StatsOptionsBuilder::new().stream(false).one_shot(true).build();
        let mut answers = self.docker.stats(name, Some(options));
        let s = match answers.next().await {
            Some(Ok(s)) => s,
            Some(Err(e)) if not_found(&e) => return Ok(None),
            Some(Err(e)) => return Err(RuntimeError::op("stats of container", name, message(e))),
            None => return Err(RuntimeError::op("stats of container", name, "the engine closed the answer")),
        };
        let (Some(cpu), Some(mem)) = (s.cpu_stats, s.memory_stats) else { return Ok(None) };
        let total = cpu.cpu_usage.and_then(|u| u.total_usage);
        let (Some(cpu_total_ns), Some(usage)) = (total, mem.usage) else {
            // A container that does not run has no counters.
            return Ok(None);
        };
        // As `docker stats` counts memory: the page cache the kernel can drop is not the
        // container's (cgroup v2 calls it inactive_file, v1 total_inactive_file).
        let inactive = mem
            .stats
            .as_ref()
            .and_then(|m| m.get("inactive_file").or_else(|| m.get("total_inactive_file")).copied())
            .unwrap_or(0);
        Ok(Some(ContainerStats {
            cpu_total_ns,
            system_cpu_ns: cpu.system_cpu_usage.unwrap_or(0),
            online_cpus: cpu.online_cpus.unwrap_or(1).max(1),
            memory_bytes: usage.saturating_sub(inactive),
            memory_limit_bytes: mem.limit.unwrap_or(0),
        }))
    }
}
