//! The release recipe: Spring from its official Debian package, `image: {spring: VERSION}`.
//!
//! The package comes from the release page of AntelopeIO/spring, or from a mirror the user names
//! (`image.mirror`, a folder laid out as the release page is: `v<version>/<package>`), and is
//! checked against `image.sha256` when one is given; the build (`images/spring/Dockerfile`,
//! compiled in) downloads and installs it with its dependencies from the base's package mirror.
//! The package carries no system contracts, so they come from a folder (`image.contracts`, laid
//! out as `contracts/` of a `files:` folder).
//!
//! The tag carries a hash of the recipe, the package's address and digest, the contracts and the
//! base, so a changed one is built anew and the same one is built once for every lab.

use std::path::Path;

use sha2::{Digest, Sha256};

/// The recipe.
pub const DOCKERFILE: &str = include_str!("../../images/spring/Dockerfile");

/// Where Spring's releases are, each under `v<version>/`.
pub const RELEASES: &str = "https://github.com/AntelopeIO/spring/releases/download";

/// The package of a version, as the release page names it (one package for every distribution:
/// the release is built on an old Debian, so it installs on newer ones).
pub fn package_name(version: &str) -> String {
    format!("antelope-spring_{version}_amd64.deb")
}

/// The package's address: under the mirror when one is given, else on the release page.
pub fn package_url(mirror: Option<&str>, version: &str) -> String {
    let base = mirror.unwrap_or(RELEASES).trim_end_matches('/');
    format!("{base}/v{version}/{}", package_name(version))
}

/// Whether `version` reads as a release: `1.2.2`, `1.1.0-rc1`.
pub fn check_version(version: &str) -> Result<(), String> {
    let (numbers, suffix) = match version.split_once('-') {
        Some((n, s)) => (n, Some(s)),
        None => (version, None),
    };
    let parts: Vec<&str> = numbers.split('.').collect();
    let numeric = parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let suffix_ok = suffix.is_none_or(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'));
    if numeric && suffix_ok {
        Ok(())
    } else {
        Err(format!("{version:?} is not a release version (as `1.2.2` or `1.1.0-rc1`, without the `v`)"))
    }
}

/// Whether `digest` is a sha256 as `sha256sum` prints it (64 hex digits).
pub fn check_sha256(digest: &str) -> Result<(), String> {
    if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(format!("{digest:?} is not a sha256 (64 lowercase hex digits, as sha256sum prints it)"))
    }
}

/// Whether `mirror` is an http(s) address.
pub fn check_mirror(mirror: &str) -> Result<(), String> {
    let rest = mirror.strip_prefix("https://").or_else(|| mirror.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !mirror.contains(char::is_whitespace) => Ok(()),
        _ => Err(format!("{mirror:?} is not an http:// or https:// address")),
    }
}

/// Whether the package's address is on this machine's loopback, which a build reaches only from
/// the host's network.
pub fn on_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split('/').next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.split(':').next().unwrap_or(host),
    };
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What the contracts folder lacks, each naming its file; empty when it is complete.
pub fn missing_contracts(dir: &Path) -> Vec<String> {
    if !dir.is_dir() {
        return vec![format!("{} is not a folder", dir.display())];
    }
    let mut out = Vec::new();
    for c in super::files::REQUIRED_CONTRACTS {
        for ext in ["wasm", "abi"] {
            let rel = format!("{c}/{c}.{ext}");
            if !dir.join(&rel).is_file() {
                out.push(format!("{rel} is missing"));
            }
        }
    }
    out
}

/// The tag's hash: the recipe, the package's address and digest, the contracts' content hash.
pub fn hash(url: &str, sha256: Option<&str>, contracts_hash: &str) -> String {
    let mut h = Sha256::new();
    for part in [DOCKERFILE, url, sha256.unwrap_or_default(), contracts_hash] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// The tag of a version's image; `hash` is [`hash`]'s.
pub fn tag(version: &str, hash: &str, base: &str) -> String {
    let mut h = Sha256::new();
    h.update(hash.as_bytes());
    h.update([0]);
    h.update(base.as_bytes());
    let with_base: String = h.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("antelope-lab/spring:{version}-{with_base}")
}

/// The build context: the recipe, the contracts under `contracts/`, the extra CA certificates
/// (empty when none) as `extra-ca.crt`.
pub fn context(contracts: &Path, extra_ca: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(true);
    super::append(&mut b, "Dockerfile", DOCKERFILE.as_bytes(), 0o644)?;
    super::append(&mut b, "extra-ca.crt", extra_ca, 0o644)?;
    b.append_dir_all("contracts", contracts)?;
    b.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_is_where_the_release_page_puts_it_or_under_the_mirror() {
        assert_eq!(
            package_url(None, "1.2.2"),
            "https://github.com/AntelopeIO/spring/releases/download/v1.2.2/antelope-spring_1.2.2_amd64.deb"
        );
        assert_eq!(
            package_url(Some("http://127.0.0.1:8080/spring/"), "1.1.0-rc1"),
            "http://127.0.0.1:8080/spring/v1.1.0-rc1/antelope-spring_1.1.0-rc1_amd64.deb"
        );
    }

    #[test]
    fn versions_digests_and_mirrors_are_checked() {
        for good in ["1.2.2", "1.1.0-rc1", "10.0.12"] {
            assert_eq!(check_version(good), Ok(()), "{good}");
        }
        for bad in ["v1.2.2", "1.2", "1.2.x", "", "1.2.2-", "1.2.2 "] {
            assert!(check_version(bad).is_err(), "{bad}");
        }
        assert_eq!(check_sha256(&"a".repeat(64)), Ok(()));
        assert!(check_sha256(&"A".repeat(64)).is_err());
        assert!(check_sha256("abc").is_err());
        assert_eq!(check_mirror("https://mirror.example/spring"), Ok(()));
        assert_eq!(check_mirror("http://127.0.0.1:9/"), Ok(()));
        for bad in ["ftp://x", "mirror.example", "https://", "http:///x"] {
            assert!(check_mirror(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_loopback_mirror_is_recognised() {
        for url in ["http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]:80/x", "http://u@127.0.0.2/"] {
            assert!(on_loopback(url), "{url}");
        }
        for url in ["https://github.com/x", "http://10.0.0.1/x", "http://127.example/x"] {
            assert!(!on_loopback(url), "{url}");
        }
    }

    #[test]
    fn the_tag_follows_the_package_the_contracts_and_the_base() {
        let a = hash("http://x/a.deb", None, "c1");
        assert_ne!(a, hash("http://x/a.deb", Some(&"0".repeat(64)), "c1"));
        assert_ne!(a, hash("http://y/a.deb", None, "c1"));
        assert_ne!(a, hash("http://x/a.deb", None, "c2"));
        assert_ne!(tag("1.2.2", &a, "debian:bookworm-slim"), tag("1.2.2", &a, "debian:bookworm"));
        assert!(tag("1.2.2", &a, "b").starts_with("antelope-lab/spring:1.2.2-"));
    }

    #[test]
    fn the_context_holds_the_recipe_the_ca_and_the_contracts() {
        let d = tempfile::tempdir().unwrap();
        for c in super::super::files::REQUIRED_CONTRACTS {
            std::fs::create_dir_all(d.path().join(c)).unwrap();
            for ext in ["wasm", "abi"] {
                std::fs::write(d.path().join(format!("{c}/{c}.{ext}")), c).unwrap();
            }
        }
        assert!(missing_contracts(d.path()).is_empty());
        std::fs::remove_file(d.path().join("eosio.wrap/eosio.wrap.abi")).unwrap();
        assert_eq!(missing_contracts(d.path()), ["eosio.wrap/eosio.wrap.abi is missing"]);
        let bytes = context(d.path(), b"PEM").unwrap();
        let mut archive = tar::Archive::new(&bytes[..]);
        let names: Vec<String> =
            archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
        assert_eq!(&names[..2], ["Dockerfile", "extra-ca.crt"]);
        assert!(names.contains(&"contracts/eosio.system/eosio.system.wasm".to_string()), "{names:?}");
        for needle in ["ARG BASE_IMAGE", "ARG SPRING_URL", "ARG SPRING_SHA256", "/opt/antelope/contracts", "curl"] {
            assert!(DOCKERFILE.contains(needle), "{needle}");
        }
        assert!(!DOCKERFILE.contains("--mount"), "the classic builder has no RUN --mount");
    }
}
