//! The chain as `lab` sees it: value types shared by every stage (account names, token amounts),
//! the protocol's and system contracts' facts, and the typed answers of nodeos. Pure: the
//! questions are asked by [`crate::client`].

pub mod answers;
pub mod asset;
pub mod name;
pub mod system;

pub use asset::{Amount, Symbol};
pub use name::check_account_name;
