//! A dump folder as one `.tar.gz`, for a CI artifact or an issue attachment.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Writes `dir` as `<dir>.tar.gz` beside it (the folder at the archive's top, under its name).
pub fn tar_gz(dir: &Path) -> Result<PathBuf> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "lab-dump".into());
    let out = dir.with_file_name(format!("{name}.tar.gz"));
    let file = std::fs::File::create(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::default()));
    tar.append_dir_all(&name, dir).with_context(|| format!("cannot archive {}", dir.display()))?;
    tar.into_inner()?.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_is_at_the_top() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("dump");
        std::fs::create_dir_all(dir.join("nodes/genesis")).unwrap();
        std::fs::write(dir.join("nodes/genesis/nodeos.log"), "hello").unwrap();
        let out = tar_gz(&dir).unwrap();
        assert_eq!(out, d.path().join("dump.tar.gz"));
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(out).unwrap()));
        let names: Vec<String> =
            ar.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
        assert!(names.contains(&"dump/nodes/genesis/nodeos.log".to_string()), "{names:?}");
    }
}
