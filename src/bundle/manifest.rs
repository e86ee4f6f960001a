//! The bundle's manifest: what made it, from which chain, and whether an image can read it.

use serde::{Deserialize, Serialize};

/// The bundle layout this `lab` writes and reads. Raised when a member changes meaning.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] of the `lab` that wrote it.
    pub format: u32,
    /// The lab the snapshot was taken in.
    pub lab: String,
    /// The node whose chain state it holds.
    pub node: String,
    pub chain_id: String,
    pub head_block: u64,
    /// nodeos's `server_version_string` on that node (`v4.1.0-dev`): a nodeos older than this
    /// may not read the snapshot.
    pub server_version: String,
    /// The image the lab ran.
    pub image: String,
    /// RFC 3339, UTC.
    pub created: String,
    /// sha256 of the snapshot member, so a damaged bundle is refused before a node chokes on it.
    pub snapshot_sha256: String,
}

/// `(major, minor)` of a nodeos version string: `v4.1.0-dev` → `(4, 1)`. `None` when the text
/// holds no version.
pub fn major_minor(version: &str) -> Option<(u32, u32)> {
    let start = version.find(|c: char| c.is_ascii_digit())?;
    let mut parts = version[start..].split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// Where a major version stands in nodeos' one line of releases: Leap 3, 4 and 5, then Spring,
/// whose numbers start again at 1 (Spring 1.0 followed Leap 5.0). Majors below 3 are Spring's: the
/// EOSIO 1 and 2 releases before Leap are no lab image.
fn generation(major: u32) -> u32 {
    if major >= 3 {
        major
    } else {
        5 + major
    }
}

/// Whether a nodeos of version `image` can read a snapshot written by a nodeos of version
/// `bundle`. Snapshots are read by the same and later majors (Leap and Spring read the formats of
/// earlier releases: Spring 1.2 reads a Leap 4.1 snapshot), never by an earlier one: its snapshot
/// format is newer than that nodeos knows. Pure; the error is the message to show.
pub fn check_readable(bundle: &str, image: &str, image_ref: &str) -> Result<(), String> {
    let (Some(b), Some(i)) = (major_minor(bundle), major_minor(image)) else {
        return Err(format!(
            "cannot compare nodeos versions: the bundle says {bundle:?}, the image {image_ref} says {image:?}"
        ));
    };
    if generation(b.0) > generation(i.0) {
        return Err(format!(
            "this bundle was made by nodeos {bundle}; the image {image_ref} runs {image} and cannot read its snapshot \
             (snapshots are read by the same or a later major version of nodeos)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_major_and_minor() {
        assert_eq!(major_minor("v4.1.0-dev"), Some((4, 1)));
        assert_eq!(major_minor("v5.0.3"), Some((5, 0)));
        assert_eq!(major_minor("Build version: v3.2"), Some((3, 2)));
        assert_eq!(major_minor("v6"), Some((6, 0)));
        assert_eq!(major_minor("unknown"), None);
    }

    #[test]
    fn a_newer_major_is_refused_the_same_or_older_is_read() {
        assert!(check_readable("v4.1.0-dev", "v4.1.0-dev", "img").is_ok());
        assert!(check_readable("v4.0.4", "v4.1.0", "img").is_ok());
        assert!(check_readable("v3.2.0", "v4.1.0", "img").is_ok());
        // A minor ahead within a major: Leap keeps the snapshot format within a major.
        assert!(check_readable("v4.2.0", "v4.1.0", "img").is_ok());
        let e = check_readable("v5.0.0", "v4.1.0-dev", "antelope-lab/nodeos:x").unwrap_err();
        assert!(
            e.starts_with("this bundle was made by nodeos v5.0.0; the image antelope-lab/nodeos:x runs v4.1.0-dev and cannot read its snapshot"),
            "{e}"
        );
        assert!(check_readable("garbage", "v4.1", "img").unwrap_err().contains("cannot compare"));
        // Spring follows Leap 5: it reads Leap's snapshots, and Leap does not read Spring's.
        assert!(check_readable("v4.1.0-dev", "v1.2.2", "img").is_ok());
        assert!(check_readable("v5.0.3", "v1.0.0", "img").is_ok());
        assert!(check_readable("v1.2.2", "v1.1.0", "img").is_ok());
        assert!(check_readable("v1.2.2", "v5.0.3", "img").unwrap_err().contains("cannot read its snapshot"));
        assert!(check_readable("v2.0.0", "v1.2.2", "img").is_err());
    }
}
