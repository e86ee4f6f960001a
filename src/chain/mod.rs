//! Chain-level value types shared by every stage: account names and token amounts.

pub mod asset;
pub mod name;

pub use asset::{Amount, Symbol};
pub use name::check_account_name;
