//! The chain as `lab` sees it: value types shared by every stage (account names, token amounts),
//! the typed answers of nodeos, and the questions `lab` asks it.

pub mod answers;
pub mod asset;
pub mod name;
mod query;

pub use asset::{Amount, Symbol};
pub use name::check_account_name;
pub use query::Chain;
