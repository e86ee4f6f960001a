//! Snapshot bundles: a lab's chain saved to one file on the host (`lab snapshot`) and a new lab
//! started from it (`lab up --from`), so that a chain booted once is reused in seconds.
//!
//! The bundle's members are in [`archive`], its manifest and the version rule in [`manifest`];
//! [`make()`] gathers a bundle from a running lab; `restore` holds the steps of `lab up --from` that
//! differ from a new lab's (the bring-up itself is `lab::up`'s, one for both).

pub mod archive;
pub mod make;
pub mod manifest;
pub mod restore;

pub use archive::{Bundle, BundleError};
pub use make::make;
pub use manifest::{check_readable, Manifest, FORMAT_VERSION};
pub use restore::Restored;
