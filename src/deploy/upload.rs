//! Host files copied into the genesis container, where cleos reads them. Copied through the
//! engine (a tar upload), not mounted: that works on any engine, a remote one included, and the
//! user's folders are never bind-mounted into a container.

use crate::plan::DATA_MOUNT;
use crate::runtime::{FileEntry, Runtime, RuntimeError};

use super::input::sha256_hex;

/// Where uploads go: a plain folder on the node's volume. Some paths of the image are links
/// cleos cannot make canonical; this one is a real folder.
pub const UPLOADS: &str = "uploads";

/// A file to upload: the name it keeps and its bytes.
pub struct Upload<'a> {
    pub name: String,
    pub contents: &'a [u8],
}

/// Copies `files` into one folder of the container, named by their contents (the same files go
/// to the same folder); returns the folder's absolute path.
pub async fn upload(rt: &dyn Runtime, container: &str, files: &[Upload<'_>]) -> Result<String, RuntimeError> {
    let mut all = Vec::new();
    for f in files {
        all.extend_from_slice(f.name.as_bytes());
        all.push(0);
        all.extend_from_slice(f.contents);
    }
    let dir = format!("{DATA_MOUNT}/{UPLOADS}/{}", &sha256_hex(&all)[..16]);
    let entries: Vec<FileEntry> =
        files.iter().map(|f| FileEntry { name: f.name.clone(), contents: f.contents.to_vec(), mode: 0o644 }).collect();
    rt.exec(container, &["mkdir".to_string(), "-p".to_string(), dir.clone()], None).await?;
    rt.put_files(container, &dir, &entries).await?;
    Ok(dir)
}

/// Removes an upload folder once cleos has read it.
pub async fn remove(rt: &dyn Runtime, container: &str, dir: &str) {
    let _ = rt.exec(container, &["rm".to_string(), "-rf".to_string(), dir.to_string()], None).await;
}
