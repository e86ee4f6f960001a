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

/// The accounts system contracts 3.x pay fees, rewards and RAM to (the Vaulta-era tutorial creates
/// them among the system accounts). Once eosio.system runs they can no longer be made without RAM,
/// and buying RAM already pays `eosio.fees`: `sys` makes them when the image's system contract is
/// of that era ([`VAULTA_ERA_ACTIONS`]).
pub const VAULTA_ACCOUNTS: &[&str] = &["eosio.fees", "eosio.reward", "eosio.wram", "eosio.reserv", "eosio.powup"];

/// Actions only a system contract of the 3.x era declares (finalizer keys, RAM burning and
/// self-buying, the reward split): one of them in the image's eosio.system ABI means the contract
/// pays the [`VAULTA_ACCOUNTS`].
pub const VAULTA_ERA_ACTIONS: &[&str] = &["regfinkey", "switchtosvnn", "ramburn", "buyramself", "setpayfactor"];

/// The small contract upstream activates protocol features with before any other is deployed
/// (a 3.x bios needs the BLS host functions, which exist only once their feature is active).
/// Optional in an image: without it features are activated through eosio.bios's `activate`.
pub const BOOT_CONTRACT: &str = "eosio.boot";

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

/// A contract's ABI in the image.
pub fn abi_path(contract: &str) -> String {
    format!("{CONTRACTS_DIR}/{contract}/{contract}.abi")
}

/// A contract's wasm in the image.
pub fn wasm_path(contract: &str) -> String {
    format!("{CONTRACTS_DIR}/{contract}/{contract}.wasm")
}
