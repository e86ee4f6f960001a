//! The folder recipe: an image made from binaries and contracts the user provides, laid onto a
//! Debian base by `images/files/Dockerfile` (compiled in). The folder's layout:
//!
//! ```text
//! bin/nodeos, bin/cleos, bin/keosd        required; bin/spring-util optional
//! contracts/<name>/<name>.wasm and .abi   required for eosio.bios, eosio.token, eosio.msig,
//!                                         eosio.system, eosio.wrap; eosio.boot optional
//! lib/                                    optional: shared libraries, to /usr/local/lib
//! opt/                                    optional: anything else, to /opt
//! packages                                optional: Debian packages to install, one a line
//! ```
//!
//! The image's tag carries a hash of the folder's content, so a changed folder is built anew.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The recipe laid over the folder.
pub const DOCKERFILE: &str = include_str!("../../images/files/Dockerfile");

/// The binaries an image must have on its PATH.
pub const REQUIRED_BINARIES: &[&str] = &["nodeos", "cleos", "keosd"];

/// The contracts the boot deploys, each as `<name>/<name>.wasm` and `.abi`.
pub const REQUIRED_CONTRACTS: &[&str] = &["eosio.bios", "eosio.token", "eosio.msig", "eosio.system", "eosio.wrap"];

/// Folders and files of the layout that may be missing; the context holds them empty then.
const OPTIONAL_DIRS: &[&str] = &["lib", "opt"];
const PACKAGES: &str = "packages";
/// What an optional folder the user did not provide holds in the context.
const EMPTY_MARK: &str = ".antelope-lab-empty";

/// What the folder lacks of the layout, each naming its file; empty when it is complete.
pub fn missing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return vec![format!("{} is not a folder", dir.display())];
    }
    for b in REQUIRED_BINARIES {
        let p = dir.join("bin").join(b);
        match std::fs::metadata(&p) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => {}
            Ok(m) if m.is_file() => out.push(format!("bin/{b} is not executable")),
            _ => out.push(format!("bin/{b} is missing")),
        }
    }
    for c in REQUIRED_CONTRACTS {
        for ext in ["wasm", "abi"] {
            let rel = format!("contracts/{c}/{c}.{ext}");
            if !dir.join(&rel).is_file() {
                out.push(format!("{rel} is missing"));
            }
        }
    }
    out
}

/// A hash of every file under `dir`: its path, whether it is executable, and its bytes. Symbolic
/// links are followed, as the build context follows them.
pub fn content_hash(dir: &Path) -> io::Result<String> {
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    let mut h = Sha256::new();
    for rel in &files {
        let path = dir.join(rel);
        let exec = std::fs::metadata(&path)?.permissions().mode() & 0o111 != 0;
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0, exec as u8]);
        let mut f = std::fs::File::open(&path)?;
        io::copy(&mut f, &mut h)?;
        h.update([0]);
    }
    h.update(DOCKERFILE.as_bytes());
    Ok(h.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect())
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let meta = std::fs::metadata(&path)?;
        if meta.is_dir() {
            walk(root, &path, out)?;
        } else {
            out.push(path.strip_prefix(root).map_err(io::Error::other)?.to_path_buf());
        }
    }
    Ok(())
}

/// The build context: the recipe's Dockerfile, the folder, and empty stand-ins for the optional
/// parts it does not have (the recipe copies them all).
pub fn context(dir: &Path) -> io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(true);
    b.append_dir_all(".", dir)?;
    let header = |size: usize, mode: u32, kind: tar::EntryType| {
        let mut h = tar::Header::new_gnu();
        h.set_size(size as u64);
        h.set_mode(mode);
        h.set_entry_type(kind);
        h.set_mtime(0);
        h.set_cksum();
        h
    };
    b.append_data(&mut header(DOCKERFILE.len(), 0o644, tar::EntryType::Regular), "Dockerfile", DOCKERFILE.as_bytes())?;
    for d in OPTIONAL_DIRS {
        if !dir.join(d).is_dir() {
            // A file, not an empty folder: the classic builder of Docker 20.10 fails to export an
            // image where a COPY of an empty folder follows another COPY ("layer does not exist").
            b.append_data(&mut header(0, 0o644, tar::EntryType::Regular), format!("{d}/{EMPTY_MARK}"), io::empty())?;
        }
    }
    if !dir.join(PACKAGES).is_file() {
        b.append_data(&mut header(0, 0o644, tar::EntryType::Regular), PACKAGES, io::empty())?;
    }
    b.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("bin")).unwrap();
        for b in REQUIRED_BINARIES {
            let p = d.path().join("bin").join(b);
            std::fs::write(&p, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        for c in REQUIRED_CONTRACTS {
            std::fs::create_dir_all(d.path().join("contracts").join(c)).unwrap();
            for ext in ["wasm", "abi"] {
                std::fs::write(d.path().join(format!("contracts/{c}/{c}.{ext}")), c).unwrap();
            }
        }
        d
    }

    #[test]
    fn a_complete_folder_lacks_nothing_and_a_missing_file_is_named() {
        let d = folder();
        assert!(missing(d.path()).is_empty());
        std::fs::remove_file(d.path().join("contracts/eosio.system/eosio.system.abi")).unwrap();
        std::fs::set_permissions(d.path().join("bin/cleos"), std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::remove_file(d.path().join("bin/keosd")).unwrap();
        assert_eq!(
            missing(d.path()),
            [
                "bin/cleos is not executable",
                "bin/keosd is missing",
                "contracts/eosio.system/eosio.system.abi is missing"
            ]
        );
        assert_eq!(missing(&d.path().join("nope")).len(), 1);
    }

    #[test]
    fn the_hash_follows_the_content() {
        let d = folder();
        let a = content_hash(d.path()).unwrap();
        assert_eq!(a, content_hash(d.path()).unwrap());
        std::fs::write(d.path().join("contracts/eosio.boot.txt"), "x").unwrap();
        let b = content_hash(d.path()).unwrap();
        assert_ne!(a, b, "a new file");
        std::fs::write(d.path().join("bin/nodeos"), "#!/bin/sh\necho 2\n").unwrap();
        assert_ne!(b, content_hash(d.path()).unwrap(), "a changed file");
    }

    #[test]
    fn the_context_holds_the_recipe_the_folder_and_empty_optional_parts() {
        let d = folder();
        let tar_bytes = context(d.path()).unwrap();
        let mut archive = tar::Archive::new(&tar_bytes[..]);
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string().trim_end_matches('/').to_string())
            .collect();
        for n in [
            "Dockerfile",
            "bin/nodeos",
            "contracts/eosio.system/eosio.system.wasm",
            "lib/.antelope-lab-empty",
            "packages",
        ] {
            assert!(names.iter().any(|x| x == n || x == &format!("./{n}")), "{n} in {names:?}");
        }
        for needle in ["ARG BASE_IMAGE", "COPY contracts/ /opt/antelope/contracts/", "curl", "cleos version client"] {
            assert!(DOCKERFILE.contains(needle), "{needle}");
        }
    }
}
