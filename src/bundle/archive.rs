//! A bundle on disk: a gzip'd tar of the manifest, the topology, the seed, the accounts file when
//! the topology names one, and the chain snapshot. Written 0600: the seed derives every key.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{Manifest, FORMAT_VERSION};

pub const MANIFEST: &str = "manifest.json";
pub const TOPOLOGY: &str = "topology.yaml";
pub const SEED: &str = "seed";
pub const SNAPSHOT: &str = "snapshot.bin";
/// The accounts file, when the topology uses one; the bundled topology points at it.
pub const ACCOUNTS: &str = "accounts.json";

/// A bundle's contents, in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    pub manifest: Manifest,
    /// The topology as YAML, pointing at [`ACCOUNTS`] if it uses an accounts file.
    pub topology: String,
    pub seed: String,
    pub accounts: Option<Vec<u8>>,
    pub snapshot: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot read {path}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a lab snapshot bundle (a .labsnap.tar.gz that `lab snapshot` writes): {detail}")]
    Foreign { path: PathBuf, detail: String },
    #[error("{path} is truncated or damaged: {detail}")]
    Damaged { path: PathBuf, detail: String },
    #[error("{path} is a bundle of format {found}; this lab reads format {FORMAT_VERSION}")]
    Format { path: PathBuf, found: u32 },
    #[error("{path} lacks {members}: not a complete lab snapshot bundle")]
    Missing { path: PathBuf, members: String },
    #[error("cannot write {path}")]
    Write { path: PathBuf, source: std::io::Error },
}

impl Bundle {
    /// Writes the bundle, readable by its owner only from the moment it exists; a partial file
    /// is removed.
    pub fn write(&self, path: &Path) -> Result<(), BundleError> {
        let err = |source| BundleError::Write { path: path.to_path_buf(), source };
        let result = (|| {
            use std::os::unix::fs::OpenOptionsExt;
            let file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
            let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
            let mut tar = tar::Builder::new(gz);
            let manifest = serde_json::to_vec_pretty(&self.manifest).map_err(std::io::Error::other)?;
            let mut members: Vec<(&str, &[u8])> = vec![
                (MANIFEST, &manifest),
                (TOPOLOGY, self.topology.as_bytes()),
                (SEED, self.seed.as_bytes()),
                (SNAPSHOT, &self.snapshot),
            ];
            if let Some(a) = &self.accounts {
                members.push((ACCOUNTS, a));
            }
            for (name, data) in members {
                let mut header = tar::Header::new_gnu();
                header.set_size(data.len() as u64);
                header.set_mode(0o600);
                header.set_mtime(0);
                tar.append_data(&mut header, name, data)?;
            }
            tar.into_inner()?.finish()?.sync_all()
        })();
        if let Err(e) = result {
            // Only a file this call created is removed: `create_new` refused an existing one.
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                let _ = std::fs::remove_file(path);
            }
            return Err(err(e));
        }
        Ok(())
    }

    /// Reads and checks a bundle: gzip, tar, every member, the format and the snapshot's digest.
    pub fn read(path: &Path) -> Result<Bundle, BundleError> {
        let p = || path.to_path_buf();
        let file = std::fs::File::open(path).map_err(|source| BundleError::Unreadable { path: p(), source })?;
        let mut magic = [0u8; 2];
        let n = (&file).take(2).read(&mut magic).map_err(|source| BundleError::Unreadable { path: p(), source })?;
        if n < 2 || magic != [0x1f, 0x8b] {
            return Err(BundleError::Foreign { path: p(), detail: "it is not gzip-compressed".into() });
        }
        let file = std::fs::File::open(path).map_err(|source| BundleError::Unreadable { path: p(), source })?;
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let damaged = |e: std::io::Error| BundleError::Damaged { path: p(), detail: e.to_string() };
        let mut members = std::collections::BTreeMap::new();
        for entry in tar.entries().map_err(damaged)? {
            let mut entry = entry.map_err(damaged)?;
            let name = entry.path().map_err(damaged)?.to_string_lossy().into_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).map_err(damaged)?;
            members.insert(name, data);
        }
        // tar stops at its end blocks; reading the gzip stream to its end checks its trailer
        // (CRC and length), which a file cut short in its last bytes lacks.
        std::io::copy(&mut tar.into_inner(), &mut std::io::sink()).map_err(damaged)?;
        // A tar ends with two zero blocks; a cut-off gzip stream shows as an early end above, a
        // stream cut at a block boundary as a tar without its members.
        let missing: Vec<&str> =
            [MANIFEST, TOPOLOGY, SEED, SNAPSHOT].into_iter().filter(|m| !members.contains_key(*m)).collect();
        if members.is_empty() || !members.contains_key(MANIFEST) {
            return Err(BundleError::Foreign { path: p(), detail: format!("it has no {MANIFEST}") });
        }
        let manifest: Manifest = {
            #[derive(serde::Deserialize)]
            struct Format {
                format: u32,
            }
            let format: Format = serde_json::from_slice(&members[MANIFEST])
                .map_err(|e| BundleError::Foreign { path: p(), detail: format!("{MANIFEST}: {e}") })?;
            if format.format != FORMAT_VERSION {
                return Err(BundleError::Format { path: p(), found: format.format });
            }
            serde_json::from_slice(&members[MANIFEST])
                .map_err(|e| BundleError::Foreign { path: p(), detail: format!("{MANIFEST}: {e}") })?
        };
        if !missing.is_empty() {
            return Err(BundleError::Missing { path: p(), members: missing.join(", ") });
        }
        let text = |name: &str, members: &mut std::collections::BTreeMap<String, Vec<u8>>| {
            String::from_utf8(members.remove(name).unwrap_or_default())
                .map_err(|_| BundleError::Damaged { path: p(), detail: format!("{name} is not text") })
        };
        let topology = text(TOPOLOGY, &mut members)?;
        let seed = text(SEED, &mut members)?.trim().to_string();
        let snapshot = members.remove(SNAPSHOT).unwrap_or_default();
        let digest = hex(&Sha256::digest(&snapshot));
        if digest != manifest.snapshot_sha256 {
            return Err(BundleError::Damaged {
                path: p(),
                detail: format!("{SNAPSHOT} has sha256 {digest}, the manifest says {}", manifest.snapshot_sha256),
            });
        }
        Ok(Bundle { manifest, topology, seed, accounts: members.remove(ACCOUNTS), snapshot })
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn bundle() -> Bundle {
        let snapshot = b"a chain snapshot".repeat(1000);
        Bundle {
            manifest: Manifest {
                format: FORMAT_VERSION,
                lab: "ci".into(),
                node: "genesis".into(),
                chain_id: "cf05".into(),
                head_block: 120,
                server_version: "v4.1.0-dev".into(),
                image: "antelope-lab/nodeos:x".into(),
                created: "2026-01-01T00:00:00Z".into(),
                snapshot_sha256: hex(&Sha256::digest(&snapshot)),
            },
            topology: "name: ci\n".into(),
            seed: "s33d".into(),
            accounts: Some(b"{}".to_vec()),
            snapshot,
        }
    }

    #[test]
    fn a_bundle_reads_back_as_written_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.labsnap.tar.gz");
        bundle().write(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(Bundle::read(&path).unwrap(), bundle());
        // An existing file is not overwritten (nor removed).
        assert!(matches!(bundle().write(&path), Err(BundleError::Write { .. })));
        assert!(path.exists());
    }

    #[test]
    fn missing_truncated_and_foreign_files_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.tar.gz");
        let Err(e) = Bundle::read(&path) else { panic!("a missing file was read") };
        assert!(matches!(e, BundleError::Unreadable { .. }) && e.to_string().contains("b.tar.gz"), "{e}");

        bundle().write(&path).unwrap();
        let full = std::fs::read(&path).unwrap();
        for cut in [full.len() / 2, full.len() - 10, 20] {
            let cut_path = dir.path().join(format!("cut{cut}"));
            std::fs::write(&cut_path, &full[..cut]).unwrap();
            match Bundle::read(&cut_path) {
                Err(e) => assert!(matches!(e, BundleError::Damaged { .. }), "cut at {cut}: {e}"),
                Ok(_) => panic!("a bundle cut at {cut} of {} bytes was read", full.len()),
            }
        }

        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello").unwrap();
        let e = Bundle::read(&text).unwrap_err();
        assert!(e.to_string().contains("not a lab snapshot bundle"), "{e}");
    }

    #[test]
    fn a_foreign_tar_gz_a_newer_format_and_missing_members_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, members: &[(&str, &[u8])]| {
            let path = dir.path().join(name);
            let gz = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), Default::default());
            let mut tar = tar::Builder::new(gz);
            for (n, d) in members {
                let mut h = tar::Header::new_gnu();
                h.set_size(d.len() as u64);
                tar.append_data(&mut h, n, *d).unwrap();
            }
            tar.into_inner().unwrap().finish().unwrap();
            path
        };
        let e = Bundle::read(&write("other.tar.gz", &[("README", b"hi")])).unwrap_err();
        assert!(matches!(e, BundleError::Foreign { .. }), "{e}");

        let mut newer = serde_json::to_value(bundle().manifest).unwrap();
        newer["format"] = 2.into();
        let newer = serde_json::to_vec(&newer).unwrap();
        let e = Bundle::read(&write("newer.tar.gz", &[(MANIFEST, &newer)])).unwrap_err();
        assert!(e.to_string().contains("format 2; this lab reads format 1"), "{e}");

        let manifest = serde_json::to_vec(&bundle().manifest).unwrap();
        let e = Bundle::read(&write("partial.tar.gz", &[(MANIFEST, &manifest), (SEED, b"x")])).unwrap_err();
        assert!(e.to_string().contains("lacks topology.yaml, snapshot.bin"), "{e}");
    }

    #[test]
    fn a_snapshot_that_does_not_match_its_digest_is_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b");
        let mut b = bundle();
        b.snapshot.pop();
        b.write(&path).unwrap();
        assert!(matches!(Bundle::read(&path), Err(BundleError::Damaged { .. })));
    }
}
