//! The account a contract goes to: created when missing, with a key derived from the lab's seed,
//! and resources given by eosio's privileged actions.
//!
//! Why `setacctram`/`setacctnet`/`setacctcpu` and not `buyram`/`delegatebw`: no token moves, so
//! the supply and the balances the lab's accounts hold stay as the boot left them (tests that add
//! balances up keep adding up), and CPU and NET are unlimited for the account, so `set code` on a
//! chain where most tokens are staked never fails for lack of the account's share of CPU. RAM is
//! sized to the contract: the chain bills ten times the code's size for `setcode`.
//!
//! After the boot eosio's authority belongs to eosio.prods (two thirds of the producers plus
//! one): the wallet in the genesis container holds every producer's key, so cleos signs for
//! eosio@active with theirs.

use serde_json::json;

use crate::boot::Action;

/// RAM the account needs for a contract of this size: the code billed ten times, the ABI, and
/// room for its tables and the account itself.
pub fn ram_for(wasm_len: usize, abi_len: usize) -> i64 {
    (wasm_len as i64) * 10 + (abi_len as i64) * 2 + 1024 * 1024
}

/// The actions that create `name` with `public_key` as owner and active and give it `ram` bytes
/// with unlimited CPU and NET; all authorized by eosio@active.
pub fn create_actions(name: &str, public_key: &str, ram: i64) -> Vec<Action> {
    let mut actions = vec![Action::newaccount(name, public_key)];
    actions.extend(resource_actions(name, ram));
    actions
}

/// `setacctram` to `ram` bytes, and CPU and NET unlimited (`-1`).
pub fn resource_actions(name: &str, ram: i64) -> Vec<Action> {
    vec![
        Action::new("eosio", "setacctram", "eosio", json!({"account": name, "ram_bytes": ram})),
        Action::new("eosio", "setacctnet", "eosio", json!({"account": name, "net_weight": -1})),
        Action::new("eosio", "setacctcpu", "eosio", json!({"account": name, "cpu_weight": -1})),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_transaction_creates_and_provisions() {
        let a =
            create_actions("hello", "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV", ram_for(20_000, 5_000));
        let names: Vec<&str> = a.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["newaccount", "setacctram", "setacctnet", "setacctcpu"]);
        assert!(a.iter().all(|a| a.authorization[0]["actor"] == "eosio"));
        assert_eq!(a[1].data["ram_bytes"], 20_000 * 10 + 10_000 + 1024 * 1024);
        assert_eq!(a[3].data["cpu_weight"], -1);
    }
}
