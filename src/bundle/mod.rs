//! Snapshot bundles: a lab's chain saved to one file on the host (`lab snapshot`) and a new lab
//! started from it (`lab up --from`), so that a chain booted once is reused in seconds.
//!
//! The bundle's members are in [`archive`], its manifest and the version rule in [`manifest`];
//! [`make()`] gathers a bundle from a running lab; `restore` holds the steps of `lab up --from` that
//! differ from a new lab's (the bring-up itself is `lab::up`'s, one for both).

pub(crate) mod archive;
pub(crate) mod make;
pub(crate) mod manifest;
pub(crate) mod restore;

pub(crate) use archive::{Bundle, BundleError};
pub(crate) use make::make;
pub(crate) use restore::Restored;
