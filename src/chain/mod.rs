//! The chain as `lab` sees it: value types shared by every stage (account names, token amounts),
//! the protocol's and system contracts' facts, and the typed answers of nodeos. Pure: the
//! questions are asked by [`crate::client`].

pub mod abi;
pub(crate) mod answers;
pub(crate) mod asset;
pub(crate) mod name;
pub(crate) mod system;
pub mod transaction;

pub(crate) use asset::{Amount, Symbol};
pub(crate) use name::check_account_name;
