//! Facts of the protocol and the system contracts that the steps rely on.

/// Where the image keeps the compiled system contracts (the image contract, images/README.md).
pub const CONTRACTS_DIR: &str = "/opt/antelope/contracts";

/// The feature every other feature needs first; it is scheduled through the producer API.
pub const PREACTIVATE_FEATURE: &str = "0ec7e080177b2c02b278d5088611686b49d739925a92d9bfcacd7fc6b74053bd";

/// The system contract activates the chain once this much stake has voted: 150 000 000.0000 of
/// the core token (in units of 0.0001), 15% of the tutorial's billion, fixed in eosio.system
/// (`min_activated_stake`).
pub const MIN_ACTIVATED_STAKE: i64 = 150_000_000 * 10_000;

/// The system accounts the tutorial creates, plus eosio.wrap.
pub const SYSTEM_ACCOUNTS: &[&str] = &[
    "eosio.bpay",
    "eosio.msig",
    "eosio.names",
    "eosio.ram",
    "eosio.ramfee",
    "eosio.saving",
    "eosio.stake",
    "eosio.token",
    "eosio.vpay",
    "eosio.rex",
    "eosio.wrap",
];

/// The contracts deployed to accounts of their own name by the `contracts` step.
pub const ACCOUNT_CONTRACTS: &[&str] = &["eosio.token", "eosio.msig", "eosio.wrap"];

/// The system contract elects at most this many producers.
pub const MAX_PRODUCERS: usize = 21;

/// A vote names at most this many producers.
pub const MAX_VOTES: usize = 30;

/// A contract's folder in the image.
pub fn contract_dir(contract: &str) -> String {
    format!("{CONTRACTS_DIR}/{contract}")
}

/// A contract's wasm in the image.
pub fn wasm_path(contract: &str) -> String {
    format!("{CONTRACTS_DIR}/{contract}/{contract}.wasm")
}
