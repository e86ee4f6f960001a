//! The nodeos image: the recipes built into `lab` (the default one, and [`files`] for a folder of
//! binaries and contracts), and the build context handed to the engine.

use std::path::Path;

use sha2::{Digest, Sha256};

/// The base the default recipe builds FROM. On machines without a registry,
/// `images/base/make-debian-base.sh` makes it from Debian's packages.
pub const DEFAULT_BASE: &str = "debian:bookworm-slim";

pub(crate) mod files;
pub(crate) mod release;

/// The default recipe, `images/nodeos/`, compiled in so that `lab` works outside its repository.
pub const RECIPE_FILES: &[(&str, &str)] = &[
    ("Dockerfile", include_str!("../../images/nodeos/Dockerfile")),
    ("antelope-tool", include_str!("../../images/nodeos/antelope-tool")),
];

/// The recipe's content hash over the files and the base: a changed recipe gets a new tag, so an
/// old image is never mistaken for the current one.
pub fn recipe_hash(base: &str) -> String {
    let mut h = Sha256::new();
    for (name, text) in RECIPE_FILES {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    h.update(base.as_bytes());
    h.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect()
}

pub fn recipe_tag(base: &str) -> String {
    format!("antelope-lab/nodeos:leap-4.1-{}", recipe_hash(base))
}

/// A build context (an uncompressed tar) of the default recipe, with the extra CA certificates
/// (empty when none) as `extra-ca.crt`.
pub fn recipe_context(extra_ca: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, text) in RECIPE_FILES {
        append(&mut b, name, text.as_bytes(), 0o755)?;
    }
    append(&mut b, "extra-ca.crt", extra_ca, 0o644)?;
    b.into_inner()
}

/// The network tools recipe, `images/nettools/`: iptables and iproute2 for the helpers that cut
/// and slow a node's network from beside it.
pub const NETTOOLS_FILES: &[(&str, &str)] = &[("Dockerfile", include_str!("../../images/nettools/Dockerfile"))];

/// The tools image's tag, by the content hash of its recipe and base.
pub fn nettools_tag(base: &str) -> String {
    let mut h = Sha256::new();
    for (name, text) in NETTOOLS_FILES {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    h.update(base.as_bytes());
    let hash: String = h.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("antelope-lab/nettools:{hash}")
}

/// The build context of the tools recipe.
pub fn nettools_context() -> std::io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, text) in NETTOOLS_FILES {
        append(&mut b, name, text.as_bytes(), 0o644)?;
    }
    b.into_inner()
}

/// A build context of a user's folder; `extra-ca.crt` is added when a CA file is given.
pub fn dir_context(dir: &Path, extra_ca: Option<&[u8]>) -> std::io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(true);
    b.append_dir_all(".", dir)?;
    if let Some(ca) = extra_ca {
        append(&mut b, "extra-ca.crt", ca, 0o644)?;
    }
    b.into_inner()
}

fn append(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8], mode: u32) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(mode);
    header.set_mtime(0);
    header.set_cksum();
    b.append_data(&mut header, name, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_follows_the_recipe_and_base() {
        assert_eq!(recipe_tag(DEFAULT_BASE), recipe_tag(DEFAULT_BASE));
        assert_ne!(recipe_tag(DEFAULT_BASE), recipe_tag("debian:bookworm"));
        assert!(recipe_tag(DEFAULT_BASE).starts_with("antelope-lab/nodeos:leap-4.1-"));
    }

    #[test]
    fn the_tools_image_is_tagged_by_its_recipe_and_base_and_installs_iptables_and_tc() {
        assert!(nettools_tag(DEFAULT_BASE).starts_with("antelope-lab/nettools:"));
        assert_ne!(nettools_tag(DEFAULT_BASE), nettools_tag("debian:bookworm"));
        let dockerfile = NETTOOLS_FILES[0].1;
        for needle in ["ARG BASE_IMAGE", "FROM ${BASE_IMAGE}", "iptables", "iproute2"] {
            assert!(dockerfile.contains(needle), "{needle}");
        }
        let tar_bytes = nettools_context().unwrap();
        let mut archive = tar::Archive::new(&tar_bytes[..]);
        assert_eq!(archive.entries().unwrap().count(), 1);
    }

    #[test]
    fn the_context_holds_the_recipe_and_the_ca() {
        let tar_bytes = recipe_context(b"PEM").unwrap();
        let mut archive = tar::Archive::new(&tar_bytes[..]);
        let names: Vec<String> =
            archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
        assert_eq!(names, ["Dockerfile", "antelope-tool", "extra-ca.crt"]);
    }

    #[test]
    fn the_recipe_meets_the_image_contract() {
        let dockerfile = RECIPE_FILES[0].1;
        for needle in ["ARG BASE_IMAGE", "COPY extra-ca.crt", "/opt/antelope/contracts", "curl"] {
            assert!(dockerfile.contains(needle), "{needle}");
        }
        assert!(!dockerfile.contains("--mount"), "the classic builder has no RUN --mount");
    }
}
