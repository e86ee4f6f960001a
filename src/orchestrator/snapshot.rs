//! A snapshot of a running node's chain at its head, taken in about a second whatever the size of
//! the schedule: what `lab snapshot` bundles and what a crashed node is restored from.
//!
//! Leap answers `producer/create_snapshot` only once the snapshot's block is irreversible: two
//! rounds later on a 4-producer chain (about 20 s), minutes on a 21-producer one. But it writes
//! the file at once, under a pending name, and renames it when the block is irreversible. The
//! pending file is taken as soon as its end marker shows it whole. Its block is not final yet; a
//! lab's producers follow one chain, and whoever starts from the file joins it or is told.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::chain::answers::Snapshot;
use crate::client::NodeClient;
use crate::plan::DATA_MOUNT;
use crate::runtime::Runtime;

/// Where nodeos writes snapshots (`<data-dir>/snapshots`).
const SNAPSHOTS: &str = "snapshots";
/// The name nodeos gives a snapshot written at the head, until its block is irreversible.
const PENDING_PREFIX: &str = ".pending-snapshot-";
/// What ends a snapshot file that nodeos finished writing (its writer's end marker).
const END_MARKER: [u8; 8] = [0xff; 8];
/// How long the file nodeos renames a pending snapshot to is looked for, to be removed.
const CLEANUP_SECS: u64 = 1800;

/// A node's chain at one block.
pub struct HeadSnapshot {
    pub bytes: Vec<u8>,
    pub block: u64,
}

/// A snapshot of `container`'s chain at its head (see the module's doc). Fails after `timeout`.
/// The node keeps no copy: snapshots are large, and the one taken lives on with the caller.
pub async fn snapshot_at_head(rt: &dyn Runtime, container: &str, timeout: Duration) -> Result<HeadSnapshot, String> {
    let dir = format!("{DATA_MOUNT}/{SNAPSHOTS}");
    let before = list(rt, container, &dir).await?;
    let client = NodeClient::new(rt, container);
    let body = json!({});
    let call = client.call_as::<Snapshot>("producer/create_snapshot", &body);
    let pending = async {
        let started = Instant::now();
        loop {
            if let Some(name) = new_pending(&before, &list(rt, container, &dir).await?) {
                let path = format!("{dir}/{name}");
                let bytes = rt.get_file(container, &path).await.map_err(|e| e.to_string())?;
                if complete(&bytes) {
                    let block = block_of(name.trim_start_matches(PENDING_PREFIX)).unwrap_or(0);
                    return Ok::<_, String>((HeadSnapshot { bytes, block }, name));
                }
            }
            if started.elapsed() > timeout {
                return Err(format!("no snapshot appeared in {container}:{dir} within {}s", timeout.as_secs()));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    futures::pin_mut!(call, pending);
    match futures::future::select(call, pending).await {
        futures::future::Either::Left((Ok(snap), _)) => {
            let bytes = rt.get_file(container, &snap.snapshot_name).await.map_err(|e| e.to_string())?;
            let rm = ["rm".to_string(), "-f".into(), snap.snapshot_name.clone()];
            let _ = rt.exec(container, &rm, None).await;
            Ok(HeadSnapshot { bytes, block: snap.head_block_num })
        }
        futures::future::Either::Left((Err(e), _)) => Err(e.to_string()),
        futures::future::Either::Right((Ok((snapshot, pending)), _)) => {
            // The request goes on inside the node, which renames the file once its block is
            // irreversible: a shell left in the container removes it then.
            let _ = rt.exec(container, &remove_when_renamed(&dir, &pending), None).await;
            Ok(snapshot)
        }
        futures::future::Either::Right((Err(e), _)) => Err(e),
    }
}

async fn list(rt: &dyn Runtime, container: &str, dir: &str) -> Result<Vec<String>, String> {
    let cmd = ["sh".to_string(), "-c".into(), format!("ls -A {dir} 2>/dev/null || true")];
    let out = rt.exec(container, &cmd, None).await.map_err(|e| e.to_string())?;
    Ok(out.stdout.lines().map(str::to_string).collect())
}

/// A command that returns at once and leaves a shell in the container that waits (at most
/// [`CLEANUP_SECS`]) for nodeos to rename the pending file `pending` of `dir`, then removes what
/// it was renamed to. Pure.
fn remove_when_renamed(dir: &str, pending: &str) -> [String; 3] {
    let done = pending.trim_start_matches('.').trim_start_matches("pending-");
    let script = format!(
        "(i=0; while [ -e '{dir}/{pending}' ] && [ $i -lt {CLEANUP_SECS} ]; do sleep 1; i=$((i+1)); done; \
         sleep 1; rm -f '{dir}/{done}') </dev/null >/dev/null 2>&1 &"
    );
    ["sh".into(), "-c".into(), script]
}

/// A pending snapshot in `after` that was not in `before`. Pure.
fn new_pending(before: &[String], after: &[String]) -> Option<String> {
    after.iter().find(|f| f.starts_with(PENDING_PREFIX) && f.ends_with(".bin") && !before.contains(f)).cloned()
}

/// Whether a snapshot file is whole: nodeos writes its end marker last. Pure.
fn complete(bytes: &[u8]) -> bool {
    bytes.len() > END_MARKER.len() && bytes.ends_with(&END_MARKER)
}

/// The block number in a block id (its first 4 bytes, big-endian), from `<id>.bin`. Pure.
fn block_of(file: &str) -> Option<u64> {
    u64::from_str_radix(file.get(..8)?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_snapshots_are_found_checked_whole_and_read_for_their_block() {
        let before = vec!["lab-start.bin".to_string()];
        let after = vec!["lab-start.bin".to_string(), ".pending-snapshot-00000432b3696e.bin".to_string()];
        assert_eq!(new_pending(&before, &after).as_deref(), Some(".pending-snapshot-00000432b3696e.bin"));
        assert_eq!(new_pending(&after, &after), None, "one that was there before is someone else's");
        assert_eq!(block_of("00000432b3696e.bin"), Some(1074));
        assert_eq!(block_of("xyz"), None);
        let mut file = vec![1, 2, 3];
        assert!(!complete(&file));
        file.extend([0xff; 8]);
        assert!(complete(&file));
    }

    #[test]
    fn the_renamed_snapshot_is_removed_in_the_background() {
        let [sh, c, script] = remove_when_renamed("/lab/data/snapshots", ".pending-snapshot-00000432.bin");
        assert_eq!((sh.as_str(), c.as_str()), ("sh", "-c"));
        assert!(script.contains("rm -f '/lab/data/snapshots/snapshot-00000432.bin'"), "{script}");
        assert!(script.contains("while [ -e '/lab/data/snapshots/.pending-snapshot-00000432.bin' ]"), "{script}");
        assert!(script.ends_with('&'), "the exec returns at once: {script}");
    }
}
